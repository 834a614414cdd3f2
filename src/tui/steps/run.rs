//! Run: first a confirmation naming the deployment, the target and the counts; then live panes fed by the
//! engine's events (folded by `RunState`, which wraps the engine's `ImportReport`): a gauge with counts, the
//! rate with a sparkline, elapsed and ETA, a per-record table that draws only its visible rows (so it
//! scrolls through a million records at the same cost as through ten), the selected record, and a log.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Row, Sparkline, Table, Widget, Wrap};

use crate::mapping::Target;
use crate::tui::app::{App, Cmd, RunAction, Step, status_word};
use crate::tui::run_state::{RunPhase, clock};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    match app.run.phase {
        RunPhase::Idle | RunPhase::Confirm => match key.code {
            KeyCode::Char('y') | KeyCode::Enter => start(app, false),
            _ => None,
        },
        RunPhase::Running => {
            app.error = None;
            match key.code {
                KeyCode::Char('p') | KeyCode::Char(' ') => {
                    app.run.pause_requested = !app.run.pause_requested;
                    Some(Cmd::Control(if app.run.pause_requested {
                        RunAction::Pause
                    } else {
                        RunAction::Resume
                    }))
                }
                KeyCode::Char('c') => {
                    app.run.cancel_requested = true;
                    Some(Cmd::Control(RunAction::Cancel))
                }
                _ => {
                    table_key(app, key);
                    None
                }
            }
        }
        RunPhase::Done => match key.code {
            KeyCode::Enter => {
                app.step = Step::Summary;
                None
            }
            KeyCode::Char('r') => start(app, true),
            _ => {
                table_key(app, key);
                None
            }
        },
    }
}

fn table_key(app: &mut App, key: KeyEvent) {
    let r = &mut app.run;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => r.move_selection(1),
        KeyCode::Up | KeyCode::Char('k') => r.move_selection(-1),
        KeyCode::PageDown => r.move_selection(20),
        KeyCode::PageUp => r.move_selection(-20),
        KeyCode::Home | KeyCode::Char('g') => r.selected = Some(0),
        KeyCode::End | KeyCode::Char('G') => r.selected = None,
        KeyCode::Char('f') => {
            r.only_failed = !r.only_failed;
            r.selected = None;
        }
        _ => {}
    }
}

/// Starts the import (or, with `retry`, a new run of just the failed records).
pub(crate) fn start(app: &mut App, retry: bool) -> Option<Cmd> {
    let job = match app.job() {
        Ok(j) => j,
        Err(e) => {
            app.error = Some(e);
            return None;
        }
    };
    let only_rows = if retry {
        let rows = app.run.failed_rows();
        if rows.is_empty() {
            app.error = Some("No failed records to retry.".into());
            return None;
        }
        Some(rows)
    } else {
        None
    };
    let total = match &only_rows {
        Some(_) => Some(app.run.failed.len() as u64),
        None => known_total(app, &job.mapping),
    };
    let run_dir = app.next_run_dir(if retry { "retry" } else { "run" });
    app.run.begin(run_dir.clone(), retry);
    app.step = Step::Run;
    app.error = None;
    Some(Cmd::StartRun {
        job,
        url: app.connect.url.trim().to_string(),
        api_key: app.connect.api_key.clone(),
        run_dir,
        total,
        only_rows,
    })
}

/// The record count, when validation of this very mapping counted it (profiles: one record per row).
fn known_total(app: &App, mapping: &crate::mapping::Mapping) -> Option<u64> {
    let v = &app.validate;
    (mapping.target == Target::Profiles && v.checked.as_ref() == Some(mapping))
        .then(|| v.report.as_ref().map(|r| r.rows))
        .flatten()
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    match app.run.phase {
        RunPhase::Idle | RunPhase::Confirm => confirm(app, theme, area, buf),
        _ => live(app, theme, area, buf),
    }
}

