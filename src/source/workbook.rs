//! Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) through calamine, read the way Excel shows them.
//!
//! Real dates become ISO 8601, whole numbers print without `.0` or exponent, text keeps its leading zeros,
//! formulas give their cached value and error cells (`#N/A`) stay errors. A sheet's non-empty cells are held in
//! memory (sparse: a stray cell far away costs one cell, not the rectangle up to it) and rows are built one at
//! a time; workbooks are limited to about a million rows by Excel itself.

use super::{Cell, CellKind, Format, Row, SourceError, SourceInfo, SourceOptions, clean, header};
use calamine::{Data, Reader, Sheets, open_workbook};
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
    // Restored rather than cleared: guarded calls nest (the .xlsb formula pass runs inside a sheet read).
    let was = QUIET_PANICS.with(|q| q.replace(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    QUIET_PANICS.with(|q| q.set(was));
    out.map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // The panic text means nothing to the admin; it goes to the log for whoever debugs the file.
        tracing::warn!(panic = %what, "workbook reader panicked");
        "the reader stopped on damaged data".to_string()
    })
}

const ODS_TOO_LARGE: &str = "a sheet reaches too far (more than 100 million cells up to its farthest cell, \
    counting empty formatted ones); delete stray cells and clear empty formatted areas far from the data, or save \
    the sheet as CSV";

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
        Format::Ods => open_workbook(path).map(Sheets::Ods).map_err(|e| match e {
            // calamine expands an .ods sheet up to its farthest cell, including repeated empty formatted
            // cells, and refuses beyond 100 million cells: not damage, and the admin can fix it.
            calamine::OdsError::CellLimitExceeded { .. } => ODS_TOO_LARGE.to_string(),
            e => e.to_string(),
        }),
        Format::Csv => Err("not a workbook".into()),
    })
    .and_then(|read| read);
    sheets.map_err(|e| {
        if e == ODS_TOO_LARGE {
            e
        } else {
            format!("the workbook is damaged or not a real {format:?} file ({e}); open it in Excel and save it again")
        }
    })
}

/// Every sheet name of a workbook, in order.
pub fn sheet_names(path: &Path, format: Format) -> Result<Vec<String>, SourceError> {
    open_sheets(path, format)
        .map(|s| s.sheet_names())
        .map_err(|m| file_error(path, m))
}

