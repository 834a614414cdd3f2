//! Snapshots of the preview rendering itself (HTTP, curl, JSON), from hand-made records shaped like the
//! Shopify fixtures: a profile, a session grouped from two line-item rows, and a record that is not sent.

use serde_json::json;
use talon_import::payload::render::{Context, Format, render};
use talon_import::payload::{Problem, Record, Request};

fn records() -> Vec<Record> {
    vec![
        Record {
            rows: vec![1],
            id: "shopify-7220348731610".into(),
            profile_id: Some("shopify-7220348731610".into()),
            source: vec![],
            request: Ok(Request {
                method: "PUT",
                path: "/v2/customer_profiles/shopify-7220348731610".into(),
                body: json!({"attributes": {
                    "Name": "Anna Müller",
                    "Email": "anna.mueller@example.de",
                    "City": "Berlin",
                    "AcceptsEmailMarketing": true,
                    "Tags": ["vip", "newsletter"],
                }}),
            }),
        },
        Record {
            rows: vec![1, 2],
            id: "#1001".into(),
            profile_id: Some("anna.mueller@example.de".into()),
            source: vec![],
            request: Ok(Request {
                method: "PUT",
                path: "/v2/customer_sessions/%231001".into(),
                body: json!({"customerSession": {
                    "profileId": "anna.mueller@example.de",
                    "state": "closed",
                    "cartItems": [
                        {"sku": "TSHIRT-ORG-M", "name": "Organic Cotton T-Shirt - M", "quantity": 2, "price": 39.9},
                        {"sku": "TOTE-NAT", "name": "Canvas Tote Bag, natural", "quantity": 1, "price": 40.0},
                    ],
                    "additionalCosts": {"shipping": {"price": 4.9}},
                    "attributes": {"OrderDate": "2024-03-04T10:14:02+01:00", "Currency": "EUR"},
                }}),
            }),
        },
        Record {
            rows: vec![6],
            id: String::new(),
            profile_id: None,
            source: vec![],
            request: Err(vec![Problem {
                row: 6,
                field: "id".into(),
                column: Some("Customer ID".into()),
                value: None,
                kind: "missing_id".into(),
                message: "the integration id is empty; fill in \"Customer ID\" or remove the row"
                    .into(),
            }]),
        },
    ]
}

fn ctx() -> Context {
    Context::new(
        Some("https://acme.europe-west1.talon.one"),
        Some("preview-test-api-key-abcd1234"),
    )
}

#[test]
fn http() {
    insta::assert_snapshot!(render(&records(), Format::Http, &ctx()));
}

#[test]
fn curl() {
    insta::assert_snapshot!(render(&records(), Format::Curl, &ctx()));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(&records(), Format::Json, &ctx()));
}
