//! The sandbox's operational side over real HTTP: rate limit, injected faults, the Management API's
//! attribute list, the `/sandbox/` inspection routes, state persisted to SQLite, and the CLI's flag checks.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use talon_import::sandbox::{self, Faults, SandboxConfig, endpoint};
use talon_import::talon::attributes::{AttrType, AttributeDef, Entity};

fn assert_schema(name: &str, body: &Value) {
    let path = format!("{}/tests/schemas/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

async fn put(
    http: &reqwest::Client,
    url: String,
    body: Value,
) -> reqwest::Result<reqwest::Response> {
    http.put(url)
        .header("Authorization", "ApiKey-v1 sandbox-api-key")
        .json(&body)
        .send()
        .await
}

#[tokio::test]
async fn over_the_rate_limit_is_429_with_retry_after() {
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            rate_limit: Some(1),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let mut limited = None;
    for i in 0..5 {
        let r = put(
            &http,
            format!("{}/v2/customer_profiles/c{i}", sb.url()),
            json!({}),
        )
        .await
        .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("a burst over 1 request/s is limited");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["StatusCode"], 429);
    assert!(sb.request_count(endpoint::PROFILE, 429) >= 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn fail_rate_answers_5xx_and_some_changes_were_stored_anyway() {
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            fail_rate: 1.0,
            seed: 7,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    for i in 0..20 {
        let r = put(
            &http,
            format!("{}/v2/customer_profiles/c{i}", sb.url()),
            json!({}),
        )
        .await
        .unwrap();
        assert!(
            [500, 502, 503].contains(&r.status().as_u16()),
            "{}",
            r.status()
        );
    }
    // Half the faults happen after storing: the client never heard of these changes.
    let stored = sb.profile_count();
    assert!(stored > 0 && stored < 20, "{stored}");
    // Validation still comes first: a bad body is a 400, not a fault.
    let r = put(
        &http,
        format!("{}/v2/customer_profiles/x", sb.url()),
        json!({"attributes": {"Nope": 1}}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    sb.shutdown().await;
}

#[tokio::test]
async fn drop_rate_closes_the_connection_without_an_answer() {
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            drop_rate: 1.0,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    for i in 0..4 {
        let r = put(
            &http,
            format!("{}/v2/customer_profiles/c{i}", sb.url()),
            json!({}),
        )
        .await;
        assert!(
            r.is_err(),
            "expected a dropped connection, got {:?}",
            r.map(|r| r.status())
        );
    }
    assert_eq!(sb.request_count(endpoint::PROFILE, 0), 4);
    // The sandbox keeps serving after dropped connections.
    let r = reqwest::get(format!("{}/sandbox/stats", sb.url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_delays_answers() {
    let sb = sandbox::start(SandboxConfig {
        faults: Faults {
            latency: Some((Duration::from_millis(200), Duration::from_millis(200))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let t = std::time::Instant::now();
    let r = put(
        &http,
        format!("{}/v2/customer_profiles/c1", sb.url()),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(200));
    sb.shutdown().await;
}

#[tokio::test]
async fn management_api_lists_builtin_and_custom_attributes_in_pages() {
    let sb = sandbox::start(SandboxConfig {
        custom_attributes: vec![AttributeDef {
            entity: Entity::CustomerProfile,
            name: "LoyaltyTier".into(),
            title: "Loyalty tier".into(),
            kind: AttrType::String,
            description: String::new(),
            builtin: false,
        }],
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let get = |q: &str| {
        http.get(format!("{}/v1/attributes{q}", sb.url()))
            .header("Authorization", "ManagementKey-v1 sandbox-management-key")
            .send()
    };
    let all: Value = get("").await.unwrap().json().await.unwrap();
    assert_schema("getAttributes.200", &all);
    let total = all["totalResultSize"].as_u64().unwrap() as usize;
    assert_eq!(all["data"].as_array().unwrap().len(), total);
    assert!(
        all["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "LoyaltyTier" && a["editable"] == true)
    );

    let mut seen = 0;
    let mut skip = 0;
    loop {
        let page: Value = get(&format!("?pageSize=7&skip={skip}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_schema("getAttributes.200", &page);
        let n = page["data"].as_array().unwrap().len();
        seen += n;
        skip += 7;
        if page["hasMore"] != true {
            break;
        }
        assert_eq!(n, 7);
    }
    assert_eq!(seen, total);

    let profile_only: Value = get("?entity=CustomerProfile")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        profile_only["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["entity"] == "CustomerProfile")
    );

    assert_eq!(
        get("?pageSize=0").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let r = http
        .get(format!("{}/v1/attributes", sb.url()))
        .header("Authorization", "ApiKey-v1 sandbox-api-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    sb.shutdown().await;
}

#[tokio::test]
async fn inspection_routes_show_what_arrived_and_reset_forgets_it() {
    let sb = sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    put(
        &http,
        format!("{}/v2/customer_profiles/c1", sb.url()),
        json!({"attributes": {"Name": "Ada"}}),
    )
    .await
    .unwrap();
    put(
        &http,
        format!("{}/v2/customer_sessions/s1", sb.url()),
        json!({"customerSession": {"profileId": "c1", "state": "closed", "cartItems": [{"sku": "A", "quantity": 3, "price": 2}]}}),
    )
    .await
    .unwrap();
    let p: Value = reqwest::get(format!("{}/sandbox/profiles/c1", sb.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["attributes"]["Name"], "Ada");
    assert_eq!(p["totalSales"], 6.0);
    assert_eq!(p["closedSessions"], 1);
    let s: Value = reqwest::get(format!("{}/sandbox/sessions/s1", sb.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["state"], "closed");
    let r = reqwest::get(format!("{}/sandbox/profiles/nobody", sb.url()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let stats: sandbox::Stats = reqwest::get(format!("{}/sandbox/stats", sb.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((stats.profiles, stats.sessions), (1, 1));
    assert!(
        stats
            .requests
            .iter()
            .any(|r| r.endpoint == endpoint::SESSION && r.status == 200 && r.count == 1)
    );
    let log: Vec<sandbox::RequestRecord> = reqwest::get(format!("{}/sandbox/requests", sb.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log[0].path, "/v2/customer_profiles/c1");
    let r = http
        .post(format!("{}/sandbox/reset", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!((sb.profile_count(), sb.session_count()), (0, 0));
    sb.shutdown().await;
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("rehearsal.sqlite");
    let cfg = SandboxConfig {
        state_file: Some(state.clone()),
        ..SandboxConfig::default()
    };
    let sb = sandbox::start(cfg.clone()).await.unwrap();
    let http = reqwest::Client::new();
    put(
        &http,
        format!("{}/v2/customer_sessions/s1", sb.url()),
        json!({"customerSession": {"profileId": "c1", "state": "closed", "cartItems": [{"sku": "A", "quantity": 1, "price": 10}]}}),
    )
    .await
    .unwrap();
    sb.shutdown().await;

    let sb = sandbox::start(cfg).await.unwrap();
    let p = sb.profile("c1").unwrap();
    assert_eq!((p.closed_sessions, p.total_sales), (1, 10.0));
    assert_eq!(sb.session("s1").unwrap().cart_items.len(), 1);
    // New records get fresh internal ids after a reload.
    let r = put(
        &http,
        format!("{}/v2/customer_profiles/c2", sb.url()),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(sb.profile("c2").unwrap().id > p.id);
    sb.shutdown().await;
}

#[test]
fn cli_rejects_bad_flags_with_usage_errors() {
    let bin = assert_cmd::cargo::cargo_bin!("talon-import");
    let out = std::process::Command::new(bin)
        .args(["sandbox", "--fail-rate", "1.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("probability"));
    let out = std::process::Command::new(bin)
        .args(["sandbox", "--latency", "fast"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(bin)
        .args(["sandbox", "--attributes", "/nonexistent/attrs.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/attrs.json"));
}
