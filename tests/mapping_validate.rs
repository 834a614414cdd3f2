//! End to end over the fixtures: mapping file → payload::plan → requests and grouped problems.

use std::path::Path;

use serde_json::json;
use talon_import::mapping::validate::validate;
use talon_import::mapping::{Catalog, Mapping};
use talon_import::payload::{self, Record};

fn load(name: &str) -> Mapping {
    Mapping::load(&Path::new("tests/fixtures/mapping").join(name)).unwrap()
}

fn records(name: &str) -> Vec<Record> {
    let m = load(name);
    payload::plan(&m, &Catalog::for_mapping(&m))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn profiles_become_put_requests_with_converted_attributes() {
    let recs = records("profiles.toml");
    assert_eq!(recs.len(), 5);
    let r = recs[0].request.as_ref().unwrap();
    assert_eq!(r.method, "PUT");
    assert_eq!(r.path, "/v2/customer_profiles/shop-1001");
    assert_eq!(
        r.body,
        json!({"attributes": {
            "Name": "Ada Lovelace",
            "Email": "ada@example.com",
            "SignupDate": "2021-04-12T22:00:00Z",
            "Marketing": true,
            "Tags": ["vip", "newsletter"],
            "Points": 1234.5,
            "Source": "shopify-2024",
        }})
    );
    // Empty cells omit the attribute; the column settles day-first, so 03/04 is 3 April.
    let r = recs[1].request.as_ref().unwrap();
    assert_eq!(r.body["attributes"]["Name"], "Alan");
    assert!(r.body["attributes"].get("Tags").is_none());
    assert_eq!(r.body["attributes"]["SignupDate"], "2021-04-02T22:00:00Z");
    // Missing id.
    let p = recs[2].request.as_ref().unwrap_err();
    assert_eq!(p[0].kind, "missing_id");
    assert_eq!(p[0].row, 3);
    // Bad date, bad boolean, bad number, each with field, column and value.
    let p = recs[3].request.as_ref().unwrap_err();
    let kinds: Vec<_> = p.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(kinds, ["not_a_date", "not_a_boolean", "not_a_number"]);
    assert_eq!(p[0].field, "SignupDate");
    assert_eq!(p[0].column.as_deref(), Some("Created"));
    assert_eq!(p[0].value.as_deref(), Some("31/02/2020"));
}

#[test]
fn ids_are_percent_encoded() {
    assert_eq!(payload::encode_id("#1001 a/b"), "%231001%20a%2Fb");
}

#[test]
fn sessions_group_line_items_even_when_not_adjacent() {
    let recs = records("sessions.toml");
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0].rows, [1, 3]);
    let r = recs[0].request.as_ref().unwrap();
    assert_eq!(r.path, "/v2/customer_sessions/%231001");
    assert_eq!(
        r.body,
        json!({"customerSession": {
            "profileId": "1001",
            "state": "closed",
            "cartItems": [
                {"sku": "SKU-1", "name": "Mug", "quantity": 2, "price": 9.9},
                {"sku": "SKU-2", "name": "Cup", "quantity": 1, "price": 5},
            ],
            "additionalCosts": {"shipping": {"price": 4.5}},
            "attributes": {"BillingCity": "Berlin"},
        }})
    );
    // Rows disagree on the customer.
    let p = recs[1].request.as_ref().unwrap_err();
    assert_eq!(p[0].kind, "profile_id_mismatch");
    // No profile id, and quantity 0.
    let kinds: Vec<_> = recs[2]
        .request
        .as_ref()
        .unwrap_err()
        .iter()
        .map(|p| p.kind.clone())
        .collect();
    assert!(
        kinds.contains(&"missing_profile_id".to_string()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"bad_quantity".to_string()), "{kinds:?}");
}

#[test]
fn validate_groups_problems_and_warns_on_duplicates() {
    let m = load("profiles.toml");
    let report = validate(&m, &Catalog::for_mapping(&m), |_| {}).unwrap();
    assert_eq!((report.rows, report.valid, report.invalid), (5, 3, 2));
    // The duplicate id, and the whole-column day/month decision.
    assert_eq!(report.warnings, 2);
    let order = report
        .problems
        .iter()
        .find(|g| g.kind == "date_order")
        .unwrap();
    assert_eq!((order.field.as_str(), order.count), ("SignupDate", 1));
    assert!(
        report.lines().contains(
            &"column Created: 1 date could be day/month or month/day; read as day/month because row 1 has \
              13/04/2021 — set format (e.g. \"%m/%d/%Y\") to override"
                .to_string()
        ),
        "{:?}",
        report.lines()
    );
    let dup = report
        .problems
        .iter()
        .find(|g| g.kind == "duplicate_id")
        .unwrap();
    assert!(dup.examples[0].message.contains("rows 1 and 5"), "{dup:?}");
}

#[test]
fn an_unknown_attribute_is_a_mapping_error_with_a_suggestion() {
    let m = load("bad.toml");
    let err = match payload::plan(&m, &Catalog::for_mapping(&m)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error"),
    };
    assert!(err.contains("attributes.Emial"), "{err}");
    assert!(err.contains("Did you mean \"Email\""), "{err}");
}

