//! Column profiles: what each column seems to hold, how often it is empty, a few samples, and warnings worth an
//! admin's eye (lost leading zeros, scientific notation, ambiguous day/month order).
//!
//! Used by `talon-import inspect` and by the wizard; it reads rows through the same [`SourceReader`] iterator.

use super::{CellKind, Row, RowNote, SourceError, SourceInfo, SourceReader};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// The kind of values a column seems to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    Empty,
    Integer,
    Decimal,
    Boolean,
    Date,
    DateTime,
    Email,
    Text,
}

/// What was seen in one column.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ValueKind,
    pub empty: u64,
    /// Exact up to [`DISTINCT_LIMIT`], then a lower bound.
    pub distinct: u64,
    pub samples: Vec<String>,
    pub max_length: usize,
    pub warnings: Vec<String>,
}

/// A whole file's profile.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Profile {
    pub rows: u64,
    pub ragged_rows: u64,
    pub footer_rows: u64,
    pub error_cells: u64,
    pub columns: Vec<ColumnProfile>,
}

pub const DISTINCT_LIMIT: usize = 100_000;
const SAMPLES: usize = 5;

// Bit set of kinds a value could be.
const INT: u8 = 1;
const DEC: u8 = 2;
const BOOL: u8 = 4;
const DATE: u8 = 8;
const DATETIME: u8 = 16;
const EMAIL: u8 = 32;

/// Slots of the recent-hash cache in front of each column's distinct set.
const RECENT: usize = 32;

#[derive(Default)]
struct Acc {
    fits: u8,
    /// Hashes of recent values by slot (0: none yet; a value hashing to 0 merely skips the cache).
    recent: [u64; RECENT],
    any: bool,
    empty: u64,
    distinct: HashSet<u64, BuildHasherDefault<PassThrough>>,
    distinct_overflow: bool,
    samples: Vec<String>,
    max_length: usize,
    scientific: bool,
    lost_zero_candidate: bool,
    /// Shortest and longest integer-looking value, in bytes.
    lengths: Option<(usize, usize)>,
    day_first: bool,
    month_first: bool,
    ambiguous_dates: bool,
    workbook_number: bool,
}

/// Eight bytes per step (FxHash-style) with a murmur finaliser: much cheaper than SipHash or a byte-wise hash
/// per cell, and the distinct counts only need a good spread, not protection against crafted input.
fn hash(s: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let (words, rest) = s.as_bytes().as_chunks::<8>();
    let mut h = s.len() as u64;
    for w in words {
        h = (h.rotate_left(5) ^ u64::from_le_bytes(*w)).wrapping_mul(K);
    }
    // The tail: the value's last eight bytes when it has that many (overlapping the words above, which only
    // costs mixing some bytes twice), else the bytes one by one.
    if !rest.is_empty() {
        let b = s.as_bytes();
        let last = match b
            .len()
            .checked_sub(8)
            .and_then(|at| <[u8; 8]>::try_from(&b[at..]).ok())
        {
            Some(word) => u64::from_le_bytes(word),
            None => rest
                .iter()
                .enumerate()
                .fold(0u64, |w, (i, b)| w | u64::from(*b) << (8 * i)),
        };
        h = (h.rotate_left(5) ^ last).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// The distinct-value set stores hashes already mixed by [`hash`]; hashing them again would be wasted work.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The bytes after an optional sign.
fn unsigned(s: &str) -> &[u8] {
    let b = s.as_bytes();
    match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    }
}

fn is_integer(s: &str) -> bool {
    let d = unsigned(s);
    !d.is_empty() && d.iter().all(u8::is_ascii_digit)
}

/// `YYYY-MM-DD` with a valid month and day: the most common date by far, decided without splitting.
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && num(0..4).is_some()
        && num(5..7).is_some_and(|m| (1..=12).contains(&m))
        && num(8..10).is_some_and(|d| (1..=31).contains(&d))
}

