//! Whole-file validation: every record of [`crate::payload::plan`] checked (so validate, preview and the
//! import can never disagree), identical problems grouped by (field, kind) with a count and up to three
//! examples, duplicate profile ids and email-looking ids reported as warnings. Streaming for profiles with flat
//! memory: the groups, a few batches of rows, and the bounded duplicate-id buffer of [`super::duplicates`].

use indexmap::IndexMap;
use serde::Serialize;

use super::duplicates::Duplicates;
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
        let born = groups.now;
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
    let (v, dates) = validate_in(mapping, catalog, progress, None)?;
    Ok(v.finish(&dates))
}

/// Rows a file of [`validate_many`] may have before its index no longer fits the key of the cross-file
/// check (`file << 40 | row`).
const ROW_BITS: u32 = 40;

/// Validates several mapping files meant to be imported together (e.g. one order export per year): each
/// file's own report, and on top a session id that an earlier file already used is an error of the later
/// row (`duplicate_id_across_files`): Talon.One would replace the earlier session with it. `files` are
/// (label for messages, mapping, catalog). On failure, the index of the file that could not be validated.
pub fn validate_many(
    files: &[(String, &Mapping, &Catalog)],
    mut progress: impl FnMut(usize, Progress),
) -> Result<Vec<Report>, (usize, ValidateError)> {
    let labels: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    // Every session id of every file, in bounded memory: key = file << 40 | first row, tag = rows << 1 |
    // valid. Errors are named after the last file, each in the report of its file.
    let mut seen = Duplicates::new();
    let mut pending = Vec::with_capacity(files.len());
    for (i, (_, mapping, catalog)) in files.iter().enumerate() {
        let done = validate_in(
            mapping,
            catalog,
            |p| progress(i, p),
            Some(CrossFile {
                file: i as u64,
                seen: &mut seen,
            }),
        )
        .map_err(|e| (i, e))?;
        pending.push(done);
    }
    across_files(seen, &labels, &mut pending);
    Ok(pending
        .into_iter()
        .map(|(v, dates)| v.finish(&dates))
        .collect())
}

/// The cross-file part of [`validate_many`] while one file is validated.
struct CrossFile<'a> {
    file: u64,
    seen: &'a mut Duplicates,
}

impl CrossFile<'_> {
    /// Sessions only: records one session id (the first row of each record is unique within a file).
    fn record(&mut self, rows: &[u64], id: &str, was_valid: bool) {
        let Some(&row) = rows.first() else { return };
        if id.is_empty() || row >= 1 << ROW_BITS {
            return;
        }
        let key = (self.file << ROW_BITS) | row;
        let tag = ((rows.len() as u64) << 1) | u64::from(was_valid);
        self.seen.push_tagged(id, key, tag);
    }
}

/// A session id that an earlier file already used is an error of every later record in another file
/// (`duplicate_id_across_files`), naming the first use: Talon.One would replace that order.
fn across_files(
    seen: Duplicates,
    labels: &[&str],
    files: &mut [(Validation, Vec<DateOrderDecision>)],
) {
    struct Found {
        count: u64,
        /// Rows that were valid before this error.
        moved: u64,
        first: Vec<super::duplicates::Duplicate>,
    }
    let mut found: Vec<Found> = (0..files.len())
        .map(|_| Found {
            count: 0,
            moved: 0,
            first: vec![],
        })
        .collect();
    let file_of = |key: u64| (key >> ROW_BITS) as usize;
    let row_of = |key: u64| key & ((1 << ROW_BITS) - 1);
    let result = seen.groups(|same| {
        let first = same[0];
        for s in &same[1..] {
            let Some(f) = found.get_mut(file_of(s.key)) else {
                continue;
            };
            if file_of(s.key) == file_of(first.key) {
                continue;
            }
            f.count += 1;
            if s.tag & 1 == 1 {
                f.moved += s.tag >> 1;
            }
            // `previous` carries the first use, file and row packed as in the key.
            let at = f.first.partition_point(|d| d.row < row_of(s.key));
            if at < EXAMPLES {
                f.first.insert(
                    at,
                    super::duplicates::Duplicate {
                        row: row_of(s.key),
                        previous: first.key,
                        id: String::from_utf8_lossy(s.id).into_owned(),
                    },
                );
                f.first.truncate(EXAMPLES);
            }
        }
    });
    if let Err(e) = result {
        tracing::warn!("cross-file session id check could not read its temp files: {e}");
        return;
    }
    for ((v, _), f) in files.iter_mut().zip(found) {
        let Some(first_row) = f.first.first().map(|d| d.row) else {
            continue;
        };
        v.report.valid -= f.moved;
        v.report.invalid += f.moved;
        let examples = f
            .first
            .iter()
            .map(|d| {
                let other = labels
                    .get(file_of(d.previous))
                    .copied()
                    .unwrap_or("another file");
                let (id, first) = (&d.id, row_of(d.previous));
                Example {
                    row: d.row,
                    value: Some(id.clone()),
                    message: format!(
                        "session id \"{id}\" is also used by {other} (row {first}); Talon.One would replace \
                         that order with this one — give each order one id in one file"
                    ),
                }
            })
            .collect();
        v.groups.insert_at_row(
            first_row,
            ProblemGroup {
                field: "id".into(),
                kind: "duplicate_id_across_files".into(),
                count: f.count,
                examples,
            },
        );
    }
}

