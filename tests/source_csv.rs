//! CSV reading through `source::open`: encodings, delimiters, header detection, ragged rows, clean values.

use assert_cmd::Command;
use std::path::PathBuf;
use talon_import::source::{self, CellKind, RowNote, SourceOptions};

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read(path: &std::path::Path, opts: &SourceOptions) -> (source::SourceInfo, Vec<source::Row>) {
    let reader = source::open(path, opts).unwrap();
    let info = reader.info.clone();
    let rows = reader.map(|r| r.unwrap()).collect();
    (info, rows)
}

fn values(row: &source::Row) -> Vec<&str> {
    row.cells.iter().map(|c| c.value.as_str()).collect()
}

#[test]
fn semicolon_windows_1252_with_sep_line_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "de.csv",
        b"sep=;\r\nKundennr;Name;Umsatz\r\n'02134;M\xfcller;1.234,56\r\n02135;K\xf6hler;12,5\r\n",
    );
    let (info, rows) = read(&p, &SourceOptions::default());
    assert_eq!(info.delimiter, Some(';'));
    assert_eq!(info.encoding.as_deref(), Some("windows-1252"));
    assert_eq!(info.columns, ["Kundennr", "Name", "Umsatz"]);
    assert_eq!(info.header_row, 2);
    assert_eq!(values(&rows[0]), ["02134", "Müller", "1.234,56"]);
    assert_eq!(rows[0].cells[0].raw(), "'02134");
    assert_eq!(rows[0].line, 3);
    assert_eq!(rows.len(), 2);
}

#[test]
fn utf16_with_bom_tab_separated() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Email\tCity\r\na@b.de\tKöln\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = write(&dir, "unicode.txt", &bytes);
    let (info, rows) = read(&p, &SourceOptions::default());
    assert_eq!(info.encoding.as_deref(), Some("UTF-16LE"));
    assert_eq!(info.delimiter, Some('\t'));
    assert_eq!(values(&rows[0]), ["a@b.de", "Köln"]);

    let mut be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        be.extend_from_slice(&u.to_be_bytes());
    }
    let p = write(&dir, "be.txt", &be);
    let (info, rows) = read(&p, &SourceOptions::default());
    assert_eq!(info.encoding.as_deref(), Some("UTF-16BE"));
    assert_eq!(values(&rows[0]), ["a@b.de", "Köln"]);
}

#[test]
fn utf8_bom_pipes_quotes_and_lone_cr() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "p.csv",
        "\u{feff}id|note\r1|\"a|b \"\"quoted\"\"\nsecond line\"\r2|plain\r".as_bytes(),
    );
    let (info, rows) = read(&p, &SourceOptions::default());
    assert_eq!(info.columns, ["id", "note"]);
    assert_eq!(info.delimiter, Some('|'));
    assert_eq!(values(&rows[0]), ["1", "a|b \"quoted\"\nsecond line"]);
    assert_eq!(values(&rows[1]), ["2", "plain"]);
    assert_eq!((rows[0].line, rows[1].line), (2, 4));
}

#[test]
fn report_export_title_filters_blank_rows_and_footer() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "report.csv",
        b"Customer Report,,,\nFiltered By:,Country equals DE,,\n,,,\nId,Name,,Name\n1,Ann,x,Ann B\n,,,\n2,Bob,y\n3,Cy,z,w,extra\nTotal,3,,\n",
    );
    let (info, rows) = read(&p, &SourceOptions::default());
    assert_eq!(info.header_row, 4);
    assert_eq!(info.columns, ["Id", "Name", "Column C", "Name (2)"]);
    assert_eq!(rows.len(), 4, "the empty row is skipped");
    assert_eq!(rows[1].number, 2);
    assert_eq!(rows[1].line, 7);
    assert_eq!(
        rows[1].notes,
        [RowNote::TooFewFields {
            expected: 4,
            found: 3
        }]
    );
    assert_eq!(rows[1].cells.len(), 4);
    assert_eq!(
        rows[2].notes,
        [RowNote::TooManyFields {
            expected: 4,
            found: 5
        }]
    );
    assert_eq!(rows[3].notes, [RowNote::LooksLikeFooter]);
}

