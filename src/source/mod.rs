//! Files → rows. Reads CSV/TSV (any common encoding and delimiter) and workbooks (via calamine) and yields
//! the rows as the admin sees them in Excel, one at a time (never the whole CSV in memory).
//!
//! This module knows nothing of Talon.One or of mappings: it only reads. Everything downstream reads through
//! [`open`] and the [`Row`]/[`Cell`] types below.
//!
//! [`csv`] reads delimited text, [`workbook`] reads Excel/ODS, [`header`] finds the header and names columns,
//! [`clean`] turns raw fields into clean values, and [`profile`] summarises columns for `inspect` and the wizard.

mod ahead;
pub mod clean;
pub mod csv;
pub mod header;
pub mod profile;
pub mod records;
mod words;
pub mod workbook;

use std::path::{Path, PathBuf};

/// How to read a file; `None` everywhere means "detect".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceOptions {
    /// Workbook sheet name (default: the first sheet with data).
    pub sheet: Option<String>,
    /// 1-based row (CSV: record) number of the header row.
    pub header_row: Option<usize>,
    /// CSV delimiter byte, e.g. b';'.
    pub delimiter: Option<u8>,
    /// Encoding label as encoding_rs knows it, e.g. "windows-1252", "utf-16le".
    pub encoding: Option<String>,
}

/// The kind of file, by content rather than by extension where they disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Xlsm,
    Xlsb,
    Xls,
    Ods,
}

/// A delimiter as the admin types it (`;`, `|`, `tab`, `comma`, …) for `--delimiter` and the mapping's
/// `[source]`; the error says why one cannot work.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s.to_ascii_lowercase().as_str() {
        "tab" | "\\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        // A quote or a line break cannot separate cells: they already mean something in every CSV.
        "\"" | "\n" | "\r" => Err(
            "--delimiter cannot be a quote or a line break; use one character such as , ; | or the word tab"
                .into(),
        ),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        // Cells are split after the text is decoded to UTF-8, where only ASCII characters are one byte.
        _ if s.chars().count() == 1 => Err(format!(
            "--delimiter must be an ASCII character such as , ; | or the word tab; `{}` is not one. Replace it \
             in a text editor, or save the file from Excel as CSV",
            crate::text::for_terminal(s)
        )),
        _ => Err(format!(
            "--delimiter must be one character such as , ; | or the word tab, not `{}`",
            crate::text::for_terminal(s)
        )),
    }
}

/// What was found out about a file when it was opened.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceInfo {
    pub path: PathBuf,
    pub format: Format,
    /// CSV only: the encoding used to decode the file.
    pub encoding: Option<String>,
    /// CSV only: the delimiter.
    pub delimiter: Option<char>,
    /// Workbooks only: every sheet name, in order.
    pub sheets: Vec<String>,
    /// Workbooks only: the sheet being read.
    pub sheet: Option<String>,
    /// 1-based line (CSV record) or sheet row of the header.
    pub header_row: usize,
    /// Column names, made unique and readable (`Column C`, `Email (2)`).
    pub columns: Vec<String>,
}

/// What a cell held in the file; CSV cells are always `Text` or `Empty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    Empty,
    Text,
    Number,
    Bool,
    /// A real Excel date; `value` is ISO 8601 `YYYY-MM-DD`.
    Date,
    /// A real Excel datetime; `value` is ISO 8601 `YYYY-MM-DDTHH:MM:SS`.
    DateTime,
    /// An error cell such as `#N/A`; `value` holds the error text. Never a valid value.
    Error,
}

/// One cell: the clean value (apostrophe prefix removed, NFC, trimmed) and, when different, the raw value.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: String,
    pub raw: Option<String>,
    pub kind: CellKind,
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        let value = value.into();
        let kind = if value.is_empty() {
            CellKind::Empty
        } else {
            CellKind::Text
        };
        Cell {
            value,
            raw: None,
            kind,
        }
    }
    /// The value exactly as it was in the file.
    pub fn raw(&self) -> &str {
        self.raw.as_deref().unwrap_or(&self.value)
    }
    pub fn is_empty(&self) -> bool {
        self.kind == CellKind::Empty || self.value.is_empty()
    }
}

