//! Column profiles: what each column seems to hold, how often it is empty, a few samples, and warnings worth an
//! admin's eye (lost leading zeros, scientific notation, ambiguous day/month order).
//!
//! Used by `talon-import inspect`; it reads rows in place through [`SourceReader::for_each_view`].

use super::{CellKind, RowNote, RowView, SourceError, SourceInfo, SourceReader};
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
    /// Data rows, without the footer rows at the end.
    pub rows: u64,
    pub ragged_rows: u64,
    /// Lines (CSV) or sheet rows of the first [`PLACES`] ragged rows.
    pub ragged_lines: Vec<u64>,
    /// Rows at the end that look like totals or report footers; they are left out of the columns' profiles.
    pub footer_rows: u64,
    pub error_cells: u64,
    /// Where the first [`PLACES`] error cells are.
    pub error_locations: Vec<CellPlace>,
    pub columns: Vec<ColumnProfile>,
}

/// A cell's place, for messages: the sheet row (CSV: line) and the column's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellPlace {
    pub row: u64,
    pub column: String,
}

pub const DISTINCT_LIMIT: usize = 100_000;
/// How many ragged rows and error cells are named: enough to find the pattern in the file.
pub const PLACES: usize = 5;
/// Footer-looking rows held back until the next data row or the end decides what they are. More of them in a
/// row than this are no report footer: they are data.
const MAX_FOOTER_ROWS: usize = 20;
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

/// Sixteen bytes per multiply (a folded 64×64→128-bit product, as foldhash and wyhash do): most cells are
/// shorter than that and cost one multiply. Much cheaper than SipHash; the distinct counts only need a good
/// spread, not protection against crafted input.
fn hash(s: &str) -> u64 {
    const K1: u64 = 0x243f_6a88_85a3_08d3;
    const K2: u64 = 0x1319_8a2e_0370_7344;
    let b = s.as_bytes();
    // The length spread over the whole word first: xor-ing it in as it is would let a value's first byte and
    // its length cancel out (`axx…` of 15 bytes against `bxx…` of 12).
    let mut h = folded_multiply(K1 ^ b.len() as u64, K2);
    let (pairs, rest) = b.as_chunks::<16>();
    for pair in pairs {
        let (lo, hi) = pair.split_at(8);
        h = folded_multiply(word(lo) ^ h, word(hi) ^ K2);
    }
    if !rest.is_empty() {
        // The last sixteen bytes (overlapping the pairs above) or, for a shorter value, all of it.
        let (lo, hi) = if b.len() >= 16 {
            (word(&b[b.len() - 16..]), word(&b[b.len() - 8..]))
        } else {
            (head_word(b), tail_word(b))
        };
        h = folded_multiply(lo ^ h, hi ^ K2);
    }
    h
}

fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    full as u64 ^ (full >> 64) as u64
}

/// The first eight bytes of `b` (at least eight long) as a word.
fn word(b: &[u8]) -> u64 {
    b.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w))
}

/// Up to the first eight bytes of a value shorter than sixteen, without a byte loop (see [`tail_word`]).
fn head_word(b: &[u8]) -> u64 {
    if b.len() >= 8 { word(b) } else { 0 }
}

/// The last eight bytes of a value shorter than sixteen as one word, built from at most two loads: the loads
/// of a shorter value overlap, so every byte counts without a byte loop.
fn tail_word(b: &[u8]) -> u64 {
    let n = b.len();
    let u32_at = |at: usize| {
        b.get(at..)
            .and_then(<[u8]>::first_chunk::<4>)
            .map_or(0, |w| u32::from_le_bytes(*w))
    };
    if n >= 8 {
        word(&b[n - 8..])
    } else if n >= 4 {
        u64::from(u32_at(0)) | u64::from(u32_at(n - 4)) << 32
    } else if n > 0 {
        // First, middle and last byte: with the length mixed in, that is every byte of a value this short.
        u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16
    } else {
        0
    }
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
    !d.is_empty() && all_digits(d)
}

