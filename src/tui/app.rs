//! The wizard's state, messages and the pure `update` function (The Elm Architecture).
//!
//! Nothing here does I/O or spawns work: `update` folds one [`Msg`] into the [`App`] and may return a [`Cmd`]
//! that the event loop in `tui/mod.rs` carries out (e.g. reading a file on a blocking task).

use std::path::PathBuf;

use crate::engine::{ImportEvent, ImportReport, RecordStatus};
use crate::mapping::validate::Report;
use crate::mapping::{Mapping, suggest::Suggestions};
use crate::talon::attributes::AttributeDef;

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
    /// Every row checked in the background; problems grouped.
    Validate,
    /// The exact requests, record by record, and a server dry run.
    Preview,
    /// The live import.
    Run,
    /// Counts and where the files are.
    Summary,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Connect,
        Step::Source,
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
    /// Workbooks: every sheet, in order (empty for CSV).
    pub sheets: Vec<String>,
    /// Workbooks: the sheet shown.
    pub sheet: Option<String>,
    /// 1-based row the header was read from.
    pub header_row: usize,
    /// CSV: the delimiter and encoding used (detected or chosen).
    pub delimiter: Option<char>,
    pub encoding: Option<String>,
    /// What the admin chose instead of detection (F2–F7 on the File step); kept when reading again.
    pub forced: crate::source::SourceOptions,
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
    /// The attribute names the admin can choose from (cycled with ←/→), as shown…
    pub choices: Vec<String>,
    /// …and where each goes in the mapping file.
    pub slots: Vec<Slot>,
    /// What the suggester found (templates such as first + last name come from here).
    pub suggestions: Option<Suggestions>,
    /// The searchable list of attributes (`/`), while it is open.
    pub chooser: Option<Chooser>,
    /// Per column: the date format and time zone the admin set (`f`, `z`).
    pub details: std::collections::BTreeMap<String, ColumnDetails>,
    /// The format or time zone being typed, while that prompt is open.
    pub edit: Option<DetailEdit>,
    /// Attributes set to the same value on every record (`c`), e.g. `Source = spring-import`.
    pub constants: Vec<(String, String)>,
}

/// How a column's values are read, beyond the attribute's type.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnDetails {
    /// strftime-style format for times, e.g. `%d.%m.%Y`.
    pub format: Option<String>,
    /// IANA time zone for times without an offset, e.g. `Europe/Berlin`.
    pub timezone: Option<String>,
    /// The type to read the values as, instead of the attribute's own (`y`).
    pub kind: Option<crate::talon::attributes::AttrType>,
}

/// Which detail the prompt edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Format,
    TimeZone,
    /// `Name = value`: an attribute set to the same value on every record.
    Constant,
}

/// The open format / time-zone prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailEdit {
    pub column: String,
    pub detail: Detail,
    pub text: String,
}

/// The Mapping step's searchable attribute list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chooser {
    pub query: String,
    /// Selected line among the matching choices.
    pub selected: usize,
}

impl MappingState {
    /// Indexes into `choices` whose label contains the chooser's query (case-insensitive).
    pub fn chooser_matches(&self) -> Vec<usize> {
        let q = self
            .chooser
            .as_ref()
            .map(|c| c.query.to_lowercase())
            .unwrap_or_default();
        (0..self.choices.len())
            .filter(|&i| self.choices[i].to_lowercase().contains(&q))
            .collect()
    }
}

/// The Validate step: whole-file validation running in the background.
#[derive(Debug, Clone, Default)]
pub struct ValidateState {
    pub running: bool,
    pub rows_done: u64,
    pub report: Option<Report>,
    /// The selected problem group.
    pub selected: usize,
}

/// One request of the Preview step, rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewItem {
    /// "row 3" or "rows 3–5".
    pub label: String,
    /// Method, URL, masked headers and the JSON body (or the row's problems).
    pub text: String,
}

/// The Preview step.
#[derive(Debug, Clone, Default)]
pub struct PreviewState {
    pub loading: bool,
    pub items: Vec<PreviewItem>,
    pub index: usize,
    /// Server dry run ("rehearsal") answers, one line each.
    pub rehearsing: bool,
    pub rehearsal: Vec<String>,
}

