//! CSV/TSV/TXT reading: encoding and delimiter detection on a sample, then streaming records one at a time.
//!
//! Detection looks at the first 64 KiB only. UTF-8 files are read as they are; other encodings go through
//! `encoding_rs_io`, which decodes to UTF-8 on the fly. [`super::records`] splits the text into records; one
//! record and the caller's row are reused, so the only work per cell is copying its clean value.

use super::ahead::{Produce, ReadAhead};
use super::records::{Record, Records};
use super::{
    Cell, CellKind, Format, Row, RowNote, RowView, SourceError, SourceInfo, SourceOptions, clean,
    header,
};
use encoding_rs::Encoding;
use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};

const SAMPLE_BYTES: usize = 64 * 1024;
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Streaming UTF-8 validation, used to find the offset of the first bad byte once a record turned out not to be
/// UTF-8: a character split across two reads is completed from the next one.
#[derive(Default)]
struct Utf8Check {
    /// The first bytes of a character cut by the end of the previous read.
    tail: Vec<u8>,
    /// Offset of the first byte that is not valid UTF-8.
    first_invalid: Option<u64>,
}

impl Utf8Check {
    fn feed(&mut self, data: &[u8], offset: u64) {
        if self.first_invalid.is_some() {
            return;
        }
        let mut from = 0;
        if !self.tail.is_empty() {
            let width = match self.tail[0] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let need = (width - self.tail.len()).min(data.len());
            self.tail.extend_from_slice(&data[..need]);
            from = need;
            if self.tail.len() < width {
                return;
            }
            if std::str::from_utf8(&self.tail).is_err() {
                self.first_invalid = Some(offset - (self.tail.len() - need) as u64);
                return;
            }
            self.tail.clear();
        }
        if let Err(e) = std::str::from_utf8(&data[from..]) {
            let at = from + e.valid_up_to();
            match e.error_len() {
                Some(_) => self.first_invalid = Some(offset + at as u64),
                None => self.tail.extend_from_slice(&data[at..]),
            }
        }
    }

    /// At the end of the input a cut character is invalid too.
    fn finish(&mut self, offset: u64) {
        if self.first_invalid.is_none() && !self.tail.is_empty() {
            self.first_invalid = Some(offset - self.tail.len() as u64);
        }
    }
}

/// What detection decided about the bytes of a CSV file.
struct Detected {
    encoding: &'static Encoding,
    /// The file starts with Excel's `sep=X` line, which is not data.
    sep_line: bool,
    delimiter: u8,
}

fn file_error(path: &Path, message: impl Into<String>) -> SourceError {
    SourceError::File {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn io_error(path: &Path, source: std::io::Error) -> SourceError {
    SourceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Picks the encoding: a BOM wins, then an explicit override, then UTF-8 if the sample is valid UTF-8, then
/// the detector's guess (for legacy single-byte exports such as Windows-1252).
fn detect_encoding(
    sample: &[u8],
    path: &Path,
    forced: Option<&str>,
) -> Result<&'static Encoding, SourceError> {
    if let Some(label) = forced {
        return Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            file_error(
                path,
                format!("unknown encoding `{label}`; try utf-8, windows-1252, iso-8859-1, utf-16le or utf-16be"),
            )
        });
    }
    if let Some((enc, _)) = Encoding::for_bom(sample) {
        return Ok(enc);
    }
    // A sample cut at 64 KiB may end in the middle of a character; only the complete part must be valid.
    match std::str::from_utf8(sample) {
        Ok(_) => return Ok(encoding_rs::UTF_8),
        Err(e) if e.error_len().is_none() && sample.len() == SAMPLE_BYTES => {
            return Ok(encoding_rs::UTF_8);
        }
        Err(_) if mostly_utf8(sample) => return Ok(encoding_rs::UTF_8),
        Err(_) => {}
    }
    // UTF-16 without a BOM shows as every other byte being zero.
    let zeros_even = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let zeros_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    let half = sample.len() / 2;
    if half > 0 && zeros_odd * 10 > half * 8 {
        return Ok(encoding_rs::UTF_16LE);
    }
    if half > 0 && zeros_even * 10 > half * 8 {
        return Ok(encoding_rs::UTF_16BE);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() < SAMPLE_BYTES);
    Ok(detector.guess(None, chardetng::Utf8Detection::Deny))
}

