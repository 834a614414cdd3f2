//! Files → rows. Reads CSV/TSV (any common encoding and delimiter) and workbooks (via calamine) and yields
//! the rows as the admin sees them in Excel, one at a time (never the whole CSV in memory).
//!
//! This module knows nothing of Talon.One or of mappings: it only reads. Everything downstream reads through
//! [`open`] and the [`Row`]/[`Cell`] types below.
//!
//! NOTE (skeleton): the types are the contract other modules rely on; `open` is a minimal UTF-8, comma-only
//! CSV reader until the source issue replaces it with the full implementation.

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
pub struct SourceReader {
    pub info: SourceInfo,
    rows: Box<dyn Iterator<Item = Result<Row, SourceError>> + Send>,
}

impl SourceReader {
    pub fn new(
        info: SourceInfo,
        rows: Box<dyn Iterator<Item = Result<Row, SourceError>> + Send>,
    ) -> Self {
        SourceReader { info, rows }
    }
}

impl Iterator for SourceReader {
    type Item = Result<Row, SourceError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next()
    }
}

/// Opens a file for reading with detection of format, encoding, delimiter and header.
pub fn open(path: &Path, opts: &SourceOptions) -> Result<SourceReader, SourceError> {
    let file = std::fs::File::open(path).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(opts.delimiter.unwrap_or(b','))
        .flexible(true)
        .has_headers(false)
        .from_reader(std::io::BufReader::new(file));
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(SourceError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
        None => {
            return Err(SourceError::File {
                path: path.to_path_buf(),
                message: "the file is empty".into(),
            });
        }
    };
    let columns: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let width = columns.len();
    let info = SourceInfo {
        path: path.to_path_buf(),
        format: Format::Csv,
        encoding: Some("UTF-8".into()),
        delimiter: Some(opts.delimiter.unwrap_or(b',') as char),
        sheets: vec![],
        sheet: None,
        header_row: 1,
        columns,
    };
    let owned_path = path.to_path_buf();
    let mut number = 0u64;
    let rows = reader.into_records().filter_map(move |rec| match rec {
        Err(e) => Some(Err(SourceError::File {
            path: owned_path.clone(),
            message: e.to_string(),
        })),
        Ok(rec) if rec.iter().all(|f| f.trim().is_empty()) => None,
        Ok(rec) => {
            number += 1;
            let mut cells: Vec<Cell> = rec.iter().map(|f| Cell::text(f.trim())).collect();
            cells.resize(width, Cell::text(""));
            let line = rec.position().map(|p| p.line()).unwrap_or(number + 1);
            Some(Ok(Row {
                number,
                line,
                cells,
                notes: vec![],
            }))
        }
    });
    Ok(SourceReader::new(info, Box::new(rows)))
}
