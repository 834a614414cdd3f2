//! Decoded CSV text → records: each record's fields and the line it starts on.
//!
//! Most lines of an export hold no quote at all; such a line is split at the delimiter directly (memchr finds
//! its end, its delimiters and the absence of quotes). A record with a quote anywhere goes through `csv_core`,
//! the parser behind the `csv` crate, so quoted delimiters, doubled quotes and line breaks inside cells are read
//! exactly as the `csv` crate reads them. Line breaks are LF, CRLF or a lone CR; blank lines are skipped.
//!
//! The raw text of the current record stays in the buffer until the record is complete, which gives exact line
//! numbers (line breaks inside quoted cells included) and, at the end of the file, tells a quote that never
//! closed without reading the file again.

use std::io::Read;

const BUFFER: usize = 256 * 1024;

/// A record longer than this (raw bytes), or a quoted record over more lines than [`RUNAWAY_LINES`], is a
/// runaway: almost always a stray quote that swallows the rest of the file (or most of it, when a later stray
/// quote closes it). Stopping there bounds memory and names the line instead of reading thousands of rows as
/// one cell. A real cell of several megabytes is still read.
pub const RUNAWAY_BYTES: usize = 32 << 20;
pub const RUNAWAY_LINES: u64 = 5_000;

/// One record: its fields are `data[a..b]` for each `(a, b)` in `bounds`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub data: Vec<u8>,
    pub bounds: Vec<(usize, usize)>,
    /// 1-based line where the record starts.
    pub line: u64,
    /// What [`Record::check`] found; meaningless before it runs.
    pub scan: Scan,
}

/// Byte-level facts about a whole record, found once on the read-ahead thread so the reading thread, which
/// sets the pace, does not look at every byte again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every field is empty or ASCII whitespace.
    pub blank: bool,
    /// Offset of the first NUL byte.
    pub nul: Option<usize>,
    /// Every byte is below 0xCC (see [`super::clean::below_u0300`]): text that needs no NFC check.
    pub below_u0300: bool,
}

impl Record {
    /// Looks at the bytes once: blank fields, NUL bytes, and whether the text can need NFC normalization.
    pub fn check(&mut self) {
        let (nul, below_u0300) = byte_range(&self.data);
        let scan = Scan {
            blank: self.fields().all(|f| f.iter().all(u8::is_ascii_whitespace)),
            // A NUL is rare: only then is it looked for.
            nul: if nul {
                memchr::memchr(0, &self.data)
            } else {
                None
            },
            below_u0300,
        };
        self.scan = scan;
    }

    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        self.bounds.iter().map(|&(a, b)| &self.data[a..b])
    }
    pub fn len(&self) -> usize {
        self.bounds.len()
    }
    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }
}

/// Whether `data` holds a NUL byte, and whether every byte is below 0xCC: eight bytes per step with bit
/// arithmetic, no branch per byte.
fn byte_range(data: &[u8]) -> (bool, bool) {
    use super::words::{LOW7, TOP, padded};
    let (mut high, mut nonzero) = (0, TOP);
    // Padded with spaces, which are neither NUL nor high.
    for w in padded(data, b' ') {
        let low7 = w & LOW7;
        // Bit 7 of a byte: set when the byte is 0xCC or above (its low seven bits plus 0x34 reach 0x80 and its
        // own bit 7 is set) ...
        high |= (low7 + 0x3434_3434_3434_3434) & w;
        // ... and, here, set when the byte is not 0. No sum carries into the next byte.
        nonzero &= (low7 + LOW7) | w;
    }
    (nonzero & TOP != TOP, high & TOP == 0)
}

pub struct Records {
    input: Box<dyn Read + Send>,
    delimiter: u8,
    buf: Vec<u8>,
    /// Unread bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    eof: bool,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Line of the next unread byte.
    line: u64,
    /// The last byte read was a CR, so an LF right after it ends the same line.
    after_cr: bool,
    core: csv_core::Reader,
    /// csv_core's output: the current record's fields end to end, and where each ends.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// The start of the stream (where a byte order mark may be) has been looked at.
    started: bool,
    /// Set at the end of the file when the last record holds a quoted cell that never closes: where it opened.
    unclosed_quote: Option<u64>,
    /// Set when reading stopped at a runaway record (see [`RUNAWAY_BYTES`]): the line where it starts.
    runaway: Option<u64>,
}

