//! Rows + mapping → the exact Talon.One requests. Every record the engine sends, the preview shows and the
//! validator checks comes from here, so the three can never disagree.
//!
//! Contract used by the engine and the wizard (the mapping issue fills in `plan`):
//! - a [`Record`] is one profile or one session (a session may span several line-item rows);
//! - `request` is `Ok` with the exact single-record request, or `Err` with every problem found;
//! - profiles' bodies are `{"attributes": {...}}` for `PUT /v2/customer_profiles/{id}`; the engine turns them
//!   into bulk items `{"integrationId": id, "attributes": {...}}` itself.

pub mod render;

use serde::Serialize;

mod compile;
mod packed;
pub use compile::{DateOrderDecision, thousands};
pub mod fields;
pub mod profiles;
pub mod sessions;

/// One HTTP request, exactly as it will be sent (minus auth and query flags such as `dry`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// "PUT" or "GET".
    pub method: &'static str,
    /// Path with the id percent-encoded, e.g. `/v2/customer_profiles/shop-0042`; no query string.
    pub path: String,
    pub body: serde_json::Value,
}

/// A problem with one field of one row; the wizard and `validate` group them by (field, kind).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// 1-based data row.
    pub row: u64,
    /// Attribute or field name (`SignupDate`, `id`, `cartItems`, …).
    pub field: String,
    /// Source column the value came from, when there is one.
    pub column: Option<String>,
    /// The offending value, as in the file.
    pub value: Option<String>,
    /// Short machine-readable kind: `not_a_number`, `not_a_date`, `ambiguous_date`, `missing_id`, …
    pub kind: String,
    /// One sentence for a person, saying what is wrong and what to do.
    pub message: String,
}

/// One record to import: a profile, or a session built from one or more rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based data rows this record was built from, in file order.
    pub rows: Vec<u64>,
    /// Integration id (profiles) or customer session id (sessions), prefix applied.
    pub id: String,
    /// Sessions: the profile's integration id; profiles: the same as `id`. Used to keep one customer's
    /// requests in order and never in parallel.
    pub profile_id: Option<String>,
    /// The raw cells of each row in `rows`, in source column order, for `succeeded.csv`/`failed.csv`.
    pub source: Vec<Vec<String>>,
    pub request: Result<Request, Vec<Problem>>,
}

use crate::mapping::{Catalog, Mapping, MappingError, Target};
use crate::source::{SourceError, SourceInfo};

/// The records of a mapped file, in file order (sessions: in order of each session's first row), read lazily.
pub struct Plan {
    /// What the source layer detected; `info.columns` are the columns of `Record::source`.
    pub info: SourceInfo,
    /// How the day/month order of each date column without `format` was decided (see
    /// [`DateOrderDecision::line`]).
    pub date_orders: Vec<DateOrderDecision>,
    records: Box<dyn Iterator<Item = Result<Record, SourceError>> + Send>,
}

impl Plan {
    pub fn new(
        info: SourceInfo,
        records: Box<dyn Iterator<Item = Result<Record, SourceError>> + Send>,
    ) -> Self {
        Plan {
            info,
            date_orders: vec![],
            records,
        }
    }
}

impl Iterator for Plan {
    type Item = Result<Record, SourceError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.records.next()
    }
}

/// Opens the mapping's source file and turns its rows into records. Fails before reading any row when the
/// mapping cannot work with the file (unknown column, unknown attribute that was not declared, bad format…).
///
/// Times read from a column without `format` decide their day/month order over the whole column, so the file
/// is read once more up front in that case (streaming, no rows kept).
pub fn plan(mapping: &Mapping, catalog: &Catalog) -> Result<Plan, MappingError> {
    let compiled = compile::Compiled::new(mapping, catalog)?;
    let reader = crate::source::open(&mapping.source_path(), &mapping.source_options())?;
    let info = reader.info.clone();
    let date_orders = compiled.dates.clone();
    let mut plan = match mapping.target {
        Target::Profiles => Plan::new(info, Box::new(profiles::records(compiled, reader))),
        Target::Sessions => Plan::new(info, Box::new(sessions::records(compiled, reader))),
    };
    plan.date_orders = date_orders;
    Ok(plan)
}

/// What [`check_profiles`] found beyond the rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// Every row was checked; how each date column's day/month order was decided, counted over the whole
    /// column.
    Done(Vec<DateOrderDecision>),
    /// Only with `whole_file_dates = false`: a row after the early pre-scan contradicted the day/month order
    /// it decided, so the rows were checked against the wrong order. Discard what `each` saw and call again
    /// with `whole_file_dates = true`.
    StartOver,
}

