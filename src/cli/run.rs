//! `talon-import run MAPPING...`: the headless import. Builds one job per mapping file, runs the engine and
//! prints progress from the same [`ImportReport`] the wizard's run screen uses: one line per second on
//! stderr, or one JSON event per line on stdout with `--json`. Ctrl-C once stops new requests and waits for
//! those in flight; twice aborts.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};

use crate::engine::{self, ImportEvent, ImportJob, ImportReport, Mode, RunConfig, Summary, sink};
use crate::exit::{self, CmdResult, Exit};
use crate::mapping::{Mapping, Target};
use crate::talon::client::{Client, ClientConfig};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Mapping files (from `talon-import map` or the wizard). Profiles files run before sessions files.
    #[arg(required = true, value_name = "MAPPING")]
    pub mappings: Vec<PathBuf>,
    /// Send nothing: validate, build every request and write the run directory as if sent (status dry_run).
    #[arg(long, conflicts_with = "server_dry_run")]
    pub dry_run: bool,
    /// Send with `dry=true`: Talon.One checks every request and stores nothing; answers go to the journal.
    #[arg(long)]
    pub server_dry_run: bool,
    /// With --server-dry-run: only the first N records of each file.
    #[arg(long, value_name = "N", requires = "server_dry_run")]
    pub sample: Option<u64>,
    /// Requests in flight at most (the run slows down by itself when Talon.One pushes back).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Requests per second at most.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,
    /// Attempts per request, the first included (429, 409, 5xx, timeouts and lost connections are retried).
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub max_attempts: u32,
    /// Profiles one request each (`PUT /v2/customer_profiles/{id}`) instead of in bulk.
    #[arg(long)]
    pub per_record: bool,
    /// Profiles per bulk request (at most 1000).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub bulk_size: u16,
    /// Run directory (default ./talon-import-runs/<UTC time>-<target>).
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub output: Option<PathBuf>,
    /// Continue an interrupted run: records in its journal are not sent again. Without DIR, the newest run
    /// in ./talon-import-runs.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "")]
    pub resume: Option<PathBuf>,
    /// Deployment URL, e.g. https://mycompany.europe-west1.talon.one.
    #[arg(long, env = "TALON_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Allow plain http:// to a host other than this machine.
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Seconds to wait for a connection.
    #[arg(long, value_name = "S", default_value_t = 10)]
    pub connect_timeout: u64,
    /// Seconds to wait for an answer.
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub request_timeout: u64,
    /// After the run, read back N random imported sessions and report any difference from what was sent.
    #[arg(long, value_name = "N")]
    pub verify: Option<usize>,
    /// One JSON event per line on stdout instead of progress lines.
    #[arg(long)]
    pub json: bool,
    /// Plain progress lines even on a terminal.
    #[arg(long)]
    pub headless: bool,
}

pub fn run(args: Args) -> CmdResult {
    let mut mappings = Vec::new();
    for path in &args.mappings {
        let m = Mapping::load(path).map_err(Exit::usage)?;
        mappings.push((path.clone(), m));
    }
    let mode = if args.dry_run {
        Mode::DryRun
    } else if args.server_dry_run {
        Mode::ServerDryRun {
            sample: args.sample,
        }
    } else {
        Mode::Send
    };
    let client = if mode == Mode::DryRun {
        None
    } else {
        Some(client(&args)?)
    };
    let mut jobs = Vec::new();
    for (path, m) in &mappings {
        let catalog = super::map::load_catalog(Some(m))?;
        let job = ImportJob::from_mapping(job_name(path, &mappings), m, Some(path), &catalog, true)
            .map_err(|e| Exit::usage(anyhow!(e)).context_path(path))?;
        jobs.push(job);
    }
    let warnings = unknown_customers(&mappings);
    let run_dir = run_dir(&args, &mappings)?;
    let mut cfg = RunConfig::new(client, &run_dir);
    cfg.concurrency = args.concurrency as usize;
    cfg.rate = args.rate;
    cfg.max_attempts = args.max_attempts;
    cfg.per_record = args.per_record;
    cfg.bulk_size = args.bulk_size as usize;
    cfg.mode = mode;
    cfg.resume = args.resume.is_some();

    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    // A wrong key or URL is told before anything is sent or any run directory is made.
    if let Some(c) = &cfg.client {
        runtime
            .block_on(c.test_connection())
            .map_err(|e| Exit::aborted(anyhow!(e)))?;
    }
    let summary = runtime.block_on(drive(jobs, cfg.clone(), &args, warnings))?;
    if let Some(n) = args.verify
        && mode == Mode::Send
    {
        let verified = runtime.block_on(verify(&mappings, &cfg, &summary, n))?;
        eprintln!("{verified}");
    }
    Ok(summary.exit_code())
}