/// Something about a row worth telling the admin; the row stays readable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowNote {
    /// Fewer fields than columns: the missing cells read as empty.
    TooFewFields { expected: usize, found: usize },
    /// More fields than columns: the extra cells are dropped from `cells`.
    TooManyFields { expected: usize, found: usize },
    /// Looks like a "Total"/footer line of a report export.
    LooksLikeFooter,
}

/// One data row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based data row number (the first row after the header is 1); entirely empty rows are not counted.
    pub number: u64,
    /// 1-based line (CSV, where the record starts) or sheet row, for messages.
    pub line: u64,
    /// Exactly one cell per column in `SourceInfo::columns`.
    pub cells: Vec<Cell>,
    pub notes: Vec<RowNote>,
}

impl Row {
    /// A row from plain strings, for tests and generated data.
    pub fn from_strs(number: u64, values: &[&str]) -> Self {
        Row {
            number,
            line: number + 1,
            cells: values.iter().map(|v| Cell::text(*v)).collect(),
            notes: vec![],
        }
    }
}

/// Errors a user can cause by handing us a file; each names the file and, where it applies, line, sheet or cell.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{path}, sheet '{sheet}': {message}")]
    Sheet {
        path: PathBuf,
        sheet: String,
        message: String,
    },
    #[error("{path}, line {line}: {message}")]
    Line {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A file opened for reading: what was detected, and its rows as an iterator.
///
/// Iterating gives owned [`Row`]s; callers that look at one row at a time (profiling, validation) can use
/// [`SourceReader::read_into`] instead, which refills one `Row` and so allocates nothing per cell once warm.
pub struct SourceReader {
    pub info: SourceInfo,
    rows: Rows,
}

enum Rows {
    Any(Box<dyn Iterator<Item = Result<Row, SourceError>> + Send>),
    Csv(Box<csv::CsvRows>),
}

impl SourceReader {
    pub fn new(
        info: SourceInfo,
        rows: Box<dyn Iterator<Item = Result<Row, SourceError>> + Send>,
    ) -> Self {
        SourceReader {
            info,
            rows: Rows::Any(rows),
        }
    }

    fn csv(info: SourceInfo, rows: csv::CsvRows) -> Self {
        SourceReader {
            info,
            rows: Rows::Csv(Box::new(rows)),
        }
    }

    /// Reads the next row into `row`, reusing its cells' buffers. `None` at the end of the file; after an
    /// error the reader is finished. `row` holds exactly the same values as the row [`Iterator::next`] would
    /// have returned.
    pub fn read_into(&mut self, row: &mut Row) -> Option<Result<(), SourceError>> {
        match &mut self.rows {
            Rows::Csv(csv) => csv.read_into(row),
            Rows::Any(it) => it.next().map(|r| r.map(|r| *row = r)),
        }
    }
}

impl SourceReader {
    /// Calls `f` with every row in place until it returns false: a CSV row's values are borrowed from the
    /// record (only values that cleaning changes are copied), which saves a copy per cell for a caller that
    /// only looks at the values, like the column profile. The values are exactly those [`read_into`] gives.
    ///
    /// [`read_into`]: SourceReader::read_into
    pub fn for_each_view(
        &mut self,
        mut f: impl FnMut(&RowView<'_>) -> bool,
    ) -> Result<(), SourceError> {
        match &mut self.rows {
            Rows::Csv(csv) => csv.for_each_view(f),
            Rows::Any(it) => {
                let mut spare = Vec::new();
                for row in it {
                    let row = row?;
                    let mut cells = recycle(spare);
                    cells.extend(row.cells.iter().map(|c| (c.value.as_str(), c.kind)));
                    let go = f(&RowView {
                        line: row.line,
                        notes: &row.notes,
                        cells: &cells,
                    });
                    spare = recycle(cells);
                    if !go {
                        break;
                    }
                }
                Ok(())
            }
        }
    }
}

/// A row's clean values, their kinds and the row's notes, borrowed (see [`SourceReader::for_each_view`]).
pub struct RowView<'a> {
    /// As [`Row::line`].
    pub line: u64,
    pub notes: &'a [RowNote],
    /// One `(value, kind)` per column, as in [`Row::cells`].
    pub cells: &'a [(&'a str, CellKind)],
}