/// One finished record in the run table (compact: a run can have a million).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub row: u64,
    pub id: String,
    pub status: RecordStatus,
    pub http: Option<u16>,
    pub attempts: u32,
    pub latency_ms: u64,
    pub error: Option<String>,
}

/// The Run and Summary steps.
#[derive(Debug, Clone, Default)]
pub struct RunState {
    /// An earlier run of this file that stopped before the end (found when the confirmation opens).
    pub interrupted: Option<PathBuf>,
    /// The selected record's request (`v`): its first row and the rendered request, while shown.
    pub request_view: Option<(u64, String)>,
    /// Waiting for the admin to confirm.
    pub confirming: bool,
    pub started: bool,
    pub finished: bool,
    pub paused: bool,
    pub cancelling: bool,
    /// Asked "quit while importing?".
    pub confirm_quit: bool,
    pub report: ImportReport,
    pub rows: Vec<RunRow>,
    /// Indexes into `rows` of the failures, for the failed-only filter.
    pub failed: Vec<usize>,
    pub failed_only: bool,
    /// Selected line of the (filtered) table.
    pub selected: usize,
    /// Records per second, one sample per progress tick, for the sparkline.
    pub rates: Vec<u64>,
    /// Records done at the previous progress tick.
    pub last_done: u64,
    pub log: Vec<String>,
    pub run_dir: Option<PathBuf>,
}

impl RunState {
    /// Lines of the table as filtered.
    pub fn visible_len(&self) -> usize {
        if self.failed_only {
            self.failed.len()
        } else {
            self.rows.len()
        }
    }
    /// The record at a line of the filtered table.
    pub fn at(&self, line: usize) -> Option<&RunRow> {
        if self.failed_only {
            self.failed.get(line).and_then(|i| self.rows.get(*i))
        } else {
            self.rows.get(line)
        }
    }
}

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
    /// Top row of the grid on the File step.
    pub grid_scroll: usize,
    /// First column shown in the grid (←/→ scroll sideways).
    pub grid_col: usize,
    /// The grid's search (`/`), while it is open; matches are highlighted and Enter jumps to the next.
    pub grid_search: Option<String>,
    /// The File step's picker: the folder listed and what is in it (folders and supported files only).
    pub picker: Picker,
    pub mapping: MappingState,
    /// What the file becomes: customer profiles or past orders.
    pub target: Target,
    /// Where the log file is (shown on the Summary screen; empty in tests).
    pub log_path: PathBuf,
    /// Orders only: each row is a whole order (a total, no line items) rather than one line item.
    pub one_row_per_order: bool,
    /// Custom attributes loaded with the Management key.
    pub custom: Vec<AttributeDef>,
    /// "Test connection" running, and its last answer in plain words (Ok = fine).
    pub testing: bool,
    pub connection: Option<Result<String, String>>,
    /// Where the mapping was last saved.
    pub saved: Option<PathBuf>,
    pub validate: ValidateState,
    pub preview: PreviewState,
    pub run: RunState,
    /// Started by `talon-import demo` (connected to the in-process sandbox).
    pub demo: bool,
    /// Short confirmation shown in the footer area (saved, loaded…).
    pub notice: Option<String>,
    /// Files opened before, most recent first (from the config directory).
    pub recent_files: Vec<PathBuf>,
    pub show_help: bool,
    pub quit: bool,
}

