//! Whole-file validation: every record of [`crate::payload::plan`] checked (so validate, preview and the
//! import can never disagree), identical problems grouped by (field, kind) with a count and up to three
//! examples, duplicate profile ids and email-looking ids reported as warnings. Streaming for profiles: memory
//! holds the groups and one `(id → first row)` entry per distinct id.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Serialize;

use super::{Catalog, Mapping, MappingError, Target};
use crate::payload::{Checked, DateOrderDecision};
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
                if g.kind == "date_order"
                    && let Some(e) = e
                {
                    return e.message.clone();
                }
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
    progress: impl FnMut(Progress),
) -> Result<Report, ValidateError> {
    validate_in(mapping, catalog, progress, None)
}

/// Session ids seen by earlier files of one [`validate_many`] run: id hash → (file label, row).
type SeenSessions = HashMap<u64, (usize, u64)>;

/// Validates several mapping files meant to be imported together (e.g. one order export per year): each
/// file's own report, and on top a session id that an earlier file already used is an error of the later
/// row (`duplicate_id_across_files`): Talon.One would replace the earlier session with it. `files` are
/// (label for messages, mapping, catalog). On failure, the index of the file that could not be validated.
pub fn validate_many(
    files: &[(String, &Mapping, &Catalog)],
    mut progress: impl FnMut(usize, Progress),
) -> Result<Vec<Report>, (usize, ValidateError)> {
    let labels: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    let mut seen = SeenSessions::new();
    let mut out = Vec::with_capacity(files.len());
    for (i, (_, mapping, catalog)) in files.iter().enumerate() {
        let report = validate_in(
            mapping,
            catalog,
            |p| progress(i, p),
            Some(CrossFile {
                file: i,
                labels: &labels,
                seen: &mut seen,
            }),
        )
        .map_err(|e| (i, e))?;
        out.push(report);
    }
    Ok(out)
}

struct CrossFile<'a> {
    file: usize,
    labels: &'a [&'a str],
    seen: &'a mut SeenSessions,
}

fn validate_in(
    mapping: &Mapping,
    catalog: &Catalog,
    mut progress: impl FnMut(Progress),
    mut cross: Option<CrossFile<'_>>,
) -> Result<Report, ValidateError> {
    let mut whole_file_dates = false;
    let (mut v, dates) = loop {
        let mut v = Validation::new(mapping.target);
        let checked = crate::payload::check_profiles(
            mapping,
            catalog,
            whole_file_dates,
            |row, id, problems| {
                v.record(&[row.number], id.unwrap_or(""), problems);
                v.tick(&mut progress);
            },
        );
        match checked {
            Some(result) => match result? {
                Checked::Done(dates) => break (v, dates),
                Checked::StartOver => whole_file_dates = true,
            },
            None => {
                let plan = crate::payload::plan(mapping, catalog)?;
                let dates = plan.date_orders.clone();
                for rec in plan {
                    let rec = rec?;
                    let problems = rec.request.as_ref().err().map_or(&[][..], Vec::as_slice);
                    v.record(&rec.rows, &rec.id, problems);
                    if let Some(cross) = cross.as_mut() {
                        v.across_files(&rec.rows, &rec.id, problems.is_empty(), cross);
                    }
                    v.tick(&mut progress);
                }
                break (v, dates);
            }
        }
    };
    for d in &dates {
        v.date_order(d);
    }
    Ok(v.finish(progress))
}

/// The running state of one validation.
struct Validation {
    target: Target,
    report: Report,
    groups: IndexMap<(String, String), ProblemGroup>,
    /// Profiles: first row of each id, keyed by a 64-bit hash of the id (16 bytes per distinct id whatever its
    /// length; a false duplicate needs a hash collision, about one in 10^10 for a million ids).
    seen: HashMap<u64, u64>,
    emails: u64,
    ids: u64,
    next_tick: u64,
}

impl Validation {
    fn new(target: Target) -> Self {
        Validation {
            target,
            report: Report::default(),
            groups: IndexMap::new(),
            seen: HashMap::new(),
            emails: 0,
            ids: 0,
            next_tick: 10_000,
        }
    }