/// Formats a number as Excel shows it in General format: whole numbers without `.0`, never an exponent.
///
/// Excel keeps 15 significant digits, so a cached 3.3000000000000003 (the binary sum of 1.1 + 2.2) shows as
/// 3.3; rounding there first gives what the admin sees.
pub fn number_text(n: f64) -> String {
    // A whole number below 2^53 is exact in the file: a 16-digit loyalty card number written by another tool
    // keeps its last digit (Excel itself never stores more than 15).
    let exact = n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0;
    let n = if n.is_finite() && n != 0.0 && !exact {
        format!("{n:.14e}").parse::<f64>().unwrap_or(n)
    } else {
        n
    };
    if n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// An .ods time cell (`PT12H30M00S`) below 24 hours is a time of day, shown as Excel shows one: `12:30:00`.
/// Longer durations stay as written.
fn ods_time_of_day(s: &str) -> Option<String> {
    let rest = s.strip_prefix("PT")?;
    let (h, rest) = rest.split_once('H')?;
    let (m, rest) = rest.split_once('M')?;
    let sec = rest.strip_suffix('S')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let sec: f64 = sec.parse().ok()?;
    if h >= 24 || m >= 60 || !(0.0..60.0).contains(&sec) {
        return None;
    }
    // Round to the second, as for Excel times.
    let sec = (sec.round() as u32).min(59);
    Some(format!("{h:02}:{m:02}:{sec:02}"))
}

/// A time of day (serial below 1) whose .xlsx number format shows no seconds (`h:mm`, `h:mm AM/PM`), as
/// `12:30` like Excel shows it; `None` for anything else, which [`cell`] converts. Excel drops the seconds
/// such a format hides rather than rounding them into the minutes.
fn time_without_seconds(serial: f64, format_code: &str) -> Option<String> {
    if !(serial > 0.0 && serial < 1.0) {
        return None;
    }
    // Seconds are an `s` outside quoted text; `[h]` durations are not times of day.
    let mut quoted = false;
    let mut shows_seconds = false;
    for ch in format_code.chars() {
        match ch {
            '"' => quoted = !quoted,
            's' | 'S' if !quoted => shows_seconds = true,
            '[' if !quoted => return None,
            _ => {}
        }
    }
    if shows_seconds {
        return None;
    }
    // Rounded to the second first, as [`cell`] does, so 11:59:59.9996 is 12:00.
    let secs = (serial * 86_400.0).round() as u32;
    if secs >= 86_400 {
        return None;
    }
    Some(format!("{:02}:{:02}", secs / 3600, secs / 60 % 60))
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
        Data::DurationIso(s) => match ods_time_of_day(s) {
            Some(t) => typed(t, CellKind::Text),
            None => typed(s.clone(), CellKind::Text),
        },
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
            let serial = dt.as_f64();
            if (0.0..1.0).contains(&serial) && serial != 0.0 {
                // A time of day alone (format h:mm): its date part would be Excel's day 0, 1899-12-31.
                let s = if ms >= 500 {
                    s.saturating_add(1).min(59)
                } else {
                    s
                };
                typed(format!("{h:02}:{mi:02}:{s:02}"), CellKind::Text)
            } else if serial.fract() == 0.0 {
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

/// Widest sheet read. A stray cell far to the right (a test value in XFD1, a formatted area dragged to the
/// last column) would otherwise turn every row into thousands of empty cells and `inspect` into thousands
/// of columns; no customer or order export comes near this.
pub const MAX_COLUMNS: usize = 2_000;

type Book = Sheets<std::io::BufReader<std::fs::File>>;

/// A sheet's non-empty cells, sorted by row then column.
///
/// Kept sparse because a sheet's declared size says nothing about its data: one stray cell at XFD1048576
/// made calamine's dense `Range` ask for 512 GiB. Memory is proportional to the cells actually there.
struct SheetCells {
    cells: Vec<(u32, u32, Data)>,
    /// .xlsb formula cells whose cached value is an error (see [`LOST_FORMULA_ERROR`]).
    lost: HashSet<(u32, u32)>,
}

fn push_cell(cells: &mut Vec<(u32, u32, Data)>, (r, c): (u32, u32), value: Data) {
    if !matches!(value, Data::Empty) {
        cells.push((r, c, value));
    }
}

/// Reads one sheet's cells. xlsx and xlsb are streamed cell by cell; calamine has no such reader for .xls
/// and .ods, whose dense ranges are bounded by the format (.xls: 65,536 × 256) or by calamine's own limit of
/// 100 million cells (.ods, see [`ODS_TOO_LARGE`]).
fn load_cells(book: &mut Book, name: &str) -> Result<SheetCells, String> {
    let mut cells = Vec::new();
    let mut lost = HashSet::new();
    match book {
        Sheets::Xlsx(x) => {
            let mut reader = match x.worksheet_cells_reader(name) {
                Ok(r) => r,
                // A chart sheet has no cells.
                Err(calamine::XlsxError::NotAWorksheet(_)) => {
                    return Ok(SheetCells { cells, lost });
                }
                Err(e) => return Err(e.to_string()),
            };
            while let Some((cell, style)) = reader
                .next_cell_with_style_id()
                .map_err(|e| e.to_string())?
            {
                let value = match cell.get_value() {
                    calamine::DataRef::DateTime(dt) => {
                        let format = reader
                            .styles()
                            .get(style)
                            .and_then(|s| s.number_format.as_ref());
                        match format.and_then(|f| time_without_seconds(dt.as_f64(), &f.format_code))
                        {
                            Some(text) => Data::String(text),
                            None => Data::DateTime(*dt),
                        }
                    }
                    other => other.clone().into(),
                };
                push_cell(&mut cells, cell.get_position(), value);
            }
        }
        Sheets::Xlsb(x) => {
            let mut reader = x.worksheet_cells_reader(name).map_err(|e| e.to_string())?;
            while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
                push_cell(
                    &mut cells,
                    cell.get_position(),
                    cell.get_value().clone().into(),
                );
            }
            drop(reader);
            lost = xlsb_formula_errors(x, name, &cells);
        }
        Sheets::Xls(_) | Sheets::Ods(_) => {
            let range = book.worksheet_range(name).map_err(|e| e.to_string())?;
            let (top, left) = range.start().unwrap_or((0, 0));
            for (r, c, d) in range.used_cells() {
                push_cell(&mut cells, (top + r as u32, left + c as u32), d.clone());
            }
        }
    }
    for pos in &lost {
        cells.push((pos.0, pos.1, Data::String(LOST_FORMULA_ERROR.into())));
    }
    if !cells.is_sorted_by_key(|(r, c, _)| (*r, *c)) {
        cells.sort_by_key(|(r, c, _)| (*r, *c));
    }
    Ok(SheetCells { cells, lost })
}

/// Finds the .xlsb formula cells whose cached value is an error.
///
/// calamine 0.38 skips BrtFmlaError records (tafia/calamine#716), so such a cell would silently read as empty.
/// calamine still gives its formula, and a formula cell without a cached value can only be that. Not found:
/// formulas calamine cannot give (shared formulas, unsupported tokens).
fn xlsb_formula_errors(
    book: &mut calamine::Xlsb<std::io::BufReader<std::fs::File>>,
    name: &str,
    cells: &[(u32, u32, Data)],
) -> HashSet<(u32, u32)> {
    let mut formulas = Vec::new();
    // Formulas only help find lost errors; a sheet whose formulas cannot be read still reads.
    let read = guarded(|| -> Result<(), calamine::XlsbError> {
        let mut reader = book.worksheet_cells_reader(name)?;
        while let Some(f) = reader.next_formula()? {
            if !f.get_value().is_empty() {
                formulas.push(f.get_position());
            }
        }
        Ok(())
    });
    if !matches!(read, Ok(Ok(()))) {
        return HashSet::new();
    }
    let valued: HashSet<(u32, u32)> = cells.iter().map(|(r, c, _)| (*r, *c)).collect();
    formulas
        .into_iter()
        .filter(|pos| !valued.contains(pos))
        .collect()
}

/// Excel's name of a 0-based cell position, e.g. `XFD1048576`.
fn cell_name(row: u32, col: u32) -> String {
    format!(
        "{}{}",
        header::column_letter(col as usize),
        u64::from(row) + 1
    )
}

/// Where the header and the data of a loaded sheet are.
struct Layout {
    /// Columns from A to the rightmost non-empty cell.
    width: usize,
    /// Index into `cells` of the first cell after the header row.
    data_start: usize,
    /// 0-based sheet row of the header.
    header: u32,
}

impl SheetCells {
    /// One sheet row from its cells, one cell per column from A.
    fn dense_row(&self, row: u32, cells: &[(u32, u32, Data)], width: usize) -> Vec<Cell> {
        let mut out = vec![Cell::text(""); width];
        for (_, c, d) in cells {
            if let Some(slot) = out.get_mut(*c as usize) {
                *slot = if !self.lost.is_empty() && self.lost.contains(&(row, *c)) {
                    lost_error()
                } else {
                    cell(d)
                };
            }
        }
        out
    }

    /// The cells of one sheet row (a slice of `cells`), found by binary search.
    fn row_slice(&self, row: u32) -> &[(u32, u32, Data)] {
        let start = self.cells.partition_point(|(r, _, _)| *r < row);
        let end = self.cells.partition_point(|(r, _, _)| *r <= row);
        &self.cells[start..end]
    }

    /// Finds the header, checking first that the sheet is not absurdly wide. `Ok(None)`: the sheet is empty.
    fn layout(
        &self,
        path: &Path,
        sheet: &str,
        header_row: Option<usize>,
    ) -> Result<Option<Layout>, SourceError> {
        let Some(&(top, _, _)) = self.cells.first() else {
            return Ok(None);
        };
        let (far_row, far_col, _) = self
            .cells
            .iter()
            .max_by_key(|(_, c, _)| *c)
            .expect("not empty");
        let width = *far_col as usize + 1;
        if width > MAX_COLUMNS {
            return Err(sheet_error(
                path,
                sheet,
                format!(
                    "the sheet reaches column {} (cell {}), more than 2,000 columns wide. If that \
                     cell is a stray, delete it (or clear the formatted area around it) in Excel and save, or \
                     save the sheet as CSV",
                    header::column_letter(*far_col as usize),
                    cell_name(*far_row, *far_col)
                ),
            ));
        }
        let last = self.cells.last().map(|c| c.0).unwrap_or(top);
        let header = match header_row {
            Some(n) if n >= 1 && n - 1 < top as usize => {
                return Err(sheet_error(
                    path,
                    sheet,
                    format!("row {n} is empty; it cannot be the header"),
                ));
            }
            Some(n) if n >= 1 && n - 1 <= last as usize => (n - 1) as u32,
            Some(n) => {
                return Err(sheet_error(
                    path,
                    sheet,
                    format!("there is no row {n} to use as the header"),
                ));
            }
            None => {
                let sample: Vec<Vec<String>> = (0..header::SAMPLE_ROWS as u32)
                    .map(|i| top.saturating_add(i))
                    .map(|r| {
                        self.dense_row(r, self.row_slice(r), width)
                            .into_iter()
                            .map(|c| c.value)
                            .collect()
                    })
                    .collect();
                match header::detect(&sample) {
                    Some(i) => top + i as u32,
                    None => return Ok(None),
                }
            }
        };
        let data_start = self.cells.partition_point(|(r, _, _)| *r <= header);
        Ok(Some(Layout {
            width,
            data_start,
            header,
        }))
    }

    /// True when a row below the header holds a value.
    fn has_data(&self, layout: &Layout) -> bool {
        let mut rest = &self.cells[layout.data_start..];
        while let Some(&(row, _, _)) = rest.first() {
            let n = rest.partition_point(|(r, _, _)| *r == row);
            if self
                .dense_row(row, &rest[..n], layout.width)
                .iter()
                .any(|c| !c.is_empty())
            {
                return true;
            }
            rest = &rest[n..];
        }
        false
    }
}

fn lost_error() -> Cell {
    Cell {
        value: LOST_FORMULA_ERROR.into(),
        raw: None,
        kind: CellKind::Error,
    }
}

fn sheet_error(path: &Path, sheet: &str, message: impl Into<String>) -> SourceError {
    SourceError::Sheet {
        path: path.to_path_buf(),
        sheet: sheet.to_string(),
        message: message.into(),
    }
}

/// The data rows of a sheet, built one at a time from its sparse cells.
struct SheetRows {
    cells: std::iter::Peekable<std::vec::IntoIter<(u32, u32, Data)>>,
    lost: HashSet<(u32, u32)>,
    width: usize,
    number: u64,
}

impl Iterator for SheetRows {
    type Item = Result<Row, SourceError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let row = self.cells.peek()?.0;
            let mut cells = vec![Cell::text(""); self.width];
            while let Some((_, c, d)) = self.cells.next_if(|(r, _, _)| *r == row) {
                if let Some(slot) = cells.get_mut(c as usize) {
                    *slot = if !self.lost.is_empty() && self.lost.contains(&(row, c)) {
                        lost_error()
                    } else {
                        cell(&d)
                    };
                }
            }
            if cells.iter().all(Cell::is_empty) {
                continue;
            }
            self.number += 1;
            let mut notes = Vec::new();
            if header::looks_like_footer(cells.iter().map(|c| c.value.as_str()), self.width) {
                notes.push(super::RowNote::LooksLikeFooter);
            }
            return Some(Ok(Row {
                number: self.number,
                line: u64::from(row) + 1,
                cells,
                notes,
            }));
        }
    }
}

