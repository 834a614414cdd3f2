//! Value conversion by attribute type: numbers, booleans, times, lists. Strict and explainable: a value that
//! does not convert is an error naming the value and the expected type, never a silent guess. Day/month order
//! of slash dates is decided over the whole column by the caller ([`DateOrder`]); a value that stays ambiguous
//! is reported as `ambiguous_date`.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde_json::Value;

use super::FieldSpec;
use crate::source::CellKind;
use crate::talon::attributes::AttrType;

/// Why one value did not convert: a machine-readable kind and a sentence for a person.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvError {
    pub kind: &'static str,
    pub message: String,
}

fn err(kind: &'static str, message: String) -> ConvError {
    ConvError { kind, message }
}

/// How `a/b/yyyy` dates are read: decided from the `format`, or from the whole column (a value whose first
/// part is > 12 settles day-first, second part > 12 settles month-first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    Unknown,
    DayFirst,
    MonthFirst,
    /// The column holds both kinds of evidence: every ambiguous value is an error.
    Conflicting,
}

/// (day, month) of the two leading numbers of a date such as `03/04/2021`: a number above 12 is the day,
/// equal numbers read the same either way, else the column's order decides; `None` when it cannot.
fn day_month(a: u32, b: u32, order: DateOrder) -> Option<(u32, u32)> {
    match order {
        _ if a > 12 && b <= 12 => Some((a, b)),
        _ if b > 12 && a <= 12 => Some((b, a)),
        _ if a == b => Some((a, b)),
        DateOrder::DayFirst => Some((a, b)),
        DateOrder::MonthFirst => Some((b, a)),
        DateOrder::Unknown | DateOrder::Conflicting => None,
    }
}

/// True for a value such as `03/04/2021` that reads differently day-first and month-first.
pub fn is_ambiguous_date(value: &str) -> bool {
    date_order_class(value).2
}

/// `(day_first, month_first, ambiguous)` evidence of one value, parsing it once.
pub fn date_order_class(value: &str) -> (bool, bool, bool) {
    match split_numeric_date(value) {
        Some((a, b, _, _)) => (
            a > 12 && b <= 12,
            b > 12 && a <= 12,
            a <= 12 && b <= 12 && a != b,
        ),
        None => (false, false, false),
    }
}

/// Evidence one value gives about day/month order: `(day_first, month_first)`.
pub fn date_order_evidence(value: &str) -> (bool, bool) {
    match split_numeric_date(value) {
        Some((a, b, _, _)) => (a > 12 && b <= 12, b > 12 && a <= 12),
        None => (false, false),
    }
}

/// Converts one non-empty value. `cell` is what the source detected (Excel dates arrive as ISO text).
pub fn convert(
    value: &str,
    cell: CellKind,
    kind: AttrType,
    spec: &FieldSpec,
    order: DateOrder,
) -> Result<Value, ConvError> {
    if cell == CellKind::Error {
        return Err(err(
            "error_cell",
            format!("the cell holds the spreadsheet error \"{value}\"; fix it in the file"),
        ));
    }
    match kind {
        AttrType::String | AttrType::Location => Ok(Value::String(value.to_string())),
        AttrType::Number => number(value).map(num_value),
        AttrType::Boolean => boolean(value, spec).map(Value::Bool),
        AttrType::Time => time(value, spec, order).map(Value::String),
        AttrType::ListString
        | AttrType::ListNumber
        | AttrType::ListTime
        | AttrType::ListLocation => {
            let sep = spec.separator.as_deref().unwrap_or(",");
            let skip_empty = spec.skip_empty.unwrap_or(true);
            let mut out = vec![];
            for item in value.split(sep).map(str::trim) {
                if item.is_empty() && skip_empty {
                    continue;
                }
                out.push(match kind {
                    AttrType::ListNumber => number(item).map(num_value)?,
                    AttrType::ListTime => Value::String(time(item, spec, order)?),
                    _ => Value::String(item.to_string()),
                });
            }
            Ok(Value::Array(out))
        }
    }
}

