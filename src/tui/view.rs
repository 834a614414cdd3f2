//! Draws the whole wizard from the state: step bar, the current step, the key footer, and the help overlay.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::app::{App, Step};
use super::keys;
use super::steps;
use super::theme::Theme;
use super::widgets;

/// The app drawn with a theme (so tests can draw without reading the environment).
pub struct View<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let [bar, body, foot] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        widgets::step_bar(self.app.step, self.theme, bar, buf);
        let inner = Block::new().borders(Borders::TOP);
        let body_inner = inner.inner(body);
        inner.render(body, buf);
        match self.app.step {
            Step::Connect => steps::connect::render(self.app, self.theme, body_inner, buf),
            Step::Source => steps::source::render(self.app, self.theme, body_inner, buf),
            Step::Mapping => steps::mapping::render(self.app, self.theme, body_inner, buf),
            Step::Validate => steps::validate::render(self.app, self.theme, body_inner, buf),
            Step::Preview => steps::preview::render(self.app, self.theme, body_inner, buf),
            Step::Run => steps::run::render(self.app, self.theme, body_inner, buf),
            Step::Summary => steps::summary::render(self.app, self.theme, body_inner, buf),
        }
        match &self.app.notice {
            Some(n) => Paragraph::new(Line::styled(
                crate::text::for_terminal(n).into_owned(),
                self.theme.ok(),
            ))
            .render(foot, buf),
            None => widgets::footer(keys::current(self.app), self.theme, foot, buf),
        }
        if self.app.show_help {
            help(self.app, self.theme, body, buf);
        }
    }
}

fn help(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let step = app.step;
    let mut lines: Vec<Line> = keys::current(app)
        .iter()
        .map(|b| Line::raw(format!("{:<8} {}", b.key, b.action)))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Esc always goes back one step; nothing is lost.",
        theme.dim(),
    ));
    lines.push(Line::styled("Press any key to close.", theme.dim()));
    // As tall as the keys need (every key of the step is listed), as far as the screen allows.
    let w = area.width.min(60);
    let h = area.height.min(lines.len() as u16 + 2);
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .block(Block::bordered().title(format!(" Help: {} ", step.title())))
        .render(popup, buf);
}
