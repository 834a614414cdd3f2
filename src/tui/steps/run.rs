//! Run: a confirmation naming the deployment, the target and the count; then live panes fed by the
//! engine's events through the same `ImportReport` the headless printer uses — gauge and counts, records
//! per second with a sparkline, elapsed and ETA, a per-record table that only draws the visible lines (so a
//! million records scroll smoothly) and filters to failures, the selected record's details, and a log.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Row, Sparkline, Table, Widget, Wrap};

use crate::engine::{ImportEvent, RecordStatus};
use crate::mapping::Target;
use crate::text::for_terminal;
use crate::tui::app::{App, Cmd, RunRow, RunState, Step};
use crate::tui::theme::Theme;

/// Lines kept in the log pane.
const LOG_LINES: usize = 200;
/// Sparkline samples kept.
const RATE_SAMPLES: usize = 120;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    if app.run.confirming {
        return match key.code {
            KeyCode::Char('y') | KeyCode::Enter => {
                let mapping = fresh_run(app, None)?;
                Some(Cmd::StartImport {
                    mapping: Box::new(mapping),
                    custom: app.custom.clone(),
                    url: app.connect.url.trim().to_string(),
                    api_key: app.connect.api_key.trim().to_string(),
                    rehearsal: false,
                })
            }
            KeyCode::Char('n') => {
                app.run.confirming = false;
                app.step = Step::Preview;
                None
            }
            KeyCode::Char('u') => {
                let Some(run_dir) = app.run.interrupted.clone() else {
                    app.notice = Some("No earlier run of this file stopped before the end.".into());
                    return None;
                };
                resume_in(app, run_dir)
            }
            _ => None,
        };
    }
    let r = &mut app.run;
    let len = r.visible_len();
    let page = 10;
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => {
            r.selected = (r.selected + 1).min(len.saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => r.selected = r.selected.saturating_sub(1),
        KeyCode::PageDown => r.selected = (r.selected + page).min(len.saturating_sub(1)),
        KeyCode::PageUp => r.selected = r.selected.saturating_sub(page),
        KeyCode::Home => r.selected = 0,
        KeyCode::End => r.selected = len.saturating_sub(1),
        KeyCode::Char('f') => {
            r.failed_only = !r.failed_only;
            r.selected = 0;
        }
        KeyCode::Char('p') if r.started && !r.finished => {
            r.paused = !r.paused;
            return Some(if r.paused {
                Cmd::PauseImport
            } else {
                Cmd::ResumeImport
            });
        }
        KeyCode::Char('c') if r.started && !r.finished && !r.cancelling => {
            r.cancelling = true;
            r.log
                .push("Stopping: no new requests; waiting for those in flight…".into());
            return Some(Cmd::CancelImport);
        }
        KeyCode::Enter if r.finished => app.step = Step::Summary,
        KeyCode::Char('v') => return show_request(app),
        KeyCode::Char('a') if r.finished => return retry_failed(app),
        _ => {}
    }
    None
}

/// `a` once a run is over: a new run of just the failed records (after a network hiccup, a fixed attribute
/// definition…). Invalid records would fail the same way, so they are left for failed.csv.
pub fn retry_failed(app: &mut App) -> Option<Cmd> {
    let rows: std::collections::BTreeSet<u64> = app
        .run
        .failed
        .iter()
        .filter_map(|&i| app.run.rows.get(i))
        .filter(|r| r.status == RecordStatus::Failed)
        .map(|r| r.row)
        .collect();
    if rows.is_empty() {
        app.notice =
            Some("No failed records to retry (invalid rows must be fixed in the file).".into());
        return None;
    }
    let mapping = fresh_run(
        app,
        Some(format!(
            "Retrying {} failed records in a new run.",
            rows.len()
        )),
    )?;
    Some(Cmd::RetryFailed {
        mapping: Box::new(mapping),
        custom: app.custom.clone(),
        url: app.connect.url.trim().to_string(),
        api_key: app.connect.api_key.trim().to_string(),
        rows,
    })
}

