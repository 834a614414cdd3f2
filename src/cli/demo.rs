//! `talon-import demo`: starts the sandbox in-process on a free loopback port (with the custom attributes the
//! demo data uses), writes the bundled demo files into a fresh folder, and opens the wizard connected to the
//! sandbox with `customers.csv` loaded. Nothing leaves this machine.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::exit::{CmdResult, Exit, OK};
use crate::sandbox::{self, SandboxConfig};
use crate::talon::attributes::{AttrType, AttributeDef, Entity};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the demo files and run directories (default: a new folder under the system temp dir).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Open with the orders workbook instead of the customers file.
    #[arg(long)]
    pub orders: bool,
}

/// The demo files, built into the binary so `demo` works from any folder.
const CUSTOMERS: &[u8] = include_bytes!("../../assets/demo/customers.csv");
const ORDERS: &[u8] = include_bytes!("../../assets/demo/orders.xlsx");

/// The custom attributes the demo data needs beyond Talon.One's built-in ones (an account would have them
/// defined in the Campaign Manager).
pub fn demo_attributes() -> Vec<AttributeDef> {
    let def = |entity, name: &str, kind, title: &str| AttributeDef {
        entity,
        name: name.to_string(),
        title: title.to_string(),
        kind,
        description: String::new(),
        builtin: false,
    };
    vec![
        def(
            Entity::CustomerProfile,
            "LoyaltyTier",
            AttrType::String,
            "Loyalty tier",
        ),
        def(
            Entity::CustomerProfile,
            "LifetimeValue",
            AttrType::Number,
            "Lifetime value",
        ),
        def(
            Entity::CustomerProfile,
            "Newsletter",
            AttrType::Boolean,
            "Newsletter opt-in",
        ),
    ]
}

/// Writes the demo files into `dir` (created if missing) and returns the customers and orders paths.
pub fn write_demo_files(dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let customers = dir.join("customers.csv");
    let orders = dir.join("orders.xlsx");
    std::fs::write(&customers, CUSTOMERS)?;
    std::fs::write(&orders, ORDERS)?;
    Ok((customers, orders))
}

pub fn run(args: Args) -> CmdResult {
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("talon-import-demo-{}", std::process::id()))
    });
    let (customers, orders) = write_demo_files(&dir)
        .with_context(|| format!("writing the demo files to {}", dir.display()))
        .map_err(Exit::usage)?;
    let runtime = tokio::runtime::Runtime::new()
        .context("starting the async runtime")
        .map_err(Exit::usage)?;
    runtime
        .block_on(async move {
            let attributes = demo_attributes();
            let sandbox = sandbox::start(SandboxConfig {
                custom_attributes: attributes.clone(),
                ..SandboxConfig::default()
            })
            .await
            .context("starting the demo sandbox on 127.0.0.1")?;
            tracing::info!(url = %sandbox.url(), dir = %dir.display(), "demo sandbox started");
            let opts = crate::tui::WizardOptions {
                file: Some(if args.orders { orders } else { customers }),
                url: Some(sandbox.url()),
                api_key: Some(sandbox.api_key().to_string()),
                management_key: Some(sandbox.management_key().to_string()),
                attributes,
                run_dir: Some(dir.join("runs")),
                demo: true,
            };
            let result = crate::tui::run_in_runtime(opts).await;
            sandbox.shutdown().await;
            result
        })
        .map_err(Exit::usage)?;
    Ok(OK)
}
