//! The mapping file (TOML): what the wizard saves and the headless commands read. The key names are a
//! contract that tests and scripts rely on — add keys, never rename them. Paths inside are relative to the
//! mapping file; [`Mapping::load`] remembers the file's folder in `base_dir`.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::Target;
use crate::source::SourceOptions;
use crate::talon::attributes::{AttrType, Entity};

/// A whole mapping file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub target: Target,
    /// Sessions only: the state to send (default `closed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub source: SourceSpec,
    /// The integration id of each profile, or the session id of each session.
    pub id: FieldSpec,
    /// Sessions only: the profile's integration id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<FieldSpec>,
    /// Attribute name → where its value comes from, in file order (payloads keep this order).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub attributes: IndexMap<String, FieldSpec>,
    /// Sessions only: order total, used when `[cart_items]` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<TotalSpec>,
    /// Sessions only: one row per line item; rows sharing the session id form one session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_items: Option<CartItemsSpec>,
    /// Sessions only: additional cost name (e.g. `shipping`) → its price.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub additional_costs: IndexMap<String, FieldSpec>,
    /// Attributes the admin declares by hand (not in the built-in catalog, not fetched): name → type.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub custom_attributes: IndexMap<String, CustomAttribute>,
    /// The folder the mapping was loaded from; relative paths resolve against it. Not part of the file.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// `[source]`: which file and how to read it (every option overrides detection).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub file: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
    /// One character, or `tab`/`\t`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// Where one value comes from: exactly one of `column`, `template` or `value`, plus conversion options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// `"{First Name} {Last Name}"`: columns in braces; empty parts collapse cleanly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// A constant (string, number or boolean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<toml::Value>,
    /// Overrides the catalog's type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<AttrType>,
    /// strftime-style format for times, e.g. `%d.%m.%Y`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// IANA zone for times without an offset (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Lists: the separator between items (default `,`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// Booleans: extra words read as true / false.
    #[serde(default, rename = "true", skip_serializing_if = "Option::is_none")]
    pub true_words: Option<Vec<String>>,
    #[serde(default, rename = "false", skip_serializing_if = "Option::is_none")]
    pub false_words: Option<Vec<String>>,
    /// Used when the cell is empty (otherwise an empty cell omits the attribute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Lists: drop empty items (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_empty: Option<bool>,
    /// Ids only: prepended to the value, e.g. `shop-`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

impl FieldSpec {
    pub fn column(name: impl Into<String>) -> Self {
        FieldSpec {
            column: Some(name.into()),
            ..Default::default()
        }
    }
    pub fn template(t: impl Into<String>) -> Self {
        FieldSpec {
            template: Some(t.into()),
            ..Default::default()
        }
    }
    pub fn constant(v: impl Into<toml::Value>) -> Self {
        FieldSpec {
            value: Some(v.into()),
            ..Default::default()
        }
    }
    /// Every source column this field reads (the column, or the `{names}` in the template).
    pub fn columns(&self) -> Vec<String> {
        if let Some(c) = &self.column {
            return vec![c.clone()];
        }
        let Some(t) = &self.template else {
            return vec![];
        };
        let mut out = vec![];
        let mut rest = t.as_str();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start + 1..].find('}') else {
                break;
            };
            out.push(rest[start + 1..start + 1 + len].to_string());
            rest = &rest[start + 2 + len..];
        }
        out
    }
}

/// `[total]`: the order total when there are no line items.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalSpec {
    #[serde(flatten)]
    pub field: FieldSpec,
    /// `cart_item` (default: one cart item, quantity 1, price = total) or `total` (send `total` as the
    /// import guide shows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_as: Option<TotalMode>,
    /// The SKU of the single cart item (default `order-total`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TotalMode {
    CartItem,
    Total,
}

/// `[cart_items]`: the line-item fields of each row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartItemsSpec {
    pub sku: FieldSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<FieldSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<FieldSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<FieldSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<FieldSpec>,
    /// Cart-item attributes.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub attributes: IndexMap<String, FieldSpec>,
}

/// `[custom_attributes]`: `Tier = "string"` or `Tier = { type = "string", entity = "CartItem" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CustomAttribute {
    Type(AttrType),
    Full {
        #[serde(rename = "type")]
        kind: AttrType,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entity: Option<Entity>,
    },
}

impl CustomAttribute {
    pub fn kind(&self) -> AttrType {
        match self {
            CustomAttribute::Type(k) | CustomAttribute::Full { kind: k, .. } => *k,
        }
    }
    pub fn entity(&self) -> Option<Entity> {
        match self {
            CustomAttribute::Type(_) => None,
            CustomAttribute::Full { entity, .. } => *entity,
        }
    }
}

/// A mapping that cannot be used as written; each names the file and, where it can, the line and key.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("{path}: cannot read the mapping: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Toml { path: PathBuf, message: String },
    /// A key that is present but wrong (unknown column, two of column/template/value, …).
    #[error("{path}: [{key}]: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
}

