//! The wizard's state, messages and the pure `update` function (The Elm Architecture).
//!
//! Nothing here does I/O or spawns work: `update` folds one [`Msg`] into the [`App`] and may return a [`Cmd`]
//! that the event loop in `tui/mod.rs` carries out (read a file, test the connection, validate, import) on a
//! tokio task that answers with more `Msg`s. Time comes in as [`Msg::Tick`], so `update` never reads a clock.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::engine::{ImportEvent, RecordOutcome, RecordStatus, Summary};
use crate::mapping::suggest::{CartField, Slot, Suggestion, Suggestions};
use crate::mapping::validate::Report;
use crate::mapping::{Catalog, CustomAttribute, Mapping, Target};
use crate::payload::Record;
use crate::talon::attributes::{AttributeDef, Entity};

pub use crate::tui::run_state::{RunPhase, RunRow, RunState};

/// The wizard's steps, in the order the step bar shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Deployment URL and keys.
    Connect,
    /// Pick and read the file.
    Source,
    /// Customer profiles or past orders.
    Target,
    /// Columns ↔ attributes.
    Mapping,
    /// Every row checked, problems grouped.
    Validate,
    /// The exact requests, record by record; rehearsal.
    Preview,
    /// The live import.
    Run,
    /// Counts and where the files are.
    Summary,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Connect,
        Step::Source,
        Step::Target,
        Step::Mapping,
        Step::Validate,
        Step::Preview,
        Step::Run,
        Step::Summary,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Connect => "Connect",
            Step::Source => "File",
            Step::Target => "Target",
            Step::Mapping => "Mapping",
            Step::Validate => "Validate",
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
    /// Workbooks: every sheet, and the one read.
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    /// 1-based row the header was found on.
    pub header_row: usize,
}

/// Which field of the Connect form has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectField {
    Url,
    ApiKey,
    ManagementKey,
}

/// What the last "Test connection" said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConnStatus {
    #[default]
    Untested,
    Testing,
    Ok,
    /// In plain words: wrong key, unreachable host, …
    Failed(String),
}

/// The Connect form. Keys live only here, in memory; views draw them masked.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectForm {
    pub url: String,
    pub api_key: String,
    pub management_key: String,
    pub focus: ConnectField,
    pub status: ConnStatus,
}

/// What the admin imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetChoice {
    Profiles,
    /// Past orders, each row a whole order (total, no line items).
    OrdersPerOrder,
    /// Past orders, each row one line item; rows with the same order number form one order.
    OrdersPerLineItem,
}

impl TargetChoice {
    pub const ALL: [TargetChoice; 3] = [
        TargetChoice::Profiles,
        TargetChoice::OrdersPerOrder,
        TargetChoice::OrdersPerLineItem,
    ];
    pub fn target(self) -> Target {
        match self {
            TargetChoice::Profiles => Target::Profiles,
            _ => Target::Sessions,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TargetChoice::Profiles => "Customer profiles",
            TargetChoice::OrdersPerOrder => "Past orders — one row per order",
            TargetChoice::OrdersPerLineItem => "Past orders — one row per line item",
        }
    }
    pub fn explain(self) -> &'static str {
        match self {
            TargetChoice::Profiles => {
                "Creates or updates one customer profile per row (matched by its integration ID)."
            }
            TargetChoice::OrdersPerOrder => {
                "Each row is a finished order: order number, customer, total. Sent as closed sessions."
            }
            TargetChoice::OrdersPerLineItem => {
                "Each row is one product of an order; rows with the same order number become one order with its cart items."
            }
        }
    }
}

/// One column and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingRow {
    pub column: String,
    /// A sample value from the first non-empty cell.
    pub sample: String,
    /// Where the column goes, or `None` for "not imported".
    pub slot: Option<Slot>,
    /// How sure the suggestion was, 0–100; 100 for the admin's own choice.
    pub confidence: u8,
    /// The admin changed this row (it then overrides the suggestions).
    pub edited: bool,
}

/// The Mapping step's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MappingState {
    pub rows: Vec<MappingRow>,
    pub selected: usize,
    /// The slots the admin can choose from (cycled with ←/→).
    pub choices: Vec<Slot>,
    /// What `mapping::suggest` found for the current file and target.
    pub found: Option<Suggestions>,
    /// The path typed for save/load, when that prompt is open.
    pub file_prompt: Option<FilePrompt>,
    /// Where the mapping was last saved or loaded from.
    pub file: Option<PathBuf>,
    /// A loaded mapping file (its non-column details — formats, constants — are kept).
    pub loaded: Option<Mapping>,
}

