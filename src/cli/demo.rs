//! `talon-import demo`: the whole journey without an account. Starts the sandbox in-process on a free
//! loopback port (with the custom attributes the demo data needs), writes the bundled demo files to a
//! folder of their own and opens the wizard on them, connected to the sandbox.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::exit::{CmdResult, Exit};
use crate::sandbox::{self, SandboxConfig};
use crate::talon::attributes::{AttrType, AttributeDef, Entity};

/// The demo files, inside the binary so `demo` works wherever it is run from.
const CUSTOMERS: &[u8] = include_bytes!("../../assets/demo/customers.csv");
const ORDERS: &[u8] = include_bytes!("../../assets/demo/orders.xlsx");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to put the demo files (default: talon-import-demo in the system's temp folder).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Start with the orders workbook instead of the customers file.
    #[arg(long)]
    pub orders: bool,
}

/// The custom attributes of the demo data, as an account would have created them in the Campaign Manager.
pub fn demo_attributes() -> Vec<AttributeDef> {
    let def = |name: &str, title: &str, kind: AttrType| AttributeDef {
        entity: Entity::CustomerProfile,
        name: name.to_string(),
        title: title.to_string(),
        kind,
        description: "Demo attribute".to_string(),
        builtin: false,
    };
    vec![
        def("LoyaltyTier", "Loyalty tier", AttrType::String),
        def("LifetimeValue", "Lifetime value", AttrType::Number),
        def("Newsletter", "Newsletter opt-in", AttrType::Boolean),
    ]
}

/// Writes the demo files into `dir` (created if needed); returns the customers and orders paths.
pub fn write_demo_files(dir: &std::path::Path) -> std::io::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let customers = dir.join("customers.csv");
    let orders = dir.join("orders.xlsx");
    std::fs::write(&customers, CUSTOMERS)?;
    std::fs::write(&orders, ORDERS)?;
    Ok((customers, orders))
}

pub fn run(args: Args) -> CmdResult {
    let dir = args
        .dir
        .unwrap_or_else(|| std::env::temp_dir().join("talon-import-demo"));
    let (customers, orders) = write_demo_files(&dir)
        .with_context(|| format!("writing the demo files to {}", dir.display()))
        .map_err(Exit::usage)?;
    // The sandbox lives on its own runtime's worker threads while the wizard runs on another.
    let runtime = tokio::runtime::Runtime::new()
        .context("starting the async runtime")
        .map_err(Exit::usage)?;
    let sb = runtime
        .block_on(sandbox::start(SandboxConfig {
            custom_attributes: demo_attributes(),
            ..SandboxConfig::default()
        }))
        .context("starting the demo sandbox on 127.0.0.1")
        .map_err(Exit::usage)?;
    tracing::info!(url = %sb.url(), "demo sandbox started");
    let result = crate::tui::run_wizard(crate::tui::WizardOptions {
        file: Some(if args.orders { orders } else { customers }),
        url: Some(sb.url()),
        api_key: Some(sb.api_key().to_string()),
        management_key: Some(sb.management_key().to_string()),
        demo: true,
    });
    runtime.block_on(sb.shutdown());
    result
}
