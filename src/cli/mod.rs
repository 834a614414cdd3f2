//! The headless front end: clap definitions and one module per subcommand.
//!
//! Each subcommand module owns its `Args` (raw arguments) and a `run` function that validates them, calls the
//! library and prints. Nothing here is used by the TUI, and nothing here draws on a terminal screen.

pub mod completions;
pub mod demo;
pub mod inspect;
pub mod map;
pub mod out;
pub mod preview;
pub mod run;
pub mod sandbox;
pub mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

use crate::exit::CmdResult;

#[derive(Debug, Parser)]
#[command(
    name = "talon-import",
    version,
    about = "Import customer profiles and past orders from CSV or Excel files into Talon.One",
    long_about = "Import customer profiles and past orders from CSV or Excel files into Talon.One.\n\n\
        Run without a command to open the wizard, or give a file to open the wizard with it loaded.\n\
        The headless commands (inspect, map, validate, preview, run) read the same mapping file the wizard saves.",
    after_help = concat!(
        "Environment:\n",
        "  TALON_API_KEY          Integration API key (never written to any file or log)\n",
        "  TALON_BASE_URL         Deployment URL, e.g. https://mycompany.europe-west1.talon.one\n",
        "  TALON_MANAGEMENT_KEY   Management API key, to load custom attributes\n",
        "  TALON_IMPORT_LOG       Log file path (default: ~/.cache/talon-import/talon-import.log)\n",
    ),
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// A CSV or Excel file to open in the wizard.
    pub file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what is in a CSV or Excel file: format, encoding, header, rows and a profile of every column.
    Inspect(inspect::Args),
    /// Suggest a mapping from a file's columns to Talon.One attributes and write it as TOML.
    Map(map::Args),
    /// Check every row of a mapped file without sending anything.
    Validate(validate::Args),
    /// Print the exact requests that would be sent for some records.
    Preview(preview::Args),
    /// Import mapped files into Talon.One (or a sandbox), with retries, a journal and results files.
    Run(run::Args),
    /// Run a local Talon.One-compatible server to rehearse imports.
    Sandbox(sandbox::Args),
    /// Open the wizard on the bundled demo data, connected to an in-process sandbox.
    Demo(demo::Args),
    /// Print shell completions.
    Completions(completions::Args),
}

/// Runs a parsed command line (the wizard when no subcommand is given).
pub fn dispatch(cli: Cli) -> CmdResult {
    match cli.command {
        Some(Command::Inspect(args)) => inspect::run(args),
        Some(Command::Map(args)) => map::run(args),
        Some(Command::Validate(args)) => validate::run(args),
        Some(Command::Preview(args)) => preview::run(args),
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Sandbox(args)) => sandbox::run(args),
        Some(Command::Demo(args)) => demo::run(args),
        Some(Command::Completions(args)) => completions::run(args),
        None => crate::tui::run_wizard(crate::tui::WizardOptions {
            file: cli.file,
            ..Default::default()
        }),
    }
}
