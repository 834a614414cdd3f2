//! Preview: the exact request for each of the first records (←/→), rendered by `payload::render` (the same
//! text `talon-import preview` prints): method, URL, masked headers and highlighted JSON. `r` rehearses: a
//! server dry run (`dry=true`) of a few records through the engine, each answer listed; nothing is stored.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::mapping::Target;
use crate::payload::render::{Context, render_http};
use crate::tui::app::{App, Cmd, REHEARSE_RECORDS, advance, status_word};
use crate::tui::theme::Theme;
use crate::tui::widgets::json_line;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    let p = &mut app.preview;
    let n = p.records.len();
    match key.code {
        KeyCode::Right | KeyCode::Char('l') if n > 0 => {
            p.index = (p.index + 1).min(n - 1);
            p.scroll = 0;
        }
        KeyCode::Left | KeyCode::Char('h') => {
            p.index = p.index.saturating_sub(1);
            p.scroll = 0;
        }
        KeyCode::Down | KeyCode::Char('j') => p.scroll = p.scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => p.scroll = p.scroll.saturating_sub(1),
        KeyCode::PageDown => p.scroll = p.scroll.saturating_add(10),
        KeyCode::PageUp => p.scroll = p.scroll.saturating_sub(10),
        KeyCode::Char('r') => {
            if p.rehearsing {
                return None;
            }
            let job = match app.job() {
                Ok(j) => j,
                Err(e) => {
                    app.error = Some(e);
                    return None;
                }
            };
            let run_dir = app.next_run_dir("rehearsal");
            app.run.runs_started += 1;
            let p = &mut app.preview;
            p.rehearsing = true;
            p.rehearsal.clear();
            p.rehearsal_note = None;
            return Some(Cmd::Rehearse {
                job,
                url: app.connect.url.trim().to_string(),
                api_key: app.connect.api_key.clone(),
                run_dir,
            });
        }
        KeyCode::Enter => {
            if p.loading {
                return None;
            }
            return advance(app);
        }
        _ => {}
    }
    None
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let p = &app.preview;
    if let Some(e) = &app.error {
        Paragraph::new(Line::styled(e.clone(), theme.error()))
            .wrap(Wrap { trim: false })
            .render(area, buf);
        return;
    }
    if p.loading {
        Paragraph::new("Building the requests…").render(area, buf);
        return;
    }
    let rehearsal_h = if p.rehearsing || p.rehearsal_note.is_some() {
        (area.height / 3).max(4)
    } else {
        2
    };
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(rehearsal_h),
    ])
    .areas(area);
    let Some(record) = p.records.get(p.index) else {
        Paragraph::new("The file has no records to send.").render(area, buf);
        return;
    };
    let bulk = app.target.target() == Target::Profiles;
    Paragraph::new(Line::from(vec![
        Span::styled(
            format!("Record {} of the first {}", p.index + 1, p.records.len()),
            theme.title(),
        ),
        Span::styled(
            if bulk {
                "  (sent in bulk: up to 1000 profiles per PUT /v2/customer_profiles)"
            } else {
                ""
            },
            theme.dim(),
        ),
    ]))
    .render(head, buf);
    let ctx = Context::new(
        Some(app.connect.url.as_str()),
        Some(app.connect.api_key.as_str()),
    );
    let text = render_http(record, &ctx);
    let mut in_body = false;
    let mut lines: Vec<Line> = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = if l.starts_with('#') {
            let style = if record.request.is_err() {
                theme.error()
            } else {
                theme.dim()
            };
            Line::styled(l.to_string(), style)
        } else if in_body {
            json_line(l, theme)
        } else if l.is_empty() {
            in_body = true;
            Line::raw("")
        } else if i == 1 {
            Line::styled(l.to_string(), theme.title())
        } else if let Some((k, v)) = l.split_once(": ") {
            Line::from(vec![
                Span::styled(format!("{k}: "), theme.key()),
                Span::raw(v.to_string()),
            ])
        } else {
            Line::raw(l.to_string())
        };
        lines.push(line);
    }
    Paragraph::new(lines)
        .scroll((p.scroll, 0))
        .block(Block::new().borders(Borders::TOP).title("Request"))
        .render(body, buf);

    let mut lines = vec![];
    if p.rehearsing {
        lines.push(Line::raw(format!(
            "Rehearsing: sending {REHEARSE_RECORDS} records with dry=true… {} answered",
            p.rehearsal.len()
        )));
    } else if let Some(note) = &p.rehearsal_note {
        lines.push(Line::styled(note.clone(), theme.title()));
    } else {
        lines.push(Line::styled(
            format!(
                "r: rehearse ({REHEARSE_RECORDS} records, dry=true, nothing stored). Enter: import."
            ),
            theme.dim(),
        ));
    }
    for o in p
        .rehearsal
        .iter()
        .rev()
        .take(foot.height.saturating_sub(2) as usize)
    {
        let ok = !o.status.is_failure();
        lines.push(Line::styled(
            format!(
                "{} {} {}: {}{}",
                if ok { "✓" } else { "✗" },
                crate::payload::render::row_label(&o.rows),
                crate::text::for_terminal(&o.id),
                status_word(o.status),
                o.http_status
                    .map(|h| format!(" (HTTP {h})"))
                    .unwrap_or_default()
                    + &o.error
                        .as_deref()
                        .map(|e| format!(" — {}", crate::text::for_terminal(e)))
                        .unwrap_or_default()
            ),
            if ok { theme.ok() } else { theme.error() },
        ));
    }
    Paragraph::new(lines)
        .block(Block::new().borders(Borders::TOP).title("Rehearsal"))
        .render(foot, buf);
}