/// Profiles only: checks every row without building the requests (what `validate` needs), calling `each` with
/// the row, its id (when it has one) and its problems (empty for a valid row). The same conversions as
/// [`plan`], reading through one reused [`crate::source::Row`] so memory stays flat. `None` for sessions,
/// whose rows must be grouped first: use [`plan`].
///
/// With `whole_file_dates = false` the day/month pre-scan stops at the first row that settles each date
/// column, and this pass watches the rest of the column; in the rare file where a later row contradicts,
/// the answer is [`Checked::StartOver`]. That saves reading the file twice.
pub fn check_profiles(
    mapping: &Mapping,
    catalog: &Catalog,
    whole_file_dates: bool,
    mut each: impl FnMut(&crate::source::Row, Option<&str>, &[Problem]),
) -> Option<Result<Checked, crate::mapping::validate::ValidateError>> {
    if mapping.target != Target::Profiles {
        return None;
    }
    let mut run = || -> Result<Checked, crate::mapping::validate::ValidateError> {
        let compiled = compile::Compiled::with_date_scan(mapping, catalog, whole_file_dates)?;
        let mut reader = crate::source::open(&mapping.source_path(), &mapping.source_options())
            .map_err(MappingError::from)?;
        let columns = compiled.date_columns();
        let fast = profiles::FastCheck::new(&compiled, reader.info.format);
        let mut dates: Vec<DateOrderDecision> = compiled
            .dates
            .iter()
            .map(|d| DateOrderDecision {
                ambiguous: 0,
                day_first_example: None,
                month_first_example: None,
                ..d.clone()
            })
            .collect();
        let mut problems = Vec::new();
        let mut id = String::new();
        let mut check_row = |row: &crate::source::Row| {
            for (d, i) in dates.iter_mut().zip(&columns) {
                if let Some(cell) = row.cells.get(*i) {
                    d.observe(row.number, &cell.value);
                }
            }
            problems.clear();
            let has_id = profiles::check(&compiled, &fast, row, &mut problems, &mut id);
            each(row, has_id.then_some(id.as_str()), &problems);
        };
        if reader.info.format == crate::source::Format::Csv {
            // The source already parses and cleans a CSV on its own thread, a batch ahead: read in place.
            let mut row = crate::source::Row::empty();
            while let Some(r) = reader.read_into(&mut row) {
                r?;
                check_row(&row);
            }
        } else {
            // Workbooks: reading (decoding cells) runs on a second thread and hands over batches of rows;
            // used batches come back to be refilled, so memory stays a few batches whatever the file size.
            let (full_tx, full_rx) = std::sync::mpsc::sync_channel(4);
            let (empty_tx, empty_rx) = std::sync::mpsc::channel();
            std::thread::scope(
                |scope| -> Result<(), crate::mapping::validate::ValidateError> {
                    scope.spawn(move || read_batches(&mut reader, full_tx, empty_rx));
                    for batch in full_rx {
                        let batch: Vec<crate::source::Row> = batch?;
                        batch.iter().for_each(&mut check_row);
                        let _ = empty_tx.send(batch);
                    }
                    Ok(())
                },
            )?;
        }
        for d in &mut dates {
            d.finish();
        }
        let same = dates
            .iter()
            .zip(&compiled.dates)
            .all(|(a, b)| a.settled() == b.settled());
        Ok(if same {
            Checked::Done(dates)
        } else {
            Checked::StartOver
        })
    };
    Some(run())
}

/// Rows per batch handed from the reading thread to the checking one.
const BATCH: usize = 512;

/// The reading side of [`check_profiles`]: fills batches (reusing returned ones) until the end of the file or
/// the first error, which is sent after the rows before it. Stops early when the receiver is gone.
fn read_batches(
    reader: &mut crate::source::SourceReader,
    full: std::sync::mpsc::SyncSender<Result<Vec<crate::source::Row>, SourceError>>,
    empty: std::sync::mpsc::Receiver<Vec<crate::source::Row>>,
) {
    loop {
        let mut batch = empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let mut n = 0;
        let mut error = None;
        while n < BATCH {
            if n == batch.len() {
                batch.push(crate::source::Row::empty());
            }
            match reader.read_into(&mut batch[n]) {
                None => break,
                Some(Ok(())) => n += 1,
                Some(Err(e)) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let done = n < BATCH;
        batch.truncate(n);
        if n > 0 && full.send(Ok(batch)).is_err() {
            return;
        }
        if let Some(e) = error {
            let _ = full.send(Err(e));
            return;
        }
        if done {
            return;
        }
    }
}

/// The path segment for an id: everything but unreserved characters percent-encoded.
pub fn encode_id(id: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SET: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(id, SET).to_string()
}

/// The raw cells of a row, for results files.
fn raw_cells(row: &crate::source::Row) -> Vec<String> {
    row.cells.iter().map(|c| c.raw().to_string()).collect()
}