/// Every byte an ASCII digit, eight bytes per step (the last word overlaps the previous one).
fn all_digits(b: &[u8]) -> bool {
    if b.len() < 8 {
        return b.iter().all(u8::is_ascii_digit);
    }
    let (words, _) = b.as_chunks::<8>();
    words.iter().all(|w| digits8(u64::from_le_bytes(*w))) && digits8(word(&b[b.len() - 8..]))
}

/// All eight bytes of `w` are ASCII digits: `'0'..='9'` become 0..=9 after the xor, and only those keep both
/// their high nibble and that of value + 6 at zero (no carry crosses a byte that passed the first test).
fn digits8(w: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let x = w ^ 0x3030_3030_3030_3030;
    x & HIGH == 0 && x.wrapping_add(0x0606_0606_0606_0606) & HIGH == 0
}

/// `YYYY-MM-DD` with a valid month and day: the most common date by far, decided without splitting.
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    // Digits in the first eight bytes apart from the two dashes (replaced by '0'), and in the last two.
    let head = word(b) & !0xFF00_00FF_0000_0000 | 0x3000_0030_0000_0000;
    let two = |at: usize| u32::from(b[at] - b'0') * 10 + u32::from(b[at + 1] - b'0');
    digits8(head)
        && b[8].is_ascii_digit()
        && b[9].is_ascii_digit()
        && (1..=12).contains(&two(5))
        && (1..=31).contains(&two(8))
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

