//! Duplicate ids over a whole file in bounded memory, for `validate`: every id is recorded with its row, and
//! [`Duplicates::finish`] names each row whose id an earlier row already had, together with that earlier row.
//!
//! Memory stays flat whatever the file size: ids are kept in a buffer of a fixed byte budget (64-bit hash,
//! row and the id text); a full buffer is sorted by (hash, row) and spilled to an unnamed temporary file in
//! the system temp dir (deleted when dropped), and the end merges the sorted runs. Equal hashes are only
//! candidates: the id texts decide, so a 64-bit hash collision never reports a false duplicate. A file that
//! fits the budget never touches the disk. Should the temp dir be unwritable, the buffer keeps growing in
//! memory instead (correct, just not bounded), with a warning in the log.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

/// Default budget of the in-memory buffer: about 200,000 ids of 16 characters before the first spill.
pub const BUDGET: usize = 8 << 20;

/// One recorded id: hash, row, and where its text sits in the buffer's text arena.
#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    row: u64,
    start: u32,
    len: u32,
}

const ENTRY_BYTES: usize = std::mem::size_of::<Entry>();

/// A row whose id an earlier row already had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The later row (the one that wins on import).
    pub row: u64,
    /// The closest earlier row with the same id.
    pub previous: u64,
    pub id: String,
}

/// What [`Duplicates::finish`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Rows whose id an earlier row already had.
    pub count: u64,
    /// The first duplicates in row order (at most the number asked for).
    pub first: Vec<Duplicate>,
}

/// Records `(id, row)` pairs, rows in ascending order; see the module documentation.
pub struct Duplicates {
    budget: usize,
    entries: Vec<Entry>,
    text: Vec<u8>,
    runs: Vec<File>,
    /// Spilling failed once: keep everything in memory from then on.
    in_memory: bool,
}

impl Default for Duplicates {
    fn default() -> Self {
        Duplicates::new()
    }
}

impl Duplicates {
    pub fn new() -> Self {
        Duplicates::with_budget(BUDGET)
    }

    /// A buffer of `budget` bytes (tests use a tiny one to force spills).
    pub fn with_budget(budget: usize) -> Self {
        Duplicates {
            budget: budget.max(ENTRY_BYTES),
            entries: Vec::new(),
            text: Vec::new(),
            runs: Vec::new(),
            in_memory: false,
        }
    }

    /// Records one id. Rows must come in ascending order (file order).
    pub fn push(&mut self, id: &str, row: u64) {
        self.push_hashed(id_hash(id), id, row);
    }

    fn push_hashed(&mut self, hash: u64, id: &str, row: u64) {
        if !self.in_memory
            && !self.entries.is_empty()
            && (self.entries.len() + 1) * ENTRY_BYTES + self.text.len() + id.len() > self.budget
        {
            self.spill();
        }
        // Ids are at most 1000 characters (longer ones are errors before they get here); the arena offset
        // only overflows u32 when spilling failed and 4 GB of ids piled up in memory.
        let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(id.len()).unwrap_or(u32::MAX);
        self.text.extend_from_slice(id.as_bytes());
        self.entries.push(Entry {
            hash,
            row,
            start,
            len,
        });
    }

    /// Sorts the buffer and writes it to a new run; on failure switches to in-memory mode.
    fn spill(&mut self) {
        sort(&mut self.entries);
        match self.write_run() {
            Ok(file) => {
                self.runs.push(file);
                self.entries.clear();
                self.text.clear();
            }
            Err(e) => {
                tracing::warn!(
                    "duplicate-id check: cannot spill to the temp dir ({e}); keeping ids in memory"
                );
                self.in_memory = true;
            }
        }
    }

    fn write_run(&self) -> io::Result<File> {
        let mut out = BufWriter::with_capacity(64 << 10, tempfile::tempfile()?);
        for e in &self.entries {
            out.write_all(&e.hash.to_le_bytes())?;
            out.write_all(&e.row.to_le_bytes())?;
            out.write_all(&e.len.to_le_bytes())?;
            out.write_all(self.text_of(e))?;
        }
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(file)
    }

    fn text_of(&self, e: &Entry) -> &[u8] {
        let start = e.start as usize;
        self.text
            .get(start..start + e.len as usize)
            .unwrap_or_default()
    }

    /// Every row whose id an earlier row had: the count and the first `keep` in row order.
    pub fn finish(mut self, keep: usize) -> io::Result<Found> {
        sort(&mut self.entries);
        let mut sources: Vec<Source> = Vec::with_capacity(self.runs.len() + 1);
        for file in std::mem::take(&mut self.runs) {
            sources.push(Source::Run(BufReader::with_capacity(32 << 10, file)));
        }
        sources.push(Source::Memory(0));
        let mut texts: Vec<Vec<u8>> = vec![Vec::new(); sources.len()];
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, s) in sources.iter_mut().enumerate() {
            if let Some((hash, row)) = s.next(&self, &mut texts[i])? {
                heap.push(Reverse((hash, row, i)));
            }
        }
        let mut found = Found::default();
        let mut group = Group::default();
        while let Some(Reverse((hash, row, i))) = heap.pop() {
            if group.hash != Some(hash) {
                group.reset(hash);
            }
            if let Some(previous) = group.see(&texts[i], row) {
                found.count += 1;
                keep_first(&mut found.first, keep, row, previous, &texts[i]);
            }
            if let Some((hash, row)) = sources[i].next(&self, &mut texts[i])? {
                heap.push(Reverse((hash, row, i)));
            }
        }
        Ok(found)
    }
}

