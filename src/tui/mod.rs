//! The wizard: a ratatui app in The Elm Architecture (state, `Msg`, pure `update`, render-only views).
//! Async work runs on tokio tasks and reports over channels; the UI thread never waits on I/O.

pub mod app;
pub mod keys;
pub mod recent;
pub mod steps;
pub mod theme;
pub mod view;
pub mod widgets;

use std::path::{Path, PathBuf};

use anyhow::Context;
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyCode, KeyEvent, KeyEventKind,
    MouseButton, MouseEventKind,
};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::exit::{CmdResult, Exit};
use crate::mapping::{Catalog, Mapping};
use crate::payload::render;
use crate::talon::attributes::AttributeDef;
use crate::talon::client::{Client, ClientConfig};
use crate::talon::management::ManagementConfig;
use app::{App, Cmd, Msg, PreviewItem, Table, update};

/// How the wizard starts.
#[derive(Debug, Clone, Default)]
pub struct WizardOptions {
    /// A file to open at start.
    pub file: Option<PathBuf>,
    /// Deployment URL to prefill.
    pub url: Option<String>,
    /// Integration API key (from `TALON_API_KEY` or the demo sandbox). Never written anywhere.
    pub api_key: Option<String>,
    /// Management API key, optional.
    pub management_key: Option<String>,
    /// Started by `talon-import demo`: test the connection and load the demo's attributes at once.
    pub demo: bool,
}

/// How many sample rows the File step reads.
pub const SAMPLE_ROWS: usize = 200;

/// Reads the first rows of a file for the grid, sanitized for drawing. Blocking: call on `spawn_blocking`.
pub fn load_table(path: &Path) -> Result<Table, String> {
    load_table_with(path, &crate::source::SourceOptions::default())
}

/// [`load_table`] with a sheet or header row the admin chose.
pub fn load_table_with(path: &Path, opts: &crate::source::SourceOptions) -> Result<Table, String> {
    let reader = crate::source::open(path, opts).map_err(|e| {
        format!(
            "Could not read {}: {e}. Check the path and that it is a CSV or Excel file.",
            path.display()
        )
    })?;
    let info = reader.info.clone();
    let mut rows = Vec::new();
    for row in reader.take(SAMPLE_ROWS) {
        let row = row.map_err(|e| format!("{}: {e}", path.display()))?;
        let cells = row
            .cells
            .iter()
            .map(|c| crate::text::for_terminal(&c.value).into_owned())
            .collect();
        rows.push((row.number, cells));
    }
    let description = match &info.sheet {
        Some(sheet) => format!(
            "{:?}, sheet '{}' ({} of {})",
            info.format,
            crate::text::for_terminal(sheet),
            info.sheets
                .iter()
                .position(|s| s == sheet)
                .map_or(1, |i| i + 1),
            info.sheets.len().max(1)
        ),
        None => format!(
            "{:?}, {}, delimiter '{}'",
            info.format,
            info.encoding.as_deref().unwrap_or("?"),
            info.delimiter.unwrap_or(',')
        ),
    };
    Ok(Table {
        path: path.to_path_buf(),
        description,
        columns: info
            .columns
            .iter()
            .map(|c| crate::text::for_terminal(c).into_owned())
            .collect(),
        rows,
        sheets: info.sheets.clone(),
        sheet: info.sheet.clone(),
        header_row: info.header_row,
        delimiter: info.delimiter,
        encoding: info.encoding.clone(),
        forced: opts.clone(),
    })
}

/// The folders and supported files in `dir`, folders first, each group by name; hidden entries left out.
/// Blocking: call on `spawn_blocking`.
pub fn list_dir(dir: &Path) -> Result<Vec<app::PickEntry>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "Cannot list the folder {}: {e}",
            crate::text::for_terminal(&dir.display().to_string())
        )
    })?;
    let mut out: Vec<app::PickEntry> = read
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                return None;
            }
            let is_dir = e.file_type().ok()?.is_dir()
                || (e.file_type().ok()?.is_symlink() && e.path().is_dir());
            let supported = Path::new(&name)
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| app::PICKER_TYPES.contains(&x.to_lowercase().as_str()));
            (is_dir || supported).then(|| app::PickEntry {
                name: crate::text::for_terminal(&name).into_owned(),
                raw: name,
                is_dir,
            })
        })
        .collect();
    out.sort_by_key(|e| (!e.is_dir, e.name.to_lowercase()));
    Ok(out)
}

