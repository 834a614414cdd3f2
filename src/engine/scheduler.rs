//! The scheduler: turns each job's records into units of work (one session, one profile, or a bulk batch of
//! profiles), runs them on tokio tasks and hands every finished record to the sink and the caller.
//!
//! Ordering rule: a unit holds a *lane* for each customer it touches (the profile's integration id; for a
//! session, its `profileId`). A record whose customer's lane is busy waits in that lane's queue, in file order,
//! and starts when the unit ahead of it ends. So one customer never has two requests in flight (Talon.One
//! answers 409 to that) while different customers run in parallel up to the AIMD window.
//!
//! Memory stays flat: the dispatcher reads records only while it holds fewer than `backlog` of them (queued in
//! lanes, in a forming batch or in flight), and the reader thread blocks on a bounded channel.

use std::collections::{HashMap, HashSet, VecDeque};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::sink::{self, JournalLine, RecordKey, SinkMsg};
use super::window::Window;
use super::{
    ControlState, Counts, EngineError, ImportEvent, ImportJob, JobInfo, Mode, RecordOutcome,
    RecordStatus, RunConfig, Summary,
};
use crate::mapping::Target;
use crate::payload::Record;
use crate::talon::client::{Answer, ApiError, ApiProblem, Client, ClientError};

/// How often the dispatcher reports [`ImportEvent::Progress`].
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Records the dispatcher takes from the reader in one go.
const DRAIN_AT_ONCE: usize = 256;
/// A partly filled bulk batch is sent after this long without new records.
const BATCH_LINGER: Duration = Duration::from_millis(50);

/// Everything a unit task needs, shared.
struct Shared {
    client: Option<Client>,
    mode: Mode,
    max_attempts: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    window: Window,
    limiter: Option<DefaultDirectRateLimiter>,
    requests: AtomicU64,
    /// Why the run must stop at once (the key was rejected).
    fatal: Mutex<Option<String>>,
    /// A resumed run: any record not in the journal may have been sent by the interrupted attempt.
    resuming: bool,
    control: watch::Receiver<ControlState>,
    events: tokio::sync::mpsc::UnboundedSender<ImportEvent>,
}

/// What a job's records need beyond themselves, to explain a server error in the admin's terms.
struct JobCtx {
    index: usize,
    target: Target,
    columns: Vec<String>,
    attribute_columns: HashMap<String, Vec<String>>,
}

/// Records sent together, and the customer lanes they hold.
struct Unit {
    job: Arc<JobCtx>,
    records: Vec<Record>,
    lanes: Vec<String>,
    bulk: bool,
}

/// A unit's end: each record with its outcome, or `None` when it was not finished (stopped before or
/// between attempts; `--resume` sends it again).
struct UnitDone {
    lanes: Vec<String>,
    results: Vec<(Record, Option<RecordOutcome>)>,
}