trait ContextPath {
    fn context_path(self, path: &Path) -> Exit;
}
impl ContextPath for Exit {
    fn context_path(self, path: &Path) -> Exit {
        Exit {
            code: self.code,
            error: self.error.context(format!("{}", path.display())),
        }
    }
}

/// The journal key of a job: the mapping file's stem (made unique when two files share one).
fn job_name(path: &Path, all: &[(PathBuf, Mapping)]) -> String {
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "mapping".into())
    };
    let name = stem(path);
    let same = all.iter().filter(|(p, _)| stem(p) == name).count();
    if same > 1 {
        path.display().to_string()
    } else {
        name
    }
}

fn client(args: &Args) -> Result<Client, Exit> {
    let base = args.base_url.clone().ok_or_else(|| {
        Exit::usage(anyhow!(
            "no deployment URL: give --base-url or set TALON_BASE_URL (e.g. https://mycompany.europe-west1.talon.one), \
             or use --dry-run to send nothing"
        ))
    })?;
    let key = std::env::var("TALON_API_KEY").ok().filter(|k| !k.trim().is_empty()).ok_or_else(|| {
        Exit::usage(anyhow!(
            "no API key: set TALON_API_KEY to an Integration API key of the application you import into \
             (Campaign Manager › Account › Developer settings), or use --dry-run"
        ))
    })?;
    let mut cc = ClientConfig::new(base, key.trim());
    cc.allow_insecure_http = args.allow_insecure_http;
    cc.connect_timeout = Duration::from_secs(args.connect_timeout.max(1));
    cc.request_timeout = Duration::from_secs(args.request_timeout.max(1));
    Client::new(&cc).map_err(Exit::usage)
}

const RUNS: &str = engine::RUNS_DIR;

fn run_dir(args: &Args, mappings: &[(PathBuf, Mapping)]) -> Result<PathBuf, Exit> {
    if let Some(dir) = &args.resume {
        if !dir.as_os_str().is_empty() {
            if !dir.join(sink::JOURNAL).exists() {
                return Err(Exit::usage(anyhow!(
                    "{} has no {}; give the run directory printed when the run started",
                    dir.display(),
                    sink::JOURNAL
                )));
            }
            return Ok(dir.clone());
        }
        let newest = std::fs::read_dir(RUNS)
            .ok()
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join(sink::JOURNAL).exists())
            .max();
        return newest.ok_or_else(|| {
            Exit::usage(anyhow!(
                "no run to resume in ./{RUNS}; give the run directory: --resume DIR"
            ))
        });
    }
    if let Some(dir) = &args.output {
        return Ok(dir.clone());
    }
    let targets: Vec<Target> = mappings.iter().map(|(_, m)| m.target).collect();
    Ok(engine::default_run_dir(&targets))
}

/// Sessions whose customer is in none of the run's profiles files (Talon.One creates an empty profile for
/// them). Only checked when the run has both kinds of file.
fn unknown_customers(mappings: &[(PathBuf, Mapping)]) -> Vec<String> {
    let has = |t: Target| mappings.iter().any(|(_, m)| m.target == t);
    if !has(Target::Profiles) || !has(Target::Sessions) {
        return vec![];
    }
    let mut known = HashSet::new();
    for (_, m) in mappings
        .iter()
        .filter(|(_, m)| m.target == Target::Profiles)
    {
        let catalog = crate::mapping::Catalog::for_mapping(m);
        if let Ok(plan) = crate::payload::plan(m, &catalog) {
            known.extend(plan.map_while(Result::ok).map(|r| r.id));
        }
    }
    let mut out = vec![];
    for (path, m) in mappings
        .iter()
        .filter(|(_, m)| m.target == Target::Sessions)
    {
        let catalog = crate::mapping::Catalog::for_mapping(m);
        let Ok(plan) = crate::payload::plan(m, &catalog) else {
            continue;
        };
        let mut missing = 0u64;
        let mut example = None;
        for r in plan.map_while(Result::ok) {
            if let Some(p) = &r.profile_id
                && !known.contains(p)
            {
                missing += 1;
                example.get_or_insert_with(|| (r.rows.first().copied().unwrap_or(0), p.clone()));
            }
        }
        if let Some((row, id)) = example {
            out.push(format!(
                "{}: {missing} {} in none of the profiles files of this run (e.g. row {row}, {id:?}); \
                 Talon.One will create an empty profile for each unless it already exists",
                path.display(),
                if missing == 1 {
                    "session belongs to a customer that is"
                } else {
                    "sessions belong to customers that are"
                }
            ));
        }
    }
    out
}