fn validate_in(
    mapping: &Mapping,
    catalog: &Catalog,
    mut progress: impl FnMut(Progress),
    mut cross: Option<CrossFile<'_>>,
) -> Result<(Validation, Vec<DateOrderDecision>), ValidateError> {
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
                    if let Some(cross) = cross.as_mut()
                        && mapping.target == Target::Sessions
                    {
                        cross.record(&rec.rows, &rec.id, problems.is_empty());
                    }
                    v.tick(&mut progress);
                }
                break (v, dates);
            }
        }
    };
    v.groups.now = u64::MAX;
    v.duplicates();
    progress(Progress {
        rows: v.report.rows,
    });
    Ok((v, dates))
}

/// Problem groups in the order they first occurred, with the first row of the record each was born at
/// (ascending while records are streamed), so a group found only at the end (duplicate ids) can take the
/// place it would have had in file order.
#[derive(Default)]
struct Groups {
    map: IndexMap<(String, String), ProblemGroup>,
    born: Vec<u64>,
    /// The first row of the record being recorded; `u64::MAX` once the records are done.
    now: u64,
}

impl Groups {
    /// Puts a group found after the last record where the record at `row` would have created it.
    fn insert_at_row(&mut self, row: u64, group: ProblemGroup) {
        let at = self.born.partition_point(|&b| b <= row);
        self.map
            .shift_insert(at, (group.field.clone(), group.kind.clone()), group);
        self.born.insert(at, row);
    }
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
        self.groups.now = rows.first().copied().unwrap_or(0);
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
        let first_row = first.row;
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
        self.groups.insert_at_row(
            first_row,
            ProblemGroup {
                field: "id".into(),
                kind: "duplicate_id".into(),
                count: found.count,
                examples,
            },
        );
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

    fn tick(&mut self, progress: &mut impl FnMut(Progress)) {
        if self.report.rows >= self.next_tick {
            progress(Progress {
                rows: self.report.rows,
            });
            self.next_tick += 10_000;
        }
    }

