//! `talon-import preview MAPPING [--rows N] [--from ROW] [--format http|curl|json]`: prints the exact
//! requests for a few records, rendered by [`crate::payload::render`] (the wizard shows the same text).
//! Nothing is sent. Records that would be rejected are shown with their problems instead of a body.

use crate::exit::{CmdResult, Exit, OK, SOME_FAILED};
use crate::mapping::Mapping;
use crate::payload::render::{self, Context, Format};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Method, URL, headers and the pretty JSON body.
    Http,
    /// A curl command per record (the key is read from $TALON_API_KEY when it runs).
    Curl,
    /// A JSON array of {"row", "valid", "method", "path", "body"} (or "errors"), for scripts.
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Http => Format::Http,
            FormatArg::Curl => Format::Curl,
            FormatArg::Json => Format::Json,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file (from `talon-import map` or the wizard).
    pub mapping: PathBuf,
    /// How many records to show (a session built from several line-item rows counts once).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub rows: usize,
    /// Start at the record holding this 1-based data row.
    #[arg(long, value_name = "ROW", default_value_t = 1)]
    pub from: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Http)]
    pub format: FormatArg,
}

pub fn run(args: Args) -> CmdResult {
    let mapping = Mapping::load(&args.mapping).map_err(Exit::usage)?;
    let catalog = super::map::load_catalog(Some(&mapping))?;
    let plan = crate::payload::plan(&mapping, &catalog).map_err(Exit::usage)?;
    // How ambiguous dates are read is decided over the whole column; say so rather than convert silently.
    for line in plan.date_orders.iter().filter_map(|d| d.line()) {
        eprintln!("Note: {}", crate::text::for_terminal(&line));
    }
    let mut records = vec![];
    for record in plan {
        if records.len() >= args.rows {
            break;
        }
        let record = record.map_err(Exit::usage)?;
        if record.rows.iter().any(|r| *r >= args.from) {
            records.push(record);
        }
    }
    if records.is_empty() {
        eprintln!(
            "No records{} in {}.",
            if args.from > 1 {
                format!(" from row {}", args.from)
            } else {
                String::new()
            },
            mapping.source_path().display()
        );
    }
    let ctx = Context::from_env();
    let text = render::render(&records, args.format.into(), &ctx);
    super::out::print(text)?;
    let invalid = records.iter().filter(|r| r.request.is_err()).count();
    if invalid > 0 {
        eprintln!(
            "{invalid} of {} records shown would be rejected; `talon-import validate {}` lists every problem.",
            records.len(),
            args.mapping.display()
        );
        return Ok(SOME_FAILED);
    }
    Ok(OK)
}
