//! Workbook reading through `source::open`, with workbooks written by rust_xlsxwriter in the test.

use rust_xlsxwriter::{ExcelDateTime, Formula, Workbook};
use talon_import::source::{self, CellKind, RowNote, SourceOptions};

fn sample(path: &std::path::Path) {
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("Notes").unwrap();
    let sheet = wb.add_worksheet();
    sheet.set_name("Customers").unwrap();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let dt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    sheet.write_string(0, 0, "Customer report").unwrap();
    sheet.write_string(1, 0, "Filtered By:").unwrap();
    sheet.write_string(1, 1, "Country = DE").unwrap();
    for (c, h) in ["Id", "Zip", "Joined", "Seen", "Total", "Ratio", ""]
        .iter()
        .enumerate()
    {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    sheet.write_number(4, 0, 7091234567890.0).unwrap();
    sheet.write_string(4, 1, "02134").unwrap();
    sheet
        .write_datetime_with_format(4, 2, ExcelDateTime::from_ymd(2021, 3, 4).unwrap(), &date)
        .unwrap();
    sheet
        .write_datetime_with_format(
            4,
            3,
            ExcelDateTime::from_ymd(2021, 3, 4)
                .unwrap()
                .and_hms(10, 30, 5)
                .unwrap(),
            &dt,
        )
        .unwrap();
    sheet.write_number(4, 4, 17850.0).unwrap();
    sheet
        .write_formula(4, 5, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    sheet.write_string(4, 6, "'keep").unwrap();
    sheet.write_number(5, 0, 2.5).unwrap();
    sheet.write_string(6, 0, "Total").unwrap();
    sheet.write_number(6, 4, 17850.0).unwrap();
    // Formatted but empty trailing rows are not data.
    sheet.write_blank(20, 0, &date).unwrap();
    wb.save(path).unwrap();
}

#[test]
fn xlsx_values_as_excel_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.xlsx");
    sample(&p);
    let reader = source::open(&p, &SourceOptions::default()).unwrap();
    let info = reader.info.clone();
    assert_eq!(info.sheets, ["Notes", "Customers"]);
    assert_eq!(info.sheet.as_deref(), Some("Customers"));
    assert_eq!(info.header_row, 4);
    assert_eq!(
        info.columns,
        ["Id", "Zip", "Joined", "Seen", "Total", "Ratio", "Column G"]
    );
    let rows: Vec<_> = reader.map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let r = &rows[0];
    assert_eq!(r.line, 5);
    assert_eq!(r.cells[0].value, "7091234567890");
    assert_eq!(r.cells[1].value, "02134");
    assert_eq!(
        (r.cells[2].value.as_str(), r.cells[2].kind),
        ("2021-03-04", CellKind::Date)
    );
    assert_eq!(
        (r.cells[3].value.as_str(), r.cells[3].kind),
        ("2021-03-04T10:30:05", CellKind::DateTime)
    );
    assert_eq!(r.cells[4].value, "17850");
    assert_eq!(r.cells[5].kind, CellKind::Error);
    assert_eq!(r.cells[5].value, "#DIV/0!");
    assert_eq!(r.cells[6].value, "keep");
    assert_eq!(rows[1].cells[0].value, "2.5");
    assert_eq!(rows[2].notes, [RowNote::LooksLikeFooter]);
}

#[test]
fn sheet_and_header_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.xlsx");
    sample(&p);
    let opts = SourceOptions {
        sheet: Some("customers".into()),
        header_row: Some(5),
        ..Default::default()
    };
    let reader = source::open(&p, &opts).unwrap();
    assert_eq!(reader.info.columns[0], "7091234567890");
    let opts = SourceOptions {
        sheet: Some("Orders".into()),
        ..Default::default()
    };
    let err = source::open(&p, &opts).err().unwrap().to_string();
    assert!(
        err.contains("no sheet \"Orders\"") && err.contains("Notes, Customers"),
        "{err}"
    );
}

