//! Helpers shared by the engine tests: the sessions mapping most of them import with, and the binary started
//! the way a user starts it. (Each test crate uses a part of it, hence `dead_code` allowed.)
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The sessions mapping of `orders.csv` (columns Order, Customer, SKU, Qty, Price), as TOML.
pub const ORDERS_MAPPING: &str = "target = \"sessions\"\n[source]\nfile = \"orders.csv\"\n\
    [id]\ncolumn = \"Order\"\n[profile_id]\ncolumn = \"Customer\"\n[cart_items.sku]\ncolumn = \"SKU\"\n\
    [cart_items.quantity]\ncolumn = \"Qty\"\n[cart_items.price]\ncolumn = \"Price\"\n";

/// Writes `orders.csv` (header added) and `orders.toml` in `dir`; returns the mapping's path.
pub fn write_orders(dir: &Path, rows: &str) -> PathBuf {
    std::fs::write(
        dir.join("orders.csv"),
        format!("Order,Customer,SKU,Qty,Price\n{rows}"),
    )
    .unwrap();
    let path = dir.join("orders.toml");
    std::fs::write(&path, ORDERS_MAPPING).unwrap();
    path
}

/// `talon-import run` in `dir`, with the log in `dir`, no `TALON_*` settings inherited, the key when given,
/// and stdin closed. Add the mapping files and flags.
pub fn talon_import_run(dir: &Path, key: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_talon-import"));
    cmd.current_dir(dir)
        .arg("run")
        .env_remove("TALON_BASE_URL")
        .env_remove("TALON_API_KEY")
        .env("TALON_IMPORT_LOG", dir.join("talon-import.log"))
        .stdin(Stdio::null());
    if let Some(k) = key {
        cmd.env("TALON_API_KEY", k);
    }
    cmd
}