    fn record(&mut self, rows: &[u64], id: &str, problems: &[crate::payload::Problem]) {
        let report = &mut self.report;
        let n = rows.len() as u64;
        report.rows += n;
        if problems.is_empty() {
            report.valid += n;
        } else {
            report.invalid += n;
            for p in problems {
                report.add(
                    &mut self.groups,
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
        if id.is_empty() {
            return;
        }
        self.ids += 1;
        if id.contains('@') && id.contains('.') {
            self.emails += 1;
        }
        if self.target == Target::Profiles {
            let row = rows.first().copied().unwrap_or(0);
            if let Some(first) = self.seen.insert(id_hash(id), row) {
                report.warnings += 1;
                report.add(
                    &mut self.groups,
                    "id",
                    "duplicate_id",
                    Example {
                        row,
                        value: Some(id.to_string()),
                        message: format!(
                            "id \"{id}\" appears in rows {first} and {row}; the later row wins"
                        ),
                    },
                );
            }
        }
    }

    /// A settled column with ambiguous values is a warning (the values are read in the settled order); an
    /// unsettled or mixed one already fails those rows as `ambiguous_date`, and the line says why.
    fn date_order(&mut self, d: &DateOrderDecision) {
        let Some(message) = d.line() else {
            return;
        };
        let settled = matches!(d.order, "day_first" | "month_first");
        if settled {
            self.report.warnings += 1;
        }
        let row = d
            .day_first_example
            .as_ref()
            .or(d.month_first_example.as_ref())
            .map_or(0, |e| e.0);
        let value = d
            .day_first_example
            .as_ref()
            .or(d.month_first_example.as_ref())
            .map(|e| e.1.clone());
        let g = self
            .groups
            .entry((d.field.clone(), "date_order".to_string()))
            .or_insert_with(|| ProblemGroup {
                field: d.field.clone(),
                kind: "date_order".to_string(),
                count: 0,
                examples: vec![],
            });
        g.count = d.ambiguous;
        g.examples.push(Example {
            row,
            value,
            message,
        });
    }

    /// Sessions only: the id was already used by an earlier file of the same run.
    fn across_files(&mut self, rows: &[u64], id: &str, was_valid: bool, cross: &mut CrossFile<'_>) {
        if id.is_empty() || self.target != Target::Sessions {
            return;
        }
        let row = rows.first().copied().unwrap_or(0);
        match cross.seen.get(&id_hash(id)) {
            Some(&(file, first)) if file != cross.file => {
                let n = rows.len() as u64;
                if was_valid {
                    self.report.valid -= n;
                    self.report.invalid += n;
                }
                let other = cross.labels.get(file).copied().unwrap_or("another file");
                self.report.add(
                    &mut self.groups,
                    "id",
                    "duplicate_id_across_files",
                    Example {
                        row,
                        value: Some(id.to_string()),
                        message: format!(
                            "session id \"{id}\" is also used by {other} (row {first}); Talon.One would replace \
                             that order with this one — give each order one id in one file"
                        ),
                    },
                );
            }
            Some(_) => {}
            None => {
                cross.seen.insert(id_hash(id), (cross.file, row));
            }
        }
    }

    fn tick(&mut self, progress: &mut impl FnMut(Progress)) {
        if self.report.rows >= self.next_tick {
            progress(Progress {
                rows: self.report.rows,
            });
            self.next_tick += 10_000;
        }
    }

    fn finish(mut self, mut progress: impl FnMut(Progress)) -> Report {
        let (emails, ids) = (self.emails, self.ids);
        if ids > 0 && emails * 2 > ids {
            self.report.warnings += 1;
            self.report.add(
                &mut self.groups,
                "id",
                "email_as_id",
                Example {
                    row: 1,
                    value: None,
                    message: format!(
                        "{emails} of {ids} ids look like email addresses; customers change their email, so a \
                         stable customer number makes a better integration id"
                    ),
                },
            );
        }
        progress(Progress {
            rows: self.report.rows,
        });
        self.report.problems = self.groups.into_values().collect();
        self.report
    }
}

/// A well-mixed 64-bit hash of an id (SipHash with fixed keys, so runs are reproducible).
fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(id)
}

/// Validation could not run: the mapping is wrong, or the file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    Source(#[from] SourceError),
}