/// `validate` checks profiles without building requests; it must find exactly the problems the plan (and so
/// the import and preview) reports.
#[test]
fn profile_checks_agree_with_the_plan() {
    for path in [
        "tests/fixtures/mapping/profiles.toml",
        "tests/fixtures/shopify/customers.toml",
    ] {
        let m = Mapping::load(Path::new(path)).unwrap();
        let catalog = Catalog::for_mapping(&m);
        let from_plan: Vec<(u64, String, Vec<payload::Problem>)> = payload::plan(&m, &catalog)
            .unwrap()
            .map(Result::unwrap)
            .map(|r| (r.rows[0], r.id, r.request.err().unwrap_or_default()))
            .collect();
        let mut checked = vec![];
        let done = payload::check_profiles(&m, &catalog, false, |row, id, problems| {
            checked.push((row.number, id.unwrap_or("").to_string(), problems.to_vec()))
        })
        .unwrap()
        .unwrap();
        assert!(matches!(done, payload::Checked::Done(_)));
        assert_eq!(checked, from_plan, "{path}");
        assert!(checked.iter().any(|c| !c.2.is_empty()) || path.contains("shopify"));
    }
}

/// A day/month order settled early by the pre-scan but contradicted further down: validation starts over
/// with the whole column and reports the mix instead of reading the early rows in the wrong order.
#[test]
fn a_late_row_that_contradicts_the_date_order_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Id,Signup\n1,13/04/2021\n2,03/04/2021\n");
    for i in 3..50 {
        csv.push_str(&format!("{i},01/01/2021\n"));
    }
    csv.push_str("50,04/13/2021\n");
    std::fs::write(dir.path().join("c.csv"), csv).unwrap();
    std::fs::write(
        dir.path().join("m.toml"),
        "target = \"profiles\"\n[source]\nfile = \"c.csv\"\n[id]\ncolumn = \"Id\"\n\
         [attributes.SignupDate]\ncolumn = \"Signup\"\n",
    )
    .unwrap();
    let m = Mapping::load(&dir.path().join("m.toml")).unwrap();
    let catalog = Catalog::for_mapping(&m);
    let early = payload::check_profiles(&m, &catalog, false, |_, _, _| {})
        .unwrap()
        .unwrap();
    assert_eq!(early, payload::Checked::StartOver);
    let report = validate(&m, &catalog, |_| {}).unwrap();
    assert_eq!((report.rows, report.invalid), (50, 1));
    let lines = report.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("mixes both orders (row 1 has 13/04/2021, row 50 has 04/13/2021)")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("SignupDate: 1 row")),
        "{lines:?}"
    );
}

/// Two order files imported together: an order id in both is an error of the later file's row, named with
/// the earlier file and row; `validate a.toml b.toml` exits 1 and prints both reports.
#[test]
fn a_session_id_in_two_files_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("2023.csv"),
        "Order,Customer,Total\n#1,c1,10\n#2,c2,20\n",
    )
    .unwrap();
    std::fs::write(
        d.join("2024.csv"),
        "Order,Customer,Total\n#3,c1,5\n#2,c9,7\n",
    )
    .unwrap();
    for year in ["2023", "2024"] {
        std::fs::write(
            d.join(format!("{year}.toml")),
            format!(
                "target = \"sessions\"\n[source]\nfile = \"{year}.csv\"\n[id]\ncolumn = \"Order\"\n\
                 [profile_id]\ncolumn = \"Customer\"\n[total]\ncolumn = \"Total\"\n"
            ),
        )
        .unwrap();
    }
    let a = Mapping::load(&d.join("2023.toml")).unwrap();
    let b = Mapping::load(&d.join("2024.toml")).unwrap();
    let (ca, cb) = (Catalog::for_mapping(&a), Catalog::for_mapping(&b));
    let reports = talon_import::mapping::validate::validate_many(
        &[("2023.csv".into(), &a, &ca), ("2024.csv".into(), &b, &cb)],
        |_, _| {},
    )
    .unwrap();
    assert_eq!((reports[0].valid, reports[0].invalid), (2, 0));
    assert_eq!((reports[1].valid, reports[1].invalid), (1, 1));
    let g = &reports[1].problems[0];
    assert_eq!((g.kind.as_str(), g.count), ("duplicate_id_across_files", 1));
    assert!(
        g.examples[0]
            .message
            .contains("\"#2\" is also used by 2023.csv (row 2)"),
        "{g:?}"
    );

    let out = assert_cmd::Command::cargo_bin("talon-import")
        .unwrap()
        .env_remove("TALON_MANAGEMENT_KEY")
        .arg("validate")
        .arg(d.join("2023.toml"))
        .arg(d.join("2024.toml"))
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("2 rows: 2 valid, 0 invalid"), "{stdout}");
    assert!(stdout.contains("2 rows: 1 valid, 1 invalid"), "{stdout}");
    assert!(stdout.contains("also used by 2023.csv"), "{stdout}");
}
