//! Requests per second the sandbox serves, against a bare axum server doing no work (same machine, same run,
//! same load generator), so the ratio shows the sandbox's own cost.
//!
//! `cargo bench --bench sandbox` — sizes via env: `SANDBOX_BENCH_REQUESTS` (single PUTs, default 20000),
//! `SANDBOX_BENCH_BULKS` (bulk PUTs of 1000 profiles, default 40), `SANDBOX_BENCH_CONCURRENCY` (default 32).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::routing::put;
use serde_json::json;
use talon_import::sandbox::{self, SandboxConfig};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A server that accepts the same routes and answers `{}`/204 without looking at the body.
async fn baseline() -> String {
    let app = Router::new()
        .route(
            "/v2/customer_profiles/{id}",
            put(|_b: Bytes| async {
                axum::Json(json!({"effects": [], "createdCoupons": [], "createdReferrals": []}))
            }),
        )
        .route(
            "/v2/customer_profiles",
            put(|_b: Bytes| async { axum::http::StatusCode::NO_CONTENT }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Sends `n` requests from `concurrency` workers; returns the elapsed time and the non-2xx count.
async fn load(
    client: &reqwest::Client,
    n: usize,
    concurrency: usize,
    make: impl Fn(usize) -> (String, Bytes) + Send + Sync + 'static,
) -> (Duration, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let make = Arc::new(make);
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next, failed, make) =
                (client.clone(), next.clone(), failed.clone(), make.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let (url, body) = make(i);
                    let ok = client
                        .put(url)
                        .header("Authorization", "ApiKey-v1 sandbox-api-key")
                        .header("Content-Type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .map(|r| r.status().is_success())
                        .unwrap_or(false);
                    if !ok {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    (start.elapsed(), failed.load(Ordering::Relaxed))
}

fn single(base: String) -> impl Fn(usize) -> (String, Bytes) + Send + Sync + 'static {
    move |i| {
        let body = json!({"attributes": {"Name": format!("Customer {i}"), "Email": format!("c{i}@example.com")}});
        (
            format!("{base}/v2/customer_profiles/c{i}"),
            Bytes::from(body.to_string()),
        )
    }
}

fn bulk(base: String) -> impl Fn(usize) -> (String, Bytes) + Send + Sync + 'static {
    move |i| {
        let profiles: Vec<_> = (0..1000)
            .map(|j| json!({"integrationId": format!("b{i}-{j}"), "attributes": {"Name": format!("Customer {j}")}}))
            .collect();
        (
            format!("{base}/v2/customer_profiles"),
            Bytes::from(json!({"customerProfiles": profiles}).to_string()),
        )
    }
}

fn main() {
    let requests = env("SANDBOX_BENCH_REQUESTS", 20_000);
    let bulks = env("SANDBOX_BENCH_BULKS", 40);
    let concurrency = env("SANDBOX_BENCH_CONCURRENCY", 32);
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let sb = sandbox::start(SandboxConfig::default()).await.expect("sandbox");
        let base = baseline().await;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .build()
            .expect("client");
        println!("sandbox benchmark: {requests} single PUTs, {bulks} bulk PUTs x 1000 profiles, concurrency {concurrency}");
        // Warm up both servers and the connection pool.
        load(&client, 500, concurrency, single(base.clone())).await;
        load(&client, 500, concurrency, single(sb.url())).await;
        sb.reset();

        let (tb, fb) = load(&client, requests, concurrency, single(base.clone())).await;
        let (ts, fs) = load(&client, requests, concurrency, single(sb.url())).await;
        let (rb, rs) = (requests as f64 / tb.as_secs_f64(), requests as f64 / ts.as_secs_f64());
        println!("single PUT  baseline {rb:>9.0} req/s   sandbox {rs:>9.0} req/s   sandbox/baseline {:.2}", rs / rb);
        assert_eq!((fb, fs), (0, 0), "failed requests");
        assert_eq!(sb.profile_count(), requests);

        let (tb, fb) = load(&client, bulks, concurrency.min(bulks.max(1)), bulk(base.clone())).await;
        let (ts, fs) = load(&client, bulks, concurrency.min(bulks.max(1)), bulk(sb.url())).await;
        let n = (bulks * 1000) as f64;
        let (pb, ps) = (n / tb.as_secs_f64(), n / ts.as_secs_f64());
        println!("bulk PUT    baseline {pb:>9.0} profiles/s   sandbox {ps:>9.0} profiles/s   sandbox/baseline {:.2}", ps / pb);
        assert_eq!((fb, fs), (0, 0), "failed bulk requests");
        sb.shutdown().await;
    });
}
