//! The Run screen's state: the engine's [`ImportReport`] (the same aggregate the headless printer uses) plus
//! what only a screen needs — one compact row per finished record (so the table can scroll through a million
//! of them), the failed-rows index for the filter, a per-second rate history for the sparkline and a log.
//! Time advances only through [`RunState::tick`] (one call per second), so tests are deterministic.

use std::collections::VecDeque;
use std::path::PathBuf;

use crate::engine::{ImportEvent, ImportReport, RecordOutcome, RecordStatus, Summary};

/// Where the run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunPhase {
    /// Not started.
    #[default]
    Idle,
    /// The confirmation screen.
    Confirm,
    Running,
    Done,
}

/// One finished record, compact (a million of these fit comfortably in memory).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// First data row of the record.
    pub row: u64,
    /// More rows (line items) beyond the first.
    pub extra_rows: u32,
    pub id: Box<str>,
    pub status: RecordStatus,
    pub http: u16,
    pub attempts: u32,
    pub latency_ms: u32,
    pub message: Option<Box<str>>,
}

impl RunRow {
    fn from_outcome(o: &RecordOutcome) -> Self {
        RunRow {
            row: o.rows.first().copied().unwrap_or(0),
            extra_rows: o.rows.len().saturating_sub(1) as u32,
            id: crate::text::for_terminal(&o.id).into(),
            status: o.status,
            http: o.http_status.unwrap_or(0),
            attempts: o.attempts,
            latency_ms: o.latency_ms.min(u32::MAX as u64) as u32,
            message: o
                .error
                .as_deref()
                .map(|e| crate::text::for_terminal(e).into()),
        }
    }
}

/// Seconds of rate history kept for the sparkline.
pub const RATE_HISTORY: usize = 120;
/// Log lines kept.
pub const LOG_LINES: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct RunState {
    pub phase: RunPhase,
    pub report: ImportReport,
    pub rows: Vec<RunRow>,
    /// Indexes into `rows` of failed and invalid records.
    pub failed: Vec<u32>,
    /// Show only failed records.
    pub only_failed: bool,
    /// Selected line of the (filtered) table; `None` follows the newest record.
    pub selected: Option<usize>,
    /// Seconds since the run started (from ticks).
    pub elapsed_s: u64,
    /// Records finished in each of the last seconds, newest last.
    pub rate: VecDeque<u64>,
    pub done_at_last_tick: u64,
    pub log: VecDeque<String>,
    pub summary: Option<Summary>,
    /// Why the run could not start or stopped outside any record.
    pub error: Option<String>,
    pub run_dir: Option<PathBuf>,
    /// Runs started in this session (numbers the run directories).
    pub runs_started: u32,
    /// The user asked for a pause (the engine confirms with `Progress { paused }`).
    pub pause_requested: bool,
    pub cancel_requested: bool,
    /// The retry-failed run is for these rows.
    pub retrying: bool,
}

impl RunState {
    /// A fresh run is starting in `run_dir`.
    pub fn begin(&mut self, run_dir: PathBuf, retrying: bool) {
        let runs_started = self.runs_started + 1;
        *self = RunState {
            phase: RunPhase::Running,
            run_dir: Some(run_dir),
            runs_started,
            retrying,
            ..Default::default()
        };
    }

    /// How many lines the table has with the current filter.
    pub fn visible_len(&self) -> usize {
        if self.only_failed {
            self.failed.len()
        } else {
            self.rows.len()
        }
    }

    /// The record on line `i` of the (filtered) table.
    pub fn visible(&self, i: usize) -> Option<&RunRow> {
        if self.only_failed {
            self.failed.get(i).and_then(|&j| self.rows.get(j as usize))
        } else {
            self.rows.get(i)
        }
    }

    /// The selected line, following the newest record when nothing is selected.
    pub fn selected_line(&self) -> Option<usize> {
        let n = self.visible_len();
        if n == 0 {
            return None;
        }
        Some(self.selected.unwrap_or(n - 1).min(n - 1))
    }

