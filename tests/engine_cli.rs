//! `talon-import run` as a process: exit codes, `--json` events, the key kept out of output and files
//! (kill -9 and `--resume` are in engine_kill.rs).

use std::path::Path;
use std::process::{Command, Stdio};

use talon_import::sandbox::{self, SandboxConfig};

mod common;

fn write_orders(dir: &Path, sessions: usize) {
    let mut text = String::new();
    for s in 0..sessions {
        for item in 0..(1 + s % 2) {
            text.push_str(&format!("SO-{s:05},C{:04},SKU-{item},1,9.5\n", s % 300));
        }
    }
    common::write_orders(dir, &text);
}

fn run_cmd(dir: &Path, url: &str, key: &str, extra: &[&str]) -> Command {
    let mut cmd = common::talon_import_run(dir, Some(key));
    cmd.arg("orders.toml")
        .args(extra)
        .env("TALON_BASE_URL", url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
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
