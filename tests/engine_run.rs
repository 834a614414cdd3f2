//! The import engine against the sandbox over loopback: faults, ordering, bulk splitting, a rejected key,
//! dry runs, resume and re-importing failed.csv. Every test generates its input in a temp dir.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use talon_import::engine::{
    self, ImportEvent, ImportJob, ImportReport, Mode, RecordStatus, RunConfig, Summary, sink,
};
use talon_import::mapping::{Catalog, Mapping};
use talon_import::sandbox::{self, Faults, SandboxConfig, SandboxHandle, endpoint};
use talon_import::talon::client::{Client, ClientConfig};

mod common;

/// Orders: `sessions` sessions over `customers` customers, 1–3 line items each (one row per item).
/// Returns the CSV path and each session's expected cart total.
fn orders_csv(dir: &Path, sessions: usize, customers: usize) -> (PathBuf, HashMap<String, f64>) {
    let mut text = String::from("Order,Customer,SKU,Qty,Price\n");
    let mut totals = HashMap::new();
    for s in 0..sessions {
        let id = format!("SO-{s:06}");
        let customer = format!("C{:05}", (s * 7919) % customers);
        let mut total = 0.0;
        for item in 0..(1 + s % 3) {
            let qty = 1 + (s + item) % 4;
            let price = 2.5 + item as f64;
            total += qty as f64 * price;
            text.push_str(&format!("{id},{customer},SKU-{item},{qty},{price}\n"));
        }
        totals.insert(id, total);
    }
    let path = dir.join("orders.csv");
    std::fs::write(&path, text).unwrap();
    (path, totals)
}

fn sessions_mapping(dir: &Path) -> PathBuf {
    let path = dir.join("orders.toml");
    std::fs::write(&path, common::ORDERS_MAPPING).unwrap();
    path
}

/// Profiles; rows listed in `bad` carry a value in the `Tier` column, an attribute the mapping declares but
/// the sandbox does not know, so Talon.One-style 400s name exactly those records.
fn profiles_files(dir: &Path, n: usize, bad: &[usize]) -> PathBuf {
    let mut text = String::from("Customer,Email,Tier\n");
    for i in 0..n {
        let tier = if bad.contains(&i) { "Gold" } else { "" };
        text.push_str(&format!("C{i:05},c{i}@example.com,{tier}\n"));
    }
    std::fs::write(dir.join("customers.csv"), text).unwrap();
    let path = dir.join("customers.toml");
    std::fs::write(
        &path,
        r#"target = "profiles"
[source]
file = "customers.csv"
[id]
column = "Customer"
[attributes.Email]
column = "Email"
[attributes.Tier]
column = "Tier"
[custom_attributes]
Tier = "string"
"#,
    )
    .unwrap();
    path
}

fn job(mapping: &Path) -> ImportJob {
    let m = Mapping::load(mapping).unwrap();
    let name = mapping.file_stem().unwrap().to_string_lossy().into_owned();
    ImportJob::from_mapping(name, &m, Some(mapping), &Catalog::for_mapping(&m), true).unwrap()
}

fn client(sb: &SandboxHandle, key: &str) -> Client {
    let mut cc = ClientConfig::new(sb.url(), key);
    cc.request_timeout = Duration::from_secs(10);
    Client::new(&cc).unwrap()
}

fn config(client: Option<Client>, run_dir: &Path) -> RunConfig {
    let mut cfg = RunConfig::new(client, run_dir);
    cfg.backoff_base = Duration::from_millis(2);
    cfg.backoff_max = Duration::from_millis(50);
    cfg.max_attempts = 12;
    cfg
}

/// Runs to the end; returns the summary and the events' aggregate.
async fn run(jobs: Vec<ImportJob>, cfg: RunConfig) -> (Summary, ImportReport) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (_control, handle) = engine::start(jobs, cfg, tx);
    let mut report = ImportReport::new();
    while let Some(ev) = rx.recv().await {
        report.apply(&ev);
    }
    (handle.await.unwrap().unwrap(), report)
}

fn journal(dir: &Path) -> Vec<sink::JournalLine> {
    sink::read_journal(&dir.join(sink::JOURNAL)).unwrap()
}

