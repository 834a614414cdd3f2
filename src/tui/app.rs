//! The wizard's state, messages and the pure `update` function (The Elm Architecture).
//!
//! Nothing here does I/O or spawns work: `update` folds one [`Msg`] into the [`App`] and may return a [`Cmd`]
//! that the event loop in `tui/mod.rs` carries out (e.g. reading a file on a blocking task).

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::mapping::suggest::Slot;
use crate::mapping::{Catalog, Target};
use crate::talon::attributes::Entity;

/// The wizard's steps, in the order the step bar shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Deployment URL and keys.
    Connect,
    /// Pick and read the file.
    Source,
    /// Columns ↔ attributes.
    Mapping,
    /// The exact requests, record by record.
    Preview,
    /// The live import.
    Run,
    /// Counts and where the files are.
    Summary,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Connect,
        Step::Source,
        Step::Mapping,
        Step::Preview,
        Step::Run,
        Step::Summary,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Connect => "Connect",
            Step::Source => "File",
            Step::Mapping => "Mapping",
            Step::Preview => "Preview",
            Step::Run => "Run",
            Step::Summary => "Summary",
        }
    }

    fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The step Esc goes back to (work on the current step is kept).
    pub fn previous(self) -> Option<Step> {
        self.index().checked_sub(1).map(|i| Step::ALL[i])
    }

    pub fn next(self) -> Option<Step> {
        Step::ALL.get(self.index() + 1).copied()
    }
}

/// The first rows of a file, already sanitized for the terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub path: PathBuf,
    /// e.g. "CSV, UTF-8, delimiter ','".
    pub description: String,
    pub columns: Vec<String>,
    /// Sample rows (row number, cells).
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Which field of the Connect form has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectField {
    Url,
    ApiKey,
    ManagementKey,
}

/// The Connect form. Keys live only here, in memory; views draw them masked.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectForm {
    pub url: String,
    pub api_key: String,
    pub management_key: String,
    pub focus: ConnectField,
}

/// One column and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingRow {
    pub column: String,
    /// A sample value from the first non-empty cell.
    pub sample: String,
    /// The attribute, or `None` for "not imported".
    pub attribute: Option<String>,
    /// How sure the suggestion was, 0–100; 100 for the admin's own choice.
    pub confidence: u8,
}

/// The Mapping step's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MappingState {
    pub rows: Vec<MappingRow>,
    pub selected: usize,
    /// The attribute names the admin can choose from (cycled with ←/→).
    pub choices: Vec<String>,
}

/// The whole wizard state: plain data, drawn by the views.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub step: Step,
    pub connect: ConnectForm,
    /// The path typed on the File step.
    pub path_input: String,
    pub table: Option<Table>,
    pub loading: bool,
    /// The last thing that went wrong, in plain words.
    pub error: Option<String>,
    /// Top row of the grid on the File step.
    pub grid_scroll: usize,
    pub mapping: MappingState,
    pub show_help: bool,
    pub quit: bool,
}

/// Everything that can happen to the wizard.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed (key releases are filtered out by the loop).
    Key(KeyEvent),
    /// A file finished loading on a background task.
    FileLoaded(Result<Table, String>),
    /// The terminal was resized; the next frame redraws everything.
    Resize,
}

/// Work the loop must do for `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Read the first rows of this file on a blocking task; answer with `Msg::FileLoaded`.
    LoadFile(PathBuf),
    /// Leave the wizard and restore the terminal.
    Quit,
}

impl App {
    /// A fresh wizard; the API key is prefilled from `TALON_API_KEY` by the caller.
    pub fn new(url: String, api_key: String, management_key: String) -> Self {
        App {
            step: Step::Connect,
            connect: ConnectForm {
                url,
                api_key,
                management_key,
                focus: ConnectField::Url,
            },
            path_input: String::new(),
            table: None,
            loading: false,
            error: None,
            grid_scroll: 0,
            mapping: MappingState::default(),
            show_help: false,
            quit: false,
        }
    }
}

/// Folds one message into the state. Pure: no I/O, no spawning.
pub fn update(app: &mut App, msg: Msg) -> Option<Cmd> {
    match msg {
        Msg::Resize => None,
        Msg::FileLoaded(Ok(table)) => {
            app.loading = false;
            app.error = None;
            app.grid_scroll = 0;
            app.path_input = table.path.display().to_string();
            app.mapping = suggest_mapping(&table, &Catalog::builtin());
            app.table = Some(table);
            None
        }
        Msg::FileLoaded(Err(message)) => {
            app.loading = false;
            app.error = Some(message);
            None
        }
        Msg::Key(key) => on_key(app, key),
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        app.quit = true;
        return Some(Cmd::Quit);
    }
    if app.show_help {
        // Any key closes the help overlay.
        app.show_help = false;
        return None;
    }
    match key.code {
        KeyCode::Esc => {
            if let Some(prev) = app.step.previous() {
                app.step = prev;
                app.error = None;
            }
            return None;
        }
        KeyCode::F(1) => {
            app.show_help = true;
            return None;
        }
        _ => {}
    }
    match app.step {
        Step::Connect => crate::tui::steps::connect::on_key(app, key),
        Step::Source => crate::tui::steps::source::on_key(app, key),
        Step::Mapping => crate::tui::steps::mapping::on_key(app, key),
        _ => match key.code {
            KeyCode::Char('q') => {
                app.quit = true;
                Some(Cmd::Quit)
            }
            KeyCode::Char('?') => {
                app.show_help = true;
                None
            }
            _ => None,
        },
    }
}

/// Moves to the next step, if there is one.
pub(crate) fn advance(app: &mut App) {
    if let Some(next) = app.step.next() {
        app.step = next;
        app.error = None;
    }
}

/// Pre-fills the mapping with [`crate::mapping::suggest`], the same suggester `talon-import map` uses, so the
/// wizard and the headless command never disagree about a file.
pub fn suggest_mapping(table: &Table, catalog: &Catalog) -> MappingState {
    let mut choices: Vec<String> = vec!["integrationId".to_string()];
    choices.extend(catalog.of(Entity::CustomerProfile).map(|d| d.name.clone()));
    let samples: Vec<Vec<String>> = table.rows.iter().map(|(_, cells)| cells.clone()).collect();
    let found =
        crate::mapping::suggest::suggest(&table.columns, &samples, Target::Profiles, catalog);
    let rows = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let sample = table
                .rows
                .iter()
                .filter_map(|(_, cells)| cells.get(i))
                .find(|c| !c.is_empty())
                .cloned()
                .unwrap_or_default();
            // A column maps to the first suggestion that reads it (a name template reads two columns).
            let hit = found.suggestions.iter().find_map(|s| {
                let name = match &s.slot {
                    Slot::Id => "integrationId".to_string(),
                    Slot::Attribute(name) => name.clone(),
                    _ => return None,
                };
                s.columns.contains(column).then_some((name, s.confidence))
            });
            let (attribute, confidence) = match hit {
                Some((name, c)) => (Some(name), (c * 100.0).round().clamp(0.0, 100.0) as u8),
                None => (None, 0),
            };
            MappingRow {
                column: column.clone(),
                sample,
                attribute,
                confidence,
            }
        })
        .collect();
    MappingState {
        rows,
        selected: 0,
        choices,
    }
}
