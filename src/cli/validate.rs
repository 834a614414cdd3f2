//! `talon-import validate MAPPING... [--json]`: checks every row without sending anything. Exit 0 when every
//! row is valid, 1 when some are invalid, 2 when a mapping itself is wrong. Several mapping files are validated
//! as one import: a session id used by two files is an error. With `TALON_MANAGEMENT_KEY` and
//! `TALON_BASE_URL` set, the account's custom attributes are known too (as for `map` and `preview`).

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;

use crate::exit::{self, CmdResult, Exit};
use crate::mapping::validate::{Report, validate_many};
use crate::mapping::{Catalog, Mapping};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file(s) (TOML) written by `map` or the wizard; several files are checked as one import.
    #[arg(required = true, num_args = 1..)]
    pub mapping: Vec<PathBuf>,
    /// Print the report as JSON (one object; with several files, an array of objects with a "mapping" key).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> CmdResult {
    let mut mappings = Vec::with_capacity(args.mapping.len());
    for path in &args.mapping {
        mappings.push(Mapping::load(path).map_err(Exit::usage)?);
    }
    let mut catalogs: Vec<Catalog> = Vec::with_capacity(mappings.len());
    for m in &mappings {
        catalogs.push(super::map::load_catalog(Some(m))?);
    }
    // Messages name the data file, which is what the admin knows the orders by.
    let files: Vec<(String, &Mapping, &Catalog)> = mappings
        .iter()
        .zip(&catalogs)
        .map(|(m, c)| {
            let source = m.source_path();
            let label = source.file_name().map_or_else(
                || source.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            (label, m, c)
        })
        .collect();
    let reports = validate_many(&files, |_, _| {}).map_err(|(i, e)| {
        let Exit { code, error } = Exit::usage(e);
        Exit {
            code,
            error: error.context(format!("validating {}", args.mapping[i].display())),
        }
    })?;
    if args.json {
        let text = if reports.len() == 1 {
            serde_json::to_string_pretty(&reports[0])
        } else {
            let all: Vec<serde_json::Value> = reports
                .iter()
                .zip(&args.mapping)
                .map(|(r, p)| {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("mapping".into(), p.display().to_string().into());
                    }
                    v
                })
                .collect();
            serde_json::to_string_pretty(&all)
        }
        .context("writing the report")?;
        super::out::print(format!("{text}\n"))?;
    } else {
        let mut text = String::new();
        for (report, path) in reports.iter().zip(&args.mapping) {
            if reports.len() > 1 {
                let _ = writeln!(
                    text,
                    "{}:",
                    crate::text::for_terminal(&path.display().to_string())
                );
            }
            report_text(&mut text, report);
        }
        super::out::print(text)?;
    }
    Ok(if reports.iter().all(|r| r.invalid == 0) {
        exit::OK
    } else {
        exit::SOME_FAILED
    })
}

fn report_text(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "{} rows: {} valid, {} invalid, {} warnings",
        report.rows, report.valid, report.invalid, report.warnings
    );
    for line in report.lines() {
        let _ = writeln!(out, "  {}", crate::text::for_terminal(&line));
    }
}
