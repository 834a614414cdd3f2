//! `talon-import preview` with mappings that cannot be used: exit code 2 and a message naming the file.

use assert_cmd::Command;

fn preview(mapping: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .env_remove("TALON_MANAGEMENT_KEY")
        .arg("preview")
        .arg(mapping)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn a_missing_mapping_is_a_usage_error() {
    let (code, err) = preview(std::path::Path::new("no/such/mapping.toml"));
    assert_eq!(code, Some(2));
    assert!(err.contains("no/such/mapping.toml"), "{err}");
}

#[test]
fn bad_toml_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.toml");
    std::fs::write(&m, "target = \"profiles\"\n[source]\nfiel = \"x.csv\"\n").unwrap();
    let (code, err) = preview(&m);
    assert_eq!(code, Some(2));
    assert!(err.contains("m.toml") && err.contains("fiel"), "{err}");
}

#[test]
fn an_unknown_column_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.csv"),
        "Customer ID,Email\n1,a@example.com\n",
    )
    .unwrap();
    let m = dir.path().join("m.toml");
    std::fs::write(
        &m,
        "target = \"profiles\"\n[source]\nfile = \"c.csv\"\n[id]\ncolumn = \"Kunde\"\n",
    )
    .unwrap();
    let (code, err) = preview(&m);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error:"), "{err}");
}

/// Not an error, but said on stderr: how the ambiguous dates of a column are read, and why.
#[test]
fn preview_notes_how_ambiguous_dates_are_read() {
    // The fixture has invalid rows on purpose, so preview exits 1; the note is there either way.
    let (code, err) = preview(std::path::Path::new("tests/fixtures/mapping/profiles.toml"));
    assert_eq!(code, Some(1));
    assert!(
        err.contains("Note: column Created: 1 date could be day/month or month/day; read as day/month because row 1 has 13/04/2021"),
        "{err}"
    );
}
