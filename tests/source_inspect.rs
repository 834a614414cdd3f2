//! `talon-import inspect` end to end: text and JSON output on the demo data, and exit status 2 on bad input.

use assert_cmd::Command;

fn inspect(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("talon-import")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("inspect")
        .args(args)
        .assert()
}

#[test]
fn demo_customers_text() {
    let out = inspect(&["assets/demo/customers.csv"]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn demo_orders_json() {
    let out = inspect(&["assets/demo/orders.xlsx", "--json"]).success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    for key in [
        "format",
        "encoding",
        "delimiter",
        "sheets",
        "sheet",
        "header_row",
        "rows",
        "columns",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["format"], "xlsx");
    assert_eq!(v["header_row"], 1);
    insta::assert_json_snapshot!(v["columns"]);
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.xlsx");
    std::fs::write(&fake, "a,b\n1,2\n").unwrap();
    let header_only = dir.path().join("h.csv");
    std::fs::write(&header_only, "a,b\n").unwrap();
    for path in [
        fake.to_str().unwrap(),
        header_only.to_str().unwrap(),
        "missing.csv",
    ] {
        let out = inspect(&[path]).code(2);
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{err}"
        );
        assert!(err.trim().lines().count() <= 2, "{err}");
    }
    inspect(&["assets/demo/customers.csv", "--delimiter", "ab"]).code(2);
}
