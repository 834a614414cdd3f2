//! Text from a user's file is data. These helpers make it safe to draw on a terminal and safe to open in Excel.

use std::borrow::Cow;

/// Replaces control characters, escape sequences, bidi overrides and zero-width characters with visible
/// symbols, so that a cell can never move the cursor, recolour the terminal or reorder the layout.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_replacing) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' => ' ',
                // C0 controls map onto the Unicode "control pictures" block (␀ ␁ … ␟), DEL onto ␡.
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
                '\u{7f}' => '\u{2421}',
                c if needs_replacing(c) => '\u{fffd}',
                c => c,
            })
            .collect(),
    )
}

fn needs_replacing(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width space/joiners, LRM, RLM
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{feff}'              // zero-width no-break space / stray BOM
        )
}

/// Neutralizes a cell for CSV files people open in Excel: a value starting with `= + - @` (or a tab or
/// carriage return) would be run as a formula, so it gets a leading apostrophe, which Excel hides.
pub fn excel_safe(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Seconds for people: `42s`, `3m07s`, `2h05m` (ETAs and elapsed times in the CLI and the wizard).
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_is_made_visible() {
        assert_eq!(for_terminal("plain Müller 東京"), "plain Müller 東京");
        assert_eq!(for_terminal("a\u{1b}[31mred"), "a\u{241b}[31mred");
        assert_eq!(for_terminal("x\ny"), "x\u{240a}y");
        assert_eq!(for_terminal("abc\u{202e}def"), "abc\u{fffd}def");
        assert_eq!(for_terminal("zero\u{200b}width"), "zero\u{fffd}width");
        assert_eq!(for_terminal("\u{9b}"), "\u{fffd}");
    }

    #[test]
    fn excel_formulas_are_neutralized() {
        assert_eq!(excel_safe("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(excel_safe("+49 30 1234"), "'+49 30 1234");
        assert_eq!(excel_safe("-5"), "'-5");
        assert_eq!(excel_safe("@cmd"), "'@cmd");
        assert_eq!(excel_safe("Müller"), "Müller");
        assert_eq!(excel_safe(""), "");
    }
}
