//! Every request body built for the test fixtures must validate against the request schemas of Talon.One's
//! official OpenAPI spec (derived into tests/schemas/requests.json by tests/schemas/derive_requests.py), and every
//! attribute value must have the JSON shape of its catalog type (`time` as RFC 3339).

use std::path::Path;

use serde_json::{Value, json};
use talon_import::mapping::{Catalog, Mapping, Target};
use talon_import::payload::Record;
use talon_import::talon::attributes::{AttrType, Entity};

/// The fixture mappings whose bodies are checked.
const MAPPINGS: &[&str] = &[
    "tests/fixtures/shopify/customers.toml",
    "tests/fixtures/shopify/orders.toml",
];

fn schemas() -> Value {
    let text = std::fs::read_to_string("tests/schemas/requests.json").unwrap();
    let mut all: Value = serde_json::from_str(&text).unwrap();
    // readOnly properties are answers, never requests: sending one is a conformance failure.
    forbid_read_only(&mut all);
    all["schemas"].take()
}

fn forbid_read_only(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                for (_, p) in props.iter_mut() {
                    if p.get("readOnly") == Some(&json!(true)) {
                        *p = json!(false);
                    }
                }
            }
            for (_, child) in map.iter_mut() {
                forbid_read_only(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_read_only),
        _ => {}
    }
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap()
}

fn check(v: &jsonschema::Validator, body: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\nbody: {body:#}");
}

/// The JSON Schema of an attribute value of type `t`.
fn value_schema(t: AttrType) -> Value {
    let time = json!({"type": "string", "format": "date-time"});
    match t {
        AttrType::String => json!({"type": "string"}),
        AttrType::Number => json!({"type": "number"}),
        AttrType::Boolean => json!({"type": "boolean"}),
        AttrType::Time => time,
        AttrType::ListString => json!({"type": "array", "items": {"type": "string"}}),
        AttrType::ListNumber => json!({"type": "array", "items": {"type": "number"}}),
        AttrType::ListTime => json!({"type": "array", "items": time}),
        AttrType::Location | AttrType::ListLocation => json!({}),
    }
}

fn check_attributes(catalog: &Catalog, entity: Entity, attrs: &Value, what: &str) {
    let Some(map) = attrs.as_object() else {
        panic!("{what}: attributes is not an object: {attrs}");
    };
    for (name, value) in map {
        let kind = catalog
            .kind_of(entity, name)
            .unwrap_or_else(|| panic!("{what}: attribute {name} is not in the catalog"));
        assert!(
            !value.is_null() && value != &json!(""),
            "{what}: {name} is sent empty"
        );
        check(
            &validator(&value_schema(kind)),
            value,
            &format!("{what}: {name} ({kind})"),
        );
    }
}

fn records(path: &str) -> (Mapping, Catalog, Vec<Record>) {
    let mapping = Mapping::load(Path::new(path)).unwrap();
    let catalog = Catalog::for_mapping(&mapping);
    let plan = talon_import::payload::plan(&mapping, &catalog).unwrap();
    let records = plan.map(|r| r.unwrap()).collect();
    (mapping, catalog, records)
}

#[test]
fn every_fixture_body_conforms_to_the_official_request_schemas() {
    let schemas = schemas();
    let single = validator(&schemas["customer_profile"]);
    let bulk = validator(&schemas["customer_profiles_bulk"]);
    let session = validator(&schemas["customer_session"]);
    for path in MAPPINGS {
        let (mapping, catalog, records) = records(path);
        let valid: Vec<&Record> = records.iter().filter(|r| r.request.is_ok()).collect();
        assert!(
            valid.len() >= 3,
            "{path}: only {} valid records",
            valid.len()
        );
        let mut bulk_items = vec![];
        for r in &valid {
            let req = r.request.as_ref().unwrap();
            let what = format!("{path} rows {:?}", r.rows);
            assert_eq!(req.method, "PUT", "{what}");
            match mapping.target {
                Target::Profiles => {
                    assert!(req.path.starts_with("/v2/customer_profiles/"), "{what}");
                    check(&single, &req.body, &what);
                    check_attributes(
                        &catalog,
                        Entity::CustomerProfile,
                        &req.body["attributes"],
                        &what,
                    );
                    bulk_items
                        .push(json!({"integrationId": r.id, "attributes": req.body["attributes"]}));
                }
                Target::Sessions => {
                    assert!(req.path.starts_with("/v2/customer_sessions/"), "{what}");
                    check(&session, &req.body, &what);
                    let s = &req.body["customerSession"];
                    assert_eq!(s["state"], "closed", "{what}");
                    if let Some(attrs) = s.get("attributes") {
                        check_attributes(&catalog, Entity::CustomerSession, attrs, &what);
                    }
                    for item in s["cartItems"].as_array().into_iter().flatten() {
                        if let Some(attrs) = item.get("attributes") {
                            check_attributes(&catalog, Entity::CartItem, attrs, &what);
                        }
                    }
                }
            }
        }
        if !bulk_items.is_empty() {
            // The engine sends profiles in bulk with the same attributes; that shape must conform too.
            check(
                &bulk,
                &json!({"customerProfiles": bulk_items}),
                &format!("{path} (bulk)"),
            );
        }
    }
}

#[test]
fn the_schemas_reject_what_talon_one_rejects() {
    let schemas = schemas();
    let session = validator(&schemas["customer_session"]);
    let bad = [
        json!({"customerSession": {"profileId": "c1", "state": "done"}}),
        json!({"customerSession": {"cartItems": [{"sku": "", "quantity": 1}]}}),
        json!({"customerSession": {"cartItems": [{"sku": "A", "quantity": 0}]}}),
        json!({"customerSession": {"cartItems": [{"sku": "A", "quantity": 1, "position": 3}]}}),
        json!({"profileId": "c1"}),
    ];
    for b in bad {
        assert!(!session.is_valid(&b), "accepted: {b}");
    }
    let bulk = validator(&schemas["customer_profiles_bulk"]);
    assert!(!bulk.is_valid(&json!({"customerProfiles": [{"attributes": {}}]})));
    assert!(!validator(&value_schema(AttrType::Time)).is_valid(&json!("04.03.2021")));
    assert!(validator(&value_schema(AttrType::Time)).is_valid(&json!("2021-03-04T00:00:00Z")));
}

#[test]
fn the_derived_schemas_name_their_source() {
    let text = std::fs::read_to_string("tests/schemas/requests.json").unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(
        v["$comment"]
            .as_str()
            .unwrap()
            .contains("c703007552ec466dc7665fe17396f532da0cd66b")
    );
    for name in [
        "customer_profile",
        "customer_profiles_bulk",
        "customer_session",
    ] {
        assert!(v["schemas"][name].is_object(), "{name}");
    }
}