/// An amount with a currency sign or code (`€ 12,50`, `12,50 €`, `$1,234.50`, `CHF 30`) or with thousands
/// grouped by spaces and a decimal part (`1 234,56`): a decimal to the admin, as the mapping reads it. Spaces
/// alone do not make a number (`030 123 456` is a phone number).
fn is_amount(s: &str) -> bool {
    const SIGNS: [&str; 8] = ["€", "$", "£", "¥", "CHF", "EUR", "USD", "GBP"];
    const SPACES: [char; 3] = [' ', '\u{a0}', '\u{202f}'];
    let t = s.trim();
    let bare = SIGNS
        .iter()
        .find_map(|c| {
            t.strip_prefix(c)
                .map(str::trim_start)
                .or_else(|| t.strip_suffix(c).map(str::trim_end))
        })
        .unwrap_or(t);
    let currency = bare.len() != t.len();
    if !bare.contains(SPACES) {
        return currency && is_decimal(bare);
    }
    // Space-grouped thousands need a decimal part: `1 234,56`, `1 234 567.5`.
    let Some(sep) = bare.rfind(['.', ',']) else {
        return false;
    };
    let (whole, fraction) = (&bare[..sep], &bare[sep + 1..]);
    let mut groups = whole.split(SPACES);
    let first = groups.next().unwrap_or_default();
    let first = first.strip_prefix(['-', '+']).unwrap_or(first);
    (1..=3).contains(&first.len())
        && all_digits(first.as_bytes())
        && groups.all(|g| g.len() == 3 && all_digits(g.as_bytes()))
        && !fraction.is_empty()
        && all_digits(fraction.as_bytes())
        && whole.contains(SPACES)
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

/// `name@domain.tld`: something before the `@`, a dot in the domain but not at its ends, no spaces or control
/// characters. One pass eight bytes at a time for the usual printable-ASCII address (an address is checked for
/// every cell of an e-mail column); other values take the general checks.
fn is_email(s: &str) -> bool {
    use super::words::{LOW7, TOP, padded, splat, zero_bytes};
    let b = s.as_bytes();
    let (mut printable, mut first_at, mut last_dot) = (true, None, None);
    // Padded with a printable letter.
    for (i, w) in padded(b, b'a').enumerate() {
        // Bit 7 clear (ASCII), and the low seven bits plus 0x5F reach bit 7 only from 0x21 up.
        printable &= w & TOP == 0 && ((w & LOW7) + 0x5F5F_5F5F_5F5F_5F5F) & TOP == TOP;
        let ats = zero_bytes(w ^ splat(b'@'));
        if first_at.is_none() && ats != 0 {
            first_at = Some(i * 8 + (ats.trailing_zeros() / 8) as usize);
        }
        let dots = zero_bytes(w ^ splat(b'.'));
        if dots != 0 {
            last_dot = Some(i * 8 + ((63 - dots.leading_zeros()) / 8) as usize);
        }
    }
    if !printable {
        return is_email_slow(s);
    }
    let Some(at) = first_at else {
        return false;
    };
    at > 0
        && last_dot.is_some_and(|d| d > at + 1)
        && b.get(at + 1) != Some(&b'.')
        && b.last() != Some(&b'.')
}

/// [`is_email`] for values that are not printable ASCII throughout.
fn is_email_slow(s: &str) -> bool {
    let b = s.as_bytes();
    if b.iter().any(|&c| c <= b' ') || s.contains(char::is_whitespace) {
        return false;
    }
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let domain = &b[at + 1..];
    at > 0
        && domain.contains(&b'.')
        && domain.first() != Some(&b'.')
        && domain.last() != Some(&b'.')
}

fn is_scientific(s: &str) -> bool {
    // Read from the end: the exponent's digits, `+`, `E`; most values fail on their last bytes.
    let b = s.as_bytes();
    let digits = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let Some(sign) = b.len().checked_sub(digits + 1) else {
        return false;
    };
    digits > 0
        && sign > 0
        && b[sign] == b'+'
        && matches!(b[sign - 1], b'e' | b'E')
        && is_decimal(&s[..sign - 1])
}

impl Acc {
    // Inlined into the per-row loop: a call per cell cost ~8 % of inspect.
    #[inline(always)]
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
            // An error cell is reported on its own (`ColumnErrors`); it says nothing about what the column holds.
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
                // Amounts as European exports write them; only tested while a column can still be decimal.
                if !number && open & DEC != 0 && is_amount(value) {
                    fits |= DEC;
                    number = true;
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
        let parts: Vec<&str> = lname.split(|c: char| !c.is_alphanumeric()).collect();
        // Postal codes have one length per country, so different lengths mean lost zeros (01067 → 1067) even
        // when no value starts with 0; customer numbers differ in length naturally and need that hint.
        let postal = parts.iter().any(|p| {
            matches!(
                *p,
                "zip" | "zipcode" | "postal" | "postcode" | "postalcode" | "plz" | "postleitzahl"
            )
        }) || (parts.contains(&"post") && parts.contains(&"code"));
        let lengths_differ = self.lengths.filter(|(lo, hi)| lo != hi);
        if matches!(kind, ValueKind::Integer)
            && postal
            && let Some((lo, hi)) = lengths_differ
        {
            warnings.push(format!(
                "postal codes have {lo} to {hi} digits; leading zeros may have been lost (01067 became 1067) — \
                 export again with this column formatted as text"
            ));
        } else if matches!(kind, ValueKind::Integer)
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
    reader.for_each_view(|row| state.add(row, limit))?;
    Ok(state.finish(&reader.info))
}

struct State {
    accs: Vec<Acc>,
    out: Profile,
    /// Rows seen, footer-looking or not (for the limit).
    seen: u64,
    /// Footer-looking rows not yet followed by a data row. "Total Fitness GmbH" is a customer in the middle of
    /// the data; only the rows after the last data row are the report's footer.
    pending: Vec<Pending>,
    /// The current run of footer-looking rows grew longer than any footer: they are data.
    run_is_data: bool,
    /// (line, column index) of the first error cells.
    error_at: Vec<(u64, usize)>,
    /// Per column, beside `accs`: kept out of `Acc`, whose per-cell code is the hot path.
    errors: Vec<ColumnErrors>,
}

/// A column's Excel error cells (`#N/A`): how many, and the first one's text, for the column's warning.
#[derive(Default)]
struct ColumnErrors {
    count: u64,
    first: String,
}

impl ColumnErrors {
    fn warning(&self) -> Option<String> {
        let cells = match self.count {
            0 => return None,
            1 => "cell holds an Excel error",
            _ => "cells hold Excel errors",
        };
        Some(format!(
            "{} {cells} such as {}: not a value to import — fix the formulas or clear those cells",
            self.count, self.first
        ))
    }
}

struct Pending {
    line: u64,
    ragged: bool,
    cells: Vec<(String, CellKind)>,
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
                ragged_lines: vec![],
                footer_rows: 0,
                error_cells: 0,
                error_locations: vec![],
                columns: vec![],
            },
            seen: 0,
            pending: vec![],
            run_is_data: false,
            error_at: vec![],
            errors: info
                .columns
                .iter()
                .map(|_| ColumnErrors::default())
                .collect(),
        }
    }

    /// Adds one row; false once `limit` rows have been seen.
    fn add(&mut self, row: &RowView<'_>, limit: Option<u64>) -> bool {
        self.seen += 1;
        let mut footer = false;
        let mut ragged = false;
        for note in row.notes {
            match note {
                RowNote::LooksLikeFooter => footer = true,
                _ => ragged = true,
            }
        }
        if footer && !self.run_is_data {
            if self.pending.len() < MAX_FOOTER_ROWS {
                self.pending.push(Pending {
                    line: row.line,
                    ragged,
                    cells: row.cells.iter().map(|&(v, k)| (v.to_string(), k)).collect(),
                });
                return limit.is_none_or(|l| self.seen < l);
            }
            self.run_is_data = true;
        } else if !footer {
            self.run_is_data = false;
        }
        if !self.pending.is_empty() {
            // A row follows them, so they were data after all.
            self.pending_are_data();
        }
        self.data(row.line, ragged, row.cells.iter().copied());
        limit.is_none_or(|l| self.seen < l)
    }

    fn pending_are_data(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        for p in pending.drain(..) {
            self.data(
                p.line,
                p.ragged,
                p.cells.iter().map(|(v, k)| (v.as_str(), *k)),
            );
        }
        self.pending = pending;
    }

    fn data<'v>(
        &mut self,
        line: u64,
        ragged: bool,
        cells: impl Iterator<Item = (&'v str, CellKind)>,
    ) {
        let out = &mut self.out;
        out.rows += 1;
        if ragged {
            out.ragged_rows += 1;
            if out.ragged_lines.len() < PLACES {
                out.ragged_lines.push(line);
            }
        }
        for (i, (acc, (value, kind))) in self.accs.iter_mut().zip(cells).enumerate() {
            if kind == CellKind::Error {
                out.error_cells += 1;
                if self.error_at.len() < PLACES {
                    self.error_at.push((line, i));
                }
                let e = &mut self.errors[i];
                if e.count == 0 {
                    e.first = value.to_string();
                }
                e.count += 1;
            }
            acc.add(value, kind);
        }
    }

    fn finish(mut self, info: &SourceInfo) -> Profile {
        // A footer needs data above it: a file of nothing but a customer called "Total Fitness GmbH" is data.
        if self.out.rows == 0 {
            self.pending_are_data();
        }
        let mut out = self.out;
        // Nothing followed them: the report's footer.
        out.footer_rows = self.pending.len() as u64;
        out.error_locations = self
            .error_at
            .into_iter()
            .map(|(row, i)| CellPlace {
                row,
                column: info.columns.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        out.columns = self
            .accs
            .into_iter()
            .zip(&info.columns)
            .zip(&self.errors)
            .map(|((a, n), e)| {
                let mut column = a.finish(n);
                column.warnings.splice(0..0, e.warning());
                column
            })
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
    fn word_at_a_time_checks_match_byte_loops() {
        for len in 0..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut v = vec![b'7'; len];
                    v[at] = b;
                    assert_eq!(all_digits(&v), v.iter().all(u8::is_ascii_digit), "{v:?}");
                }
            }
        }
        let naive_iso = |s: &str| {
            let p: Vec<&str> = s.split('-').collect();
            s.len() == 10
                && p.len() == 3
                && p.iter()
                    .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
                && p[0].len() == 4
                && p[1].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
                && p[2].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))
        };
        let base = *b"2021-12-31";
        for at in 0..10 {
            for b in 0..=127u8 {
                let mut v = base;
                v[at] = b;
                let s = std::str::from_utf8(&v).unwrap_or_default();
                assert_eq!(is_iso_date(s), naive_iso(s), "{s:?}");
            }
        }
    }

    #[test]
    fn hash_tells_similar_values_apart() {
        // Every length up to 40 with one byte changed anywhere, and long numbered addresses: no two may share a
        // hash, or distinct counts would come out low.
        let mut values = HashSet::new();
        for len in 1..=40 {
            for at in 0..len {
                for b in ['a', 'b', '0', '9', 'ü'] {
                    let mut v: Vec<char> = vec!['x'; len];
                    v[at] = b;
                    values.insert(v.into_iter().collect::<String>());
                }
            }
        }
        values.extend((0..200_000).map(|i| format!("customer{i}@example.com")));
        values.extend((0..200_000).map(|i| i.to_string()));
        values.extend((0..200_000).map(|i| format!("{:08}", i * 7)));
        values.extend((0..200_000).map(|i| format!("{}.{:02}", i / 100, i % 100)));
        let hashes: HashSet<u64> = values.iter().map(|v| hash(v)).collect();
        assert_eq!(hashes.len(), values.len());
    }

    #[test]
    fn email_word_checks_match_the_general_ones() {
        // Every byte value at every place of short addresses: the fast path agrees with the general checks.
        for base in ["a@b.de", "ab@cd.efg.hi", "x.y+z@mail.example.com"] {
            for at in 0..base.len() {
                for b in 0..=127u8 {
                    let mut v = base.as_bytes().to_vec();
                    v[at] = b;
                    let s = String::from_utf8(v).unwrap_or_default();
                    assert_eq!(is_email(&s), is_email_slow(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn amounts_with_currency_or_spaced_thousands_are_decimals() {
        for yes in [
            "€ 12,50",
            "12,50 €",
            "$1,234.50",
            "CHF 30",
            "1 234,56",
            "-1 234 567.5",
            "12,50\u{a0}€",
        ] {
            assert!(is_amount(yes), "{yes}");
        }
        for no in [
            "030 123 456",
            "+49 30 123",
            "€",
            "12 34,5",
            "1 234",
            "€ abc",
            "1 2345,6",
            "EUR",
        ] {
            assert!(!is_amount(no), "{no}");
        }
        assert_eq!(kind_of(&["€ 12,50", "1 234,56", "7"]), ValueKind::Decimal);
        assert_eq!(kind_of(&["030 123 456", "040 987 654"]), ValueKind::Text);
    }

    #[test]
    fn error_cells_are_a_warning_of_their_column() {
        let p = profile_rows(
            &["Amount"],
            &[
                (2, &[], &[("#N/A", CellKind::Error)]),
                (3, &[], &[("#DIV/0!", CellKind::Error)]),
                (4, &[], &[("", CellKind::Empty)]),
            ],
        );
        let c = &p.columns[0];
        assert_eq!(c.kind, ValueKind::Empty);
        assert!(
            c.warnings[0].starts_with("2 cells hold Excel errors such as #N/A"),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn scientific_and_email_shapes() {
        for yes in ["7.09123E+12", "1E+15", "7,09E+12", "-1.5e+3"] {
            assert!(is_scientific(yes), "{yes}");
        }
        for no in [
            "7.09E12",
            "E+12",
            "7.09E+",
            "7.09E-12",
            "+49 30 123",
            "2021-01-01",
            "1.5x+3",
        ] {
            assert!(!is_scientific(no), "{no}");
        }
        for yes in ["a@b.de", "jürgen@beispiel.de", "x.y+z@mail.example.com"] {
            assert!(is_email(yes), "{yes}");
        }
        for no in [
            "@b.de",
            "a@b",
            "a@.de",
            "a@b.",
            "a b@c.de",
            "a@b\u{a0}.de",
            "a\tb@c.de",
            "ab.de",
        ] {
            assert!(!is_email(no), "{no}");
        }
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

    /// A row for [`profile_rows`]: line, notes, cells.
    type TestRow<'a> = (u64, &'a [RowNote], &'a [(&'a str, CellKind)]);

    fn profile_rows(columns: &[&str], rows: &[TestRow<'_>]) -> Profile {
        let info = SourceInfo {
            path: "t.xlsx".into(),
            format: super::super::Format::Xlsx,
            encoding: None,
            delimiter: None,
            sheets: vec![],
            sheet: None,
            header_row: 1,
            columns: columns.iter().map(|c| c.to_string()).collect(),
        };
        let mut state = State::new(&info);
        for &(line, notes, cells) in rows {
            state.add(&RowView { line, notes, cells }, None);
        }
        state.finish(&info)
    }

    #[test]
    fn only_footer_looking_rows_after_the_last_data_row_are_footers() {
        use CellKind::Text;
        let footer = &[RowNote::LooksLikeFooter][..];
        let short = &[RowNote::TooFewFields {
            expected: 3,
            found: 2,
        }][..];
        let p = profile_rows(
            &["Company", "City", "Employees"],
            &[
                (2, &[], &[("Acme", Text), ("Berlin", Text), ("10", Text)]),
                (
                    3,
                    footer,
                    &[("Total Fitness GmbH", Text), ("Paris", Text), ("20", Text)],
                ),
                (4, &[], &[("Zeta", Text), ("Köln", Text), ("30", Text)]),
                (
                    5,
                    short,
                    &[("Ypsilon", Text), ("Bonn", Text), ("", CellKind::Empty)],
                ),
                (
                    6,
                    footer,
                    &[("Total", Text), ("", CellKind::Empty), ("60", Text)],
                ),
                (
                    7,
                    &[footer[0].clone(), short[0].clone()],
                    &[("Summe", Text)],
                ),
            ],
        );
        assert_eq!((p.rows, p.footer_rows), (4, 2));
        assert_eq!((p.ragged_rows, p.ragged_lines.clone()), (1, vec![5]));
        assert_eq!(p.columns[0].distinct, 4);
        assert!(
            p.columns[0]
                .samples
                .contains(&"Total Fitness GmbH".to_string())
        );
        assert_eq!(p.columns[1].samples, ["Berlin", "Paris", "Köln", "Bonn"]);
    }

    #[test]
    fn a_long_run_of_footer_looking_rows_is_data() {
        let footer = &[RowNote::LooksLikeFooter][..];
        let cells = &[("Total", CellKind::Text)][..];
        let rows: Vec<_> = (0..30).map(|i| (i + 2, footer, cells)).collect();
        let p = profile_rows(&["Kind"], &rows);
        assert_eq!((p.rows, p.footer_rows), (30, 0));
        let p = profile_rows(&["Kind"], &rows[..1]);
        assert_eq!((p.rows, p.footer_rows), (1, 0), "no data above: no footer");
    }

    #[test]
    fn ragged_rows_and_error_cells_are_named() {
        let many = &[RowNote::TooManyFields {
            expected: 2,
            found: 3,
        }][..];
        let na = &[("1", CellKind::Number), ("#N/A", CellKind::Error)][..];
        let ok = &[("1", CellKind::Number), ("2", CellKind::Number)][..];
        let mut rows = vec![(2, &[][..], ok)];
        rows.extend((3..10).map(|line| (line, many, ok)));
        rows.extend((10..20).map(|line| (line, &[][..], na)));
        let p = profile_rows(&["Id", "Amount"], &rows);
        assert_eq!(p.ragged_rows, 7);
        assert_eq!(p.ragged_lines, [3, 4, 5, 6, 7]);
        assert_eq!(p.error_cells, 10);
        assert_eq!(p.error_locations.len(), PLACES);
        assert_eq!(
            p.error_locations[0],
            CellPlace {
                row: 10,
                column: "Amount".into()
            }
        );
    }

    #[test]
    fn postal_codes_of_different_lengths_warn_even_without_a_leading_zero() {
        let warned = |name: &str, values: &[&str]| {
            let mut a = Acc {
                lost_zero_candidate: true,
                ..Acc::default()
            };
            for v in values {
                a.add(v, CellKind::Text);
            }
            a.finish(name).warnings
        };
        for name in [
            "PLZ",
            "Zip",
            "Postal code",
            "Postcode",
            "ZIP-Code",
            "post_code",
        ] {
            let w = warned(name, &["1067", "10115", "80331"]);
            assert!(
                w.len() == 1 && w[0].contains("leading zeros"),
                "{name}: {w:?}"
            );
            assert!(warned(name, &["01067", "10115"]).is_empty(), "{name}");
        }
        // Customer numbers grow: different lengths alone say nothing.
        assert!(warned("Customer Number", &["7", "1067", "10115"]).is_empty());
        assert!(!warned("Customer Number", &["007", "1067"]).is_empty());
    }
}