#[test]
fn demo_orders_keep_customer_numbers() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/orders.xlsx");
    let reader = source::open(&p, &SourceOptions::default()).unwrap();
    assert_eq!(reader.info.columns[1], "Customer Number");
    let customers = std::fs::read_to_string(p.with_file_name("customers.csv")).unwrap();
    for row in reader {
        let row = row.unwrap();
        let number = &row.cells[1].value;
        assert!(
            customers.contains(&format!("\n{number},")),
            "unknown customer {number}"
        );
        assert_eq!(row.cells[2].kind, CellKind::Date);
    }
}

/// Real .xls (BIFF8, written by xlwt) and .ods (written by odfpy) workbooks, generated once by
/// tests/fixtures/workbooks/generate.py: the same values as Excel shows them in both formats.
#[test]
fn xls_and_ods_values_as_excel_shows_them() {
    for (file, format) in [
        ("customers.xls", source::Format::Xls),
        ("customers.ods", source::Format::Ods),
    ] {
        let path = std::path::Path::new("tests/fixtures/workbooks").join(file);
        let opts = SourceOptions {
            sheet: Some("Customers".into()),
            ..SourceOptions::default()
        };
        let reader = source::open(&path, &opts).unwrap();
        assert_eq!(reader.info.format, format, "{file}");
        assert_eq!(reader.info.sheets, ["Notes", "Customers"], "{file}");
        assert_eq!(reader.info.header_row, 3, "{file}");
        assert_eq!(
            reader.info.columns,
            [
                "Id",
                "Zip",
                "Joined",
                "Seen",
                "Total",
                "Ratio",
                "Newsletter"
            ],
            "{file}"
        );
        let rows: Vec<_> = reader.map(Result::unwrap).collect();
        // Trailing formatted-but-empty rows (the .ods has five) are not data.
        assert_eq!(rows.len(), 2, "{file}");
        let values: Vec<&str> = rows[0].cells.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "7091234567890",
                "02134",
                "2021-03-04",
                "2021-03-04T10:30:05",
                "17850",
                "0.25",
                "true"
            ],
            "{file}"
        );
        assert_eq!(rows[0].cells[2].kind, CellKind::Date, "{file}");
        assert_eq!(rows[0].cells[3].kind, CellKind::DateTime, "{file}");
        assert_eq!(rows[0].cells[1].kind, CellKind::Text, "{file}");
        assert_eq!(rows[1].cells[6].value, "false", "{file}");
    }
}

/// The real .xlsb (BIFF12) written by tests/fixtures/workbooks/generate.py: no library writes .xlsb, so the
/// script has a small writer of its own that follows [MS-XLSB].
fn xlsb_fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workbooks/customers.xlsb")
}

const XLSB_CUSTOMER_COLUMNS: [&str; 11] = [
    "Customer No",
    "Name",
    "Loyalty Card",
    "Signup Date",
    "Last Order",
    "Orders",
    "Lifetime Value",
    "Avg Order",
    "Newsletter",
    "Region",
    "Code",
];

#[test]
fn xlsb_lists_sheets_and_finds_the_header_below_the_title() {
    let reader = source::open(&xlsb_fixture(), &SourceOptions::default()).unwrap();
    let info = &reader.info;
    assert_eq!(info.format, source::Format::Xlsb);
    assert_eq!(info.sheets, ["Customers", "Orders"]);
    assert_eq!(info.sheet.as_deref(), Some("Customers"));
    // Row 1 is the title "Customer export (all stores)", row 2 is blank.
    assert_eq!(info.header_row, 3);
    assert_eq!(info.columns, XLSB_CUSTOMER_COLUMNS);
}