/// Sorts by (hash, row): equal hashes end up adjacent, each group in row order.
fn sort(entries: &mut [Entry]) {
    entries.sort_unstable_by_key(|e| (e.hash, e.row));
}

/// Keeps the `keep` duplicates with the smallest rows, in row order.
fn keep_first(first: &mut Vec<Duplicate>, keep: usize, row: u64, previous: u64, id: &[u8]) {
    if keep == 0 || (first.len() == keep && first.last().is_some_and(|d| d.row < row)) {
        return;
    }
    let at = first.partition_point(|d| d.row < row);
    first.insert(
        at,
        Duplicate {
            row,
            previous,
            id: String::from_utf8_lossy(id).into_owned(),
        },
    );
    first.truncate(keep);
}

/// The ids sharing one hash, seen so far in row order: almost always one id, two after a collision.
#[derive(Default)]
struct Group {
    hash: Option<u64>,
    ids: Vec<(Vec<u8>, u64)>,
}

impl Group {
    fn reset(&mut self, hash: u64) {
        self.hash = Some(hash);
        self.ids.clear();
    }

    /// Records `id` at `row`; the previous row of the same id, if any.
    fn see(&mut self, id: &[u8], row: u64) -> Option<u64> {
        match self.ids.iter_mut().find(|(t, _)| t == id) {
            Some((_, last)) => Some(std::mem::replace(last, row)),
            None => {
                self.ids.push((id.to_vec(), row));
                None
            }
        }
    }
}

/// A sorted run being merged: a spilled file or the in-memory buffer (with the next index).
enum Source {
    Run(BufReader<File>),
    Memory(usize),
}

impl Source {
    /// The next (hash, row), its id text in `text`.
    fn next(&mut self, d: &Duplicates, text: &mut Vec<u8>) -> io::Result<Option<(u64, u64)>> {
        match self {
            Source::Memory(i) => Ok(d.entries.get(*i).map(|e| {
                *i += 1;
                text.clear();
                text.extend_from_slice(d.text_of(e));
                (e.hash, e.row)
            })),
            Source::Run(r) => {
                let mut head = [0u8; 20];
                match r.read_exact(&mut head) {
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                    other => other?,
                }
                let word = |at: usize| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&head[at..at + 8]);
                    u64::from_le_bytes(b)
                };
                let (hash, row) = (word(0), word(8));
                let len = u32::from_le_bytes([head[16], head[17], head[18], head[19]]) as usize;
                text.resize(len, 0);
                r.read_exact(text)?;
                Ok(Some((hash, row)))
            }
        }
    }
}

/// A well-mixed 64-bit hash of an id (SipHash with fixed keys, so runs are reproducible).
pub fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dup(row: u64, previous: u64, id: &str) -> Duplicate {
        Duplicate {
            row,
            previous,
            id: id.into(),
        }
    }

    #[test]
    fn names_the_later_row_and_the_closest_earlier_one() {
        let mut d = Duplicates::new();
        for (row, id) in [(1, "a"), (2, "b"), (3, "a"), (4, "c"), (5, "a"), (6, "b")] {
            d.push(id, row);
        }
        let found = d.finish(3).unwrap();
        assert_eq!(found.count, 3);
        assert_eq!(
            found.first,
            vec![dup(3, 1, "a"), dup(5, 3, "a"), dup(6, 2, "b")]
        );
    }

    #[test]
    fn finds_duplicates_across_spilled_runs_and_keeps_the_first_in_row_order() {
        // A budget of a few entries: many runs, and duplicates far apart.
        let mut d = Duplicates::with_budget(3 * ENTRY_BYTES + 16);
        for row in 1..=1000u64 {
            d.push(&format!("id-{}", row % 300), row);
        }
        assert!(d.runs.len() > 100, "the budget should force spills");
        let found = d.finish(3).unwrap();
        assert_eq!(found.count, 700);
        assert_eq!(
            found.first,
            vec![
                dup(301, 1, "id-1"),
                dup(302, 2, "id-2"),
                dup(303, 3, "id-3")
            ]
        );
        // The third repeat of an id names the second one, not the first.
        let mut d = Duplicates::with_budget(2 * ENTRY_BYTES + 8);
        for (row, id) in [(1, "x"), (2, "y"), (3, "z"), (4, "x"), (5, "w"), (6, "x")] {
            d.push(id, row);
        }
        let found = d.finish(1).unwrap();
        assert_eq!((found.count, found.first), (2, vec![dup(4, 1, "x")]));
    }

    #[test]
    fn a_hash_collision_is_not_a_duplicate() {
        let mut d = Duplicates::with_budget(2 * ENTRY_BYTES);
        // Different ids forced onto one hash, across runs: only the real repeat counts.
        d.push_hashed(7, "first", 1);
        d.push_hashed(7, "second", 2);
        d.push_hashed(7, "first", 3);
        d.push_hashed(9, "other", 4);
        d.push_hashed(7, "second", 5);
        let found = d.finish(5).unwrap();
        assert_eq!(found.count, 2);
        assert_eq!(found.first, vec![dup(3, 1, "first"), dup(5, 2, "second")]);
    }

    #[test]
    fn no_duplicates_no_findings_and_no_files_within_budget() {
        let mut d = Duplicates::new();
        for row in 1..=10_000u64 {
            d.push(&format!("shop-{row:08}"), row);
        }
        assert!(d.runs.is_empty());
        assert_eq!(d.finish(3).unwrap(), Found::default());
    }
}
