//! Validate: every row checked on a background task (the same `mapping::validate` as the headless command),
//! with a progress line; problems grouped by field and kind; the selected group's rows shown with the
//! offending value highlighted. Esc goes back to Mapping to fix; Enter goes on to Preview.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Widget, Wrap};

use crate::text::for_terminal;
use crate::tui::app::{App, Cmd, PreviewState, advance};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    let groups = app.validate.report.as_ref().map_or(0, |r| r.problems.len());
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            app.validate.selected = (app.validate.selected + 1).min(groups.saturating_sub(1));
        }
        KeyCode::Up | KeyCode::Char('k') => {
            app.validate.selected = app.validate.selected.saturating_sub(1)
        }
        KeyCode::Enter if !app.validate.running => {
            let mapping = app.current_mapping().ok()?;
            advance(app);
            app.preview = PreviewState {
                loading: true,
                ..PreviewState::default()
            };
            return Some(Cmd::Preview {
                mapping: Box::new(mapping),
                custom: app.custom.clone(),
                url: app.connect.url.trim().to_string(),
                api_key: app.connect.api_key.trim().to_string(),
            });
        }
        _ => {}
    }
    None
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let v = &app.validate;
    let [head, groups, rows] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Percentage(50),
        Constraint::Min(0),
    ])
    .areas(area);
    let mut lines = vec![];
    if let Some(e) = &app.error {
        lines.push(Line::styled(for_terminal(e).into_owned(), theme.error()));
    }
    match &v.report {
        None if v.running => lines.push(Line::raw(format!(
            "Checking every row… {} rows so far. You can go back (Esc) at any time.",
            v.rows_done
        ))),
        None => lines.push(Line::raw(
            "Not validated yet: press Esc and Enter on Mapping.",
        )),
        Some(r) => {
            lines.push(Line::from(vec![
                Span::styled(format!("{} rows: ", r.rows), theme.title()),
                Span::styled(format!("{} valid", r.valid), theme.ok()),
                Span::raw(", "),
                Span::styled(
                    format!("{} invalid", r.invalid),
                    if r.invalid > 0 {
                        theme.error()
                    } else {
                        theme.ok()
                    },
                ),
                Span::raw(format!(", {} warnings", r.warnings)),
            ]));
            lines.push(Line::styled(
                if r.invalid > 0 {
                    "Invalid rows are not sent (they go to failed.csv). Esc: fix the mapping · Enter: preview."
                } else {
                    "Every row can be sent. Enter: see the exact requests."
                },
                theme.dim(),
            ));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(head, buf);
    let Some(r) = &v.report else { return };
    let list = r.problems.iter().enumerate().map(|(i, g)| {
        let row = Row::new(vec![
            format!("{}{}", if i == v.selected { "▶ " } else { "  " }, g.field),
            g.kind.clone(),
            g.count.to_string(),
            g.examples
                .first()
                .map(|e| for_terminal(&e.message).into_owned())
                .unwrap_or_default(),
        ]);
        if i == v.selected {
            row.style(theme.selected())
        } else {
            row
        }
    });
    Table::new(
        list,
        [
            Constraint::Length(18),
            Constraint::Length(16),
            Constraint::Length(7),
            Constraint::Min(10),
        ],
    )
    .header(Row::new(vec!["Field", "Problem", "Rows", "What to do"]).style(theme.title()))
    .block(
        Block::new()
            .borders(Borders::TOP)
            .title("Problems, grouped"),
    )
    .render(groups, buf);
    let Some(g) = r.problems.get(v.selected) else {
        return;
    };
    let examples = g.examples.iter().map(|e| {
        Row::new(vec![
            ratatui::text::Text::raw(format!("row {}", e.row)),
            ratatui::text::Text::styled(
                for_terminal(e.value.as_deref().unwrap_or("(empty)")).into_owned(),
                theme.error(),
            ),
            ratatui::text::Text::raw(for_terminal(&e.message).into_owned()),
        ])
    });
    Table::new(
        examples,
        [
            Constraint::Length(10),
            Constraint::Length(22),
            Constraint::Min(10),
        ],
    )
    .block(
        Block::new()
            .borders(Borders::TOP)
            .title(format!("Rows with this problem: {} (first shown)", g.count)),
    )
    .render(rows, buf);
}
