//! The rows of one order packed into one allocation, for the rows sessions hold while they are grouped (an
//! order's line items need not be adjacent, so the whole file waits in memory). A [`Row`] spends a `String`
//! (and an `Option<String>`) per cell plus the cell vector — about 700 bytes for 8 short cells; packed, a row
//! is its cell texts plus 9 bytes per cell and 20 per row, all of an order's rows in one buffer. Unpacked
//! again, one record at a time, they are the identical rows (notes aside, which records do not use).

use crate::source::{Cell, CellKind, Row};

/// Bytes of metadata per cell: kind (with a has-raw bit), value length, raw length.
const META: usize = 9;
const HAS_RAW: u8 = 0x80;
/// Bytes before a packed row's cells: number, line, cell count.
const ROW_HEAD: usize = 20;

/// The rows of one order, in file order.
#[derive(Default)]
pub(super) struct PackedRows {
    /// Per row: a marker byte, then either the packed row (0) or the index of a row in `plain` (1).
    data: Vec<u8>,
    /// Rows with a cell too long for the packed lengths (4 GB): kept as they are.
    plain: Vec<Row>,
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

impl PackedRows {
    pub(super) fn push(&mut self, row: &Row) {
        let text: usize = row
            .cells
            .iter()
            .map(|c| c.value.len() + c.raw.as_ref().map_or(0, String::len))
            .sum();
        let fits = u32::try_from(row.cells.len()).is_ok()
            && row.cells.iter().all(|c| {
                u32::try_from(c.value.len()).is_ok()
                    && c.raw
                        .as_ref()
                        .is_none_or(|r| u32::try_from(r.len()).is_ok())
            });
        if !fits {
            self.push_plain(row);
            return;
        }
        let size = 1 + ROW_HEAD + row.cells.len() * META + text;
        // Exact growth would copy a long order's buffer once per row; a quarter of slack at most.
        if self.data.capacity() - self.data.len() < size {
            self.data.reserve_exact(size.max(self.data.len() / 4));
        }
        let data = &mut self.data;
        data.push(0);
        data.extend_from_slice(&row.number.to_le_bytes());
        data.extend_from_slice(&row.line.to_le_bytes());
        data.extend_from_slice(&(row.cells.len() as u32).to_le_bytes());
        for c in &row.cells {
            data.push(kind_code(c.kind) | if c.raw.is_some() { HAS_RAW } else { 0 });
            data.extend_from_slice(&(c.value.len() as u32).to_le_bytes());
            let raw = c.raw.as_ref().map_or(0, String::len);
            data.extend_from_slice(&(raw as u32).to_le_bytes());
        }
        for c in &row.cells {
            data.extend_from_slice(c.value.as_bytes());
            if let Some(r) = &c.raw {
                data.extend_from_slice(r.as_bytes());
            }
        }
    }

    fn push_plain(&mut self, row: &Row) {
        self.data.push(1);
        self.data
            .extend_from_slice(&(self.plain.len() as u64).to_le_bytes());
        self.plain.push(row.clone());
    }

    /// The rows as they were pushed (without their notes).
    pub(super) fn unpack(&self) -> Vec<Row> {
        let data = &self.data;
        let mut rows = vec![];
        let mut at = 0;
        let word = |at: usize| -> u64 {
            data.get(at..at + 8).map_or(0, |b| {
                u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            })
        };
        let half = |at: usize| -> usize {
            data.get(at..at + 4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        while let Some(&marker) = data.get(at) {
            at += 1;
            if marker == 1 {
                let i = word(at) as usize;
                at += 8;
                if let Some(row) = self.plain.get(i) {
                    rows.push(row.clone());
                }
                continue;
            }
            let (number, line, n) = (word(at), word(at + 8), half(at + 16));
            let meta = at + ROW_HEAD;
            let mut text = meta + n * META;
            let mut take = |len: usize| {
                let s = data.get(text..text + len).unwrap_or_default();
                text += len;
                // Packed from `String`s, so always UTF-8; lossy only to avoid a panic path.
                String::from_utf8_lossy(s).into_owned()
            };
            let cells = (0..n)
                .map(|i| {
                    let m = meta + i * META;
                    let code = data.get(m).copied().unwrap_or(0);
                    let value = take(half(m + 1));
                    let raw = (code & HAS_RAW != 0).then(|| take(half(m + 5)));
                    Cell {
                        value,
                        raw,
                        kind: code_kind(code),
                    }
                })
                .collect();
            at = text;
            rows.push(Row {
                number,
                line,
                cells,
                notes: vec![],
            });
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_rows_unpack_to_the_same_rows() {
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
        let empty = Row {
            number: 8,
            line: 12,
            cells: vec![],
            notes: vec![],
        };
        let mut other = row.clone();
        other.number = 30;
        other.cells[0].value = "#1001-b".into();
        let mut packed = PackedRows::default();
        assert!(packed.unpack().is_empty());
        for r in [&row, &empty, &other] {
            packed.push(r);
        }
        assert!(packed.plain.is_empty());
        // A row too big to pack (a 4 GB cell) is kept whole, in its place.
        packed.push_plain(&row);
        packed.push(&empty);
        assert_eq!(
            packed.unpack(),
            vec![row.clone(), empty.clone(), other, row, empty]
        );
    }
}
