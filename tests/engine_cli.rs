//! `talon-import run` as a process: kill -9 in the middle and `--resume`, exit codes, the key kept out of
//! output and files.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use talon_import::engine::sink;
use talon_import::sandbox::{self, Faults, SandboxConfig};

const BIN: &str = env!("CARGO_BIN_EXE_talon-import");

fn write_orders(dir: &Path, sessions: usize) {
    let mut text = String::from("Order,Customer,SKU,Qty,Price\n");
    for s in 0..sessions {
        for item in 0..(1 + s % 2) {
            text.push_str(&format!("SO-{s:05},C{:04},SKU-{item},1,9.5\n", s % 300));
        }
    }
    std::fs::write(dir.join("orders.csv"), text).unwrap();
    std::fs::write(
        dir.join("orders.toml"),
        "target = \"sessions\"\n[source]\nfile = \"orders.csv\"\n[id]\ncolumn = \"Order\"\n\
         [profile_id]\ncolumn = \"Customer\"\n[cart_items.sku]\ncolumn = \"SKU\"\n\
         [cart_items.quantity]\ncolumn = \"Qty\"\n[cart_items.price]\ncolumn = \"Price\"\n",
    )
    .unwrap();
}

fn run_cmd(dir: &Path, url: &str, key: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .arg("run")
        .arg("orders.toml")
        .args(extra)
        .env("TALON_API_KEY", key)
        .env("TALON_BASE_URL", url)
        .env("TALON_IMPORT_LOG", dir.join("log.txt"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn journal_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_run_then_resume_imports_every_session_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    write_orders(tmp.path(), 2_000);
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            latency: Some((Duration::from_millis(2), Duration::from_millis(4))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let url = sb.url();
    let run_dir = tmp.path().join("run");
    let mut child = run_cmd(
        tmp.path(),
        &url,
        sb.api_key(),
        &["--output", "run", "--concurrency", "4"],
    )
    .spawn()
    .unwrap();
    // Wait (on the other process) until a few hundred sessions are journaled, then kill it hard.
    let journal = run_dir.join(sink::JOURNAL);
    let deadline = Instant::now() + Duration::from_secs(60);
    while journal_lines(&journal) < 300 {
        assert!(Instant::now() < deadline, "the run made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended too early"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = sb.session_count();
    assert!(before < 2_000, "killed too late to mean anything");

    let out = tokio::task::spawn_blocking({
        let dir = tmp.path().to_path_buf();
        let url = url.clone();
        let key = sb.api_key().to_string();
        move || {
            run_cmd(&dir, &url, &key, &["--resume", "run"])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("from the earlier attempt"), "{stderr}");

    let lines = sink::read_journal(&journal).unwrap();
    let ids: HashSet<_> = lines.iter().map(|l| l.outcome.id.clone()).collect();
    assert_eq!(lines.len(), 2_000);
    assert_eq!(ids.len(), 2_000);
    assert_eq!(sb.session_count(), 2_000);
    let rows = csv::Reader::from_path(run_dir.join("succeeded.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(rows, (0..2_000).map(|s| 1 + s % 2).sum::<usize>());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["total"], 2_000);
    assert_eq!(summary["failed"], 0);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_the_key_never_shown() {
    let tmp = tempfile::tempdir().unwrap();
    write_orders(tmp.path(), 20);
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = sb.url();
    let dir = tmp.path().to_path_buf();
    let (wrong, missing, ok) = tokio::task::spawn_blocking(move || {
        let wrong = run_cmd(&dir, &url, "secret-wrong-key-123", &["--output", "a"])
            .output()
            .unwrap();
        let missing = run_cmd(&dir, &url, "", &["--output", "b"])
            .output()
            .unwrap();
        let ok = run_cmd(&dir, &url, "sandbox-api-key", &["--output", "c", "--json"])
            .output()
            .unwrap();
        (wrong, missing, ok)
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(3), "{err}");
    assert!(err.contains("refused the API key"), "{err}");
    assert!(!err.contains("secret-wrong-key-123"));
    for entry in walk(tmp.path()) {
        let text = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&text).contains("secret-wrong-key-123"),
            "key written to {}",
            entry.display()
        );
    }
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{err}");
    assert!(err.contains("TALON_API_KEY"), "{err}");

    assert_eq!(ok.status.code(), Some(0));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&ok.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.first().unwrap()["event"], "started");
    assert_eq!(events.last().unwrap()["event"], "finished");
    assert_eq!(events.iter().filter(|e| e["event"] == "record").count(), 20);
    sb.shutdown().await;
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
