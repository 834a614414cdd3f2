//! Whole-file validation: every record of [`crate::payload::plan`] checked (so validate, preview and the
//! import can never disagree), identical problems grouped by (field, kind) with a count and up to three
//! examples, duplicate profile ids and email-looking ids reported as warnings. Streaming for profiles with flat
//! memory: the groups, a few batches of rows, and the bounded duplicate-id buffer of [`super::duplicates`].

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Serialize;

use super::duplicates::{Duplicates, id_hash};
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
    fn add(&mut self, groups: &mut Groups, field: &str, kind: &str, ex: Example) {
        let born = ex.row;
        let g = groups
            .map
            .entry((field.to_string(), kind.to_string()))
            .or_insert_with(|| {
                groups.born.push(born);
                ProblemGroup {
                    field: field.to_string(),
                    kind: kind.to_string(),
                    count: 0,
                    examples: vec![],
                }
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
    v.duplicates();
    for d in &dates {
        v.date_order(d);
    }
    Ok(v.finish(progress))
}

/// Problem groups in the order they first occurred, with the row each was born at (ascending while rows are
/// streamed), so the duplicate-id group found at the end can take the place it had in file order.
#[derive(Default)]
struct Groups {
    map: IndexMap<(String, String), ProblemGroup>,
    born: Vec<u64>,
}

/// The running state of one validation.
struct Validation {
    target: Target,
    report: Report,
    groups: Groups,
    /// Profiles: every id with its row, in bounded memory; duplicates are named at the end.
    seen: Duplicates,
    emails: u64,
    ids: u64,
    next_tick: u64,
}

impl Validation {
    fn new(target: Target) -> Self {
        Validation {
            target,
            report: Report::default(),
            groups: Groups::default(),
            seen: Duplicates::new(),
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
            self.seen.push(id, rows.first().copied().unwrap_or(0));
        }
    }

    /// Profiles: a row whose id an earlier row had is a warning naming both rows (the later one wins). Found
    /// after the last row, the group goes where the first duplicate row put it in file order.
    fn duplicates(&mut self) {
        let seen = std::mem::take(&mut self.seen);
        let found = match seen.finish(EXAMPLES) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("duplicate-id check could not read its temp files: {e}");
                return;
            }
        };
        let Some(first) = found.first.first() else {
            return;
        };
        self.report.warnings += found.count;
        let at = self.groups.born.partition_point(|&b| b <= first.row);
        let examples = found
            .first
            .iter()
            .map(|d| Example {
                row: d.row,
                value: Some(d.id.clone()),
                message: format!(
                    "id \"{}\" appears in rows {} and {}; the later row wins",
                    d.id, d.previous, d.row
                ),
            })
            .collect();
        let group = ProblemGroup {
            field: "id".into(),
            kind: "duplicate_id".into(),
            count: found.count,
            examples,
        };
        self.groups
            .map
            .shift_insert(at, ("id".into(), "duplicate_id".into()), group);
        self.groups.born.insert(at, first.row);
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
        let groups = &mut self.groups;
        let g = groups
            .map
            .entry((d.field.clone(), "date_order".to_string()))
            .or_insert_with(|| {
                groups.born.push(u64::MAX);
                ProblemGroup {
                    field: d.field.clone(),
                    kind: "date_order".to_string(),
                    count: 0,
                    examples: vec![],
                }
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
        self.report.problems = self.groups.map.into_values().collect();
        self.report
    }
}

/// Validation could not run: the mapping is wrong, or the file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    Source(#[from] SourceError),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Validates `csv` (columns `Id,Points`) with a profiles mapping; returns the report.
    fn run(csv: &str) -> Report {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.csv"), csv).unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(
            &path,
            "target = \"profiles\"\n[source]\nfile = \"c.csv\"\n[id]\ncolumn = \"Id\"\n\
             [attributes.Points]\ncolumn = \"Points\"\n[custom_attributes]\nPoints = \"number\"\n",
        )
        .unwrap();
        let m = Mapping::load(&path).unwrap();
        validate(&m, &Catalog::for_mapping(&m), |_| {}).unwrap()
    }

    fn kinds(r: &Report) -> Vec<(&str, u64)> {
        r.problems
            .iter()
            .map(|g| (g.kind.as_str(), g.count))
            .collect()
    }

    #[test]
    fn duplicates_keep_their_place_among_the_groups_in_file_order() {
        // The first duplicate (row 3) comes after the first bad number (row 2)…
        let r = run("Id,Points\na,1\nb,x\na,2\nc,y\nb,3\na,4\n");
        assert_eq!(kinds(&r), [("not_a_number", 2), ("duplicate_id", 3)]);
        assert_eq!((r.warnings, r.valid, r.invalid), (3, 4, 2));
        let msgs: Vec<_> = r.problems[1]
            .examples
            .iter()
            .map(|e| (e.row, e.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                (3, "id \"a\" appears in rows 1 and 3; the later row wins"),
                (5, "id \"b\" appears in rows 2 and 5; the later row wins"),
                (6, "id \"a\" appears in rows 3 and 6; the later row wins"),
            ]
        );
        assert_eq!(r.problems[1].examples[0].value.as_deref(), Some("a"));
        // …and before it here; on the same row the row's own problem comes first.
        let r = run("Id,Points\na,1\na,2\nb,x\n");
        assert_eq!(kinds(&r), [("duplicate_id", 1), ("not_a_number", 1)]);
        let r = run("Id,Points\na,1\na,x\n");
        assert_eq!(kinds(&r), [("not_a_number", 1), ("duplicate_id", 1)]);
    }
}
