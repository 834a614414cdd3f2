//! `talon-import map`: writes a mapping that loads back, next to its data, and never clobbers a file.

use assert_cmd::Command;
use talon_import::mapping::{Mapping, Target};

fn bin() -> Command {
    let mut c = Command::cargo_bin("talon-import").unwrap();
    // No custom attributes are fetched in tests (and no network is touched).
    c.env_remove("TALON_MANAGEMENT_KEY").env(
        "TALON_IMPORT_LOG",
        std::env::temp_dir().join("talon-import-test.log"),
    );
    c
}

#[test]
fn writes_a_mapping_that_loads_and_finds_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(
        "tests/fixtures/shopify/customers_export.csv",
        data.join("customers.csv"),
    )
    .unwrap();
    let out = dir.path().join("mappings").join("customers.toml");
    std::fs::create_dir(out.parent().unwrap()).unwrap();

    let assert = bin()
        .arg("map")
        .arg(data.join("customers.csv"))
        .args(["--target", "profiles", "-o"])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("attributes.Email"), "{stderr}");
    assert!(stderr.contains("Not mapped"), "{stderr}");

    let m = Mapping::load(&out).unwrap();
    assert_eq!(m.target, Target::Profiles);
    assert_eq!(m.source.file, std::path::Path::new("../data/customers.csv"));
    assert!(m.source_path().exists());
    assert_eq!(m.id.column.as_deref(), Some("Customer ID"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("# Columns not mapped"), "{text}");

    // A second run does not replace the admin's edited file unless told to.
    let again = bin()
        .arg("map")
        .arg(data.join("customers.csv"))
        .args(["--target", "profiles", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&again.get_output().stderr).to_string();
    assert!(err.contains("--force"), "{err}");
    bin()
        .arg("map")
        .arg(data.join("customers.csv"))
        .args(["--target", "sessions", "--force", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(Mapping::load(&out).unwrap().target, Target::Sessions);
}

#[test]
fn prints_the_mapping_or_json_to_stdout() {
    let out = bin()
        .args([
            "map",
            "tests/fixtures/shopify/orders_export.csv",
            "--target",
            "sessions",
        ])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let m = Mapping::from_toml(&text, std::path::Path::new("stdout")).unwrap();
    assert_eq!(m.target, Target::Sessions);
    assert_eq!(
        m.cart_items.unwrap().sku.column.as_deref(),
        Some("Lineitem sku")
    );

    let out = bin()
        .args([
            "map",
            "tests/fixtures/shopify/orders_export.csv",
            "--target",
            "sessions",
            "--json",
        ])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let first = &v["suggestions"][0];
    assert_eq!(first["slot"]["slot"], "id");
    assert!(first["confidence"].as_f64().unwrap() > 0.0);
    assert!(first["reason"].as_str().unwrap().contains("Name"));
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let out = bin()
        .args(["map", "no/such/file.csv", "--target", "profiles"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("no/such/file.csv"), "{err}");
}

#[test]
fn a_management_key_without_base_url_is_explained() {
    let out = bin()
        .env("TALON_MANAGEMENT_KEY", "secret-mgmt-9999")
        .env_remove("TALON_BASE_URL")
        .args([
            "map",
            "tests/fixtures/shopify/customers_export.csv",
            "--target",
            "profiles",
        ])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("TALON_BASE_URL"), "{err}");
    assert!(!err.contains("secret-mgmt-9999"), "{err}");
}
