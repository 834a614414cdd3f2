//! A mapping field compiled against the file's columns: column indexes resolved once, the type fixed, so
//! reading a row is a lookup plus a conversion. Unknown columns fail here, before any row is read.

use std::borrow::Cow;

use serde_json::Value;

use super::Problem;
use crate::mapping::convert::{self, DateOrder};
use crate::mapping::{FieldSpec, MappingError};
use crate::source::{CellKind, Row};
use crate::talon::attributes::AttrType;

#[derive(Debug, Clone)]
enum From {
    Column(usize),
    /// Literal text and column indexes, in order.
    Template(Vec<Part>),
    Value(toml::Value),
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Column(usize),
}

/// One field ready to read rows.
#[derive(Debug, Clone)]
pub struct Field {
    /// Attribute or field name used in problems (`SignupDate`, `id`, `cartItems.price`).
    pub name: String,
    pub column: Option<String>,
    pub kind: AttrType,
    pub spec: FieldSpec,
    pub order: DateOrder,
    from: From,
}

fn column_index(
    columns: &[String],
    name: &str,
    key: &str,
    path: &std::path::Path,
) -> Result<usize, MappingError> {
    columns.iter().position(|c| c == name).ok_or_else(|| {
        let close = columns
            .iter()
            .map(|c| {
                (
                    strsim::jaro_winkler(&c.to_lowercase(), &name.to_lowercase()),
                    c,
                )
            })
            .filter(|(s, _)| *s >= 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| format!(" Did you mean \"{c}\"?"))
            .unwrap_or_default();
        MappingError::Invalid {
            path: path.to_path_buf(),
            key: key.to_string(),
            message: format!(
                "the file has no column \"{name}\".{close} Its columns are: {}",
                columns.join(", ")
            ),
        }
    })
}