impl Shared {
    fn fatal(&self) -> Option<String> {
        self.fatal.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_fatal(&self, why: String) {
        let mut f = self.fatal.lock().unwrap_or_else(|e| e.into_inner());
        f.get_or_insert(why);
    }

    /// Waits while paused; false when the run is stopping.
    async fn ready(&self, control: &mut watch::Receiver<ControlState>) -> bool {
        loop {
            let s = *control.borrow_and_update();
            if s.cancelled || self.fatal().is_some() {
                return false;
            }
            if !s.paused {
                return true;
            }
            if control.changed().await.is_err() {
                return true;
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.backoff_max);
        // Jitter in [50 %, 100 %] so retries of one burst spread out.
        exp.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

/// The end of one request's tries.
enum Final {
    /// An answer to act on: 2xx, or a 4xx that retrying cannot fix.
    Answer {
        answer: Answer,
        attempts: u32,
        latency_ms: u64,
        /// An earlier attempt got no answer after the request went out: it may have been applied.
        maybe_applied: bool,
    },
    /// Out of attempts, or a local error.
    GaveUp {
        message: String,
        http_status: Option<u16>,
        attempts: u32,
        latency_ms: u64,
    },
    /// The run is stopping; the record is not finished.
    Stopped,
}

/// Sends one request with retries: 429/409 shrink the window and wait at least `Retry-After`; 5xx, 408,
/// timeouts and lost connections back off exponentially; 401/403 stop the whole run.
async fn exchange(
    sh: &Shared,
    job: usize,
    id: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> Final {
    let Some(client) = &sh.client else {
        return Final::GaveUp {
            message: "no connection configured".into(),
            http_status: None,
            attempts: 0,
            latency_ms: 0,
        };
    };
    let mut control = sh.control.clone();
    let mut maybe_applied = false;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let slot = loop {
            if !sh.ready(&mut control).await {
                return Final::Stopped;
            }
            let slot = sh.window.acquire().await;
            if let Some(l) = &sh.limiter {
                l.until_ready().await;
            }
            // Many units wait for a slot; one that gets it after Ctrl-C or a rejected key must not send, and
            // one that gets it during a pause gives it back (a paused run shows nothing in flight).
            let s = *control.borrow();
            if s.cancelled || sh.fatal().is_some() {
                return Final::Stopped;
            }
            if !s.paused {
                break slot;
            }
        };
        // Latency of this request alone (not the wait for a slot, nor earlier attempts and their pauses).
        let sent_at = Instant::now();
        let result = {
            let _slot = slot;
            sh.requests.fetch_add(1, Ordering::Relaxed);
            client.send(method, path, query, body).await
        };
        let latency_ms = sent_at.elapsed().as_millis() as u64;
        let (reason, hint, http_status) = match result {
            Ok(answer) if answer.is_success() => {
                sh.window.on_success();
                return Final::Answer {
                    answer,
                    attempts: attempt,
                    latency_ms,
                    maybe_applied,
                };
            }
            Ok(answer) if answer.status == 401 || answer.status == 403 => {
                sh.set_fatal(format!(
                    "the server refused the API key (HTTP {}); check TALON_API_KEY and that the URL is the \
                     deployment the key belongs to. Records not sent are not marked failed; fix the key and \
                     resume the run",
                    answer.status
                ));
                return Final::Stopped;
            }
            Ok(answer) if answer.status == 429 || answer.status == 409 => {
                sh.window.on_pushback();
                let why = if answer.status == 429 {
                    "rate limited (HTTP 429)"
                } else {
                    "customer busy (HTTP 409)"
                };
                (why.to_string(), answer.retry_after, Some(answer.status))
            }
            Ok(answer) if answer.status >= 500 || answer.status == 408 => {
                // A server error can come after the change was stored.
                maybe_applied = true;
                (
                    format!("server error: {}", ApiError::from_answer(&answer).summary()),
                    answer.retry_after,
                    Some(answer.status),
                )
            }
            Ok(answer) => {
                return Final::Answer {
                    answer,
                    attempts: attempt,
                    latency_ms,
                    maybe_applied,
                };
            }
            Err(e @ ClientError::Transport { .. }) => {
                maybe_applied |= e.maybe_applied();
                (e.to_string(), None, None)
            }
            Err(e) => {
                return Final::GaveUp {
                    message: e.to_string(),
                    http_status: None,
                    attempts: attempt,
                    latency_ms,
                };
            }
        };
        if attempt >= sh.max_attempts {
            return Final::GaveUp {
                message: format!("{reason}; gave up after {attempt} attempts"),
                http_status,
                attempts: attempt,
                latency_ms,
            };
        }
        let delay = sh.backoff(attempt).max(hint.unwrap_or_default());
        let _ = sh.events.send(ImportEvent::Retrying {
            job,
            id: id.to_string(),
            attempt: attempt + 1,
            delay_ms: delay.as_millis() as u64,
            reason,
        });
        // Sleep, but leave at once when the run is cancelled: an unfinished record is re-sent by --resume.
        let stop = control.wait_for(|s| s.cancelled);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop => return Final::Stopped,
        }
    }
}

fn outcome(
    job: usize,
    rec: &Record,
    status: RecordStatus,
    http_status: Option<u16>,
    attempts: u32,
    latency_ms: u64,
    error: Option<String>,
) -> RecordOutcome {
    RecordOutcome {
        job,
        rows: rec.rows.clone(),
        id: rec.id.clone(),
        status,
        http_status,
        attempts,
        latency_ms,
        error,
        response: None,
        resumed: false,
    }
}

/// The server's complaint about one record, with the source column and cell of each attribute it names.
fn explain(job: &JobCtx, rec: &Record, err: &ApiError) -> String {
    let mut msg = err.summary();
    for attr in err.attributes() {
        let Some(cols) = job.attribute_columns.get(&attr) else {
            continue;
        };
        for col in cols {
            let Some(i) = job.columns.iter().position(|c| c == col) else {
                continue;
            };
            let row = rec.rows.first().copied().unwrap_or(0);
            let value = rec
                .source
                .first()
                .and_then(|cells| cells.get(i))
                .map(String::as_str)
                .unwrap_or("");
            msg.push_str(&format!(
                " — {attr} comes from column \"{col}\", row {row} has {value:?}"
            ));
        }
    }
    msg
}

/// Runs one unit to its end.
async fn run_unit(sh: Arc<Shared>, unit: Unit) -> UnitDone {
    let Unit {
        job,
        records,
        lanes,
        bulk,
    } = unit;
    let results = if bulk {
        run_bulk(&sh, &job, records).await
    } else {
        let mut out = Vec::with_capacity(records.len());
        for rec in records {
            let o = run_single(&sh, &job, &rec).await;
            out.push((rec, o));
        }
        out
    };
    UnitDone { lanes, results }
}

/// One profile (per-record endpoint) or one session.
async fn run_single(sh: &Shared, job: &JobCtx, rec: &Record) -> Option<RecordOutcome> {
    let Ok(req) = &rec.request else {
        return None;
    };
    let query: &[(&str, &str)] = match (sh.mode, job.target) {
        (Mode::ServerDryRun { .. }, Target::Profiles) => {
            &[("runRuleEngine", "true"), ("dry", "true")]
        }
        (Mode::ServerDryRun { .. }, Target::Sessions) => &[("dry", "true")],
        _ => &[],
    };
    let dry = matches!(sh.mode, Mode::ServerDryRun { .. });
    match exchange(
        sh,
        job.index,
        &rec.id,
        "PUT",
        &req.path,
        query,
        Some(&req.body),
    )
    .await
    {
        Final::Answer {
            answer,
            attempts,
            latency_ms,
            maybe_applied,
        } => {
            if answer.is_success() {
                let mut o = outcome(
                    job.index,
                    rec,
                    if dry {
                        RecordStatus::DryRun
                    } else {
                        RecordStatus::Succeeded
                    },
                    Some(answer.status),
                    attempts,
                    latency_ms,
                    None,
                );
                if dry {
                    o.response = Some(answer.body);
                }
                return Some(o);
            }
            // A session refused because it is already stored and closed: either an earlier attempt of this
            // run stored it (its answer was lost) or an earlier run did. Read it back; if it is what we sent,
            // nothing is missing.
            // In a server dry run the same check tells the admin the real run would find it already there.
            if job.target == Target::Sessions && answer.status == 400 {
                let mut o = match read_back(sh, job, rec, attempts, latency_ms).await {
                    ReadBack::Same(o) => o,
                    ReadBack::Different => {
                        return Some(failed(job, rec, &answer, attempts, latency_ms));
                    }
                    ReadBack::Stopped => return None,
                };
                // Stored by this run (an attempt whose answer was lost, or the interrupted attempt being
                // resumed) counts as succeeded; stored by some earlier import is "already there".
                if dry || (!maybe_applied && !sh.resuming) {
                    o.status = RecordStatus::Skipped;
                    o.error = Some(
                        "already in Talon.One: an identical closed session is stored (imported before)".into(),
                    );
                }
                return Some(o);
            }
            Some(failed(job, rec, &answer, attempts, latency_ms))
        }
        Final::GaveUp {
            message,
            http_status,
            attempts,
            latency_ms,
        } => Some(outcome(
            job.index,
            rec,
            RecordStatus::Failed,
            http_status,
            attempts,
            latency_ms,
            Some(message),
        )),
        Final::Stopped => None,
    }
}

fn failed(
    job: &JobCtx,
    rec: &Record,
    answer: &Answer,
    attempts: u32,
    latency_ms: u64,
) -> RecordOutcome {
    let err = ApiError::from_answer(answer);
    outcome(
        job.index,
        rec,
        RecordStatus::Failed,
        Some(answer.status),
        attempts,
        latency_ms,
        Some(explain(job, rec, &err)),
    )
}

enum ReadBack {
    Same(RecordOutcome),
    Different,
    Stopped,
}

/// A session whose earlier attempt lost its answer was refused on retry (typically: already closed). Reads it
/// back; when it is what was sent, it was stored by that earlier attempt and counts as succeeded.
async fn read_back(
    sh: &Shared,
    job: &JobCtx,
    rec: &Record,
    attempts: u32,
    latency_ms: u64,
) -> ReadBack {
    let Ok(req) = rec.request.as_ref() else {
        return ReadBack::Different;
    };
    let answer = match exchange(sh, job.index, &rec.id, "GET", &req.path, &[], None).await {
        Final::Answer { answer, .. } if answer.is_success() => answer,
        Final::Stopped => return ReadBack::Stopped,
        _ => return ReadBack::Different,
    };
    let stored = answer.body.get("customerSession").unwrap_or(&answer.body);
    match req.body.get("customerSession") {
        Some(sent) if session_matches(sent, stored) => ReadBack::Same(outcome(
            job.index,
            rec,
            RecordStatus::Succeeded,
            Some(answer.status),
            attempts,
            latency_ms,
            None,
        )),
        _ => ReadBack::Different,
    }
}

/// Whether a stored session is the one sent: same customer, state and cart (SKUs, quantities, prices).
pub fn session_matches(sent: &Value, stored: &Value) -> bool {
    let s = |v: &Value, k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    if s(sent, "profileId") != s(stored, "profileId") {
        return false;
    }
    if let Some(state) = sent.get("state")
        && Some(state) != stored.get("state")
    {
        return false;
    }
    let items = |v: &Value| -> Vec<(Value, Option<f64>, Option<f64>)> {
        v.get("cartItems")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|i| {
                        (
                            s(i, "sku"),
                            i.get("quantity").and_then(Value::as_f64),
                            i.get("price").and_then(Value::as_f64),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    items(sent) == items(stored)
}

/// Profiles through `PUT /v2/customer_profiles`. A batch refused with 400 is split: items the server named
/// fail with their own problems, the rest is sent again; when the server names none, the batch is bisected.
async fn run_bulk(
    sh: &Shared,
    job: &JobCtx,
    records: Vec<Record>,
) -> Vec<(Record, Option<RecordOutcome>)> {
    let mut out = Vec::with_capacity(records.len());
    let mut stack: Vec<Vec<Record>> = vec![records];
    while let Some(batch) = stack.pop() {
        let items: Vec<Value> = batch
            .iter()
            .map(|r| {
                let attrs = r
                    .request
                    .as_ref()
                    .ok()
                    .and_then(|q| q.body.get("attributes").cloned())
                    .unwrap_or_else(|| json!({}));
                json!({"integrationId": r.id, "attributes": attrs})
            })
            .collect();
        let body = json!({ "customerProfiles": items });
        let first_id = batch.first().map(|r| r.id.clone()).unwrap_or_default();
        let fin = exchange(
            sh,
            job.index,
            &first_id,
            "PUT",
            "/v2/customer_profiles",
            &[("silent", "no")],
            Some(&body),
        )
        .await;
        match fin {
            Final::Answer {
                answer,
                attempts,
                latency_ms,
                ..
            } if answer.is_success() => {
                for r in batch {
                    let o = outcome(
                        job.index,
                        &r,
                        RecordStatus::Succeeded,
                        Some(answer.status),
                        attempts,
                        latency_ms,
                        None,
                    );
                    out.push((r, Some(o)));
                }
            }
            Final::Answer {
                answer,
                attempts,
                latency_ms,
                ..
            } => {
                let err = ApiError::from_answer(&answer);
                let fail = |r: &Record, e: &ApiError| {
                    outcome(
                        job.index,
                        r,
                        RecordStatus::Failed,
                        Some(answer.status),
                        attempts,
                        latency_ms,
                        Some(explain(job, r, e)),
                    )
                };
                // Only a 400 (or 413/422) is about the batch's content; any other refusal (404 from a wrong
                // URL path, 405…) would be the same for every half, so it fails the batch as it is.
                if batch.len() == 1 || !matches!(answer.status, 400 | 413 | 422) {
                    for r in batch {
                        let o = fail(&r, &err);
                        out.push((r, Some(o)));
                    }
                    continue;
                }
                let named: HashSet<usize> = err
                    .bulk_items()
                    .into_iter()
                    .filter(|i| *i < batch.len())
                    .collect();
                if named.is_empty() {
                    // Nothing to go on: bisect (the half with the bad record fails again and splits again).
                    let mut left = batch;
                    let right = left.split_off(left.len() / 2);
                    stack.push(right);
                    stack.push(left);
                    continue;
                }
                let mut rest = Vec::new();
                for (i, r) in batch.into_iter().enumerate() {
                    if named.contains(&i) {
                        let own = item_error(&err, i);
                        let o = fail(&r, &own);
                        out.push((r, Some(o)));
                    } else {
                        rest.push(r);
                    }
                }
                if !rest.is_empty() {
                    stack.push(rest);
                }
            }
            Final::GaveUp {
                message,
                http_status,
                attempts,
                latency_ms,
            } => {
                for r in batch {
                    let o = outcome(
                        job.index,
                        &r,
                        RecordStatus::Failed,
                        http_status,
                        attempts,
                        latency_ms,
                        Some(message.clone()),
                    );
                    out.push((r, Some(o)));
                }
            }
            Final::Stopped => out.extend(batch.into_iter().map(|r| (r, None))),
        }
    }
    out
}

/// The problems of one bulk item, with pointers relative to the item (`/attributes/X`).
fn item_error(err: &ApiError, index: usize) -> ApiError {
    let prefix = format!("/customerProfiles/{index}");
    let problems: Vec<ApiProblem> = err
        .problems
        .iter()
        .filter_map(|p| {
            let rest = p.pointer.as_deref()?.strip_prefix(&prefix)?;
            (rest.is_empty() || rest.starts_with('/')).then(|| ApiProblem {
                pointer: Some(if rest.is_empty() {
                    "/".into()
                } else {
                    rest.into()
                }),
                ..p.clone()
            })
        })
        .collect();
    ApiError {
        status: err.status,
        message: err.message.clone(),
        problems,
    }
}

/// The dispatcher's bookkeeping.
struct Dispatch {
    sh: Arc<Shared>,
    tasks: JoinSet<UnitDone>,
    /// Busy customers → units waiting for them, in file order.
    lanes: HashMap<String, VecDeque<Unit>>,
    batch: Vec<Record>,
    batch_lanes: Vec<String>,
    batch_started: Option<Instant>,
    /// Records held: queued, batched or in flight.
    held: usize,
    sink: std::sync::mpsc::Sender<SinkMsg>,
    counts: Counts,
    names: Vec<String>,
    targets: Vec<String>,
    mapping_sha: Option<String>,
    source_sha: Option<String>,
}

impl Dispatch {
    fn finish(&mut self, job_name: &str, target: Target, rec: Record, o: RecordOutcome) {
        self.counts.add(&o);
        let line = JournalLine {
            job_name: job_name.to_string(),
            target: target.as_str().to_string(),
            outcome: o.clone(),
            source: rec.source,
        };
        let _ = self.sink.send(SinkMsg::Record(Box::new(line)));
        let _ = self.sh.events.send(ImportEvent::Record(o));
    }

    fn spawn(&mut self, unit: Unit) {
        let sh = self.sh.clone();
        self.tasks.spawn(run_unit(sh, unit));
    }

    fn flush_batch(&mut self, job: &Arc<JobCtx>) {
        if self.batch.is_empty() {
            return;
        }
        let unit = Unit {
            job: job.clone(),
            records: std::mem::take(&mut self.batch),
            lanes: std::mem::take(&mut self.batch_lanes),
            bulk: true,
        };
        self.batch_started = None;
        self.spawn(unit);
    }

    fn progress(&self) {
        let s = *self.sh.control.borrow();
        let _ = self.sh.events.send(ImportEvent::Progress {
            in_flight: self.sh.window.in_use(),
            window: self.sh.window.limit(),
            requests: self.sh.requests.load(Ordering::Relaxed),
            paused: s.paused,
        });
    }
}

/// The whole run: resume state, then each job in turn (profiles before sessions), then the summary.
pub(crate) async fn run(
    jobs: Vec<ImportJob>,
    cfg: RunConfig,
    events: tokio::sync::mpsc::UnboundedSender<ImportEvent>,
    control: watch::Receiver<ControlState>,
) -> Result<Summary, EngineError> {
    if cfg.client.is_none() && cfg.mode != Mode::DryRun {
        return Err(EngineError::Config(
            "no deployment to send to: give --base-url and TALON_API_KEY, or use --dry-run".into(),
        ));
    }
    let started_at = jiff::Timestamp::now();
    let clock = Instant::now();
    let dir = cfg.run_dir.clone();
    let restored = if cfg.resume {
        let mut lines = sink::read_journal(&dir.join(sink::JOURNAL))?;
        // A rehearsal is not an import: when a real run resumes a directory whose records were only
        // rehearsed (`--dry-run`, or a resume with it), those records are sent now. Their dry_run lines stay
        // in the journal; the new outcome, appended later, wins when the journal is read.
        if cfg.mode == Mode::Send {
            lines.retain(|l| l.outcome.status != RecordStatus::DryRun);
        }
        lines
    } else {
        if dir.join(sink::JOURNAL).exists() {
            return Err(EngineError::Config(format!(
                "{} already holds a run; resume it with --resume {0}, or choose another --output",
                dir.display()
            )));
        }
        Vec::new()
    };
    let specs: Vec<(String, Vec<String>)> = jobs
        .iter()
        .map(|j| (j.name.clone(), j.columns.clone()))
        .collect();
    let files = sink::job_files(&dir, &specs);
    let sink = sink::Sink::open(&dir, &files, &restored)?;
    let fingerprints: Vec<sink::JobFingerprint> = jobs
        .iter()
        .map(|j| sink::JobFingerprint {
            name: j.name.clone(),
            target: j.target.as_str().to_string(),
            mapping_sha256: j.mapping_sha256.clone(),
            source_sha256: j.source_sha256.clone(),
        })
        .collect();
    let changed = sink::check_run_info(&dir, &fingerprints, cfg.resume)?;
    let rate = cfg
        .rate
        .and_then(NonZeroU32::new)
        .map(|r| RateLimiter::direct(Quota::per_second(r)));
    let sh = Arc::new(Shared {
        client: cfg.client.clone(),
        mode: cfg.mode,
        max_attempts: cfg.max_attempts.max(1),
        backoff_base: cfg.backoff_base,
        backoff_max: cfg.backoff_max,
        window: Window::new(cfg.concurrency),
        limiter: rate,
        requests: AtomicU64::new(0),
        fatal: Mutex::new(None),
        resuming: cfg.resume,
        control: control.clone(),
        events: events.clone(),
    });
    let _ = events.send(ImportEvent::Started {
        run_dir: dir.clone(),
        jobs: jobs
            .iter()
            .map(|j| JobInfo {
                name: j.name.clone(),
                target: j.target,
                total: match cfg.mode {
                    Mode::ServerDryRun { sample: Some(n) } => j.total.map(|t| t.min(n)),
                    _ => j.total,
                },
            })
            .collect(),
        dry_run: cfg.mode != Mode::Send,
    });
    for message in changed {
        let _ = events.send(ImportEvent::Warning { message });
    }
    let mut d = Dispatch {
        sh: sh.clone(),
        tasks: JoinSet::new(),
        lanes: HashMap::new(),
        batch: Vec::new(),
        batch_lanes: Vec::new(),
        batch_started: None,
        held: 0,
        sink: sink.sender(),
        counts: Counts::default(),
        names: jobs.iter().map(|j| j.name.clone()).collect(),
        targets: jobs.iter().map(|j| j.target.as_str().to_string()).collect(),
        mapping_sha: None,
        source_sha: None,
    };
    // Records finished in an earlier attempt: reported again (marked resumed), never re-sent.
    let mut done: HashSet<RecordKey> = HashSet::with_capacity(restored.len());
    for line in &restored {
        done.insert(line.key());
        if let Some(job) = d.names.iter().position(|n| *n == line.job_name) {
            let mut o = line.outcome.clone();
            o.job = job;
            o.resumed = true;
            d.counts.add(&o);
            let _ = events.send(ImportEvent::Record(o));
        }
    }
    let mut source_error = None;
    for (index, job) in jobs.into_iter().enumerate() {
        if control.borrow().cancelled || sh.fatal().is_some() {
            break;
        }
        let _ = events.send(ImportEvent::JobStarted { job: index });
        if let Err(e) = run_job(&mut d, &cfg, index, job, &done).await {
            source_error = Some(e);
            break;
        }
    }
    let ctl = *control.borrow();
    if ctl.aborted || sh.fatal().is_some() {
        d.tasks.abort_all();
    }
    while d.tasks.join_next().await.is_some() {}
    drop(d.sink);
    sink.close().await?;

    let aborted = sh.fatal().or(source_error).or_else(|| {
        ctl.cancelled.then(|| {
            "interrupted; records not finished were not sent and are not marked failed — resume the run to \
             send them"
                .to_string()
        })
    });
    let finished_at = jiff::Timestamp::now();
    let duration_s = clock.elapsed().as_secs_f64();
    let fresh = d.counts.total - d.counts.resumed;
    let mut targets = d.targets.clone();
    targets.dedup();
    let summary = Summary {
        target: targets.join("+"),
        counts: d.counts,
        requests: sh.requests.load(Ordering::Relaxed),
        started_at: started_at.to_string(),
        finished_at: finished_at.to_string(),
        duration_s,
        records_per_s: if duration_s > 0.0 {
            fresh as f64 / duration_s
        } else {
            0.0
        },
        mapping_sha256: d.mapping_sha.clone(),
        source_sha256: d.source_sha.clone(),
        aborted,
        run_dir: dir.clone(),
    };
    sink::write_summary(&dir, &summary)?;
    let _ = events.send(ImportEvent::Finished(summary.clone()));
    Ok(summary)
}

/// One job: reads its records on a blocking thread and dispatches them until all are finished (or the run
/// stops). Err carries a plain reason when the file could not be read to the end.
async fn run_job(
    d: &mut Dispatch,
    cfg: &RunConfig,
    index: usize,
    job: ImportJob,
    done: &HashSet<RecordKey>,
) -> Result<(), String> {
    let ImportJob {
        name,
        target,
        columns,
        attribute_columns,
        records,
        mapping_sha256,
        source_sha256,
        ..
    } = job;
    if d.mapping_sha.is_none() {
        d.mapping_sha = mapping_sha256;
        d.source_sha = source_sha256;
    }
    let ctx = Arc::new(JobCtx {
        index,
        target,
        columns,
        attribute_columns,
    });
    let bulk = target == Target::Profiles && cfg.mode == Mode::Send && !cfg.per_record;
    let bulk_size = cfg.bulk_size.clamp(1, 1000);
    let backlog = if bulk {
        bulk_size * (cfg.concurrency.max(1) + 1)
    } else {
        cfg.concurrency.max(1) * 64
    };
    let sample = match cfg.mode {
        Mode::ServerDryRun { sample } => sample,
        _ => None,
    };

    // The reader: a blocking thread feeding a bounded channel, so a slow server never makes the file pile up
    // in memory. Dropping the receiver stops it.
    let (tx, mut rx) = mpsc::channel::<Result<Record, String>>(1024);
    let reader = tokio::task::spawn_blocking(move || {
        for r in records {
            let r = r.map_err(|e| e.to_string());
            let stop = r.is_err();
            if tx.blocking_send(r).is_err() || stop {
                break;
            }
        }
    });

    let mut control = d.sh.control.clone();
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut input_open = true;
    let mut taken: u64 = 0;
    let mut error = None;
    loop {
        let ctl = *control.borrow_and_update();
        let stopping = ctl.cancelled || d.sh.fatal().is_some();
        if stopping {
            if input_open {
                input_open = false;
                rx.close();
            }
            // Not started: not finished, not journaled; --resume sends them.
            d.held -= d.batch.len();
            d.batch.clear();
            d.batch_lanes.clear();
            d.batch_started = None;
            let queued: usize = d
                .lanes
                .values()
                .map(|q| q.iter().map(|u| u.records.len()).sum::<usize>())
                .sum();
            d.held -= queued;
            d.lanes.clear();
            if ctl.aborted || d.sh.fatal().is_some() {
                d.tasks.abort_all();
            }
        }
        if !input_open && d.batch.is_empty() && d.tasks.is_empty() {
            break;
        }
        let can_read = input_open && d.held < backlog;
        let linger = d
            .batch_started
            .map(|t| BATCH_LINGER.saturating_sub(t.elapsed()))
            .unwrap_or(Duration::from_secs(3600));
        tokio::select! {
            biased;
            Some(joined) = d.tasks.join_next(), if !d.tasks.is_empty() => {
                match joined {
                    Ok(unit) => unit_done(d, &name, target, unit, stopping),
                    Err(e) if e.is_cancelled() => {}
                    Err(e) => error = Some(format!("an import task failed: {e}")),
                }
            }
            _ = control.changed() => {}
            rec = rx.recv(), if can_read => match rec {
                None => {
                    input_open = false;
                    d.flush_batch(&ctx);
                }
                Some(Err(e)) => {
                    error = Some(format!("reading the file of {name} stopped: {e}; fix the file and resume the run"));
                    input_open = false;
                    rx.close();
                    d.flush_batch(&ctx);
                }
                Some(Ok(first)) => {
                    // Take what the reader already has ready in one go (up to the backlog): one trip through
                    // this loop per record would cost more than the record.
                    let mut next = Some(first);
                    let mut drained = 0;
                    while let Some(rec) = next.take() {
                        drained += 1;
                        let finished_before = !done.is_empty()
                            && done.contains(&sink::record_key(&name, &rec.rows, &rec.id));
                        if !finished_before {
                            if let Some(n) = sample && taken >= n {
                                input_open = false;
                                rx.close();
                                d.flush_batch(&ctx);
                                break;
                            }
                            taken += 1;
                            admit(d, &ctx, &name, cfg.mode, bulk, bulk_size, rec);
                        }
                        // Bounded, so pause/Ctrl-C and progress are still seen often.
                        if d.held >= backlog || drained >= DRAIN_AT_ONCE {
                            break;
                        }
                        match rx.try_recv() {
                            Ok(Ok(r)) => next = Some(r),
                            Ok(Err(e)) => {
                                error = Some(format!("reading the file of {name} stopped: {e}; fix the file and resume the run"));
                                input_open = false;
                                rx.close();
                                d.flush_batch(&ctx);
                            }
                            // Empty: back to waiting. Disconnected: the next recv() says so.
                            Err(_) => {}
                        }
                    }
                }
            },
            _ = tokio::time::sleep(linger), if d.batch_started.is_some() => d.flush_batch(&ctx),
            _ = tick.tick() => d.progress(),
        }
        if error.is_some() && input_open {
            input_open = false;
            rx.close();
            d.flush_batch(&ctx);
        }
    }
    drop(rx);
    let _ = reader.await;
    d.progress();
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Takes one record in: finished at once when it cannot or need not be sent, otherwise batched, started or
/// queued behind its customer's lane.
fn admit(
    d: &mut Dispatch,
    ctx: &Arc<JobCtx>,
    name: &str,
    mode: Mode,
    bulk: bool,
    bulk_size: usize,
    rec: Record,
) {
    if let Err(problems) = &rec.request {
        let message = problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join("; ");
        let o = outcome(
            ctx.index,
            &rec,
            RecordStatus::Invalid,
            None,
            0,
            0,
            Some(message),
        );
        d.finish(name, ctx.target, rec, o);
        return;
    }
    if mode == Mode::DryRun {
        let o = outcome(ctx.index, &rec, RecordStatus::DryRun, None, 0, 0, None);
        d.finish(name, ctx.target, rec, o);
        return;
    }
    let lane = rec.profile_id.clone().unwrap_or_else(|| rec.id.clone());
    d.held += 1;
    if let Some(queue) = d.lanes.get_mut(&lane) {
        queue.push_back(Unit {
            job: ctx.clone(),
            records: vec![rec],
            lanes: vec![lane],
            bulk,
        });
        return;
    }
    d.lanes.insert(lane.clone(), VecDeque::new());
    if bulk {
        d.batch.push(rec);
        d.batch_lanes.push(lane);
        d.batch_started.get_or_insert_with(Instant::now);
        if d.batch.len() >= bulk_size {
            d.flush_batch(ctx);
        }
    } else {
        d.spawn(Unit {
            job: ctx.clone(),
            records: vec![rec],
            lanes: vec![lane],
            bulk: false,
        });
    }
}

/// A unit ended: journal its records and start what waited on its lanes.
fn unit_done(d: &mut Dispatch, name: &str, target: Target, unit: UnitDone, stopping: bool) {
    d.held -= unit.results.len();
    for (rec, o) in unit.results {
        if let Some(o) = o {
            d.finish(name, target, rec, o);
        }
    }
    for lane in unit.lanes {
        let next = d.lanes.get_mut(&lane).and_then(VecDeque::pop_front);
        match next {
            Some(u) if !stopping => d.spawn(u),
            Some(u) => {
                let rest: usize = d
                    .lanes
                    .remove(&lane)
                    .map(|q| q.iter().map(|u| u.records.len()).sum())
                    .unwrap_or(0);
                d.held -= u.records.len() + rest;
            }
            None => {
                d.lanes.remove(&lane);
            }
        }
    }
}