impl Records {
    pub fn new(input: Box<dyn Read + Send>, delimiter: u8) -> Self {
        Self::with_buffer(input, delimiter, BUFFER)
    }

    /// With a buffer of `size` bytes to start with (tests use tiny ones to put its edges everywhere).
    fn with_buffer(input: Box<dyn Read + Send>, delimiter: u8, size: usize) -> Self {
        Records {
            input,
            delimiter,
            buf: vec![0; size.max(1)],
            pos: 0,
            end: 0,
            eof: false,
            base: 0,
            line: 1,
            after_cr: false,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            started: false,
            unclosed_quote: None,
            runaway: None,
        }
    }

    /// Bytes of the (decoded) stream read as records so far.
    pub fn position(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// After the last record: the line where a quoted cell opened that never closed, if one did.
    pub fn unclosed_quote(&self) -> Option<u64> {
        self.unclosed_quote
    }

    /// After reading stopped: the line where a runaway record starts (see [`RUNAWAY_BYTES`]), if it stopped
    /// at one.
    pub fn runaway(&self) -> Option<u64> {
        self.runaway
    }

    /// Reads more input, moving `buf[keep..]` to the front first (always, so callers can rely on the shift);
    /// false at the end of the input.
    fn fill(&mut self, keep: usize) -> std::io::Result<bool> {
        if keep > 0 {
            self.buf.copy_within(keep..self.end, 0);
            self.base += keep as u64;
            self.end -= keep;
            self.pos -= keep;
        }
        if self.eof {
            return Ok(false);
        }
        if self.end == self.buf.len() {
            // One record longer than the buffer: grow it (a multi-megabyte cell is still one record).
            self.buf.resize(self.buf.len() * 2, 0);
        }
        // Fill the buffer, not just one read's worth: a line longer than one read is split again from its
        // start after each fill, so each fill must at least double what is there (decoders return small reads).
        let before = self.end;
        while self.end < self.buf.len() {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.end > before)
    }

    /// Skips a UTF-8 byte order mark at the start of the stream (the decoders of other encodings drop theirs).
    fn skip_bom(&mut self) -> std::io::Result<()> {
        while self.end < 3 && self.fill(0)? {}
        if self.buf[..self.end].starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        }
        self.started = true;
        Ok(())
    }

    /// Reads the next record into `rec`; false at the end of the file.
    pub fn next_record(&mut self, rec: &mut Record) -> std::io::Result<bool> {
        if !self.started {
            self.skip_bom()?;
        }
        // Reading stops for good at a runaway record (reading it again would only cost the memory again).
        if self.runaway.is_some() {
            return Ok(false);
        }
        // Blank lines before the record.
        loop {
            if self.pos == self.end && !self.fill(self.pos)? {
                return Ok(false);
            }
            match self.buf[self.pos] {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.line += 1;
                    self.after_cr = self.buf[self.pos] == b'\r';
                }
                _ => break,
            }
            self.pos += 1;
        }
        self.after_cr = false;
        rec.line = self.line;
        rec.data.clear();
        rec.bounds.clear();
        // One pass finds the fields and the end of the line; more input is read when the line goes on past
        // the buffer, and the line is split again from its start.
        let stop = loop {
            rec.bounds.clear();
            let rest = &self.buf[self.pos..self.end];
            match split_line(rest, self.delimiter, self.eof, &mut rec.bounds) {
                Split::Line(len) => break self.pos + len,
                Split::Slow => {
                    rec.bounds.clear();
                    return self.quoted_record(rec);
                }
                Split::More if self.end - self.pos > RUNAWAY_BYTES => {
                    self.runaway = Some(rec.line);
                    return Ok(false);
                }
                Split::More => {
                    let keep = self.pos;
                    self.fill(keep)?;
                }
            }
        };
        rec.data.extend_from_slice(&self.buf[self.pos..stop]);
        if stop < self.end {
            self.after_cr = self.buf[stop] == b'\r';
            self.line += 1;
            self.pos = stop + 1;
        } else {
            // The last line of the file, without a line break.
            self.pos = stop;
        }
        Ok(true)
    }

    /// A record with a quote somewhere, starting at `self.pos`: parsed by csv_core, fed as much input as it
    /// needs (a quoted cell may span lines and buffers).
    fn quoted_record(&mut self, rec: &mut Record) -> std::io::Result<bool> {
        use csv_core::ReadRecordResult as R;
        self.core.reset();
        // The record's raw text is `buf[start..read]`; `fill` keeps it, moving it to the front.
        let mut start = self.pos;
        let mut read = start;
        let mut out = std::mem::take(&mut self.out);
        let (mut nout, mut nend) = (0, 0);
        let mut at_eof = false;
        loop {
            let input = if at_eof {
                &[][..]
            } else {
                &self.buf[read..self.end]
            };
            let (result, nin, o, e) =
                self.core
                    .read_record(input, &mut out[nout..], &mut self.ends[nend..]);
            read += nin;
            nout += o;
            nend += e;
            match result {
                R::InputEmpty if at_eof => break,
                R::InputEmpty if read - start > RUNAWAY_BYTES => {
                    self.runaway = Some(rec.line);
                    return Ok(false);
                }
                R::InputEmpty => {
                    let more = self.fill(start)?;
                    read -= start;
                    start = 0;
                    // csv_core learns about the end of the input from an empty read.
                    at_eof = !more;
                }
                R::OutputFull => {
                    let n = out.len() * 2;
                    out.resize(n, 0);
                }
                R::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                R::Record | R::End => break,
            }
        }
        rec.data.extend_from_slice(&out[..nout]);
        self.out = out;
        let mut from = 0;
        for &to in &self.ends[..nend] {
            rec.bounds.push((from, to));
            from = to;
        }
        let raw = &self.buf[start..read];
        let lines = line_breaks(raw);
        if lines > RUNAWAY_LINES {
            self.runaway = Some(rec.line);
            return Ok(false);
        }
        self.line += lines;
        self.after_cr = raw.last() == Some(&b'\r');
        if at_eof || (self.eof && read == self.end) {
            self.unclosed_quote = quote_left_open(raw, rec.line, self.delimiter);
        }
        self.pos = read;
        Ok(nend > 0)
    }
}