/// UTF-8 text with a stray bad byte or two (a file edited by hand, or two exports pasted together): its
/// accented letters are valid UTF-8 sequences, which a real Windows-1252 export almost never produces. Reading
/// it as Windows-1252 would turn every `ü` into `Ã¼` without a word; read as UTF-8, the bad bytes are an error
/// naming their line.
fn mostly_utf8(sample: &[u8]) -> bool {
    let (mut letters, mut bad) = (0usize, 0usize);
    let mut chunks = sample.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        letters += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        // A sample cut at 64 KiB may end inside a character: that is not a bad byte.
        let cut = chunks.peek().is_none() && sample.len() == SAMPLE_BYTES;
        if !chunk.invalid().is_empty() && !cut {
            bad += 1;
        }
    }
    letters >= 2 * bad.max(1)
}

/// Counts a candidate delimiter outside quotes on each of the first lines; the delimiter that splits most lines
/// into the same number of fields (more than one) wins.
fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .collect();
    let mut best = (0usize, 0usize, b',');
    for d in DELIMITERS {
        let mut counts = std::collections::HashMap::<usize, usize>::new();
        for line in &lines {
            let mut in_quotes = false;
            let mut n = 0;
            for b in line.bytes() {
                if b == b'"' {
                    in_quotes = !in_quotes;
                } else if b == d && !in_quotes {
                    n += 1;
                }
            }
            if n > 0 {
                *counts.entry(n).or_default() += 1;
            }
        }
        // (lines agreeing on the most common count, that count)
        if let Some((count, lines_agreeing)) = counts.into_iter().max_by_key(|(c, l)| (*l, *c))
            && (lines_agreeing, count) > (best.0, best.1)
        {
            best = (lines_agreeing, count, d);
        }
    }
    best.2
}

fn detect(path: &Path, sample: &[u8], opts: &SourceOptions) -> Result<Detected, SourceError> {
    let encoding = detect_encoding(sample, path, opts.encoding.as_deref())?;
    let (text, _, _) = encoding.decode(sample);
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let sep = first
        .trim_end()
        .strip_prefix("sep=")
        .and_then(|rest| rest.as_bytes().first().copied().filter(|_| rest.len() == 1));
    let delimiter = opts.delimiter.or(sep).unwrap_or_else(|| {
        let body = if sep.is_some() {
            text.split_once('\n').map(|x| x.1).unwrap_or("")
        } else {
            text
        };
        detect_delimiter(body)
    });
    Ok(Detected {
        encoding,
        sep_line: sep.is_some(),
        delimiter,
    })
}

/// The file as UTF-8: read as it is when it is UTF-8 (the record reader drops a BOM), else decoded on the fly
/// (the decoder drops the BOM).
fn decoded(file: std::fs::File, encoding: &'static Encoding) -> Box<dyn Read + Send> {
    if encoding == encoding_rs::UTF_8 {
        Box::new(file)
    } else {
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .build(file),
        )
    }
}

