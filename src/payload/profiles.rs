//! Profiles: one row → one `PUT /v2/customer_profiles/{id}` with `{"attributes": {...}}`. Streaming: one row
//! in memory at a time.

use serde_json::{Map, Value, json};

use super::compile::Compiled;
use super::{Problem, Record, Request, encode_id, raw_cells};
use crate::source::{Row, SourceError, SourceReader};

pub(super) fn records(
    c: Compiled,
    reader: SourceReader,
) -> impl Iterator<Item = Result<Record, SourceError>> + Send {
    // One reused row: the record copies what it needs, so no row needs its own cells.
    let mut reader = reader;
    let mut row = Row::empty();
    std::iter::from_fn(move || {
        reader
            .read_into(&mut row)
            .map(|r| r.map(|()| record(&c, &row)))
    })
}

fn record(c: &Compiled, row: &Row) -> Record {
    let mut problems = vec![];
    let id = c.read_id(&c.id, row).map_err(|p| problems.push(p)).ok();
    let mut attrs = Map::new();
    for f in &c.attributes {
        match f.read(row) {
            Ok(Some(v)) => {
                attrs.insert(f.name.clone(), v);
            }
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    let id_text = id.clone().unwrap_or_default();
    let request = match id {
        Some(id) if problems.is_empty() => Ok(Request {
            method: "PUT",
            path: format!("/v2/customer_profiles/{}", encode_id(&id)),
            body: json!({ "attributes": Value::Object(attrs) }),
        }),
        _ => Err(problems),
    };
    Record {
        rows: vec![row.number],
        profile_id: Some(id_text.clone()),
        id: id_text,
        source: vec![raw_cells(row)],
        request,
    }
}

/// The problems [`record`] would report for `row`, without building the request: the same id and field
/// conversions, so `validate` and the import agree. The id goes to `id` (a reused buffer); `false` when the
/// row has none.
pub(super) fn check(c: &Compiled, row: &Row, problems: &mut Vec<Problem>, id: &mut String) -> bool {
    let has_id = c
        .id_into(&c.id, row, id)
        .map_err(|p| problems.push(p))
        .is_ok();
    for f in &c.attributes {
        if let Err(p) = f.check(row) {
            problems.push(p);
        }
    }
    has_id
}
