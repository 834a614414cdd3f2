//! The `talon-import` binary: parse arguments, start file logging, dispatch, turn errors into one clear line.
#![forbid(unsafe_code)]

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = talon_import::cli::Cli::parse();
    let _log_guard = talon_import::logging::init();
    match talon_import::cli::dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(exit) => {
            tracing::error!("{:#}", exit.error);
            // `{:#}` prints the whole context chain on one line: "reading orders.xlsx: sheet 'Q1': ...".
            eprintln!("error: {:#}", exit.error);
            ExitCode::from(exit.code)
        }
    }
}