/// The save/load prompt of the Mapping step.
#[derive(Debug, Clone, PartialEq)]
pub struct FilePrompt {
    pub save: bool,
    pub path: String,
}

/// Validate step state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValidateState {
    pub running: bool,
    /// Rows checked so far.
    pub rows_done: u64,
    pub report: Option<Report>,
    /// Selected problem group.
    pub selected: usize,
    /// The mapping the report is for (a changed mapping needs a new check).
    pub checked: Option<Mapping>,
}

/// Preview step state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreviewState {
    pub loading: bool,
    /// The first records of the file.
    pub records: Vec<Record>,
    pub index: usize,
    /// Scroll of the request text.
    pub scroll: u16,
    pub rehearsing: bool,
    /// Answers of the last rehearsal (server dry run), in arrival order.
    pub rehearsal: Vec<RecordOutcome>,
    pub rehearsal_note: Option<String>,
    pub built_for: Option<Mapping>,
}

/// How many records the Preview step reads.
pub const PREVIEW_RECORDS: usize = 500;
/// How many records "Rehearse" sends with `dry=true`.
pub const REHEARSE_RECORDS: u64 = 10;

/// The whole wizard state: plain data, drawn by the views.
#[derive(Debug, Clone)]
pub struct App {
    pub step: Step,
    pub connect: ConnectForm,
    /// The path typed on the File step.
    pub path_input: String,
    pub table: Option<Table>,
    pub loading: bool,
    /// The last thing that went wrong, in plain words.
    pub error: Option<String>,
    /// A short note (saved, loaded, …).
    pub note: Option<String>,
    /// Top row of the grid on the File step.
    pub grid_scroll: usize,
    pub target: TargetChoice,
    /// Attributes known besides the built-in ones (the demo's, or fetched with the Management key).
    pub extra_attributes: Vec<AttributeDef>,
    pub mapping: MappingState,
    pub validate: ValidateState,
    pub preview: PreviewState,
    pub run: RunState,
    /// Where run directories go.
    pub runs_dir: PathBuf,
    /// The log file (shown on the Summary screen).
    pub log_path: PathBuf,
    pub show_help: bool,
    /// "Quit during a run?" is being asked.
    pub confirm_quit: bool,
    pub quit: bool,
}

/// Everything that can happen to the wizard.
// Messages are moved once from a task to `update`; boxing the big ones would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed (key releases are filtered out by the loop).
    Key(KeyEvent),
    /// Mouse wheel: negative scrolls up.
    Wheel(i8),
    /// A click on the step bar's n-th step (0-based), or elsewhere (`None`).
    Click { column: u16, row: u16 },
    /// One second passed (sent while a run is going on).
    Tick,
    /// A file finished loading on a background task.
    FileLoaded(Result<Table, String>),
    /// "Test connection" answered: `Ok` or the problem in plain words.
    ConnectionTested(Result<(), String>),
    /// Validation progress: rows checked so far.
    ValidateProgress(u64),
    /// Validation finished.
    Validated(Result<Report, String>),
    /// The first records for the Preview step.
    PreviewLoaded(Result<Vec<Record>, String>),
    /// A rehearsal (server dry run) event.
    Rehearsal(ImportEvent),
    /// The rehearsal ended (`Err` when it could not run at all).
    RehearsalEnded(Result<Summary, String>),
    /// An import event from the engine.
    Import(ImportEvent),
    /// The import task ended (`Err` when it stopped outside any record).
    RunEnded(Result<Summary, String>),
    /// A mapping file was saved.
    MappingSaved(Result<PathBuf, String>),
    /// A mapping file was loaded.
    MappingLoaded(Result<Mapping, String>),
    /// The terminal was resized; the next frame redraws everything.
    Resize,
}

/// What the run screen asks the engine to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAction {
    Pause,
    Resume,
    Cancel,
}

/// Everything a background job needs to build the records: mapping, attribute catalog, connection.
#[derive(Debug, Clone)]
pub struct Job {
    pub mapping: Mapping,
    pub catalog: Catalog,
}

