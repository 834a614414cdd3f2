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
    assert_eq!(report.warnings, 1);
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
        payload::check_profiles(&m, &catalog, |row, id, problems| {
            checked.push((row.number, id.unwrap_or("").to_string(), problems.to_vec()))
        })
        .unwrap()
        .unwrap();
        assert_eq!(checked, from_plan, "{path}");
        assert!(checked.iter().any(|c| !c.2.is_empty()) || path.contains("shopify"));
    }
}