/// The newest run directory under `runs` for `target` whose journal belongs to the file `job` and which has no
/// summary, or a summary saying it stopped early. Blocking.
pub fn find_interrupted(runs: &Path, job: &str, target: crate::mapping::Target) -> Option<PathBuf> {
    use std::io::BufRead;
    let suffix = format!("-{}", target.as_str());
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(runs)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(&suffix))
        })
        .collect();
    dirs.sort();
    dirs.into_iter().rev().find(|dir| {
        let first_line = std::fs::File::open(dir.join(crate::engine::sink::JOURNAL))
            .ok()
            .and_then(|f| std::io::BufReader::new(f).lines().next()?.ok());
        let ours = first_line
            .and_then(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
            .is_some_and(|v| v["job_name"] == job);
        let unfinished = match std::fs::read_to_string(dir.join(crate::engine::sink::SUMMARY)) {
            Err(_) => true,
            Ok(text) => serde_json::from_str::<serde_json::Value>(&text)
                .is_ok_and(|v| !v["aborted"].is_null()),
        };
        ours && unfinished
    })
}

/// Restores the terminal when dropped, on normal exit and on error (ratatui's `init` adds the panic hook).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

/// Opens the wizard.
pub fn run_wizard(opts: WizardOptions) -> CmdResult {
    let runtime = tokio::runtime::Runtime::new()
        .context("starting the async runtime")
        .map_err(Exit::usage)?;
    runtime.block_on(event_loop(opts)).map_err(Exit::usage)?;
    Ok(crate::exit::OK)
}

async fn event_loop(opts: WizardOptions) -> anyhow::Result<()> {
    let api_key = opts
        .api_key
        .or_else(|| std::env::var("TALON_API_KEY").ok())
        .unwrap_or_default();
    let mut app = App::new(
        opts.url.unwrap_or_default(),
        api_key,
        opts.management_key.unwrap_or_default(),
    );
    app.demo = opts.demo;
    // What helps next time (never a key); the demo's throwaway sandbox URL is not remembered.
    let recent_path = recent::path().filter(|_| !opts.demo);
    let mut memory = recent_path
        .as_deref()
        .map(recent::Recent::load)
        .unwrap_or_default();
    if app.connect.url.is_empty()
        && let Some(url) = &memory.url
    {
        app.connect.url = url.clone();
    }
    app.recent_files = memory.files.clone();
    app.log_path = crate::logging::log_path();
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let control: Control = Default::default();
    if opts.demo {
        // The demo is connected already: check it and load its custom attributes straight away.
        app.testing = true;
        run_cmd(
            Cmd::TestConnection {
                url: app.connect.url.clone(),
                api_key: app.connect.api_key.clone(),
            },
            &tx,
            &control,
        );
    }
    if let Some(file) = opts.file {
        app.path_input = file.display().to_string();
        app.loading = true;
        run_cmd(Cmd::LoadFile(file), &tx, &control);
    } else {
        // The File step's picker starts in the current folder.
        run_cmd(Cmd::ListDir(PathBuf::from(".")), &tx, &control);
    }
    let theme = theme::Theme::from_env();
    let mut terminal = ratatui::init();
    let _guard = TerminalGuard;
    // Best effort: a terminal without mouse support still works with the keys. A panic must turn mouse
    // reporting off too (ratatui's hook restores the rest).
    let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        previous(info);
    }));
    let mut events = EventStream::new();
    let mut batch = Vec::with_capacity(256);
    let mut incoming = Vec::with_capacity(256);
    tracing::info!("wizard started");
    loop {
        terminal.draw(|f| f.render_widget(view::View { app: &app, theme }, f.area()))?;
        // Wait for the next terminal event or background message, then drain whatever else is queued so a
        // burst of messages costs one redraw.
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => batch.push(Msg::Key(k)),
                Some(Ok(Event::Resize(..))) => batch.push(Msg::Resize),
                // The wheel scrolls whatever list the step shows, like the arrow keys.
                Some(Ok(Event::Mouse(m))) => match m.kind {
                    MouseEventKind::ScrollUp => batch.push(Msg::Key(KeyEvent::from(KeyCode::Up))),
                    MouseEventKind::ScrollDown => {
                        batch.push(Msg::Key(KeyEvent::from(KeyCode::Down)))
                    }
                    MouseEventKind::Down(MouseButton::Left) => batch.push(Msg::Click {
                        x: m.column,
                        y: m.row,
                        width: terminal.size().map(|s| s.width).unwrap_or(80),
                    }),
                    _ => {}
                },
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                None => break,
            },
            n = rx.recv_many(&mut incoming, 256) => if n == 0 { break },
        }
        batch.append(&mut incoming);
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        for msg in batch.drain(..) {
            if let Some(cmd) = update(&mut app, msg) {
                if cmd == Cmd::Quit {
                    // An import still running is stopped; its journal lets `run --resume` finish it.
                    if let Some(c) = control.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                        c.abort();
                    }
                    tracing::info!("wizard closed");
                    return Ok(());
                }
                run_cmd(cmd, &tx, &control);
            }
        }
        if let Some(path) = &recent_path
            && remember(&app, &mut memory)
        {
            // Written on a blocking task: the UI thread never waits on the disk.
            let (m, p) = (memory.clone(), path.clone());
            tokio::task::spawn_blocking(move || m.save(&p));
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}

