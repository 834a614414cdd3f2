//! Profiles: one row → one `PUT /v2/customer_profiles/{id}` with `{"attributes": {...}}`. Streaming: one row
//! in memory at a time.

use serde_json::{Map, Value, json};

use super::compile::Compiled;
use super::fields::Field;
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
pub(super) fn check(
    c: &Compiled,
    fast: &FastCheck<'_>,
    row: &Row,
    problems: &mut Vec<Problem>,
    id: &mut String,
) -> bool {
    let has_id = c
        .id_into(&c.id, row, id)
        .map_err(|p| problems.push(p))
        .is_ok();
    let no_error_cells = fast.text_columns.iter().all(|&i| {
        row.cells
            .get(i)
            .is_none_or(|cell| cell.kind != crate::source::CellKind::Error)
    });
    // Without error cells only the typed fields can fail, and they keep their order among the problems.
    let fields: &mut dyn Iterator<Item = &Field> = if no_error_cells {
        &mut fast.typed.iter().copied()
    } else {
        &mut c.attributes.iter()
    };
    for f in fields {
        if let Err(p) = f.check(row) {
            problems.push(p);
        }
    }
    has_id
}

/// The mapping's attributes sorted once for [`check`]: text fields reading a column can only fail on a
/// spreadsheet error cell, text templates and constants never fail, so a row without error cells only needs
/// the typed fields checked.
pub(super) struct FastCheck<'c> {
    text_columns: Vec<usize>,
    typed: Vec<&'c Field>,
}

impl<'c> FastCheck<'c> {
    /// `format` is the source's: a CSV has no spreadsheet error cells (only workbooks do), so its text
    /// columns need no look at all — which saves reading those cells, the costliest part of checking a row
    /// that another thread just parsed.
    pub(super) fn new(c: &'c Compiled, format: crate::source::Format) -> Self {
        let error_cells = format != crate::source::Format::Csv;
        FastCheck {
            text_columns: c
                .attributes
                .iter()
                .filter_map(|f| f.text_only().flatten())
                .filter(|_| error_cells)
                .collect(),
            typed: c
                .attributes
                .iter()
                .filter(|f| f.text_only().is_none())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{Catalog, Mapping};
    use crate::source::{Cell, CellKind};

    #[test]
    fn the_fast_check_reports_what_every_field_reports_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.csv"), "Id,Name,Points,City\n1,a,2,b\n").unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(
            &path,
            "target = \"profiles\"\n[source]\nfile = \"c.csv\"\n[id]\ncolumn = \"Id\"\n\
             [attributes.Name]\ncolumn = \"Name\"\n[attributes.Points]\ncolumn = \"Points\"\n\
             [attributes.City]\ncolumn = \"City\"\n[attributes.Source]\nvalue = \"x\"\n\
             [custom_attributes]\nPoints = \"number\"\nSource = \"string\"\n",
        )
        .unwrap();
        let m = Mapping::load(&path).unwrap();
        let c = Compiled::new(&m, &Catalog::for_mapping(&m)).unwrap();
        let fast = FastCheck::new(&c, crate::source::Format::Xlsx);
        let cell = |v: &str, kind| Cell {
            value: v.into(),
            raw: None,
            kind,
        };
        for (name, points, city) in [
            (CellKind::Error, "x", CellKind::Text),
            (CellKind::Text, "x", CellKind::Error),
            (CellKind::Error, "2", CellKind::Error),
            (CellKind::Text, "x", CellKind::Text),
            (CellKind::Text, "2", CellKind::Text),
        ] {
            let row = Row {
                number: 1,
                line: 2,
                cells: vec![
                    cell("1", CellKind::Number),
                    cell("#N/A", name),
                    cell(points, CellKind::Text),
                    cell("#REF!", city),
                ],
                notes: vec![],
            };
            let (mut got, mut id) = (vec![], String::new());
            assert!(check(&c, &fast, &row, &mut got, &mut id));
            let want: Vec<Problem> = c
                .attributes
                .iter()
                .filter_map(|f| f.check(&row).err())
                .collect();
            assert_eq!(got, want, "{name:?} {points} {city:?}");
        }
    }
}