/// Everything that can happen to the wizard.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed (key releases are filtered out by the loop).
    Key(KeyEvent),
    /// A left click at screen column `x`, row `y` of a terminal `width` columns wide.
    Click {
        x: u16,
        y: u16,
        width: u16,
    },
    /// A folder was listed for the picker.
    DirListed(PathBuf, Result<Vec<PickEntry>, String>),
    /// A file finished loading on a background task.
    FileLoaded(Result<Table, String>),
    /// The terminal was resized; the next frame redraws everything.
    Resize,
    /// "Test connection" answered: Ok(explanation) or Err(what is wrong, in plain words).
    ConnectionTested(Result<String, String>),
    /// Custom attributes from the Management API.
    AttributesLoaded(Result<Vec<AttributeDef>, String>),
    /// The mapping file was written.
    Saved(Result<PathBuf, String>),
    /// The newest earlier run of the file that did not finish, if any.
    InterruptedFound(Option<PathBuf>),
    /// The request of one record, rendered (`v` on the Run step), or why it could not be built.
    RecordRequest(u64, Result<String, String>),
    /// A mapping file was read (`l` on the Mapping step).
    MappingLoaded(Result<Box<Mapping>, String>),
    ValidateProgress(u64),
    Validated(Result<Report, String>),
    Previewed(Result<Vec<PreviewItem>, String>),
    /// An event of the import (or of the rehearsal, a server dry run).
    Import {
        rehearsal: bool,
        event: ImportEvent,
    },
    /// The import could not start.
    ImportFailed {
        rehearsal: bool,
        message: String,
    },
}

/// One entry of the file picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickEntry {
    /// The name, sanitized for drawing.
    pub name: String,
    /// The name as on disk (what completion types).
    pub raw: String,
    pub is_dir: bool,
}

/// The File step's picker state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Picker {
    /// The folder listed (`None` before the first listing).
    pub dir: Option<PathBuf>,
    pub entries: Vec<PickEntry>,
    /// Selected line among the entries that match what is typed.
    pub selected: usize,
}

impl Picker {
    /// The entries whose name contains the typed file name (case-insensitive), folders first.
    pub fn matching(&self, typed: &str) -> Vec<&PickEntry> {
        let (dir, name) = picker_parts(typed);
        if self.dir.as_ref() != Some(&dir) {
            // The listing of the folder being typed has not arrived yet.
            return Vec::new();
        }
        let needle = name.to_lowercase();
        self.entries
            .iter()
            .filter(|e| e.name.to_lowercase().contains(&needle))
            .collect()
    }
}

/// Splits typed text into the folder to list and the name being typed: `data/cu` → (`data`, `cu`),
/// `data/` → (`data`, ``), `cu` → (`.`, `cu`).
pub fn picker_parts(typed: &str) -> (PathBuf, &str) {
    match typed.rfind('/') {
        Some(0) => (PathBuf::from("/"), &typed[1..]),
        Some(i) => (PathBuf::from(&typed[..i]), &typed[i + 1..]),
        None => (PathBuf::from("."), typed),
    }
}