/// Folds what the admin just did into the memory; true when something changed.
fn remember(app: &App, memory: &mut recent::Recent) -> bool {
    let before = memory.clone();
    if matches!(app.connection, Some(Ok(_))) && !app.connect.url.trim().is_empty() {
        memory.url = Some(app.connect.url.trim().to_string());
    }
    if let Some(t) = &app.table
        && memory.files.first().map(|f| f.as_path()) != std::path::absolute(&t.path).ok().as_deref()
    {
        memory.remember_file(&t.path);
    }
    if let Some(m) = &app.saved
        && memory.mappings.first().map(|f| f.as_path()) != std::path::absolute(m).ok().as_deref()
    {
        memory.remember_mapping(m);
    }
    *memory != before
}

/// The running import's controls, set by the task that starts it.
pub type Control = std::sync::Arc<std::sync::Mutex<Option<crate::engine::RunControl>>>;

/// The mapping's records and how to show their requests (deployment URL, key masked).
fn plan_for_display(
    mapping: &Mapping,
    custom: &[AttributeDef],
    url: &str,
    api_key: &str,
) -> Result<(crate::payload::Plan, render::Context), String> {
    let catalog = catalog_for(custom, mapping);
    let plan = crate::payload::plan(mapping, &catalog).map_err(|e| e.to_string())?;
    Ok((plan, render::Context::new(Some(url), Some(api_key))))
}

/// The custom attributes plus what the mapping declares.
fn catalog_for(custom: &[AttributeDef], mapping: &Mapping) -> Catalog {
    let mut c = Catalog::builtin();
    c.extend(custom.iter().cloned());
    c.declare(mapping);
    c
}

