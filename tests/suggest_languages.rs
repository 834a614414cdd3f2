//! Auto-suggest on realistic headers: Shopify exports, German and French files, and values that rule out
//! a name match (a date column is never a phone number).

use std::path::Path;

use talon_import::mapping::suggest::{CartField, Slot, Suggestions, ValueKind, suggest};
use talon_import::mapping::{Catalog, Mapping, Target};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn run(columns: &[&str], rows: &[&[&str]], target: Target) -> Suggestions {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| s(r)).collect();
    suggest(&s(columns), &rows, target, &Catalog::builtin())
}

fn column_of(found: &Suggestions, slot: Slot) -> Option<String> {
    found.get(&slot).map(|x| x.columns.join(" + "))
}

fn attr(name: &str) -> Slot {
    Slot::Attribute(name.into())
}

fn from_file(path: &str, target: Target) -> Suggestions {
    let reader = talon_import::source::open(Path::new(path), &Default::default()).unwrap();
    let columns = reader.info.columns.clone();
    let rows: Vec<Vec<String>> = reader
        .map(|r| r.unwrap().cells.into_iter().map(|c| c.value).collect())
        .collect();
    suggest(&columns, &rows, target, &Catalog::builtin())
}

#[test]
fn shopify_customer_export() {
    let found = from_file(
        "tests/fixtures/shopify/customers_export.csv",
        Target::Profiles,
    );
    assert_eq!(column_of(&found, Slot::Id).as_deref(), Some("Customer ID"));
    let name = found.get(&attr("Name")).unwrap();
    assert_eq!(
        name.spec.template.as_deref(),
        Some("{First Name} {Last Name}")
    );
    assert_eq!(column_of(&found, attr("Email")).as_deref(), Some("Email"));
    assert_eq!(column_of(&found, attr("Phone")).as_deref(), Some("Phone"));
    assert_eq!(
        column_of(&found, attr("City")).as_deref(),
        Some("Default Address City")
    );
    assert_eq!(
        column_of(&found, attr("PostCode")).as_deref(),
        Some("Default Address Zip")
    );
    assert_eq!(
        column_of(&found, attr("Country")).as_deref(),
        Some("Default Address Country Code")
    );
    // Yes/no marketing flags are not email addresses, however the header reads.
    let marketing = found
        .unmatched
        .iter()
        .find(|u| u.column == "Accepts Email Marketing")
        .unwrap();
    assert_eq!(marketing.kind, ValueKind::Boolean);
    assert!(
        marketing
            .hint
            .contains("AcceptsEmailMarketing = \"boolean\""),
        "{}",
        marketing.hint
    );
    let tags = found.unmatched.iter().find(|u| u.column == "Tags").unwrap();
    assert!(tags.hint.contains("(list string)"), "{}", tags.hint);
    for x in &found.suggestions {
        assert!((0.0..=1.0).contains(&x.confidence), "{x:?}");
        assert!(!x.reason.is_empty());
    }
}

#[test]
fn shopify_order_export() {
    let found = from_file("tests/fixtures/shopify/orders_export.csv", Target::Sessions);
    // "Id" is only filled on an order's first line, so the order number ("Name") is the session id.
    assert_eq!(column_of(&found, Slot::Id).as_deref(), Some("Name"));
    assert_eq!(column_of(&found, Slot::ProfileId).as_deref(), Some("Email"));
    assert!(
        found
            .get(&Slot::ProfileId)
            .unwrap()
            .reason
            .contains("poor id")
    );
    assert_eq!(
        column_of(&found, Slot::CartItem(CartField::Sku)).as_deref(),
        Some("Lineitem sku")
    );
    assert_eq!(
        column_of(&found, Slot::CartItem(CartField::Quantity)).as_deref(),
        Some("Lineitem quantity")
    );
    assert_eq!(
        column_of(&found, Slot::CartItem(CartField::Price)).as_deref(),
        Some("Lineitem price")
    );
    assert_eq!(
        column_of(&found, Slot::CartItem(CartField::Name)).as_deref(),
        Some("Lineitem name")
    );
    assert_eq!(
        column_of(&found, Slot::AdditionalCost("shipping".into())).as_deref(),
        Some("Shipping")
    );
    assert_eq!(
        column_of(&found, attr("OrderDate")).as_deref(),
        Some("Created at")
    );
    assert_eq!(
        column_of(&found, attr("BillingPostalCode")).as_deref(),
        Some("Billing Zip")
    );
    // With line items, the total is left out (Talon.One computes it).
    assert!(found.get(&Slot::Total).is_none());
    assert!(found.unmatched.iter().any(|u| u.column == "Total"));
}

