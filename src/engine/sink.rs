//! The run directory: `journal.jsonl` (append-only, the truth), `succeeded.csv` / `failed.csv` (derived from
//! the journal, for people and Excel), `run.json` (the files' fingerprints, checked on resume) and
//! `summary.json`.
//!
//! Crash safety: every finished record is appended to the journal *before* its CSV line, and the journal is
//! flushed and fsynced every [`SYNC_INTERVAL`] (or [`SYNC_EVERY`] records, whichever comes first). A
//! crash can therefore lose at most the last unsynced lines; those records are simply sent again by
//! `--resume` (a profile update is idempotent; a session already stored is recognised by reading it back).
//! A record is never lost: it is either in the journal or sent again. The CSVs are rebuilt from the journal
//! when a run resumes, so a crash between the two writes cannot leave a record twice or not at all.
//!
//! The journal carries each record's source cells so the CSVs can be rebuilt; it never carries the API key.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{EngineError, RecordOutcome, Summary};
use crate::text::excel_safe;

pub const JOURNAL: &str = "journal.jsonl";
pub const SUMMARY: &str = "summary.json";
/// fsync the journal after this many records… (an fsync costs milliseconds on ordinary disks, so syncing every
/// few hundred records would cap a bulk import at some tens of thousands of records per second; the
/// guarantee does not depend on this number, only how much a crash makes `--resume` send again)
pub const SYNC_EVERY: usize = 16_384;
/// …or after this long, whichever comes first.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(200);

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalLine {
    /// The job's name (see `ImportJob::name`).
    pub job_name: String,
    pub target: String,
    #[serde(flatten)]
    pub outcome: RecordOutcome,
    /// The source cells of each row of the record.
    pub source: Vec<Vec<String>>,
}

impl JournalLine {
    /// Identifies a record across a run and its resumptions.
    pub fn key(&self) -> RecordKey {
        record_key(&self.job_name, &self.outcome.rows, &self.outcome.id)
    }
}

/// (job name, first row, id): stable for the same mapping and file.
pub type RecordKey = (String, u64, String);

pub fn record_key(job: &str, rows: &[u64], id: &str) -> RecordKey {
    (
        job.to_string(),
        rows.first().copied().unwrap_or(0),
        id.to_string(),
    )
}

/// Where a job's results go.
#[derive(Debug, Clone)]
pub struct JobFiles {
    pub name: String,
    pub columns: Vec<String>,
    pub succeeded: PathBuf,
    pub failed: PathBuf,
}

/// File names for each job: `succeeded.csv`/`failed.csv` for a single job, `<name>-succeeded.csv` … otherwise.
pub fn job_files(dir: &Path, jobs: &[(String, Vec<String>)]) -> Vec<JobFiles> {
    jobs.iter()
        .map(|(name, columns)| {
            let prefix = if jobs.len() == 1 {
                String::new()
            } else {
                format!("{}-", sanitize_name(name))
            };
            JobFiles {
                name: name.clone(),
                columns: columns.clone(),
                succeeded: dir.join(format!("{prefix}succeeded.csv")),
                failed: dir.join(format!("{prefix}failed.csv")),
            }
        })
        .collect()
}

fn sanitize_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::RunDir {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Reads a journal, ignoring a torn last line (a crash mid-write), and cuts the file back to its last
/// complete line so that appends start cleanly. Later lines for the same record win.
pub fn read_journal(path: &Path) -> Result<Vec<JournalLine>, EngineError> {
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(path, e)),
    };
    let mut reader = BufReader::new(&file);
    let mut out = Vec::new();
    let mut good_len: u64 = 0;
    let mut pos: u64 = 0;
    let mut buf = Vec::new();
    let mut seen: HashMap<RecordKey, usize> = HashMap::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_err(path, e))?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        if buf.last() != Some(&b'\n') {
            break; // torn line
        }
        match serde_json::from_slice::<JournalLine>(&buf) {
            Ok(line) => {
                good_len = pos;
                match seen.get(&line.key()) {
                    Some(&i) => out[i] = line,
                    None => {
                        seen.insert(line.key(), out.len());
                        out.push(line);
                    }
                }
            }
            Err(_) => break,
        }
    }
    drop(reader);
    if good_len < pos || file.metadata().map(|m| m.len()).unwrap_or(0) > good_len {
        file.set_len(good_len).map_err(|e| io_err(path, e))?;
    }
    Ok(out)
}