#[test]
fn overrides_for_header_delimiter_and_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "o.csv", b"junk;line\na,b;c\n1,2;3\n");
    let opts = SourceOptions {
        header_row: Some(2),
        delimiter: Some(b','),
        encoding: Some("iso-8859-1".into()),
        ..Default::default()
    };
    let (info, rows) = read(&p, &opts);
    assert_eq!(info.columns, ["a", "b;c"]);
    assert_eq!(info.header_row, 2);
    assert_eq!(values(&rows[0]), ["1", "2;3"]);
    assert!(
        rows.iter()
            .all(|r| r.cells.iter().all(|c| c.kind != CellKind::Error))
    );
}

#[test]
fn nfc_and_trim() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "n.csv", "name\n  Mu\u{308}ller  \n".as_bytes());
    let (_, rows) = read(&p, &SourceOptions::default());
    assert_eq!(rows[0].cells[0].value, "Müller");
    assert_eq!(rows[0].cells[0].raw(), "  Mu\u{308}ller  ");
}

#[test]
fn bad_files_give_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    let err = source::open(&missing, &SourceOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("nope.csv"), "{err}");

    let empty = write(&dir, "empty.csv", b"");
    let err = source::open(&empty, &SourceOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("empty"), "{err}");

    let fake = write(&dir, "fake.xlsx", b"a,b\n1,2\n");
    let err = source::open(&fake, &SourceOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("rename it to .csv"), "{err}");

    let html = write(
        &dir,
        "report.xls",
        b"<html><table><tr><td>1</td></tr></table></html>",
    );
    let err = source::open(&html, &SourceOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("web page"), "{err}");

    let corrupt = write(&dir, "broken.xlsx", b"PK\x03\x04garbage");
    let err = source::open(&corrupt, &SourceOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("broken.xlsx") && err.contains("damaged"),
        "{err}"
    );
}

/// `talon-import inspect FILE`, which must exit with status 2; its stderr.
fn inspect_fails(path: &std::path::Path) -> String {
    let out = Command::cargo_bin("talon-import")
        .unwrap()
        .args(["inspect", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", path.display());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_nul_byte_is_an_error_naming_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "nul.csv", b"id,name\n1,Ann\n2,B\0b\n3,Cy\n");
    let rows: Vec<_> = source::open(&p, &SourceOptions::default())
        .unwrap()
        .collect();
    assert_eq!(rows.len(), 2, "reading stops at the damaged row");
    let err = rows[1].as_ref().err().unwrap().to_string();
    assert!(
        err.starts_with(&format!("{}, line 3: a NUL byte", p.display()))
            && err.contains("column \"name\""),
        "{err}"
    );
    let stderr = inspect_fails(&p);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("NUL byte"), "{stderr}");

    // In the header row too; and a column name quoted in an error reaches the terminal without its control
    // characters (an escape sequence in a header must not recolour or move the admin's terminal).
    let header = write(&dir, "nul-header.csv", b"id,na\0me\n1,Ann\n");
    let err = source::open(&header, &SourceOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("line 1: a NUL byte (character 0) in the header row"),
        "{err}"
    );
    let escape = write(&dir, "escape.csv", b"id,\x1b[31mname\x07\n1,Ann\n2,B\0b\n");
    let stderr = inspect_fails(&escape);
    assert!(
        stderr.contains("column \"\u{241b}[31mname\u{2407}\""),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07'),
        "{stderr}"
    );
}

#[test]
fn hostile_content_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    // A huge cell and many columns are read; an unclosed quote is an error naming where it opened.
    let mut bytes = b"a,b\nx y,2\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'z', 3_000_000));
    bytes.extend_from_slice(b",3\n\"unclosed,4\n5,6\n");
    let p = write(&dir, "hostile.csv", &bytes);
    let rows: Vec<_> = source::open(&p, &SourceOptions::default())
        .unwrap()
        .collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[..3].iter().all(|r| r.is_ok()));
    let err = rows[3].as_ref().err().unwrap().to_string();
    assert!(
        err.contains("hostile.csv, line 4:") && err.contains("closing quote never comes"),
        "{err}"
    );
    // A quoted cell that does close, even over several lines and at the very end, is fine.
    let p = write(
        &dir,
        "fine.csv",
        b"a,b\n1,\"two\nlines \"\"quoted\"\"\"\n3,\"x\"",
    );
    let (_, rows) = read(&p, &SourceOptions::default());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].cells[1].value, "two\nlines \"quoted\"");

    let wide: String = (0..20_000)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",")
        + "\n1\n";
    let p = write(&dir, "wide.csv", wide.as_bytes());
    let (info, rows) = read(&p, &SourceOptions::default());
    assert_eq!(info.columns.len(), 20_000);
    assert_eq!(rows[0].cells.len(), 20_000);
}

