//! Duplicate ids over a whole file in bounded memory, for `validate`: every id is recorded with its row, and
//! [`Duplicates::finish`] names each row whose id an earlier row already had, together with that earlier row.
//! [`Duplicates::groups`] hands out every set of entries sharing one id, for other rules (session ids across
//! several files).
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
use std::io::{self, BufWriter, Read, Seek, Write};

/// Default budget of the in-memory buffer: about 170,000 ids of 16 characters before the first spill. Peak
/// memory is up to about twice this (vector growth, and the sort's scratch copy of the entries).
pub const BUDGET: usize = 8 << 20;

/// One recorded id: hash, ordering key (the row), and where its tag and text sit in the buffer's arena (the
/// tag is kept there, not here: the sort moves entries several times, so smaller is faster).
#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    key: u64,
    start: u32,
    len: u32,
}

/// Bytes of the tag before each id text in the arena.
const TAG: usize = 8;

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

/// One recorded id as [`Duplicates::groups`] hands it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen<'a> {
    /// The ordering key given to [`Duplicates::push_tagged`] (the row for [`Duplicates::push`]).
    pub key: u64,
    pub tag: u64,
    pub id: &'a [u8],
}

/// Records `(id, row)` pairs, rows in ascending order; see the module documentation.
pub struct Duplicates {
    budget: usize,
    entries: Vec<Entry>,
    text: Vec<u8>,
    runs: Vec<File>,
    /// The sort's second buffer.
    scratch: Vec<Entry>,
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
            scratch: Vec::new(),
            in_memory: false,
        }
    }

    /// Records one id. Rows must come in ascending order (file order).
    pub fn push(&mut self, id: &str, row: u64) {
        self.push_hashed(id_hash(id), id, row, 0);
    }

    /// Records one id with an ordering `key` (ascending from push to push) and a `tag` for the caller.
    pub fn push_tagged(&mut self, id: &str, key: u64, tag: u64) {
        self.push_hashed(id_hash(id), id, key, tag);
    }

    fn push_hashed(&mut self, hash: u64, id: &str, key: u64, tag: u64) {
        if !self.in_memory
            && !self.entries.is_empty()
            && (self.entries.len() + 1) * ENTRY_BYTES + self.text.len() + TAG + id.len()
                > self.budget
        {
            self.spill();
        }
        // Ids are at most 1000 characters (longer ones are errors before they get here); the arena offset
        // only overflows u32 when spilling failed and 4 GB of ids piled up in memory. Then further ids go
        // unchecked: a missed duplicate warning rather than a wrong one.
        let (Ok(start), Ok(len)) = (u32::try_from(self.text.len()), u32::try_from(id.len())) else {
            return;
        };
        if u32::try_from(self.text.len() + TAG + id.len()).is_err() {
            return;
        }
        self.text.extend_from_slice(&tag.to_le_bytes());
        self.text.extend_from_slice(id.as_bytes());
        self.entries.push(Entry {
            hash,
            key,
            start,
            len,
        });
    }

    /// Sorts the buffer and writes it to a new run; on failure switches to in-memory mode.
    fn spill(&mut self) {
        sort(&mut self.entries, &mut self.scratch);
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
        // Per entry: the hash (8 bytes), then key, tag and text length as varints (rows and lengths are small,
        // profiles' tags are 0), then the text: about 40 % less to write and read back than fixed widths.
        let mut head = [0u8; MAX_HEAD];
        for e in &self.entries {
            head[..8].copy_from_slice(&e.hash.to_le_bytes());
            let mut n = 8;
            for v in [e.key, self.tag_of(e), u64::from(e.len)] {
                n += put_varint(&mut head[n..], v);
            }
            out.write_all(&head[..n])?;
            out.write_all(self.text_of(e))?;
        }
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(file)
    }

    fn text_of(&self, e: &Entry) -> &[u8] {
        let start = e.start as usize + TAG;
        self.text
            .get(start..start + e.len as usize)
            .unwrap_or_default()
    }

    fn tag_of(&self, e: &Entry) -> u64 {
        let start = e.start as usize;
        self.text.get(start..start + TAG).map_or(0, |b| {
            u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        })
    }

    /// Every row whose id an earlier row had: the count and the first `keep` in row order.
    pub fn finish(self, keep: usize) -> io::Result<Found> {
        let mut found = Found::default();
        self.groups(|same| {
            for pair in same.windows(2) {
                found.count += 1;
                keep_first(&mut found.first, keep, pair[1].key, pair[0].key, pair[1].id);
            }
        })?;
        Ok(found)
    }

    /// Calls `each` once per id recorded more than once, with its entries in key order. Ids come in no
    /// particular order.
    pub fn groups(mut self, mut each: impl FnMut(&[Seen<'_>])) -> io::Result<()> {
        sort(&mut self.entries, &mut self.scratch);
        self.scratch = Vec::new();
        let mut group = Group::default();
        if self.runs.is_empty() {
            // Everything fit the budget: one sorted buffer, no merge.
            for e in &self.entries {
                if group.hash != e.hash {
                    group.settle(&mut each);
                    group.hash = e.hash;
                }
                group.add(e.key, self.tag_of(e), self.text_of(e));
            }
            group.settle(&mut each);
            return Ok(());
        }
        let mut sources: Vec<Source> = std::mem::take(&mut self.runs)
            .into_iter()
            .map(|file| Source::Run(RunReader::new(file)))
            .collect();
        sources.push(Source::Memory(0));
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, s) in sources.iter_mut().enumerate() {
            if let Some(hash) = s.peek(&self)? {
                heap.push(Reverse((hash, i)));
            }
        }
        while let Some(mut top) = heap.peek_mut() {
            let Reverse((hash, i)) = *top;
            if group.hash != hash {
                group.settle(&mut each);
                group.hash = hash;
            }
            sources[i].take(&self, &mut group)?;
            // Replacing the top sifts once; a pop and a push would sift twice.
            match sources[i].peek(&self)? {
                Some(next) => *top = Reverse((next, i)),
                None => drop(std::collections::binary_heap::PeekMut::pop(top)),
            }
        }
        group.settle(&mut each);
        Ok(())
    }
}

