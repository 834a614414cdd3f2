//! `talon-import validate MAPPING [--json]`: checks every row without sending anything. Exit 0 when every row
//! is valid, 1 when some are invalid, 2 when the mapping itself is wrong.

use std::path::PathBuf;

use anyhow::Context;

use crate::exit::{self, CmdResult, Exit};
use crate::mapping::validate::validate;
use crate::mapping::{Catalog, Mapping};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file (TOML) written by `map` or the wizard.
    pub mapping: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> CmdResult {
    let mapping = Mapping::load(&args.mapping).map_err(Exit::usage)?;
    let catalog = Catalog::for_mapping(&mapping);
    let report = validate(&mapping, &catalog, |_| {})
        .map_err(Exit::usage)
        .map_err(|e| Exit {
            code: e.code,
            error: e
                .error
                .context(format!("validating {}", args.mapping.display())),
        })?;
    if args.json {
        let text = serde_json::to_string_pretty(&report).context("writing the report")?;
        println!("{text}");
    } else {
        println!(
            "{} rows: {} valid, {} invalid, {} warnings",
            report.rows, report.valid, report.invalid, report.warnings
        );
        for line in report.lines() {
            println!("  {}", crate::text::for_terminal(&line));
        }
    }
    Ok(if report.invalid == 0 {
        exit::OK
    } else {
        exit::SOME_FAILED
    })
}
