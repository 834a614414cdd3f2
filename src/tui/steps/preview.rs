//! Preview: the exact request for each record (←/→), as `talon-import preview` prints it — method, URL,
//! masked headers and the JSON body, highlighted — and "Rehearse": a server dry run (`dry=true`) of a few
//! records with each answer and the effects Talon.One would have applied.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::engine::{ImportEvent, RecordStatus};
use crate::text::for_terminal;
use crate::tui::app::{App, Cmd};
use crate::tui::theme::Theme;

/// Records rehearsed with a server dry run.
pub const REHEARSAL_SAMPLE: u64 = 5;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    let n = app.preview.items.len();
    match key.code {
        KeyCode::Right | KeyCode::Char('l') if n > 0 => {
            app.preview.index = (app.preview.index + 1).min(n - 1)
        }
        KeyCode::Left | KeyCode::Char('h') => {
            app.preview.index = app.preview.index.saturating_sub(1)
        }
        KeyCode::Char('r') if !app.preview.rehearsing => {
            let mapping = app.current_mapping().ok()?;
            app.preview.rehearsing = true;
            app.preview.rehearsal.clear();
            return Some(Cmd::StartImport {
                mapping: Box::new(mapping),
                custom: app.custom.clone(),
                url: app.connect.url.trim().to_string(),
                api_key: app.connect.api_key.trim().to_string(),
                rehearsal: true,
            });
        }
        KeyCode::Enter => {
            if app.connect.url.trim().is_empty() || app.connect.api_key.trim().is_empty() {
                app.error = Some(
                    "Not connected: go back to Connect (Esc) and enter the deployment URL and API key.".into(),
                );
            } else {
                app.step = crate::tui::app::Step::Run;
                app.run.confirming = !app.run.started;
                // Offer to resume an earlier run of this file that stopped before the end.
                if app.run.confirming
                    && let Some(t) = &app.table
                {
                    app.run.interrupted = None;
                    return Some(Cmd::FindInterrupted {
                        job: t
                            .path
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        target: app.target,
                    });
                }
            }
        }
        _ => {}
    }
    None
}

/// Folds an event of the rehearsal into the Preview step.
pub fn on_rehearsal(app: &mut App, event: ImportEvent) {
    match event {
        ImportEvent::Record(o) => {
            let row = o.rows.first().copied().unwrap_or(0);
            let line = match o.status {
                RecordStatus::DryRun => {
                    let effects = o
                        .response
                        .as_ref()
                        .and_then(|r| r.get("effects"))
                        .and_then(|e| e.as_array())
                        .map_or(0, Vec::len);
                    format!(
                        "✓ row {row} {}: accepted (HTTP {}), {effects} effects would apply",
                        o.id,
                        o.http_status.unwrap_or(0)
                    )
                }
                _ => format!(
                    "✗ row {row} {}: {}",
                    o.id,
                    o.error.as_deref().unwrap_or("failed")
                ),
            };
            app.preview.rehearsal.push(for_terminal(&line).into_owned());
        }
        ImportEvent::Finished(s) => {
            app.preview.rehearsing = false;
            if let Some(why) = s.aborted {
                app.preview.rehearsal.push(format!("Stopped: {why}"));
            } else {
                app.preview.rehearsal.push(format!(
                    "Rehearsal done: Talon.One checked {} records and stored nothing.",
                    s.counts.total
                ));
            }
        }
        _ => {}
    }
}

/// A JSON/HTTP line with keys, strings and the request line styled.
pub(crate) fn highlight(line: &str, theme: Theme) -> Line<'static> {
    let t = line.trim_start();
    if t.starts_with("PUT ") || t.starts_with("GET ") {
        return Line::styled(line.to_string(), theme.title());
    }
    if let Some((k, v)) = line.split_once("\": ") {
        return Line::from(vec![
            Span::styled(format!("{k}\":"), theme.key()),
            Span::raw(" "),
            Span::styled(
                v.to_string(),
                if v.starts_with('"') {
                    theme.ok()
                } else {
                    ratatui::style::Style::new()
                },
            ),
        ]);
    }
    Line::raw(line.to_string())
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let p = &app.preview;
    let rehearsal_h = if p.rehearsal.is_empty() && !p.rehearsing {
        0
    } else {
        (p.rehearsal.len() as u16 + 2).min(area.height / 3)
    };
    let [head, body, rehearsal] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(rehearsal_h),
    ])
    .areas(area);
    let head_line = if let Some(e) = &app.error {
        Line::styled(for_terminal(e).into_owned(), theme.error())
    } else if p.loading {
        Line::raw("Building the requests…")
    } else if let Some(item) = p.items.get(p.index) {
        Line::from(vec![
            Span::styled(
                format!(
                    "Request {} of {} ({}) ",
                    p.index + 1,
                    p.items.len(),
                    item.label
                ),
                theme.title(),
            ),
            Span::styled("←→ records · r rehearse · Enter import", theme.dim()),
        ])
    } else {
        Line::raw("No records to preview.")
    };
    Paragraph::new(head_line).render(head, buf);
    if let Some(item) = p.items.get(p.index) {
        let lines: Vec<Line> = item.text.lines().map(|l| highlight(l, theme)).collect();
        Paragraph::new(lines)
            .block(Block::new().borders(Borders::TOP))
            .render(body, buf);
    }
    if rehearsal_h > 0 {
        let mut lines: Vec<Line> = p
            .rehearsal
            .iter()
            .map(|l| {
                let style = if l.starts_with('✓') {
                    theme.ok()
                } else if l.starts_with('✗') {
                    theme.error()
                } else {
                    ratatui::style::Style::new()
                };
                Line::styled(l.clone(), style)
            })
            .collect();
        if p.rehearsing {
            lines.push(Line::raw("Rehearsing…"));
        }
        let skip = lines
            .len()
            .saturating_sub(rehearsal.height.saturating_sub(1) as usize);
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>())
            .wrap(Wrap { trim: false })
            .block(
                Block::new()
                    .borders(Borders::TOP)
                    .title("Rehearsal (dry run)"),
            )
            .render(rehearsal, buf);
    }
}