#[test]
fn a_stray_quote_that_closes_much_later_is_an_error_not_one_huge_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<String> = (0..12_000).map(|i| format!("{i},Bob {i},Berlin")).collect();
    rows[5] = "5,Bob,\"oops stray".into();
    rows[11_000] = "closing\" here,x,y".into();
    let p = write(
        &dir,
        "stray.csv",
        format!("id,name,city\n{}\n", rows.join("\n")).as_bytes(),
    );
    let (err, read, _) = read_all(&p);
    assert_eq!(read.len(), 5, "the rows before it are read");
    let err = err.unwrap();
    assert!(
        err.contains("stray.csv, line 7: a record starting here runs on for more than 5000 lines"),
        "{err}"
    );
    let stderr = inspect_fails(&p);
    assert!(stderr.contains("line 7"), "{stderr}");

    // A quote that never closes in a big file stops at the cap (memory stays bounded) and names its line.
    let mut big = String::from("id,note\n1,\"never closes\n");
    let line = format!("{},{}\n", 7, "x".repeat(1000));
    while big.len() < (40 << 20) {
        big.push_str(&line);
    }
    let p = write(&dir, "unclosed.csv", big.as_bytes());
    let (err, read, _) = read_all(&p);
    assert!(read.is_empty());
    assert!(
        err.unwrap()
            .contains("unclosed.csv, line 2: a record starting here runs on")
    );
}

#[test]
fn utf8_with_a_stray_bad_byte_is_not_read_as_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "mixed.csv",
        b"id,name\n1,M\xc3\xbcller\n2,Stra\xc3\x9fe\n3,Bad\xff\n",
    );
    let (err, rows, encoding) = read_all(&p);
    assert_eq!((rows.len(), encoding.as_str()), (2, "UTF-8"));
    assert_eq!(rows[0].cells[1].value, "Müller");
    let err = err.unwrap();
    assert!(err.contains("mixed.csv, line 4: invalid UTF-8"), "{err}");
    // A real Windows-1252 export (no UTF-8 sequences at all) is still read as one.
    let p = write(
        &dir,
        "cp.csv",
        b"id,name\n1,M\xfcller\n2,Stra\xdfe\n3,Caf\xe9\n",
    );
    let (info, rows) = read(&p, &SourceOptions::default());
    assert_eq!(info.encoding.as_deref(), Some("windows-1252"));
    assert_eq!(values(&rows[2]), ["3", "Café"]);
}

#[test]
fn demo_customers_read_cleanly() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/customers.csv");
    let (info, rows) = read(&p, &SourceOptions::default());
    assert_eq!(info.columns[0], "Customer Number");
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().all(|r| r.notes.is_empty()));
    assert!(rows[0].cells[0].value.starts_with('0'));
}

#[test]
fn read_into_reuses_one_row_and_matches_the_iterator() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "mixed.csv",
        "Id,Name,City\n'007, Mu\u{308}ller ,Köln\n\n8,Smith\n9,\"multi\nline\",Paris,extra\r10,Ann,  \nTotal,3,\n"
            .as_bytes(),
    );
    let (_, expected) = read(&p, &SourceOptions::default());
    let mut reader = source::open(&p, &SourceOptions::default()).unwrap();
    let mut row = source::Row::empty();
    let mut got = Vec::new();
    while let Some(r) = reader.read_into(&mut row) {
        r.unwrap();
        got.push(row.clone());
    }
    assert_eq!(got, expected);
    assert_eq!(values(&expected[0]), ["007", "Müller", "Köln"]);
    assert_eq!(expected[0].cells[1].raw(), " Mu\u{308}ller ");
    assert_eq!(
        expected.iter().map(|r| r.line).collect::<Vec<_>>(),
        [2, 4, 5, 7, 8]
    );
    assert!(expected[4].notes.contains(&RowNote::LooksLikeFooter));
}