/// File types the picker shows.
pub const PICKER_TYPES: &[&str] = &["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "xlsb", "ods"];

/// Work the loop must do for `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Read the file again with a sheet or header row the admin chose; answers with `Msg::FileLoaded`.
    LoadFileWith {
        path: PathBuf,
        sheet: Option<String>,
        header_row: Option<usize>,
        delimiter: Option<u8>,
        encoding: Option<String>,
    },
    /// Build the request of the record holding data row `row` (read from the file again, in the
    /// background); answers with `Msg::RecordRequest`.
    ShowRequest {
        mapping: Box<Mapping>,
        custom: Vec<AttributeDef>,
        url: String,
        api_key: String,
        row: u64,
    },
    /// Look in `talon-import-runs` for an unfinished run of the file named `job` (its stem) for `target`;
    /// answers with `Msg::InterruptedFound`.
    FindInterrupted {
        job: String,
        target: Target,
    },
    /// Read a mapping file; answers with `Msg::MappingLoaded`.
    LoadMapping(PathBuf),
    /// List a folder for the File step's picker; answers with `Msg::DirListed`.
    ListDir(PathBuf),
    /// Read the first rows of this file on a blocking task; answer with `Msg::FileLoaded`.
    LoadFile(PathBuf),
    /// Send one harmless request with these credentials; answer with `Msg::ConnectionTested`.
    TestConnection {
        url: String,
        api_key: String,
    },
    /// Fetch custom attributes with the Management key; answer with `Msg::AttributesLoaded`.
    LoadAttributes {
        url: String,
        management_key: String,
    },
    /// Write the mapping TOML; answer with `Msg::Saved`.
    SaveMapping {
        path: PathBuf,
        mapping: Box<Mapping>,
    },
    /// Validate every row in the background; answer with progress and `Msg::Validated`.
    Validate {
        mapping: Box<Mapping>,
        custom: Vec<AttributeDef>,
    },
    /// Build and render the first requests; answer with `Msg::Previewed`.
    Preview {
        mapping: Box<Mapping>,
        custom: Vec<AttributeDef>,
        url: String,
        api_key: String,
    },
    /// Start the engine (a server dry run of a few records when `rehearsal`); events come back as
    /// `Msg::Import`.
    StartImport {
        mapping: Box<Mapping>,
        custom: Vec<AttributeDef>,
        url: String,
        api_key: String,
        rehearsal: bool,
    },
    /// A new run of just the records whose first data row is in `rows` (the failures of the last run).
    RetryFailed {
        mapping: Box<Mapping>,
        custom: Vec<AttributeDef>,
        url: String,
        api_key: String,
        rows: std::collections::BTreeSet<u64>,
    },
    /// Continue an interrupted run in its directory: journaled records are not sent again.
    ResumeRun {
        mapping: Box<Mapping>,
        custom: Vec<AttributeDef>,
        url: String,
        api_key: String,
        run_dir: PathBuf,
    },
    PauseImport,
    ResumeImport,
    CancelImport,
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
            picker: Picker::default(),
            grid_col: 0,
            grid_search: None,
            mapping: MappingState::default(),
            target: Target::Profiles,
            one_row_per_order: false,
            log_path: PathBuf::new(),
            custom: Vec::new(),
            testing: false,
            connection: None,
            saved: None,
            validate: ValidateState::default(),
            preview: PreviewState::default(),
            run: RunState::default(),
            demo: false,
            notice: None,
            recent_files: Vec::new(),
            show_help: false,
            quit: false,
        }
    }

    /// Built-in attributes plus the custom ones loaded with the Management key.
    pub fn catalog(&self) -> Catalog {
        let mut c = Catalog::builtin();
        c.extend(self.custom.iter().cloned());
        c
    }

    /// The mapping the Mapping step describes, as the headless commands would read it.
    pub fn current_mapping(&self) -> Result<Mapping, String> {
        let table = self
            .table
            .as_ref()
            .ok_or("No file loaded yet: go back to the File step.")?;
        let base = self
            .mapping
            .suggestions
            .clone()
            .ok_or("No mapping yet: go back to the Mapping step.")?;
        let mut found = base.clone();
        found.suggestions.clear();
        // Each slot once, from the columns the admin left on it; a suggestion that read several columns (a
        // name template) is kept as suggested while all its columns still point at it.
        let mut seen: Vec<Slot> = Vec::new();
        for row in &self.mapping.rows {
            let Some(label) = &row.attribute else {
                continue;
            };
            let Some(i) = self.mapping.choices.iter().position(|c| c == label) else {
                continue;
            };
            let slot = self.mapping.slots[i].clone();
            if seen.contains(&slot) {
                continue;
            }
            seen.push(slot.clone());
            let kept = base.suggestions.iter().find(|s| {
                s.slot == slot
                    && s.columns.contains(&row.column)
                    && s.columns.iter().all(|c| {
                        self.mapping
                            .rows
                            .iter()
                            .any(|r| &r.column == c && r.attribute.as_ref() == Some(label))
                    })
            });
            let suggestion = match kept {
                Some(s) => s.clone(),
                None => crate::mapping::suggest::Suggestion {
                    slot,
                    columns: vec![row.column.clone()],
                    spec: crate::mapping::FieldSpec::column(row.column.clone()),
                    confidence: 1.0,
                    reason: "chosen in the wizard".into(),
                },
            };
            found.suggestions.push(suggestion);
        }
        if !seen.contains(&Slot::Id) {
            return Err(format!(
                "Choose which column is the {}: select it and press → until it says {}.",
                if self.target == Target::Profiles {
                    "customer's ID"
                } else {
                    "order's ID"
                },
                ID_LABEL
            ));
        }
        let mut m = found.to_mapping(table.path.clone());
        m.base_dir = PathBuf::new();
        m.source.file = table.path.clone();
        m.source.sheet = table.sheet.clone();
        // A header below row 1 is written down, so later runs read the file the same way.
        m.source.header_row = (table.header_row > 1).then_some(table.header_row);
        // A delimiter or encoding chosen on the File step is written down too.
        m.source.delimiter = table.forced.delimiter.map(|d| match d {
            b'\t' => "tab".to_string(),
            d => (d as char).to_string(),
        });
        m.source.encoding = table.forced.encoding.clone();
        for def in &self.custom {
            m.custom_attributes.entry(def.name.clone()).or_insert(
                crate::mapping::CustomAttribute::Full {
                    kind: def.kind,
                    entity: Some(def.entity),
                },
            );
        }
        // Formats and time zones set on the Mapping step go to every field reading that column.
        for (column, d) in &self.mapping.details {
            let specs = m
                .attributes
                .values_mut()
                .chain(m.profile_id.iter_mut())
                .filter(|spec| spec.column.as_deref() == Some(column.as_str()));
            for spec in specs {
                if d.format.is_some() {
                    spec.format = d.format.clone();
                }
                if d.timezone.is_some() {
                    spec.timezone = d.timezone.clone();
                }
                if d.kind.is_some() {
                    spec.kind = d.kind;
                }
            }
        }
        for (name, value) in &self.mapping.constants {
            m.attributes.insert(
                name.clone(),
                crate::mapping::FieldSpec::constant(value.clone()),
            );
        }
        if m.target == Target::Sessions && self.one_row_per_order {
            // Each row is a whole order: its total, no line items.
            m.cart_items = None;
            if m.total.is_none() {
                return Err(
                    "One row per order needs the order total: select that column and press → until it says order total (or t for line items)."
                        .into(),
                );
            }
        }
        // Only attributes this mapping uses need declaring.
        let used: Vec<String> = m.attributes.keys().cloned().collect();
        m.custom_attributes.retain(|k, _| used.contains(k));
        Ok(m)
    }
}