/// Checks one non-empty value exactly as [`convert`] would, without building the JSON value where that can
/// be avoided (text needs no check; numbers and booleans are parsed, not wrapped).
#[inline]
pub fn check(
    value: &str,
    cell: CellKind,
    kind: AttrType,
    spec: &FieldSpec,
    order: DateOrder,
) -> Result<(), ConvError> {
    // The shapes most files have, decided inline; everything else (and every error) out of line.
    let plain = cell != CellKind::Error
        && match kind {
            AttrType::String | AttrType::Location => true,
            AttrType::Number => plain_number_shape(value.as_bytes()),
            AttrType::Boolean => {
                spec.true_words.is_none()
                    && spec.false_words.is_none()
                    && builtin_ascii_word(value.as_bytes()).is_some()
            }
            AttrType::Time => spec.format.is_none() && plain_time_is_valid(value, order),
            _ => false,
        };
    if plain {
        Ok(())
    } else {
        check_general(value, cell, kind, spec, order)
    }
}

#[inline(never)]
fn check_general(
    value: &str,
    cell: CellKind,
    kind: AttrType,
    spec: &FieldSpec,
    order: DateOrder,
) -> Result<(), ConvError> {
    match kind {
        _ if cell == CellKind::Error => convert(value, cell, kind, spec, order).map(drop),
        AttrType::String | AttrType::Location => Ok(()),
        AttrType::Number => number(value).map(drop),
        AttrType::Boolean => boolean(value, spec).map(drop),
        AttrType::Time => instant(value, spec, order).map(drop),
        _ => convert(value, cell, kind, spec, order).map(drop),
    }
}

/// True when [`plain_number`] would read `v` (so [`number`] succeeds), decided from the shape alone
/// ([`plain_shape`]: at most 40 digits, always a finite `f64`). `false` means "take the general path", not
/// "invalid".
fn plain_number_shape(v: &[u8]) -> bool {
    plain_shape(v).is_some()
}

/// The shape [`plain_number`] reads without allocating: an optional sign, ASCII digits and at most one
/// decimal `.` or `,` between digits (a comma followed by exactly three digits is a thousands separator, so
/// not this shape), at most 40 bytes. `Some` with the byte index of the decimal separator, if there is one.
fn plain_shape(v: &[u8]) -> Option<Option<usize>> {
    let sign = usize::from(matches!(v.first(), Some(b'-' | b'+')));
    let digits = &v[sign..];
    if digits.is_empty() || v.len() > 40 || !digits[0].is_ascii_digit() {
        return None;
    }
    let mut sep = None;
    for (i, c) in digits.iter().enumerate() {
        if !c.is_ascii_digit() {
            if sep.is_some() {
                return None;
            }
            sep = Some(i);
        }
    }
    match sep {
        None => Some(None),
        Some(i)
            if i + 1 < digits.len()
                && (digits[i] == b'.' || (digits[i] == b',' && digits.len() - i - 1 != 3)) =>
        {
            Some(Some(sign + i))
        }
        Some(_) => None,
    }
}

