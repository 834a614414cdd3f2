//! Read-ahead: a CSV is parsed, checked and cleaned on its own thread, a batch of rows ahead of whoever reads
//! it, so parsing overlaps with the work done on each row (profiling, validation, building requests).
//!
//! Rows travel in batches over a bounded channel and come back empty over a second one, so their cell buffers
//! are reused: [`ReadAhead::read_into`] swaps the next parsed row with the caller's row, and the caller's old
//! row goes back to the parser to be filled again. In steady state nothing is allocated per row or per cell.
//! At most a few batches (each at most [`BATCH_ROWS`] rows or about [`BATCH_BYTES`] of file) are in memory.

use super::{Row, SourceError};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Rows per batch: large enough that channel hand-offs cost nothing per row, small enough that a preview of
/// the first rows does not wait for much parsing.
pub(super) const BATCH_ROWS: usize = 256;
/// A batch also ends once it holds this much of the file, so huge cells do not pile up in memory.
pub(super) const BATCH_BYTES: u64 = 1 << 20;
/// Parsed batches waiting for the reader.
const QUEUE: usize = 2;

/// What a row source on the parser thread must offer.
pub(super) trait RowSource: Send + 'static {
    /// As [`super::SourceReader::read_into`].
    fn read_into(&mut self, row: &mut Row) -> Option<Result<(), SourceError>>;
    /// Bytes of the file consumed so far.
    fn position(&self) -> u64;
}

#[derive(Default)]
struct Batch {
    rows: Vec<Row>,
    /// Rows of `rows` filled by the parser (the rest are spare buffers).
    len: usize,
    /// Set on the last batch: the end of the file, or the error that ended reading.
    end: Option<Result<(), SourceError>>,
}

pub(super) struct ReadAhead {
    path: PathBuf,
    batches: Receiver<Batch>,
    recycle: SyncSender<Batch>,
    current: Batch,
    pos: usize,
    finished: bool,
    /// Starts the parser thread; taken on the first read, so opening a file only to learn its columns parses
    /// nothing ahead.
    start: Option<Box<dyn FnOnce() + Send>>,
}

impl ReadAhead {
    /// Parses `source` on a new thread, started by the first read.
    pub(super) fn spawn(path: PathBuf, source: impl RowSource) -> Self {
        let (tx, batches) = sync_channel(QUEUE);
        let (recycle, returned) = sync_channel(QUEUE + 2);
        let start = move || {
            std::thread::Builder::new()
                .name("talon-import-read-ahead".into())
                .spawn(move || parse(source, tx, returned))
                .map(|_| ())
                .unwrap_or_else(|e| tracing::error!("cannot start the read-ahead thread: {e}"));
        };
        ReadAhead {
            path,
            batches,
            recycle,
            current: Batch::default(),
            pos: 0,
            finished: false,
            start: Some(Box::new(start)),
        }
    }

    pub(super) fn read_into(&mut self, row: &mut Row) -> Option<Result<(), SourceError>> {
        Some(self.advance()?.map(|next| {
            // Field by field: the buffers change hands, nothing is copied.
            std::mem::swap(&mut row.cells, &mut next.cells);
            std::mem::swap(&mut row.notes, &mut next.notes);
            (row.number, row.line) = (next.number, next.line);
        }))
    }

    /// The next row as an owned copy. The batch keeps its buffers for the parser to refill: handing them over
    /// would make this thread free memory the parser thread allocated, which the allocator makes slow.
    pub(super) fn next_row(&mut self) -> Option<Result<Row, SourceError>> {
        Some(self.advance()?.map(|next| next.clone()))
    }

    /// The next parsed row, fetching a new batch when this one is used up.
    fn advance(&mut self) -> Option<Result<&mut Row, SourceError>> {
        if let Some(start) = self.start.take() {
            start();
        }
        loop {
            if self.pos < self.current.len {
                self.pos += 1;
                return Some(Ok(&mut self.current.rows[self.pos - 1]));
            }
            if self.finished {
                return None;
            }
            if let Some(end) = self.current.end.take() {
                self.finished = true;
                return end.err().map(Err);
            }
            let used = std::mem::take(&mut self.current);
            // The parser may have stopped already; a batch it does not take back is simply dropped.
            let _ = self.recycle.try_send(used);
            match self.batches.recv() {
                Ok(batch) => {
                    self.current = batch;
                    self.pos = 0;
                }
                Err(_) => {
                    // Only a panic on the parser thread ends the channel without a last batch.
                    self.finished = true;
                    return Some(Err(SourceError::File {
                        path: self.path.clone(),
                        message: "reading stopped unexpectedly (internal error; see the log file)"
                            .into(),
                    }));
                }
            }
        }
    }
}