/// How the id slot is shown in the Mapping step.
pub const ID_LABEL: &str = "integrationId";

/// Folds one message into the state. Pure: no I/O, no spawning.
pub fn update(app: &mut App, msg: Msg) -> Option<Cmd> {
    match msg {
        Msg::Resize => None,
        Msg::FileLoaded(Ok(table)) => {
            app.loading = false;
            app.error = None;
            app.grid_scroll = 0;
            app.grid_col = 0;
            app.grid_search = None;
            app.path_input = table.path.display().to_string();
            app.mapping = suggest_mapping(&table, &app.catalog(), app.target);
            app.table = Some(table);
            app.validate = ValidateState::default();
            app.preview = PreviewState::default();
            None
        }
        Msg::InterruptedFound(dir) => {
            app.run.interrupted = dir;
            None
        }
        Msg::RecordRequest(row, result) => {
            if app.step == Step::Run {
                app.run.request_view =
                    Some((row, result.unwrap_or_else(|e| format!("# row {row}\n{e}"))));
            }
            None
        }
        Msg::MappingLoaded(Ok(m)) => {
            crate::tui::steps::mapping::apply_loaded(app, *m);
            None
        }
        Msg::MappingLoaded(Err(e)) => {
            app.error = Some(e);
            None
        }
        Msg::Click { x, y, width } => {
            // The step bar: a click on an earlier step goes back to it (as Esc would, several at once).
            let running = app.run.started && !app.run.finished;
            if y == 0
                && !running
                && !app.show_help
                && let Some(to) = crate::tui::widgets::step_at(app.step, width, x)
                && Step::ALL.iter().position(|s| *s == to)
                    < Step::ALL.iter().position(|s| *s == app.step)
            {
                app.step = to;
                app.error = None;
                app.run.confirming = false;
            }
            None
        }
        Msg::DirListed(dir, result) => {
            match result {
                Ok(entries) => {
                    app.picker = Picker {
                        dir: Some(dir),
                        entries,
                        selected: 0,
                    }
                }
                Err(e) => {
                    app.picker = Picker {
                        dir: Some(dir),
                        ..Picker::default()
                    };
                    if app.step == Step::Source {
                        app.error = Some(e);
                    }
                }
            }
            None
        }
        Msg::FileLoaded(Err(message)) => {
            app.loading = false;
            app.error = Some(message);
            None
        }
        Msg::ConnectionTested(result) => {
            app.testing = false;
            let ok = result.is_ok();
            app.connection = Some(result);
            if ok && app.step == Step::Connect {
                advance(app);
                let f = &app.connect;
                if !f.management_key.trim().is_empty() {
                    return Some(Cmd::LoadAttributes {
                        url: f.url.trim().to_string(),
                        management_key: f.management_key.trim().to_string(),
                    });
                }
            }
            None
        }
        Msg::AttributesLoaded(Ok(defs)) => {
            app.notice = Some(format!(
                "Loaded {} custom attributes from your account.",
                defs.len()
            ));
            app.custom = defs;
            if let Some(table) = &app.table {
                app.mapping = suggest_mapping(table, &app.catalog(), app.target);
            }
            None
        }
        Msg::AttributesLoaded(Err(e)) => {
            app.connection = Some(Err(e));
            None
        }
        Msg::Saved(Ok(path)) => {
            app.notice = Some(format!(
                "Saved {} — run it headless with: talon-import run {}",
                path.display(),
                path.display()
            ));
            app.saved = Some(path);
            None
        }
        Msg::Saved(Err(e)) => {
            app.error = Some(e);
            None
        }
        Msg::ValidateProgress(rows) => {
            app.validate.rows_done = rows;
            None
        }
        Msg::Validated(result) => {
            app.validate.running = false;
            match result {
                Ok(report) => {
                    app.validate.rows_done = report.rows;
                    app.validate.report = Some(report);
                }
                Err(e) => app.error = Some(e),
            }
            None
        }
        Msg::Previewed(result) => {
            app.preview.loading = false;
            match result {
                Ok(items) => {
                    app.preview.items = items;
                    app.preview.index = 0;
                }
                Err(e) => app.error = Some(e),
            }
            None
        }
        Msg::Import {
            rehearsal: true,
            event,
        } => {
            crate::tui::steps::preview::on_rehearsal(app, event);
            None
        }
        Msg::Import {
            rehearsal: false,
            event,
        } => {
            crate::tui::steps::run::on_event(app, event);
            None
        }
        Msg::ImportFailed { rehearsal, message } => {
            if rehearsal {
                app.preview.rehearsing = false;
            } else {
                app.run.started = false;
                app.run.confirming = false;
            }
            app.error = Some(message);
            None
        }
        Msg::Key(key) => on_key(app, key),
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Option<Cmd> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return crate::tui::steps::run::request_quit(app);
    }
    if app.show_help {
        // Any key closes the help overlay.
        app.show_help = false;
        return None;
    }
    app.notice = None;
    if app.run.confirm_quit {
        return crate::tui::steps::run::on_quit_answer(app, key);
    }
    match key.code {
        KeyCode::Esc if app.step == Step::Run && app.run.request_view.is_some() => {
            app.run.request_view = None;
            return None;
        }
        KeyCode::Esc
            if app.step == Step::Mapping
                && (app.mapping.chooser.is_some() || app.mapping.edit.is_some()) =>
        {
            app.mapping.chooser = None;
            app.mapping.edit = None;
            return None;
        }
        KeyCode::Esc if app.step == Step::Source && app.grid_search.is_some() => {
            app.grid_search = None;
            return None;
        }
        KeyCode::Esc => {
            let running = app.run.started && !app.run.finished;
            if app.step == Step::Run && app.run.confirming {
                app.run.confirming = false;
                app.step = Step::Preview;
            } else if !running
                && app.step != Step::Summary
                && let Some(prev) = app.step.previous()
            {
                if app.step == Step::Validate {
                    select_problem_column(app);
                }
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
    let typing = matches!(app.step, Step::Connect | Step::Source)
        || app.mapping.chooser.is_some()
        || app.mapping.edit.is_some();
    if !typing {
        match key.code {
            KeyCode::Char('q') => return crate::tui::steps::run::request_quit(app),
            KeyCode::Char('?') => {
                app.show_help = true;
                return None;
            }
            _ => {}
        }
    }
    match app.step {
        Step::Connect => crate::tui::steps::connect::on_key(app, key),
        Step::Source => crate::tui::steps::source::on_key(app, key),
        Step::Mapping => crate::tui::steps::mapping::on_key(app, key),
        Step::Validate => crate::tui::steps::validate::on_key(app, key),
        Step::Preview => crate::tui::steps::preview::on_key(app, key),
        Step::Run => crate::tui::steps::run::on_key(app, key),
        Step::Summary => crate::tui::steps::summary::on_key(app, key),
    }
}

/// Going back from Validate to fix: the Mapping step selects the column of the selected problem group.
fn select_problem_column(app: &mut App) {
    let Some(group) = app
        .validate
        .report
        .as_ref()
        .and_then(|r| r.problems.get(app.validate.selected))
    else {
        return;
    };
    let Ok(m) = app.current_mapping() else { return };
    let columns = match group.field.as_str() {
        "id" => m.id.columns(),
        field => m
            .attributes
            .get(field)
            .map(|s| s.columns())
            .unwrap_or_default(),
    };
    if let Some(i) = app
        .mapping
        .rows
        .iter()
        .position(|r| columns.contains(&r.column))
    {
        app.mapping.selected = i;
    }
}

/// Moves to the next step, if there is one.
pub(crate) fn advance(app: &mut App) {
    if let Some(next) = app.step.next() {
        app.step = next;
        app.error = None;
    }
}

/// How a slot reads in the Mapping step's list.
pub fn slot_label(slot: &Slot, target: Target) -> String {
    use crate::mapping::suggest::CartField;
    match slot {
        Slot::Id => ID_LABEL.to_string(),
        Slot::ProfileId if target == Target::Sessions => "customer id (profileId)".into(),
        Slot::ProfileId => "profileId".into(),
        Slot::Attribute(n) => n.clone(),
        Slot::CartItem(f) => format!(
            "item {}",
            match f {
                CartField::Sku => "SKU",
                CartField::Name => "name",
                CartField::Quantity => "quantity",
                CartField::Price => "price",
                CartField::Category => "category",
            }
        ),
        Slot::CartItemAttribute(n) => format!("item attribute {n}"),
        Slot::AdditionalCost(n) => format!("{n} cost"),
        Slot::Total => "order total".into(),
    }
}

/// What a column can go to, for a target: the id, then (orders) the customer and cart fields, then the
/// attributes of the catalog.
fn slot_choices(target: Target, catalog: &Catalog) -> Vec<Slot> {
    use crate::mapping::suggest::CartField;
    let mut slots = vec![Slot::Id];
    let entity = match target {
        Target::Profiles => Entity::CustomerProfile,
        Target::Sessions => {
            slots.push(Slot::ProfileId);
            for f in [
                CartField::Sku,
                CartField::Name,
                CartField::Quantity,
                CartField::Price,
                CartField::Category,
            ] {
                slots.push(Slot::CartItem(f));
            }
            slots.push(Slot::Total);
            slots.push(Slot::AdditionalCost("shipping".into()));
            Entity::CustomerSession
        }
    };
    slots.extend(catalog.of(entity).map(|d| Slot::Attribute(d.name.clone())));
    slots
}

/// Pre-fills the mapping with [`crate::mapping::suggest`], the same suggester `talon-import map` uses, so the
/// wizard and the headless command never disagree about a file.
pub fn suggest_mapping(table: &Table, catalog: &Catalog, target: Target) -> MappingState {
    let samples: Vec<Vec<String>> = table.rows.iter().map(|(_, cells)| cells.clone()).collect();
    let found = crate::mapping::suggest::suggest(&table.columns, &samples, target, catalog);
    let mut slots = slot_choices(target, catalog);
    for s in &found.suggestions {
        if !slots.contains(&s.slot) {
            slots.push(s.slot.clone());
        }
    }
    let choices: Vec<String> = slots.iter().map(|s| slot_label(s, target)).collect();
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
            let hit = found
                .suggestions
                .iter()
                .find(|s| s.columns.contains(column))
                .map(|s| (slot_label(&s.slot, target), s.confidence));
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
        slots,
        suggestions: Some(found),
        chooser: None,
        details: Default::default(),
        edit: None,
        constants: Vec::new(),
    }
}
