//! Columns → Talon.One attributes: the mapping file (TOML), the attribute catalog, auto-suggestion, value
//! conversion by type, and whole-file validation. Reads rows through [`crate::source`]; knows nothing of HTTP.

pub mod catalog;
pub mod convert;
pub mod duplicates;
pub mod file;
pub mod suggest;
pub mod validate;

pub use catalog::Catalog;
pub use file::{
    CartItemsSpec, CustomAttribute, FieldSpec, Mapping, MappingError, SourceSpec, TotalMode,
    TotalSpec,
};

use serde::{Deserialize, Serialize};

/// What a mapping imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Customer profiles (`PUT /v2/customer_profiles…`).
    Profiles,
    /// Past orders as closed customer sessions (`PUT /v2/customer_sessions/{id}`).
    Sessions,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Profiles => "profiles",
            Target::Sessions => "sessions",
        }
    }
}