/// Carries out a command on a background task; the answer comes back as a `Msg`. Public so tests can drive
/// the whole wizard without a terminal: `update` → `run_cmd` → messages → `update`.
pub fn run_cmd(cmd: Cmd, tx: &mpsc::UnboundedSender<Msg>, control: &Control) {
    let tx = tx.clone();
    match cmd {
        Cmd::LoadFileWith {
            path,
            sheet,
            header_row,
            delimiter,
            encoding,
        } => {
            tokio::task::spawn_blocking(move || {
                let opts = crate::source::SourceOptions {
                    sheet,
                    header_row,
                    delimiter,
                    encoding,
                };
                let _ = tx.send(Msg::FileLoaded(load_table_with(&path, &opts)));
            });
        }
        Cmd::ShowRequest {
            mapping,
            custom,
            url,
            api_key,
            row,
        } => {
            tokio::task::spawn_blocking(move || {
                let result = (|| {
                    let (plan, ctx) = plan_for_display(&mapping, &custom, &url, &api_key)?;
                    for rec in plan {
                        let rec = rec.map_err(|e| e.to_string())?;
                        if rec.rows.contains(&row) {
                            return Ok(crate::text::for_terminal(&render::render_http(&rec, &ctx))
                                .into_owned());
                        }
                    }
                    Err(format!("Row {row} is no longer in the file."))
                })();
                let _ = tx.send(Msg::RecordRequest(row, result));
            });
        }
        Cmd::FindInterrupted { job, target } => {
            tokio::task::spawn_blocking(move || {
                let found = find_interrupted(Path::new(crate::engine::RUNS_DIR), &job, target);
                let _ = tx.send(Msg::InterruptedFound(found));
            });
        }
        Cmd::LoadMapping(path) => {
            tokio::task::spawn_blocking(move || {
                let result = Mapping::load(&path)
                    .map(Box::new)
                    .map_err(|e| format!("Could not load the mapping: {e}"));
                let _ = tx.send(Msg::MappingLoaded(result));
            });
        }
        Cmd::ListDir(dir) => {
            tokio::task::spawn_blocking(move || {
                let listed = list_dir(&dir);
                let _ = tx.send(Msg::DirListed(dir, listed));
            });
        }
        Cmd::LoadFile(path) => {
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::FileLoaded(load_table(&path)));
            });
        }
        Cmd::TestConnection { url, api_key } => {
            tokio::spawn(async move {
                let result = async {
                    let client = Client::new(&ClientConfig::new(url.clone(), api_key))
                        .map_err(|e| e.to_string())?;
                    client.test_connection().await.map_err(|e| e.to_string())?;
                    Ok(format!("Connected to {url}: the key was accepted."))
                }
                .await;
                let _ = tx.send(Msg::ConnectionTested(result));
            });
        }
        Cmd::LoadAttributes {
            url,
            management_key,
        } => {
            tokio::spawn(async move {
                let cfg = ManagementConfig {
                    base_url: url,
                    key: secrecy::SecretString::from(management_key),
                };
                let result = match crate::talon::management::client() {
                    Ok(http) => crate::talon::management::fetch_attributes(&http, &cfg)
                        .await
                        .map_err(|e| format!("Loading custom attributes failed: {e}")),
                    Err(e) => Err(e.to_string()),
                };
                let _ = tx.send(Msg::AttributesLoaded(result));
            });
        }
        Cmd::SaveMapping { path, mapping } => {
            tokio::task::spawn_blocking(move || {
                let mut m = *mapping;
                // Paths in a mapping file are relative to it.
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                if let Ok(rel) = m.source.file.strip_prefix(&dir) {
                    m.source.file = rel.to_path_buf();
                }
                m.base_dir = dir;
                let result = m
                    .save(&path)
                    .map(|_| path.clone())
                    .map_err(|e| format!("Could not save the mapping: {e}"));
                let _ = tx.send(Msg::Saved(result));
            });
        }
        Cmd::Validate { mapping, custom } => {
            tokio::task::spawn_blocking(move || {
                let catalog = catalog_for(&custom, &mapping);
                let progress = tx.clone();
                let result = crate::mapping::validate::validate(&mapping, &catalog, |p| {
                    let _ = progress.send(Msg::ValidateProgress(p.rows));
                })
                .map_err(|e| e.to_string());
                let _ = tx.send(Msg::Validated(result));
            });
        }
        Cmd::Preview {
            mapping,
            custom,
            url,
            api_key,
        } => {
            tokio::task::spawn_blocking(move || {
                let result = (|| {
                    let (plan, ctx) = plan_for_display(&mapping, &custom, &url, &api_key)?;
                    let mut items = vec![];
                    for rec in plan.take(PREVIEW_RECORDS) {
                        let rec = rec.map_err(|e| e.to_string())?;
                        items.push(PreviewItem {
                            label: render::row_label(&rec.rows),
                            text: crate::text::for_terminal(&render::render_http(&rec, &ctx))
                                .into_owned(),
                        });
                    }
                    Ok(items)
                })();
                let _ = tx.send(Msg::Previewed(result));
            });
        }
        Cmd::StartImport {
            mapping,
            custom,
            url,
            api_key,
            rehearsal,
        } => spawn_import(
            ImportWish {
                mapping: *mapping,
                custom,
                url,
                api_key,
                rehearsal,
                only_rows: None,
                resume: None,
            },
            tx,
            control.clone(),
        ),
        Cmd::RetryFailed {
            mapping,
            custom,
            url,
            api_key,
            rows,
        } => spawn_import(
            ImportWish {
                mapping: *mapping,
                custom,
                url,
                api_key,
                rehearsal: false,
                only_rows: Some(rows),
                resume: None,
            },
            tx,
            control.clone(),
        ),
        Cmd::ResumeRun {
            mapping,
            custom,
            url,
            api_key,
            run_dir,
        } => spawn_import(
            ImportWish {
                mapping: *mapping,
                custom,
                url,
                api_key,
                rehearsal: false,
                only_rows: None,
                resume: Some(run_dir),
            },
            tx,
            control.clone(),
        ),
        Cmd::PauseImport | Cmd::ResumeImport | Cmd::CancelImport => {
            if let Some(c) = control.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                match cmd {
                    Cmd::PauseImport => c.pause(),
                    Cmd::ResumeImport => c.resume(),
                    _ => c.cancel(),
                }
            }
        }
        Cmd::Quit => {}
    }
}

