//! Bulk splitting when the server does not say which profiles are wrong: a bare server refuses (400, no
//! pointers) any bulk holding a "bad" profile, so the engine must bisect down to the bad ones. Also: a refusal
//! that is not about the content (404) fails the batch once instead of splitting it into 2n requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::put;
use talon_import::engine::{self, ImportJob, RecordStatus, RunConfig, Summary, sink};
use talon_import::mapping::{Catalog, Mapping};
use talon_import::talon::client::{Client, ClientConfig};

/// Serves `PUT /v2/customer_profiles`: 400 `{"message": "invalid profile"}` when any id contains "bad",
/// `status` otherwise. Returns the base URL and the request counter.
async fn server(status: StatusCode) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/v2/customer_profiles",
        put(move |body: Bytes| {
            let h = h.clone();
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                let text = String::from_utf8_lossy(&body);
                if text.contains("bad") {
                    (
                        StatusCode::BAD_REQUEST,
                        r#"{"message":"invalid profile","StatusCode":400}"#.to_string(),
                    )
                } else {
                    (status, r#"{"integrationStates":[]}"#.to_string())
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

fn job(dir: &std::path::Path, ids: &[String]) -> ImportJob {
    let mut text = String::from("Customer,Email\n");
    for id in ids {
        text.push_str(&format!("{id},{id}@example.com\n"));
    }
    std::fs::write(dir.join("customers.csv"), text).unwrap();
    let path = dir.join("customers.toml");
    std::fs::write(
        &path,
        "target = \"profiles\"\n[source]\nfile = \"customers.csv\"\n[id]\ncolumn = \"Customer\"\n\
         [attributes.Email]\ncolumn = \"Email\"\n",
    )
    .unwrap();
    let m = Mapping::load(&path).unwrap();
    ImportJob::from_mapping(
        "customers",
        &m,
        Some(&path),
        &Catalog::for_mapping(&m),
        true,
    )
    .unwrap()
}

async fn run(url: &str, job: ImportJob, dir: &std::path::Path) -> Summary {
    let client = Client::new(&ClientConfig::new(url, "k")).unwrap();
    let mut cfg = RunConfig::new(Some(client), dir.join("run"));
    cfg.bulk_size = 256;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (_c, handle) = engine::start(vec![job], cfg, tx);
    while rx.recv().await.is_some() {}
    handle.await.unwrap().unwrap()
}

#[tokio::test]
async fn bisection_isolates_bad_profiles_the_server_does_not_name() {
    let tmp = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..256)
        .map(|i| {
            if i == 5 || i == 200 {
                format!("bad-{i:03}")
            } else {
                format!("ok-{i:03}")
            }
        })
        .collect();
    let (url, hits) = server(StatusCode::OK).await;
    let summary = run(&url, job(tmp.path(), &ids), tmp.path()).await;
    assert_eq!(summary.counts.succeeded, 254);
    assert_eq!(summary.counts.failed, 2);
    let lines = sink::read_journal(&tmp.path().join("run").join(sink::JOURNAL)).unwrap();
    let failed: Vec<&str> = lines
        .iter()
        .filter(|l| l.outcome.status == RecordStatus::Failed)
        .map(|l| l.outcome.id.as_str())
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(failed.contains(&"bad-005") && failed.contains(&"bad-200"));
    for l in &lines {
        if l.outcome.status == RecordStatus::Failed {
            assert_eq!(
                l.outcome.error.as_deref(),
                Some("HTTP 400: invalid profile")
            );
        }
    }
    // Two bad records in 256: at most two paths of log2(256) = 8 splits, 2 requests per level.
    let n = hits.load(Ordering::SeqCst);
    assert!(n <= 1 + 2 * 2 * 8, "{n} requests");
}

#[tokio::test]
async fn a_refusal_that_is_not_about_the_content_is_not_bisected() {
    let tmp = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..256).map(|i| format!("ok-{i:03}")).collect();
    let (url, hits) = server(StatusCode::NOT_FOUND).await;
    let summary = run(&url, job(tmp.path(), &ids), tmp.path()).await;
    assert_eq!(summary.counts.failed, 256);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