#[test]
fn xlsb_values_as_excel_shows_them() {
    let reader = source::open(&xlsb_fixture(), &SourceOptions::default()).unwrap();
    let rows: Vec<_> = reader.map(Result::unwrap).collect();
    // Rows 7 to 12 hold only formatted blank cells (BrtCellBlank): they are not data.
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows.iter().map(|r| (r.number, r.line)).collect::<Vec<_>>(),
        [(1, 4), (2, 5), (3, 6)]
    );
    let values =
        |i: usize| -> Vec<&str> { rows[i].cells.iter().map(|c| c.value.as_str()).collect() };
    assert_eq!(
        values(0),
        [
            "000417",              // text with leading zeros (shared string)
            "Anna Müller",         // shared string, not ASCII
            "7091234567890",       // 13-digit whole number (BrtCellReal), not 7.09123456789e12
            "2021-03-04",          // date: integer RK with built-in format 14
            "2024-05-02T14:30:05", // datetime: BrtCellReal with format "dd.mm.yyyy hh:mm:ss"
            "12",                  // whole number (integer RK), not 12.0
            "1234.56",             // decimal stored as a x100 RK
            "102.88",              // formula =G4/F4, its cached value
            "true",                // boolean
            "Nord",
            "C-000417", // formula ="C-"&A4, its cached text
        ]
    );
    let kinds = |i: usize| -> Vec<CellKind> { rows[i].cells.iter().map(|c| c.kind).collect() };
    assert_eq!(
        kinds(0),
        [
            CellKind::Text,
            CellKind::Text,
            CellKind::Number,
            CellKind::Date,
            CellKind::DateTime,
            CellKind::Number,
            CellKind::Number,
            CellKind::Number,
            CellKind::Bool,
            CellKind::Text,
            CellKind::Text,
        ]
    );
    let second = &rows[1].cells;
    assert_eq!(
        (second[0].value.as_str(), second[0].kind),
        ("002134", CellKind::Text)
    );
    assert_eq!(second[2].value, "4006381333931");
    assert_eq!(
        (second[5].value.as_str(), second[6].value.as_str()),
        ("0", "0")
    );
    // =G5/F5 with Orders 0: a formula whose cached value is #DIV/0! (BrtFmlaError). calamine 0.38 drops that
    // value, so the reader can tell it is an error but not which one.
    assert_eq!(
        (second[7].value.as_str(), second[7].kind),
        (source::workbook::LOST_FORMULA_ERROR, CellKind::Error)
    );
    assert_eq!(second[8].value, "false");
    // #N/A pasted as a value (BrtCellError) is an error of that cell, not the text "#N/A".
    assert_eq!(
        (second[9].value.as_str(), second[9].kind),
        ("#N/A", CellKind::Error)
    );
    let third = &rows[2].cells;
    assert_eq!(
        (third[2].value.as_str(), third[2].kind),
        ("", CellKind::Empty)
    );
    assert_eq!(third[1].value, "Léa Dubois");
    assert_eq!(third[7].value, "30", "a whole formula result stays whole");
    assert_eq!(third[9].value, "Süd", "inline string (BrtCellSt)");
}

#[test]
fn xlsb_reads_the_sheet_asked_for() {
    let opts = SourceOptions {
        sheet: Some("orders".into()),
        ..SourceOptions::default()
    };
    let reader = source::open(&xlsb_fixture(), &opts).unwrap();
    assert_eq!(reader.info.sheet.as_deref(), Some("Orders"));
    assert_eq!(reader.info.header_row, 1);
    assert_eq!(
        reader.info.columns,
        ["Order No", "Customer No", "Order Date", "Total"]
    );
    let rows: Vec<Vec<String>> = reader
        .map(|r| r.unwrap().cells.into_iter().map(|c| c.value).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["100231", "000417", "2024-05-02", "89.9"],
            ["100232", "010233", "2023-11-20", "90"],
        ]
    );
    let opts = SourceOptions {
        sheet: Some("Invoices".into()),
        ..SourceOptions::default()
    };
    let err = source::open(&xlsb_fixture(), &opts)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("customers.xlsb") && err.contains("Customers, Orders"),
        "{err}"
    );
}