/// What the sink is asked to do.
pub enum SinkMsg {
    Record(Box<JournalLine>),
    /// Flush and fsync everything, then answer.
    Flush(tokio::sync::oneshot::Sender<Result<(), String>>),
}

/// The writer thread's handle.
pub struct Sink {
    tx: mpsc::Sender<SinkMsg>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

struct Writers {
    journal_path: PathBuf,
    journal: BufWriter<File>,
    csv: HashMap<String, (csv::Writer<File>, csv::Writer<File>)>,
    unsynced: usize,
    last_sync: Instant,
}

impl Sink {
    /// Opens the run directory. With `restored` (a resumed run) the CSVs are rebuilt from those journal lines;
    /// otherwise they start empty. The journal is appended to either way.
    pub fn open(
        dir: &Path,
        files: &[JobFiles],
        restored: &[JournalLine],
    ) -> Result<Sink, EngineError> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let journal_path = dir.join(JOURNAL);
        let journal = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)
            .map_err(|e| io_err(&journal_path, e))?;
        let mut csv = HashMap::new();
        for f in files {
            let mut ok = new_csv(&f.succeeded, &f.columns)?;
            let mut bad = new_csv(&f.failed, &f.columns)?;
            for line in restored.iter().filter(|l| l.job_name == f.name) {
                let w = if line.outcome.status.is_failure() {
                    &mut bad
                } else {
                    &mut ok
                };
                write_rows(w, line, f.columns.len()).map_err(|e| io_err(&f.succeeded, e))?;
            }
            ok.flush().map_err(|e| io_err(&f.succeeded, e))?;
            bad.flush().map_err(|e| io_err(&f.failed, e))?;
            csv.insert(f.name.clone(), (ok, bad));
        }
        let mut w = Writers {
            journal_path,
            journal: BufWriter::new(journal),
            csv,
            unsynced: 0,
            last_sync: Instant::now(),
        };
        let (tx, rx) = mpsc::channel::<SinkMsg>();
        let thread = std::thread::Builder::new()
            .name("talon-import-sink".into())
            .spawn(move || w.serve(rx))
            .map_err(|e| io_err(dir, e))?;
        Ok(Sink {
            tx,
            thread: Some(thread),
        })
    }

    pub fn sender(&self) -> mpsc::Sender<SinkMsg> {
        self.tx.clone()
    }

    /// Flushes and fsyncs all files and stops the writer.
    pub async fn close(mut self) -> Result<(), EngineError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _ = self.tx.send(SinkMsg::Flush(tx));
        let flushed = rx.await.unwrap_or_else(|_| Err("writer stopped".into()));
        drop(self.tx);
        let joined = match self.thread.take() {
            Some(t) => tokio::task::spawn_blocking(move || t.join())
                .await
                .ok()
                .and_then(|r| r.ok())
                .unwrap_or_else(|| Err("the results writer stopped unexpectedly".into())),
            None => Ok(()),
        };
        flushed.and(joined).map_err(|message| EngineError::RunDir {
            path: PathBuf::from(JOURNAL),
            message,
        })
    }
}

fn new_csv(path: &Path, columns: &[String]) -> Result<csv::Writer<File>, EngineError> {
    let file = File::create(path).map_err(|e| io_err(path, e))?;
    let mut w = csv::Writer::from_writer(file);
    let mut header: Vec<String> = columns.iter().map(|c| excel_safe(c).into_owned()).collect();
    header.extend(["status", "http_status", "error"].map(String::from));
    w.write_record(&header).map_err(|e| io_err(path, e))?;
    Ok(w)
}

