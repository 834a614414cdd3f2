//! Summary: counts, duration and rate, where the run directory and failed.csv are, and what to do next.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::mapping::Target;
use crate::text::for_terminal;
use crate::tui::app::{App, Cmd, Step};
use crate::tui::theme::Theme;

pub fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    match key.code {
        // Back to the record table (f filters it to the failures).
        KeyCode::Char('r') => app.step = Step::Run,
        KeyCode::Char('n') => import_another_file(app),
        KeyCode::Char('a') => return super::run::retry_failed(app),
        KeyCode::Char('u') => return resume(app),
        _ => {}
    }
    None
}

/// `u` after a stopped run: continue it in the same run directory (what `run --resume` does).
fn resume(app: &mut App) -> Option<Cmd> {
    let summary = app.run.report.summary.as_ref()?;
    if summary.aborted.is_none() {
        app.notice = Some("This run went to the end; there is nothing to resume.".into());
        return None;
    }
    let run_dir = summary.run_dir.clone();
    super::run::resume_in(app, run_dir)
}

/// Starts over at the File step for another file (typically the orders after the customers), keeping the
/// connection and the attributes. In the demo the orders workbook beside the customers file is proposed.
fn import_another_file(app: &mut App) {
    let next = app.table.as_ref().and_then(|t| {
        let is_demo_customers = t.path.file_name().is_some_and(|n| n == "customers.csv");
        (app.demo && is_demo_customers).then(|| t.path.with_file_name("orders.xlsx"))
    });
    app.path_input = next
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if next.is_some() {
        app.target = Target::Sessions;
        app.one_row_per_order = false;
        app.notice = Some(
            "Next: the demo's past orders. Enter loads orders.xlsx (one row per line item); the target is set to orders."
                .into(),
        );
    }
    app.table = None;
    app.mapping = Default::default();
    app.validate = Default::default();
    app.preview = Default::default();
    app.run = Default::default();
    app.saved = None;
    app.error = None;
    app.grid_scroll = 0;
    app.step = Step::Source;
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let rep = &app.run.report;
    let Some(s) = &rep.summary else {
        Paragraph::new("No import has finished yet.").render(area, buf);
        return;
    };
    let c = &s.counts;
    let dir = for_terminal(&s.run_dir.display().to_string()).into_owned();
    let mut lines = vec![
        Line::styled(
            if s.aborted.is_some() {
                "The import stopped before the end"
            } else if c.failures() > 0 {
                "The import finished, with some failures"
            } else {
                "The import finished: every record succeeded"
            },
            theme.title(),
        ),
        Line::raw(""),
        Line::styled(format!("  {:>8} succeeded", c.succeeded), theme.ok()),
        Line::raw(format!(
            "  {:>8} already in Talon.One (unchanged)",
            c.skipped
        )),
        Line::styled(format!("  {:>8} failed", c.failed), theme.error()),
        Line::styled(
            format!("  {:>8} invalid (not sent)", c.invalid),
            theme.error(),
        ),
        Line::raw(format!(
            "  {:>8} records in {:.1} s, {:.0} per second, {} requests",
            c.total, s.duration_s, s.records_per_s, s.requests
        )),
        Line::raw(""),
        Line::raw(format!("Run directory: {dir}")),
    ];
    if let Some(why) = &s.aborted {
        lines.push(Line::styled(
            format!("Why it stopped: {}", for_terminal(why)),
            theme.error(),
        ));
        lines.push(Line::styled(
            "u: resume it now (records already done are not sent again).",
            theme.ok(),
        ));
        lines.push(Line::raw(
            "Or later, headless: talon-import run MAPPING --resume RUN_DIR (save the mapping with s on the Mapping step).",
        ));
    }
    if c.failures() > 0 {
        lines.push(Line::raw(format!(
            "Failed records: {}/failed.csv, with the reason in the `error` column.",
            dir
        )));
        lines.push(Line::raw(
            "Next: fix them in Excel, save as CSV, and import that file with the same mapping.",
        ));
    }
    if !app.log_path.as_os_str().is_empty() {
        lines.push(Line::styled(
            format!(
                "Log file: {}",
                for_terminal(&app.log_path.display().to_string())
            ),
            theme.dim(),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "r: record table · a: retry the failed records · n: import another file (e.g. the orders next) · q: quit",
        theme.dim(),
    ));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
