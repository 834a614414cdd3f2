//! The one key-binding table: `update` reads the meaning of keys from the step modules, and the footer and the
//! help overlay are drawn from this table, so what the screen says always matches what the keys do.

use super::app::{App, Step};
use super::run_state::RunPhase;

/// One key and what it does on a step.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub key: &'static str,
    pub action: &'static str,
}

const fn b(key: &'static str, action: &'static str) -> Binding {
    Binding { key, action }
}

const CONNECT: &[Binding] = &[
    b("Tab", "next field"),
    b("Ctrl-T", "test connection"),
    b("Enter", "continue"),
    b("F1", "help"),
    b("Ctrl-C", "quit"),
];
const SOURCE: &[Binding] = &[
    b("Enter", "load / continue"),
    b("↑↓", "scroll rows"),
    b("F2", "next sheet"),
    b("F3/F4", "header row -/+"),
    b("Esc", "back"),
    b("F1", "help"),
    b("Ctrl-C", "quit"),
];
const TARGET: &[Binding] = &[
    b("↑↓", "choose"),
    b("Enter", "continue"),
    b("Esc", "back"),
    b("?", "help"),
    b("q", "quit"),
];
const MAPPING: &[Binding] = &[
    b("↑↓", "column"),
    b("←→", "attribute"),
    b("x", "skip column"),
    b("s/l", "save/load"),
    b("Enter", "check rows"),
    b("Esc", "back"),
    b("?", "help"),
    b("q", "quit"),
];
const FILE_PROMPT: &[Binding] = &[b("Enter", "confirm"), b("Esc", "cancel")];
const VALIDATE: &[Binding] = &[
    b("↑↓", "problem"),
    b("Enter", "preview"),
    b("Esc", "back to mapping"),
    b("?", "help"),
    b("q", "quit"),
];
const PREVIEW: &[Binding] = &[
    b("←→", "record"),
    b("↑↓", "scroll"),
    b("r", "rehearse (dry run)"),
    b("Enter", "to the import"),
    b("Esc", "back"),
    b("?", "help"),
    b("q", "quit"),
];
const RUN_CONFIRM: &[Binding] = &[
    b("y/Enter", "start the import"),
    b("Esc", "back"),
    b("?", "help"),
    b("q", "quit"),
];
const RUN_LIVE: &[Binding] = &[
    b("p", "pause/resume"),
    b("c", "cancel"),
    b("↑↓", "record"),
    b("f", "only failed"),
    b("End", "follow"),
    b("?", "help"),
    b("q", "quit"),
];
const RUN_DONE: &[Binding] = &[
    b("Enter", "summary"),
    b("r", "retry failed"),
    b("f", "only failed"),
    b("↑↓", "record"),
    b("Esc", "back"),
    b("q", "quit"),
];
const SUMMARY: &[Binding] = &[
    b("r", "retry failed"),
    b("n", "import another file"),
    b("Esc", "back to the run"),
    b("?", "help"),
    b("q", "quit"),
];

/// The keys that work on the current screen, most useful first.
pub fn bindings(app: &App) -> &'static [Binding] {
    if app.mapping.file_prompt.is_some() {
        return FILE_PROMPT;
    }
    match app.step {
        Step::Connect => CONNECT,
        Step::Source => SOURCE,
        Step::Target => TARGET,
        Step::Mapping => MAPPING,
        Step::Validate => VALIDATE,
        Step::Preview => PREVIEW,
        Step::Run => match app.run.phase {
            RunPhase::Running => RUN_LIVE,
            RunPhase::Done => RUN_DONE,
            _ => RUN_CONFIRM,
        },
        Step::Summary => SUMMARY,
    }
}
