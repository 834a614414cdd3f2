//! Draws the whole wizard from the state: step bar, the current step, the key footer, and the overlays
//! (help, "quit during a run?").

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

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
        let (app, theme) = (self.app, self.theme);
        match app.step {
            Step::Connect => steps::connect::render(app, theme, body_inner, buf),
            Step::Source => steps::source::render(app, theme, body_inner, buf),
            Step::Target => steps::target::render(app, theme, body_inner, buf),
            Step::Mapping => steps::mapping::render(app, theme, body_inner, buf),
            Step::Validate => steps::validate::render(app, theme, body_inner, buf),
            Step::Preview => steps::preview::render(app, theme, body_inner, buf),
            Step::Run => steps::run::render(app, theme, body_inner, buf),
            Step::Summary => steps::summary::render(app, theme, body_inner, buf),
        }
        widgets::footer(app, theme, foot, buf);
        if app.show_help {
            help(app, theme, body, buf);
        }
        if app.confirm_quit {
            popup(
                " Quit? ",
                vec![
                    Line::raw("The import is still running."),
                    Line::raw("Quit now? Requests in flight finish and are journaled;"),
                    Line::raw("the rest can be sent later with `talon-import run --resume`."),
                    Line::raw(""),
                    Line::styled("y = quit   any other key = keep importing", theme.key()),
                ],
                body,
                buf,
            );
        }
    }
}

/// A centred box over the screen.
fn popup(title: &str, lines: Vec<Line>, area: Rect, buf: &mut Buffer) {
    let w = area.width.min(64);
    let h = area.height.min(lines.len() as u16 + 2);
    if w < 3 || h < 3 {
        return;
    }
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(rect, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title(title.to_string()))
        .render(rect, buf);
}

fn help(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut lines: Vec<Line> = keys::bindings(app)
        .iter()
        .map(|b| Line::raw(format!("{:<8} {}", b.key, b.action)))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Esc always goes back one step; nothing is lost.",
        theme.dim(),
    ));
    lines.push(Line::styled("Press any key to close.", theme.dim()));
    popup(&format!(" Help: {} ", app.step.title()), lines, area, buf);
}