fn confirm(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let file = app
        .table
        .as_ref()
        .map(|t| crate::text::for_terminal(&t.path.display().to_string()).into_owned())
        .unwrap_or_default();
    let counts = match &app.validate.report {
        Some(r) => format!(
            "{} rows: {} ready, {} with problems (these will be listed in failed.csv)",
            r.rows, r.valid, r.invalid
        ),
        None => "not checked yet (Validate step)".into(),
    };
    let mut lines = vec![
        Line::styled("Ready to import. Please check:", theme.title()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("Deployment  ", theme.title()),
            Span::raw(crate::text::for_terminal(app.connect.url.trim()).into_owned()),
        ]),
        Line::from(vec![
            Span::styled("Import      ", theme.title()),
            Span::raw(app.target.label()),
        ]),
        Line::from(vec![
            Span::styled("File        ", theme.title()),
            Span::raw(file),
        ]),
        Line::from(vec![
            Span::styled("Rows        ", theme.title()),
            Span::raw(counts),
        ]),
        Line::from(vec![
            Span::styled("Results in  ", theme.title()),
            Span::raw(app.next_run_dir("run").display().to_string()),
        ]),
        Line::raw(""),
        Line::raw(
            "This writes to the deployment above. Existing profiles with the same ID are updated.",
        ),
        Line::styled("y or Enter: start the import.   Esc: go back.", theme.key()),
    ];
    if let Some(e) = &app.error {
        lines.push(Line::styled(e.clone(), theme.error()));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

fn live(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let r = &app.run;
    let rep = &r.report;
    let log_h = if area.height >= 30 { 6 } else { 3 };
    let [gauge, counts, rate, table_area, log] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(log_h),
    ])
    .areas(area);

    let state = match (r.phase, rep.paused || r.pause_requested, &r.summary) {
        (RunPhase::Done, _, Some(s)) if s.aborted.is_some() => "stopped",
        (RunPhase::Done, _, _) if r.error.is_some() => "could not run",
        (RunPhase::Done, _, _) => "finished",
        (_, _, _) if r.cancel_requested => "cancelling…",
        (_, true, _) => "paused",
        _ => "importing",
    };
    let (ratio, label) = match rep.total {
        Some(t) if t > 0 => (
            (rep.done as f64 / t as f64).min(1.0),
            format!("{state}: {} / {t}", rep.done),
        ),
        _ => (
            if r.phase == RunPhase::Done { 1.0 } else { 0.0 },
            format!("{state}: {} done", rep.done),
        ),
    };
    Gauge::default()
        .ratio(ratio)
        .label(label)
        .gauge_style(if rep.failed + rep.invalid > 0 {
            theme.warn()
        } else {
            theme.ok()
        })
        .render(gauge, buf);
    let pending = rep.total.map(|t| t.saturating_sub(rep.done));
    Paragraph::new(Line::from(vec![
        Span::styled(format!("✓ {} succeeded  ", rep.succeeded), theme.ok()),
        Span::styled(
            format!("✗ {} failed  ", rep.failed + rep.invalid),
            if rep.failed + rep.invalid > 0 {
                theme.error()
            } else {
                Style::new()
            },
        ),
        Span::raw(format!("↻ {} retries  ", rep.retries)),
        Span::raw(match pending {
            Some(p) => format!("… {p} pending  "),
            None => String::new(),
        }),
        Span::raw(format!("{} in flight", rep.in_flight)),
    ]))
    .render(counts, buf);

    let [spark, times] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(34)]).areas(rate);
    let data: Vec<u64> = r.rate.iter().copied().collect();
    let keep = spark.width as usize;
    Sparkline::default()
        .data(&data[data.len().saturating_sub(keep)..])
        .style(theme.title())
        .render(spark, buf);
    let elapsed = r
        .summary
        .as_ref()
        .map(|s| s.duration_s.round() as u64)
        .unwrap_or(r.elapsed_s);
    Paragraph::new(vec![
        Line::raw(format!("{:.0} records/s", r.records_per_s())),
        Line::raw(format!(
            "elapsed {}  ETA {}",
            clock(elapsed),
            match (r.phase, r.eta_s()) {
                (RunPhase::Done, _) => "—".into(),
                (_, Some(e)) => clock(e),
                _ => "?".into(),
            }
        )),
    ])
    .render(times, buf);

    let wide = table_area.width >= 110;
    let [tbl, detail] = if wide {
        Layout::horizontal([Constraint::Min(60), Constraint::Length(40)]).areas(table_area)
    } else {
        Layout::vertical([Constraint::Min(2), Constraint::Length(3)]).areas(table_area)
    };
    records_table(app, theme, tbl, buf);
    selected_detail(app, theme, detail, buf, wide);

    let logs: Vec<Line> = r
        .log
        .iter()
        .rev()
        .take(log_h.saturating_sub(1) as usize)
        .rev()
        .map(|l| Line::raw(l.clone()))
        .collect();
    let mut title = "Log".to_string();
    if let Some(e) = &app.error {
        title = format!("Log — {e}");
    }
    Paragraph::new(logs)
        .block(Block::new().borders(Borders::TOP).title(title))
        .render(log, buf);
}

