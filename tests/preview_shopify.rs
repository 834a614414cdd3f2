//! `talon-import preview` on the Shopify fixtures: snapshots of the exact requests (HTTP, curl and JSON),
//! reviewed by hand. The base URL and key are fixed so the output is stable; the key is only ever masked.

use assert_cmd::Command;

const KEY: &str = "preview-test-api-key-abcd1234";

fn preview(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .env_remove("TALON_MANAGEMENT_KEY")
        .env("TALON_BASE_URL", "https://acme.europe-west1.talon.one")
        .env("TALON_API_KEY", KEY)
        .arg("preview")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
    (out.status.code(), stdout, stderr)
}

#[test]
fn customers_http() {
    let (code, out, err) = preview(&["tests/fixtures/shopify/customers.toml", "--rows", "10"]);
    // The last row has no customer id: shown as not sent, so the exit code says some records are invalid.
    assert_eq!(code, Some(1), "{err}");
    assert!(out.contains("Authorization: ApiKey-v1 ****1234"));
    insta::assert_snapshot!("customers_http", out);
}

#[test]
fn customers_json() {
    let (_, out, _) = preview(&[
        "tests/fixtures/shopify/customers.toml",
        "--rows",
        "10",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 6);
    insta::assert_snapshot!("customers_json", out);
}

#[test]
fn customers_from_row() {
    let (code, out, _) = preview(&[
        "tests/fixtures/shopify/customers.toml",
        "--rows",
        "1",
        "--from",
        "2",
        "--format",
        "curl",
    ]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("# row 2\n"), "{out}");
    insta::assert_snapshot!("customers_curl_from_2", out);
}

#[test]
fn orders_http() {
    let (_, out, _) = preview(&["tests/fixtures/shopify/orders.toml"]);
    // Line items of one order become one session, labelled with all its rows.
    assert!(out.contains("# rows 1, 2\n"), "{out}");
    assert!(out.contains("/v2/customer_sessions/%231001"), "{out}");
    insta::assert_snapshot!("orders_http", out);
}

#[test]
fn orders_json() {
    let (_, out, _) = preview(&["tests/fixtures/shopify/orders.toml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["row"], serde_json::json!([1, 2]));
    insta::assert_snapshot!("orders_json", out);
}

#[test]
fn orders_curl() {
    let (_, out, _) = preview(&[
        "tests/fixtures/shopify/orders.toml",
        "--format",
        "curl",
        "--rows",
        "2",
    ]);
    assert!(out.contains("$TALON_API_KEY"));
    insta::assert_snapshot!("orders_curl", out);
}
