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
