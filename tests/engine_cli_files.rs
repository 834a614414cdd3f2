//! `talon-import run` with several files and its run directory: profiles before sessions whatever the order,
//! per-file results files, exit 1 when some records failed, exit 2 for usage errors, a wrong key refused
//! before any run directory exists, `--dry-run --json`, and a used run directory refused without --resume.
//! (Key secrecy and the basic exit codes: engine_cli.rs; kill -9: engine_kill.rs.)

use std::path::Path;
use std::process::Output;

use talon_import::sandbox::{self, SandboxConfig, SandboxHandle};

mod common;

fn write_inputs(dir: &Path) {
    std::fs::write(
        dir.join("customers.csv"),
        "Customer,Email,Tier\nC1,a@example.com,\nC2,b@example.com,Gold\nC3,=cmd@example.com,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("customers.toml"),
        "target = \"profiles\"\n[source]\nfile = \"customers.csv\"\n[id]\ncolumn = \"Customer\"\n\
         [attributes.Email]\ncolumn = \"Email\"\n[attributes.Tier]\ncolumn = \"Tier\"\n\
         [custom_attributes]\nTier = \"string\"\n",
    )
    .unwrap();
    common::write_orders(
        dir,
        "O1,C1,A,1,2.5\nO1,C1,B,2,1\nO2,C3,A,1,2.5\nO3,C9,A,1,1\n",
    );
}

/// Runs the binary in `dir` (blocking, on a separate thread so the sandbox on this runtime keeps serving).
async fn run(dir: &Path, key: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = common::talon_import_run(dir, key);
    cmd.args(args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn sandbox_with_tier_unknown() -> SandboxHandle {
    // The sandbox does not know `Tier`: profiles with a Tier value are refused, naming the attribute.
    sandbox::start(SandboxConfig::default()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_and_sessions_in_one_run_with_a_failed_record_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_inputs(dir);
    let sb = sandbox_with_tier_unknown().await;
    let url = sb.url();
    // Sessions file first on the command line: profiles still run first.
    let out = run(
        dir,
        Some(sb.api_key()),
        &[
            "orders.toml",
            "customers.toml",
            "--base-url",
            &url,
            "--output",
            "run",
            "--verify",
            "5",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    // --verify read the imported sessions back (all three: fewer than asked) and found them as sent.
    assert!(err.contains("Verified 3 sessions: all as sent."), "{err}");
    // C9 is in no profiles file of the run: warned before sending.
    assert!(
        err.contains("1 session belongs to a customer that is in none of the profiles files"),
        "{err}"
    );
    assert!(err.contains("\"C9\""), "{err}");
    assert!(err.contains("1 failed"), "{err}");
    assert!(err.contains("failed.csv"), "{err}");
    let run = dir.join("run");
    for f in [
        "journal.jsonl",
        "summary.json",
        "customers-succeeded.csv",
        "customers-failed.csv",
        "orders-succeeded.csv",
        "orders-failed.csv",
    ] {
        assert!(run.join(f).exists(), "{f} missing");
    }
    let failed = std::fs::read_to_string(run.join("customers-failed.csv")).unwrap();
    assert!(failed.starts_with("Customer,Email,Tier,status,http_status,error\n"));
    assert!(
        failed.contains("C2,b@example.com,Gold,failed,400,"),
        "{failed}"
    );
    assert!(failed.contains("column \"\"Tier\"\""), "{failed}");
    // Excel-safe: the formula-looking email is neutralised in the results file.
    let ok = std::fs::read_to_string(run.join("customers-succeeded.csv")).unwrap();
    assert!(ok.contains("C3,'=cmd@example.com"), "{ok}");
    // The journal: profiles lines before any session line.
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).unwrap();
    let targets: Vec<&str> = journal
        .lines()
        .map(|l| {
            if l.contains("\"target\":\"profiles\"") {
                "p"
            } else {
                "s"
            }
        })
        .collect();
    assert_eq!(targets, ["p", "p", "p", "s", "s", "s"]);
    assert_eq!(sb.session_count(), 3);
    assert!(!journal.contains(sb.api_key()));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_exits_3_before_making_a_run_directory() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = sb.url();
    let out = run(
        tmp.path(),
        Some("not-the-key"),
        &["customers.toml", "--base-url", &url, "--output", "run"],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("refused the API key"), "{err}");
    assert!(!err.contains("not-the-key"));
    assert!(!tmp.path().join("run").exists());
    assert_eq!(sb.profile_count(), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    // Plain http to a remote host.
    let out = run(
        tmp.path(),
        Some("k"),
        &["customers.toml", "--base-url", "http://example.com"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--allow-insecure-http"));
    // Resume of a directory that holds no run.
    let out = run(
        tmp.path(),
        None,
        &["customers.toml", "--dry-run", "--resume", "nowhere"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn dry_run_with_json_prints_one_event_per_line_and_sends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    let out = run(
        tmp.path(),
        None,
        &["customers.toml", "--dry-run", "--json", "--output", "dry"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.first().unwrap()["event"], "started");
    assert_eq!(events.last().unwrap()["event"], "finished");
    let records: Vec<_> = events.iter().filter(|e| e["event"] == "record").collect();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r["status"] == "dry_run"));
    assert_eq!(events.last().unwrap()["requests"], 0);
    // Running again into the same directory is refused (use --resume).
    let again = run(
        tmp.path(),
        None,
        &["customers.toml", "--dry-run", "--output", "dry"],
    )
    .await;
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--resume"), "{}", stderr(&again));
    // Resuming after the source file changed: a warning, since records are matched by row and id.
    let csv = tmp.path().join("customers.csv");
    let text = std::fs::read_to_string(&csv).unwrap() + "C4,d@example.com,\n";
    std::fs::write(&csv, text).unwrap();
    let resumed = run(
        tmp.path(),
        None,
        &["customers.toml", "--dry-run", "--resume", "dry"],
    )
    .await;
    assert_eq!(resumed.status.code(), Some(0));
    let err = stderr(&resumed);
    assert!(
        err.contains("customers: the source file changed since this run started"),
        "{err}"
    );
    assert!(err.contains("4 records"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_resume_of_a_rehearsed_run_sends_the_rehearsed_records() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path());
    let rehearsal = run(
        tmp.path(),
        None,
        &["orders.toml", "--dry-run", "--output", "r"],
    )
    .await;
    assert_eq!(rehearsal.status.code(), Some(0), "{}", stderr(&rehearsal));
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = sb.url();
    let real = run(
        tmp.path(),
        Some(sb.api_key()),
        &["orders.toml", "--resume", "r", "--base-url", &url],
    )
    .await;
    assert_eq!(real.status.code(), Some(0), "{}", stderr(&real));
    assert_eq!(sb.session_count(), 3);
    // succeeded.csv: each order's rows once, now as succeeded.
    let ok = std::fs::read_to_string(tmp.path().join("r").join("succeeded.csv")).unwrap();
    assert_eq!(ok.lines().count(), 1 + 4, "{ok}");
    assert!(!ok.contains("dry_run"), "{ok}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("r").join("summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        (summary["succeeded"].as_u64(), summary["dry_run"].as_u64()),
        (Some(3), Some(0))
    );
    sb.shutdown().await;
}
