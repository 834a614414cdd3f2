//! Attribute definitions as the Management API lists them (`GET /v1/attributes`), and the built-in set shipped
//! in `assets/catalog/builtin-attributes.json`. The mapping's catalog and the sandbox both start from this list.

use serde::{Deserialize, Serialize};

/// The entity an attribute belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Entity {
    CustomerProfile,
    CustomerSession,
    CartItem,
    /// Entities talon-import does not import into (Campaign, Coupon, Event, …); kept so lists parse.
    #[serde(other)]
    Other,
}

/// An attribute's data type, spelled as Talon.One spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AttrType {
    #[serde(rename = "string")]
    String,
    #[serde(rename = "number")]
    Number,
    #[serde(rename = "boolean")]
    Boolean,
    #[serde(rename = "time")]
    Time,
    #[serde(rename = "(list string)")]
    ListString,
    #[serde(rename = "(list number)")]
    ListNumber,
    #[serde(rename = "(list time)")]
    ListTime,
    #[serde(rename = "location")]
    Location,
    #[serde(rename = "(list location)")]
    ListLocation,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Number => "number",
            AttrType::Boolean => "boolean",
            AttrType::Time => "time",
            AttrType::ListString => "(list string)",
            AttrType::ListNumber => "(list number)",
            AttrType::ListTime => "(list time)",
            AttrType::Location => "location",
            AttrType::ListLocation => "(list location)",
        }
    }
}

impl std::fmt::Display for AttrType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AttrType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_string())).map_err(|_| {
            format!(
                "unknown attribute type {s:?}; use one of string, number, boolean, time, (list string), \
                 (list number), (list time), location"
            )
        })
    }
}

/// One attribute definition (the fields of the Management API's `Attribute` that talon-import uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeDef {
    pub entity: Entity,
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(rename = "type")]
    pub kind: AttrType,
    #[serde(default)]
    pub description: String,
    /// True for Talon.One's built-in attributes (not part of the Management API shape).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub builtin: bool,
}

/// A page of `GET /v1/attributes`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributePage {
    #[serde(default)]
    pub total_result_size: Option<u64>,
    #[serde(default)]
    pub has_more: Option<bool>,
    pub data: Vec<AttributeDef>,
}

const BUILTIN_JSON: &str = include_str!("../../assets/catalog/builtin-attributes.json");

/// Talon.One's built-in attributes for the entities talon-import writes.
pub fn builtin() -> Vec<AttributeDef> {
    // The file is ours and checked by a test, so a parse failure is a build defect, not user input.
    serde_json::from_str::<AttributePage>(BUILTIN_JSON)
        .map(|p| p.data)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_covers_the_entities() {
        let all = builtin();
        assert!(all.len() > 30);
        for e in [
            Entity::CustomerProfile,
            Entity::CustomerSession,
            Entity::CartItem,
        ] {
            assert!(all.iter().any(|a| a.entity == e), "{e:?}");
        }
        let email = all.iter().find(|a| a.name == "Email").unwrap();
        assert_eq!(email.kind, AttrType::String);
        assert_eq!(
            "(list number)".parse::<AttrType>().unwrap(),
            AttrType::ListNumber
        );
    }
}