/// Opens a delimited text file.
pub fn open(path: &Path, opts: &SourceOptions) -> Result<super::SourceReader, SourceError> {
    let mut file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    (&mut file)
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|e| io_error(path, e))?;
    if sample.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(file_error(path, "the file is empty; export the data again"));
    }
    let detected = detect(path, &sample, opts)?;
    drop(sample);
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut records = Records::new(decoded(file, detected.encoding), detected.delimiter);

    // Read the first records to find the header; they are replayed as data afterwards.
    let mut head: VecDeque<Record> = VecDeque::new();
    let mut skip_sep = detected.sep_line;
    while head.len() < header::SAMPLE_ROWS.max(opts.header_row.unwrap_or(0) + 1) {
        let mut rec = Record::default();
        match records.next_record(&mut rec) {
            Ok(false) => break,
            Ok(true) if skip_sep => skip_sep = false,
            Ok(true) => head.push_back(rec),
            Err(e) => return Err(io_error(path, e)),
        }
    }
    let as_strings = |r: &Record| -> Vec<String> {
        r.fields()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    };
    let header_index = match opts.header_row {
        Some(n) => head
            .iter()
            .position(|rec| rec.line >= n as u64)
            .ok_or_else(|| file_error(path, format!("there is no row {n} to use as the header")))?,
        None => {
            let sample: Vec<Vec<String>> = head.iter().map(as_strings).collect();
            header::detect(&sample)
                .ok_or_else(|| file_error(path, "the file has no data: every row is empty"))?
        }
    };
    let header_rec = head
        .drain(..=header_index)
        .next_back()
        .ok_or_else(|| file_error(path, "no header row"))?;
    let header_line = header_rec.line;
    if memchr::memchr(0, &header_rec.data).is_some() {
        return Err(SourceError::Line {
            path: path.to_path_buf(),
            line: header_line,
            message: "a NUL byte (character 0) in the header row: the file is damaged or not a text export. \
                      Export it again, or remove the NUL characters with a text editor"
                .into(),
        });
    }
    let columns = header::unique_names(&as_strings(&header_rec));
    let info = SourceInfo {
        path: path.to_path_buf(),
        format: Format::Csv,
        encoding: Some(detected.encoding.name().to_string()),
        delimiter: Some(detected.delimiter as char),
        sheets: vec![],
        sheet: None,
        header_row: header_line as usize,
        columns,
    };
    let parser = CsvParser {
        path: path.to_path_buf(),
        records,
        head,
    };
    let rows = CsvRows {
        filler: Filler {
            path: path.to_path_buf(),
            columns: info.columns.clone(),
            width: info.columns.len(),
            raw_utf8: detected.encoding == encoding_rs::UTF_8,
            number: 0,
        },
        ahead: ReadAhead::spawn(path.to_path_buf(), parser),
        failed: false,
    };
    Ok(super::SourceReader::csv(info, rows))
}

/// Splits the file into records on the read-ahead thread: first the records read to find the header (those
/// after it are data), then the rest of the file.
struct CsvParser {
    path: PathBuf,
    records: Records,
    head: VecDeque<Record>,
}

/// Rows of a CSV for the reader: records from the read-ahead thread, turned into rows on the reader's thread.
pub(super) struct CsvRows {
    filler: Filler,
    ahead: ReadAhead<Record>,
    failed: bool,
}

/// The kind of a CSV cell with this clean value.
fn text_kind(value: &str) -> CellKind {
    if value.is_empty() {
        CellKind::Empty
    } else {
        CellKind::Text
    }
}

/// What the checks every record goes through found.
enum Checked<'r> {
    /// Every field is empty or whitespace: not a row.
    Blank,
    /// UTF-8 text, and whether it is all below U+0300 (then already NFC).
    Text(&'r str, bool),
    /// Not UTF-8 in a transcoded file: cells are read with replacement characters.
    Lossy,
}

/// Turns records into rows: cells cleaned, ragged and footer rows noted, bad bytes reported.
struct Filler {
    path: PathBuf,
    columns: Vec<String>,
    width: usize,
    /// The file is UTF-8 and read as it is (not transcoded): a bad byte is an error, not a replacement.
    raw_utf8: bool,
    number: u64,
}

