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
    assert!(text.lines().all(|l| columns(l) <= 80), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn error_cells_are_named_by_row_and_column() {
    let out = inspect(&["tests/fixtures/workbooks/customers.xlsb"]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains(
            "Errors:     2 cells hold Excel errors such as #N/A (row 5 \"Avg Order\",\n            \
             row 5 \"Region\")\n"
        ),
        "{text}"
    );
    let out = inspect(&["tests/fixtures/workbooks/customers.xlsb", "--json"]).success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["error_cells"], 2);
    assert_eq!(
        v["error_locations"],
        serde_json::json!([
            {"row": 5, "column": "Avg Order"},
            {"row": 5, "column": "Region"},
        ])
    );
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
        "ragged_rows",
        "ragged_lines",
        "footer_rows",
        "error_cells",
        "error_locations",
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

#[test]
fn a_header_without_data_names_the_line_or_the_sheet_and_the_other_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let header_only = dir.path().join("h.csv");
    std::fs::write(&header_only, "a,b\n").unwrap();
    let out = inspect(&[header_only.to_str().unwrap()]).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("h.csv: the file has a header row (line 1) but no data rows"),
        "{err}"
    );
    let out = inspect(&["tests/fixtures/workbooks/customers.xls", "--sheet", "Notes"]).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("customers.xls, sheet 'Notes': the sheet has a header row (row 1) but no data rows; the \
                      other sheets are Customers: pick one with --sheet NAME"),
        "{err}"
    );
}

/// Runs the binary with stdout going to `stdout`; returns (status, stderr).
fn run_to(args: &[&str], stdout: std::process::Stdio) -> (Option<i32>, String) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("talon-import"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdout(stdout)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn output_closed_early_ends_quietly_and_a_full_disk_is_one_error_line() {
    for args in [
        &["inspect", "assets/demo/customers.csv"][..],
        &["inspect", "assets/demo/customers.csv", "--json"],
        &["completions", "bash"],
    ] {
        // A pipe whose reading end is already closed, as after `| head -1` has its line.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let (code, err) = run_to(args, writer.into());
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");

        #[cfg(target_os = "linux")]
        {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap();
            let (code, err) = run_to(args, full.into());
            assert_eq!(code, Some(2), "{args:?}: {err}");
            assert!(err.starts_with("error: cannot write the output"), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_shown_lossily() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"bad\xffname.csv"));
    std::fs::write(&path, "Id,Name\n1,Ann\n").unwrap();
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .arg("inspect")
        .arg(&path)
        .arg("--json")
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(
        v["file"].as_str().unwrap().ends_with("bad\u{fffd}name.csv"),
        "{v}"
    );
}

/// Display width, as a terminal counts columns (a CJK character takes two).
fn columns(line: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(line)
}

#[test]
fn a_report_with_wide_names_postal_codes_ragged_rows_and_a_footer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kunden.csv"),
        "Firma,Ansprechpartner,PLZ,Stadt,Mitarbeiter 👥👥👥👥👥👥👥👥👥👥\n\
         Beta 🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀 GmbH,José,80331,München\n\
         Total Fitness GmbH,佐藤花子佐藤花子佐藤花子佐藤花子佐藤花子,10115,Paris,20\n\
         Acme AG,山田太郎山田太郎山田太郎山田太郎,1067,Dresden,10\n\
         Gamma,Li,50667,Köln,5,extra\n\
         Total,,,,35\n",
    )
    .unwrap();
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .current_dir(dir.path())
        .args(["inspect", "kunden.csv"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.lines().all(|l| columns(l) <= 80), "{text}");
    assert!(text.contains("Data rows:  4\n"), "{text}");
    assert!(text.contains("(lines 2, 5)"), "{text}");
    insta::assert_snapshot!(text);

    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .current_dir(dir.path())
        .args(["inspect", "kunden.csv", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["rows"], 4);
    assert_eq!(v["footer_rows"], 1);
    assert_eq!(v["ragged_lines"], serde_json::json!([2, 5]));
    assert_eq!(v["error_locations"], serde_json::json!([]));
}