/// Work the loop must do for `update`.
#[derive(Debug, Clone)]
pub enum Cmd {
    /// Read the first rows of this file on a blocking task; answer with `Msg::FileLoaded`.
    LoadFile {
        path: PathBuf,
        sheet: Option<String>,
        header_row: Option<usize>,
    },
    /// One harmless request; answer with `Msg::ConnectionTested`.
    TestConnection {
        url: String,
        api_key: String,
    },
    /// Check every row; answer with `ValidateProgress`… `Validated`.
    Validate(Job),
    /// Build the first records; answer with `PreviewLoaded`.
    LoadPreview(Job),
    /// Server dry run of a few records; answer with `Rehearsal`… `RehearsalEnded`.
    Rehearse {
        job: Job,
        url: String,
        api_key: String,
        run_dir: PathBuf,
    },
    /// The import; answer with `Import`… `RunEnded`. `only_rows`: retry just these rows.
    StartRun {
        job: Job,
        url: String,
        api_key: String,
        run_dir: PathBuf,
        total: Option<u64>,
        only_rows: Option<BTreeSet<u64>>,
    },
    /// Pause, resume or cancel the running import.
    Control(RunAction),
    SaveMapping(PathBuf, Mapping),
    LoadMapping(PathBuf),
    /// Leave the wizard and restore the terminal.
    Quit,
}

impl PartialEq for Cmd {
    /// Commands compare by kind and the values tests care about (a `Catalog` has no equality).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Cmd::LoadFile {
                    path: a,
                    sheet: s1,
                    header_row: h1,
                },
                Cmd::LoadFile {
                    path: b,
                    sheet: s2,
                    header_row: h2,
                },
            ) => a == b && s1 == s2 && h1 == h2,
            (Cmd::Control(a), Cmd::Control(b)) => a == b,
            (Cmd::SaveMapping(a, m), Cmd::SaveMapping(b, n)) => a == b && m == n,
            (Cmd::LoadMapping(a), Cmd::LoadMapping(b)) => a == b,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
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
                status: ConnStatus::Untested,
            },
            path_input: String::new(),
            table: None,
            loading: false,
            error: None,
            note: None,
            grid_scroll: 0,
            target: TargetChoice::Profiles,
            extra_attributes: Vec::new(),
            mapping: MappingState::default(),
            validate: ValidateState::default(),
            preview: PreviewState::default(),
            run: RunState::default(),
            runs_dir: PathBuf::from("talon-import-runs"),
            log_path: crate::logging::log_path(),
            show_help: false,
            confirm_quit: false,
            quit: false,
        }
    }

    /// Built-in attributes plus the extra ones.
    pub fn catalog(&self) -> Catalog {
        let mut c = Catalog::builtin();
        c.extend(self.extra_attributes.iter().cloned());
        c
    }

    /// The mapping the screens describe, or `None` before a file is loaded.
    pub fn current_mapping(&self) -> Option<Mapping> {
        let table = self.table.as_ref()?;
        let found = self.mapping.found.as_ref()?;
        Some(build_mapping(self, table, found))
    }

    /// Everything a background job needs, or a plain reason why it cannot run yet.
    pub fn job(&self) -> Result<Job, String> {
        let mapping = self
            .current_mapping()
            .ok_or("No file is loaded yet: go back to the File step (Esc) and pick one.")?;
        if mapping.id.columns().is_empty() && mapping.id.value.is_none() {
            return Err(format!(
                "No column is the {}: go to Mapping and choose one.",
                id_label(self.target.target())
            ));
        }
        let mut catalog = self.catalog();
        catalog.declare(&mapping);
        Ok(Job { mapping, catalog })
    }

    /// The run directory for a new run (`runs_dir/<target>-<n>`), numbered by the runs already made.
    pub fn next_run_dir(&self, what: &str) -> PathBuf {
        self.runs_dir.join(format!(
            "{}-{what}-{}",
            self.target.target().as_str(),
            self.run.runs_started + 1
        ))
    }
}

/// What the id slot is called for a target.
pub fn id_label(target: Target) -> &'static str {
    match target {
        Target::Profiles => "customer ID (integrationId)",
        Target::Sessions => "order number (session ID)",
    }
}