/// The common date shapes checked by hand, for [`check`] without a `format`: `YYYY-MM-DD`,
/// `YYYY-MM-DDTHH:MM:SS` (what the source gives for Excel dates) and `d/m/yyyy` (or `.`/`-`) without a time.
/// `true` only when [`instant`] surely succeeds; `false` means "take the general path" (which also words the
/// error). Years 1–9998 only, so no time zone offset can push the instant out of range.
fn plain_time_is_valid(v: &str, order: DateOrder) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date_ok = |year: u32, month: u32, day: u32| {
        (1..=9998).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in(year, month)
    };
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
            return false;
        };
        return match b.len() {
            10 => date_ok(y, m, d),
            19 if b[10] == b'T' && b[13] == b':' && b[16] == b':' => {
                match (digits(11..13), digits(14..16), digits(17..19)) {
                    (Some(h), Some(mi), Some(s)) => date_ok(y, m, d) && h < 24 && mi < 60 && s < 60,
                    _ => false,
                }
            }
            _ => false,
        };
    }
    let Some((a, b, year)) = plain_numeric_date(b) else {
        return false;
    };
    let Some((day, month)) = day_month(a, b, order) else {
        return false;
    };
    date_ok(year, month, day)
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// `d/m/yyyy`, `dd.mm.yyyy`, `d-m-yyyy` (one or two digits, one separator kind, nothing else): `(a, b, year)`.
/// `None` for every other shape, which [`split_numeric_date`] then reads the general way.
fn plain_numeric_date(b: &[u8]) -> Option<(u32, u32, u32)> {
    if let [d1, d2, s1, m1, m2, s2, y1, y2, y3, y4] = *b {
        // `dd/mm/yyyy`, the usual export shape, by position.
        let digits = [d1, d2, m1, m2, y1, y2, y3, y4];
        if s1 == s2 && matches!(s1, b'/' | b'.' | b'-') && digits.iter().all(u8::is_ascii_digit) {
            let n = |h: u8, l: u8| u32::from(h - b'0') * 10 + u32::from(l - b'0');
            return Some((n(d1, d2), n(m1, m2), n(y1, y2) * 100 + n(y3, y4)));
        }
    }
    if !(6..=10).contains(&b.len()) {
        return None;
    }
    let mut at = 0;
    let (a, _) = leading_digits(b, &mut at, 2)?;
    let sep = *b.get(at)?;
    if !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    at += 1;
    let (m, _) = leading_digits(b, &mut at, 2)?;
    if b.get(at) != Some(&sep) {
        return None;
    }
    at += 1;
    let (year, len) = leading_digits(b, &mut at, 4)?;
    (len == 4 && at == b.len()).then_some((a, m, year))
}

/// Up to `max` ASCII digits from `at` (advanced past them): the number and how many digits; `None` for none.
fn leading_digits(b: &[u8], at: &mut usize, max: usize) -> Option<(u32, usize)> {
    let start = *at;
    let mut n = 0u32;
    while *at < b.len() && *at - start < max && b[*at].is_ascii_digit() {
        n = n * 10 + u32::from(b[*at] - b'0');
        *at += 1;
    }
    (*at > start).then_some((n, *at - start))
}

/// JSON numbers: whole values without a fraction (`3`, not `3.0`).
pub fn num_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// Reads `1234.5`, `1,234.50`, `1.234,50`, `1 234,5`, `12,5` and `-3`. A single comma followed by exactly
/// three digits (`1,234`) is read as a thousands separator.
pub fn number(value: &str) -> Result<f64, ConvError> {
    let bad = || {
        err(
            "not_a_number",
            format!("\"{value}\" is not a number (expected e.g. 1234.50 or 1.234,50)"),
        )
    };
    if let Some(n) = plain_number(value.trim()) {
        return n.filter(|n| n.is_finite()).ok_or_else(bad);
    }
    let mut s: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '_'))
        .collect();
    for sym in ['€', '$', '£'] {
        s = s.replace(sym, "");
    }
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    let normalized = match (dots, commas) {
        (_, 0) if dots <= 1 => s,
        (0, _) => {
            let after = s.rsplit(',').next().unwrap_or("");
            if commas == 1 && after.len() != 3 {
                s.replace(',', ".")
            } else if after.len() == 3 {
                s.replace(',', "")
            } else {
                return Err(bad());
            }
        }
        _ if dots >= 1 && commas >= 1 => {
            let last_dot = s.rfind('.').unwrap_or(0);
            let last_comma = s.rfind(',').unwrap_or(0);
            if last_dot > last_comma && dots == 1 {
                s.replace(',', "")
            } else if last_comma > last_dot && commas == 1 {
                s.replace('.', "").replace(',', ".")
            } else {
                return Err(bad());
            }
        }
        // Several dots and no comma: `1.234.567`.
        _ => {
            if s.split('.').skip(1).all(|g| g.len() == 3) {
                s.replace('.', "")
            } else {
                return Err(bad());
            }
        }
    };
    if normalized.is_empty()
        || !normalized
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
    {
        return Err(bad());
    }
    normalized
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(bad)
}

/// The common shapes ([`plain_shape`]) read without allocating; `None` when the value has another shape.
fn plain_number(v: &str) -> Option<Option<f64>> {
    let b = v.as_bytes();
    match plain_shape(b)? {
        Some(at) if b[at] == b',' => {
            let mut buf = [0u8; 40];
            let buf = &mut buf[..b.len()];
            buf.copy_from_slice(b);
            buf[at] = b'.';
            Some(std::str::from_utf8(buf).ok()?.parse().ok())
        }
        _ => Some(v.parse().ok()),
    }
}

