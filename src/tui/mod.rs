//! The wizard: a ratatui app in The Elm Architecture (state, `Msg`, pure `update`, render-only views).
//! Async work runs on tokio tasks and reports over channels; the UI thread never waits on I/O. The loop
//! drains every queued message before drawing, and draws at most once per frame interval, so a burst of a
//! thousand import events costs one redraw.

pub mod app;
pub mod keys;
pub mod run_state;
pub mod steps;
pub mod theme;
pub mod view;
pub mod widgets;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind, MouseButton,
    MouseEventKind,
};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::engine::{self, ImportJob, Mode, RunConfig, RunControl};
use crate::exit::{CmdResult, Exit};
use crate::source::SourceOptions;
use crate::talon::attributes::AttributeDef;
use crate::talon::client::{Client, ClientConfig, ConnectionProblem};
use app::{App, Cmd, Job, Msg, RunAction, Table, update};

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
    /// Custom attributes known up front (the demo's); others can be fetched with the Management key.
    pub attributes: Vec<AttributeDef>,
    /// Where run directories go (default `./talon-import-runs`).
    pub run_dir: Option<PathBuf>,
    /// Started by `talon-import demo` (the screens say so).
    pub demo: bool,
}

/// How many sample rows the File step reads.
pub const SAMPLE_ROWS: usize = 200;

/// Reads the first rows of a file for the grid, sanitized for drawing. Blocking: call on `spawn_blocking`.
pub fn load_table(path: &Path) -> Result<Table, String> {
    load_table_with(path, &SourceOptions::default())
}

