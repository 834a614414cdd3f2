//! The import engine against the sandbox, beside the loop Talon.One's guide shows (one request at a time),
//! in the same run on the same machine.
//!
//! `cargo bench --bench import` — sizes via env: `IMPORT_BENCH_SESSIONS` (sessions per engine run, default
//! 1600), `IMPORT_BENCH_PROFILES` (profiles through bulk, default 200000), `IMPORT_BENCH_LATENCY_MS`
//! (sandbox latency for the sessions runs, default 20).
//!
//! Targets: sessions at concurrency C with latency L reach ≥ 90 % of C ÷ L; profiles through bulk with no
//! latency reach ≥ 100,000 profiles/s.

use std::path::Path;
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

fn write_sessions(dir: &Path, n: usize) -> std::path::PathBuf {
    let mut text = String::from("Order,Customer,SKU,Qty,Price\n");
    for s in 0..n {
        for item in 0..(1 + s % 3) {
            text.push_str(&format!(
                "SO-{s:07},C{:06},SKU-{item},2,4.5\n",
                s % (n / 4 + 1)
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

fn write_profiles(dir: &Path, n: usize) -> std::path::PathBuf {
    let mut text = String::from("Customer,Name,Email,City\n");
    for i in 0..n {
        text.push_str(&format!("C{i:07},Customer {i},c{i}@example.com,Berlin\n"));
    }
    std::fs::write(dir.join("customers.csv"), text).unwrap();
    let path = dir.join("customers.toml");
    std::fs::write(
        &path,
        "target = \"profiles\"\n[source]\nfile = \"customers.csv\"\n[id]\ncolumn = \"Customer\"\n\
         [attributes.Name]\ncolumn = \"Name\"\n[attributes.Email]\ncolumn = \"Email\"\n\
         [attributes.City]\ncolumn = \"City\"\n",
    )
    .unwrap();
    path
}

fn job(mapping: &Path) -> ImportJob {
    let m = Mapping::load(mapping).unwrap();
    ImportJob::from_mapping("bench", &m, None, &Catalog::for_mapping(&m), false).unwrap()
}

fn client(sb: &SandboxHandle) -> Client {
    Client::new(&ClientConfig::new(sb.url(), sb.api_key())).unwrap()
}

async fn engine_run(sb: &SandboxHandle, mapping: &Path, concurrency: usize, run: &Path) -> Summary {
    let mut cfg = RunConfig::new(Some(client(sb)), run);
    cfg.concurrency = concurrency;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (_c, handle) = engine::start(vec![job(mapping)], cfg, tx);
    while rx.recv().await.is_some() {}
    let s = handle.await.unwrap().unwrap();
    assert_eq!(s.counts.failed + s.counts.invalid, 0, "{s:?}");
    s
}

/// The guide's loop: build each request, send it, wait for the answer, next. Returns records/s.
async fn one_at_a_time(sb: &SandboxHandle, mapping: &Path, limit: usize) -> f64 {
    let m = Mapping::load(mapping).unwrap();
    let plan = talon_import::payload::plan(&m, &Catalog::for_mapping(&m)).unwrap();
    let client = client(sb);
    let start = Instant::now();
    let mut n = 0;
    for rec in plan.take(limit) {
        let rec = rec.unwrap();
        let req = rec.request.unwrap();
        let a = client
            .send("PUT", &req.path, &[], Some(&req.body))
            .await
            .unwrap();
        assert!(a.is_success(), "{}", a.status);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let sessions = env("IMPORT_BENCH_SESSIONS", 1600);
    let profiles = env("IMPORT_BENCH_PROFILES", 200_000);
    let latency = Duration::from_millis(env("IMPORT_BENCH_LATENCY_MS", 20) as u64);
    let tmp = tempfile::tempdir().unwrap();
    println!("| workload | one-at-a-time baseline | talon-import | ratio | target |");
    println!("| --- | --- | --- | --- | --- |");

    // Sessions with latency.
    let sdir = tmp.path().join("s");
    std::fs::create_dir_all(&sdir).unwrap();
    let smap = write_sessions(&sdir, sessions);
    for concurrency in [8usize, 64] {
        let sb = sandbox::start(SandboxConfig {
            faults: Faults {
                latency: Some((latency, latency)),
                ..Faults::default()
            },
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        let base = one_at_a_time(&sb, &smap, 100).await;
        sb.reset();
        let run = sdir.join(format!("run-{concurrency}"));
        let start = Instant::now();
        let s = engine_run(&sb, &smap, concurrency, &run).await;
        let rate = s.counts.succeeded as f64 / start.elapsed().as_secs_f64();
        let ideal = concurrency as f64 / latency.as_secs_f64();
        println!(
            "| {} sessions, {} ms latency, concurrency {concurrency} | {base:.0}/s | {rate:.0}/s | {:.1}× | ≥ {:.0}/s (90 % of {ideal:.0}) → {:.0} % |",
            s.counts.total,
            latency.as_millis(),
            rate / base,
            0.9 * ideal,
            100.0 * rate / ideal
        );
        sb.shutdown().await;
    }

    // Profiles through bulk, no latency.
    let pdir = tmp.path().join("p");
    std::fs::create_dir_all(&pdir).unwrap();
    let pmap = write_profiles(&pdir, profiles);
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let base = one_at_a_time(&sb, &pmap, 2_000).await;
    sb.reset();
    let start = Instant::now();
    let s = engine_run(&sb, &pmap, 8, &pdir.join("run")).await;
    let rate = s.counts.succeeded as f64 / start.elapsed().as_secs_f64();
    println!(
        "| {} profiles, bulk of 1000, no latency | {base:.0}/s | {rate:.0}/s | {:.1}× | ≥ 100000/s → {:.0} % |",
        s.counts.total,
        rate / base,
        100.0 * rate / 100_000.0
    );
    sb.shutdown().await;

    // The same profiles against a server that does no work, to show the engine's own ceiling (on two shared
    // cores the sandbox's validation and store, not the engine, bound the line above).
    let url = null_server().await;
    let mut cfg = RunConfig::new(
        Some(Client::new(&ClientConfig::new(url, "k")).unwrap()),
        pdir.join("run-null"),
    );
    cfg.concurrency = 8;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let start = Instant::now();
    let (_c, handle) = engine::start(vec![job(&pmap)], cfg, tx);
    while rx.recv().await.is_some() {}
    let s = handle.await.unwrap().unwrap();
    let rate = s.counts.succeeded as f64 / start.elapsed().as_secs_f64();
    println!(
        "| {} profiles, bulk of 1000, server doing no work | – | {rate:.0}/s | – | ≥ 100000/s → {:.0} % |",
        s.counts.total,
        100.0 * rate / 100_000.0
    );
}

/// Accepts bulk profile updates and answers 204 without reading them.
async fn null_server() -> String {
    use axum::routing::put;
    let app = axum::Router::new().route(
        "/v2/customer_profiles",
        put(|_b: axum::body::Bytes| async { axum::http::StatusCode::NO_CONTENT }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}
