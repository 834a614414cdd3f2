//! Ctrl-C on the real binary. Once: no new requests, those in flight finish and are journaled, exit 3 — so
//! every session the server stored is in the journal. Twice: stops at once, exit 3. Either way `--resume`
//! then imports every session exactly once. Triggered by the binary's own `--json` events (no sleeps).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use talon_import::engine::sink;
use talon_import::sandbox::{self, Faults, SandboxConfig, SandboxHandle};
use tokio::io::{AsyncBufReadExt, BufReader};

mod common;

const SESSIONS: usize = 1_500;

fn write_inputs(dir: &Path) {
    let mut text = String::new();
    for s in 0..SESSIONS {
        text.push_str(&format!("G-{s:05},C{:04},SKU-1,1,3.5\n", s % 500));
    }
    common::write_orders(dir, &text);
}

fn command(dir: &Path, url: &str, args: &[&str]) -> tokio::process::Command {
    let mut cmd = common::talon_import_run(dir, Some(sandbox::DEFAULT_API_KEY));
    cmd.arg("orders.toml")
        .args(["--base-url", url, "--concurrency", "8"])
        .args(args);
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    cmd
}

fn interrupt(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-s", "INT", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -s INT failed");
}

async fn sandbox() -> SandboxHandle {
    sandbox::start(SandboxConfig {
        faults: Faults {
            latency: Some((Duration::from_millis(3), Duration::from_millis(3))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// Runs until `after` records are reported, sends SIGINT `times` times, returns the exit code and stderr.
async fn interrupted_run(
    dir: &Path,
    url: &str,
    after: usize,
    times: usize,
) -> (Option<i32>, String) {
    let mut child = command(dir, url, &["--output", "run", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = 0;
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("{\"event\":\"record\"") {
            seen += 1;
            if seen == after {
                for _ in 0..times {
                    interrupt(pid);
                }
                break;
            }
        }
    }
    assert_eq!(seen, after, "the run ended before the interrupt");
    // Keep reading so the child never blocks on a full pipe.
    while lines.next_line().await.unwrap().is_some() {}
    let out = child.wait_with_output().await.unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn resume_and_check(dir: &Path, sb: &SandboxHandle) {
    let status = command(dir, &sb.url(), &["--resume", "run", "--headless"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let journal = sink::read_journal(&dir.join("run").join(sink::JOURNAL)).unwrap();
    let raw = std::fs::read_to_string(dir.join("run").join(sink::JOURNAL)).unwrap();
    assert_eq!(raw.lines().count(), SESSIONS);
    assert_eq!(journal.len(), SESSIONS);
    assert_eq!(sb.session_count(), SESSIONS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ctrl_c_finishes_what_is_in_flight_and_journals_it() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    let sb = sandbox().await;
    let (code, err) = interrupted_run(tmp.path(), &sb.url(), 200, 1).await;
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("Stopping: no new requests"), "{err}");
    // Graceful: whatever the server stored is journaled as succeeded, nothing more, nothing less.
    let journal = sink::read_journal(&tmp.path().join("run").join(sink::JOURNAL)).unwrap();
    assert!(journal.len() < SESSIONS);
    assert_eq!(journal.len(), sb.session_count());
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("run").join(sink::SUMMARY)).unwrap(),
    )
    .unwrap();
    assert!(summary["aborted"].as_str().unwrap().contains("interrupted"));
    assert_eq!(summary["failed"], 0);
    resume_and_check(tmp.path(), &sb).await;
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_ctrl_c_stop_at_once_and_resume_still_imports_everything_once() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    let sb = sandbox().await;
    let (code, err) = interrupted_run(tmp.path(), &sb.url(), 200, 2).await;
    assert_eq!(code, Some(3), "{err}");
    assert!(sb.session_count() < SESSIONS);
    resume_and_check(tmp.path(), &sb).await;
    sb.shutdown().await;
}