/// [`load_table`] with a sheet or header row chosen by the admin.
pub fn load_table_with(path: &Path, opts: &SourceOptions) -> Result<Table, String> {
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
        Some(sheet) => format!("{:?}, sheet '{}'", info.format, sheet),
        None => format!(
            "{:?}, {}, delimiter '{}'",
            info.format,
            info.encoding.as_deref().unwrap_or("?"),
            info.delimiter.unwrap_or(',')
        ),
    };
    Ok(Table {
        path: path.to_path_buf(),
        description: crate::text::for_terminal(&description).into_owned(),
        columns: info
            .columns
            .iter()
            .map(|c| crate::text::for_terminal(c).into_owned())
            .collect(),
        rows,
        sheets: info.sheets.clone(),
        sheet: info.sheet.clone(),
        header_row: info.header_row,
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

/// Opens the wizard on its own runtime.
pub fn run_wizard(opts: WizardOptions) -> CmdResult {
    let runtime = tokio::runtime::Runtime::new()
        .context("starting the async runtime")
        .map_err(Exit::usage)?;
    runtime
        .block_on(run_in_runtime(opts))
        .map_err(Exit::usage)?;
    Ok(crate::exit::OK)
}

/// Builds the first state from the options.
pub fn initial_app(opts: &WizardOptions) -> App {
    let api_key = opts
        .api_key
        .clone()
        .or_else(|| std::env::var("TALON_API_KEY").ok())
        .unwrap_or_default();
    let url = opts
        .url
        .clone()
        .or_else(|| std::env::var("TALON_BASE_URL").ok())
        .unwrap_or_default();
    let mgmt = opts
        .management_key
        .clone()
        .or_else(|| std::env::var("TALON_MANAGEMENT_KEY").ok())
        .unwrap_or_default();
    let mut app = App::new(url, api_key, mgmt);
    app.extra_attributes = opts.attributes.clone();
    if let Some(d) = &opts.run_dir {
        app.runs_dir = d.clone();
    }
    if opts.demo {
        app.note = Some(
            "Demo: connected to a local sandbox with the demo customers loaded. Nothing leaves this machine."
                .into(),
        );
    }
    app
}

/// Runs the wizard on the current tokio runtime (the demo runs its sandbox on the same one).
pub async fn run_in_runtime(opts: WizardOptions) -> anyhow::Result<()> {
    let mut app = initial_app(&opts);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut worker = Worker::new(tx.clone());
    if let Some(file) = opts.file.clone() {
        app.path_input = file.display().to_string();
        app.loading = true;
        worker.run(Cmd::LoadFile {
            path: file,
            sheet: None,
            header_row: None,
        });
    }
    let theme = theme::Theme::from_env();
    let mut terminal = ratatui::init();
    let _guard = TerminalGuard;
    let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    let mut events = EventStream::new();
    let mut incoming = Vec::with_capacity(1024);
    let mut second = tokio::time::interval(Duration::from_secs(1));
    second.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // At most ~30 frames a second however fast events arrive.
    let mut frame = tokio::time::interval(Duration::from_millis(33));
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    tracing::info!("wizard started");
    loop {
        let mut batch: Vec<Msg> = Vec::new();
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => batch.push(Msg::Key(k)),
                Some(Ok(Event::Mouse(m))) => match m.kind {
                    MouseEventKind::ScrollUp => batch.push(Msg::Wheel(-1)),
                    MouseEventKind::ScrollDown => batch.push(Msg::Wheel(1)),
                    MouseEventKind::Down(MouseButton::Left) => {
                        batch.push(Msg::Click { column: m.column, row: m.row })
                    }
                    _ => {}
                },
                Some(Ok(Event::Resize(..))) => {
                    terminal.autoresize()?;
                    batch.push(Msg::Resize)
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                None => break,
            },
            n = rx.recv_many(&mut incoming, 1024) => if n == 0 { break },
            _ = second.tick() => batch.push(Msg::Tick),
            _ = frame.tick(), if dirty => {
                terminal.draw(|f| f.render_widget(view::View { app: &app, theme }, f.area()))?;
                dirty = false;
                continue;
            }
        }
        batch.append(&mut incoming);
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        let keyed = batch
            .iter()
            .any(|m| matches!(m, Msg::Key(_) | Msg::Click { .. } | Msg::Wheel(_)));
        for msg in batch.drain(..) {
            if let Some(cmd) = update(&mut app, msg) {
                if cmd == Cmd::Quit {
                    worker.stop();
                    tracing::info!("wizard closed");
                    return Ok(());
                }
                worker.run(cmd);
            }
        }
        if app.quit {
            break;
        }
        dirty = true;
        if keyed {
            // Answer keys at once; background bursts wait for the frame tick.
            terminal.draw(|f| f.render_widget(view::View { app: &app, theme }, f.area()))?;
            dirty = false;
        }
    }
    worker.stop();
    Ok(())
}

/// Carries out commands on background tasks; answers come back as `Msg`s. Holds the running import's
/// control handle (not plain data, so it lives here and not in `App`).
pub struct Worker {
    tx: mpsc::UnboundedSender<Msg>,
    control: Option<RunControl>,
}

impl Worker {
    pub fn new(tx: mpsc::UnboundedSender<Msg>) -> Self {
        Worker { tx, control: None }
    }

    /// Cancels a running import (its requests in flight finish and are journaled).
    pub fn stop(&mut self) {
        if let Some(c) = self.control.take() {
            c.cancel();
        }
    }

    /// Starts `cmd` on a task; must be called inside a tokio runtime.
    pub fn run(&mut self, cmd: Cmd) {
        let tx = self.tx.clone();
        match cmd {
            Cmd::LoadFile {
                path,
                sheet,
                header_row,
            } => {
                tokio::task::spawn_blocking(move || {
                    let opts = SourceOptions {
                        sheet,
                        header_row,
                        ..Default::default()
                    };
                    let _ = tx.send(Msg::FileLoaded(load_table_with(&path, &opts)));
                });
            }
            Cmd::TestConnection { url, api_key } => {
                tokio::spawn(async move {
                    let _ = tx.send(Msg::ConnectionTested(test_connection(&url, &api_key).await));
                });
            }
            Cmd::Validate(job) => {
                tokio::task::spawn_blocking(move || {
                    let progress_tx = tx.clone();
                    let r = crate::mapping::validate::validate(&job.mapping, &job.catalog, |p| {
                        let _ = progress_tx.send(Msg::ValidateProgress(p.rows));
                    })
                    .map_err(|e| format!("Could not check the file: {e}"));
                    let _ = tx.send(Msg::Validated(r));
                });
            }
            Cmd::LoadPreview(job) => {
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Msg::PreviewLoaded(first_records(&job)));
                });
            }
            Cmd::Rehearse {
                job,
                url,
                api_key,
                run_dir,
            } => {
                let (etx, mut erx) = mpsc::unbounded_channel();
                let fwd = tx.clone();
                tokio::spawn(async move {
                    while let Some(ev) = erx.recv().await {
                        let _ = fwd.send(Msg::Rehearsal(ev));
                    }
                });
                match start_import(
                    &job,
                    &url,
                    &api_key,
                    run_dir,
                    Mode::ServerDryRun {
                        sample: Some(app::REHEARSE_RECORDS),
                    },
                    None,
                    None,
                    etx,
                ) {
                    Ok((_control, handle)) => {
                        tokio::spawn(async move {
                            let r = join_result(handle.await);
                            let _ = tx.send(Msg::RehearsalEnded(r));
                        });
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::RehearsalEnded(Err(e)));
                    }
                }
            }
            Cmd::StartRun {
                job,
                url,
                api_key,
                run_dir,
                total,
                only_rows,
            } => {
                let (etx, mut erx) = mpsc::unbounded_channel();
                let fwd = tx.clone();
                let forward = tokio::spawn(async move {
                    while let Some(ev) = erx.recv().await {
                        let _ = fwd.send(Msg::Import(ev));
                    }
                });
                match start_import(
                    &job,
                    &url,
                    &api_key,
                    run_dir,
                    Mode::Send,
                    total,
                    only_rows,
                    etx,
                ) {
                    Ok((control, handle)) => {
                        self.control = Some(control);
                        tokio::spawn(async move {
                            let r = join_result(handle.await);
                            // Every event is forwarded before the end is announced.
                            let _ = forward.await;
                            let _ = tx.send(Msg::RunEnded(r));
                        });
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::RunEnded(Err(e)));
                    }
                }
            }
            Cmd::Control(action) => {
                if let Some(c) = &self.control {
                    match action {
                        RunAction::Pause => c.pause(),
                        RunAction::Resume => c.resume(),
                        RunAction::Cancel => c.cancel(),
                    }
                }
            }
            Cmd::SaveMapping(path, mapping) => {
                tokio::task::spawn_blocking(move || {
                    let r = mapping
                        .save(&path)
                        .map(|()| path.clone())
                        .map_err(|e| format!("Could not save the mapping: {e}"));
                    let _ = tx.send(Msg::MappingSaved(r));
                });
            }
            Cmd::LoadMapping(path) => {
                tokio::task::spawn_blocking(move || {
                    let r = crate::mapping::Mapping::load(&path)
                        .map_err(|e| format!("Could not load the mapping: {e}"));
                    let _ = tx.send(Msg::MappingLoaded(r));
                });
            }
            Cmd::Quit => {}
        }
    }
}

