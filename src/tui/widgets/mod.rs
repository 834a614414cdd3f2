//! Small widgets shared by the steps: the step bar and the key footer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::app::Step;
use super::keys;
use super::theme::Theme;

/// "1 Connect › 2 File › …" with the current step highlighted.
pub fn step_bar(step: Step, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::styled(" talon-import ", theme.title())];
    for (i, s) in Step::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", theme.dim()));
        }
        let label = format!("{} {}", i + 1, s.title());
        if *s == step {
            spans.push(Span::styled(label, theme.current_step()));
        } else {
            spans.push(Span::raw(label));
        }
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// The keys that work on this step, from the one binding table.
pub fn footer(step: Step, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![];
    for bnd in keys::bindings(step) {
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
