//! The import engine: scheduling (bounded concurrency, one request at a time per customer, rate cap, AIMD on
//! 429/409), retries, the journal, results files and the `ImportReport` aggregate that both the headless
//! printer and the wizard's run screen consume. Knows nothing of terminals.
//!
//! Flow: each [`ImportJob`]'s records are read on a blocking thread and handed to the scheduler, which groups them into units (one session, one profile, or a bulk batch of profiles) and
//! runs units on tokio tasks. Every finished record goes to the sink ([`sink`]: journal, results
//! CSVs, summary) and, as an [`ImportEvent`], to the caller's channel.

pub mod job;
pub mod report;
mod scheduler;
pub mod sink;
pub mod window;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc::UnboundedSender, watch};
use tokio::task::JoinHandle;

use crate::mapping::Target;
use crate::payload::{Plan, Record};
use crate::source::SourceError;
use crate::talon::client::Client;

pub use report::ImportReport;
pub use scheduler::session_matches;

/// One file's records to import.
pub struct ImportJob {
    /// Short label (the mapping file's stem); names the results files when a run has several jobs and keys
    /// the journal, so keep it stable between a run and its `--resume`.
    pub name: String,
    pub target: Target,
    /// Source columns, the header of `Record::source` (and of succeeded.csv/failed.csv).
    pub columns: Vec<String>,
    /// Number of records, when known beforehand (for progress and ETA).
    pub total: Option<u64>,
    /// Attribute name → the source columns it is built from, so a server error naming an attribute can name
    /// the column and the value too.
    pub attribute_columns: HashMap<String, Vec<String>>,
    /// SHA-256 of the mapping and of the source file, for summary.json.
    pub mapping_sha256: Option<String>,
    pub source_sha256: Option<String>,
    pub records: Box<dyn Iterator<Item = Result<Record, SourceError>> + Send>,
}

impl ImportJob {
    pub fn new(
        name: impl Into<String>,
        target: Target,
        columns: Vec<String>,
        records: impl Iterator<Item = Result<Record, SourceError>> + Send + 'static,
    ) -> Self {
        ImportJob {
            name: name.into(),
            target,
            columns,
            total: None,
            attribute_columns: HashMap::new(),
            mapping_sha256: None,
            source_sha256: None,
            records: Box::new(records),
        }
    }

    pub fn from_plan(name: impl Into<String>, target: Target, plan: Plan) -> Self {
        let columns = plan.info.columns.clone();
        Self::new(name, target, columns, plan)
    }
}

/// What the run does with the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Send and store.
    Send,
    /// Build every request, send nothing, write the run directory as if sent (status `dry_run`).
    DryRun,
    /// Send with `dry=true` so Talon.One checks without storing; at most `sample` records per job.
    ServerDryRun { sample: Option<u64> },
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Needed unless `mode` is [`Mode::DryRun`].
    pub client: Option<Client>,
    /// Requests in flight at most (the AIMD window never grows past it).
    pub concurrency: usize,
    /// Requests per second at most.
    pub rate: Option<u32>,
    /// Attempts per request, first one included.
    pub max_attempts: u32,
    /// Profiles one by one (`PUT /v2/customer_profiles/{id}`) instead of in bulk.
    pub per_record: bool,
    /// Profiles per bulk request (≤ 1000).
    pub bulk_size: usize,
    pub mode: Mode,
    /// Where journal.jsonl, succeeded.csv, failed.csv and summary.json go (created if missing).
    pub run_dir: PathBuf,
    /// Continue the run in `run_dir`: records in its journal are not sent again.
    pub resume: bool,
    /// First retry delay; doubles each attempt (with jitter) up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl RunConfig {
    pub fn new(client: Option<Client>, run_dir: impl Into<PathBuf>) -> Self {
        RunConfig {
            client,
            concurrency: 8,
            rate: None,
            max_attempts: 6,
            per_record: false,
            bulk_size: 1000,
            mode: Mode::Send,
            run_dir: run_dir.into(),
            resume: false,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// How one record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Succeeded,
    Failed,
    /// Not sent: the rows could not be turned into a valid request (see the error).
    Invalid,
    Skipped,
    DryRun,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Succeeded => "succeeded",
            RecordStatus::Failed => "failed",
            RecordStatus::Invalid => "invalid",
            RecordStatus::Skipped => "skipped",
            RecordStatus::DryRun => "dry_run",
        }
    }
    /// Goes to failed.csv (to be fixed and imported again).
    pub fn is_failure(self) -> bool {
        matches!(self, RecordStatus::Failed | RecordStatus::Invalid)
    }
}

/// One finished record, as journaled and reported.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RecordOutcome {
    /// Index of the job in the run (profiles jobs first).
    pub job: usize,
    pub rows: Vec<u64>,
    pub id: String,
    pub status: RecordStatus,
    pub http_status: Option<u16>,
    pub attempts: u32,
    /// How long Talon.One took to answer the last attempt (waiting for a free slot and pauses between
    /// attempts not included; for a bulk, the whole batch's request).
    pub latency_ms: u64,
    pub error: Option<String>,
    /// Server dry runs: Talon.One's answer (effects included), for the rehearsal screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<serde_json::Value>,
    /// Restored from the journal of an earlier attempt of this run (`--resume`), not sent now.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
}

