//! Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) through calamine, read the way Excel shows them.
//!
//! Real dates become ISO 8601, whole numbers print without `.0` or exponent, text keeps its leading zeros,
//! formulas give their cached value and error cells (`#N/A`) stay errors. calamine loads a sheet into memory,
//! which is fine: workbooks are limited to about a million rows by Excel itself.

use super::{Cell, CellKind, Format, Row, SourceError, SourceInfo, SourceOptions, clean, header};
use calamine::{Data, Range, Reader, Sheets, open_workbook};
use std::collections::HashSet;
use std::path::Path;

fn file_error(path: &Path, message: impl Into<String>) -> SourceError {
    SourceError::File {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

thread_local! {
    /// Set while [`guarded`] runs a calamine call on this thread: the panic hook then stays quiet.
    static QUIET_PANICS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a calamine call, turning a panic inside it into an error message.
///
/// calamine indexes into file data without checking in places (a shared string index past the end of the
/// table, formula tokens of sizes it does not expect), so a damaged or unusual workbook can make it panic.
/// The caller reports one clear line instead, and the panic hook (which in the wizard restores the terminal)
/// stays quiet for these calls.
fn guarded<T>(call: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    QUIET_PANICS.with(|q| q.set(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    QUIET_PANICS.with(|q| q.set(false));
    out.map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("the reader stopped on damaged data: {what}")
    })
}

fn open_sheets(
    path: &Path,
    format: Format,
) -> Result<Sheets<std::io::BufReader<std::fs::File>>, String> {
    let sheets = guarded(|| match format {
        Format::Xlsx | Format::Xlsm => open_workbook(path)
            .map(Sheets::Xlsx)
            .map_err(|e| e.to_string()),
        Format::Xlsb => open_workbook(path)
            .map(Sheets::Xlsb)
            .map_err(|e| e.to_string()),
        Format::Xls => open_workbook(path)
            .map(Sheets::Xls)
            .map_err(|e| e.to_string()),
        Format::Ods => open_workbook(path)
            .map(Sheets::Ods)
            .map_err(|e| e.to_string()),
        Format::Csv => Err("not a workbook".into()),
    })
    .and_then(|read| read);
    sheets.map_err(|e| format!("the workbook is damaged or not a real {format:?} file ({e}); open it in Excel and save it again"))
}

/// Every sheet name of a workbook, in order.
pub fn sheet_names(path: &Path, format: Format) -> Result<Vec<String>, SourceError> {
    open_sheets(path, format)
        .map(|s| s.sheet_names())
        .map_err(|m| file_error(path, m))
}

/// Formats a number as Excel shows it in General format: whole numbers without `.0`, never an exponent.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Converts a calamine cell to a [`Cell`].
pub fn cell(data: &Data) -> Cell {
    let typed = |value: String, kind| Cell {
        value,
        raw: None,
        kind,
    };
    match data {
        Data::Empty => typed(String::new(), CellKind::Empty),
        Data::String(s) => clean::text_cell(s),
        Data::Int(i) => typed(i.to_string(), CellKind::Number),
        Data::Float(f) => typed(number_text(*f), CellKind::Number),
        Data::Bool(b) => typed(b.to_string(), CellKind::Bool),
        Data::Error(e) => typed(e.to_string(), CellKind::Error),
        Data::DurationIso(s) => typed(s.clone(), CellKind::Text),
        Data::DateTimeIso(s) => {
            let kind = if s.contains('T') {
                CellKind::DateTime
            } else {
                CellKind::Date
            };
            typed(s.clone(), kind)
        }
        Data::DateTime(dt) if dt.is_duration() => typed(number_text(dt.as_f64()), CellKind::Number),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if dt.as_f64().fract() == 0.0 {
                typed(format!("{y:04}-{mo:02}-{d:02}"), CellKind::Date)
            } else {
                // Round to the second: Excel stores times as fractions of a day.
                let s = if ms >= 500 {
                    s.saturating_add(1).min(59)
                } else {
                    s
                };
                typed(
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
                    CellKind::DateTime,
                )
            }
        }
    }
}

/// What an .xlsb formula cell whose cached value is an error reads as; which error it was is not known.
pub const LOST_FORMULA_ERROR: &str = "#ERROR";

/// Finds the .xlsb formula cells whose cached value is an error.
///
/// calamine 0.38 skips BrtFmlaError records (tafia/calamine#716), so such a cell would silently read as empty.
/// calamine still gives its formula, and a formula cell without a cached value can only be that. Not found:
/// formulas calamine cannot give (shared formulas, unsupported tokens) and a cell outside the range of the
/// sheet's other cells (a lone error in an otherwise empty row or column).
fn xlsb_formula_errors(
    sheets: &mut Sheets<std::io::BufReader<std::fs::File>>,
    name: &str,
    range: &Range<Data>,
) -> HashSet<(u32, u32)> {
    let Ok(Ok(formulas)) = guarded(|| sheets.worksheet_formula(name)) else {
        return HashSet::new();
    };
    let (top, left) = formulas.start().unwrap_or((0, 0));
    formulas
        .used_cells()
        .filter(|(_, _, f)| !f.is_empty())
        .map(|(r, c, _)| (top + r as u32, left + c as u32))
        .filter(|pos| matches!(range.get_value(*pos), Some(Data::Empty)))
        .collect()
}

/// Opens one sheet of a workbook.
pub fn open(
    path: &Path,
    format: Format,
    opts: &SourceOptions,
) -> Result<super::SourceReader, SourceError> {
    let mut sheets = open_sheets(path, format).map_err(|m| file_error(path, m))?;
    let names = sheets.sheet_names();
    if names.is_empty() {
        return Err(file_error(path, "the workbook has no sheets"));
    }
    let load = |sheets: &mut Sheets<_>, name: &str| -> Result<Range<Data>, SourceError> {
        guarded(|| sheets.worksheet_range(name).map_err(|e| e.to_string()))
            .and_then(|read| read)
            .map_err(|e| {
                file_error(
                    path,
                    format!(
                        "sheet \"{name}\" cannot be read ({e}); open it in Excel and save it again"
                    ),
                )
            })
    };
    let (sheet, range) = match &opts.sheet {
        Some(wanted) => {
            let name = names
                .iter()
                .find(|n| *n == wanted)
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)))
                .ok_or_else(|| {
                    file_error(
                        path,
                        format!(
                            "there is no sheet \"{wanted}\"; the sheets are: {}",
                            names.join(", ")
                        ),
                    )
                })?
                .clone();
            let range = load(&mut sheets, &name)?;
            (name, range)
        }
        None => {
            let mut found = None;
            for name in &names {
                let range = load(&mut sheets, name)?;
                if range
                    .used_cells()
                    .any(|(_, _, d)| !matches!(d, Data::Empty))
                {
                    found = Some((name.clone(), range));
                    break;
                }
            }
            found.ok_or_else(|| file_error(path, "every sheet of the workbook is empty"))?
        }
    };
    let lost_errors = match format {
        Format::Xlsb => xlsb_formula_errors(&mut sheets, &sheet, &range),
        _ => HashSet::new(),
    };
    let (top, left) = range.start().unwrap_or((0, 0));
    let width = range.width() + left as usize;
    let height = range.height();
    // Cells are addressed from column A so that names like `Column C` match what Excel shows.
    let row_cells = |r: usize| -> Vec<Cell> {
        (0..width)
            .map(|c| {
                if lost_errors.contains(&(top + r as u32, c as u32)) {
                    Cell {
                        value: LOST_FORMULA_ERROR.into(),
                        raw: None,
                        kind: CellKind::Error,
                    }
                } else if c < left as usize {
                    Cell::text("")
                } else {
                    range
                        .get((r, c - left as usize))
                        .map(cell)
                        .unwrap_or_else(|| Cell::text(""))
                }
            })
            .collect()
    };
    let sample_end = height.min(header::SAMPLE_ROWS.max(opts.header_row.unwrap_or(0)));
    let header_index = match opts.header_row {
        Some(n) if n >= 1 && n > top as usize && n - 1 - (top as usize) < height => {
            n - 1 - top as usize
        }
        Some(n) if n >= 1 && n <= top as usize => {
            return Err(file_error(
                path,
                format!("row {n} of sheet \"{sheet}\" is empty; it cannot be the header"),
            ));
        }
        Some(n) => {
            return Err(file_error(
                path,
                format!("sheet \"{sheet}\" has no row {n} to use as the header"),
            ));
        }
        None => {
            let sample: Vec<Vec<String>> = (0..sample_end)
                .map(|r| row_cells(r).into_iter().map(|c| c.value).collect())
                .collect();
            header::detect(&sample)
                .ok_or_else(|| file_error(path, format!("sheet \"{sheet}\" has no data")))?
        }
    };
    let header_values: Vec<String> = row_cells(header_index)
        .into_iter()
        .map(|c| c.value)
        .collect();
    let columns = header::unique_names(&header_values);
    let info = SourceInfo {
        path: path.to_path_buf(),
        format,
        encoding: None,
        delimiter: None,
        sheets: names,
        sheet: Some(sheet),
        header_row: header_index + 1 + top as usize,
        columns,
    };
    let mut rows = Vec::new();
    let mut number = 0u64;
    for r in header_index + 1..height {
        let cells = row_cells(r);
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        number += 1;
        let mut notes = Vec::new();
        if header::looks_like_footer(cells.iter().map(|c| c.value.as_str()), width) {
            notes.push(super::RowNote::LooksLikeFooter);
        }
        rows.push(Ok(Row {
            number,
            line: (r + 1 + top as usize) as u64,
            cells,
            notes,
        }));
    }
    Ok(super::SourceReader::new(info, Box::new(rows.into_iter())))
}