const TRUE_WORDS: &[&str] = &[
    "true",
    "yes",
    "y",
    "1",
    "on",
    "x",
    "ja",
    "j",
    "oui",
    "si",
    "sí",
    "sim",
    "wahr",
    "vrai",
    "waar",
    "tak",
    "da",
    "subscribed",
];
const FALSE_WORDS: &[&str] = &[
    "false",
    "no",
    "n",
    "0",
    "off",
    "nein",
    "non",
    "nee",
    "não",
    "nao",
    "falsch",
    "faux",
    "onwaar",
    "nie",
    "net",
    "unsubscribed",
];

/// Booleans from the usual words in several languages, plus the field's own `true`/`false` words.
pub fn boolean(value: &str, spec: &FieldSpec) -> Result<bool, ConvError> {
    let trimmed = value.trim();
    if spec.true_words.is_none()
        && spec.false_words.is_none()
        && let Some(b) = builtin_ascii_word(trimmed.as_bytes())
    {
        return Ok(b);
    }
    if spec.true_words.is_none() && spec.false_words.is_none() && trimmed.is_ascii() {
        // The built-in words without allocating; only non-ASCII words (`sí`, `não`) need lowercasing.
        if TRUE_WORDS.iter().any(|w| trimmed.eq_ignore_ascii_case(w)) {
            return Ok(true);
        }
        if FALSE_WORDS.iter().any(|w| trimmed.eq_ignore_ascii_case(w)) {
            return Ok(false);
        }
    }
    let v = trimmed.to_lowercase();
    let has = |words: &Option<Vec<String>>| {
        words
            .as_ref()
            .is_some_and(|w| w.iter().any(|w| w.trim().to_lowercase() == v))
    };
    if has(&spec.true_words) {
        return Ok(true);
    }
    if has(&spec.false_words) {
        return Ok(false);
    }
    if TRUE_WORDS.contains(&v.as_str()) {
        return Ok(true);
    }
    if FALSE_WORDS.contains(&v.as_str()) {
        return Ok(false);
    }
    Err(err(
        "not_a_boolean",
        format!(
            "\"{value}\" is not a yes/no value; add it to `true = [...]` or `false = [...]` of this field"
        ),
    ))
}

/// The built-in ASCII words of [`TRUE_WORDS`] and [`FALSE_WORDS`] matched without scanning both lists:
/// lowercased into a small buffer, then one `match`. `None` when the value is none of them.
fn builtin_ascii_word(v: &[u8]) -> Option<bool> {
    let mut buf = [0u8; 12];
    let lower = buf.get_mut(..v.len())?;
    for (l, c) in lower.iter_mut().zip(v) {
        *l = c.to_ascii_lowercase();
    }
    match &*lower {
        b"true" | b"yes" | b"y" | b"1" | b"on" | b"x" | b"ja" | b"j" | b"oui" | b"si" | b"sim"
        | b"wahr" | b"vrai" | b"waar" | b"tak" | b"da" | b"subscribed" => Some(true),
        b"false" | b"no" | b"n" | b"0" | b"off" | b"nein" | b"non" | b"nee" | b"nao"
        | b"falsch" | b"faux" | b"onwaar" | b"nie" | b"net" | b"unsubscribed" => Some(false),
        _ => None,
    }
}

fn zone(spec: &FieldSpec) -> Result<TimeZone, ConvError> {
    match spec.timezone.as_deref() {
        None | Some("UTC") | Some("utc") => Ok(TimeZone::UTC),
        Some(name) => TimeZone::get(name).map_err(|_| {
            err(
                "bad_timezone",
                format!("\"{name}\" is not a known time zone (use e.g. Europe/Berlin)"),
            )
        }),
    }
}

fn in_zone(dt: DateTime, spec: &FieldSpec) -> Result<jiff::Timestamp, ConvError> {
    let tz = zone(spec)?;
    tz.to_timestamp(dt).map_err(|e| {
        err(
            "not_a_date",
            format!("{dt} does not exist in that time zone: {e}"),
        )
    })
}