/// `v`: the selected record's request, built again from the file in the background (the answer is the
/// status and message in the table). `v` or Esc closes it.
fn show_request(app: &mut App) -> Option<Cmd> {
    if app.run.request_view.take().is_some() {
        return None;
    }
    let row = app.run.at(app.run.selected)?.row;
    let mapping = app.current_mapping().ok()?;
    Some(Cmd::ShowRequest {
        mapping: Box::new(mapping),
        custom: app.custom.clone(),
        url: app.connect.url.trim().to_string(),
        api_key: app.connect.api_key.trim().to_string(),
        row,
    })
}

/// `q` or Ctrl-C: quits at once, except during an import, where it asks first.
pub fn request_quit(app: &mut App) -> Option<Cmd> {
    if app.run.started && !app.run.finished {
        app.run.confirm_quit = true;
        None
    } else {
        app.quit = true;
        Some(Cmd::Quit)
    }
}

/// The answer to "quit while importing?".
pub fn on_quit_answer(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    app.run.confirm_quit = false;
    match key.code {
        KeyCode::Char('y') => {
            app.quit = true;
            Some(Cmd::Quit)
        }
        _ => None,
    }
}

/// Folds one engine event into the run state.
pub fn on_event(app: &mut App, event: ImportEvent) {
    let r = &mut app.run;
    r.report.apply(&event);
    match event {
        ImportEvent::Started { run_dir, .. } => {
            r.log.push(format!("Run directory: {}", run_dir.display()));
            r.run_dir = Some(run_dir);
        }
        ImportEvent::Record(o) => {
            if o.status.is_failure() {
                r.failed.push(r.rows.len());
            }
            r.rows.push(RunRow {
                row: o.rows.first().copied().unwrap_or(0),
                id: o.id,
                status: o.status,
                http: o.http_status,
                attempts: o.attempts,
                latency_ms: o.latency_ms,
                error: o.error,
            });
        }
        ImportEvent::Retrying {
            id,
            attempt,
            reason,
            delay_ms,
            ..
        } => r.log.push(
            for_terminal(&format!(
                "retry {id} (attempt {attempt}) in {delay_ms} ms: {reason}"
            ))
            .into_owned(),
        ),
        ImportEvent::Progress { .. } => {
            let done = r.report.counts.total;
            r.rates.push(done.saturating_sub(r.last_done) * 4);
            r.last_done = done;
            if r.rates.len() > RATE_SAMPLES {
                r.rates.remove(0);
            }
        }
        ImportEvent::Warning { message } => r.log.push(for_terminal(&message).into_owned()),
        ImportEvent::Finished(s) => {
            r.finished = true;
            r.log.push(match &s.aborted {
                Some(why) => format!("Stopped: {why}"),
                None => "Finished.".into(),
            });
            app.step = Step::Summary;
        }
        ImportEvent::JobStarted { .. } => {}
    }
    let r = &mut app.run;
    if r.log.len() > LOG_LINES {
        let cut = r.log.len() - LOG_LINES;
        r.log.drain(..cut);
    }
}