/// `1234.56`, `1,234.56`, `1.234,56`, `1234,56`.
fn is_decimal(s: &str) -> bool {
    // Digits around a single separator, the usual case, need none of the grouping checks below.
    let body = unsigned(s);
    if let Some(sep) = body.iter().position(|c| !c.is_ascii_digit())
        && sep > 0
        && sep + 1 < body.len()
        && matches!(body[sep], b'.' | b',')
        && body[sep + 1..].iter().all(u8::is_ascii_digit)
    {
        return true;
    }
    let d = s.strip_prefix(['-', '+']).unwrap_or(s);
    if d.is_empty()
        || !d
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return false;
    }
    if !d.starts_with(|c: char| c.is_ascii_digit()) || !d.ends_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let last_sep = d.rfind(['.', ',']);
    let Some(pos) = last_sep else { return true };
    let dec = d.as_bytes()[pos];
    let (int_part, _) = d.split_at(pos);
    let group = if dec == b'.' { ',' } else { '.' };
    if int_part.contains(dec as char) {
        // Repeated separator: only valid as thousands grouping (`1.234.567`).
        return d.split(dec as char).skip(1).all(|g| g.len() == 3) && !int_part.contains(group);
    }
    let mut groups = int_part.split(group);
    let first = groups.next().unwrap_or("");
    !first.is_empty() && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

fn is_bool(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "yes", "no", "true", "false", "y", "n", "ja", "nein", "oui", "non", "1", "0", "x",
    ];
    s.len() <= 5 && WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// Parses the date part: returns (a, b, year-first) for `YYYY-MM-DD`, `DD.MM.YYYY`, `DD/MM/YYYY`, `MM/DD/YYYY`.
fn date_parts(s: &str) -> Option<(u32, u32, bool)> {
    if !s.starts_with(|c: char| c.is_ascii_digit()) || s.len() > 10 {
        return None;
    }
    let sep = s.bytes().find(|b| matches!(b, b'-' | b'/' | b'.'))?;
    let i = s.bytes().position(|b| b == sep)?;
    let j = i + 1 + s[i + 1..].bytes().position(|b| b == sep)?;
    let parts = [&s[..i], &s[i + 1..j], &s[j + 1..]];
    if parts[2].as_bytes().contains(&sep)
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n = |p: &str| p.parse::<u32>().ok();
    if parts[0].len() == 4 {
        let (m, d) = (n(parts[1])?, n(parts[2])?);
        ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((m, d, true))
    } else if parts[2].len() == 4 || parts[2].len() == 2 {
        let (a, b) = (n(parts[0])?, n(parts[1])?);
        (a >= 1 && b >= 1 && a <= 31 && b <= 31 && (a <= 12 || b <= 12)).then_some((a, b, false))
    } else {
        None
    }
}

