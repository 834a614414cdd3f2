//! Turns a raw field into the clean value the admin meant: surrounding whitespace trimmed, the apostrophe that
//! exporters prepend to keep Excel from eating digits (`'02134`) removed, and text normalized to Unicode NFC.
//!
//! The raw value is kept only when it differs, so the common case costs one allocation per cell.

use super::{Cell, CellKind};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The clean value of a raw text field; `None` when it is the same as the raw text.
pub fn clean_text(raw: &str) -> Option<String> {
    clean_text_known(raw, below_u0300(raw))
}

/// [`clean_text`] when the caller already knows whether every byte of `raw` is below 0xCC (see
/// [`below_u0300`]); the CSV reader checks a whole record at once.
#[inline]
pub fn clean_text_known(raw: &str, below_u0300: bool) -> Option<String> {
    if below_u0300 && needs_no_trim(raw) {
        return None;
    }
    let trimmed = raw.trim();
    let unquoted = trimmed.strip_prefix('\'').unwrap_or(trimmed);
    // ASCII text is always NFC; only other text pays for the normalization check.
    if !below_u0300 && is_nfc_quick(unquoted.chars()) != IsNormalized::Yes {
        return Some(unquoted.nfc().collect());
    }
    if unquoted.len() == raw.len() {
        None
    } else {
        Some(unquoted.to_string())
    }
}

/// True when every character is below U+0300 (ASCII, Latin-1, Latin Extended-A/B): each such character is NFC
/// on its own and none combines with a previous one, so the text is NFC. In UTF-8 they are exactly the bytes
/// below 0xCC.
pub fn below_u0300(bytes: impl AsRef<[u8]>) -> bool {
    // Largest byte per 32-byte block: no early exit inside a block, so the compiler vectorises it.
    let (blocks, rest) = bytes.as_ref().as_chunks::<32>();
    blocks
        .iter()
        .all(|b| b.iter().fold(0u8, |m, x| m.max(*x)) < 0xCC)
        && rest.iter().all(|b| *b < 0xCC)
}

/// Printable ASCII at both ends of a field and no exporter apostrophe first (every ASCII whitespace character
/// is at or below the space), or an empty field: with [`below_u0300`] text, such a field is already clean. A
/// byte-level answer for the common case; [`clean_text_known`] decides the rest.
#[inline(always)]
pub fn plainly_clean(raw: &[u8]) -> bool {
    let (Some(&f), Some(&l)) = (raw.first(), raw.last()) else {
        return true;
    };
    f > b' ' && f < 0x80 && f != b'\'' && l > b' ' && l < 0x80
}

/// No surrounding whitespace and no exporter apostrophe.
#[inline(always)]
fn needs_no_trim(raw: &str) -> bool {
    if plainly_clean(raw.as_bytes()) {
        return true;
    }
    let (Some(first), Some(last)) = (raw.chars().next(), raw.chars().next_back()) else {
        return true;
    };
    first != '\'' && !first.is_whitespace() && !last.is_whitespace()
}

/// A text cell from a raw field (CSV fields and workbook text cells).
pub fn text_cell(raw: &str) -> Cell {
    match clean_text(raw) {
        None => Cell {
            kind: if raw.is_empty() {
                CellKind::Empty
            } else {
                CellKind::Text
            },
            value: raw.to_string(),
            raw: None,
        },
        Some(value) => Cell {
            kind: if value.is_empty() {
                CellKind::Empty
            } else {
                CellKind::Text
            },
            value,
            raw: Some(raw.to_string()),
        },
    }
}

/// Refills `cell` as [`text_cell`] would build it, reusing its buffer (no allocation for clean text once the
/// buffer is large enough).
pub fn fill_text_cell(cell: &mut Cell, raw: &str) {
    fill_text_cell_known(cell, raw, below_u0300(raw));
}

/// [`fill_text_cell`] with the [`below_u0300`] answer already known.
#[inline]
pub fn fill_text_cell_known(cell: &mut Cell, raw: &str, below_u0300: bool) {
    // Most cells are already clean: copy them without building a cleaned copy first.
    if below_u0300 && needs_no_trim(raw) {
        cell.value.clear();
        cell.value.push_str(raw);
        if cell.raw.is_some() {
            cell.raw = None;
        }
        cell.kind = if raw.is_empty() {
            CellKind::Empty
        } else {
            CellKind::Text
        };
        return;
    }
    fill_text_cell_cleaned(cell, raw, below_u0300);
}

fn fill_text_cell_cleaned(cell: &mut Cell, raw: &str, below_u0300: bool) {
    cell.value.clear();
    match clean_text_known(raw, below_u0300) {
        None => {
            cell.value.push_str(raw);
            cell.raw = None;
        }
        Some(value) => {
            cell.value.push_str(&value);
            match &mut cell.raw {
                Some(r) => {
                    r.clear();
                    r.push_str(raw);
                }
                None => cell.raw = Some(raw.to_string()),
            }
        }
    }
    cell.kind = if cell.value.is_empty() {
        CellKind::Empty
    } else {
        CellKind::Text
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophe_whitespace_and_nfc() {
        let c = text_cell(" '02134 ");
        assert_eq!(c.value, "02134");
        assert_eq!(c.raw(), " '02134 ");
        let c = text_cell("Mu\u{308}ller");
        assert_eq!(c.value, "Müller");
        let c = text_cell("plain");
        assert_eq!((c.value.as_str(), c.raw.is_none()), ("plain", true));
        assert_eq!(text_cell("   ").kind, CellKind::Empty);
    }

    #[test]
    fn every_char_below_u0300_is_nfc_on_its_own() {
        for c in (0u32..0x300).filter_map(char::from_u32) {
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
            assert_eq!(
                is_nfc_quick(['e', c].into_iter()),
                IsNormalized::Yes,
                "e + {c:?}"
            );
        }
        assert_eq!(clean_text("Jürgen"), None);
        assert_eq!(clean_text("Ju\u{308}rgen").as_deref(), Some("Jürgen"));
        assert_eq!(clean_text("x\u{a0}").as_deref(), Some("x"));
    }
}
