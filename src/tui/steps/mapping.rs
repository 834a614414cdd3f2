//! Mapping: each column on the left with a sample value; where it goes on the right, pre-filled from
//! `mapping::suggest` with its confidence. ←/→ picks another attribute, `x` leaves the column out, `s`/`l`
//! save or load the mapping file (the same TOML the headless commands read).

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::mapping::suggest::Slot;
use crate::tui::app::{App, Cmd, FilePrompt, advance, id_label, slot_label};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    if let Some(p) = &mut app.mapping.file_prompt {
        match key.code {
            KeyCode::Char(c) => p.path.push(c),
            KeyCode::Backspace => {
                p.path.pop();
            }
            KeyCode::Enter => {
                let path = PathBuf::from(p.path.trim());
                let save = p.save;
                if path.as_os_str().is_empty() {
                    app.error = Some("Type a file name, e.g. customers.toml".into());
                    return None;
                }
                app.mapping.file_prompt = None;
                if save {
                    let mut m = app.current_mapping()?;
                    // Paths inside the file are relative to it, so the pair can be moved together.
                    let dir = path.parent().unwrap_or(std::path::Path::new("."));
                    let src = m.source_path();
                    m.source.file = src
                        .strip_prefix(dir)
                        .map(|p| p.to_path_buf())
                        .unwrap_or_else(|_| std::path::absolute(&src).unwrap_or(src.clone()));
                    return Some(Cmd::SaveMapping(path, m));
                }
                return Some(Cmd::LoadMapping(path));
            }
            _ => {}
        }
        return None;
    }
    app.error = None;
    let target = app.target.target();
    let m = &mut app.mapping;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            m.selected = (m.selected + 1).min(m.rows.len().saturating_sub(1));
        }
        KeyCode::Up | KeyCode::Char('k') => m.selected = m.selected.saturating_sub(1),
        KeyCode::PageDown => m.selected = (m.selected + 10).min(m.rows.len().saturating_sub(1)),
        KeyCode::PageUp => m.selected = m.selected.saturating_sub(10),
        KeyCode::Right | KeyCode::Left => {
            let forward = key.code == KeyCode::Right;
            let n = m.choices.len();
            if let Some(row) = m.rows.get_mut(m.selected)
                && n > 0
            {
                let current = row
                    .slot
                    .as_ref()
                    .and_then(|a| m.choices.iter().position(|c| c == a));
                let next = match (current, forward) {
                    (None, true) => 0,
                    (None, false) => n - 1,
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                };
                row.slot = Some(m.choices[next].clone());
                row.confidence = 100;
                row.edited = true;
            }
        }
        KeyCode::Char('x') | KeyCode::Delete => {
            if let Some(row) = m.rows.get_mut(m.selected) {
                row.slot = None;
                row.confidence = 100;
                row.edited = true;
            }
        }
        KeyCode::Char('s') | KeyCode::Char('l') => {
            let save = key.code == KeyCode::Char('s');
            let default = m.file.clone().unwrap_or_else(|| {
                let stem = app
                    .table
                    .as_ref()
                    .and_then(|t| t.path.file_stem())
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "mapping".into());
                let dir = app
                    .table
                    .as_ref()
                    .and_then(|t| t.path.parent())
                    .map(|p| p.to_path_buf())
                    .unwrap_or_default();
                dir.join(format!("{stem}.toml"))
            });
            app.mapping.file_prompt = Some(FilePrompt {
                save,
                path: default.display().to_string(),
            });
        }
        KeyCode::Enter => {
            let has_id = m.rows.iter().any(|r| r.slot == Some(Slot::Id));
            if has_id {
                return advance(app);
            }
            app.error = Some(format!(
                "Choose which column is the {}: select it and press → until it says {}.",
                id_label(target),
                slot_label(&Slot::Id, target)
            ));
        }
        _ => {}
    }
    None
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let [head, grid] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
    let target = app.target.target();
    let head_line = if let Some(p) = &app.mapping.file_prompt {
        Line::from(vec![
            Span::styled(
                if p.save {
                    "Save mapping as: "
                } else {
                    "Load mapping from: "
                },
                theme.title(),
            ),
            Span::styled(
                format!("{} ", crate::text::for_terminal(&p.path)),
                theme.selected(),
            ),
        ])
    } else {
        match (&app.error, &app.note) {
            (Some(e), _) => Line::styled(e.clone(), theme.error()),
            (None, Some(n)) => Line::styled(n.clone(), theme.ok()),
            _ if app.mapping.rows.is_empty() => {
                Line::raw("No file loaded yet: press Esc and pick a file first.")
            }
            _ => Line::raw(format!(
                "{}: each column goes to the field on the right. Suggestions are pre-filled; check them.",
                app.target.label()
            )),
        }
    };
    Paragraph::new(head_line)
        .wrap(Wrap { trim: false })
        .render(head, buf);
    let rows = app.mapping.rows.iter().map(|r| {
        let confidence = match (&r.slot, r.confidence) {
            (None, _) => String::new(),
            (Some(_), 100) => "✓".into(),
            (Some(_), c) => format!("{c}%"),
        };
        let field = r
            .slot
            .as_ref()
            .map(|s| slot_label(s, target))
            .unwrap_or_else(|| "— not imported".into());
        let row = Row::new(vec![
            crate::text::for_terminal(&r.column).into_owned(),
            crate::text::for_terminal(&r.sample).into_owned(),
            field,
            confidence,
        ]);
        if r.slot.as_ref() == Some(&Slot::Id) {
            row.style(theme.title())
        } else {
            row
        }
    });
    let mut state = TableState::default().with_selected(Some(app.mapping.selected));
    StatefulWidget::render(
        Table::new(
            rows,
            [
                Constraint::Percentage(25),
                Constraint::Percentage(30),
                Constraint::Percentage(35),
                Constraint::Length(6),
            ],
        )
        .header(Row::new(vec!["Column", "Sample", "Goes to", "Sure"]).style(theme.title()))
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶ ")
        .block(Block::new().borders(Borders::TOP).title(format!(
            "Columns → {} (required: {})",
            target.as_str(),
            id_label(target)
        ))),
        grid,
        buf,
        &mut state,
    );
}