#[test]
fn xlsb_inspect() {
    let run = |json: bool| {
        let mut cmd = assert_cmd::Command::cargo_bin("talon-import").unwrap();
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["inspect", "tests/fixtures/workbooks/customers.xlsb"]);
        if json {
            cmd.arg("--json");
        }
        cmd.assert().success().get_output().stdout.clone()
    };
    let text = String::from_utf8(run(false)).unwrap();
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(text.contains("Customers, Orders"), "{text}");
    let v: serde_json::Value = serde_json::from_slice(&run(true)).unwrap();
    assert_eq!(v["format"], "xlsb");
    assert_eq!(v["sheets"], serde_json::json!(["Customers", "Orders"]));
    assert_eq!(v["sheet"], "Customers");
    assert_eq!(v["header_row"], 3);
    assert_eq!(v["rows"], 3);
    insta::assert_json_snapshot!("xlsb_inspect_columns", v["columns"]);
}

/// damaged.xlsb: customers.xlsb with its shared string table cut in half, so cells point past its end. calamine
/// panics on that; the reader turns it into one clear error naming the file and the sheet.
#[test]
fn damaged_xlsb_is_one_clear_error() {
    let path = xlsb_fixture().with_file_name("damaged.xlsb");
    let err = source::open(&path, &SourceOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("damaged.xlsb, sheet 'Customers'")
            && err.contains("damaged")
            && err.contains("save it again"),
        "{err}"
    );
    // calamine's panic text ("index out of bounds: the len is 11 ...") is for the log, not the admin.
    assert!(!err.contains("index") && !err.contains("len is"), "{err}");
    let out = assert_cmd::Command::cargo_bin("talon-import")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["inspect", "tests/fixtures/workbooks/damaged.xlsb"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("out of bounds"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

fn inspect(args: &[&str]) -> assert_cmd::assert::Assert {
    assert_cmd::Command::cargo_bin("talon-import")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("inspect")
        .args(args)
        .assert()
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stderr.clone()).unwrap()
}

/// A1:B2 plus one cell far away, as a stray test value or a formatted area dragged to the sheet's end leaves.
fn with_far_cell(path: &std::path::Path, row: u32, col: u16) {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("Customers").unwrap();
    sheet.write_string(0, 0, "Email").unwrap();
    sheet.write_string(0, 1, "Name").unwrap();
    sheet.write_string(1, 0, "a@example.com").unwrap();
    sheet.write_string(1, 1, "Ann").unwrap();
    sheet.write_string(row, col, "x").unwrap();
    wb.save(path).unwrap();
}

/// calamine's dense range for a cell at XFD1048576 asked for 512 GiB and aborted the process.
#[test]
fn a_cell_at_the_last_column_and_row_is_one_clear_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("far.xlsx");
    with_far_cell(&p, 1_048_575, 16_383);
    let out = inspect(&[p.to_str().unwrap()]).code(2);
    let stderr = stderr_of(&out);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("far.xlsx, sheet 'Customers'")
            && stderr.contains("XFD1048576")
            && stderr.contains("delete")
            && stderr.contains("CSV"),
        "{stderr}"
    );
}

/// A cell at T1000000 made a 637 MB dense range for three cells; read sparsely it is one more data row.
#[test]
fn a_cell_far_below_the_data_is_read_sparsely() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tall.xlsx");
    with_far_cell(&p, 999_999, 19);
    let reader = source::open(&p, &SourceOptions::default()).unwrap();
    assert_eq!(reader.info.columns.len(), 20);
    assert_eq!(reader.info.columns[19], "Column T");
    let rows: Vec<_> = reader.map(Result::unwrap).collect();
    assert_eq!(
        rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        [2, 1_000_000]
    );
    assert_eq!(rows[1].cells[19].value, "x");
}