/// Sorts by hash, rows ascending within a hash (the buffer is in row order and every step is stable): two
/// radix passes on the top 16 bits (8 bits each, so the scatter writes stream into 256 places and stay in
/// cache), then one insertion-sort pass, which only moves entries within the few sharing those 16 bits. Much
/// cheaper than a comparison sort of the whole buffer; costs a second buffer while it runs.
fn sort(entries: &mut [Entry], other: &mut Vec<Entry>) {
    if entries.len() < 64 {
        entries.sort_by_key(|e| e.hash);
        return;
    }
    // Reused from spill to spill: a fresh buffer would page-fault in every time.
    other.clear();
    other.resize(
        entries.len(),
        Entry {
            hash: 0,
            key: 0,
            start: 0,
            len: 0,
        },
    );
    // Both digits counted in one read.
    let (mut low, mut high) = ([0usize; 256], [0usize; 256]);
    for e in entries.iter() {
        low[((e.hash >> 48) & 0xff) as usize] += 1;
        high[(e.hash >> 56) as usize] += 1;
    }
    radix_pass(entries, other, 48, low);
    radix_pass(other, entries, 56, high);
    for i in 1..entries.len() {
        let mut j = i;
        while j > 0 && entries[j - 1].hash > entries[j].hash {
            entries.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// One stable counting-sort pass of `from` into `to` on the 8 bits of the hash at `shift`, whose counts are
/// `next`.
fn radix_pass(from: &[Entry], to: &mut [Entry], shift: u32, mut next: [usize; 256]) {
    let digit = |e: &Entry| ((e.hash >> shift) & 0xff) as usize;
    let mut sum = 0;
    for n in next.iter_mut() {
        let count = *n;
        *n = sum;
        sum += count;
    }
    for e in from {
        let d = digit(e);
        to[next[d]] = *e;
        next[d] += 1;
    }
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

/// The entries sharing one hash: almost always one (nothing to do), a few for a repeated id, rarely two ids
/// after a hash collision. Buffers are reused from group to group.
#[derive(Default)]
struct Group {
    hash: u64,
    /// (key, tag, start, len) into `text`.
    rows: Vec<(u64, u64, usize, usize)>,
    text: Vec<u8>,
    seen: Vec<usize>,
}

impl Group {
    fn add(&mut self, key: u64, tag: u64, id: &[u8]) {
        self.rows.push((key, tag, self.text.len(), id.len()));
        self.text.extend_from_slice(id);
    }

    /// Hands each id of the group that was recorded more than once to `each` (entries in key order), and
    /// empties the group.
    fn settle(&mut self, each: &mut impl FnMut(&[Seen<'_>])) {
        if self.rows.len() > 1 {
            // Runs of a merge interleave within a hash; the keys decide.
            self.rows.sort_unstable_by_key(|r| r.0);
            let text = &self.text;
            let seen = |r: &(u64, u64, usize, usize)| Seen {
                key: r.0,
                tag: r.1,
                id: &text[r.2..r.2 + r.3],
            };
            let first = seen(&self.rows[0]);
            if self.rows.iter().all(|r| seen(r).id == first.id) {
                let all: Vec<Seen<'_>> = self.rows.iter().map(seen).collect();
                each(&all);
            } else {
                // A hash collision: split by the real text, keeping key order within each id.
                self.seen.clear();
                for i in 0..self.rows.len() {
                    let id = seen(&self.rows[i]).id;
                    if self.seen.iter().any(|&j| seen(&self.rows[j]).id == id) {
                        continue;
                    }
                    self.seen.push(i);
                    let same: Vec<Seen<'_>> = self.rows[i..]
                        .iter()
                        .map(seen)
                        .filter(|s| s.id == id)
                        .collect();
                    if same.len() > 1 {
                        each(&same);
                    }
                }
            }
        }
        self.rows.clear();
        self.text.clear();
    }
}

/// A sorted run being merged: a spilled file or the in-memory buffer (with the next index).
enum Source {
    Run(RunReader),
    Memory(usize),
}

impl Source {
    /// The hash of the next entry, if any.
    fn peek(&mut self, d: &Duplicates) -> io::Result<Option<u64>> {
        match self {
            Source::Memory(i) => Ok(d.entries.get(*i).map(|e| e.hash)),
            Source::Run(r) => r.peek(),
        }
    }

    /// Moves the next entry into `group`.
    fn take(&mut self, d: &Duplicates, group: &mut Group) -> io::Result<()> {
        match self {
            Source::Memory(i) => {
                if let Some(e) = d.entries.get(*i) {
                    group.add(e.key, d.tag_of(e), d.text_of(e));
                    *i += 1;
                }
                Ok(())
            }
            Source::Run(r) => r.take(group),
        }
    }
}

/// Reads a spilled run in large chunks and hands out entries straight from the chunk.
struct RunReader {
    file: File,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// The entry [`RunReader::peek`] parsed: key, tag, header bytes, text length.
    next: Option<(u64, u64, usize, usize)>,
}

/// Most bytes of an entry before its text: the hash and three varints of at most 10 bytes.
const MAX_HEAD: usize = 8 + 3 * 10;

/// Writes `v` as a LEB128 varint into `out` (at least 10 bytes long); the bytes written.
fn put_varint(out: &mut [u8], mut v: u64) -> usize {
    let mut n = 0;
    while v >= 0x80 {
        out[n] = (v as u8) | 0x80;
        v >>= 7;
        n += 1;
    }
    out[n] = v as u8;
    n + 1
}

/// Reads a varint from `data` at `*at` (advanced); `None` if it runs past the end or past 64 bits.
fn get_varint(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn damaged() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "duplicate-id run file is damaged or ends early",
    )
}

impl RunReader {
    fn new(file: File) -> Self {
        RunReader {
            file,
            buf: vec![0; 64 << 10],
            pos: 0,
            end: 0,
            next: None,
        }
    }

    /// Makes `n` bytes available at `pos` (fewer only at the end of the file).
    fn fill(&mut self, n: usize) -> io::Result<()> {
        if self.end - self.pos >= n {
            return Ok(());
        }
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        if self.buf.len() < n {
            self.buf.resize(n, 0);
        }
        while self.end < n {
            let got = self.file.read(&mut self.buf[self.end..])?;
            if got == 0 {
                break;
            }
            self.end += got;
        }
        Ok(())
    }

    /// The next entry's hash, with the whole entry in the buffer.
    fn peek(&mut self) -> io::Result<Option<u64>> {
        if self.next.is_some() {
            return Ok(self.buf.get(self.pos..self.pos + 8).map(word));
        }
        self.fill(MAX_HEAD)?;
        if self.end == self.pos {
            return Ok(None);
        }
        let data = &self.buf[..self.end];
        let mut at = self.pos + 8;
        let (Some(key), Some(tag), Some(len)) = (
            get_varint(data, &mut at),
            get_varint(data, &mut at),
            get_varint(data, &mut at),
        ) else {
            return Err(damaged());
        };
        let (head, len) = (at - self.pos, len as usize);
        self.fill(head + len)?;
        if self.end - self.pos < head + len {
            return Err(damaged());
        }
        self.next = Some((key, tag, head, len));
        Ok(Some(word(&self.buf[self.pos..self.pos + 8])))
    }

    /// Moves the entry [`RunReader::peek`] found into `group`.
    fn take(&mut self, group: &mut Group) -> io::Result<()> {
        let Some((key, tag, head, len)) = self.next.take() else {
            return Ok(());
        };
        let start = self.pos + head;
        group.add(key, tag, &self.buf[start..start + len]);
        self.pos = start + len;
        Ok(())
    }
}

/// The little-endian u64 in the first 8 bytes of `b`.
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// A well-mixed 64-bit hash of an id: eight bytes at a time, multiply-rotate, and a final avalanche
/// (MurmurHash3's fmix64). Fixed, so runs are reproducible; only a candidate filter (the texts decide), so
/// speed matters more than resistance to crafted collisions.
pub fn id_hash(id: &str) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes = id.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
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

    /// The plain in-memory answer, to compare against.
    fn oracle(ids: &[String], keep: usize) -> Found {
        let mut last = std::collections::HashMap::new();
        let mut found = Found::default();
        for (i, id) in ids.iter().enumerate() {
            let row = i as u64 + 1;
            if let Some(prev) = last.insert(id.clone(), row) {
                found.count += 1;
                if found.first.len() < keep {
                    found.first.push(dup(row, prev, id));
                }
            }
        }
        found
    }

    #[test]
    fn agrees_with_a_hash_map_for_any_budget() {
        let mut x: u64 = 42;
        let ids: Vec<String> = (0..20_000)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                format!("cust-{}", (x >> 33) % 15_000)
            })
            .collect();
        let want = oracle(&ids, 3);
        assert!(want.count > 1000);
        for budget in [100 * ENTRY_BYTES, 3000 * ENTRY_BYTES, BUDGET] {
            let mut d = Duplicates::with_budget(budget);
            for (i, id) in ids.iter().enumerate() {
                d.push(id, i as u64 + 1);
            }
            assert_eq!(d.finish(3).unwrap(), want, "budget {budget}");
        }
    }

    #[test]
    fn the_hash_spreads_similar_ids_over_all_buckets() {
        let mut top = std::collections::HashSet::new();
        let mut all = std::collections::HashSet::new();
        for i in 0..100_000u64 {
            let h = id_hash(&format!("shop-{i:08}"));
            top.insert(h >> 56);
            all.insert(h);
        }
        assert_eq!((top.len(), all.len()), (256, 100_000));
        assert_ne!(id_hash("ab"), id_hash("ab\0"));
    }

    #[test]
    fn groups_hand_out_keys_and_tags_from_memory_and_from_runs() {
        for budget in [ENTRY_BYTES + 20, BUDGET] {
            let mut d = Duplicates::with_budget(budget);
            for (id, key, tag) in [
                ("a", 1, 10),
                ("b", 2, 20),
                ("a", 3, 30),
                ("c", 4, 40),
                ("b", 5, 50),
            ] {
                d.push_tagged(id, key, tag);
            }
            let mut got = vec![];
            d.groups(|same| {
                got.push(
                    same.iter()
                        .map(|s| (String::from_utf8_lossy(s.id).into_owned(), s.key, s.tag))
                        .collect::<Vec<_>>(),
                )
            })
            .unwrap();
            got.sort();
            assert_eq!(
                got,
                [
                    vec![("a".to_string(), 1, 10), ("a".to_string(), 3, 30)],
                    vec![("b".to_string(), 2, 20), ("b".to_string(), 5, 50)],
                ],
                "budget {budget}"
            );
        }
    }

    #[test]
    fn varints_round_trip() {
        let mut buf = [0u8; 10];
        for v in [0, 1, 127, 128, 300, 1 << 40, u64::MAX] {
            let n = put_varint(&mut buf, v);
            let mut at = 0;
            assert_eq!((get_varint(&buf[..n], &mut at), at), (Some(v), n));
            let mut at = 0;
            assert_eq!(get_varint(&buf[..n - 1], &mut at), None, "cut short");
        }
    }

    #[test]
    fn the_sort_orders_by_hash_then_row() {
        let mut x: u64 = 7;
        let mut entries: Vec<Entry> = (0..10_000u64)
            .map(|row| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Few distinct values in the low bits and the top bits: ties and shared buckets.
                let hash = (x & 0xFFFF_0000_0000_0000) | (x >> 60);
                Entry {
                    hash,
                    key: row,
                    start: 0,
                    len: 0,
                }
            })
            .collect();
        sort(&mut entries, &mut Vec::new());
        assert!(
            entries
                .windows(2)
                .all(|w| (w[0].hash, w[0].key) < (w[1].hash, w[1].key))
        );
    }

    #[test]
    fn a_hash_collision_is_not_a_duplicate() {
        let mut d = Duplicates::with_budget(2 * ENTRY_BYTES);
        // Different ids forced onto one hash, across runs: only the real repeat counts.
        d.push_hashed(7, "first", 1, 0);
        d.push_hashed(7, "second", 2, 0);
        d.push_hashed(7, "first", 3, 0);
        d.push_hashed(9, "other", 4, 0);
        d.push_hashed(7, "second", 5, 0);
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