    pub fn move_selection(&mut self, delta: i64) {
        let n = self.visible_len();
        if n == 0 {
            return;
        }
        let cur = self.selected_line().unwrap_or(0) as i64;
        let next = (cur + delta).clamp(0, n as i64 - 1) as usize;
        // Reaching the bottom goes back to following the newest record.
        self.selected = if next == n - 1 { None } else { Some(next) };
    }

    fn log_line(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    pub fn apply(&mut self, ev: &ImportEvent) {
        self.report.apply(ev);
        match ev {
            ImportEvent::Started { run_dir, jobs, .. } => {
                self.run_dir = Some(run_dir.clone());
                let names: Vec<String> = jobs.iter().map(|j| j.name.clone()).collect();
                self.log_line(format!("started: {}", names.join(", ")));
            }
            ImportEvent::Record(o) => {
                let row = RunRow::from_outcome(o);
                if row.status.is_failure() {
                    self.failed.push(self.rows.len() as u32);
                    self.log_line(format!(
                        "row {} ({}): {} {}",
                        row.row,
                        row.id,
                        row.status.as_str(),
                        row.message.as_deref().unwrap_or("")
                    ));
                }
                self.rows.push(row);
            }
            ImportEvent::Retrying {
                id,
                attempt,
                delay_ms,
                reason,
                ..
            } => self.log_line(format!(
                "retry {} (attempt {attempt}) in {delay_ms} ms: {}",
                crate::text::for_terminal(id),
                crate::text::for_terminal(reason)
            )),
            ImportEvent::Warning { message } => {
                self.log_line(format!("warning: {}", crate::text::for_terminal(message)))
            }
            ImportEvent::Finished(s) => {
                self.summary = Some(s.clone());
                self.log_line(match &s.aborted {
                    Some(why) => format!("stopped: {why}"),
                    None => "finished".into(),
                });
            }
            ImportEvent::JobStarted { .. } | ImportEvent::Progress { .. } => {}
        }
    }

    /// The engine task ended.
    pub fn ended(&mut self, r: Result<Summary, String>) {
        self.phase = RunPhase::Done;
        self.pause_requested = false;
        match r {
            Ok(s) => {
                if self.summary.is_none() {
                    self.summary = Some(s);
                }
            }
            Err(e) => {
                self.log_line(format!("error: {e}"));
                self.error = Some(e);
            }
        }
    }

    /// One second passed.
    pub fn tick(&mut self) {
        if self.phase != RunPhase::Running {
            return;
        }
        self.elapsed_s += 1;
        let done = self.report.done;
        if self.rate.len() == RATE_HISTORY {
            self.rate.pop_front();
        }
        self.rate.push_back(done - self.done_at_last_tick.min(done));
        self.done_at_last_tick = done;
    }

    /// Records per second over the last few seconds (or the whole run at the end).
    pub fn records_per_s(&self) -> f64 {
        if let Some(s) = &self.summary {
            return s.records_per_s;
        }
        let window: Vec<u64> = self.rate.iter().rev().take(5).copied().collect();
        if window.is_empty() {
            return 0.0;
        }
        window.iter().sum::<u64>() as f64 / window.len() as f64
    }

    /// Seconds left at the current pace, when the total is known.
    pub fn eta_s(&self) -> Option<u64> {
        let total = self.report.total?;
        let rate = self.records_per_s();
        (rate > 0.0).then(|| (total.saturating_sub(self.report.done) as f64 / rate).ceil() as u64)
    }

    /// First rows of failed records (for "retry failed": a record is retried when its first row is here).
    pub fn failed_rows(&self) -> std::collections::BTreeSet<u64> {
        self.failed
            .iter()
            .filter_map(|&i| self.rows.get(i as usize))
            .map(|r| r.row)
            .collect()
    }
}

/// "1:05" or "1:02:03".
pub fn clock(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
