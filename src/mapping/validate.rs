//! Whole-file validation: every record of [`crate::payload::plan`] checked (so validate, preview and the
//! import can never disagree), identical problems grouped by (field, kind) with a count and up to three
//! examples, duplicate profile ids and email-looking ids reported as warnings. Streaming for profiles: memory
//! holds the groups and one `(id → first row)` entry per distinct id.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Serialize;

use super::{Catalog, Mapping, MappingError, Target};
use crate::source::SourceError;

/// Examples kept per problem group.
pub const EXAMPLES: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub row: u64,
    pub value: Option<String>,
    pub message: String,
}

/// Identical problems: same field, same kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemGroup {
    pub field: String,
    pub kind: String,
    pub count: u64,
    pub examples: Vec<Example>,
}

/// The outcome of validating a whole file. `problems` holds errors and warnings (warnings have kinds
/// `duplicate_id`, `email_as_id`); `warnings` counts the warning occurrences.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub rows: u64,
    pub valid: u64,
    pub invalid: u64,
    pub warnings: u64,
    pub problems: Vec<ProblemGroup>,
}

impl Report {
    fn add(
        &mut self,
        groups: &mut IndexMap<(String, String), ProblemGroup>,
        field: &str,
        kind: &str,
        ex: Example,
    ) {
        let g = groups
            .entry((field.to_string(), kind.to_string()))
            .or_insert_with(|| ProblemGroup {
                field: field.to_string(),
                kind: kind.to_string(),
                count: 0,
                examples: vec![],
            });
        g.count += 1;
        if g.examples.len() < EXAMPLES {
            g.examples.push(ex);
        }
    }

    /// One line per group: `SignupDate: 37 rows, e.g. row 12 "31/02/2020" is not a valid date`.
    pub fn lines(&self) -> Vec<String> {
        self.problems
            .iter()
            .map(|g| {
                let e = g.examples.first();
                format!(
                    "{}: {} row{}{}",
                    g.field,
                    g.count,
                    if g.count == 1 { "" } else { "s" },
                    e.map(|e| format!(", e.g. row {}: {}", e.row, e.message))
                        .unwrap_or_default()
                )
            })
            .collect()
    }
}

/// Progress while validating, for the wizard: rows read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub rows: u64,
}

/// Validates the whole file; `progress` is called every 10,000 rows and at the end (send it over a channel
/// from a worker thread in the wizard).
pub fn validate(
    mapping: &Mapping,
    catalog: &Catalog,
    mut progress: impl FnMut(Progress),
) -> Result<Report, ValidateError> {
    let plan = crate::payload::plan(mapping, catalog)?;
    let mut report = Report::default();
    let mut groups: IndexMap<(String, String), ProblemGroup> = IndexMap::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut emails = 0u64;
    let mut ids = 0u64;
    let mut next_tick = 10_000;
    for rec in plan {
        let rec = rec?;
        let n = rec.rows.len() as u64;
        report.rows += n;
        match &rec.request {
            Ok(_) => report.valid += n,
            Err(problems) => {
                report.invalid += n;
                for p in problems {
                    report.add(
                        &mut groups,
                        &p.field,
                        &p.kind,
                        Example {
                            row: p.row,
                            value: p.value.clone(),
                            message: p.message.clone(),
                        },
                    );
                }
            }
        }
        if !rec.id.is_empty() {
            ids += 1;
            if rec.id.contains('@') && rec.id.contains('.') {
                emails += 1;
            }
            if mapping.target == Target::Profiles {
                let row = rec.rows[0];
                if let Some(first) = seen.insert(rec.id.clone(), row) {
                    report.warnings += 1;
                    report.add(
                        &mut groups,
                        "id",
                        "duplicate_id",
                        Example {
                            row,
                            value: Some(rec.id.clone()),
                            message: format!(
                                "id \"{}\" appears in rows {first} and {row}; the later row wins",
                                rec.id
                            ),
                        },
                    );
                }
            }
        }
        if report.rows >= next_tick {
            progress(Progress { rows: report.rows });
            next_tick += 10_000;
        }
    }
    if ids > 0 && emails * 2 > ids {
        report.warnings += 1;
        report.add(
            &mut groups,
            "id",
            "email_as_id",
            Example {
                row: 1,
                value: None,
                message: format!(
                    "{emails} of {ids} ids look like email addresses; customers change their email, so a stable \
                     customer number makes a better integration id"
                ),
            },
        );
    }
    progress(Progress { rows: report.rows });
    report.problems = groups.into_values().collect();
    Ok(report)
}

/// Validation could not run: the mapping is wrong, or the file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    Source(#[from] SourceError),
}