/// Runs the engine and prints while it goes.
async fn drive(
    jobs: Vec<ImportJob>,
    cfg: RunConfig,
    args: &Args,
    warnings: Vec<String>,
) -> Result<Summary, Exit> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for w in warnings {
        let _ = tx.send(ImportEvent::Warning { message: w });
    }
    let (control, handle) = engine::start(jobs, cfg, tx);
    let ctl = control.clone();
    let signals = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\nStopping: no new requests; waiting for those in flight. Press Ctrl-C again to stop at once."
            );
            ctl.cancel();
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nAborting now; unfinished records will be sent again by --resume.");
            ctl.abort();
        }
    });
    let json = args.json;
    // On a terminal the progress line rewrites itself; otherwise (logs, CI) one line per second.
    let overwrite = !args.headless && std::io::stderr().is_terminal();
    let mut report = ImportReport::new();
    let mut last = Instant::now();
    let mut out = std::io::stdout();
    while let Some(ev) = rx.recv().await {
        report.apply(&ev);
        if json {
            if let Ok(text) = serde_json::to_string(&ev) {
                let _ = writeln!(out, "{text}");
            }
            continue;
        }
        match &ev {
            ImportEvent::Started {
                run_dir, dry_run, ..
            } => eprintln!(
                "{} — run directory {}",
                headline(&report, *dry_run, args),
                run_dir.display()
            ),
            ImportEvent::Warning { message } => {
                eprintln!("warning: {}", crate::text::for_terminal(message))
            }
            ImportEvent::Finished(_) => {}
            _ => {
                if last.elapsed() >= Duration::from_secs(1) {
                    last = Instant::now();
                    if overwrite {
                        eprint!("\r{}\x1b[K", progress_line(&report));
                    } else {
                        eprintln!("{}", progress_line(&report));
                    }
                }
            }
        }
    }
    signals.abort();
    let summary = handle
        .await
        .map_err(|e| Exit::usage(anyhow!("the import stopped unexpectedly: {e}")))?
        .map_err(|e| Exit::usage(anyhow!(e)))?;
    if !json {
        let mut again = String::from("talon-import run");
        for m in &args.mappings {
            again.push(' ');
            again.push_str(&shell_word(&m.display().to_string()));
        }
        eprintln!("{}", summary_text(&summary, &again));
    }
    Ok(summary)
}

/// `Importing 360 records into https://mycompany.europe-west1.talon.one`.
fn headline(report: &ImportReport, dry_run: bool, args: &Args) -> String {
    let records = match report.total {
        Some(t) => format!("{t} records"),
        None => "records".into(),
    };
    let url = args.base_url.as_deref().unwrap_or("Talon.One");
    if args.dry_run {
        format!("Rehearsing {records} (--dry-run: nothing is sent)")
    } else if dry_run {
        format!("Checking {records} with {url} (--server-dry-run: nothing is stored)")
    } else {
        format!("Importing {records} into {url}")
    }
}

/// `1200/10000 · 1180 succeeded · 20 failed · 3 retrying · 812 records/s · 410 req/s · ETA 21s`
pub fn progress_line(r: &ImportReport) -> String {
    let c = &r.counts;
    let total = r.total.map(|t| format!("/{t}")).unwrap_or_default();
    let eta = r
        .eta_s()
        .map(|s| format!(" · ETA {}", crate::text::duration(s)))
        .unwrap_or_default();
    format!(
        "{}{total} · {} succeeded · {} failed · {} retrying · {:.0} records/s · {:.0} req/s{}{eta}",
        c.total,
        c.succeeded + c.dry_run,
        c.failures(),
        r.retrying(),
        r.records_per_s(),
        r.requests_per_s(),
        if r.paused { " · paused" } else { "" },
    )
}