/// Opens one sheet of a workbook: the one asked for, or else the first with a header and data below it.
///
/// A sheet with a header and no data opens with no rows, as a CSV does: the wizard steps through sheets with
/// F2 and must be able to show such a sheet (an error there would keep it on the previous sheet for good).
pub fn open(
    path: &Path,
    format: Format,
    opts: &SourceOptions,
) -> Result<super::SourceReader, SourceError> {
    let mut book = open_sheets(path, format).map_err(|m| file_error(path, m))?;
    let names = book.sheet_names();
    if names.is_empty() {
        return Err(file_error(path, "the workbook has no sheets"));
    }
    let mut load = |name: &str| -> Result<SheetCells, SourceError> {
        guarded(|| load_cells(&mut book, name))
            .and_then(|read| read)
            .map_err(|e| {
                tracing::warn!(file = %path.display(), sheet = name, error = %e, "sheet cannot be read");
                sheet_error(
                    path,
                    name,
                    "the sheet cannot be read: the file is damaged or uses something this reader does \
                     not know. Open it in Excel and save it again, or save the sheet as CSV",
                )
            })
    };
    let (sheet, cells, layout) = match &opts.sheet {
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
            let cells = load(&name)?;
            let layout = cells
                .layout(path, &name, opts.header_row)?
                .ok_or_else(|| sheet_error(path, &name, "the sheet is empty"))?;
            (name, cells, layout)
        }
        None => {
            // The first sheet is often a cover or notes sheet: prefer the first one that has data.
            let mut fallback = None;
            let mut chosen = None;
            let mut first_error = None;
            for name in &names {
                let cells = load(name)?;
                let layout = match cells.layout(path, name, opts.header_row) {
                    Ok(Some(layout)) => layout,
                    Ok(None) => continue,
                    // Another sheet may still be the one; this error is only the answer if none is.
                    Err(e) => {
                        first_error.get_or_insert(e);
                        continue;
                    }
                };
                if cells.has_data(&layout) {
                    chosen = Some((name.clone(), cells, layout));
                    break;
                }
                if fallback.is_none() {
                    fallback = Some((name.clone(), cells, layout));
                }
            }
            match chosen.or(fallback) {
                Some(found) => found,
                None => {
                    return Err(first_error.unwrap_or_else(|| {
                        file_error(path, "every sheet of the workbook is empty")
                    }));
                }
            }
        }
    };
    let header_values: Vec<String> = cells
        .dense_row(layout.header, cells.row_slice(layout.header), layout.width)
        .into_iter()
        .map(|c| c.value)
        .collect();
    let info = SourceInfo {
        path: path.to_path_buf(),
        format,
        encoding: None,
        delimiter: None,
        sheets: names,
        sheet: Some(sheet),
        header_row: layout.header as usize + 1,
        columns: header::unique_names(&header_values),
    };
    let SheetCells { mut cells, lost } = cells;
    cells.drain(..layout.data_start);
    let rows = SheetRows {
        cells: cells.into_iter().peekable(),
        lost,
        width: layout.width,
        number: 0,
    };
    Ok(super::SourceReader::new(info, Box::new(rows)))
}

