//! Read-ahead: a CSV is split into records on its own thread, a batch of records ahead of whoever reads it, so
//! parsing overlaps with the work done on each row (cleaning, profiling, validation, building requests).
//!
//! Items (records; rows in the tests) travel in batches over a bounded channel and come back over a second one,
//! so their buffers are reused and nothing is allocated per item in steady state. What crosses between the
//! threads is one record's contiguous bytes, not a row's many small strings: the reading thread builds its row
//! from them in its own cache. At most a few batches (each at most [`BATCH_ROWS`] items or about
//! [`BATCH_BYTES`] of file) are in memory.

#[cfg(test)]
use super::Row;
use super::SourceError;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Rows per batch: large enough that channel hand-offs cost nothing per row, small enough that a preview of
/// the first rows does not wait for much parsing.
pub(super) const BATCH_ROWS: usize = 256;
/// A batch also ends once it holds this much of the file, so huge cells do not pile up in memory.
pub(super) const BATCH_BYTES: u64 = 1 << 20;
/// Parsed batches waiting for the reader.
const QUEUE: usize = 2;

/// What runs on the parser thread.
pub(super) trait Produce: Send + 'static {
    type Item: Default + Send + 'static;
    /// Fills the next item, reusing its buffers; `None` at the end, an error ends the stream.
    fn produce(&mut self, item: &mut Self::Item) -> Option<Result<(), SourceError>>;
    /// Bytes of the file consumed so far.
    fn position(&self) -> u64;
}

struct Batch<T> {
    rows: Vec<T>,
    /// Rows of `rows` filled by the parser (the rest are spare buffers).
    len: usize,
    /// Set on the last batch: the end of the file, or the error that ended reading.
    end: Option<Result<(), SourceError>>,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Batch {
            rows: Vec::new(),
            len: 0,
            end: None,
        }
    }
}

pub(super) struct ReadAhead<T> {
    path: PathBuf,
    batches: Receiver<Batch<T>>,
    recycle: SyncSender<Batch<T>>,
    current: Batch<T>,
    pos: usize,
    finished: bool,
    /// Starts the parser thread; taken on the first read, so opening a file only to learn its columns parses
    /// nothing ahead.
    start: Option<Box<dyn FnOnce() + Send>>,
}

impl<T: Default + Send + 'static> ReadAhead<T> {
    /// Parses `source` on a new thread, started by the first read.
    pub(super) fn spawn<P: Produce<Item = T>>(path: PathBuf, source: P) -> Self {
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

    /// The next parsed item, fetching a new batch when this one is used up.
    pub(super) fn advance(&mut self) -> Option<Result<&mut T, SourceError>> {
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
fn parse<P: Produce>(
    mut source: P,
    tx: SyncSender<Batch<P::Item>>,
    returned: Receiver<Batch<P::Item>>,
) {
    loop {
        let mut batch = returned.try_recv().unwrap_or_default();
        batch.len = 0;
        let start = source.position();
        while batch.len < BATCH_ROWS && source.position() - start < BATCH_BYTES {
            if batch.rows.len() == batch.len {
                batch.rows.push(P::Item::default());
            }
            match source.produce(&mut batch.rows[batch.len]) {
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

    impl Produce for Counting {
        type Item = Row;
        fn produce(&mut self, row: &mut Row) -> Option<Result<(), SourceError>> {
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
        let mut seen = vec![];
        let mut error = None;
        while let Some(r) = ahead.advance() {
            match r {
                Ok(row) => {
                    assert_eq!(row.cells[0].value, row.number.to_string());
                    seen.push(row.number);
                }
                Err(e) => error = Some(e.to_string()),
            }
        }
        assert!(ahead.advance().is_none(), "stays finished");
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
        assert_eq!(ahead.advance().unwrap().unwrap().number, 1);
        drop(ahead);
        // Returns once the parser thread has dropped its source; it would hang if the thread kept parsing.
        assert!(ended.recv().is_err());
    }
}