use ratatui::style::Style;

/// The per-record table; only the visible rows are built.
pub fn records_table(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let r = &app.run;
    let n = r.visible_len();
    let h = area.height.saturating_sub(2) as usize; // title line + header
    let sel = r.selected_line();
    let offset = match sel {
        Some(s) if s + 1 > h => s + 1 - h,
        _ => 0,
    };
    let rows = (offset..(offset + h).min(n)).filter_map(|i| {
        let rec = r.visible(i)?;
        let row = Row::new(vec![
            if rec.extra_rows > 0 {
                format!("{}+{}", rec.row, rec.extra_rows)
            } else {
                rec.row.to_string()
            },
            rec.id.to_string(),
            status_word(rec.status).to_string(),
            if rec.http > 0 {
                rec.http.to_string()
            } else {
                String::new()
            },
            rec.attempts.to_string(),
            rec.latency_ms.to_string(),
            rec.message.as_deref().unwrap_or("").to_string(),
        ]);
        let style = if Some(i) == sel {
            theme.selected()
        } else if rec.status.is_failure() {
            theme.error()
        } else {
            Style::new()
        };
        Some(row.style(style))
    });
    let title = format!(
        "Records{} ({} of {}){}",
        if r.only_failed { ", failed only" } else { "" },
        sel.map_or(0, |s| s + 1),
        n,
        if r.selected.is_none() {
            " — following"
        } else {
            ""
        }
    );
    Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(14),
            Constraint::Length(8),
            Constraint::Length(4),
            Constraint::Length(3),
            Constraint::Length(6),
            Constraint::Min(10),
        ],
    )
    .header(
        Row::new(vec!["row", "id", "status", "HTTP", "try", "ms", "message"]).style(theme.title()),
    )
    .block(Block::new().borders(Borders::TOP).title(title))
    .render(area, buf);
}

fn selected_detail(app: &App, theme: Theme, area: Rect, buf: &mut Buffer, wide: bool) {
    let r = &app.run;
    let Some(rec) = r.selected_line().and_then(|i| r.visible(i)) else {
        return;
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("row {} ", rec.row), theme.title()),
        Span::raw(format!(
            "{} — {}{} after {} attempt{} ({} ms)",
            rec.id,
            status_word(rec.status),
            if rec.http > 0 {
                format!(" HTTP {}", rec.http)
            } else {
                String::new()
            },
            rec.attempts,
            if rec.attempts == 1 { "" } else { "s" },
            rec.latency_ms
        )),
    ])];
    if let Some(m) = &rec.message {
        lines.push(Line::styled(m.to_string(), theme.error()));
    }
    let block = if wide {
        Block::new()
            .borders(Borders::TOP | Borders::LEFT)
            .title("Selected")
    } else {
        Block::new().borders(Borders::TOP).title("Selected")
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buf);
}