/// Data rows of a results CSV (header excluded), keyed by the first column.
fn csv_ids(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records().map(|r| r.unwrap()[0].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_through_faults_land_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, totals) = orders_csv(tmp.path(), 10_000, 1_500);
    let mapping = sessions_mapping(tmp.path());
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            fail_rate: 0.10,
            drop_rate: 0.05,
            rate_limit: Some(4_000),
            seed: 7,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let run_dir = tmp.path().join("run");
    let mut cfg = config(Some(client(&sb, sb.api_key())), &run_dir);
    cfg.concurrency = 16;
    let (summary, report) = run(vec![job(&mapping)], cfg).await;

    assert_eq!(summary.aborted, None);
    assert_eq!(summary.counts.total, 10_000);
    let lines = journal(&run_dir);
    let errors: HashSet<String> = lines
        .iter()
        .filter_map(|l| l.outcome.error.clone())
        .collect();
    assert_eq!(summary.counts.succeeded, 10_000, "{errors:#?}");
    assert_eq!(report.counts, summary.counts);
    // Every session once in the journal and once in succeeded.csv (one line per line item).
    assert_eq!(lines.len(), 10_000);
    let ids: HashSet<&str> = lines.iter().map(|l| l.outcome.id.as_str()).collect();
    assert_eq!(ids.len(), 10_000);
    let ok_rows = csv_ids(&run_dir.join("succeeded.csv"));
    let expected_rows: usize = (0..10_000).map(|s| 1 + s % 3).sum();
    assert_eq!(ok_rows.len(), expected_rows);
    assert!(csv_ids(&run_dir.join("failed.csv")).is_empty());
    // The sandbox holds exactly these sessions with the expected totals, all closed.
    assert_eq!(sb.session_count(), 10_000);
    for (id, total) in &totals {
        let s = sb.session(id).unwrap_or_else(|| panic!("{id} missing"));
        assert!(
            (s.cart_item_total - total).abs() < 1e-9,
            "{id}: {} != {total}",
            s.cart_item_total
        );
        assert_eq!(format!("{:?}", s.state).to_lowercase(), "closed");
    }
    // Faults really happened, and no 409 was ever the final word on a record.
    assert!(report.retries > 500, "only {} retries", report.retries);
    assert!(lines.iter().all(|l| l.outcome.http_status != Some(409)));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_customer_never_has_two_requests_in_flight_and_keeps_file_order() {
    let tmp = tempfile::tempdir().unwrap();
    orders_csv(tmp.path(), 600, 12);
    let mapping = sessions_mapping(tmp.path());
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            latency: Some((Duration::from_millis(1), Duration::from_millis(4))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let run_dir = tmp.path().join("run");
    let mut cfg = config(Some(client(&sb, sb.api_key())), &run_dir);
    cfg.concurrency = 32;
    let (summary, _) = run(vec![job(&mapping)], cfg).await;
    assert_eq!(summary.counts.succeeded, 600);
    assert_eq!(sb.request_count(endpoint::SESSION, 409), 0);
    // Per customer, sessions arrived in file order (the sandbox log keeps arrival order).
    let mut last: HashMap<String, String> = HashMap::new();
    let by_id: HashMap<String, String> = sb
        .sessions()
        .into_iter()
        .map(|s| (s.integration_id.clone(), s.profile_id.clone()))
        .collect();
    for r in sb
        .requests()
        .iter()
        .filter(|r| r.endpoint == endpoint::SESSION)
    {
        let id = r.path.rsplit('/').next().unwrap().to_string();
        let customer = by_id[&id].clone();
        if let Some(prev) = last.get(&customer) {
            assert!(prev < &id, "{customer}: {id} arrived after {prev}");
        }
        last.insert(customer, id);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_bulk_batch_with_three_bad_profiles_fails_exactly_those_three() {
    let tmp = tempfile::tempdir().unwrap();
    let mapping = profiles_files(tmp.path(), 2_500, &[17, 1_234, 2_499]);
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let run_dir = tmp.path().join("run");
    let (summary, _) = run(
        vec![job(&mapping)],
        config(Some(client(&sb, sb.api_key())), &run_dir),
    )
    .await;
    assert_eq!(summary.counts.succeeded, 2_497);
    assert_eq!(summary.counts.failed, 3);
    assert_eq!(sb.profile_count(), 2_497);
    // In the order the batches finished (the journal's order), not necessarily file order.
    let mut failed_ids = csv_ids(&run_dir.join("failed.csv"));
    failed_ids.sort();
    assert_eq!(failed_ids, ["C00017", "C01234", "C02499"]);
    let failed: Vec<_> = journal(&run_dir)
        .into_iter()
        .filter(|l| l.outcome.status == RecordStatus::Failed)
        .collect();
    for l in &failed {
        let e = l.outcome.error.as_deref().unwrap();
        // The server's complaint, and where the value came from.
        assert!(e.contains("Tier"), "{e}");
        assert!(e.contains("column \"Tier\""), "{e}");
        assert!(e.contains("\"Gold\""), "{e}");
        assert_eq!(l.outcome.http_status, Some(400));
    }

    // failed.csv, fixed in "Excel" (Tier emptied), imports with the same mapping; its extra columns are ignored.
    let fixed = std::fs::read_to_string(run_dir.join("failed.csv"))
        .unwrap()
        .replace(",Gold,", ",,");
    std::fs::write(tmp.path().join("customers.csv"), fixed).unwrap();
    let again = tmp.path().join("again");
    let (summary, _) = run(
        vec![job(&mapping)],
        config(Some(client(&sb, sb.api_key())), &again),
    )
    .await;
    assert_eq!((summary.counts.total, summary.counts.succeeded), (3, 3));
    assert_eq!(sb.profile_count(), 2_500);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_rejected_key_stops_the_run_and_marks_nothing_failed() {
    let tmp = tempfile::tempdir().unwrap();
    let mapping = profiles_files(tmp.path(), 50, &[]);
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let run_dir = tmp.path().join("run");
    let mut cfg = config(Some(client(&sb, "wrong-key")), &run_dir);
    cfg.per_record = true;
    let (summary, _) = run(vec![job(&mapping)], cfg).await;
    let why = summary.aborted.as_deref().unwrap();
    assert!(why.contains("refused the API key"), "{why}");
    assert!(!why.contains("wrong-key"));
    assert_eq!(summary.counts.failed, 0);
    assert_eq!(summary.exit_code(), 3);
    assert!(journal(&run_dir).is_empty());
    assert_eq!(sb.profile_count(), 0);
    // The key is in no file of the run directory.
    for entry in std::fs::read_dir(&run_dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains("wrong-key"));
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn dry_run_sends_nothing_and_writes_the_run_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let mapping = profiles_files(tmp.path(), 40, &[]);
    let run_dir = tmp.path().join("run");
    let mut cfg = config(None, &run_dir);
    cfg.mode = Mode::DryRun;
    let (summary, _) = run(vec![job(&mapping)], cfg).await;
    assert_eq!(summary.counts.dry_run, 40);
    assert_eq!(summary.requests, 0);
    assert_eq!(csv_ids(&run_dir.join("succeeded.csv")).len(), 40);
    let text = std::fs::read_to_string(run_dir.join("summary.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in [
        "target",
        "total",
        "succeeded",
        "failed",
        "skipped",
        "started_at",
        "finished_at",
        "duration_s",
        "records_per_s",
        "mapping_sha256",
        "source_sha256",
    ] {
        assert!(json.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(json["mapping_sha256"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn server_dry_run_checks_a_sample_and_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mapping = profiles_files(tmp.path(), 40, &[3]);
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let run_dir = tmp.path().join("run");
    let mut cfg = config(Some(client(&sb, sb.api_key())), &run_dir);
    cfg.mode = Mode::ServerDryRun { sample: Some(5) };
    let (summary, report) = run(vec![job(&mapping)], cfg).await;
    assert_eq!(summary.counts.total, 5);
    assert_eq!(summary.counts.dry_run, 4);
    assert_eq!(summary.counts.failed, 1, "row 4 names an unknown attribute");
    assert_eq!(sb.profile_count(), 0);
    assert_eq!(sb.requests_to(endpoint::PROFILE), 5);
    let answers: Vec<_> = journal(&run_dir)
        .into_iter()
        .filter_map(|l| l.outcome.response)
        .collect();
    assert_eq!(answers.len(), 4);
    assert!(
        report.recent_failures[0]
            .error
            .as_deref()
            .unwrap()
            .contains("Tier")
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_a_torn_journal_sends_only_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    orders_csv(tmp.path(), 300, 40);
    let mapping = sessions_mapping(tmp.path());
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let run_dir = tmp.path().join("run");
    let (first, _) = run(
        vec![job(&mapping)],
        config(Some(client(&sb, sb.api_key())), &run_dir),
    )
    .await;
    assert_eq!(first.counts.succeeded, 300);
    // A crash: only the first 120 journal lines made it to disk, the 121st is torn.
    let text = std::fs::read_to_string(run_dir.join(sink::JOURNAL)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let kept = lines[..120].join("\n") + "\n" + &lines[120][..lines[120].len() / 2];
    std::fs::write(run_dir.join(sink::JOURNAL), kept).unwrap();

    let mut cfg = config(Some(client(&sb, sb.api_key())), &run_dir);
    cfg.resume = true;
    let (second, _) = run(vec![job(&mapping)], cfg).await;
    assert_eq!(second.counts.total, 300);
    assert_eq!(second.counts.resumed, 120);
    // The 180 re-sent sessions were already stored (closed): recognised by reading them back, and counted as
    // succeeded (the interrupted attempt stored them).
    assert_eq!(second.counts.succeeded, 300);
    assert_eq!(second.counts.skipped, 0);
    assert_eq!(second.counts.failed, 0);
    let journal = journal(&run_dir);
    let keys: HashSet<_> = journal.iter().map(|l| l.key()).collect();
    assert_eq!((journal.len(), keys.len()), (300, 300));
    assert_eq!(sb.session_count(), 300);
    let ok_rows = csv_ids(&run_dir.join("succeeded.csv")).len();
    assert_eq!(ok_rows, (0..300).map(|s| 1 + s % 3).sum::<usize>());
    sb.shutdown().await;
}

#[tokio::test]
async fn cancel_stops_new_requests_and_resume_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    orders_csv(tmp.path(), 400, 400);
    let mapping = sessions_mapping(tmp.path());
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            latency: Some((Duration::from_millis(5), Duration::from_millis(5))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let run_dir = tmp.path().join("run");
    let mut cfg = config(Some(client(&sb, sb.api_key())), &run_dir);
    cfg.concurrency = 4;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (control, handle) = engine::start(vec![job(&mapping)], cfg, tx);
    let mut seen = 0;
    let mut sent_at_cancel = 0;
    while let Some(ev) = rx.recv().await {
        if matches!(ev, ImportEvent::Record(_)) {
            seen += 1;
            if seen == 50 {
                control.cancel();
                sent_at_cancel = sb.requests_to(endpoint::SESSION);
            }
        }
    }
    let summary = handle.await.unwrap().unwrap();
    assert!(summary.aborted.is_some());
    assert!(summary.counts.total < 400);
    // After the cancel only the requests already in flight (at most the window, 4) reached the server.
    assert!(
        sb.requests_to(endpoint::SESSION) <= sent_at_cancel + 4,
        "{} requests after cancel",
        sb.requests_to(endpoint::SESSION) - sent_at_cancel
    );
    assert_eq!(summary.counts.failed, 0, "records not sent are not failed");
    // Everything journaled is stored and nothing else was sent.
    assert_eq!(sb.session_count() as u64, summary.counts.succeeded);

    let mut cfg = config(Some(client(&sb, sb.api_key())), &run_dir);
    cfg.resume = true;
    let (done, _) = run(vec![job(&mapping)], cfg).await;
    assert_eq!(done.aborted, None);
    assert_eq!(done.counts.succeeded, 400);
    assert_eq!(sb.session_count(), 400);
    sb.shutdown().await;
}