impl Field {
    /// `key` is the mapping key for messages (`attributes.Email`); `path` the mapping file.
    pub fn compile(
        name: &str,
        key: &str,
        spec: &FieldSpec,
        kind: AttrType,
        columns: &[String],
        path: &std::path::Path,
    ) -> Result<Field, MappingError> {
        let invalid = |message: String| MappingError::Invalid {
            path: path.to_path_buf(),
            key: key.to_string(),
            message,
        };
        let given = [
            spec.column.is_some(),
            spec.template.is_some(),
            spec.value.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given != 1 {
            return Err(invalid(
                "give exactly one of `column`, `template` or `value`".into(),
            ));
        }
        if let Some(tz) = spec.timezone.as_deref()
            && tz != "UTC"
            && jiff::tz::TimeZone::get(tz).is_err()
        {
            return Err(invalid(format!(
                "\"{tz}\" is not a known time zone (use e.g. Europe/Berlin)"
            )));
        }
        let from = if let Some(c) = &spec.column {
            From::Column(column_index(columns, c, key, path)?)
        } else if let Some(t) = &spec.template {
            let mut parts = vec![];
            let mut rest = t.as_str();
            while let Some(start) = rest.find('{') {
                let Some(len) = rest[start + 1..].find('}') else {
                    return Err(invalid(format!("unclosed `{{` in template \"{t}\"")));
                };
                if start > 0 {
                    parts.push(Part::Text(rest[..start].to_string()));
                }
                let col = &rest[start + 1..start + 1 + len];
                parts.push(Part::Column(column_index(columns, col, key, path)?));
                rest = &rest[start + 2 + len..];
            }
            if !rest.is_empty() {
                parts.push(Part::Text(rest.to_string()));
            }
            From::Template(parts)
        } else {
            From::Value(spec.value.clone().unwrap_or(toml::Value::Boolean(false)))
        };
        // Decided over the whole column by the plan's pre-scan (see `payload::plan`).
        let order = DateOrder::Unknown;
        Ok(Field {
            name: name.to_string(),
            column: spec.column.clone(),
            kind,
            spec: spec.clone(),
            order,
            from,
        })
    }

    /// Text fields only: `Some(Some(column))` when reading a column (only a spreadsheet error cell there can
    /// fail [`Field::check`]), `Some(None)` for templates and constants (never fail); `None` for other types.
    pub fn text_only(&self) -> Option<Option<usize>> {
        if !matches!(self.kind, AttrType::String | AttrType::Location) {
            return None;
        }
        Some(self.column_index())
    }

    /// The source column index, for day/month evidence gathering.
    pub fn column_index(&self) -> Option<usize> {
        match self.from {
            From::Column(i) => Some(i),
            _ => None,
        }
    }

    /// The text this field reads from `row` (trimmed; templates joined with empty parts collapsed), and the
    /// cell kind. `None` when empty and no default is set.
    pub fn text(&self, row: &Row) -> Option<(String, CellKind)> {
        self.text_cow(row).map(|(t, k)| (t.into_owned(), k))
    }

    /// [`Field::text`] borrowing from the row where it can (plain columns), for validation without copies.
    pub fn text_cow<'r>(&'r self, row: &'r Row) -> Option<(Cow<'r, str>, CellKind)> {
        let cell = |i: usize| row.cells.get(i);
        let got = match &self.from {
            From::Column(i) => cell(*i)
                .filter(|c| !c.is_empty())
                .map(|c| (Cow::Borrowed(trim(&c.value)), c.kind)),
            From::Template(parts) => {
                let mut out = String::new();
                let mut any = false;
                for p in parts {
                    match p {
                        Part::Text(t) => out.push_str(t),
                        Part::Column(i) => {
                            if let Some(c) = cell(*i).filter(|c| !c.is_empty()) {
                                any = true;
                                out.push_str(trim(&c.value));
                            }
                        }
                    }
                }
                // Empty parts collapse: no doubled, leading or trailing spaces or separators.
                let edge = |c: char| c.is_whitespace() || c == ',' || c == '-';
                let already_clean = !out.starts_with(edge)
                    && !out.ends_with(edge)
                    && !out.contains("  ")
                    && !out.chars().any(|c| c.is_whitespace() && c != ' ');
                if already_clean {
                    return (any && !out.is_empty())
                        .then_some((Cow::Owned(out), CellKind::Text))
                        .or_else(|| self.default_text());
                }
                let mut joined = String::with_capacity(out.len());
                for word in out.split_whitespace() {
                    if !joined.is_empty() {
                        joined.push(' ');
                    }
                    joined.push_str(word);
                }
                let trimmed =
                    joined.trim_matches(|c: char| c == ',' || c == '-' || c.is_whitespace());
                let joined = if trimmed.len() == joined.len() {
                    joined
                } else {
                    trimmed.to_string()
                };
                (any && !joined.is_empty()).then_some((Cow::Owned(joined), CellKind::Text))
            }
            From::Value(v) => Some((
                match v {
                    toml::Value::String(s) => Cow::Borrowed(s.as_str()),
                    other => Cow::Owned(other.to_string()),
                },
                CellKind::Text,
            )),
        };
        got.filter(|(s, _)| !s.is_empty())
            .or_else(|| self.default_text())
    }

    fn default_text(&self) -> Option<(Cow<'_, str>, CellKind)> {
        self.spec
            .default
            .as_deref()
            .map(|d| (Cow::Borrowed(d), CellKind::Text))
    }

    /// Checks the value as [`Field::read`] would convert it, without building it: the same conversions and
    /// the same problems, for `validate`.
    #[allow(clippy::result_large_err)] // see Compiled::read_id
    #[inline]
    pub fn check(&self, row: &Row) -> Result<(), Problem> {
        let text_kind = matches!(self.kind, AttrType::String | AttrType::Location);
        if let From::Column(i) = self.from {
            let cell = row.cells.get(i);
            if text_kind {
                // Text needs no conversion, and an empty cell's default is text too: only a spreadsheet error
                // cell can fail.
                if !cell.is_some_and(|c| c.kind == CellKind::Error) {
                    return Ok(());
                }
            } else if let Some(c) = cell
                && c.kind != CellKind::Error
                && !c.is_empty()
            {
                // The common case without copies: a non-empty, non-error cell. Empty cells (defaults) and
                // error cells take the general path below.
                let v = trim(&c.value);
                if !v.is_empty() {
                    return match convert::check(v, c.kind, self.kind, &self.spec, self.order) {
                        Ok(()) => Ok(()),
                        Err(e) => {
                            Err(self.problem(row.number, Some(v.to_string()), e.kind, e.message))
                        }
                    };
                }
            }
        } else if text_kind {
            // Templates, constants and defaults are text: nothing can fail.
            return Ok(());
        }
        self.check_general(row)
    }

