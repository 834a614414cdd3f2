//! `map` with a Management API key: the account's custom attributes (from a mock on a loopback port) are
//! matched like built-in ones; a rejected key ends with exit code 3 and is never printed.

use assert_cmd::Command;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

const KEY: &str = "mgmt-key-for-tests-0000-9876";

async fn attributes(headers: HeaderMap) -> axum::response::Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("ManagementKey-v1 {KEY}"))
    {
        return (StatusCode::UNAUTHORIZED, r#"{"message":"unauthorized"}"#).into_response();
    }
    axum::Json(serde_json::json!({
        "totalResultSize": 2,
        "data": [
            {"id": 1, "entity": "CustomerProfile", "name": "LoyaltyTier", "title": "Loyalty tier",
             "type": "string", "description": "", "suggestions": [], "editable": true},
            {"id": 2, "entity": "Campaign", "name": "Budget", "title": "Budget",
             "type": "number", "description": "", "suggestions": [], "editable": true}
        ]
    }))
    .into_response()
}

/// Starts the mock on 127.0.0.1:0 in a background thread and returns its base URL.
fn mock() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new().route("/v1/attributes", axum::routing::get(attributes));
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

fn csv() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.csv"),
        "Customer ID,Email,Loyalty Tier\n1,a@example.com,gold\n2,b@example.com,silver\n",
    )
    .unwrap();
    dir
}

#[test]
fn custom_attributes_from_the_account_are_suggested() {
    let url = mock();
    let dir = csv();
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .env("TALON_MANAGEMENT_KEY", KEY)
        .env("TALON_BASE_URL", &url)
        .arg("map")
        .arg(dir.path().join("c.csv"))
        .args(["--target", "profiles"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stdout.contains("[attributes.LoyaltyTier]"), "{stdout}");
    assert!(stderr.contains("Loaded 2 custom attributes"), "{stderr}");
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
}

#[test]
fn a_rejected_key_exits_3_without_showing_it() {
    let url = mock();
    let dir = csv();
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .env("TALON_MANAGEMENT_KEY", "not-the-right-key-31337")
        .env("TALON_BASE_URL", &url)
        .arg("map")
        .arg(dir.path().join("c.csv"))
        .args(["--target", "profiles"])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("TALON_MANAGEMENT_KEY"), "{stderr}");
    assert!(!stderr.contains("not-the-right-key-31337"), "{stderr}");
}

/// `validate` knows the account's custom attributes too: a mapping using `LoyaltyTier` without declaring it
/// is valid with a management key and a mapping error (exit 2) without one.
#[test]
fn validate_uses_the_accounts_custom_attributes() {
    let url = mock();
    let dir = csv();
    std::fs::write(
        dir.path().join("m.toml"),
        "target = \"profiles\"\n[source]\nfile = \"c.csv\"\n[id]\ncolumn = \"Customer ID\"\n\
         [attributes.LoyaltyTier]\ncolumn = \"Loyalty Tier\"\n",
    )
    .unwrap();
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .env("TALON_MANAGEMENT_KEY", KEY)
        .env("TALON_BASE_URL", &url)
        .arg("validate")
        .arg(dir.path().join("m.toml"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("2 rows: 2 valid, 0 invalid"), "{stdout}");
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .env_remove("TALON_MANAGEMENT_KEY")
        .arg("validate")
        .arg(dir.path().join("m.toml"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("LoyaltyTier"), "{stderr}");
}