/// How a slot reads on screen.
pub fn slot_label(slot: &Slot, target: Target) -> String {
    match (slot, target) {
        (Slot::Id, Target::Profiles) => "integrationId".into(),
        (Slot::Id, Target::Sessions) => "order number (session id)".into(),
        (Slot::ProfileId, _) => "customer (profile id)".into(),
        (Slot::Attribute(n), _) => n.clone(),
        (Slot::CartItem(f), _) => format!("line item {}", f.as_str()),
        (Slot::CartItemAttribute(n), _) => format!("line item attribute {n}"),
        (Slot::AdditionalCost(n), _) => format!("additional cost {n}"),
        (Slot::Total, _) => "order total".into(),
    }
}

/// Folds one message into the state. Pure: no I/O, no spawning, no clock.
pub fn update(app: &mut App, msg: Msg) -> Option<Cmd> {
    match msg {
        Msg::Resize => None,
        Msg::Tick => {
            app.run.tick();
            None
        }
        Msg::Wheel(d) => {
            let code = if d < 0 { KeyCode::Up } else { KeyCode::Down };
            if app.show_help || app.confirm_quit {
                return None;
            }
            step_key(app, KeyEvent::new(code, KeyModifiers::NONE))
        }
        Msg::Click { column, row } => {
            if row == 0
                && let Some(step) = crate::tui::widgets::step_at(column, app.step)
                && step_reachable(app, step)
            {
                app.step = step;
                app.error = None;
                return on_enter(app);
            }
            None
        }
        Msg::FileLoaded(Ok(table)) => {
            app.loading = false;
            app.error = None;
            app.grid_scroll = 0;
            app.path_input = table.path.display().to_string();
            if app.target == TargetChoice::Profiles && looks_like_orders(&table.columns) {
                app.target = TargetChoice::OrdersPerLineItem;
            }
            let keep = app
                .mapping
                .loaded
                .as_ref()
                .is_some_and(|m| m.source_path() == table.path);
            if !keep {
                app.mapping.loaded = None;
            }
            app.table = Some(table);
            resuggest(app);
            after_file_loaded(app);
            None
        }
        Msg::FileLoaded(Err(message)) => {
            app.loading = false;
            app.error = Some(message);
            None
        }
        Msg::ConnectionTested(r) => {
            app.connect.status = match r {
                Ok(()) => ConnStatus::Ok,
                Err(e) => ConnStatus::Failed(e),
            };
            None
        }
        Msg::ValidateProgress(n) => {
            app.validate.rows_done = n;
            None
        }
        Msg::Validated(r) => {
            app.validate.running = false;
            match r {
                Ok(report) => {
                    app.validate.rows_done = report.rows;
                    app.validate.report = Some(report);
                    app.validate.selected = 0;
                }
                Err(e) => {
                    app.validate.checked = None;
                    app.error = Some(e);
                }
            }
            None
        }
        Msg::PreviewLoaded(r) => {
            app.preview.loading = false;
            match r {
                Ok(records) => {
                    app.preview.records = records;
                    app.preview.index = 0;
                    app.preview.scroll = 0;
                }
                Err(e) => {
                    app.preview.built_for = None;
                    app.error = Some(e);
                }
            }
            None
        }
        Msg::Rehearsal(ev) => {
            if let ImportEvent::Record(o) = ev {
                app.preview.rehearsal.push(o);
            }
            None
        }
        Msg::RehearsalEnded(r) => {
            app.preview.rehearsing = false;
            app.preview.rehearsal_note = Some(match r {
                Ok(s) => {
                    let bad = s.failed + s.invalid;
                    if let Some(why) = s.aborted {
                        format!("The rehearsal stopped: {why}")
                    } else if bad == 0 {
                        format!(
                            "Rehearsal: all {} records would be accepted. Nothing was stored.",
                            s.total
                        )
                    } else {
                        format!(
                            "Rehearsal: {bad} of {} records would be rejected (see below). Nothing was stored.",
                            s.total
                        )
                    }
                }
                Err(e) => format!("The rehearsal could not run: {e}"),
            });
            None
        }
        Msg::Import(ev) => {
            app.run.apply(&ev);
            None
        }
        Msg::RunEnded(r) => {
            app.run.ended(r);
            if app.run.phase == RunPhase::Done && app.step == Step::Run && app.run.error.is_none() {
                app.step = Step::Summary;
            }
            None
        }
        Msg::MappingSaved(r) => {
            match r {
                Ok(p) => {
                    app.note = Some(format!(
                        "Saved {}. The headless commands read it too: talon-import run {}",
                        p.display(),
                        p.display()
                    ));
                    app.mapping.file = Some(p);
                }
                Err(e) => app.error = Some(e),
            }
            None
        }
        Msg::MappingLoaded(r) => match r {
            Ok(m) => apply_loaded_mapping(app, m),
            Err(e) => {
                app.error = Some(e);
                None
            }
        },
        Msg::Key(key) => on_key(app, key),
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if app.confirm_quit {
        return match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                app.quit = true;
                Some(Cmd::Quit)
            }
            _ => {
                app.confirm_quit = false;
                None
            }
        };
    }
    if ctrl && key.code == KeyCode::Char('c') || (key.code == KeyCode::Char('q') && !typing(app)) {
        return request_quit(app);
    }
    if app.show_help {
        // Any key closes the help overlay.
        app.show_help = false;
        return None;
    }
    match key.code {
        KeyCode::F(1) => {
            app.show_help = true;
            return None;
        }
        KeyCode::Char('?') if !typing(app) => {
            app.show_help = true;
            return None;
        }
        KeyCode::Esc => {
            if app.mapping.file_prompt.is_some() {
                app.mapping.file_prompt = None;
                return None;
            }
            if app.step == Step::Run && app.run.phase == RunPhase::Running {
                app.error = Some(
                    "The import is running: press c to cancel it first, or p to pause.".into(),
                );
                return None;
            }
            if let Some(prev) = app.step.previous() {
                app.step = if app.step == Step::Summary {
                    Step::Run
                } else {
                    prev
                };
                app.error = None;
                app.note = None;
            }
            return None;
        }
        _ => {}
    }
    step_key(app, key)
}