/// `a/b/yyyy`, `a.b.yyyy`, `a-b-yyyy` with an optional ` HH:MM[:SS]`: (a, b, year, time).
fn split_numeric_date(value: &str) -> Option<(u32, u32, i16, Option<&str>)> {
    if let Some((a, b, year)) = plain_numeric_date(value.as_bytes()) {
        // Four digits: fits i16.
        return Some((a, b, year as i16, None));
    }
    split_general(value)
}

/// [`split_numeric_date`] for every shape.
fn split_general(value: &str) -> Option<(u32, u32, i16, Option<&str>)> {
    let v = value.trim();
    // Called for every cell of a date column: reject non-dates on the first byte, then scan bytes.
    if !v.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    let (date, rest) = match v.bytes().position(|b| b == b' ' || b == b'T') {
        Some(i) => (&v[..i], Some(v[i + 1..].trim())),
        None => (v, None),
    };
    let has = |c: u8| date.as_bytes().contains(&c);
    let sep = if has(b'/') {
        '/'
    } else if has(b'.') {
        '.'
    } else if has(b'-') {
        '-'
    } else {
        return None;
    };
    let sb = sep as u8;
    let i = date.bytes().position(|b| b == sb)?;
    let j = i + 1 + date[i + 1..].bytes().position(|b| b == sb)?;
    let parts = [&date[..i], &date[i + 1..j], &date[j + 1..]];
    if parts[2].as_bytes().contains(&sb)
        || parts[2].len() != 4
        || parts[0].len() > 2
        || parts[1].len() > 2
    {
        return None;
    }
    Some((
        parts[0].parse().ok()?,
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
        rest,
    ))
}

fn clock(t: Option<&str>) -> Option<(i8, i8, i8)> {
    let Some(t) = t else { return Some((0, 0, 0)) };
    let p: Vec<&str> = t.split(':').collect();
    if !(2..=3).contains(&p.len()) {
        return None;
    }
    Some((
        p[0].parse().ok()?,
        p[1].parse().ok()?,
        p.get(2).map_or(Some(0), |s| s.parse().ok())?,
    ))
}

/// Times to RFC 3339 UTC: ISO 8601 (with or without offset), Excel dates (ISO from the source), slash dates
/// in the column's [`DateOrder`], or the field's explicit strftime `format`.
pub fn time(value: &str, spec: &FieldSpec, order: DateOrder) -> Result<String, ConvError> {
    instant(value, spec, order).map(|t| t.to_string())
}

