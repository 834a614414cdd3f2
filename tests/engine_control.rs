//! Pause and resume (the wizard's run screen uses them): while paused nothing new is sent, the progress
//! events say so, and after resuming the run finishes with every record once. Synchronised on the engine's own
//! events, no sleeps.

use std::path::Path;
use std::time::Duration;

use talon_import::engine::{self, ImportEvent, ImportJob, RunConfig};
use talon_import::mapping::{Catalog, Mapping};
use talon_import::sandbox::{self, Faults, SandboxConfig, SandboxHandle, endpoint};
use talon_import::talon::client::{Client, ClientConfig};

mod common;

/// The mapping's job and a configuration sending to the sandbox, run directory `dir/run`.
fn job_and_config(mapping: &Path, sb: &SandboxHandle, dir: &Path) -> (ImportJob, RunConfig) {
    let m = Mapping::load(mapping).unwrap();
    let name = mapping.file_stem().unwrap().to_string_lossy().into_owned();
    let job =
        ImportJob::from_mapping(name, &m, Some(mapping), &Catalog::for_mapping(&m), true).unwrap();
    let client = Client::new(&ClientConfig::new(sb.url(), sb.api_key())).unwrap();
    (job, RunConfig::new(Some(client), dir.join("run")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_every_request_and_resume_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut text = String::new();
    for s in 0..300 {
        text.push_str(&format!("P{s:04},C{:03},A,1,2.5\n", s % 150));
    }
    let mapping = common::write_orders(dir, &text);
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            latency: Some((Duration::from_millis(2), Duration::from_millis(2))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (job, mut cfg) = job_and_config(&mapping, &sb, dir);
    cfg.concurrency = 4;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (control, handle) = engine::start(vec![job], cfg, tx);

    let mut records = 0;
    let mut paused_at = None;
    let mut quiet_progress = 0;
    while let Some(ev) = rx.recv().await {
        match ev {
            ImportEvent::Record(_) => {
                records += 1;
                if records == 40 {
                    control.pause();
                }
            }
            // Paused with nothing in flight: from here on the sandbox must see no request.
            ImportEvent::Progress {
                paused: true,
                in_flight: 0,
                ..
            } => {
                let sent = sb.requests_to(endpoint::SESSION);
                match paused_at {
                    None => paused_at = Some(sent),
                    Some(before) => {
                        assert_eq!(sent, before, "a request went out while paused");
                        quiet_progress += 1;
                        if quiet_progress == 3 {
                            control.resume();
                        }
                    }
                }
            }
            _ => {}
        }
    }
    assert_eq!(quiet_progress, 3, "the run never reported being paused");
    let summary = handle.await.unwrap().unwrap();
    assert_eq!(summary.counts.succeeded, 300);
    assert_eq!(summary.aborted, None);
    assert_eq!(sb.session_count(), 300);
    assert_eq!(sb.requests_to(endpoint::SESSION), 300);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_requests_wait_for_retry_after_and_all_land_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut text = String::from("Customer,Email\n");
    for i in 0..150 {
        text.push_str(&format!("R{i:04},r{i}@example.com\n"));
    }
    std::fs::write(dir.join("customers.csv"), text).unwrap();
    let mapping = dir.join("customers.toml");
    std::fs::write(
        &mapping,
        "target = \"profiles\"\n[source]\nfile = \"customers.csv\"\n[id]\ncolumn = \"Customer\"\n\
         [attributes.Email]\ncolumn = \"Email\"\n",
    )
    .unwrap();
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            rate_limit: Some(100),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (job, mut cfg) = job_and_config(&mapping, &sb, dir);
    cfg.per_record = true;
    cfg.concurrency = 16;
    cfg.backoff_base = Duration::from_millis(5);
    cfg.max_attempts = 20;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (_control, handle) = engine::start(vec![job], cfg, tx);
    let mut waits = vec![];
    while let Some(ev) = rx.recv().await {
        if let ImportEvent::Retrying {
            reason, delay_ms, ..
        } = ev
            && reason.contains("429")
        {
            waits.push(delay_ms);
        }
    }
    let summary = handle.await.unwrap().unwrap();
    assert_eq!(summary.counts.succeeded, 150);
    assert!(
        sb.request_count(endpoint::PROFILE, 429) > 0,
        "no 429 happened"
    );
    assert!(!waits.is_empty());
    // The sandbox says Retry-After: 1 (whole seconds); every wait honours it, far above the 5 ms backoff.
    assert!(waits.iter().all(|&ms| ms >= 1000), "{waits:?}");
    assert_eq!(sb.profile_count(), 150);
    assert_eq!(sb.request_count(endpoint::PROFILE, 200), 150);
    sb.shutdown().await;
}

#[tokio::test]
async fn server_dry_run_reports_sessions_already_imported_as_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mapping = common::write_orders(dir, "D1,C1,A,1,2.5\nD2,C2,A,1,2.5\n");
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let m = Mapping::load(&mapping).unwrap();
    let job = || {
        ImportJob::from_mapping(
            "orders",
            &m,
            Some(&mapping),
            &Catalog::for_mapping(&m),
            true,
        )
        .unwrap()
    };
    let client = || Client::new(&ClientConfig::new(sb.url(), sb.api_key())).unwrap();
    // D1 is imported for real first.
    let stored = talon_import::payload::plan(&m, &Catalog::for_mapping(&m))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .request
        .unwrap();
    let a = client()
        .send("PUT", &stored.path, &[], Some(&stored.body))
        .await
        .unwrap();
    assert!(a.is_success());
    let mut cfg = RunConfig::new(Some(client()), dir.join("rehearsal"));
    cfg.mode = engine::Mode::ServerDryRun { sample: None };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (_c, handle) = engine::start(vec![job()], cfg, tx);
    while rx.recv().await.is_some() {}
    let summary = handle.await.unwrap().unwrap();
    assert_eq!(
        (
            summary.counts.skipped,
            summary.counts.dry_run,
            summary.counts.failed
        ),
        (1, 1, 0)
    );
    assert_eq!(sb.session_count(), 1);
    sb.shutdown().await;
}
