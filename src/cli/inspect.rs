//! `talon-import inspect FILE`: what is in a CSV or Excel file, as this tool reads it.
//!
//! Prints format, encoding, delimiter, sheets, header row, data rows and a per-column profile, readable at 80
//! columns (or one JSON object with `--json`). File text is sanitized before it reaches the terminal.

use crate::exit::{CmdResult, Exit, OK};
use crate::source::{self, SourceOptions, profile};
use crate::text::for_terminal;
use std::fmt::Write as _;
use std::path::PathBuf;
use unicode_width::UnicodeWidthStr as _;

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
pub fn run(args: Args) -> CmdResult {
    let delimiter = match &args.delimiter {
        Some(d) => Some(source::parse_delimiter(d).map_err(|m| Exit::usage(anyhow::anyhow!(m)))?),
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
        let message = match &info.sheet {
            Some(sheet) => {
                let others: Vec<&str> = info
                    .sheets
                    .iter()
                    .filter(|s| *s != sheet)
                    .map(String::as_str)
                    .collect();
                let pick = if others.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the other sheets are {}: pick one with --sheet NAME",
                        others.join(", ")
                    )
                };
                format!(
                    "{}, sheet '{sheet}': the sheet has a header row (row {}) but no data rows{pick}",
                    info.path.display(),
                    info.header_row
                )
            }
            None => format!(
                "{}: the file has a header row (line {}) but no data rows",
                info.path.display(),
                info.header_row
            ),
        };
        return Err(Exit::usage(anyhow::anyhow!(message)));
    }
    if args.json {
        super::out::print(format!("{}\n", json(info, &profile)))?;
    } else {
        super::out::print(text(info, &profile))?;
    }
    Ok(OK)
}

