//! Preview, Run and Summary: drawn as plain explanations until the payload and engine parts are wired in.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::tui::app::{App, Step};
use crate::tui::theme::Theme;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mapped = app
        .mapping
        .rows
        .iter()
        .filter(|r| r.attribute.is_some())
        .count();
    let what = match app.step {
        Step::Preview => "shows the exact request for each record",
        Step::Run => "imports the records and shows each one's status live",
        _ => "sums up the run and says where the results files are",
    };
    let lines = vec![
        Line::styled(
            format!("{} — this step {what}.", app.step.title()),
            theme.title(),
        ),
        Line::raw(""),
        Line::raw(format!(
            "{mapped} of {} columns are mapped.",
            app.mapping.rows.len()
        )),
        Line::raw("This step is not available in this build yet; use the headless commands"),
        Line::raw("(`talon-import preview`, `talon-import run`) with a saved mapping file."),
        Line::raw(""),
        Line::styled("Esc goes back; your mapping is kept.", theme.dim()),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
