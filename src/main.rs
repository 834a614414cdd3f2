//! The `talon-import` binary: parse arguments, start file logging, dispatch, turn errors into one clear line.
#![forbid(unsafe_code)]

use clap::Parser;
use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = talon_import::cli::Cli::parse();
    let _log_guard = talon_import::logging::init();
    match talon_import::cli::dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        // The reader of the output has what it wanted (`| head -1`): nothing went wrong.
        Err(exit) if talon_import::cli::out::is_reader_gone(&exit) => ExitCode::from(exit.code),
        Err(exit) => {
            tracing::error!("{:#}", exit.error);
            // `{:#}` prints the whole context chain on one line: "reading orders.xlsx: sheet 'Q1': ...".
            // Error text can quote the user's file (a column name, a cell): no control characters reach the
            // terminal, line breaks aside.
            let message = format!("{:#}", exit.error);
            let lines: Vec<_> = message
                .lines()
                .map(talon_import::text::for_terminal)
                .collect();
            // Not eprintln!: it panics when stderr is closed or full, and the exit status says enough then.
            let _ = writeln!(std::io::stderr(), "error: {}", lines.join("\n"));
            ExitCode::from(exit.code)
        }
    }
}