/// One CSV line per source row of the record (a session's line items stay together, so failed.csv can be
/// imported again with the same mapping).
fn write_rows(w: &mut csv::Writer<File>, line: &JournalLine, ncols: usize) -> csv::Result<()> {
    let status = line.outcome.status.as_str();
    let http = line
        .outcome
        .http_status
        .map(|s| s.to_string())
        .unwrap_or_default();
    let error = line.outcome.error.as_deref().unwrap_or("");
    let rows: Vec<&[String]> = if line.source.is_empty() {
        vec![&[]]
    } else {
        line.source.iter().map(Vec::as_slice).collect()
    };
    for cells in rows {
        let mut rec: Vec<String> = (0..ncols)
            .map(|i| excel_safe(cells.get(i).map(String::as_str).unwrap_or("")).into_owned())
            .collect();
        rec.push(status.to_string());
        rec.push(http.clone());
        rec.push(excel_safe(error).into_owned());
        w.write_record(&rec)?;
    }
    Ok(())
}

impl Writers {
    fn serve(&mut self, rx: mpsc::Receiver<SinkMsg>) -> Result<(), String> {
        loop {
            let msg = if self.unsynced > 0 {
                let wait = SYNC_INTERVAL.saturating_sub(self.last_sync.elapsed());
                match rx.recv_timeout(wait) {
                    Ok(m) => Some(m),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return self.sync(),
                }
            } else {
                match rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => return self.sync(),
                }
            };
            match msg {
                Some(SinkMsg::Record(line)) => {
                    self.write(&line)?;
                    if self.unsynced >= SYNC_EVERY || self.last_sync.elapsed() >= SYNC_INTERVAL {
                        self.sync()?;
                    }
                }
                Some(SinkMsg::Flush(answer)) => {
                    let r = self.sync();
                    let _ = answer.send(r.clone());
                    r?;
                }
                None => self.sync()?,
            }
        }
    }

    fn write(&mut self, line: &JournalLine) -> Result<(), String> {
        let journal_err = |e: std::io::Error| format!("{}: {e}", self.journal_path.display());
        let mut text = serde_json::to_string(line).map_err(|e| e.to_string())?;
        text.push('\n');
        self.journal
            .write_all(text.as_bytes())
            .map_err(journal_err)?;
        if let Some((ok, bad)) = self.csv.get_mut(&line.job_name) {
            let w = if line.outcome.status.is_failure() {
                bad
            } else {
                ok
            };
            let ncols = line.source.first().map(Vec::len).unwrap_or(0);
            write_rows(w, line, ncols).map_err(|e| e.to_string())?;
        }
        self.unsynced += 1;
        Ok(())
    }

    fn sync(&mut self) -> Result<(), String> {
        let journal_err = |e: std::io::Error| format!("{}: {e}", self.journal_path.display());
        self.journal.flush().map_err(journal_err)?;
        self.journal.get_ref().sync_data().map_err(journal_err)?;
        for (ok, bad) in self.csv.values_mut() {
            ok.flush().map_err(|e| e.to_string())?;
            bad.flush().map_err(|e| e.to_string())?;
        }
        self.unsynced = 0;
        self.last_sync = Instant::now();
        Ok(())
    }
}

/// Writes summary.json (atomically: temp file, then rename).
pub fn write_summary(dir: &Path, summary: &Summary) -> Result<(), EngineError> {
    let path = dir.join(SUMMARY);
    let tmp = dir.join(format!("{SUMMARY}.tmp"));
    let text = serde_json::to_string_pretty(summary).map_err(|e| io_err(&path, e))?;
    std::fs::write(&tmp, text + "\n").map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
    Ok(())
}

/// Written when a run starts: what each job was built from, so `--resume` can tell when a file changed.
pub const RUN_INFO: &str = "run.json";

/// One job's fingerprint in [`RUN_INFO`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFingerprint {
    pub name: String,
    pub target: String,
    pub mapping_sha256: Option<String>,
    pub source_sha256: Option<String>,
}