#[test]
fn german_customer_file() {
    let found = run(
        &[
            "Kundennummer",
            "Vorname",
            "Nachname",
            "E-Mail-Adresse",
            "Telefonnummer",
            "Geburtsdatum",
            "Registriert am",
            "Straße",
            "PLZ",
            "Ort",
            "Land",
            "Geschlecht",
        ],
        &[
            &[
                "K-1001",
                "Anna",
                "Müller",
                "anna@example.de",
                "030 1234567",
                "04.03.1985",
                "01.02.2020",
                "Hauptstr. 5",
                "10115",
                "Berlin",
                "DE",
                "w",
            ],
            &[
                "K-1002",
                "Jörg",
                "Schmidt",
                "joerg@example.de",
                "",
                "31.12.1970",
                "15.06.2021",
                "Ringweg 2",
                "80331",
                "München",
                "DE",
                "m",
            ],
        ],
        Target::Profiles,
    );
    assert_eq!(column_of(&found, Slot::Id).as_deref(), Some("Kundennummer"));
    assert_eq!(
        found.get(&attr("Name")).unwrap().spec.template.as_deref(),
        Some("{Vorname} {Nachname}")
    );
    for (a, c) in [
        ("Email", "E-Mail-Adresse"),
        ("Phone", "Telefonnummer"),
        ("BirthDate", "Geburtsdatum"),
        ("SignupDate", "Registriert am"),
        ("Address1", "Straße"),
        ("PostCode", "PLZ"),
        ("City", "Ort"),
        ("Country", "Land"),
        ("Gender", "Geschlecht"),
    ] {
        assert_eq!(column_of(&found, attr(a)).as_deref(), Some(c), "{a}");
    }
    assert!(found.unmatched.is_empty(), "{:?}", found.unmatched);
}

#[test]
fn french_and_english_synonyms() {
    let found = run(
        &[
            "Numéro client",
            "Prénom",
            "Nom",
            "Courriel",
            "Date de naissance",
            "Customer since",
        ],
        &[&[
            "C1",
            "Zoë",
            "Martin",
            "zoe@example.fr",
            "1990-05-01",
            "2019-01-01",
        ]],
        Target::Profiles,
    );
    assert_eq!(
        column_of(&found, Slot::Id).as_deref(),
        Some("Numéro client")
    );
    assert_eq!(
        found.get(&attr("Name")).unwrap().spec.template.as_deref(),
        Some("{Prénom} {Nom}")
    );
    assert_eq!(
        column_of(&found, attr("Email")).as_deref(),
        Some("Courriel")
    );
    assert_eq!(
        column_of(&found, attr("BirthDate")).as_deref(),
        Some("Date de naissance")
    );
    assert_eq!(
        column_of(&found, attr("SignupDate")).as_deref(),
        Some("Customer since")
    );
}

#[test]
fn german_order_file_with_line_items() {
    let found = run(
        &[
            "Bestellnummer",
            "Kundennummer",
            "Bestelldatum",
            "Artikelnummer",
            "Artikelname",
            "Menge",
            "Einzelpreis",
            "Versandkosten",
            "Zahlungsart",
            "Währung",
        ],
        &[
            &[
                "B-1",
                "K-1001",
                "2024-03-04",
                "SKU-1",
                "Socken",
                "2",
                "9,90",
                "4,90",
                "PayPal",
                "EUR",
            ],
            &[
                "B-1", "K-1001", "", "SKU-2", "Mütze", "1", "19,90", "", "", "",
            ],
        ],
        Target::Sessions,
    );
    assert_eq!(
        column_of(&found, Slot::Id).as_deref(),
        Some("Bestellnummer")
    );
    assert_eq!(
        column_of(&found, Slot::ProfileId).as_deref(),
        Some("Kundennummer")
    );
    assert_eq!(
        column_of(&found, attr("OrderDate")).as_deref(),
        Some("Bestelldatum")
    );
    assert_eq!(
        column_of(&found, Slot::CartItem(CartField::Sku)).as_deref(),
        Some("Artikelnummer")
    );
    assert_eq!(
        column_of(&found, Slot::CartItem(CartField::Quantity)).as_deref(),
        Some("Menge")
    );
    assert_eq!(
        column_of(&found, Slot::CartItem(CartField::Price)).as_deref(),
        Some("Einzelpreis")
    );
    assert_eq!(
        column_of(&found, Slot::AdditionalCost("shipping".into())).as_deref(),
        Some("Versandkosten")
    );
    assert_eq!(
        column_of(&found, attr("PaymentMethod")).as_deref(),
        Some("Zahlungsart")
    );
    assert_eq!(
        column_of(&found, attr("Currency")).as_deref(),
        Some("Währung")
    );
}

#[test]
fn order_totals_without_line_items_map_to_total() {
    let found = run(
        &["Order ID", "Customer No", "Order Total", "Date"],
        &[&["1", "C1", "12.50", "2024-01-01"]],
        Target::Sessions,
    );
    assert_eq!(
        column_of(&found, Slot::Total).as_deref(),
        Some("Order Total")
    );
    assert_eq!(
        column_of(&found, Slot::ProfileId).as_deref(),
        Some("Customer No")
    );
    assert_eq!(
        column_of(&found, attr("OrderDate")).as_deref(),
        Some("Date")
    );
    let m = found.to_mapping("orders.csv");
    assert_eq!(
        m.total.unwrap().field.column.as_deref(),
        Some("Order Total")
    );
    assert!(m.cart_items.is_none());
}

