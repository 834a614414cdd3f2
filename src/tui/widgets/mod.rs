//! Small widgets shared by the steps: the step bar, the key footer, masked secrets, highlighted JSON.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::app::{App, Step};
use super::keys;
use super::theme::Theme;

/// Below this width the step bar drops the app name and the spaces around the separators.
const WIDE: u16 = 100;

fn step_label(i: usize, s: Step) -> String {
    format!("{} {}", i + 1, s.title())
}

fn bar_layout(width: u16) -> (&'static str, &'static str) {
    if width >= WIDE {
        (" talon-import ", " › ")
    } else {
        ("", "›")
    }
}

/// "1 Connect › 2 File › …" with the current step highlighted.
pub fn step_bar(step: Step, theme: Theme, area: Rect, buf: &mut Buffer) {
    let (name, sep) = bar_layout(area.width);
    let mut spans = vec![Span::styled(name, theme.title())];
    for (i, s) in Step::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(sep, theme.dim()));
        }
        let label = step_label(i, *s);
        if *s == step {
            spans.push(Span::styled(label, theme.current_step()));
        } else {
            spans.push(Span::raw(label));
        }
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// The step under screen column `x` of the step bar (for mouse clicks). The bar's width is the terminal's,
/// which the caller does not know here, so both layouts are tried: narrow first.
pub fn step_at(x: u16, _current: Step) -> Option<Step> {
    let (name, sep) = bar_layout(0);
    let mut pos = name.chars().count() as u16;
    for (i, s) in Step::ALL.iter().enumerate() {
        if i > 0 {
            pos += sep.chars().count() as u16;
        }
        let w = step_label(i, *s).chars().count() as u16;
        if x >= pos && x < pos + w {
            return Some(*s);
        }
        pos += w;
    }
    None
}

/// The keys that work on this screen, from the one binding table.
pub fn footer(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![];
    for bnd in keys::bindings(app) {
        spans.push(Span::styled(bnd.key, theme.key()));
        spans.push(Span::raw(format!(" {}  ", bnd.action)));
    }
    Paragraph::new(Line::from(spans))
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// Shows a secret as dots, keeping only its length visible.
pub fn masked(secret: &str) -> String {
    "•".repeat(secret.chars().count().min(32))
}

/// Colours one line of pretty-printed JSON: keys, strings, numbers and literals.
pub fn json_line(line: &str, theme: Theme) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut plain = String::new();
    let flush = |plain: &mut String, spans: &mut Vec<Span<'static>>| {
        if !plain.is_empty() {
            spans.push(Span::raw(std::mem::take(plain)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            flush(&mut plain, &mut spans);
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            let s: String = chars[start..i].iter().collect();
            let is_key = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&':');
            spans.push(Span::styled(
                s,
                if is_key {
                    theme.json_key()
                } else {
                    theme.json_string()
                },
            ));
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            flush(&mut plain, &mut spans);
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "+-.".contains(chars[i]))
            {
                i += 1;
            }
            spans.push(Span::styled(
                chars[start..i].iter().collect::<String>(),
                theme.json_number(),
            ));
            continue;
        }
        if let Some(lit) = ["true", "false", "null"]
            .into_iter()
            .find(|lit| chars[i..].iter().take(lit.len()).copied().eq(lit.chars()))
        {
            flush(&mut plain, &mut spans);
            spans.push(Span::styled(lit, theme.json_number()));
            i += lit.len();
            continue;
        }
        plain.push(c);
        i += 1;
    }
    flush(&mut plain, &mut spans);
    Line::from(spans).style(Style::new())
}