/// What [`split_line`] found.
enum Split {
    /// The record is one line of this many bytes, ending at a line break or at the end of the input.
    Line(usize),
    /// The text ends before the line does: read more and split again.
    More,
    /// A record csv_core must read.
    Slow,
}

/// Splits the line at the start of `text` into fields when that needs no csv_core: cells between delimiters,
/// quoted cells that close on the line with a delimiter or the line break right after the closing quote.
/// Anything else (doubled quotes, a line break inside a quoted cell, a quote inside an unquoted cell) is
/// [`Split::Slow`]. `eof`: `text` runs to the end of the input, so its end also ends the line.
///
/// Eight bytes at a time: a word's delimiters, quotes and line breaks are found with bit arithmetic (fields are
/// short, so one memchr call per field, or a test per byte, costs more).
fn split_line(text: &[u8], delimiter: u8, eof: bool, bounds: &mut Vec<(usize, usize)>) -> Split {
    use super::words::{splat, zero_bytes};
    let (dm, qm) = (splat(delimiter), splat(b'"'));
    let (lf, cr) = (splat(b'\n'), splat(b'\r'));
    let n = text.len();
    let mut start = 0;
    let mut i = 0;
    'words: while i < n {
        // Past the end of the text the word is padded with zero bytes, which match none of the four.
        let w = match text.get(i..i + 8).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
            Some(full) => u64::from_le_bytes(full),
            None => text[i..]
                .iter()
                .enumerate()
                .fold(0, |w, (k, b)| w | u64::from(*b) << (8 * k)),
        };
        let mut hits =
            zero_bytes(w ^ dm) | zero_bytes(w ^ qm) | zero_bytes(w ^ lf) | zero_bytes(w ^ cr);
        while hits != 0 {
            let j = i + (hits.trailing_zeros() / 8) as usize;
            hits &= hits - 1;
            match text[j] {
                c if c == delimiter => {
                    bounds.push((start, j));
                    start = j + 1;
                }
                b'\n' | b'\r' => {
                    bounds.push((start, j));
                    return Split::Line(j);
                }
                _ if j != start => return Split::Slow,
                _ => {
                    let Some(close) = memchr::memchr(b'"', &text[j + 1..]).map(|c| j + 1 + c)
                    else {
                        return if eof { Split::Slow } else { Split::More };
                    };
                    if memchr::memchr2(b'\n', b'\r', &text[j + 1..close]).is_some() {
                        return Split::Slow;
                    }
                    bounds.push((j + 1, close));
                    match text.get(close + 1) {
                        None if eof => return Split::Line(n),
                        None => return Split::More,
                        Some(&c) if c == delimiter => {
                            start = close + 2;
                            i = start;
                            continue 'words;
                        }
                        Some(b'\n' | b'\r') => return Split::Line(close + 1),
                        Some(_) => return Split::Slow,
                    }
                }
            }
        }
        i += 8;
    }
    if eof {
        bounds.push((start, n));
        Split::Line(n)
    } else {
        Split::More
    }
}

