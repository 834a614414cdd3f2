//! Building an [`ImportJob`] from a mapping file: the records (through `payload::plan`), what the results
//! files need (columns, which column each attribute comes from) and the fingerprints summary.json records.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::ImportJob;
use crate::mapping::{Catalog, Mapping, MappingError};

impl ImportJob {
    /// Opens the mapping's source and prepares its records. `name` keys the journal (use the mapping file's
    /// stem). With `count`, the file is read once beforehand to know the number of records (progress, ETA).
    pub fn from_mapping(
        name: impl Into<String>,
        mapping: &Mapping,
        mapping_path: Option<&Path>,
        catalog: &Catalog,
        count: bool,
    ) -> Result<ImportJob, MappingError> {
        let total = if count {
            let plan = crate::payload::plan(mapping, catalog)?;
            Some(plan.take_while(Result::is_ok).count() as u64)
        } else {
            None
        };
        let plan = crate::payload::plan(mapping, catalog)?;
        let mut job = ImportJob::from_plan(name, mapping.target, plan);
        job.total = total;
        job.attribute_columns = attribute_columns(mapping);
        job.mapping_sha256 = mapping_path.and_then(|p| sha256_file(p).ok());
        job.source_sha256 = sha256_file(&mapping.source_path()).ok();
        Ok(job)
    }
}

/// Attribute name → the source columns its value is built from (profile/session attributes, cart-item
/// attributes and the fixed session fields the server may name).
pub fn attribute_columns(mapping: &Mapping) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (name, spec) in &mapping.attributes {
        out.insert(name.clone(), spec.columns());
    }
    if let Some(items) = &mapping.cart_items {
        for (name, spec) in &items.attributes {
            out.entry(name.clone()).or_insert_with(|| spec.columns());
        }
    }
    out
}

/// Hex SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