impl Mapping {
    /// A new, empty mapping of `file` for `target`, its id taken from `id_column`.
    pub fn new(target: Target, file: impl Into<PathBuf>, id_column: impl Into<String>) -> Self {
        Mapping {
            target,
            state: None,
            source: SourceSpec {
                file: file.into(),
                ..Default::default()
            },
            id: FieldSpec::column(id_column),
            profile_id: None,
            attributes: IndexMap::new(),
            total: None,
            cart_items: None,
            additional_costs: IndexMap::new(),
            custom_attributes: IndexMap::new(),
            base_dir: PathBuf::new(),
        }
    }

    /// Reads and parses a mapping file; `base_dir` becomes the file's folder.
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut m = Mapping::from_toml(&text, path)?;
        m.base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(m)
    }

    /// Parses TOML text; `path` is only used in messages. toml's message already names line and key.
    pub fn from_toml(text: &str, path: &Path) -> Result<Mapping, MappingError> {
        toml::from_str(text).map_err(|e| MappingError::Toml {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    pub fn to_toml(&self) -> String {
        // Serializing our own plain structs cannot fail; an empty string would be caught by load's parser.
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the mapping to `path` atomically (temp file + rename) so a crash never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), MappingError> {
        let io = |source| MappingError::Io {
            path: path.to_path_buf(),
            source,
        };
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, self.to_toml()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// The source file's path, resolved against the mapping's folder.
    pub fn source_path(&self) -> PathBuf {
        if self.source.file.is_absolute() {
            self.source.file.clone()
        } else {
            self.base_dir.join(&self.source.file)
        }
    }

    /// `[source]` as options for [`crate::source::open`].
    pub fn source_options(&self) -> SourceOptions {
        let delimiter = self
            .source
            .delimiter
            .as_deref()
            .and_then(|d| crate::source::parse_delimiter(d).ok());
        SourceOptions {
            sheet: self.source.sheet.clone(),
            header_row: self.source.header_row,
            delimiter,
            encoding: self.source.encoding.clone(),
        }
    }

    /// The state to send for sessions.
    pub fn session_state(&self) -> &str {
        self.state.as_deref().unwrap_or("closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILES: &str = r#"
target = "profiles"
[source]
file = "customers.csv"
[id]
column = "Customer ID"
prefix = "shop-"
[attributes.Name]
template = "{First Name} {Last Name}"
[attributes.Email]
column = "Email"
[attributes.SignupDate]
column = "Created"
type = "time"
format = "%d.%m.%Y"
timezone = "Europe/Berlin"
[attributes.Source]
value = "shopify-2024"
[custom_attributes]
Tier = "string"
Points = { type = "number", entity = "CustomerProfile" }
"#;

    #[test]
    fn the_documented_profile_mapping_round_trips() {
        let m = Mapping::from_toml(PROFILES, Path::new("m.toml")).unwrap();
        assert_eq!(m.target, Target::Profiles);
        assert_eq!(m.id.prefix.as_deref(), Some("shop-"));
        let keys: Vec<_> = m.attributes.keys().cloned().collect();
        assert_eq!(keys, ["Name", "Email", "SignupDate", "Source"]);
        assert_eq!(
            m.attributes["Name"].columns(),
            ["First Name".to_string(), "Last Name".to_string()]
        );
        assert_eq!(m.attributes["SignupDate"].kind, Some(AttrType::Time));
        assert_eq!(m.custom_attributes["Points"].kind(), AttrType::Number);
        let again = Mapping::from_toml(&m.to_toml(), Path::new("m.toml")).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn the_documented_session_mapping_parses() {
        let text = r#"
target = "sessions"
state = "closed"
[source]
file = "orders.xlsx"
sheet = "Orders"
[id]
column = "Order"
[profile_id]
column = "Customer ID"
[total]
column = "Total"
[cart_items]
sku = { column = "Lineitem sku" }
name = { column = "Lineitem name" }
quantity = { column = "Lineitem quantity" }
price = { column = "Lineitem price" }
[additional_costs.shipping]
column = "Shipping"
"#;
        let m = Mapping::from_toml(text, Path::new("m.toml")).unwrap();
        assert_eq!(m.session_state(), "closed");
        assert_eq!(
            m.cart_items.unwrap().price.unwrap().column.as_deref(),
            Some("Lineitem price")
        );
        assert_eq!(m.total.unwrap().field.column.as_deref(), Some("Total"));
        assert!(m.additional_costs.contains_key("shipping"));
    }

    #[test]
    fn a_typo_in_a_key_is_reported_with_its_line() {
        let err = Mapping::from_toml(
            "target = \"profiles\"\n[source]\nfiel = \"x.csv\"\n",
            Path::new("m.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("m.toml"), "{err}");
        assert!(err.contains("line 3") || err.contains("fiel"), "{err}");
    }
}
