//! Mapping: each column on the left with a sample value; the attribute it goes to on the right, pre-filled from
//! the suggestions with their confidence. ←/→ picks another attribute, `x` leaves the column out.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Widget, Wrap};

use crate::mapping::Target;
use crate::tui::app::{App, Cmd, ValidateState, advance, suggest_mapping};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    let m = &mut app.mapping;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            m.selected = (m.selected + 1).min(m.rows.len().saturating_sub(1));
        }
        KeyCode::Up | KeyCode::Char('k') => m.selected = m.selected.saturating_sub(1),
        KeyCode::Right | KeyCode::Left => {
            let forward = key.code == KeyCode::Right;
            let n = m.choices.len();
            if let Some(row) = m.rows.get_mut(m.selected)
                && n > 0
            {
                let current = row
                    .attribute
                    .as_ref()
                    .and_then(|a| m.choices.iter().position(|c| c == a));
                let next = match (current, forward) {
                    (None, true) => 0,
                    (None, false) => n - 1,
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                };
                row.attribute = Some(m.choices[next].clone());
                row.confidence = 100;
            }
        }
        KeyCode::Char('x') => {
            if let Some(row) = m.rows.get_mut(m.selected) {
                row.attribute = None;
                row.confidence = 100;
            }
        }
        KeyCode::Enter => match app.current_mapping() {
            Ok(mapping) => {
                advance(app);
                app.validate = ValidateState {
                    running: true,
                    ..ValidateState::default()
                };
                return Some(Cmd::Validate {
                    mapping: Box::new(mapping),
                    custom: app.custom.clone(),
                });
            }
            Err(e) => app.error = Some(e),
        },
        KeyCode::Char('t') => {
            // Profiles → orders, one row per line item → orders, one row per order → profiles.
            (app.target, app.one_row_per_order) = match (app.target, app.one_row_per_order) {
                (Target::Profiles, _) => (Target::Sessions, false),
                (Target::Sessions, false) => (Target::Sessions, true),
                (Target::Sessions, true) => (Target::Profiles, false),
            };
            if let Some(table) = &app.table {
                app.mapping = suggest_mapping(table, &app.catalog(), app.target);
            }
            app.error = None;
        }
        KeyCode::Char('s') => match (app.current_mapping(), &app.table) {
            (Ok(mapping), Some(table)) => {
                return Some(Cmd::SaveMapping {
                    path: table.path.with_extension("toml"),
                    mapping: Box::new(mapping),
                });
            }
            (Err(e), _) => app.error = Some(e),
            _ => {}
        },
        _ => {}
    }
    None
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let [head, grid] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
    let head_line = match &app.error {
        Some(e) => Line::styled(e.clone(), theme.error()),
        None if app.mapping.rows.is_empty() => {
            Line::raw("No file loaded yet: press Esc and pick a file first.")
        }
        None => Line::from(vec![
            ratatui::text::Span::styled(
                match (app.target, app.one_row_per_order) {
                    (Target::Profiles, _) => "Customer profiles",
                    (Target::Sessions, false) => "Past orders, one row per line item",
                    (Target::Sessions, true) => "Past orders, one row per order",
                },
                theme.title(),
            ),
            ratatui::text::Span::raw(match (app.target, app.one_row_per_order) {
                (Target::Profiles, _) => {
                    " (t: switch to past orders). Each column goes to a profile attribute; suggestions are pre-filled, check them."
                }
                (Target::Sessions, false) => {
                    " (t: one row per order). Rows with the same order id become one order with its items."
                }
                (Target::Sessions, true) => {
                    " (t: switch to profiles). Each row is a whole order with its total; no line items."
                }
            }),
        ]),
    };
    Paragraph::new(head_line)
        .wrap(Wrap { trim: false })
        .render(head, buf);
    let per_order = app.target == Target::Sessions && app.one_row_per_order;
    let rows = app.mapping.rows.iter().enumerate().map(|(i, r)| {
        let confidence = match (&r.attribute, r.confidence) {
            (None, _) => String::new(),
            (Some(_), 100) => "✓".into(),
            (Some(_), c) => format!("{c}%"),
        };
        let row = Row::new(vec![
            format!(
                "{}{}",
                if i == app.mapping.selected {
                    "▶ "
                } else {
                    "  "
                },
                crate::text::for_terminal(&r.column)
            ),
            crate::text::for_terminal(&r.sample).into_owned(),
            match &r.attribute {
                // Line-item fields are left out when each row is a whole order.
                Some(a) if per_order && a.starts_with("item ") => {
                    format!("— {a} (unused)")
                }
                Some(a) => a.clone(),
                None => "— not imported".into(),
            },
            confidence,
        ]);
        if i == app.mapping.selected {
            row.style(theme.selected())
        } else {
            row
        }
    });
    Table::new(
        rows,
        [
            Constraint::Percentage(25),
            Constraint::Percentage(30),
            Constraint::Percentage(35),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(vec!["Column", "Sample", "Attribute", "Sure"]).style(theme.title()))
    .block(
        Block::new()
            .borders(Borders::TOP)
            .title("Columns → attributes"),
    )
    .render(grid, buf);
}