fn status_style(s: RecordStatus, theme: Theme) -> ratatui::style::Style {
    match s {
        RecordStatus::Succeeded | RecordStatus::DryRun | RecordStatus::Skipped => theme.ok(),
        RecordStatus::Failed | RecordStatus::Invalid => theme.error(),
    }
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    if app.run.confirming {
        return confirm(app, theme, area, buf);
    }
    let r = &app.run;
    let rep = &r.report;
    let c = &rep.counts;
    let [gauge, counts, spark, table, detail, log] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(2),
        Constraint::Length(3),
    ])
    .areas(area);
    let ratio = rep
        .total
        .filter(|t| *t > 0)
        .map_or(0.0, |t| (c.total as f64 / t as f64).min(1.0));
    Gauge::default()
        .ratio(ratio)
        .label(format!(
            "{} / {}",
            c.total,
            rep.total.map_or("?".into(), |t| t.to_string())
        ))
        .gauge_style(theme.ok())
        .render(gauge, buf);
    let state = if r.finished {
        "finished"
    } else if r.cancelling {
        "stopping"
    } else if r.paused {
        "paused"
    } else {
        "running"
    };
    Paragraph::new(Line::from(vec![
        Span::styled(format!("✓ {} ", c.succeeded + c.skipped), theme.ok()),
        Span::styled(format!("✗ {} ", c.failures()), theme.error()),
        Span::raw(format!(
            "↻ {} retries · {} in flight · {:.0}/s · ETA {} · {state}",
            rep.retries,
            rep.in_flight,
            rep.records_per_s(),
            rep.eta_s().map_or("–".into(), crate::text::duration),
        )),
    ]))
    .render(counts, buf);
    Sparkline::default()
        .data(&r.rates)
        .style(theme.title())
        .render(spark, buf);

    // Only the visible window of the table is built, whatever the number of records.
    let inner_h = table.height.saturating_sub(2) as usize;
    let len = r.visible_len();
    let first = r
        .selected
        .saturating_sub(inner_h.saturating_sub(1))
        .min(len.saturating_sub(inner_h.max(1)));
    let rows = (first..(first + inner_h).min(len)).filter_map(|line| {
        let rec = r.at(line)?;
        let row = Row::new(vec![
            ratatui::text::Text::raw(rec.row.to_string()),
            ratatui::text::Text::raw(for_terminal(&rec.id).into_owned()),
            ratatui::text::Text::styled(rec.status.as_str(), status_style(rec.status, theme)),
            ratatui::text::Text::raw(rec.http.map(|h| h.to_string()).unwrap_or_default()),
            ratatui::text::Text::raw(rec.attempts.to_string()),
            ratatui::text::Text::raw(format!("{} ms", rec.latency_ms)),
            ratatui::text::Text::raw(for_terminal(rec.error.as_deref().unwrap_or("")).into_owned()),
        ]);
        Some(if line == r.selected {
            row.style(theme.selected())
        } else {
            row
        })
    });
    Table::new(
        rows,
        [
            Constraint::Length(7),
            Constraint::Length(14),
            Constraint::Length(10),
            Constraint::Length(4),
            Constraint::Length(3),
            Constraint::Length(8),
            Constraint::Min(10),
        ],
    )
    .header(
        Row::new(vec![
            "row", "id", "status", "HTTP", "try", "latency", "message",
        ])
        .style(theme.title()),
    )
    .block(Block::new().borders(Borders::TOP).title(if r.failed_only {
        format!("Failed records ({}) — f: show all", r.failed.len())
    } else {
        format!("Records ({}) — f: failed only", r.rows.len())
    }))
    .render(table, buf);
    if let Some((row, text)) = &r.request_view {
        request_view(app, *row, text, theme, table, buf);
    }
    let detail_text = match r.at(r.selected) {
        Some(rec) => format!(
            "row {} · {} · {}",
            rec.row,
            for_terminal(&rec.id),
            for_terminal(rec.error.as_deref().unwrap_or("no error"))
        ),
        None => "Records appear here as they finish.".into(),
    };
    Paragraph::new(detail_text)
        .wrap(Wrap { trim: true })
        .style(theme.dim())
        .render(detail, buf);
    let shown: Vec<Line> = r
        .log
        .iter()
        .skip(
            r.log
                .len()
                .saturating_sub(log.height.saturating_sub(1) as usize),
        )
        .map(|l| Line::raw(l.clone()))
        .collect();
    Paragraph::new(shown)
        .block(Block::new().borders(Borders::TOP).title("Log"))
        .render(log, buf);
    if r.confirm_quit {
        let w = area.width.min(64);
        let h = 4.min(area.height);
        let popup = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + area.height.saturating_sub(h) / 2,
            w,
            h,
        );
        ratatui::widgets::Clear.render(popup, buf);
        Paragraph::new(vec![
            Line::raw("Quit while importing? The rest can be resumed later."),
            Line::styled("y: quit · any other key: keep importing", theme.key()),
        ])
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(" Quit? "))
        .render(popup, buf);
    }
}

