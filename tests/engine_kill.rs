//! `kill -9` of the real binary in the middle of an import through a faulty network, then `--resume`: every
//! session ends exactly once in the journal and in succeeded.csv, and the sandbox holds exactly the sessions
//! of the file with the expected totals. The kill is triggered by the binary's own `--json` events (no sleeps).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use talon_import::engine::sink;
use talon_import::sandbox::{self, Faults, SandboxConfig, endpoint};
use tokio::io::{AsyncBufReadExt, BufReader};

mod common;

const SESSIONS: usize = 3_000;

/// Orders over a few hundred customers, 1–3 line items each; returns each session's expected cart total.
fn write_inputs(dir: &Path) -> HashMap<String, f64> {
    let mut text = String::new();
    let mut totals = HashMap::new();
    for s in 0..SESSIONS {
        let id = format!("K-{s:05}");
        let mut total = 0.0;
        for item in 0..(1 + s % 3) {
            let qty = 1 + (s + item) % 4;
            let price = 1.25 + item as f64;
            total += qty as f64 * price;
            text.push_str(&format!(
                "{id},C{:04},SKU-{item},{qty},{price}\n",
                (s * 31) % 400
            ));
        }
        totals.insert(id, total);
    }
    common::write_orders(dir, &text);
    totals
}

fn command(dir: &Path, url: &str, args: &[&str]) -> tokio::process::Command {
    let mut cmd = common::talon_import_run(dir, Some(sandbox::DEFAULT_API_KEY));
    cmd.arg("orders.toml")
        .args([
            "--base-url",
            url,
            "--max-attempts",
            "30",
            "--concurrency",
            "8",
        ])
        .args(args)
        .stderr(Stdio::null());
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_the_middle_then_resume_imports_every_session_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let totals = write_inputs(dir);
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            fail_rate: 0.05,
            drop_rate: 0.03,
            latency: Some((Duration::from_millis(1), Duration::from_millis(3))),
            seed: 11,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();

    // First attempt: killed with SIGKILL once a third of the records have been reported finished.
    let mut child = command(dir, &sb.url(), &["--output", "run", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut finished = 0;
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("{\"event\":\"record\"") {
            finished += 1;
            if finished == SESSIONS / 3 {
                break;
            }
        }
    }
    assert_eq!(finished, SESSIONS / 3, "the run ended before the kill");
    child.start_kill().unwrap(); // SIGKILL: no chance to flush anything
    let status = child.wait().await.unwrap();
    assert!(!status.success());
    let stored_at_kill = sb.session_count();
    assert!(
        stored_at_kill < SESSIONS,
        "killed too late to prove anything"
    );

    // Second attempt: --resume finishes the job.
    let status = command(dir, &sb.url(), &["--resume", "run", "--headless"])
        .stdout(Stdio::null())
        .status()
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));

    let run = dir.join("run");
    let journal = sink::read_journal(&run.join(sink::JOURNAL)).unwrap();
    let raw = std::fs::read_to_string(run.join(sink::JOURNAL)).unwrap();
    assert_eq!(raw.lines().count(), SESSIONS, "a record journaled twice");
    let ids: HashSet<&str> = journal.iter().map(|l| l.outcome.id.as_str()).collect();
    assert_eq!(ids.len(), SESSIONS);
    let bad: Vec<_> = journal
        .iter()
        .filter(|l| l.outcome.status != talon_import::engine::RecordStatus::Succeeded)
        .map(|l| (&l.outcome.id, &l.outcome.error))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");

    // succeeded.csv: every line item of every session once; failed.csv: empty.
    let mut r = csv::Reader::from_path(run.join("succeeded.csv")).unwrap();
    let mut rows: HashMap<String, usize> = HashMap::new();
    for rec in r.records() {
        *rows.entry(rec.unwrap()[0].to_string()).or_default() += 1;
    }
    for s in 0..SESSIONS {
        assert_eq!(
            rows.get(&format!("K-{s:05}")),
            Some(&(1 + s % 3)),
            "K-{s:05}"
        );
    }
    let mut f = csv::Reader::from_path(run.join("failed.csv")).unwrap();
    assert_eq!(f.records().count(), 0);

    // The sandbox holds exactly the file's sessions, closed, with the expected totals; no 409 ever.
    assert_eq!(sb.session_count(), SESSIONS);
    for (id, total) in &totals {
        let s = sb.session(id).unwrap_or_else(|| panic!("{id} missing"));
        assert!((s.cart_item_total - total).abs() < 1e-9, "{id}");
    }
    assert_eq!(sb.request_count(endpoint::SESSION, 409), 0);

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join(sink::SUMMARY)).unwrap()).unwrap();
    assert_eq!(summary["total"], SESSIONS as u64);
    assert_eq!(summary["succeeded"], SESSIONS as u64);
    assert!(summary["resumed"].as_u64().unwrap() >= 1);
    sb.shutdown().await;
}
