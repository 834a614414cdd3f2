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
    let mut spans = vec![];
    for (part, kind) in step_bar_parts(step, area.width) {
        spans.push(match kind {
            BarPart::Title => Span::styled(part, theme.title()),
            BarPart::Separator => Span::styled(part, theme.dim()),
            BarPart::Step(s) if s == step => Span::styled(part, theme.current_step()),
            BarPart::Step(_) => Span::raw(part),
        });
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// What a piece of the step bar is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BarPart {
    Title,
    Separator,
    Step(Step),
}

/// The step bar's pieces for a terminal `width`, left to right. The full bar needs ~90 columns; on
/// narrower terminals the title goes, then other steps shrink to their number, so the current step is
/// always readable. Drawing and mouse clicks both use this, so a click lands where the label is drawn.
fn step_bar_parts(step: Step, width: u16) -> Vec<(String, BarPart)> {
    let full: usize = 14 + Step::ALL.iter().map(|s| s.title().len() + 5).sum::<usize>();
    let wide = width as usize >= full;
    let roomy = width as usize >= full - 14;
    let mut parts = vec![];
    if wide {
        parts.push((" talon-import ".to_string(), BarPart::Title));
    }
    for (i, s) in Step::ALL.iter().enumerate() {
        if i > 0 {
            parts.push((
                if roomy { " › " } else { "›" }.to_string(),
                BarPart::Separator,
            ));
        }
        let label = if roomy || *s == step {
            format!("{} {}", i + 1, s.title())
        } else {
            format!("{}", i + 1)
        };
        parts.push((label, BarPart::Step(*s)));
    }
    parts
}

/// The step whose label is at column `x` of the step bar in a terminal `width` wide (mouse clicks).
pub fn step_at(step: Step, width: u16, x: u16) -> Option<Step> {
    let mut pos = 0u16;
    for (part, kind) in step_bar_parts(step, width) {
        let w = part.chars().count() as u16;
        if let BarPart::Step(s) = kind
            && x >= pos
            && x < pos + w
        {
            return Some(s);
        }
        pos += w;
    }
    None
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
