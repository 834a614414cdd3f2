//! The one key-binding table: `update` reads the meaning of keys from the step modules, and the footer and the
//! help overlay are drawn from this table, so what the screen says always matches what the keys do.

use super::app::Step;

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
    b("Enter", "test & continue"),
    b("F5", "skip test"),
    b("F1", "help"),
    b("Ctrl-C", "quit"),
];
const SOURCE: &[Binding] = &[
    b("Enter", "next"),
    b("↑↓", "scroll"),
    b("F2", "sheet"),
    b("F3/4", "header"),
    b("Esc", "back"),
    b("F1", "help"),
    b("Ctrl-C", "quit"),
    b("F6/F7", "delimiter / encoding"),
    b("/", "search the grid"),
];
const MAPPING: &[Binding] = &[
    b("←→", "attribute"),
    b("/", "find"),
    b("Enter", "validate"),
    b("x", "skip"),
    b("t", "target"),
    b("s", "save"),
    b("?", "help"),
    b("q", "quit"),
    b("↑↓", "column"),
    b("Esc", "back"),
    b("f/z", "date format / time zone"),
    b("l", "load the saved mapping"),
    b("c/C", "add a constant / clear them"),
    b("y", "read values as another type"),
];
const VALIDATE: &[Binding] = &[
    b("↑↓", "problem"),
    b("Enter", "preview"),
    b("Esc", "back to fix"),
    b("?", "help"),
    b("q", "quit"),
];
const PREVIEW: &[Binding] = &[
    b("←→", "record"),
    b("r", "rehearse (dry run)"),
    b("Enter", "import…"),
    b("Esc", "back"),
    b("?", "help"),
    b("q", "quit"),
];
const RUN: &[Binding] = &[
    b("p", "pause/resume"),
    b("c", "stop"),
    b("f", "failed only"),
    b("v", "request"),
    b("?", "help"),
    b("q", "quit"),
    b("↑↓", "record"),
    b("PgUp/Dn", "page"),
];
const RUN_DONE: &[Binding] = &[
    b("Enter", "summary"),
    b("a", "retry failed"),
    b("v", "request"),
    b("f", "failed only"),
    b("?", "help"),
    b("q", "quit"),
    b("↑↓", "record"),
];
const CONFIRM: &[Binding] = &[
    b("y", "start the import"),
    b("n", "back to the preview"),
    b("u", "resume"),
    b("?", "help"),
    b("q", "quit"),
];
const SUMMARY: &[Binding] = &[
    b("n", "import another file"),
    b("a", "retry failed"),
    b("u", "resume"),
    b("r", "record table"),
    b("?", "help"),
    b("q", "quit"),
];

/// The keys that work on the screen the app shows now (the Run step's confirmation has its own).
pub fn current(app: &super::app::App) -> &'static [Binding] {
    if app.step == Step::Run && app.run.confirming {
        CONFIRM
    } else if app.step == Step::Run && app.run.finished {
        RUN_DONE
    } else {
        bindings(app.step)
    }
}

/// The keys that work on `step`, most useful first.
pub fn bindings(step: Step) -> &'static [Binding] {
    match step {
        Step::Connect => CONNECT,
        Step::Source => SOURCE,
        Step::Mapping => MAPPING,
        Step::Validate => VALIDATE,
        Step::Preview => PREVIEW,
        Step::Run => RUN,
        Step::Summary => SUMMARY,
    }
}
