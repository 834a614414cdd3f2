//! Turns a raw field into the clean value the admin meant: surrounding whitespace trimmed, the apostrophe that
//! exporters prepend to keep Excel from eating digits (`'02134`) removed, and text normalized to Unicode NFC.
//!
//! The raw value is kept only when it differs, so the common case costs one allocation per cell.

use super::{Cell, CellKind};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The clean value of a raw text field; `None` when it is the same as the raw text.
pub fn clean_text(raw: &str) -> Option<String> {
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
}