/// The .xls and .ods fixtures start with a "Notes" sheet holding one cell: without --sheet the reader must
/// pick "Customers", the first sheet with a header and data.
#[test]
fn default_sheet_is_the_first_with_data_rows() {
    for file in ["customers.xls", "customers.ods"] {
        let path = std::path::Path::new("tests/fixtures/workbooks").join(file);
        let reader = source::open(&path, &SourceOptions::default()).unwrap();
        assert_eq!(reader.info.sheet.as_deref(), Some("Customers"), "{file}");
        assert_eq!(reader.count(), 2, "{file}");
        let out = inspect(&[path.to_str().unwrap(), "--json"]).success();
        let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(v["sheet"], "Customers", "{file}");
        // Asked for by name, the header-only sheet opens with no rows.
        let opts = SourceOptions {
            sheet: Some("Notes".into()),
            ..SourceOptions::default()
        };
        let reader = source::open(&path, &opts).unwrap();
        assert_eq!(reader.info.sheet.as_deref(), Some("Notes"), "{file}");
        assert_eq!(reader.count(), 0, "{file}");
    }
}

/// No sheet has data rows: the first non-empty sheet is read.
#[test]
fn a_workbook_of_header_only_sheets_reads_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("Blank").unwrap();
    let sheet = wb.add_worksheet();
    sheet.set_name("Template").unwrap();
    sheet.write_string(0, 0, "Email").unwrap();
    sheet.write_string(0, 1, "Name").unwrap();
    let other = wb.add_worksheet();
    other.set_name("Other").unwrap();
    other.write_string(0, 0, "Id").unwrap();
    wb.save(&p).unwrap();
    let reader = source::open(&p, &SourceOptions::default()).unwrap();
    assert_eq!(reader.info.sheet.as_deref(), Some("Template"));
    assert_eq!(reader.info.columns, ["Email", "Name"]);
    assert_eq!(reader.count(), 0);
}

/// A sheet error names the sheet: here a header row that does not exist.
#[test]
fn sheet_errors_name_the_sheet() {
    let path = xlsb_fixture();
    let opts = SourceOptions {
        sheet: Some("Orders".into()),
        header_row: Some(50),
        ..SourceOptions::default()
    };
    let err = source::open(&path, &opts).err().unwrap().to_string();
    assert!(
        err.contains("customers.xlsb, sheet 'Orders': ") && err.contains("no row 50"),
        "{err}"
    );
}

/// Cached values are binary doubles; Excel shows 15 significant digits.
#[test]
fn numbers_and_times_as_excel_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("n.xlsx");
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    let time = rust_xlsxwriter::Format::new().set_num_format("h:mm");
    let seconds = rust_xlsxwriter::Format::new().set_num_format("hh:mm:ss");
    let ampm = rust_xlsxwriter::Format::new().set_num_format("h:mm AM/PM");
    let headers = [
        "Sum", "Tenth", "Whole", "Id", "At", "Small", "Big", "Exact", "Evening",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_number(1, 0, 1.1 + 2.2).unwrap();
    sheet.write_number(1, 1, 0.1 + 0.2).unwrap();
    sheet.write_number(1, 2, 17850.0).unwrap();
    sheet.write_number(1, 3, 7091234567890.0).unwrap();
    sheet.write_number_with_format(1, 4, 0.5, &time).unwrap();
    sheet.write_number(1, 5, 0.000123).unwrap();
    sheet.write_number(1, 6, 1e20).unwrap();
    sheet
        .write_number_with_format(1, 7, 0.5 + 5.0 / 86_400.0, &seconds)
        .unwrap();
    sheet
        .write_number_with_format(1, 8, 0.75 + 30.0 / 86_400.0, &ampm)
        .unwrap();
    wb.save(&p).unwrap();
    let row = source::open(&p, &SourceOptions::default())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let values: Vec<&str> = row.cells.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(
        values,
        [
            "3.3",
            "0.3",
            "17850",
            "7091234567890",
            "12:00",
            "0.000123",
            "100000000000000000000",
            "12:00:05",
            "18:00"
        ]
    );
}

