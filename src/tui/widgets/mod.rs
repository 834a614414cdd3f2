//! Small widgets shared by the steps: the step bar and the key footer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::app::Step;
use super::keys;
use super::theme::Theme;

/// "1 Connect › 2 File › …" with the current step highlighted.
pub fn step_bar(step: Step, theme: Theme, area: Rect, buf: &mut Buffer) {
    // The full bar needs ~90 columns; on narrower terminals the title goes, then other steps shrink to
    // their number, so the current step is always readable.
    let full: usize = 14 + Step::ALL.iter().map(|s| s.title().len() + 5).sum::<usize>();
    let wide = area.width as usize >= full;
    let roomy = area.width as usize >= full - 14;
    let mut spans = vec![];
    if wide {
        spans.push(Span::styled(" talon-import ", theme.title()));
    }
    for (i, s) in Step::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(if roomy { " › " } else { "›" }, theme.dim()));
        }
        let label = if roomy || *s == step {
            format!("{} {}", i + 1, s.title())
        } else {
            format!("{}", i + 1)
        };
        if *s == step {
            spans.push(Span::styled(label, theme.current_step()));
        } else {
            spans.push(Span::raw(label));
        }
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// The keys that work on this step, from the one binding table. Bindings that do not fit are left out
/// whole (the help overlay lists them all), never cut mid-word.
pub fn footer(bindings: &[keys::Binding], theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![];
    let mut used = 0usize;
    let width = area.width as usize;
    for bnd in bindings {
        let text = format!(" {}  ", bnd.action);
        let w = bnd.key.chars().count() + text.chars().count();
        if used + w > width + 2 {
            continue;
        }
        used += w;
        spans.push(Span::styled(bnd.key, theme.key()));
        spans.push(Span::raw(text));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// Shows a secret as dots, keeping only its length visible.
pub fn masked(secret: &str) -> String {
    "•".repeat(secret.chars().count().min(32))
}
