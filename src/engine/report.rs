//! `ImportReport`: the running totals of an import, built only from [`ImportEvent`]s, so the headless printer
//! and the wizard's run screen show the same numbers.

use std::collections::HashSet;
use std::time::Instant;

use super::{Counts, ImportEvent, RecordOutcome, Summary};

/// How many recent failures the report keeps for display.
const RECENT_FAILURES: usize = 20;

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Records expected, when every job's total is known.
    pub total: Option<u64>,
    /// Records finished so far (`counts.total` of them), by status.
    pub counts: Counts,
    /// Retries announced so far.
    pub retries: u64,
    pub in_flight: usize,
    pub window: usize,
    pub requests: u64,
    pub paused: bool,
    pub warnings: Vec<String>,
    /// The last failures, newest last.
    pub recent_failures: Vec<RecordOutcome>,
    pub summary: Option<Summary>,
    started: Option<Instant>,
    /// (job, id) of requests waiting to be tried again; a record's outcome removes it.
    retrying: HashSet<(usize, String)>,
}

impl ImportReport {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn apply(&mut self, event: &ImportEvent) {
        match event {
            ImportEvent::Started { jobs, .. } => {
                self.started = Some(Instant::now());
                self.total = jobs.iter().map(|j| j.total).sum();
            }
            ImportEvent::JobStarted { .. } => {}
            ImportEvent::Record(o) => {
                self.counts.add(o);
                if !self.retrying.is_empty() {
                    self.retrying.remove(&(o.job, o.id.clone()));
                }
                if o.status.is_failure() {
                    self.recent_failures.push(o.clone());
                    if self.recent_failures.len() > RECENT_FAILURES {
                        self.recent_failures.remove(0);
                    }
                }
            }
            ImportEvent::Retrying { job, id, .. } => {
                self.retries += 1;
                self.retrying.insert((*job, id.clone()));
            }
            ImportEvent::Progress {
                in_flight,
                window,
                requests,
                paused,
            } => {
                self.in_flight = *in_flight;
                self.window = *window;
                self.requests = *requests;
                self.paused = *paused;
            }
            ImportEvent::Warning { message } => self.warnings.push(message.clone()),
            ImportEvent::Finished(s) => {
                self.in_flight = 0;
                self.retrying.clear();
                self.summary = Some(s.clone());
            }
        }
    }

    /// Requests (records, or bulk batches) waiting to be tried again right now.
    pub fn retrying(&self) -> usize {
        self.retrying.len()
    }

    /// HTTP requests per second so far.
    pub fn requests_per_s(&self) -> f64 {
        self.per_s(self.requests)
    }

    /// Records finished in this attempt per second (restored ones excluded).
    pub fn records_per_s(&self) -> f64 {
        self.per_s(self.counts.total - self.counts.resumed)
    }

    /// `n` over the seconds since the run started (0 before it started).
    fn per_s(&self, n: u64) -> f64 {
        let secs = self
            .started
            .map(|t| t.elapsed().as_secs_f64())
            .unwrap_or(0.0);
        if secs <= 0.0 { 0.0 } else { n as f64 / secs }
    }

    /// Seconds left at the current pace, when the total is known.
    pub fn eta_s(&self) -> Option<f64> {
        let total = self.total?;
        let rate = self.records_per_s();
        (rate > 0.0).then(|| total.saturating_sub(self.counts.total) as f64 / rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::JobInfo;
    use crate::engine::RecordStatus;
    use crate::mapping::Target;

    fn rec(status: RecordStatus) -> ImportEvent {
        ImportEvent::Record(RecordOutcome {
            job: 0,
            rows: vec![1],
            id: "a".into(),
            status,
            http_status: None,
            attempts: 1,
            latency_ms: 1,
            error: None,
            response: None,
            resumed: false,
        })
    }

    #[test]
    fn counts_follow_the_events() {
        let mut r = ImportReport::new();
        r.apply(&ImportEvent::Started {
            run_dir: "x".into(),
            jobs: vec![JobInfo {
                name: "c".into(),
                target: Target::Profiles,
                total: Some(4),
            }],
            dry_run: false,
        });
        r.apply(&rec(RecordStatus::Succeeded));
        r.apply(&rec(RecordStatus::Failed));
        r.apply(&rec(RecordStatus::Invalid));
        assert_eq!(r.total, Some(4));
        let c = r.counts;
        assert_eq!((c.total, c.succeeded, c.failed, c.invalid), (3, 1, 1, 1));
        assert_eq!(r.recent_failures.len(), 2);
        r.apply(&ImportEvent::Retrying {
            job: 0,
            id: "b".into(),
            attempt: 2,
            delay_ms: 10,
            reason: "HTTP 503".into(),
        });
        assert_eq!((r.retries, r.retrying()), (1, 1));
        let mut done = rec(RecordStatus::Succeeded);
        if let ImportEvent::Record(o) = &mut done {
            o.id = "b".into();
        }
        r.apply(&done);
        assert_eq!((r.retries, r.retrying()), (1, 0));
    }
}