/// Quotes a word for a POSIX shell when it needs it, so a printed command can be pasted back.
fn shell_word(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+@%".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The closing lines: counts, speed, where the files are and what to do next.
/// `command` is the `talon-import run MAPPING...` part of the resume hint.
pub fn summary_text(s: &Summary, command: &str) -> String {
    let c = &s.counts;
    let mut out = format!(
        "\n{} records in {:.1} s ({:.0}/s): {}{}; {} requests.\n",
        c.total,
        s.duration_s,
        s.records_per_s,
        [
            (c.succeeded, "succeeded"),
            (c.skipped, "already imported"),
            (c.dry_run, "rehearsed"),
            (c.failed, "failed"),
            (c.invalid, "invalid (not sent)"),
        ]
        .iter()
        .filter(|(n, what)| *n > 0 || *what == "succeeded" || *what == "failed")
        .map(|(n, what)| format!("{n} {what}"))
        .collect::<Vec<_>>()
        .join(", "),
        if c.resumed > 0 {
            format!(", {} from the earlier attempt", c.resumed)
        } else {
            String::new()
        },
        s.requests,
    );
    out.push_str(&format!("Run directory: {}\n", s.run_dir.display()));
    if let Some(why) = &s.aborted {
        out.push_str(&format!(
            "Stopped early: {why}\nContinue with: {command} --resume {}\n",
            shell_word(&s.run_dir.display().to_string())
        ));
    }
    if c.failures() > 0 {
        out.push_str(
            "Failed records are in failed.csv with the reason in the `error` column: fix them in Excel, save as \
             CSV, point the mapping's [source] file at it and run again.\n",
        );
    }
    out
}

/// `--verify N`: reads back N random sessions that succeeded and compares them with what was sent.
async fn verify(
    mappings: &[(PathBuf, Mapping)],
    cfg: &RunConfig,
    summary: &Summary,
    n: usize,
) -> Result<String, Exit> {
    use rand::seq::IndexedRandom;
    let Some(client) = &cfg.client else {
        return Ok(String::new());
    };
    let lines = sink::read_journal(&summary.run_dir.join(sink::JOURNAL)).map_err(Exit::usage)?;
    let mut checked = 0usize;
    let mut differences = Vec::new();
    for (path, m) in mappings
        .iter()
        .filter(|(_, m)| m.target == Target::Sessions)
    {
        let name = job_name(path, mappings);
        let ok: Vec<&str> = lines
            .iter()
            .filter(|l| l.job_name == name && l.outcome.status == engine::RecordStatus::Succeeded)
            .map(|l| l.outcome.id.as_str())
            .collect();
        let picked: HashSet<String> = ok
            .choose_multiple(&mut rand::rng(), n)
            .map(|s| s.to_string())
            .collect();
        let catalog = super::map::load_catalog(Some(m))?;
        let plan = crate::payload::plan(m, &catalog).map_err(Exit::usage)?;
        let sent: Vec<_> = plan
            .map_while(Result::ok)
            .filter(|r| picked.contains(&r.id))
            .collect();
        for rec in sent {
            let Ok(req) = &rec.request else { continue };
            checked += 1;
            let answer = client
                .send("GET", &req.path, &[], None)
                .await
                .map_err(|e| Exit::aborted(anyhow!(e)))?;
            let stored = answer.body.get("customerSession").unwrap_or(&answer.body);
            let same = answer.is_success()
                && req
                    .body
                    .get("customerSession")
                    .is_some_and(|s| engine::session_matches(s, stored));
            if !same {
                differences.push(format!(
                    "session {:?} (row {}): stored version differs from what was sent (HTTP {})",
                    rec.id,
                    rec.rows.first().copied().unwrap_or(0),
                    answer.status
                ));
            }
        }
    }
    if differences.is_empty() {
        Ok(format!("Verified {checked} sessions: all as sent."))
    } else {
        Err(Exit {
            code: exit::SOME_FAILED,
            error: anyhow!(
                "verified {checked} sessions, {} differ:\n{}",
                differences.len(),
                differences.join("\n")
            ),
        })
    }
}