impl Filler {
    /// The checks every record goes through, whether it is read as a row or as a view.
    fn check<'r>(&self, rec: &'r Record) -> Result<Checked<'r>, SourceError> {
        // The byte checks ran on the read-ahead thread (`Record::check`).
        if rec.scan.blank {
            return Ok(Checked::Blank);
        }
        // SIMD UTF-8 validation: several times faster than std's on a record's length of mixed text.
        let whole = simdutf8::basic::from_utf8(&rec.data).ok();
        if whole.is_none() && self.raw_utf8 {
            return Err(self.invalid_utf8(rec, rec.line));
        }
        if let Some(at) = rec.scan.nul {
            return Err(self.nul_byte(rec, at, rec.line));
        }
        Ok(match whole {
            Some(text) => Checked::Text(text, rec.scan.below_u0300),
            None => Checked::Lossy,
        })
    }

    /// Fills `row` from a record; false (row untouched apart from its cells) for an entirely empty record.
    fn fill_row(&mut self, rec: &Record, row: &mut Row) -> Result<bool, SourceError> {
        let (whole, latin) = match self.check(rec)? {
            Checked::Blank => return Ok(false),
            Checked::Text(text, latin) => (Some(text), latin),
            Checked::Lossy => (None, false),
        };
        // One cell per column, whatever the row held before (a new row's cells are empty strings, which
        // allocate nothing until filled).
        row.cells.resize_with(self.width, || Cell::text(""));
        // A field's text is a slice of the record's (checked on char boundaries by `get`).
        let bytes = rec.data.as_slice();
        for (cell, &(from, to)) in row.cells.iter_mut().zip(&rec.bounds) {
            match whole.and_then(|w| w.get(from..to)) {
                Some(text) => clean::fill_text_cell_known(cell, text, latin),
                None => clean::fill_text_cell(cell, &String::from_utf8_lossy(&bytes[from..to])),
            }
        }
        for cell in row.cells.iter_mut().skip(rec.len()) {
            clean::fill_text_cell(cell, "");
        }
        self.number_row(
            rec,
            &mut row.notes,
            row.cells.iter().map(|c| c.value.as_str()),
        );
        row.number = self.number;
        row.line = rec.line;
        Ok(true)
    }

    /// Counts a row that holds data and notes what is worth a look: too few or too many fields (extra fields
    /// that are all blank are not worth it), a footer.
    fn number_row<'v>(
        &mut self,
        rec: &Record,
        notes: &mut Vec<RowNote>,
        values: impl Iterator<Item = &'v str>,
    ) {
        notes.clear();
        let found = rec.len();
        if found < self.width {
            notes.push(RowNote::TooFewFields {
                expected: self.width,
                found,
            });
        } else if found > self.width
            && rec
                .fields()
                .skip(self.width)
                .any(|f| !f.iter().all(u8::is_ascii_whitespace))
        {
            notes.push(RowNote::TooManyFields {
                expected: self.width,
                found,
            });
        }
        if header::looks_like_footer(values, self.width) {
            notes.push(RowNote::LooksLikeFooter);
        }
        self.number += 1;
    }

    /// Offset of the first byte of the file that is not UTF-8 (only called once a record failed, so reading
    /// the file again costs nothing in the normal case).
    fn first_invalid_utf8(&self) -> Option<u64> {
        let mut file = std::fs::File::open(&self.path).ok()?;
        let mut check = Utf8Check::default();
        let mut buf = vec![0u8; 1 << 20];
        let mut offset = 0u64;
        loop {
            let n = file.read(&mut buf).ok()?;
            if n == 0 {
                check.finish(offset);
                return check.first_invalid;
            }
            check.feed(&buf[..n], offset);
            if check.first_invalid.is_some() {
                return check.first_invalid;
            }
            offset += n as u64;
        }
    }

    /// A NUL byte (character 0) is never part of a real export: the file is damaged (zero padding after a
    /// crash) or binary. Talon.One would store or reject it unpredictably, so reading stops here.
    fn nul_byte(&self, rec: &Record, at: usize, line: u64) -> SourceError {
        let column = rec
            .bounds
            .iter()
            .position(|&(_, to)| at < to)
            .and_then(|i| self.columns.get(i))
            .map(|c| format!(" in column \"{c}\""))
            .unwrap_or_default();
        SourceError::Line {
            path: self.path.clone(),
            line,
            message: format!(
                "a NUL byte (character 0){column}: the file is damaged or not a text export. Export it again, or \
                 remove the NUL characters with a text editor"
            ),
        }
    }

    fn invalid_utf8(&self, rec: &Record, line: u64) -> SourceError {
        let offset = self.first_invalid_utf8();
        let column = rec
            .fields()
            .position(|f| std::str::from_utf8(f).is_err())
            .and_then(|i| self.columns.get(i))
            .map(|c| format!(" (column \"{c}\")"))
            .unwrap_or_default();
        let at = offset.map(|o| format!(" at byte {o}")).unwrap_or_default();
        SourceError::Line {
            path: self.path.clone(),
            line,
            message: format!(
                "invalid UTF-8{at}{column}: the rest of the file reads as UTF-8 but this part does not. Save the \
                 file again as \"CSV UTF-8\", or pass --encoding windows-1252 if it is an older export"
            ),
        }
    }
}