/// A job as announced in [`ImportEvent::Started`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobInfo {
    pub name: String,
    pub target: Target,
    pub total: Option<u64>,
}

/// What the engine tells its front end, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ImportEvent {
    Started {
        run_dir: PathBuf,
        jobs: Vec<JobInfo>,
        dry_run: bool,
    },
    JobStarted {
        job: usize,
    },
    Record(RecordOutcome),
    /// A request will be tried again after `delay_ms`.
    Retrying {
        job: usize,
        id: String,
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
    /// Periodic state of the scheduler.
    Progress {
        in_flight: usize,
        window: usize,
        requests: u64,
        paused: bool,
    },
    Warning {
        message: String,
    },
    Finished(Summary),
}

/// Records by how they ended. `total` counts every finished record, restored ones included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    pub total: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub invalid: u64,
    pub skipped: u64,
    pub dry_run: u64,
    /// Records restored from the journal of an earlier attempt (included in the counts above).
    pub resumed: u64,
}

impl Counts {
    pub fn add(&mut self, o: &RecordOutcome) {
        self.total += 1;
        if o.resumed {
            self.resumed += 1;
        }
        match o.status {
            RecordStatus::Succeeded => self.succeeded += 1,
            RecordStatus::Failed => self.failed += 1,
            RecordStatus::Invalid => self.invalid += 1,
            RecordStatus::Skipped => self.skipped += 1,
            RecordStatus::DryRun => self.dry_run += 1,
        }
    }
    /// Records that go to failed.csv.
    pub fn failures(&self) -> u64 {
        self.failed + self.invalid
    }
}

/// The end of a run, as written to summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Summary {
    /// `profiles`, `sessions`, or `profiles+sessions` for a run of several files.
    pub target: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// HTTP requests sent (retries and read-backs included).
    pub requests: u64,
    pub started_at: String,
    pub finished_at: String,
    pub duration_s: f64,
    /// Records finished in this attempt per second (restored ones excluded).
    pub records_per_s: f64,
    pub mapping_sha256: Option<String>,
    pub source_sha256: Option<String>,
    /// Why the run stopped before the end (rejected key, cancelled); `None` when it ran to the end.
    pub aborted: Option<String>,
    pub run_dir: PathBuf,
}

impl Summary {
    /// The process exit code for this run: 0 all succeeded, 1 some failed, 3 aborted.
    pub fn exit_code(&self) -> u8 {
        if self.aborted.is_some() {
            crate::exit::ABORTED
        } else if self.counts.failures() > 0 {
            crate::exit::SOME_FAILED
        } else {
            crate::exit::OK
        }
    }
}

/// Errors that stop a run before or outside any record: the run directory cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{path}: {message}")]
    RunDir { path: PathBuf, message: String },
    #[error("{0}")]
    Config(String),
}

/// The user's wishes while the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ControlState {
    pub paused: bool,
    /// Stop starting requests; finish those in flight.
    pub cancelled: bool,
    /// Stop now; requests in flight are abandoned (and re-sent by `--resume`).
    pub aborted: bool,
}

/// Pause, resume or stop a running import. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RunControl {
    tx: std::sync::Arc<watch::Sender<ControlState>>,
}

impl RunControl {
    pub fn pause(&self) {
        self.tx.send_modify(|s| s.paused = true);
    }
    pub fn resume(&self) {
        self.tx.send_modify(|s| s.paused = false);
    }
    /// First Ctrl-C: no new requests; those in flight finish and are journaled.
    pub fn cancel(&self) {
        self.tx.send_modify(|s| s.cancelled = true);
    }
    /// Second Ctrl-C: stop at once.
    pub fn abort(&self) {
        self.tx.send_modify(|s| {
            s.cancelled = true;
            s.aborted = true;
        });
    }
    pub fn is_cancelled(&self) -> bool {
        self.tx.borrow().cancelled
    }
}

/// The folder (relative to the current directory) that holds the run directories.
pub const RUNS_DIR: &str = "talon-import-runs";

/// `./talon-import-runs/<UTC time>-<targets>`: where a run goes unless told otherwise.
pub fn default_run_dir(targets: &[Target]) -> PathBuf {
    let mut names: Vec<&str> = targets.iter().map(|t| t.as_str()).collect();
    names.sort();
    names.dedup();
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    PathBuf::from(RUNS_DIR).join(format!("{stamp}-{}", names.join("+")))
}

/// Starts a run on the current tokio runtime. Profiles jobs run before sessions jobs whatever their order.
/// The handle ends with the summary (also sent as [`ImportEvent::Finished`] and written to summary.json).
pub fn start(
    mut jobs: Vec<ImportJob>,
    cfg: RunConfig,
    events: UnboundedSender<ImportEvent>,
) -> (RunControl, JoinHandle<Result<Summary, EngineError>>) {
    // Stable: profiles first, then sessions, each in the order given.
    jobs.sort_by_key(|j| match j.target {
        Target::Profiles => 0,
        Target::Sessions => 1,
    });
    let (tx, rx) = watch::channel(ControlState::default());
    let control = RunControl {
        tx: std::sync::Arc::new(tx),
    };
    let handle = tokio::spawn(scheduler::run(jobs, cfg, events, rx));
    (control, handle)
}