/// A row's values with their kinds, and its notes.
type SeenRow = (u64, Vec<(String, CellKind)>, Vec<RowNote>);

/// Values, kinds and notes of every row as `for_each_view` gives them, and the error it ends with.
fn viewed(path: &std::path::Path) -> (Vec<SeenRow>, Option<String>) {
    let mut reader = source::open(path, &SourceOptions::default()).unwrap();
    let mut rows = Vec::new();
    let end = reader.for_each_view(|view| {
        let cells = view
            .cells
            .iter()
            .map(|&(v, k)| (v.to_string(), k))
            .collect();
        rows.push((view.line, cells, view.notes.to_vec()));
        true
    });
    (rows, end.err().map(|e| e.to_string()))
}

/// The same, through `read_into`.
fn read_rows(path: &std::path::Path) -> (Vec<SeenRow>, Option<String>) {
    let mut reader = source::open(path, &SourceOptions::default()).unwrap();
    let mut row = source::Row::empty();
    let mut rows = Vec::new();
    while let Some(r) = reader.read_into(&mut row) {
        if let Err(e) = r {
            return (rows, Some(e.to_string()));
        }
        let cells = row
            .cells
            .iter()
            .map(|c| (c.value.clone(), c.kind))
            .collect();
        rows.push((row.line, cells, row.notes.clone()));
    }
    (rows, None)
}

#[test]
fn row_views_hold_exactly_what_rows_hold() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Id,Name,City\n'007, Mu\u{308}ller ,Köln\n\n8,Smith\n9,\"multi\nline\",Paris,extra\r10,Ann,  \n\
                \u{a0}x\u{a0},'',\"\"\"q\"\"\"\n , ,\nTotal,3,\n";
    let cases = [
        ("utf8.csv", text.as_bytes().to_vec()),
        (
            "cp1252.csv",
            encoding_rs::WINDOWS_1252.encode(text).0.into_owned(),
        ),
        // UTF-8 letters and then stray bytes: read as UTF-8, so the bad bytes end reading with an error.
        (
            "bad.csv",
            [text.as_bytes(), b"11,\xff\xfe,x\n12,a,b\n"].concat(),
        ),
        ("nul.csv", [text.as_bytes(), b"11,a\0,x\n"].concat()),
        // The same past the detection sample.
        (
            "late.csv",
            [text.repeat(800).as_bytes(), b"11,\xff\xfe,x\n12,a,b\n"].concat(),
        ),
    ];
    for (name, bytes) in cases {
        let p = write(&dir, name, &bytes);
        let (got, got_end) = viewed(&p);
        let (expected, expected_end) = read_rows(&p);
        assert_eq!(got, expected, "{name}");
        assert_eq!(got_end, expected_end, "{name}");
        assert!(got.len() >= 6, "{name}: {got:?}");
        assert_eq!(
            got_end.is_some(),
            matches!(name, "nul.csv" | "late.csv" | "bad.csv"),
            "{name}"
        );
    }
    // Stopping early stops reading.
    let p = dir.path().join("utf8.csv");
    let mut reader = source::open(&p, &SourceOptions::default()).unwrap();
    let mut seen = 0;
    reader
        .for_each_view(|_| {
            seen += 1;
            seen < 2
        })
        .unwrap();
    assert_eq!(seen, 2);
}