impl CsvParser {
    /// Reading stopped at a record too long to be real: names the line where it starts.
    fn runaway(&self) -> Option<SourceError> {
        self.records.runaway().map(|line| SourceError::Line {
            path: self.path.clone(),
            line,
            message: format!(
                "a record starting here runs on for more than {} lines or {} MB, so it is almost certainly a quote \
                 that opens here (or earlier on this line) and closes much later, or never. Double the quotes \
                 inside cells (\"\") or remove the stray quote",
                super::records::RUNAWAY_LINES,
                super::records::RUNAWAY_BYTES >> 20
            ),
        })
    }

    /// At the end of the file: was the last record swallowed by a quote that never closes? Names the line where
    /// the quote opened.
    fn unclosed_quote(&self) -> Option<SourceError> {
        self.records
            .unclosed_quote()
            .map(|opened| SourceError::Line {
                path: self.path.clone(),
                line: opened,
                message: "a quoted cell starts here and its closing quote never comes, so the rest of the file \
                          was read as one cell. Double the quotes inside cells (\"\") or remove the stray quote"
                    .into(),
            })
    }
}

impl Produce for CsvParser {
    type Item = Record;
    fn produce(&mut self, rec: &mut Record) -> Option<Result<(), SourceError>> {
        if let Some(head) = self.head.pop_front() {
            *rec = head;
            rec.check();
            return Some(Ok(()));
        }
        match self.records.next_record(rec) {
            Ok(true) => {
                rec.check();
                Some(Ok(()))
            }
            Ok(false) => self.runaway().or_else(|| self.unclosed_quote()).map(Err),
            Err(e) => Some(Err(io_error(&self.path, e))),
        }
    }
    fn position(&self) -> u64 {
        self.records.position()
    }
}

