//! The import engine against the sandbox on this machine, beside a baseline client that sends one request at a
//! time and waits for each answer (the loop of Talon.One's import guide), in the same run.
//!
//! `cargo bench --bench import`. Two workloads:
//! - sessions with 20 ms sandbox latency, engine at concurrency 8 and 64 (target: ≥ 90 % of
//!   concurrency ÷ latency);
//! - profiles with 0 ms latency, engine through the bulk endpoint (target: ≥ 100,000 profiles/s), baseline
//!   through the single-profile endpoint.
//!
//! Sizes via env: `IMPORT_BENCH_SESSIONS` (engine sessions, default 6000), `IMPORT_BENCH_PROFILES` (engine
//! profiles, default 100000), `IMPORT_BENCH_BASELINE` (records the baseline sends per workload, default 300;
//! its rate does not depend on the count). `IMPORT_BENCH_LATENCY_MS` (default 20).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use talon_import::engine::{self, ImportJob, RunConfig, Summary};
use talon_import::mapping::{Catalog, Mapping};
use talon_import::sandbox::{self, Faults, SandboxConfig, SandboxHandle};
use talon_import::talon::client::{Client, ClientConfig};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` orders over `n / 3` customers, 1–3 line items each; returns the mapping path.
fn sessions_files(dir: &Path, n: usize) -> PathBuf {
    let customers = (n / 3).max(1);
    let mut text = String::from("Order,Customer,SKU,Qty,Price\n");
    for s in 0..n {
        for item in 0..(1 + s % 3) {
            text.push_str(&format!(
                "SO-{s:07},C{:06},SKU-{item},{},{}.5\n",
                (s * 7919) % customers,
                1 + (s + item) % 4,
                2 + item
            ));
        }
    }
    std::fs::write(dir.join("orders.csv"), text).unwrap();
    let path = dir.join("orders.toml");
    std::fs::write(
        &path,
        "target = \"sessions\"\n[source]\nfile = \"orders.csv\"\n[id]\ncolumn = \"Order\"\n\
         [profile_id]\ncolumn = \"Customer\"\n[cart_items.sku]\ncolumn = \"SKU\"\n\
         [cart_items.quantity]\ncolumn = \"Qty\"\n[cart_items.price]\ncolumn = \"Price\"\n",
    )
    .unwrap();
    path
}

/// `n` customers with an email and a city; returns the mapping path.
fn profiles_files(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("Customer,Email,City\n");
    for i in 0..n {
        text.push_str(&format!("C{i:07},c{i}@example.com,City {}\n", i % 97));
    }
    std::fs::write(dir.join("customers.csv"), text).unwrap();
    let path = dir.join("customers.toml");
    std::fs::write(
        &path,
        "target = \"profiles\"\n[source]\nfile = \"customers.csv\"\n[id]\ncolumn = \"Customer\"\n\
         [attributes.Email]\ncolumn = \"Email\"\n[attributes.City]\ncolumn = \"City\"\n",
    )
    .unwrap();
    path
}

fn job(mapping: &Path) -> ImportJob {
    let m = Mapping::load(mapping).unwrap();
    ImportJob::from_mapping("bench", &m, Some(mapping), &Catalog::for_mapping(&m), false).unwrap()
}

/// A server that takes any bulk of profiles and answers at once without reading it: shows the engine's own
/// ceiling, apart from the sandbox's cost of validating and storing.
async fn bare_server() -> String {
    use axum::routing::put;
    let app = axum::Router::new().route(
        "/v2/customer_profiles",
        put(|_b: axum::body::Bytes| async {
            axum::Json(serde_json::json!({"integrationStates": []}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn sandbox(latency_ms: u64) -> SandboxHandle {
    let latency = (latency_ms > 0).then(|| {
        let d = Duration::from_millis(latency_ms);
        (d, d)
    });
    sandbox::start(SandboxConfig {
        faults: Faults {
            latency,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

fn client(sb: &SandboxHandle) -> Client {
    Client::new(&ClientConfig::new(sb.url(), sb.api_key())).unwrap()
}

/// The engine over the whole file; returns records/s.
async fn engine_run(mapping: &Path, sb: &SandboxHandle, concurrency: usize, run_dir: &Path) -> f64 {
    engine_run_at(mapping, Some(client(sb)), concurrency, run_dir).await
}

async fn engine_run_at(
    mapping: &Path,
    client: Option<Client>,
    concurrency: usize,
    run_dir: &Path,
) -> f64 {
    let dry = client.is_none();
    let mut cfg = RunConfig::new(client, run_dir);
    if dry {
        cfg.mode = engine::Mode::DryRun;
    }
    cfg.concurrency = concurrency;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let (_control, handle) = engine::start(vec![job(mapping)], cfg, tx);
    while rx.recv().await.is_some() {}
    let summary: Summary = handle.await.unwrap().unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(
        summary.counts.succeeded + summary.counts.dry_run,
        summary.counts.total,
        "the benchmark import had failures: {summary:?}"
    );
    summary.counts.total as f64 / secs
}

/// One request at a time, each answer awaited before the next, single-record endpoints; returns records/s.
async fn baseline_run(mapping: &Path, sb: &SandboxHandle, n: usize) -> f64 {
    let m = Mapping::load(mapping).unwrap();
    let plan = talon_import::payload::plan(&m, &Catalog::for_mapping(&m)).unwrap();
    let requests: Vec<_> = plan.take(n).map(|r| r.unwrap().request.unwrap()).collect();
    let c = client(sb);
    let started = Instant::now();
    for req in &requests {
        let answer = c
            .send(req.method, &req.path, &[], Some(&req.body))
            .await
            .unwrap();
        assert!(answer.is_success(), "baseline: HTTP {}", answer.status);
    }
    requests.len() as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let sessions = env("IMPORT_BENCH_SESSIONS", 6000);
    let profiles = env("IMPORT_BENCH_PROFILES", 100_000);
    let baseline_n = env("IMPORT_BENCH_BASELINE", 300);
    let latency_ms = env("IMPORT_BENCH_LATENCY_MS", 20) as u64;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    rt.block_on(async {
        println!(
            "sessions ({sessions} for the engine, {baseline_n} for the baseline), sandbox latency {latency_ms} ms"
        );
        println!(
            "{:<34} {:>12} {:>10} {:>10}",
            "", "records/s", "vs base", "vs target"
        );
        let orders = sessions_files(dir, sessions);
        let sb = sandbox(latency_ms).await;
        let base = baseline_run(&orders, &sb, baseline_n).await;
        drop(sb);
        println!(
            "{:<34} {:>12.0} {:>10.2} {:>10}",
            "baseline, one at a time", base, 1.0, "-"
        );
        for concurrency in [8usize, 64] {
            let sb = sandbox(latency_ms).await;
            let rate =
                engine_run(&orders, &sb, concurrency, &dir.join(format!("s{concurrency}"))).await;
            let target = concurrency as f64 / (latency_ms.max(1) as f64 / 1000.0);
            println!(
                "{:<34} {:>12.0} {:>10.2} {:>9.0}%",
                format!("engine, concurrency {concurrency}"),
                rate,
                rate / base,
                100.0 * rate / target
            );
            sb.shutdown().await;
        }

        println!("\nprofiles ({profiles} for the engine, {baseline_n} for the baseline), sandbox latency 0 ms");
        let customers = profiles_files(dir, profiles);
        let sb = sandbox(0).await;
        let base = baseline_run(&customers, &sb, baseline_n).await;
        drop(sb);
        println!(
            "{:<34} {:>12.0} {:>10.2} {:>10}",
            "baseline, one at a time (single)", base, 1.0, "-"
        );
        let sb = sandbox(0).await;
        let rate = engine_run(&customers, &sb, 8, &dir.join("p")).await;
        println!(
            "{:<34} {:>12.0} {:>10.2} {:>9.0}%",
            "engine, bulk of 1000, concurrency 8",
            rate,
            rate / base,
            100.0 * rate / 100_000.0
        );
        sb.shutdown().await;
        let url = bare_server().await;
        let bare = Client::new(&ClientConfig::new(url, "k")).unwrap();
        let rate = engine_run_at(&customers, Some(bare), 8, &dir.join("p-bare")).await;
        println!(
            "{:<34} {:>12.0} {:>10.2} {:>9.0}%",
            "same, against a bare server",
            rate,
            rate / base,
            100.0 * rate / 100_000.0
        );
        let rate = engine_run_at(&customers, None, 8, &dir.join("p-dry")).await;
        println!(
            "{:<34} {:>12.0} {:>10.2} {:>9.0}%",
            "same, --dry-run (nothing sent)",
            rate,
            rate / base,
            100.0 * rate / 100_000.0
        );
    });
}