#[test]
fn invalid_utf8_past_the_detection_sample_is_an_error_with_line_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"Id,Name\n".to_vec();
    for i in 0..10_000 {
        bytes.extend_from_slice(format!("{i},M\u{fc}ller\n").as_bytes());
    }
    let offset = bytes.len();
    bytes.extend_from_slice(b"10000,K\xf6ln\n10001,ok\n");
    assert!(offset > 64 * 1024);
    let p = write(&dir, "late.csv", &bytes);
    let reader = source::open(&p, &SourceOptions::default()).unwrap();
    assert_eq!(reader.info.encoding.as_deref(), Some("UTF-8"));
    let rows: Vec<_> = reader.collect();
    assert_eq!(rows.len(), 10_001);
    let err = rows[10_000].as_ref().err().unwrap().to_string();
    assert!(
        err.contains("late.csv, line 10002:")
            && err.contains(&format!("invalid UTF-8 at byte {}", offset + 7))
            && err.contains("(column \"Name\")"),
        "{err}"
    );
    // The same bytes with the encoding given are read as Windows-1252.
    let opts = SourceOptions {
        encoding: Some("windows-1252".into()),
        ..SourceOptions::default()
    };
    let (_, rows) = read(&p, &opts);
    assert_eq!(rows[10_000].cells[1].value, "Köln");
}

/// `text` in `encoding` as a spreadsheet would save it: UTF-8 and Windows-1252 as they are, UTF-16 with its BOM.
fn encoded(text: &str, encoding: &str) -> Vec<u8> {
    match encoding {
        "UTF-8" => text.as_bytes().to_vec(),
        "UTF-16LE" => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        "UTF-16BE" => [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
        _ => {
            let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(text);
            assert!(!lossy);
            bytes.into_owned()
        }
    }
}

/// Every row of `path`, the error (if any) as text, and the encoding detected.
fn read_all(path: &std::path::Path) -> (Option<String>, Vec<source::Row>, String) {
    let reader = source::open(path, &SourceOptions::default()).unwrap();
    let encoding = reader.info.encoding.clone().unwrap_or_default();
    let mut rows = Vec::new();
    let mut err = None;
    for r in reader {
        match r {
            Ok(row) => rows.push(row),
            Err(e) => err = Some(e.to_string()),
        }
    }
    (err, rows, encoding)
}

/// UTF-8 too, to show every encoding behaves the same.
const ENCODINGS: [&str; 4] = ["UTF-8", "windows-1252", "UTF-16LE", "UTF-16BE"];

#[test]
fn unclosed_quote_in_every_encoding_names_the_line_where_it_opened() {
    let dir = tempfile::tempdir().unwrap();
    // (file text, line where the quote opened): with a `sep=` line and `;`, tabs and CRLF, blank lines before
    // the record, a swallowed tail that is only one short line with or without a final line break.
    let cases = [
        ("a,b\n1,\"Müller\n2,z\n", 2),
        (
            "sep=;\r\nName;Stadt\r\nKöhler;Bonn\r\nMüller;\"Köln\r\nBäcker;Düsseldorf\r\n",
            4,
        ),
        (
            "Email\tCity\r\nx@y.de\tKöln\r\n\r\n\r\ny@z.de\t\"Bonn\r\n\r\nz@z.de\tAachen",
            5,
        ),
        ("a,b\n1,ä\n3,\"x\ny", 3),
        ("a,b\r\n1,ä\r\n3,\"x\r\ny\r\n", 3),
        ("a;b\n1;\"ä;\"\"y\"\"\n2;z\n", 2),
    ];
    for encoding in ENCODINGS {
        for (i, (text, line)) in cases.iter().enumerate() {
            let name = format!("q{i}-{encoding}.csv");
            let p = write(&dir, &name, &encoded(text, encoding));
            let (err, _, detected) = read_all(&p);
            assert_eq!(detected, encoding, "{text:?}");
            let err = err.unwrap_or_else(|| panic!("no error for {encoding} {text:?}"));
            assert!(
                err.contains(&format!("{name}, line {line}:"))
                    && err.contains("closing quote never comes"),
                "{encoding} {text:?}: {err}"
            );
        }
    }
}

#[test]
fn closed_multi_line_quotes_at_the_end_are_fine_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    // The last record spans lines (or is followed by blank lines) and every quote closes; a quote inside an
    // unquoted cell is just a character.
    let cases = [
        (
            "a,b\n1,\"zwei\nZeilen \"\"Köln\"\"\"\n",
            "zwei\nZeilen \"Köln\"",
        ),
        (
            "sep=;\r\nName;Notiz\r\nMüller;\"a\r\nb;c\"\r\n\r\n\r\n",
            "a\r\nb;c",
        ),
        (
            "Email\tNote\r\nx@y.de\t\"first\r\n\r\nlast\"",
            "first\r\n\r\nlast",
        ),
        ("a,b\n1,5\" Zöll\n\n", "5\" Zöll"),
    ];
    for encoding in ENCODINGS {
        for (i, (text, last)) in cases.iter().enumerate() {
            let p = write(
                &dir,
                &format!("ok{i}-{encoding}.csv"),
                &encoded(text, encoding),
            );
            let (err, rows, _) = read_all(&p);
            assert_eq!(err, None, "{encoding} {text:?}");
            assert_eq!(rows.len(), 1, "{encoding} {text:?}");
            assert_eq!(rows[0].cells[1].raw(), *last, "{encoding} {text:?}");
        }
    }
}

