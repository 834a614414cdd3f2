//! Summary: counts, duration, rate, where the run directory, `failed.csv` and the log are, and what to do next.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::tui::app::{App, Cmd, Step};
use crate::tui::run_state::{RunState, clock};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    match key.code {
        KeyCode::Char('r') => super::run::start(app, true),
        KeyCode::Char('n') => {
            // Another file (e.g. the orders after the customers): keep the connection, start at File.
            app.step = Step::Source;
            app.table = None;
            app.path_input.clear();
            app.mapping = Default::default();
            app.validate = Default::default();
            app.preview = Default::default();
            let runs = app.run.runs_started;
            app.run = RunState {
                runs_started: runs,
                ..Default::default()
            };
            None
        }
        _ => None,
    }
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let r = &app.run;
    let mut lines = vec![];
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<14}"), theme.title()),
            Span::raw(v),
        ])
    };
    match &r.summary {
        Some(s) => {
            let bad = s.failed + s.invalid;
            lines.push(match (&s.aborted, bad) {
                (Some(why), _) => {
                    Line::styled(format!("The import stopped early: {why}"), theme.error())
                }
                (None, 0) => Line::styled(
                    format!("✓ Done: all {} records were imported.", s.total),
                    theme.ok(),
                ),
                (None, n) => Line::styled(
                    format!("Done, but {n} of {} records were not imported.", s.total),
                    theme.warn(),
                ),
            });
            lines.push(Line::raw(""));
            lines.push(kv("Succeeded", s.succeeded.to_string()));
            lines.push(kv(
                "Failed",
                format!("{} (+{} invalid, never sent)", s.failed, s.invalid),
            ));
            if s.skipped > 0 {
                lines.push(kv("Skipped", s.skipped.to_string()));
            }
            lines.push(kv(
                "Duration",
                format!(
                    "{} ({:.0} records/s, {} requests)",
                    clock(s.duration_s.round() as u64),
                    s.records_per_s,
                    s.requests
                ),
            ));
            lines.push(kv("Run folder", s.run_dir.display().to_string()));
            if bad > 0 {
                lines.push(kv(
                    "Failed rows",
                    s.run_dir.join("failed.csv").display().to_string(),
                ));
            }
            lines.push(kv("Log", app.log_path.display().to_string()));
            lines.push(Line::raw(""));
            lines.push(Line::styled("What next", theme.title()));
            if bad > 0 {
                lines.push(Line::raw(
                    "• r retries the failed records now (e.g. after a network hiccup).",
                ));
                lines.push(Line::raw(
                    "• Or fix the rows in failed.csv (each has its error) and import that file with the same mapping.",
                ));
            }
            if s.aborted.is_some() {
                lines.push(Line::raw(format!(
                    "• Continue where it stopped: talon-import run MAPPING --resume {}",
                    s.run_dir.display()
                )));
            }
            lines.push(Line::raw(
                "• n imports another file — e.g. the past orders after the customers.",
            ));
            lines.push(Line::raw("• q quits."));
        }
        None => {
            lines.push(Line::styled(
                r.error
                    .clone()
                    .unwrap_or_else(|| "No import has finished yet.".into()),
                theme.error(),
            ));
            lines.push(Line::raw("Esc goes back."));
        }
    }
    if let Some(e) = &app.error {
        lines.push(Line::styled(e.clone(), theme.error()));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
