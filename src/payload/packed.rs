//! A source row packed into one allocation, for the rows sessions hold while they are grouped (an order's
//! line items need not be adjacent, so the whole file waits in memory). A [`Row`] spends a `String` (and an
//! `Option<String>`) per cell plus the cell vector — about 700 bytes for 8 short cells; packed, the same row is
//! its cell texts plus 9 bytes per cell. Unpacked again, one record at a time, it is the identical row
//! (notes aside, which records do not use).

use crate::source::{Cell, CellKind, Row};

/// Bytes of metadata per cell: kind (with a has-raw bit), value length, raw length.
const META: usize = 9;
const HAS_RAW: u8 = 0x80;

pub(super) enum Packed {
    Packed {
        number: u64,
        line: u64,
        data: Box<[u8]>,
    },
    /// A cell too long for the packed lengths (4 GB): kept as it is.
    Plain(Box<Row>),
}

fn kind_code(k: CellKind) -> u8 {
    match k {
        CellKind::Empty => 0,
        CellKind::Text => 1,
        CellKind::Number => 2,
        CellKind::Bool => 3,
        CellKind::Date => 4,
        CellKind::DateTime => 5,
        CellKind::Error => 6,
    }
}

fn code_kind(c: u8) -> CellKind {
    match c & !HAS_RAW {
        0 => CellKind::Empty,
        1 => CellKind::Text,
        2 => CellKind::Number,
        3 => CellKind::Bool,
        4 => CellKind::Date,
        5 => CellKind::DateTime,
        _ => CellKind::Error,
    }
}

fn len32(s: &str) -> Option<[u8; 4]> {
    u32::try_from(s.len()).ok().map(u32::to_le_bytes)
}

impl Packed {
    pub(super) fn new(row: &Row) -> Packed {
        let text: usize = row
            .cells
            .iter()
            .map(|c| c.value.len() + c.raw.as_ref().map_or(0, String::len))
            .sum();
        let mut data = Vec::with_capacity(4 + row.cells.len() * META + text);
        let Ok(n) = u32::try_from(row.cells.len()) else {
            return Packed::Plain(Box::new(row.clone()));
        };
        data.extend_from_slice(&n.to_le_bytes());
        for c in &row.cells {
            let (Some(v), r) = (len32(&c.value), c.raw.as_deref().map(len32)) else {
                return Packed::Plain(Box::new(row.clone()));
            };
            let r = match r {
                None => [0; 4],
                Some(Some(r)) => r,
                Some(None) => return Packed::Plain(Box::new(row.clone())),
            };
            data.push(kind_code(c.kind) | if c.raw.is_some() { HAS_RAW } else { 0 });
            data.extend_from_slice(&v);
            data.extend_from_slice(&r);
        }
        for c in &row.cells {
            data.extend_from_slice(c.value.as_bytes());
            if let Some(r) = &c.raw {
                data.extend_from_slice(r.as_bytes());
            }
        }
        Packed::Packed {
            number: row.number,
            line: row.line,
            data: data.into_boxed_slice(),
        }
    }

    /// The row as it was packed (without its notes).
    pub(super) fn unpack(&self) -> Row {
        let (number, line, data) = match self {
            Packed::Packed { number, line, data } => (*number, *line, data),
            Packed::Plain(row) => return (**row).clone(),
        };
        let word = |at: usize| {
            data.get(at..at + 4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        let n = word(0);
        let mut text = 4 + n * META;
        let mut take = |len: usize| {
            let s = data.get(text..text + len).unwrap_or_default();
            text += len;
            // Packed from `String`s, so always UTF-8; lossy only to avoid a panic path.
            String::from_utf8_lossy(s).into_owned()
        };
        let cells = (0..n)
            .map(|i| {
                let at = 4 + i * META;
                let code = data.get(at).copied().unwrap_or(0);
                let value = take(word(at + 1));
                let raw = (code & HAS_RAW != 0).then(|| take(word(at + 5)));
                Cell {
                    value,
                    raw,
                    kind: code_kind(code),
                }
            })
            .collect();
        Row {
            number,
            line,
            cells,
            notes: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_row_unpacks_to_the_same_row() {
        let cell = |value: &str, raw: Option<&str>, kind| Cell {
            value: value.into(),
            raw: raw.map(String::from),
            kind,
        };
        let row = Row {
            number: 7,
            line: 9,
            cells: vec![
                cell("#1001", None, CellKind::Text),
                cell("", None, CellKind::Empty),
                cell("Grüße", Some("  Grüße "), CellKind::Text),
                cell("", Some(""), CellKind::Text),
                cell("2024-03-04", None, CellKind::Date),
                cell("#N/A", None, CellKind::Error),
                cell("1.5", Some("1,5"), CellKind::Number),
            ],
            notes: vec![],
        };
        let packed = Packed::new(&row);
        assert!(matches!(packed, Packed::Packed { .. }));
        assert_eq!(packed.unpack(), row);
        let empty = Row {
            number: 1,
            line: 2,
            cells: vec![],
            notes: vec![],
        };
        assert_eq!(Packed::new(&empty).unpack(), empty);
    }
}