/// Requests shown on the Preview step.
const PREVIEW_RECORDS: usize = 100;

/// Builds the job and starts the engine; its events come back as `Msg::Import`. With `only_rows`, just the
/// records with one of those data rows are sent (retrying the failures of a run).
#[allow(clippy::too_many_arguments)]
/// What to import and how: a full run, a rehearsal, a retry of some rows, or the resumption of a run.
struct ImportWish {
    mapping: Mapping,
    custom: Vec<AttributeDef>,
    url: String,
    api_key: String,
    rehearsal: bool,
    only_rows: Option<std::collections::BTreeSet<u64>>,
    resume: Option<PathBuf>,
}

/// Starts an import on a task; a failure to start comes back as `Msg::ImportFailed`.
fn spawn_import(wish: ImportWish, tx: mpsc::UnboundedSender<Msg>, control: Control) {
    tokio::spawn(async move {
        let rehearsal = wish.rehearsal;
        if let Err(message) = start_import(wish, &tx, &control).await {
            let _ = tx.send(Msg::ImportFailed { rehearsal, message });
        }
    });
}

async fn start_import(
    wish: ImportWish,
    tx: &mpsc::UnboundedSender<Msg>,
    control: &Control,
) -> Result<(), String> {
    let ImportWish {
        mapping,
        custom,
        url,
        api_key,
        rehearsal,
        only_rows,
        resume,
    } = wish;
    let client = Client::new(&ClientConfig::new(url, api_key)).map_err(|e| e.to_string())?;
    // A retry knows its count; a rehearsal sends a sample; only a full run counts the records first.
    let count = !rehearsal && only_rows.is_none();
    let retry = only_rows.is_some();
    let job = tokio::task::spawn_blocking(move || {
        let catalog = catalog_for(&custom, &mapping);
        let name = mapping
            .source_path()
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "import".into());
        crate::engine::ImportJob::from_mapping(name, &mapping, None, &catalog, count)
            .map(|job| (job, mapping.target))
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())??;
    let (mut job, target) = job;
    if let Some(rows) = only_rows {
        job.total = Some(rows.len() as u64);
        let records = std::mem::replace(&mut job.records, Box::new(std::iter::empty()));
        job.records = Box::new(records.filter(move |r| match r {
            Ok(rec) => rec.rows.iter().any(|n| rows.contains(n)),
            // A read error still ends the run with its message.
            Err(_) => true,
        }));
    }
    let mut cfg = crate::engine::RunConfig::new(
        Some(client),
        if let Some(dir) = &resume {
            dir.clone()
        } else if rehearsal {
            std::env::temp_dir().join(format!(
                "talon-import-rehearsal-{}",
                jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S%.fZ")
            ))
        } else if retry {
            // A retry gets a directory of its own, even within the same second as the run it retries.
            let mut dir = crate::engine::default_run_dir(&[target]).into_os_string();
            dir.push(format!(
                "-retry-{}",
                jiff::Timestamp::now().as_millisecond()
            ));
            std::path::PathBuf::from(dir)
        } else {
            crate::engine::default_run_dir(&[target])
        },
    );
    // Records already in the run's journal are reported again, never re-sent.
    cfg.resume = resume.is_some();
    if rehearsal {
        cfg.mode = crate::engine::Mode::ServerDryRun {
            sample: Some(steps::preview::REHEARSAL_SAMPLE),
        };
    }
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (ctl, handle) = crate::engine::start(vec![job], cfg, events_tx);
    if !rehearsal {
        *control.lock().unwrap_or_else(|e| e.into_inner()) = Some(ctl);
    }
    while let Some(event) = events.recv().await {
        let _ = tx.send(Msg::Import { rehearsal, event });
    }
    match handle.await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("the import stopped unexpectedly: {e}")),
    }
}