fn step_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    use crate::tui::steps;
    match app.step {
        Step::Connect => steps::connect::on_key(app, key),
        Step::Source => steps::source::on_key(app, key),
        Step::Target => steps::target::on_key(app, key),
        Step::Mapping => steps::mapping::on_key(app, key),
        Step::Validate => steps::validate::on_key(app, key),
        Step::Preview => steps::preview::on_key(app, key),
        Step::Run => steps::run::on_key(app, key),
        Step::Summary => steps::summary::on_key(app, key),
    }
}

/// True while a text field has the keys (then `q` and `?` are letters).
fn typing(app: &App) -> bool {
    matches!(app.step, Step::Connect | Step::Source) || app.mapping.file_prompt.is_some()
}

/// `q` / Ctrl-C: during a run, ask first.
fn request_quit(app: &mut App) -> Option<Cmd> {
    if app.run.phase == RunPhase::Running {
        app.confirm_quit = true;
        None
    } else {
        app.quit = true;
        Some(Cmd::Quit)
    }
}

/// Can the admin jump to `step` (mouse click on the step bar)? Only to steps already reached.
fn step_reachable(app: &App, step: Step) -> bool {
    if app.run.phase == RunPhase::Running {
        return false;
    }
    match step {
        Step::Connect | Step::Source => true,
        Step::Target | Step::Mapping | Step::Validate | Step::Preview => app.table.is_some(),
        Step::Run => app.table.is_some() && app.run.phase != RunPhase::Idle,
        Step::Summary => app.run.summary.is_some(),
    }
}

/// Moves to the next step, if there is one, and starts what that step needs.
pub(crate) fn advance(app: &mut App) -> Option<Cmd> {
    if let Some(next) = app.step.next() {
        app.step = next;
        app.error = None;
        app.note = None;
        return on_enter(app);
    }
    None
}

/// Work a step starts when it is entered: validation, the preview records.
pub(crate) fn on_enter(app: &mut App) -> Option<Cmd> {
    match app.step {
        Step::Validate => {
            let job = match app.job() {
                Ok(j) => j,
                Err(e) => {
                    app.error = Some(e);
                    return None;
                }
            };
            if app.validate.checked.as_ref() == Some(&job.mapping) && !app.validate.running {
                return None;
            }
            app.validate = ValidateState {
                running: true,
                checked: Some(job.mapping.clone()),
                ..Default::default()
            };
            Some(Cmd::Validate(job))
        }
        Step::Preview => {
            let job = match app.job() {
                Ok(j) => j,
                Err(e) => {
                    app.error = Some(e);
                    return None;
                }
            };
            if app.preview.built_for.as_ref() == Some(&job.mapping) {
                return None;
            }
            app.preview = PreviewState {
                loading: true,
                built_for: Some(job.mapping.clone()),
                ..Default::default()
            };
            Some(Cmd::LoadPreview(job))
        }
        Step::Run => {
            if app.run.phase != RunPhase::Running && app.run.phase != RunPhase::Done {
                app.run.phase = RunPhase::Confirm;
            }
            None
        }
        _ => None,
    }
}