fn is_time(s: &str) -> bool {
    let s = s.trim_end_matches('Z');
    let s = s.split(['+', '.']).next().unwrap_or(s);
    let parts: Vec<&str> = s.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_email(s: &str) -> bool {
    // Plain loops: an address is short, and memchr calls cost more than looking at its bytes.
    let b = s.as_bytes();
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let domain = &b[at + 1..];
    // Control characters and spaces (every ASCII whitespace is at or below b' '); Unicode spaces only matter
    // when there are non-ASCII bytes.
    let low = b.iter().any(|&c| c <= b' ');
    let high = !b.is_ascii();
    at > 0
        && !low
        && domain.contains(&b'.')
        && domain.first() != Some(&b'.')
        && domain.last() != Some(&b'.')
        && !(high && s.contains(char::is_whitespace))
}

fn is_scientific(s: &str) -> bool {
    let Some(pos) = s.bytes().position(|b| b == b'e' || b == b'E') else {
        return false;
    };
    let (mantissa, rest) = s.split_at(pos);
    rest[1..]
        .strip_prefix('+')
        .is_some_and(|exp| is_decimal(mantissa) && is_integer(exp))
}

impl Acc {
    fn add(&mut self, value: &str, kind: CellKind) {
        if value.is_empty() {
            self.empty += 1;
            return;
        }
        // Only the kinds the column can still be are worth testing: once a value has ruled a kind out, no later
        // value can bring it back (the column's kind is what every value fits).
        let open = if self.any { self.fits } else { u8::MAX };
        let mut fits = 0;
        match kind {
            CellKind::Date => fits = DATE,
            CellKind::DateTime => fits = DATETIME,
            CellKind::Bool => fits = BOOL,
            // An error cell is reported on its own; it says nothing about what the column holds.
            CellKind::Error => return,
            CellKind::Number => {
                self.workbook_number = true;
                fits = if is_integer(value) { INT | DEC } else { DEC };
            }
            _ => {
                // Numbers, dates and scientific notation all start with a digit (after a sign for numbers).
                let digit_first = unsigned(value).first().is_some_and(u8::is_ascii_digit);
                // An integer or a decimal has no `e`, so only other values can be in scientific notation.
                let mut number = false;
                if digit_first && open & (INT | DEC) != 0 {
                    if is_integer(value) {
                        fits |= INT | DEC;
                        number = true;
                        if value.starts_with('0') && value.len() > 1 {
                            self.lost_zero_candidate = false;
                        }
                    } else if is_decimal(value) {
                        fits |= DEC;
                        number = true;
                    }
                }
                if open & BOOL != 0 && is_bool(value) {
                    fits |= BOOL;
                }
                if open & EMAIL != 0 && is_email(value) {
                    fits |= EMAIL;
                }
                if digit_first && !number && is_scientific(value) {
                    self.scientific = true;
                }
                if digit_first && open & (DATE | DATETIME) != 0 {
                    self.add_date(value, &mut fits);
                }
            }
        }
        if kind == CellKind::Number || (fits & INT != 0 && kind != CellKind::Number) {
            let len = value.len();
            self.lengths = Some(match self.lengths {
                Some((lo, hi)) => (lo.min(len), hi.max(len)),
                None => (len, len),
            });
        }
        self.fits = if self.any { self.fits & fits } else { fits };
        self.any = true;
        if self.distinct.len() < DISTINCT_LIMIT {
            // Most columns repeat a few values (cities, tiers, flags): a hash seen lately is not new, and the
            // recent-hash slots answer that for much less than a set lookup.
            let h = hash(value);
            let slot = &mut self.recent[(h % RECENT as u64) as usize];
            if *slot == h && h != 0 {
                return;
            }
            *slot = h;
            if !self.distinct.insert(h) {
                // A value seen before cannot raise the maximum length either.
                return;
            }
            if self.samples.len() < SAMPLES {
                self.samples.push(value.to_string());
            }
        } else {
            self.distinct_overflow = true;
        }
        // A value has at most as many characters as bytes: only a longer value can raise the maximum.
        if value.len() > self.max_length {
            let chars = if value.is_ascii() {
                value.len()
            } else {
                value.chars().count()
            };
            self.max_length = self.max_length.max(chars);
        }
    }

    /// Date and datetime checks, and what the value says about day/month order.
    fn add_date(&mut self, value: &str, fits: &mut u8) {
        if is_iso_date(value) {
            // Year first: says nothing about day/month order.
            *fits |= DATE;
            return;
        }
        let (date, time) = match value.bytes().position(|b| b == b'T' || b == b' ') {
            Some(i) => (&value[..i], Some(&value[i + 1..])),
            None => (value, None),
        };
        let Some((a, b, year_first)) = date_parts(date) else {
            return;
        };
        match time {
            None => *fits |= DATE,
            Some(t) if is_time(t) => *fits |= DATETIME,
            _ => {}
        }
        if !year_first && *fits & (DATE | DATETIME) != 0 {
            if a > 12 {
                self.day_first = true;
            } else if b > 12 {
                self.month_first = true;
            } else if a != b && date.contains('/') {
                self.ambiguous_dates = true;
            }
        }
    }

    fn finish(self, name: &str) -> ColumnProfile {
        let kind = if !self.any {
            ValueKind::Empty
        } else if self.fits & BOOL != 0 && self.fits & INT != 0 && self.distinct.len() == 2 {
            // Every value is 0 or 1 (the only integers that are also yes/no words) and both occur: a flag, as
            // exporters write checkboxes, not a count. A column of only 1s (a quantity) stays integer.
            ValueKind::Boolean
        } else if self.fits & INT != 0 {
            ValueKind::Integer
        } else if self.fits & DEC != 0 {
            ValueKind::Decimal
        } else if self.fits & BOOL != 0 {
            ValueKind::Boolean
        } else if self.fits & DATE != 0 {
            ValueKind::Date
        } else if self.fits & DATETIME != 0 {
            ValueKind::DateTime
        } else if self.fits & EMAIL != 0 {
            ValueKind::Email
        } else {
            ValueKind::Text
        };
        let mut warnings = Vec::new();
        if self.scientific {
            warnings.push(
                "some values look like numbers Excel shortened to scientific notation (7.09E+12); the full digits \
                 are lost — export again with this column formatted as text"
                    .to_string(),
            );
        }
        let lname = name.to_lowercase();
        let id_like = [
            "id", "number", "nummer", "no", "zip", "postal", "plz", "code", "phone", "account",
        ]
        .iter()
        .any(|w| {
            lname
                .split(|c: char| !c.is_alphanumeric())
                .any(|part| part == *w)
        });
        if matches!(kind, ValueKind::Integer)
            && id_like
            && self.lengths.is_some_and(|(lo, hi)| lo != hi)
            && self.workbook_number
        {
            warnings.push(
                "these IDs are stored as numbers and have different lengths; leading zeros may have been lost"
                    .to_string(),
            );
        } else if matches!(kind, ValueKind::Integer)
            && id_like
            && self.lengths.is_some_and(|(lo, hi)| lo != hi)
            && !self.lost_zero_candidate
        {
            warnings.push(
                "IDs have different lengths; check that no leading zeros were lost".to_string(),
            );
        }
        if self.day_first && self.month_first {
            warnings
                .push("dates mix day-first and month-first order (13/04 and 04/13)".to_string());
        } else if self.ambiguous_dates && !self.day_first && !self.month_first {
            warnings.push("dates like 03/04/2021 could be day-first or month-first; choose the order when mapping".to_string());
        }
        ColumnProfile {
            name: name.to_string(),
            kind,
            empty: self.empty,
            distinct: self.distinct.len() as u64 + u64::from(self.distinct_overflow),
            samples: self.samples,
            max_length: self.max_length,
            warnings,
        }
    }
}

/// Profiles the rows of a reader (at most `limit` rows when given). Stops at the first read error.
pub fn profile(reader: &mut SourceReader, limit: Option<u64>) -> Result<Profile, SourceError> {
    let mut state = State::new(&reader.info);
    let mut row = Row::empty();
    while let Some(r) = reader.read_into(&mut row) {
        r?;
        if !state.add(&row, limit) {
            break;
        }
    }
    Ok(state.finish(&reader.info))
}

/// Profiles any row iterator for the columns in `info`.
pub fn profile_rows(
    info: &SourceInfo,
    rows: impl Iterator<Item = Result<Row, SourceError>>,
    limit: Option<u64>,
) -> Result<Profile, SourceError> {
    let mut state = State::new(info);
    for row in rows {
        if !state.add(&row?, limit) {
            break;
        }
    }
    Ok(state.finish(info))
}

struct State {
    accs: Vec<Acc>,
    out: Profile,
}

impl State {
    fn new(info: &SourceInfo) -> Self {
        State {
            accs: info
                .columns
                .iter()
                .map(|_| Acc {
                    lost_zero_candidate: true,
                    ..Acc::default()
                })
                .collect(),
            out: Profile {
                rows: 0,
                ragged_rows: 0,
                footer_rows: 0,
                error_cells: 0,
                columns: vec![],
            },
        }
    }

    /// Adds one row; false once `limit` rows have been seen.
    fn add(&mut self, row: &Row, limit: Option<u64>) -> bool {
        let out = &mut self.out;
        out.rows += 1;
        let mut footer = false;
        for note in &row.notes {
            match note {
                RowNote::LooksLikeFooter => {
                    out.footer_rows += 1;
                    footer = true;
                }
                _ => out.ragged_rows += 1,
            }
        }
        if !footer {
            for (acc, cell) in self.accs.iter_mut().zip(&row.cells) {
                if cell.kind == CellKind::Error {
                    out.error_cells += 1;
                }
                acc.add(&cell.value, cell.kind);
            }
        }
        limit.is_none_or(|l| out.rows < l)
    }

    fn finish(self, info: &SourceInfo) -> Profile {
        let mut out = self.out;
        out.columns = self
            .accs
            .into_iter()
            .zip(&info.columns)
            .map(|(a, n)| a.finish(n))
            .collect();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(values: &[&str]) -> ValueKind {
        let mut a = Acc::default();
        for v in values {
            a.add(v, CellKind::Text);
        }
        a.finish("x").kind
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of(&["1", "22", ""]), ValueKind::Integer);
        assert_eq!(kind_of(&["1", "0", "1", ""]), ValueKind::Boolean);
        assert_eq!(kind_of(&["1", "0", "2"]), ValueKind::Integer);
        assert_eq!(kind_of(&["1", "1"]), ValueKind::Integer);
        assert_eq!(kind_of(&["1.234,56", "12,5"]), ValueKind::Decimal);
        assert_eq!(kind_of(&["1,234.56", "3"]), ValueKind::Decimal);
        assert_eq!(kind_of(&["yes", "No", "ja"]), ValueKind::Boolean);
        assert_eq!(kind_of(&["2021-03-04", "04.03.2021"]), ValueKind::Date);
        assert_eq!(
            kind_of(&["2021-03-04 10:00", "2021-03-04T10:00:05Z"]),
            ValueKind::DateTime
        );
        assert_eq!(kind_of(&["a@b.de"]), ValueKind::Email);
        assert_eq!(kind_of(&["Müller", "1"]), ValueKind::Text);
        assert_eq!(kind_of(&[""]), ValueKind::Empty);
    }

    #[test]
    fn number_and_date_shapes() {
        for yes in [
            "1.5",
            "-1,5",
            "+1234.56",
            "1.234,56",
            "1,234,567.5",
            "1.234.567",
        ] {
            assert!(is_decimal(yes), "{yes}");
        }
        for no in [
            "1.", ".5", "1..5", "1.2.3,4", "1,23,4.5", "a.5", "1.5a", "-", "1 5",
        ] {
            assert!(!is_decimal(no), "{no}");
        }
        assert!(is_iso_date("2021-12-31"));
        for no in [
            "2021-13-01",
            "2021-00-10",
            "2021-01-32",
            "2021/01/01",
            "21-01-01",
            "2021-1-01x",
        ] {
            assert!(!is_iso_date(no), "{no}");
        }
        assert_eq!(kind_of(&["2021-03-04", "2021-12-31"]), ValueKind::Date);
        assert_eq!(kind_of(&["2021-03-04", "2021-13-31"]), ValueKind::Text);
    }

    #[test]
    fn warnings() {
        let mut a = Acc::default();
        a.add("7.09123E+12", CellKind::Text);
        a.add("03/04/2021", CellKind::Text);
        assert!(!a.finish("x").warnings.is_empty());
        let mut a = Acc::default();
        a.add("13/04/2021", CellKind::Text);
        a.add("04/13/2021", CellKind::Text);
        assert!(a.finish("x").warnings[0].contains("mix"));
    }
}