/// [`time`] before formatting: the instant, or why the value is not one.
pub fn instant(
    value: &str,
    spec: &FieldSpec,
    order: DateOrder,
) -> Result<jiff::Timestamp, ConvError> {
    let v = value.trim();
    let not_date = |hint: &str| {
        err(
            "not_a_date",
            format!("\"{value}\" is not a valid date{hint}"),
        )
    };
    if let Some(fmt) = spec.format.as_deref() {
        let bdt = jiff::fmt::strtime::parse(fmt, v)
            .map_err(|_| not_date(&format!(" in the format {fmt}")))?;
        if bdt.offset().is_some() {
            return bdt
                .to_timestamp()
                .map_err(|_| not_date(&format!(" in the format {fmt}")));
        }
        let dt = bdt
            .to_datetime()
            .or_else(|_| bdt.to_date().map(|d| d.at(0, 0, 0, 0)))
            .map_err(|_| not_date(&format!(" in the format {fmt}")))?;
        return in_zone(dt, spec);
    }
    // Every ISO shape below starts with `YYYY-`; slash and dot dates skip the attempts.
    let iso = v.len() >= 10
        && v.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && v.as_bytes()[4] == b'-';
    if iso {
        if let Ok(ts) = v.parse::<jiff::Timestamp>() {
            return Ok(ts);
        }
        if let Ok(dt) = v.parse::<DateTime>() {
            return in_zone(dt, spec);
        }
        if let Ok(d) = v.parse::<Date>() {
            return in_zone(d.at(0, 0, 0, 0), spec);
        }
        // Exports such as Shopify's write `2024-03-04 10:14:02 +0100`: a space before the offset, which
        // ISO 8601 parsers refuse. The offset makes the instant exact, so no zone is needed.
        for fmt in [
            "%Y-%m-%d %H:%M:%S %z",
            "%Y-%m-%d %H:%M:%S %:z",
            "%Y-%m-%d %H:%M %z",
        ] {
            if let Ok(ts) = jiff::fmt::strtime::parse(fmt, v).and_then(|b| b.to_timestamp()) {
                return Ok(ts);
            }
        }
    }
    if let Some((a, b, year, t)) = split_numeric_date(v) {
        let Some((day, month)) = day_month(a, b, order) else {
            return Err(err(
                "ambiguous_date",
                format!(
                    "\"{value}\" could be day/month or month/day and no row of the column settles it; \
                     set `format` (e.g. \"%d/%m/%Y\") for this field"
                ),
            ));
        };
        let (h, m, s) = clock(t).ok_or_else(|| not_date(""))?;
        let date = Date::new(year, month as i8, day as i8).map_err(|_| not_date(""))?;
        let dt = date.at(h, m, s, 0);
        return in_zone(dt, spec);
    }
    Err(not_date(
        " (expected e.g. 2024-03-31, 31/03/2024 or set `format`)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FieldSpec {
        FieldSpec::default()
    }

    #[test]
    fn numbers_in_several_notations() {
        assert_eq!(number("1234.5").unwrap(), 1234.5);
        assert_eq!(number("1,234.50").unwrap(), 1234.5);
        assert_eq!(number("1.234,50").unwrap(), 1234.5);
        assert_eq!(number("12,5").unwrap(), 12.5);
        assert_eq!(number("1 234,5").unwrap(), 1234.5);
        assert_eq!(number("1.234.567").unwrap(), 1234567.0);
        assert_eq!(number("-3").unwrap(), -3.0);
        assert_eq!(number("€ 4,50").unwrap(), 4.5);
        assert_eq!(number("abc").unwrap_err().kind, "not_a_number");
        assert_eq!(number("1,2,3").unwrap_err().kind, "not_a_number");
        for (plain, read) in [
            ("-12", Some(-12.0)),
            ("+3.5", Some(3.5)),
            ("12,5", Some(12.5)),
            ("1,234", None),
            ("1.", None),
            ("1.5.5", None),
            ("", None),
            ("-", None),
        ] {
            assert_eq!(plain_number(plain).flatten(), read, "{plain}");
            assert_eq!(
                plain_number_shape(plain.as_bytes()),
                read.is_some(),
                "{plain}"
            );
        }
        assert_eq!(num_value(3.0), serde_json::json!(3));
    }

    #[test]
    fn booleans_in_several_languages_and_custom_words() {
        assert!(boolean("Yes", &spec()).unwrap());
        assert!(boolean("ja", &spec()).unwrap());
        assert!(!boolean("Nein", &spec()).unwrap());
        let mut s = spec();
        s.true_words = Some(vec!["opted in".into()]);
        assert!(boolean("Opted In", &s).unwrap());
        assert_eq!(boolean("maybe", &spec()).unwrap_err().kind, "not_a_boolean");
    }

    #[test]
    fn times_with_a_spaced_offset_as_shopify_writes_them() {
        let t = time("2024-03-04 10:14:02 +0100", &spec(), DateOrder::Unknown).unwrap();
        assert_eq!(t, "2024-03-04T09:14:02Z");
        let t = time("2024-03-04 10:14:02 -05:00", &spec(), DateOrder::Unknown).unwrap();
        assert_eq!(t, "2024-03-04T15:14:02Z");
    }

    #[test]
    fn times_iso_excel_formats_and_zones() {
        let s = spec();
        assert_eq!(
            time("2024-03-31", &s, DateOrder::Unknown).unwrap(),
            "2024-03-31T00:00:00Z"
        );
        assert_eq!(
            time("2024-03-31T10:00:00+02:00", &s, DateOrder::Unknown).unwrap(),
            "2024-03-31T08:00:00Z"
        );
        let mut berlin = spec();
        berlin.timezone = Some("Europe/Berlin".into());
        berlin.format = Some("%d.%m.%Y".into());
        assert_eq!(
            time("01.07.2024", &berlin, DateOrder::Unknown).unwrap(),
            "2024-06-30T22:00:00Z"
        );
        assert_eq!(
            time("31/02/2020", &s, DateOrder::DayFirst)
                .unwrap_err()
                .kind,
            "not_a_date"
        );
        assert_eq!(
            time("03/04/2021", &s, DateOrder::Unknown).unwrap_err().kind,
            "ambiguous_date"
        );
        assert_eq!(
            time("03/04/2021", &s, DateOrder::DayFirst).unwrap(),
            "2021-04-03T00:00:00Z"
        );
        assert_eq!(
            time("13/04/2021", &s, DateOrder::Unknown).unwrap(),
            "2021-04-13T00:00:00Z"
        );
        assert_eq!(date_order_evidence("13/04/2021"), (true, false));
    }

    #[test]
    fn fast_checks_agree_with_the_general_conversion() {
        let mut values: Vec<String> = [
            "2024-03-31",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "0000-01-01",
            "9999-12-31",
            "2024-03-31T10:00:00",
            "2024-03-31T24:00:00",
            "2024-03-31T10:00:60",
            "2024-03-31 10:00:00",
            "2024-03-31T10:00:00Z",
            "2024-03-31T10:00",
            "2024-3-31",
            "1/2/2020",
            "+1/2/2020",
            "1/+2/2020",
            "31/02/2020",
            "29/02/2021",
            "13/13/2020",
            "12/13/2020",
            "13.04.2021",
            "3-4-2021",
            "03/04/21",
            "03/04/2021 10:00",
            "3/4/2021/5",
            "003/4/2021",
            "3/4/20211",
            "3//2021",
            "1/1/0000",
            "abc",
            "",
            "1234",
            "-12",
            "+3.5",
            "12,5",
            "1,234",
            "1.",
            ".5",
            "1.234,5",
            "1e5",
            "€ 4",
            "yes",
            "No",
            "JA",
            "sí",
            "Subscribed",
            "maybe",
            " yes",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for d in 0..35 {
            for m in 0..15 {
                values.push(format!("{d}/{m}/2020"));
                values.push(format!("{d:02}.{m:02}.1900"));
                values.push(format!("2021-{m:02}-{d:02}"));
            }
        }
        // São Paulo started daylight saving at midnight on 4 Nov 2018: 00:00 did not exist that day.
        values.extend(["2018-11-04", "04/11/2018", "2018-11-04T00:30:00"].map(String::from));
        let mut berlin = spec();
        berlin.timezone = Some("Europe/Berlin".into());
        let mut sao_paulo = spec();
        sao_paulo.timezone = Some("America/Sao_Paulo".into());
        for v in &values {
            for s in [spec(), berlin.clone(), sao_paulo.clone()] {
                for order in [
                    DateOrder::Unknown,
                    DateOrder::DayFirst,
                    DateOrder::MonthFirst,
                    DateOrder::Conflicting,
                ] {
                    for kind in [AttrType::Time, AttrType::Number, AttrType::Boolean] {
                        let fast = check(v, CellKind::Text, kind, &s, order);
                        let general = convert(v, CellKind::Text, kind, &s, order).map(drop);
                        assert_eq!(fast, general, "{v:?} as {kind:?} in {order:?}");
                    }
                }
            }
            assert_eq!(
                date_order_class(v),
                {
                    let general = split_general(v);
                    match general {
                        Some((a, b, _, _)) => (
                            a > 12 && b <= 12,
                            b > 12 && a <= 12,
                            a <= 12 && b <= 12 && a != b,
                        ),
                        None => (false, false, false),
                    }
                },
                "{v:?}"
            );
        }
    }

    #[test]
    fn lists_split_on_the_separator() {
        let mut s = spec();
        s.separator = Some(";".into());
        let v = convert(
            "a; b;;c",
            CellKind::Text,
            AttrType::ListString,
            &s,
            DateOrder::Unknown,
        );
        assert_eq!(v.unwrap(), serde_json::json!(["a", "b", "c"]));
        let v = convert(
            "1;2,5",
            CellKind::Text,
            AttrType::ListNumber,
            &s,
            DateOrder::Unknown,
        );
        assert_eq!(v.unwrap(), serde_json::json!([1, 2.5]));
    }
}