/// The selected record's request over the table, with the answer it got (status, HTTP code, message).
fn request_view(app: &App, row: u64, text: &str, theme: Theme, area: Rect, buf: &mut Buffer) {
    ratatui::widgets::Clear.render(area, buf);
    let answer = app
        .run
        .rows
        .iter()
        .find(|r| r.row == row)
        .map(|r| {
            format!(
                "Answer: {}{}{}",
                r.status.as_str(),
                r.http.map(|h| format!(" (HTTP {h})")).unwrap_or_default(),
                r.error
                    .as_deref()
                    .map(|e| format!(" — {}", for_terminal(e)))
                    .unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let mut lines = vec![Line::styled(answer, theme.title())];
    lines.extend(text.lines().map(|l| super::preview::highlight(l, theme)));
    Paragraph::new(lines)
        .block(Block::new().borders(Borders::TOP).title(format!(
            "Request of row {row} — v or Esc: back to the table"
        )))
        .render(area, buf);
}

fn confirm(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let rows = app.validate.report.as_ref();
    let what = match app.target {
        Target::Profiles => "customer profiles",
        Target::Sessions => "past orders (closed sessions)",
    };
    let mut lines = vec![
        Line::styled("Ready to import", theme.title()),
        Line::raw(""),
        Line::raw(format!("Into:    {}", for_terminal(app.connect.url.trim()))),
        Line::raw(format!("What:    {what}")),
        Line::raw(format!(
            "Rows:    {}",
            rows.map_or("?".into(), |r| format!(
                "{} ({} valid, {} invalid — invalid rows are not sent)",
                r.rows, r.valid, r.invalid
            ))
        )),
        Line::raw(format!(
            "File:    {}",
            app.table.as_ref().map_or(String::new(), |t| for_terminal(
                &t.path.display().to_string()
            )
            .into_owned())
        )),
        Line::raw(""),
        Line::raw(
            "Every record's result is written to a run directory (journal, succeeded.csv, failed.csv).",
        ),
        Line::raw("You can pause (p) and stop (c) at any time; an interrupted run can be resumed."),
        Line::raw(""),
        Line::styled(
            "y / Enter: start the import · n / Esc: back to the preview",
            theme.key(),
        ),
    ];
    if let Some(dir) = &app.run.interrupted {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(
                "An earlier run of this file stopped before the end: {}",
                for_terminal(&dir.display().to_string())
            ),
            theme.title(),
        ));
        lines.push(Line::styled(
            "u: resume it (only what is not done yet is sent) · y: start a new run",
            theme.key(),
        ));
    }
    if let Some(e) = &app.error {
        lines.push(Line::styled(
            crate::text::for_terminal(e).into_owned(),
            theme.error(),
        ));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// The mapping for a new run, with the Run step cleared for it and `log` as its first line; a mapping that no
/// longer loads is shown as the error (starting, retrying and resuming all begin here).
fn fresh_run(app: &mut App, log: Option<String>) -> Option<crate::mapping::Mapping> {
    let mapping = match app.current_mapping() {
        Ok(m) => m,
        Err(e) => {
            app.error = Some(e);
            return None;
        }
    };
    app.run = RunState {
        started: true,
        ..RunState::default()
    };
    app.run.log.extend(log);
    app.step = Step::Run;
    Some(mapping)
}

/// Continues a stopped run in its run directory (what `run --resume` does): from the Run step after an
/// interrupted run of this file, and from the Summary after a stopped one. A mapping that no longer loads is
/// shown, not ignored.
pub(crate) fn resume_in(app: &mut App, run_dir: std::path::PathBuf) -> Option<Cmd> {
    let mapping = fresh_run(
        app,
        Some(format!(
            "Resuming the run in {}: records already done are not sent again.",
            for_terminal(&run_dir.display().to_string())
        )),
    )?;
    Some(Cmd::ResumeRun {
        mapping: Box::new(mapping),
        custom: app.custom.clone(),
        url: app.connect.url.trim().to_string(),
        api_key: app.connect.api_key.trim().to_string(),
        run_dir,
    })
}