#[test]
fn values_overrule_names() {
    let found = run(
        &["Phone", "Email", "Signup"],
        &[
            &["2021-01-01", "not an address", "yes"],
            &["2021-02-01", "nope", "no"],
        ],
        Target::Profiles,
    );
    assert!(found.get(&attr("Phone")).is_none());
    assert!(found.get(&attr("Email")).is_none());
    assert!(found.get(&attr("SignupDate")).is_none());
    let phone = found
        .unmatched
        .iter()
        .find(|u| u.column == "Phone")
        .unwrap();
    assert!(phone.hint.contains("dates"), "{}", phone.hint);
}

#[test]
fn misspelt_headers_match_fuzzily_with_lower_confidence() {
    let found = run(
        &["Custmer ID", "Emial", "Birthdate"],
        &[&["1", "a@b.de", "1990-01-01"]],
        Target::Profiles,
    );
    let id = found.get(&Slot::Id).unwrap();
    assert_eq!(id.columns, ["Custmer ID"]);
    assert!(id.confidence < 0.9 && id.confidence >= 0.5, "{id:?}");
    assert_eq!(column_of(&found, attr("Email")).as_deref(), Some("Emial"));
    assert_eq!(
        column_of(&found, attr("BirthDate")).as_deref(),
        Some("Birthdate")
    );
    assert_eq!(found.get(&attr("BirthDate")).unwrap().confidence, 1.0);
}

#[test]
fn email_only_files_use_the_email_as_id_with_a_warning() {
    let found = run(
        &["E-mail address", "Full name"],
        &[&["a@example.com", "Ann A"]],
        Target::Profiles,
    );
    let id = found.get(&Slot::Id).unwrap();
    assert_eq!(id.columns, ["E-mail address"]);
    assert!(
        id.confidence < 0.5 && id.reason.contains("poor id"),
        "{id:?}"
    );
    assert_eq!(
        column_of(&found, attr("Email")).as_deref(),
        Some("E-mail address")
    );
    assert_eq!(
        column_of(&found, attr("Name")).as_deref(),
        Some("Full name")
    );
}

#[test]
fn custom_attributes_in_the_catalog_are_matched() {
    let mut catalog = Catalog::builtin();
    catalog.extend([talon_import::talon::attributes::AttributeDef {
        entity: talon_import::talon::attributes::Entity::CustomerProfile,
        name: "LoyaltyTier".into(),
        title: "Loyalty tier".into(),
        kind: talon_import::talon::attributes::AttrType::String,
        description: String::new(),
        builtin: false,
    }]);
    let found = suggest(
        &s(&["Customer ID", "Loyalty Tier"]),
        &[s(&["1", "gold"])],
        Target::Profiles,
        &catalog,
    );
    assert_eq!(
        column_of(&found, attr("LoyaltyTier")).as_deref(),
        Some("Loyalty Tier")
    );
}

#[test]
fn the_commented_toml_parses_back() {
    for (file, target) in [
        (
            "tests/fixtures/shopify/customers_export.csv",
            Target::Profiles,
        ),
        ("tests/fixtures/shopify/orders_export.csv", Target::Sessions),
    ] {
        let found = from_file(file, target);
        let m = found.to_mapping("export.csv");
        let text = found.to_commented_toml(&m, "header line one\nline two");
        let back = Mapping::from_toml(&text, Path::new("m.toml")).unwrap();
        assert_eq!(back, m);
        assert!(text.starts_with("# header line one\n# line two\n"));
        assert!(text.contains("# Columns not mapped"));
    }
}

#[test]
fn column_names_cannot_break_out_of_comments() {
    let found = run(
        &["Customer ID", "evil\ntarget = \"sessions\""],
        &[&["1", "x"]],
        Target::Profiles,
    );
    let m = found.to_mapping("x.csv");
    let text = found.to_commented_toml(&m, "");
    let back = Mapping::from_toml(&text, Path::new("m.toml")).unwrap();
    assert_eq!(back.target, Target::Profiles);
}

#[test]
fn alternatives_list_other_fits_for_the_wizard() {
    let found = run(
        &["Customer ID", "Shipping City", "Billing City"],
        &[&["1", "Berlin", "Hamburg"]],
        Target::Sessions,
    );
    let alts: Vec<String> = found
        .alternatives_for("Shipping City")
        .map(|a| a.slot.key())
        .collect();
    assert_eq!(
        alts.first().map(String::as_str),
        Some("attributes.ShippingCity")
    );
    assert!(alts.len() <= 3);
    assert!(
        found
            .alternatives_for("Shipping City")
            .all(|a| a.confidence >= 0.4 && !a.reason.is_empty())
    );
}