/// What a ZIP file holds, from the names in its central directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipKind {
    /// xl/workbook.xml: .xlsx or .xlsm.
    Xlsx,
    /// xl/workbook.bin.
    Xlsb,
    /// content.xml (OpenDocument).
    Ods,
    /// A readable ZIP that is none of these (a .docx, a folder of CSVs zipped).
    Other,
}

/// Tells which workbook a ZIP file is by its content, so that an .xlsx renamed to .ods or .xlsb is still read.
/// `None` when the ZIP's directory cannot be read (a truncated file): the caller goes by the extension and the
/// reader reports the damage.
pub fn zip_kind(file: &mut (impl std::io::Read + std::io::Seek)) -> Option<ZipKind> {
    use std::io::SeekFrom;
    // The end-of-central-directory record is the last 22 bytes plus a comment of up to 65,535 bytes.
    let len = file.seek(SeekFrom::End(0)).ok()?;
    let tail_len = len.min(22 + 65_535);
    file.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = vec![0u8; tail_len as usize];
    file.read_exact(&mut tail).ok()?;
    let eocd = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let record = tail.get(eocd..eocd + 22)?;
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as usize;
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let dir_size = u32_at(record, 12);
    let dir_offset = u32_at(record, 16);
    // Workbooks have a few dozen entries; a directory this large is not one (or is ZIP64, which none are).
    if dir_size > 16 << 20 || u64::from(dir_offset) + u64::from(dir_size) > len {
        return None;
    }
    file.seek(SeekFrom::Start(u64::from(dir_offset))).ok()?;
    let mut dir = vec![0u8; dir_size as usize];
    file.read_exact(&mut dir).ok()?;
    let mut names = Vec::new();
    let mut at = 0;
    while dir.get(at..at + 4) == Some(b"PK\x01\x02") {
        let entry = dir.get(at..at + 46)?;
        let (name_len, extra, comment) = (u16_at(entry, 28), u16_at(entry, 30), u16_at(entry, 32));
        let name = dir.get(at + 46..at + 46 + name_len)?;
        names.push(String::from_utf8_lossy(name).to_ascii_lowercase());
        at += 46 + name_len + extra + comment;
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    Some(if has("xl/workbook.bin") {
        ZipKind::Xlsb
    } else if has("xl/workbook.xml") {
        ZipKind::Xlsx
    } else if has("content.xml") {
        ZipKind::Ods
    } else {
        ZipKind::Other
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_excels_fifteen_digits_and_whole_numbers_stay_whole() {
        assert_eq!(number_text(3.3000000000000003), "3.3");
        assert_eq!(number_text(0.30000000000000004), "0.3");
        assert_eq!(number_text(-0.30000000000000004), "-0.3");
        assert_eq!(number_text(17850.0), "17850");
        assert_eq!(number_text(7091234567890.0), "7091234567890");
        assert_eq!(number_text(1234.56), "1234.56");
        assert_eq!(number_text(0.0), "0");
        assert_eq!(number_text(4006381333931234.0), "4006381333931234");
        assert_eq!(number_text(1e20), "100000000000000000000");
    }

    #[test]
    fn ods_times_of_day() {
        let text = |s: &str| cell(&Data::DurationIso(s.into())).value;
        assert_eq!(text("PT12H00M00S"), "12:00:00");
        assert_eq!(text("PT08H30M15.6S"), "08:30:16");
        // A duration of more than a day is not a time of day.
        assert_eq!(text("PT36H00M00S"), "PT36H00M00S");
    }
}