/// An empty vector with `cells`' allocation, for values of another lifetime: cells are borrowed from one row
/// at a time, and this keeps the buffer from row to row (collecting an empty iterator in place reuses it).
fn recycle<'b>(mut cells: Vec<(&str, CellKind)>) -> Vec<(&'b str, CellKind)> {
    cells.clear();
    cells.into_iter().map(|_| ("", CellKind::Empty)).collect()
}

impl Iterator for SourceReader {
    type Item = Result<Row, SourceError>;
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.rows {
            Rows::Csv(csv) => csv.next_row(),
            Rows::Any(it) => it.next(),
        }
    }
}

impl Default for Row {
    fn default() -> Self {
        Row::empty()
    }
}

impl Row {
    /// An empty row to pass to [`SourceReader::read_into`].
    pub fn empty() -> Self {
        Row {
            number: 0,
            line: 0,
            cells: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Opens a file for reading with detection of format, encoding, delimiter and header.
pub fn open(path: &Path, opts: &SourceOptions) -> Result<SourceReader, SourceError> {
    let format = sniff_format(path)?;
    match format {
        Format::Csv => csv::open(path, opts),
        _ => workbook::open(path, format, opts),
    }
}

/// Decides the format from the first bytes, and refuses files whose extension lies about their content.
pub fn sniff_format(path: &Path) -> Result<Format, SourceError> {
    use std::io::Read;
    let fail = |message: String| SourceError::File {
        path: path.to_path_buf(),
        message,
    };
    let mut file = std::fs::File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => {
            fail("there is no such file; check the name and the folder".into())
        }
        std::io::ErrorKind::PermissionDenied => fail(
            "permission denied; copy the file somewhere you can read it, or fix its permissions"
                .into(),
        ),
        _ => SourceError::Io {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(fail("this is a folder; give a CSV or Excel file".into()));
    }
    let mut magic = [0u8; 8];
    let n = file.read(&mut magic).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let magic = &magic[..n];
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let zip = magic.starts_with(b"PK\x03\x04");
    let ole = magic.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let by_ext = match ext.as_str() {
        "xlsx" => Some(Format::Xlsx),
        "xlsm" => Some(Format::Xlsm),
        "xlsb" => Some(Format::Xlsb),
        "xls" => Some(Format::Xls),
        "ods" => Some(Format::Ods),
        _ => None,
    };
    if zip {
        // The extension of a ZIP-based workbook is often wrong (an .xlsx saved as "report.ods"); its entries
        // say what it is.
        match workbook::zip_kind(&mut file) {
            Some(workbook::ZipKind::Xlsb) => return Ok(Format::Xlsb),
            Some(workbook::ZipKind::Xlsx) if by_ext == Some(Format::Xlsm) => {
                return Ok(Format::Xlsm);
            }
            Some(workbook::ZipKind::Xlsx) => return Ok(Format::Xlsx),
            Some(workbook::ZipKind::Ods) => return Ok(Format::Ods),
            Some(workbook::ZipKind::Other) => {
                return Err(fail(
                    "this file is a ZIP archive but not a workbook (.xlsx, .xlsb or .ods); unpack it, or \
                     open the data in Excel and save it as .xlsx or CSV"
                        .into(),
                ));
            }
            None => {}
        }
    }
    match by_ext {
        Some(Format::Xls) if ole => Ok(Format::Xls),
        Some(Format::Xls) if zip => Ok(Format::Xlsx),
        Some(f) if zip => Ok(f),
        Some(Format::Xlsb) if ole => Ok(Format::Xlsb),
        Some(_) if ole => Ok(Format::Xls),
        Some(_) if n == 0 => Err(fail("the file is empty; export the data again".into())),
        Some(_) => {
            let head = String::from_utf8_lossy(magic)
                .trim_start()
                .to_ascii_lowercase();
            if head.starts_with('<') {
                Err(fail(format!(
                    "this .{ext} file is really a web page (HTML table), not a workbook; open it in Excel and \
                     save it as .xlsx or CSV"
                )))
            } else {
                Err(fail(format!(
                    "this .{ext} file is really a text (CSV) file, not a workbook; rename it to .csv and try again"
                )))
            }
        }
        None if zip => Ok(Format::Xlsx),
        None if ole => Ok(Format::Xls),
        None => Ok(Format::Csv),
    }
}