    /// The report: the groups so far, then each date column's day/month decision, then the email-as-id
    /// warning.
    fn finish(mut self, dates: &[DateOrderDecision]) -> Report {
        for d in dates {
            self.date_order(d);
        }
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
    fn a_workbook_and_the_same_csv_give_the_same_report() {
        // More rows than one hand-over batch, a duplicate far apart, a bad number.
        let rows: Vec<(String, String)> = (0..1500)
            .map(|i| {
                let id = if i == 1400 {
                    "id-7".to_string()
                } else {
                    format!("id-{i}")
                };
                let points = if i == 900 {
                    "many".to_string()
                } else {
                    format!("{i}")
                };
                (id, points)
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("Id,Points\n");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.write(0, 0, "Id").unwrap();
        sheet.write(0, 1, "Points").unwrap();
        for (r, (id, points)) in rows.iter().enumerate() {
            csv.push_str(&format!("{id},{points}\n"));
            sheet.write(r as u32 + 1, 0, id.as_str()).unwrap();
            sheet.write(r as u32 + 1, 1, points.as_str()).unwrap();
        }
        std::fs::write(dir.path().join("c.csv"), csv).unwrap();
        wb.save(dir.path().join("c.xlsx")).unwrap();
        let report = |file: &str| {
            let path = dir.path().join(format!("{file}.toml"));
            std::fs::write(
                &path,
                format!(
                    "target = \"profiles\"\n[source]\nfile = \"{file}\"\n[id]\ncolumn = \"Id\"\n\
                     [attributes.Points]\ncolumn = \"Points\"\n[custom_attributes]\nPoints = \"number\"\n"
                ),
            )
            .unwrap();
            let m = Mapping::load(&path).unwrap();
            validate(&m, &Catalog::for_mapping(&m), |_| {}).unwrap()
        };
        let from_csv = report("c.csv");
        assert_eq!(kinds(&from_csv), [("not_a_number", 1), ("duplicate_id", 1)]);
        assert_eq!(
            from_csv.problems[1].examples[0].message,
            "id \"id-7\" appears in rows 8 and 1401; the later row wins"
        );
        assert_eq!(report("c.xlsx"), from_csv);
    }

    #[test]
    fn session_ids_across_three_files_name_the_first_use_and_keep_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let files = [
            ("a", "Order,Customer,Total\n#1,c1,10\n#2,c2,20\n#1,c1,5\n"),
            // #2 is used by a (row 2); row 2 has a bad total and is invalid anyway; #1 (a row 1).
            (
                "b",
                "Order,Customer,Total\n#2,c1,5\n#9,c1,x\n#1,c3,1\n#9b,,1\n",
            ),
            ("c", "Order,Customer,Total\n#9,c4,1\n#3,c4,1\n"),
        ];
        let mut mappings = vec![];
        for (name, csv) in files {
            std::fs::write(d.join(format!("{name}.csv")), csv).unwrap();
            let path = d.join(format!("{name}.toml"));
            std::fs::write(
                &path,
                format!(
                    "target = \"sessions\"\n[source]\nfile = \"{name}.csv\"\n[id]\ncolumn = \"Order\"\n\
                     [profile_id]\ncolumn = \"Customer\"\n[total]\ncolumn = \"Total\"\n"
                ),
            )
            .unwrap();
            mappings.push(Mapping::load(&path).unwrap());
        }
        let catalogs: Vec<Catalog> = mappings.iter().map(Catalog::for_mapping).collect();
        let input: Vec<(String, &Mapping, &Catalog)> = ["a.csv", "b.csv", "c.csv"]
            .iter()
            .zip(mappings.iter().zip(&catalogs))
            .map(|(l, (m, c))| (l.to_string(), m, c))
            .collect();
        let r = validate_many(&input, |_, _| {}).unwrap();
        // a: #1 twice in one file (without [cart_items] that is the file's own duplicate_id error).
        assert_eq!((r[0].valid, r[0].invalid), (1, 2));
        assert!(
            r[0].problems
                .iter()
                .all(|g| g.kind != "duplicate_id_across_files")
        );
        // b: rows 1 and 3 reuse a's ids; row 2 fails on its own; row 4 has no customer.
        assert_eq!((r[1].valid, r[1].invalid), (0, 4));
        assert_eq!(
            kinds(&r[1]),
            [
                ("duplicate_id_across_files", 2),
                ("not_a_number", 1),
                ("missing_profile_id", 1)
            ]
        );
        let msgs: Vec<_> = r[1].problems[0]
            .examples
            .iter()
            .map(|e| (e.row, e.message.as_str()))
            .collect();
        assert_eq!(msgs[0].0, 1);
        assert!(
            msgs[0]
                .1
                .starts_with("session id \"#2\" is also used by a.csv (row 2);"),
            "{msgs:?}"
        );
        assert_eq!(msgs[1].0, 3);
        assert!(
            msgs[1]
                .1
                .starts_with("session id \"#1\" is also used by a.csv (row 1);"),
            "{msgs:?}"
        );
        // c: #9 was first used by b (row 2).
        assert_eq!((r[2].valid, r[2].invalid), (1, 1));
        assert!(
            r[2].problems[0].examples[0]
                .message
                .starts_with("session id \"#9\" is also used by b.csv (row 2);"),
            "{:?}",
            r[2].problems
        );
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