/// The parser thread: fills batches until the end of the file, an error, or the reader going away.
fn parse(mut source: impl RowSource, tx: SyncSender<Batch>, returned: Receiver<Batch>) {
    loop {
        let mut batch = returned.try_recv().unwrap_or_default();
        batch.len = 0;
        let start = source.position();
        while batch.len < BATCH_ROWS && source.position() - start < BATCH_BYTES {
            if batch.rows.len() == batch.len {
                batch.rows.push(Row::empty());
            }
            match source.read_into(&mut batch.rows[batch.len]) {
                Some(Ok(())) => batch.len += 1,
                Some(Err(e)) => {
                    batch.end = Some(Err(e));
                    break;
                }
                None => {
                    batch.end = Some(Ok(()));
                    break;
                }
            }
        }
        let last = batch.end.is_some();
        if tx.send(batch).is_err() || last {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbered rows, then optionally an error.
    struct Counting {
        n: u64,
        total: u64,
        fail: bool,
        /// Dropped with the source, which tells a test that the parser thread has ended.
        _alive: Option<std::sync::mpsc::Sender<()>>,
    }

    impl RowSource for Counting {
        fn read_into(&mut self, row: &mut Row) -> Option<Result<(), SourceError>> {
            if self.n == self.total {
                self.n += 1;
                return self.fail.then(|| {
                    Err(SourceError::Line {
                        path: "x.csv".into(),
                        line: self.total + 2,
                        message: "broken".into(),
                    })
                });
            }
            if self.n > self.total {
                return None;
            }
            self.n += 1;
            *row = Row::from_strs(self.n, &[&self.n.to_string()]);
            Some(Ok(()))
        }
        fn position(&self) -> u64 {
            self.n * 10
        }
    }

    fn read_all(total: u64, fail: bool) -> (Vec<u64>, Option<String>) {
        let mut ahead = ReadAhead::spawn(
            "x.csv".into(),
            Counting {
                n: 0,
                total,
                fail,
                _alive: None,
            },
        );
        let mut row = Row::empty();
        let mut seen = vec![];
        let mut error = None;
        while let Some(r) = ahead.read_into(&mut row) {
            match r {
                Ok(()) => {
                    assert_eq!(row.cells[0].value, row.number.to_string());
                    seen.push(row.number);
                }
                Err(e) => error = Some(e.to_string()),
            }
        }
        assert!(ahead.read_into(&mut row).is_none(), "stays finished");
        (seen, error)
    }

    #[test]
    fn every_row_in_order_across_batches() {
        for total in [0, 1, 255, 256, 257, 2000] {
            let (seen, error) = read_all(total, false);
            assert_eq!(seen, (1..=total).collect::<Vec<_>>());
            assert_eq!(error, None);
        }
    }

    #[test]
    fn an_error_comes_after_the_rows_before_it() {
        let (seen, error) = read_all(600, true);
        assert_eq!(seen.len(), 600);
        assert_eq!(error.as_deref(), Some("x.csv, line 602: broken"));
    }

    #[test]
    fn dropping_the_reader_early_stops_the_parser() {
        let (alive, ended) = std::sync::mpsc::channel();
        let mut ahead = ReadAhead::spawn(
            "x.csv".into(),
            Counting {
                n: 0,
                total: u64::MAX - 1,
                fail: false,
                _alive: Some(alive),
            },
        );
        let mut row = Row::empty();
        assert!(matches!(ahead.read_into(&mut row), Some(Ok(()))));
        assert_eq!(row.number, 1);
        drop(ahead);
        // Returns once the parser thread has dropped its source; it would hang if the thread kept parsing.
        assert!(ended.recv().is_err());
    }
}