    /// [`Field::check`] for empty and error cells, templates and constants: out of line, so the common path
    /// above stays small.
    #[allow(clippy::result_large_err)]
    #[inline(never)]
    fn check_general(&self, row: &Row) -> Result<(), Problem> {
        let Some((text, cell)) = self.text_cow(row) else {
            return Ok(());
        };
        if let From::Value(v) = &self.from
            && matches!(
                (v, self.kind),
                (
                    toml::Value::Integer(_) | toml::Value::Float(_),
                    AttrType::Number
                ) | (toml::Value::Boolean(_), AttrType::Boolean)
            )
        {
            return Ok(());
        }
        convert::check(&text, cell, self.kind, &self.spec, self.order)
            .map_err(|e| self.problem(row.number, Some(text.into_owned()), e.kind, e.message))
    }

    /// The converted value, `Ok(None)` for an empty cell without default, or the problem.
    #[allow(clippy::result_large_err)] // see Compiled::read_id
    pub fn read(&self, row: &Row) -> Result<Option<Value>, Problem> {
        let Some((text, cell)) = self.text(row) else {
            return Ok(None);
        };
        if let From::Value(v) = &self.from {
            match (v, self.kind) {
                (toml::Value::Integer(i), AttrType::Number) => return Ok(Some(Value::from(*i))),
                (toml::Value::Float(f), AttrType::Number) => {
                    return Ok(Some(convert::num_value(*f)));
                }
                (toml::Value::Boolean(b), AttrType::Boolean) => return Ok(Some(Value::Bool(*b))),
                _ => {}
            }
        }
        convert::convert(&text, cell, self.kind, &self.spec, self.order)
            .map(Some)
            .map_err(|e| self.problem(row.number, Some(text), e.kind, e.message))
    }

    pub fn problem(&self, row: u64, value: Option<String>, kind: &str, message: String) -> Problem {
        Problem {
            row,
            field: self.name.clone(),
            column: self.column.clone(),
            value,
            kind: kind.to_string(),
            message,
        }
    }
}

/// `str::trim` with a shortcut for the usual value that starts and ends with a visible ASCII character.
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Cell;

    #[test]
    fn check_reports_exactly_what_read_reports() {
        let columns: Vec<String> = vec!["A".into(), "B".into()];
        let cells = [
            ("x", CellKind::Text),
            ("  12,5 ", CellKind::Text),
            ("", CellKind::Empty),
            ("   ", CellKind::Text),
            ("#N/A", CellKind::Error),
            ("2024-03-31", CellKind::Date),
            ("31/02/2020", CellKind::Text),
            ("yes", CellKind::Text),
            ("1.5", CellKind::Number),
        ];
        let kinds = [
            AttrType::String,
            AttrType::Number,
            AttrType::Boolean,
            AttrType::Time,
            AttrType::ListNumber,
        ];
        let mut specs = vec![];
        for default in [None, Some("7"), Some("maybe")] {
            for (column, template) in [(Some("A"), None), (None, Some("{A} {B}"))] {
                specs.push(FieldSpec {
                    column: column.map(String::from),
                    template: template.map(String::from),
                    default: default.map(String::from),
                    ..FieldSpec::default()
                });
            }
        }
        let path = std::path::Path::new("m.toml");
        for spec in &specs {
            for kind in kinds {
                let f = Field::compile("F", "attributes.F", spec, kind, &columns, path).unwrap();
                for (a, ka) in cells {
                    for (b, kb) in [("", CellKind::Empty), ("z", CellKind::Text)] {
                        let cell = |v: &str, k| Cell {
                            value: v.into(),
                            raw: None,
                            kind: k,
                        };
                        let row = Row {
                            number: 4,
                            line: 5,
                            cells: vec![cell(a, ka), cell(b, kb)],
                            notes: vec![],
                        };
                        assert_eq!(
                            f.check(&row).err(),
                            f.read(&row).err(),
                            "{a:?} {ka:?} as {kind:?} with {spec:?}"
                        );
                    }
                }
            }
        }
    }
}
