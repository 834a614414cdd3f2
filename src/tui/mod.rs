//! The wizard: a ratatui app in The Elm Architecture (state, `Msg`, pure `update`, render-only views).
//! Async work runs on tokio tasks and reports over channels; the UI thread never waits on I/O.

pub mod app;
pub mod keys;
pub mod steps;
pub mod theme;
pub mod view;
pub mod widgets;

use std::path::{Path, PathBuf};

use anyhow::Context;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::exit::{CmdResult, Exit};
use app::{App, Cmd, Msg, Table, update};

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
}

/// How many sample rows the File step reads.
pub const SAMPLE_ROWS: usize = 200;

/// Reads the first rows of a file for the grid, sanitized for drawing. Blocking: call on `spawn_blocking`.
pub fn load_table(path: &Path) -> Result<Table, String> {
    let reader = crate::source::open(path, &Default::default()).map_err(|e| {
        format!(
            "Could not read {}: {e}. Check the path and that it is a CSV file.",
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
    let description = format!(
        "{:?}, {}, delimiter '{}'",
        info.format,
        info.encoding.as_deref().unwrap_or("?"),
        info.delimiter.unwrap_or(',')
    );
    Ok(Table {
        path: path.to_path_buf(),
        description,
        columns: info
            .columns
            .iter()
            .map(|c| crate::text::for_terminal(c).into_owned())
            .collect(),
        rows,
    })
}

/// Restores the terminal when dropped, on normal exit and on error (ratatui's `init` adds the panic hook).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
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
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    if let Some(file) = opts.file {
        app.path_input = file.display().to_string();
        app.loading = true;
        run_cmd(Cmd::LoadFile(file), &tx);
    }
    let theme = theme::Theme::from_env();
    let mut terminal = ratatui::init();
    let _guard = TerminalGuard;
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
                    tracing::info!("wizard closed");
                    return Ok(());
                }
                run_cmd(cmd, &tx);
            }
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}

/// Carries out a command on a background task; the answer comes back as a `Msg`.
fn run_cmd(cmd: Cmd, tx: &mpsc::UnboundedSender<Msg>) {
    match cmd {
        Cmd::LoadFile(path) => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::FileLoaded(load_table(&path)));
            });
        }
        Cmd::Quit => {}
    }
}