fn join_result(
    r: Result<Result<engine::Summary, engine::EngineError>, tokio::task::JoinError>,
) -> Result<engine::Summary, String> {
    match r {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("the import task stopped unexpectedly: {e}")),
    }
}

/// One harmless request, its answer in plain words.
pub async fn test_connection(url: &str, api_key: &str) -> Result<(), String> {
    let client = Client::new(&ClientConfig::new(url, api_key)).map_err(|e| e.to_string())?;
    client.test_connection().await.map_err(|p| match p {
        ConnectionProblem::Rejected(code) => format!(
            "Wrong key: the deployment refused the Integration API key (HTTP {code}). Copy it again from Account → Tools → Integration API Keys."
        ),
        ConnectionProblem::Unreachable(e) => format!(
            "Cannot reach {url}: {e}. Check the URL (e.g. https://mycompany.europe-west1.talon.one) and your network."
        ),
        ConnectionProblem::Unexpected(code) => format!(
            "The server answered HTTP {code}; is {url} a Talon.One deployment URL?"
        ),
    })
}

/// The first records of the mapped file, for the Preview step. Blocking.
pub fn first_records(job: &Job) -> Result<Vec<crate::payload::Record>, String> {
    let plan = crate::payload::plan(&job.mapping, &job.catalog)
        .map_err(|e| format!("The mapping does not work with the file yet: {e}"))?;
    let mut out = Vec::new();
    for rec in plan.take(app::PREVIEW_RECORDS) {
        out.push(rec.map_err(|e| format!("Could not read the file: {e}"))?);
    }
    Ok(out)
}

/// Starts the engine on the job. `only_rows` keeps just the records with a row in the set (retry failed).
#[allow(clippy::too_many_arguments)]
pub fn start_import(
    job: &Job,
    url: &str,
    api_key: &str,
    run_dir: PathBuf,
    mode: Mode,
    total: Option<u64>,
    only_rows: Option<BTreeSet<u64>>,
    events: mpsc::UnboundedSender<engine::ImportEvent>,
) -> Result<
    (
        RunControl,
        tokio::task::JoinHandle<Result<engine::Summary, engine::EngineError>>,
    ),
    String,
> {
    let client = Client::new(&ClientConfig::new(url, api_key)).map_err(|e| e.to_string())?;
    let plan = crate::payload::plan(&job.mapping, &job.catalog)
        .map_err(|e| format!("The mapping does not work with the file: {e}"))?;
    let name = job
        .mapping
        .source_path()
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    let target = job.mapping.target;
    let mut import = match only_rows {
        Some(rows) => {
            let columns = plan.info.columns.clone();
            let records = plan.filter(move |r| match r {
                Ok(rec) => rec.rows.iter().any(|n| rows.contains(n)),
                Err(_) => true,
            });
            ImportJob::new(name, target, columns, records)
        }
        None => ImportJob::from_plan(name, target, plan),
    };
    import.total = total;
    import.attribute_columns = job
        .mapping
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), v.columns()))
        .collect();
    let mut cfg = RunConfig::new(Some(client), run_dir);
    cfg.mode = mode;
    Ok(engine::start(vec![import], cfg, events))
}