/// The `--json` object (documented in the README).
pub fn json(info: &source::SourceInfo, profile: &profile::Profile) -> serde_json::Value {
    serde_json::json!({
        // Lossy: a path need not be UTF-8, and serializing such a `PathBuf` fails.
        "file": info.path.to_string_lossy(),
        "format": info.format,
        "encoding": info.encoding,
        "delimiter": info.delimiter.map(|d| d.to_string()),
        "sheets": info.sheets,
        "sheet": info.sheet,
        "header_row": info.header_row,
        "rows": profile.rows,
        "ragged_rows": profile.ragged_rows,
        "ragged_lines": profile.ragged_lines,
        "footer_rows": profile.footer_rows,
        "error_cells": profile.error_cells,
        "error_locations": profile.error_locations,
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

/// Terminal columns of the report.
const WIDTH: usize = 80;

/// Sanitized and cut to `max` terminal columns (by display width: a CJK character takes two), with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    let clean = for_terminal(s);
    if clean.width() <= max {
        return clean.into_owned();
    }
    let mut end = 0;
    for (i, c) in clean.char_indices() {
        let next = i + c.len_utf8();
        if clean[..next].width() + 1 > max {
            break;
        }
        end = next;
    }
    format!("{}…", &clean[..end])
}

/// `s` (already sanitized) padded with spaces to `cols` terminal columns.
fn pad(s: &str, cols: usize) -> String {
    format!("{s}{}", " ".repeat(cols.saturating_sub(s.width())))
}

/// Writes `text` as lines of at most [`WIDTH`] columns: the first starts with `first`, the others with as
/// many spaces, broken between words (a word longer than a line is broken where it must be).
fn wrap(out: &mut String, first: &str, text: &str) {
    wrap_words(out, first, for_terminal(text).split(' '));
}

/// [`wrap`] for text already sanitized and split into words; a word may hold spaces to keep `row 5 "Amount"`
/// on one line.
fn wrap_words<'w>(out: &mut String, first: &str, words: impl IntoIterator<Item = &'w str>) {
    let indent = " ".repeat(first.width());
    let mut line = first.to_string();
    let mut bare = true;
    for word in words.into_iter().filter(|w| !w.is_empty()) {
        if !bare && line.width() + 1 + word.width() > WIDTH {
            let _ = writeln!(out, "{line}");
            line.clone_from(&indent);
            bare = true;
        }
        if !bare {
            line.push(' ');
        }
        let mut rest = word;
        while line.width() + rest.width() > WIDTH {
            let room = WIDTH.saturating_sub(line.width());
            let mut end = 0;
            for (i, c) in rest.char_indices() {
                let next = i + c.len_utf8();
                if rest[..next].width() > room {
                    break;
                }
                end = next;
            }
            if end == 0 {
                // Not even one character fits after the indent: write it anyway rather than loop.
                end = rest.chars().next().map_or(rest.len(), char::len_utf8);
            }
            let _ = writeln!(out, "{line}{}", &rest[..end]);
            line.clone_from(&indent);
            rest = &rest[end..];
        }
        line.push_str(rest);
        bare = false;
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

/// `1 row` / `2 rows`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `message (lines 4, 7)` as words for [`wrap_words`], each place one word, `…` when there are more than
/// listed.
fn listed(message: &str, label: &str, places: &[String], total: u64) -> Vec<String> {
    let mut words: Vec<String> = message.split(' ').map(str::to_string).collect();
    let more = total > places.len() as u64;
    for (i, place) in places.iter().enumerate() {
        let open = if i == 0 {
            format!("({label}")
        } else {
            String::new()
        };
        let close = if i + 1 < places.len() || more {
            ","
        } else {
            ")"
        };
        words.push(format!("{open}{place}{close}"));
    }
    if more {
        words.push("…)".into());
    }
    words
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
    // CSV rows are named by the line they start on, workbook rows by their row number.
    let unit = if info.format == source::Format::Csv {
        "line"
    } else {
        "row"
    };
    if profile.ragged_rows > 0 {
        let lines: Vec<String> = profile.ragged_lines.iter().map(u64::to_string).collect();
        let verb = if profile.ragged_rows == 1 {
            "has"
        } else {
            "have"
        };
        let at = if profile.ragged_lines.len() == 1 {
            unit.to_string()
        } else {
            format!("{unit}s")
        };
        let message = format!(
            "{} {verb} too few or too many fields",
            count(profile.ragged_rows, "row", "rows")
        );
        let words = listed(&message, &format!("{at} "), &lines, profile.ragged_rows);
        wrap_words(&mut out, "Ragged:     ", words.iter().map(String::as_str));
    }
    if profile.footer_rows > 0 {
        let text = if profile.footer_rows == 1 {
            "1 row at the end looks like a total or report footer; it is not counted as data"
                .to_string()
        } else {
            format!(
                "{} rows at the end look like totals or report footers; they are not counted as data",
                profile.footer_rows
            )
        };
        wrap(&mut out, "Footer:     ", &text);
    }
    if profile.error_cells > 0 {
        let places: Vec<String> = profile
            .error_locations
            .iter()
            .map(|p| format!("{unit} {} \"{}\"", p.row, shorten(&p.column, 24)))
            .collect();
        let verb = if profile.error_cells == 1 {
            "holds an Excel error"
        } else {
            "hold Excel errors"
        };
        let message = format!(
            "{} {verb} such as #N/A",
            count(profile.error_cells, "cell", "cells")
        );
        let words = listed(&message, "", &places, profile.error_cells);
        wrap_words(&mut out, "Errors:     ", words.iter().map(String::as_str));
    }
    let _ = writeln!(out);
    // The number columns grow for a file with very many columns or empty cells; the samples give way.
    let num_w = profile.columns.len().to_string().len().max(3);
    let empty_w = profile
        .columns
        .iter()
        .map(|c| c.empty.to_string().len())
        .max()
        .unwrap_or(0)
        .max(6);
    let samples_w = WIDTH.saturating_sub(num_w + 1 + 24 + 1 + 9 + 1 + empty_w + 1 + 8 + 2);
    let _ = writeln!(
        out,
        "{:<num_w$} {:<24} {:<9} {:>empty_w$} {:>8}  samples",
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
        let line = format!(
            "{:<num_w$} {} {:<9} {:>empty_w$} {:>8}  {}",
            i + 1,
            pad(&shorten(&c.name, 24), 24),
            kind,
            c.empty,
            distinct,
            // A cut right after a sample that was cut itself would show `……`.
            shorten(&samples.join(", "), samples_w).replace("……", "…")
        );
        let _ = writeln!(out, "{}", line.trim_end());
        for w in &c.warnings {
            wrap(&mut out, "    ! ", w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Format, SourceInfo};

    #[test]
    fn delimiters_that_cannot_work_are_refused_with_a_reason() {
        assert_eq!(source::parse_delimiter(";"), Ok(b';'));
        assert_eq!(source::parse_delimiter("TAB"), Ok(b'\t'));
        assert!(source::parse_delimiter("\"").unwrap_err().contains("quote"));
        assert!(
            source::parse_delimiter("\n")
                .unwrap_err()
                .contains("line break")
        );
        assert!(source::parse_delimiter("§").unwrap_err().contains("ASCII"));
        assert!(
            source::parse_delimiter(";;")
                .unwrap_err()
                .contains("one character")
        );
    }

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
            ragged_lines: vec![],
            footer_rows: 0,
            error_cells: 0,
            error_locations: vec![],
            columns: vec![
                column("Id", profile::DISTINCT_LIMIT as u64 + 1),
                column("Tier", 3),
            ],
        };
        let out = text(&info, &p);
        assert!(
            out.lines()
                .any(|l| l.contains("Id") && l.ends_with(" >100k")),
            "{out}"
        );
        assert!(
            out.lines().any(|l| l.contains("Tier") && l.ends_with(" 3")),
            "{out}"
        );
        assert_eq!(json(&info, &p)["columns"][0]["distinct"], 100_001);
    }

    fn one_column(name: &str, empty: u64, warnings: Vec<String>) -> (SourceInfo, profile::Profile) {
        let info = SourceInfo {
            path: "ファイル名ファイル名ファイル名ファイル名ファイル名ファイル名ファイル名.xlsx"
                .into(),
            format: Format::Xlsx,
            encoding: None,
            delimiter: None,
            sheets: vec!["受注受注受注受注受注受注受注受注受注受注受注受注受注受注受注".into()],
            sheet: Some("受注受注受注受注受注受注受注受注受注受注受注受注受注受注受注".into()),
            header_row: 1,
            columns: vec![name.into()],
        };
        let p = profile::Profile {
            rows: 1_500_000,
            ragged_rows: 1,
            ragged_lines: vec![1_234_567],
            footer_rows: 1,
            error_cells: 9,
            error_locations: (0..5)
                .map(|i| profile::CellPlace {
                    row: 1_000_000 + i,
                    column: "金額金額金額金額金額金額金額金額".into(),
                })
                .collect(),
            columns: vec![profile::ColumnProfile {
                name: name.into(),
                kind: profile::ValueKind::Text,
                empty,
                distinct: 100_001,
                samples: vec![
                    "山田太郎山田太郎".into(),
                    "😀😀😀😀😀😀😀😀".into(),
                    "x".into(),
                ],
                max_length: 8,
                warnings,
            }],
        };
        (info, p)
    }

    #[test]
    fn every_line_fits_80_terminal_columns() {
        let long = "a warning long enough to need three lines at eighty columns, with advice at the very \
                    end that must not be cut off: export again with this column formatted as text";
        for (name, empty) in [
            ("顧客名顧客名顧客名顧客名顧客名", 1_000_000),
            ("Name", 12_345_678_901),
        ] {
            let (info, p) = one_column(
                name,
                empty,
                vec![long.into(), format!("{}x", "y".repeat(100))],
            );
            let out = text(&info, &p);
            for line in out.lines() {
                assert!(
                    line.width() <= WIDTH,
                    "{} wide: {line}\n{out}",
                    line.width()
                );
            }
            assert!(out.contains("formatted as text"), "{out}");
            assert!(out.contains(&empty.to_string()), "{out}");
            assert!(
                out.contains("1 row has too few or too many fields (row 1234567)"),
                "{out}"
            );
            assert!(out.contains("1 row at the end looks like"), "{out}");
            assert!(out.contains("9 cells hold Excel errors"), "{out}");
            assert!(out.contains("row 1000000 \"金額"), "{out}");
            assert!(out.contains(", …)"), "{out}");
        }
    }

    #[test]
    fn cutting_counts_terminal_columns() {
        assert_eq!(shorten("山田太郎", 8), "山田太郎");
        assert_eq!(shorten("山田太郎", 7), "山田太…");
        assert_eq!(shorten("山田太郎", 6), "山田…");
        assert_eq!(pad("山田", 6), "山田  ");
        let mut out = String::new();
        wrap(&mut out, "    ! ", "one two");
        assert_eq!(out, "    ! one two\n");
    }
}