/// Line breaks in `raw`: LF, CRLF and lone CR each count once (`raw` does not start with the LF of a CRLF).
fn line_breaks(raw: &[u8]) -> u64 {
    let mut n = 0;
    for i in memchr::memchr2_iter(b'\r', b'\n', raw) {
        if raw[i] == b'\r' || i == 0 || raw[i - 1] != b'\r' {
            n += 1;
        }
    }
    n
}

/// Runs a CSV quote state machine over the raw text of a record whose first line is `line`; the line where a
/// quoted cell opened that is still open at the end, if any.
pub fn quote_left_open(raw: &[u8], mut line: u64, delimiter: u8) -> Option<u64> {
    #[derive(PartialEq)]
    enum State {
        Start,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::Start;
    let mut opened = 0;
    let mut prev = 0u8;
    for &b in raw {
        let is_break = b == b'\r' || b == b'\n';
        if b == b'\r' || (b == b'\n' && prev != b'\r') {
            line += 1;
        }
        prev = b;
        state = match state {
            State::Start if b == b'"' => {
                opened = line;
                State::Quoted
            }
            State::Start | State::Unquoted if b == delimiter || is_break => State::Start,
            State::Start | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted if b == delimiter || is_break => State::Start,
            State::QuoteInQuoted => State::Unquoted,
        };
    }
    (state == State::Quoted).then_some(opened)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every record of `text` read through a tiny buffer-feeding reader (one byte per read) and a normal one.
    fn records(text: &[u8], delimiter: u8) -> Vec<(Vec<Vec<u8>>, u64)> {
        struct Trickle(Vec<u8>, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.1 >= self.0.len() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[self.1];
                self.1 += 1;
                Ok(1)
            }
        }
        let read_all = |input: Box<dyn Read + Send>, size| {
            let mut r = Records::with_buffer(input, delimiter, size);
            let mut rec = Record::default();
            let mut all = vec![];
            while r.next_record(&mut rec).unwrap() {
                all.push((rec.fields().map(<[u8]>::to_vec).collect(), rec.line));
            }
            all
        };
        let whole = read_all(Box::new(std::io::Cursor::new(text.to_vec())), BUFFER);
        for size in [1, 2, 3, 5, 8, 13] {
            let small = read_all(Box::new(Trickle(text.to_vec(), 0)), size);
            assert_eq!(
                whole, small,
                "buffer edges must not matter (buffer of {size})"
            );
        }
        whole
    }

    /// What the csv crate reads (fields only; it counts lines differently).
    fn csv_crate(text: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(text);
        r.byte_records()
            .map(|rec| rec.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    #[test]
    fn a_byte_order_mark_is_not_data() {
        let got = records(b"\xEF\xBB\xBFid,x\n1,2\n", b',');
        assert_eq!(got[0].0, vec![b"id".to_vec(), b"x".to_vec()]);
        assert_eq!(records(b"\xEF\xBB\xBF", b','), vec![]);
        assert_eq!(records(b"\xEF\xBB", b',').len(), 1);
    }

    #[test]
    fn lines_and_fields() {
        let text = b"a,b\r\n\r\n1,\"x\ny\"\r2,3\n\n\"q\"\"\",4";
        let got = records(text, b',');
        let fields: Vec<Vec<Vec<u8>>> = got.iter().map(|(f, _)| f.clone()).collect();
        assert_eq!(fields, csv_crate(text, b','));
        let lines: Vec<u64> = got.iter().map(|(_, l)| *l).collect();
        assert_eq!(lines, vec![1, 3, 5, 7]);
        // A quote alone at the very end, after a blank line (once read again and again).
        assert_eq!(records(b"\n\"", b';'), vec![(vec![vec![]], 2)]);
    }

    #[test]
    fn an_unclosed_quote_is_found_where_it_opened() {
        let mut r = Records::new(Box::new(&b"a,b\n1,2\n3,\"x\n4,5\n"[..]), b',');
        let mut rec = Record::default();
        while r.next_record(&mut rec).unwrap() {}
        assert_eq!(r.unclosed_quote(), Some(3));
        let mut r = Records::new(Box::new(&b"a,b\n3,\"x\n4\",5"[..]), b',');
        while r.next_record(&mut rec).unwrap() {}
        assert_eq!(r.unclosed_quote(), None);
    }

    #[test]
    fn quote_left_open_respects_the_delimiter() {
        let open = |text: &[u8], delimiter| quote_left_open(text, 7, delimiter);
        // Opened on the record's first line (line 7); a doubled quote does not close it.
        assert_eq!(open(b"1;\"a;b\n\"\"c\n", b';'), Some(7));
        // The quote on the next line opens on line 8.
        assert_eq!(open(b"1,x\r\n\"y\n", b','), Some(8));
        assert_eq!(open(b"1,\"a\"\"\n\"\n", b','), None);
        // A quote after another delimiter is inside an unquoted cell.
        assert_eq!(open(b"1,\"a\n", b';'), None);
        assert_eq!(open(b"1;\"a\"x\n2;5\" Zoll\n", b';'), None);
    }

    #[test]
    fn a_record_longer_than_the_buffer() {
        let mut text = b"a,\"".to_vec();
        text.extend(std::iter::repeat_n(b'z', BUFFER * 3));
        text.extend_from_slice(b"\"\n");
        text.extend(std::iter::repeat_n(b'y', BUFFER * 2));
        text.extend_from_slice(b",1\nlast,2");
        let got = records(&text, b',');
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0[1].len(), BUFFER * 3);
        assert_eq!(got[1].0[0].len(), BUFFER * 2);
        assert_eq!(got[2], (vec![b"last".to_vec(), b"2".to_vec()], 3));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Same fields as the csv crate for any mix of delimiters, quotes, line breaks and text.
        #[test]
        fn same_fields_as_the_csv_crate(
            parts in proptest::collection::vec(
                prop_oneof![Just("a"), Just(","), Just(";"), Just("\""), Just("\"\""), Just("\n"),
                    Just("\r"), Just("\r\n"), Just(" "), Just("é"), Just("Lifetime Value 123")],
                0..80,
            ),
            semicolon in any::<bool>(),
        ) {
            let text = parts.concat();
            let delimiter = if semicolon { b';' } else { b',' };
            let got: Vec<Vec<Vec<u8>>> =
                records(text.as_bytes(), delimiter).into_iter().map(|(f, _)| f).collect();
            prop_assert_eq!(got, csv_crate(text.as_bytes(), delimiter));
        }

        /// The word-at-a-time byte scan agrees with a byte loop at every length and byte value.
        #[test]
        fn byte_range_is_exact(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            let expected = (data.contains(&0), data.iter().all(|&b| b < 0xCC));
            prop_assert_eq!(byte_range(&data), expected);
        }
    }

    #[test]
    fn byte_range_edges() {
        for b in 0..=255u8 {
            for len in [1, 7, 8, 9, 33] {
                let mut data = vec![b'a'; len];
                data[len - 1] = b;
                assert_eq!(
                    byte_range(&data),
                    (b == 0, b < 0xCC),
                    "byte {b:#x} at {}",
                    len - 1
                );
            }
        }
        assert_eq!(byte_range(b""), (false, true));
    }

    #[test]
    fn check_finds_blank_records_and_nul_bytes() {
        let mut got = vec![];
        let mut r = Records::new(
            Box::new(&b" , \t\nx,\0y\nM\xc3\xbcller,\xcc\x88\n"[..]),
            b',',
        );
        let mut rec = Record::default();
        while r.next_record(&mut rec).unwrap() {
            rec.check();
            got.push(rec.scan);
        }
        let scan = |blank, nul, below_u0300| Scan {
            blank,
            nul,
            below_u0300,
        };
        assert_eq!(
            got,
            [
                scan(true, None, true),
                scan(false, Some(2), true),
                scan(false, None, false)
            ]
        );
    }
}