/// First attempt (or a run directory from before run.json existed): writes the fingerprints. Resumed run:
/// compares them with the ones written at the start and returns a warning per job whose mapping or source
/// file changed (records are matched by row and id, so a changed file can skip or repeat records).
pub fn check_run_info(
    dir: &Path,
    jobs: &[JobFingerprint],
    resume: bool,
) -> Result<Vec<String>, EngineError> {
    let path = dir.join(RUN_INFO);
    let earlier: Option<Vec<JobFingerprint>> = if resume {
        std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
    } else {
        None
    };
    let Some(earlier) = earlier else {
        let text = serde_json::to_string_pretty(jobs).map_err(|e| io_err(&path, e))?;
        std::fs::write(&path, text + "\n").map_err(|e| io_err(&path, e))?;
        return Ok(vec![]);
    };
    let mut warnings = vec![];
    for job in jobs {
        let Some(before) = earlier.iter().find(|e| e.name == job.name) else {
            warnings.push(format!(
                "{}: this mapping was not part of the run being resumed; all its records will be sent",
                job.name
            ));
            continue;
        };
        let changed = |a: &Option<String>, b: &Option<String>| a.is_some() && b.is_some() && a != b;
        for (what, a, b) in [
            ("mapping", &before.mapping_sha256, &job.mapping_sha256),
            ("source file", &before.source_sha256, &job.source_sha256),
        ] {
            if changed(a, b) {
                warnings.push(format!(
                    "{}: the {what} changed since this run started; records are matched by row number and id, \
                     so edited, inserted or removed rows may be skipped or sent again — to import a fixed file, \
                     start a new run instead of resuming",
                    job.name
                ));
            }
        }
    }
    Ok(warnings)
}

/// The keys of records already finished in a journal.
pub fn done_keys(lines: &[JournalLine]) -> HashSet<RecordKey> {
    lines.iter().map(JournalLine::key).collect()
}

/// Seeks to the end (helper for tests that append by hand).
#[doc(hidden)]
pub fn append_raw(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    f.seek(SeekFrom::End(0))?;
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RecordStatus;

    fn line(job: &str, row: u64, id: &str, status: RecordStatus) -> JournalLine {
        JournalLine {
            job_name: job.into(),
            target: "profiles".into(),
            outcome: RecordOutcome {
                job: 0,
                rows: vec![row],
                id: id.into(),
                status,
                http_status: Some(200),
                attempts: 1,
                latency_ms: 3,
                error: None,
                response: None,
                resumed: false,
            },
            source: vec![vec![id.into(), "=1+1".into()]],
        }
    }

    #[test]
    fn resume_warns_when_a_file_changed() {
        let dir = tempfile::tempdir().unwrap();
        let fp = |src: &str| JobFingerprint {
            name: "orders".into(),
            target: "sessions".into(),
            mapping_sha256: Some("m".into()),
            source_sha256: Some(src.into()),
        };
        assert!(
            check_run_info(dir.path(), &[fp("a")], false)
                .unwrap()
                .is_empty()
        );
        assert!(
            check_run_info(dir.path(), &[fp("a")], true)
                .unwrap()
                .is_empty()
        );
        let w = check_run_info(dir.path(), &[fp("b")], true).unwrap();
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("orders: the source file changed"), "{w:?}");
    }

    #[tokio::test]
    async fn journal_survives_a_torn_line_and_rebuilds_csvs() {
        let dir = tempfile::tempdir().unwrap();
        let files = job_files(dir.path(), &[("c".into(), vec!["id".into(), "x".into()])]);
        let sink = Sink::open(dir.path(), &files, &[]).unwrap();
        let tx = sink.sender();
        tx.send(SinkMsg::Record(Box::new(line(
            "c",
            1,
            "a",
            RecordStatus::Succeeded,
        ))))
        .unwrap();
        tx.send(SinkMsg::Record(Box::new(line(
            "c",
            2,
            "b",
            RecordStatus::Failed,
        ))))
        .unwrap();
        drop(tx);
        sink.close().await.unwrap();
        let jp = dir.path().join(JOURNAL);
        append_raw(&jp, "{\"job_name\":\"c\",\"tar").unwrap();
        let lines = read_journal(&jp).unwrap();
        assert_eq!(lines.len(), 2);
        assert!(std::fs::read_to_string(&jp).unwrap().ends_with("}\n"));
        let sink = Sink::open(dir.path(), &files, &lines).unwrap();
        sink.close().await.unwrap();
        let ok = std::fs::read_to_string(dir.path().join("succeeded.csv")).unwrap();
        assert_eq!(
            ok,
            "id,x,status,http_status,error\na,'=1+1,succeeded,200,\n"
        );
        let bad = std::fs::read_to_string(dir.path().join("failed.csv")).unwrap();
        assert_eq!(bad, "id,x,status,http_status,error\nb,'=1+1,failed,200,\n");
    }
}
