//! Target: customer profiles or past orders (one row per order, or one row per line item). Changing it runs
//! the suggester again, because the same column means different things for profiles and for orders.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::tui::app::{App, Cmd, TargetChoice, advance, resuggest};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    let all = TargetChoice::ALL;
    let cur = all.iter().position(|t| *t == app.target).unwrap_or(0);
    let next = match key.code {
        KeyCode::Down | KeyCode::Char('j') => (cur + 1).min(all.len() - 1),
        KeyCode::Up | KeyCode::Char('k') => cur.saturating_sub(1),
        KeyCode::Char(c @ '1'..='3') => c as usize - '1' as usize,
        KeyCode::Enter => {
            if app.table.is_none() {
                app.error =
                    Some("Load a file first: press Esc to go back to the File step.".into());
                return None;
            }
            return advance(app);
        }
        _ => return None,
    };
    if next != cur {
        app.target = all[next];
        app.mapping.loaded = None;
        resuggest(app);
    }
    None
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![
        Line::raw("What does each row of the file describe?"),
        Line::raw(""),
    ];
    for (i, t) in TargetChoice::ALL.iter().enumerate() {
        let on = *t == app.target;
        lines.push(Line::from(vec![
            Span::raw(if on { "▶ " } else { "  " }),
            Span::styled(
                format!("{} {}", i + 1, t.label()),
                if on { theme.selected() } else { theme.title() },
            ),
        ]));
        lines.push(Line::styled(format!("      {}", t.explain()), theme.dim()));
    }
    lines.push(Line::raw(""));
    if let Some(t) = &app.table {
        lines.push(Line::raw(format!(
            "File: {} ({} columns)",
            crate::text::for_terminal(&t.path.display().to_string()),
            t.columns.len()
        )));
    }
    lines.push(Line::styled(
        "Import the customers first, then their orders, so every order finds its customer.",
        theme.dim(),
    ));
    if let Some(e) = &app.error {
        lines.push(Line::styled(e.clone(), theme.error()));
    }
    lines.push(Line::styled(
        "Next: check which column goes where.",
        theme.dim(),
    ));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