/// A workbook saved under another workbook's extension is read by what it holds, not reported as damaged.
#[test]
fn zip_workbooks_are_told_apart_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("c.xlsx");
    sample(&xlsx);
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workbooks");
    let cases = [
        (xlsx.clone(), "c.ods", source::Format::Xlsx),
        (xlsx.clone(), "c.xlsb", source::Format::Xlsx),
        (xlsx.clone(), "c.xlsm", source::Format::Xlsm),
        (
            fixtures.join("customers.ods"),
            "o.xlsx",
            source::Format::Ods,
        ),
        (
            fixtures.join("customers.xlsb"),
            "b.xlsx",
            source::Format::Xlsb,
        ),
        (
            fixtures.join("customers.xlsb"),
            "b.ods",
            source::Format::Xlsb,
        ),
    ];
    for (from, name, format) in cases {
        let to = dir.path().join(name);
        std::fs::copy(&from, &to).unwrap();
        let reader =
            source::open(&to, &SourceOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(reader.info.format, format, "{name}");
        assert!(reader.count() >= 2, "{name}");
    }
    // A ZIP that holds no workbook says so instead of "damaged".
    let zip = dir.path().join("notes.xlsx");
    std::fs::write(&zip, stored_zip("notes.txt", b"hello")).unwrap();
    let err = source::open(&zip, &SourceOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("notes.xlsx") && err.contains("ZIP archive but not a workbook"),
        "{err}"
    );
}

/// A one-entry ZIP with the file stored uncompressed.
fn stored_zip(name: &str, data: &[u8]) -> Vec<u8> {
    stored_zip_of(&[(name, data)])
}

/// A ZIP with the files stored uncompressed, with real CRCs (calamine's ZIP reader checks them).
fn stored_zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut out = Vec::new();
    let mut dir = Vec::new();
    for (name, data) in files {
        let (n, len, crc) = (name.len() as u16, data.len() as u32, crc32(data));
        let at = out.len() as u32;
        out.extend(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0");
        out.extend(crc.to_le_bytes());
        out.extend(len.to_le_bytes());
        out.extend(len.to_le_bytes());
        out.extend(n.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(*data);
        dir.extend(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0");
        dir.extend(crc.to_le_bytes());
        dir.extend(len.to_le_bytes());
        dir.extend(len.to_le_bytes());
        dir.extend(n.to_le_bytes());
        dir.extend([0u8; 12]); // extra and comment lengths, disk, attributes
        dir.extend(at.to_le_bytes()); // offset of the local header
        dir.extend(name.as_bytes());
    }
    let (dir_at, dir_len, count) = (out.len() as u32, dir.len() as u32, files.len() as u16);
    out.extend(dir);
    out.extend(b"PK\x05\x06\0\0\0\0");
    out.extend(count.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend(dir_len.to_le_bytes());
    out.extend(dir_at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// An .ods whose empty formatted area reaches XFD1048576: calamine refuses it (100 million cells at most),
/// which is not damage and gets the same advice as a stray cell in an .xlsx.
#[test]
fn an_ods_reaching_the_last_cell_says_what_to_do() {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">
<table:table-row><table:table-cell office:value-type="string"><text:p>Email</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>a@x.com</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("far.ods");
    std::fs::write(
        &p,
        stored_zip_of(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content.as_bytes()),
            ("META-INF/manifest.xml", manifest.as_bytes()),
        ]),
    )
    .unwrap();
    let out = inspect(&[p.to_str().unwrap()]).code(2);
    let stderr = stderr_of(&out);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("far.ods")
            && !stderr.contains("damaged")
            && stderr.contains("stray cells")
            && stderr.contains("CSV"),
        "{stderr}"
    );
}
