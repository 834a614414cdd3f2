//! Turns a raw field into the clean value the admin meant: surrounding whitespace trimmed, the apostrophe that
//! exporters prepend to keep Excel from eating digits (`'02134`) removed, and text normalized to Unicode NFC.
//!
//! The raw value is kept only when it differs, so the common case costs one allocation per cell.

use super::{Cell, CellKind};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The clean value of a raw text field; `None` when it is the same as the raw text.
pub fn clean_text(raw: &str) -> Option<String> {
    if is_clean_ascii(raw) {
        return None;
    }
    let trimmed = raw.trim();
    let unquoted = trimmed.strip_prefix('\'').unwrap_or(trimmed);
    // ASCII text is always NFC; only other text pays for the normalization check.
    if !unquoted.is_ascii() && is_nfc_quick(unquoted.chars()) != IsNormalized::Yes {
        return Some(unquoted.nfc().collect());
    }
    if unquoted.len() == raw.len() {
        None
    } else {
        Some(unquoted.to_string())
    }
}

/// The common case, decided from the ends and one scan of the bytes: text that needs no trimming, has no
/// exporter apostrophe and only holds characters below U+0300 is already clean. Every character below U+0300
/// (ASCII, Latin-1, Latin Extended-A/B) is NFC on its own and none combines with a previous one; in UTF-8 they
/// are exactly the bytes below 0xCC.
fn is_clean_ascii(raw: &str) -> bool {
    let (Some(first), Some(last)) = (raw.chars().next(), raw.chars().next_back()) else {
        return true;
    };
    first != '\''
        && !first.is_whitespace()
        && !last.is_whitespace()
        && raw.bytes().all(|b| b < 0xCC)
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
    cell.value.clear();
    match clean_text(raw) {
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