impl CsvRows {
    /// The next row into `row`, reusing its buffers.
    pub(super) fn read_into(&mut self, row: &mut Row) -> Option<Result<(), SourceError>> {
        if self.failed {
            return None;
        }
        loop {
            let filled = match self.ahead.advance()? {
                Ok(rec) => self.filler.fill_row(rec, row),
                Err(e) => Err(e),
            };
            match filled {
                Ok(true) => return Some(Ok(())),
                Ok(false) => {}
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }

    /// Calls `f` with a view of every row until it returns false (see [`super::SourceReader::for_each_view`]).
    pub(super) fn for_each_view(
        &mut self,
        mut f: impl FnMut(&RowView<'_>) -> bool,
    ) -> Result<(), SourceError> {
        let width = self.filler.width;
        let mut notes = Vec::new();
        // Values that cleaning changed (rare): kept here, and which cell and range of `scratch` they are.
        let mut scratch = String::new();
        let mut changed = Vec::new();
        let mut spare = Vec::new();
        while !self.failed {
            let rec = match self.ahead.advance() {
                None => return Ok(()),
                Some(Ok(rec)) => rec,
                Some(Err(e)) => {
                    self.failed = true;
                    return Err(e);
                }
            };
            let (whole, latin) = match self.filler.check(rec) {
                Ok(Checked::Blank) => continue,
                Ok(Checked::Text(text, latin)) => (Some(text), latin),
                Ok(Checked::Lossy) => (None, false),
                Err(e) => {
                    self.failed = true;
                    return Err(e);
                }
            };
            scratch.clear();
            changed.clear();
            let mut cells = super::recycle(spare);
            for (i, &(from, to)) in rec.bounds.iter().take(width).enumerate() {
                let text = whole.and_then(|w| w.get(from..to));
                let cleaned = match text {
                    // What `clean::fill_text_cell_known` decides for a row, decided here without the copy.
                    Some(text) if latin && clean::plainly_clean(text.as_bytes()) => None,
                    Some(text) => clean::clean_text_known(text, latin),
                    None => {
                        let raw = String::from_utf8_lossy(&rec.data[from..to]);
                        Some(clean::clean_text(&raw).unwrap_or_else(|| raw.into_owned()))
                    }
                };
                match (text, cleaned) {
                    (Some(text), None) => cells.push((text, text_kind(text))),
                    (_, cleaned) => {
                        let at = scratch.len();
                        scratch.push_str(&cleaned.unwrap_or_default());
                        changed.push((i, at, scratch.len()));
                        cells.push(("", CellKind::Empty));
                    }
                }
            }
            cells.resize(width, ("", CellKind::Empty));
            for &(i, from, to) in &changed {
                let value = scratch.get(from..to).unwrap_or_default();
                cells[i] = (value, text_kind(value));
            }
            self.filler
                .number_row(rec, &mut notes, cells.iter().map(|c| c.0));
            let go = f(&RowView {
                line: rec.line,
                notes: &notes,
                cells: &cells,
            });
            spare = super::recycle(cells);
            if !go {
                return Ok(());
            }
        }
        Ok(())
    }

    /// The next row, owned.
    pub(super) fn next_row(&mut self) -> Option<Result<Row, SourceError>> {
        let mut row = Row {
            cells: Vec::with_capacity(self.filler.width),
            ..Row::empty()
        };
        self.read_into(&mut row).map(|r| r.map(|()| row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter("a|b|c\n1|2|3\n"), b'|');
        assert_eq!(detect_delimiter("a,b\n\"x;y\",2\n"), b',');
        assert_eq!(detect_delimiter("single\n"), b',');
    }

    #[test]
    fn utf8_check_across_reads() {
        // "ü" split over two reads is fine; a lone continuation byte is reported at its offset.
        let mut c = Utf8Check::default();
        c.feed(b"ab\xc3", 0);
        c.feed(b"\xbccd", 3);
        c.finish(7);
        assert_eq!(c.first_invalid, None);
        let mut c = Utf8Check::default();
        c.feed(b"abc", 0);
        c.feed(b"d\xbce", 3);
        assert_eq!(c.first_invalid, Some(4));
        // A character cut by the end of the file.
        let mut c = Utf8Check::default();
        c.feed(b"ab\xe2\x82", 0);
        c.finish(4);
        assert_eq!(c.first_invalid, Some(2));
        // A bad continuation after a lead byte at the end of a read.
        let mut c = Utf8Check::default();
        c.feed(b"a\xc3", 0);
        c.feed(b"zz", 2);
        assert_eq!(c.first_invalid, Some(1));
    }

    #[test]
    fn encodings() {
        let p = Path::new("x.csv");
        assert_eq!(
            detect_encoding("Müller".as_bytes(), p, None).unwrap(),
            encoding_rs::UTF_8
        );
        let latin = b"Name;Stadt\nM\xfcller;K\xf6ln\nB\xe4cker;D\xfcsseldorf\n";
        assert_eq!(
            detect_encoding(latin, p, None).unwrap(),
            encoding_rs::WINDOWS_1252
        );
        assert_eq!(
            detect_encoding(b"\xff\xfea\0", p, None).unwrap(),
            encoding_rs::UTF_16LE
        );
        assert!(detect_encoding(b"a", p, Some("klingon")).is_err());
    }
}