/// Does this header look like orders (an order number column)?
fn looks_like_orders(columns: &[String]) -> bool {
    columns.iter().any(|c| {
        let c = c.to_lowercase();
        c.contains("order") && (c.contains("number") || c.contains("id") || c.contains("no"))
    })
}

/// Runs the suggester for the loaded file and the chosen target, keeping nothing of the old mapping rows.
pub(crate) fn resuggest(app: &mut App) {
    let Some(table) = &app.table else { return };
    let catalog = app.catalog();
    let target = app.target.target();
    let samples: Vec<Vec<String>> = table.rows.iter().map(|(_, cells)| cells.clone()).collect();
    let found = crate::mapping::suggest::suggest(&table.columns, &samples, target, &catalog);
    let choices = slot_choices(target, &catalog);
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
            // A column shows the first suggestion that reads it (a name template reads two columns).
            let hit = found
                .suggestions
                .iter()
                .find(|s| s.columns.contains(column))
                .map(|s| (s.slot.clone(), s.confidence));
            let (slot, confidence) = match hit {
                Some((slot, c)) => (Some(slot), (c * 100.0).round().clamp(0.0, 100.0) as u8),
                None => (None, 0),
            };
            MappingRow {
                column: column.clone(),
                sample,
                slot,
                confidence,
                edited: false,
            }
        })
        .collect();
    app.mapping.rows = rows;
    app.mapping.selected = 0;
    app.mapping.choices = choices;
    app.mapping.found = Some(found);
}

/// The slots offered for a target: id fields first, then the attributes of the entity.
fn slot_choices(target: Target, catalog: &Catalog) -> Vec<Slot> {
    let mut v = vec![Slot::Id];
    let entity = match target {
        Target::Profiles => Entity::CustomerProfile,
        Target::Sessions => {
            v.push(Slot::ProfileId);
            v.push(Slot::Total);
            v.extend(
                [
                    CartField::Sku,
                    CartField::Name,
                    CartField::Quantity,
                    CartField::Price,
                    CartField::Category,
                ]
                .map(Slot::CartItem),
            );
            v.push(Slot::AdditionalCost("shipping".into()));
            Entity::CustomerSession
        }
    };
    let mut names: Vec<String> = catalog.of(entity).map(|d| d.name.clone()).collect();
    names.sort_by_key(|n| n.to_lowercase());
    names.dedup();
    v.extend(names.into_iter().map(Slot::Attribute));
    v
}

/// The mapping: the suggestions (or a loaded file) with the admin's edits on top, shaped by the target choice.
fn build_mapping(app: &App, table: &Table, found: &Suggestions) -> Mapping {
    let edited: Vec<&MappingRow> = app.mapping.rows.iter().filter(|r| r.edited).collect();
    let edited_cols: BTreeSet<&str> = edited.iter().map(|r| r.column.as_str()).collect();
    let edited_slots: Vec<&Slot> = edited.iter().filter_map(|r| r.slot.as_ref()).collect();
    let mut kept: Vec<Suggestion> = found
        .suggestions
        .iter()
        .filter(|s| {
            !s.columns.iter().any(|c| edited_cols.contains(c.as_str()))
                && !edited_slots.contains(&&s.slot)
        })
        .cloned()
        .collect();
    for r in &edited {
        if let Some(slot) = &r.slot {
            kept.push(Suggestion {
                slot: slot.clone(),
                columns: vec![r.column.clone()],
                spec: crate::mapping::FieldSpec::column(r.column.clone()),
                confidence: 1.0,
                reason: "chosen in the wizard".into(),
            });
        }
    }
    let merged = Suggestions {
        suggestions: kept,
        ..found.clone()
    };
    let mut m = merged.to_mapping(table.path.clone());
    m.source.sheet = table.sheet.clone();
    m.source.header_row = (table.header_row > 1).then_some(table.header_row);
    if let Some(loaded) = &app.mapping.loaded {
        // Keep what the file said beyond plain columns (formats, constants, delimiter…), where still mapped.
        m.source.delimiter = loaded.source.delimiter.clone();
        m.source.encoding = loaded.source.encoding.clone();
        for (name, spec) in &loaded.attributes {
            if let Some(cur) = m.attributes.get_mut(name)
                && cur.columns() == spec.columns()
            {
                *cur = spec.clone();
            }
        }
        if m.id.columns() == loaded.id.columns() {
            m.id = loaded.id.clone();
        }
        m.custom_attributes = loaded.custom_attributes.clone();
    }
    match app.target {
        TargetChoice::OrdersPerOrder => m.cart_items = None,
        TargetChoice::OrdersPerLineItem if m.cart_items.is_some() => m.total = None,
        _ => {}
    }
    // Attributes known only to this session (the demo's, fetched ones) are declared in the file, so the
    // saved mapping works headless too.
    let entity = match m.target {
        Target::Profiles => Entity::CustomerProfile,
        Target::Sessions => Entity::CustomerSession,
    };
    for def in &app.extra_attributes {
        if def.entity == entity && m.attributes.contains_key(&def.name) {
            m.custom_attributes
                .entry(def.name.clone())
                .or_insert(CustomAttribute::Type(def.kind));
        }
    }
    m
}

