//! `talon-import inspect FILE`: what is in a CSV or Excel file, as this tool reads it.
//!
//! Prints format, encoding, delimiter, sheets, header row, data rows and a per-column profile, readable at 80
//! columns (or one JSON object with `--json`). File text is sanitized before it reaches the terminal.

use crate::exit::{CmdResult, Exit, OK};
use crate::source::{self, SourceOptions, profile};
use crate::text::for_terminal;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The CSV, TSV, TXT, XLSX, XLSM, XLSB, XLS or ODS file.
    pub file: PathBuf,
    /// Workbook sheet to read (default: the first sheet with data).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Row number of the header (1-based, as Excel numbers rows; default: detected).
    #[arg(long, value_name = "N")]
    pub header_row: Option<usize>,
    /// CSV delimiter: one character, or `tab` (default: detected among , ; tab |).
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
    /// CSV encoding, e.g. utf-8, windows-1252, iso-8859-1, utf-16le (default: detected).
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parses a `--delimiter` value: one ASCII character, or the words `tab`, `comma`, `semicolon`, `pipe`.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s.to_ascii_lowercase().as_str() {
        "tab" | "\\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "--delimiter must be one character such as , ; | or the word tab, not `{s}`"
        )),
    }
}

pub fn run(args: Args) -> CmdResult {
    let delimiter = match &args.delimiter {
        Some(d) => Some(parse_delimiter(d).map_err(|m| Exit::usage(anyhow::anyhow!(m)))?),
        None => None,
    };
    if args.header_row == Some(0) {
        return Err(Exit::usage(anyhow::anyhow!("--header-row counts from 1")));
    }
    let opts = SourceOptions {
        sheet: args.sheet.clone(),
        header_row: args.header_row,
        delimiter,
        encoding: args.encoding.clone(),
    };
    let mut reader = source::open(&args.file, &opts).map_err(Exit::usage)?;
    let profile = profile::profile(&mut reader, None).map_err(Exit::usage)?;
    let info = &reader.info;
    if profile.rows == 0 {
        return Err(Exit::usage(anyhow::anyhow!(
            "{}: the file has a header row but no data rows",
            info.path.display()
        )));
    }
    if args.json {
        println!("{}", json(info, &profile));
    } else {
        print!("{}", text(info, &profile));
    }
    Ok(OK)
}

/// The `--json` object (documented in the README).
pub fn json(info: &source::SourceInfo, profile: &profile::Profile) -> serde_json::Value {
    serde_json::json!({
        "file": info.path,
        "format": info.format,
        "encoding": info.encoding,
        "delimiter": info.delimiter.map(|d| d.to_string()),
        "sheets": info.sheets,
        "sheet": info.sheet,
        "header_row": info.header_row,
        "rows": profile.rows,
        "ragged_rows": profile.ragged_rows,
        "footer_rows": profile.footer_rows,
        "error_cells": profile.error_cells,
        "columns": profile.columns.iter().map(|c| serde_json::json!({
            "name": c.name,
            "kind": c.kind,
            "empty": c.empty,
            "distinct": c.distinct,
            "max_length": c.max_length,
            "samples": c.samples,
            "warnings": c.warnings,
        })).collect::<Vec<_>>(),
    })
}

fn shorten(s: &str, max: usize) -> String {
    let clean = for_terminal(s);
    if clean.chars().count() <= max {
        clean.into_owned()
    } else {
        let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The human-readable report, at most 80 columns wide.
pub fn text(info: &source::SourceInfo, profile: &profile::Profile) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "File:       {}",
        shorten(&info.path.display().to_string(), 68)
    );
    let _ = writeln!(
        out,
        "Format:     {}",
        format!("{:?}", info.format).to_uppercase()
    );
    if let Some(enc) = &info.encoding {
        let _ = writeln!(out, "Encoding:   {enc}");
    }
    if let Some(d) = info.delimiter {
        let shown = match d {
            '\t' => "tab".to_string(),
            c => format!("{c}"),
        };
        let _ = writeln!(out, "Delimiter:  {shown}");
    }
    if !info.sheets.is_empty() {
        let sheets: Vec<String> = info.sheets.iter().map(|s| shorten(s, 30)).collect();
        let _ = writeln!(out, "Sheets:     {}", shorten(&sheets.join(", "), 68));
        if let Some(s) = &info.sheet {
            let _ = writeln!(out, "Sheet:      {}", shorten(s, 68));
        }
    }
    let _ = writeln!(out, "Header row: {}", info.header_row);
    let _ = writeln!(out, "Data rows:  {}", profile.rows);
    if profile.ragged_rows > 0 {
        let _ = writeln!(
            out,
            "Ragged:     {} rows have too few or too many fields",
            profile.ragged_rows
        );
    }
    if profile.footer_rows > 0 {
        let _ = writeln!(
            out,
            "Footer:     {} rows look like totals or report footers",
            profile.footer_rows
        );
    }
    if profile.error_cells > 0 {
        let _ = writeln!(
            out,
            "Errors:     {} cells hold Excel errors such as #N/A",
            profile.error_cells
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<3} {:<24} {:<9} {:>6} {:>8}  samples",
        "#", "column", "kind", "empty", "distinct"
    );
    for (i, c) in profile.columns.iter().enumerate() {
        let kind = serde_json::to_value(c.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let samples: Vec<String> = c.samples.iter().take(3).map(|s| shorten(s, 14)).collect();
        // Counting stops at the limit: say "more than", not a number that looks exact.
        let distinct = if c.distinct > profile::DISTINCT_LIMIT as u64 {
            format!(">{}k", profile::DISTINCT_LIMIT / 1000)
        } else {
            c.distinct.to_string()
        };
        let _ = writeln!(
            out,
            "{:<3} {:<24} {:<9} {:>6} {:>8}  {}",
            i + 1,
            shorten(&c.name, 24),
            kind,
            c.empty,
            distinct,
            shorten(&samples.join(", "), 24)
        );
        for w in &c.warnings {
            let _ = writeln!(out, "    ! {}", shorten(w, 74));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Format, SourceInfo};

    #[test]
    fn a_capped_distinct_count_reads_as_more_than_the_limit() {
        let info = SourceInfo {
            path: "big.csv".into(),
            format: Format::Csv,
            encoding: Some("UTF-8".into()),
            delimiter: Some(','),
            sheets: vec![],
            sheet: None,
            header_row: 1,
            columns: vec!["Id".into(), "Tier".into()],
        };
        let column = |name: &str, distinct: u64| profile::ColumnProfile {
            name: name.into(),
            kind: profile::ValueKind::Text,
            empty: 0,
            distinct,
            samples: vec![],
            max_length: 4,
            warnings: vec![],
        };
        let p = profile::Profile {
            rows: 250_000,
            ragged_rows: 0,
            footer_rows: 0,
            error_cells: 0,
            columns: vec![
                column("Id", profile::DISTINCT_LIMIT as u64 + 1),
                column("Tier", 3),
            ],
        };
        let out = text(&info, &p);
        assert!(out.contains(" >100k "), "{out}");
        assert!(
            out.lines().any(|l| l.contains("Tier") && l.contains(" 3 ")),
            "{out}"
        );
        assert_eq!(json(&info, &p)["columns"][0]["distinct"], 100_001);
    }
}
