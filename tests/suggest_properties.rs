//! Auto-suggest on arbitrary input: never panics, only suggests columns that exist, uses each column once
//! (the id may reuse the email column), keeps confidences in 0–1, and its commented TOML parses back.

use std::path::Path;

use proptest::prelude::*;
use talon_import::mapping::suggest::{Slot, suggest};
use talon_import::mapping::{Catalog, Mapping, Target};

fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Customer ID".to_string()),
        Just("E-Mail".to_string()),
        Just("First Name".to_string()),
        Just("Nachname".to_string()),
        Just("Lineitem sku".to_string()),
        Just("Menge".to_string()),
        Just("Shipping".to_string()),
        Just("Order".to_string()),
        Just("Created at".to_string()),
        "\\PC{0,12}",
        ".{0,12}",
    ]
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("2021-03-04".to_string()),
        Just("anna@example.com".to_string()),
        Just("yes".to_string()),
        Just("12,50".to_string()),
        Just("+49 30 123456".to_string()),
        ".{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn suggestions_are_well_formed(
        cols in prop::collection::vec(header(), 0..8),
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..9), 0..5),
        sessions in any::<bool>(),
    ) {
        let target = if sessions { Target::Sessions } else { Target::Profiles };
        let found = suggest(&cols, &rows, target, &Catalog::builtin());
        let mut used: Vec<&String> = vec![];
        for s in &found.suggestions {
            prop_assert!((0.0..=1.0).contains(&s.confidence));
            prop_assert!(!s.reason.is_empty());
            for c in &s.columns {
                prop_assert!(cols.contains(c));
                if !matches!(s.slot, Slot::Id | Slot::ProfileId) {
                    prop_assert!(!used.contains(&c), "{c} used twice");
                    used.push(c);
                }
            }
        }
        let mut slots: Vec<String> = found.suggestions.iter().map(|s| s.slot.key()).collect();
        slots.sort();
        let n = slots.len();
        slots.dedup();
        prop_assert_eq!(n, slots.len());
        prop_assert_eq!(found.profiles.len(), cols.len());

        let m = found.to_mapping("file.csv");
        let text = found.to_commented_toml(&m, "header");
        let back = Mapping::from_toml(&text, Path::new("m.toml"));
        prop_assert!(back.is_ok(), "{text}");
        prop_assert_eq!(back.unwrap(), m);
    }
}