/// Shows a loaded mapping file: target, file, and which column goes where.
fn apply_loaded_mapping(app: &mut App, m: Mapping) -> Option<Cmd> {
    app.target = match (m.target, m.cart_items.is_some()) {
        (Target::Profiles, _) => TargetChoice::Profiles,
        (Target::Sessions, true) => TargetChoice::OrdersPerLineItem,
        (Target::Sessions, false) => TargetChoice::OrdersPerOrder,
    };
    let path = m.source_path();
    let same_file = app.table.as_ref().is_some_and(|t| t.path == path);
    app.note = Some(format!(
        "Loaded the mapping for {} ({}).",
        path.display(),
        m.target.as_str()
    ));
    app.mapping.loaded = Some(m.clone());
    app.mapping.file_prompt = None;
    if !same_file {
        app.path_input = path.display().to_string();
        app.loading = true;
        return Some(Cmd::LoadFile {
            path,
            sheet: m.source.sheet.clone(),
            header_row: m.source.header_row,
        });
    }
    resuggest(app);
    mark_from_mapping(app, &m);
    None
}

/// Sets each row's slot from the mapping file (as if the admin chose it).
pub(crate) fn mark_from_mapping(app: &mut App, m: &Mapping) {
    let mut slots: Vec<(Slot, Vec<String>)> = vec![(Slot::Id, m.id.columns())];
    if let Some(p) = &m.profile_id {
        slots.push((Slot::ProfileId, p.columns()));
    }
    if let Some(t) = &m.total {
        slots.push((Slot::Total, t.field.columns()));
    }
    for (n, s) in &m.attributes {
        slots.push((Slot::Attribute(n.clone()), s.columns()));
    }
    for (n, s) in &m.additional_costs {
        slots.push((Slot::AdditionalCost(n.clone()), s.columns()));
    }
    if let Some(c) = &m.cart_items {
        slots.push((Slot::CartItem(CartField::Sku), c.sku.columns()));
        for (f, s) in [
            (CartField::Name, &c.name),
            (CartField::Quantity, &c.quantity),
            (CartField::Price, &c.price),
            (CartField::Category, &c.category),
        ] {
            if let Some(s) = s {
                slots.push((Slot::CartItem(f), s.columns()));
            }
        }
    }
    for row in &mut app.mapping.rows {
        row.slot = slots
            .iter()
            .find(|(_, cols)| cols.contains(&row.column))
            .map(|(s, _)| s.clone());
        row.confidence = 100;
        row.edited = row
            .slot
            .as_ref()
            .is_none_or(|s| slots.iter().any(|(t, cols)| t == s && cols.len() == 1));
    }
}

/// Called when a file loads: a pending loaded mapping is applied to the new rows.
pub(crate) fn after_file_loaded(app: &mut App) {
    if let Some(m) = app.mapping.loaded.clone() {
        mark_from_mapping(app, &m);
    }
}

/// Status word of a record for the tables.
pub fn status_word(s: RecordStatus) -> &'static str {
    match s {
        RecordStatus::Succeeded => "ok",
        RecordStatus::Failed => "failed",
        RecordStatus::Invalid => "invalid",
        RecordStatus::Skipped => "skipped",
        RecordStatus::DryRun => "dry run",
    }
}