#[test]
fn inspect_exits_2_on_an_unclosed_quote_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    for encoding in ENCODINGS {
        let name = format!("unclosed-{encoding}.csv");
        let p = write(
            &dir,
            &name,
            &encoded("Id,Name\n1,Ann\n2,\"Müller\n3,Bob\n4,Cy\n", encoding),
        );
        let err = inspect_fails(&p);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("{name}, line 3:")) && err.contains("closing quote never comes"),
            "{encoding}: {err}"
        );
    }
}

#[test]
fn unclosed_quote_far_past_the_detection_sample() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Id;Name\r\n");
    for i in 0..20_000 {
        text.push_str(&format!("{i};Müller\r\n"));
    }
    let good = format!("{text}20000;\"Köln\r\nam Rhein\"\r\n\r\n");
    let bad = format!("{text}20000;\"Köln\r\n20001;Bonn\r\n");
    for encoding in ENCODINGS {
        let p = write(&dir, "good.csv", &encoded(&good, encoding));
        let (err, rows, _) = read_all(&p);
        assert_eq!((err, rows.len()), (None, 20_001), "{encoding}");
        let p = write(&dir, "bad.csv", &encoded(&bad, encoding));
        let (err, rows, _) = read_all(&p);
        // The swallowed record still comes as a row; the error follows it.
        assert_eq!(rows.len(), 20_001, "{encoding}");
        let err = err.unwrap_or_else(|| panic!("no error for {encoding}"));
        assert!(err.contains("bad.csv, line 20002:"), "{encoding}: {err}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// Any mix of quotes, delimiters, line breaks, NULs, bad bytes, combining marks and padding: opening either
    /// fails with an error or reads, never panics, and row views hold exactly what rows hold, errors included.
    #[test]
    fn any_bytes_read_the_same_as_rows_and_views(
        parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(&b"a"[..]), proptest::strategy::Just(&b","[..]),
                proptest::strategy::Just(&b";"[..]), proptest::strategy::Just(&b"\""[..]),
                proptest::strategy::Just(&b"\n"[..]), proptest::strategy::Just(&b"\r\n"[..]),
                proptest::strategy::Just(&b" "[..]), proptest::strategy::Just(&b"'0"[..]),
                proptest::strategy::Just(&b"\xc3\xbc"[..]), proptest::strategy::Just(&b"u\xcc\x88"[..]),
                proptest::strategy::Just(&b"\xff"[..]), proptest::strategy::Just(&b"\0"[..]),
                proptest::strategy::Just(&b"\xc2\xa0"[..]), proptest::strategy::Just(&b"Total"[..]),
                proptest::strategy::Just(&b"2021-03-04"[..]), proptest::strategy::Just(&b"\x1b"[..]),
            ],
            0..120,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "any.csv", &parts.concat());
        if source::open(&p, &SourceOptions::default()).is_ok() {
            let (got, got_end) = viewed(&p);
            let (expected, expected_end) = read_rows(&p);
            let rows = got.len();
            proptest::prop_assert_eq!(got, expected);
            proptest::prop_assert_eq!(got_end, expected_end);
            let mut reader = source::open(&p, &SourceOptions::default()).unwrap();
            if let Ok(profile) = source::profile::profile(&mut reader, None) {
                // Footer rows at the end are not data rows.
                proptest::prop_assert_eq!((profile.rows + profile.footer_rows) as usize, rows);
            }
        }
    }
}
