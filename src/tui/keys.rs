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
    b("Enter", "continue"),
    b("F1", "help"),
    b("Ctrl-C", "quit"),
];
const SOURCE: &[Binding] = &[
    b("Enter", "load / continue"),
    b("↑↓", "scroll rows"),
    b("Esc", "back"),
    b("F1", "help"),
    b("Ctrl-C", "quit"),
];
const MAPPING: &[Binding] = &[
    b("↑↓", "column"),
    b("←→", "attribute"),
    b("x", "skip column"),
    b("Enter", "continue"),
    b("Esc", "back"),
    b("?", "help"),
    b("q", "quit"),
];
const OTHER: &[Binding] = &[b("Esc", "back"), b("?", "help"), b("q", "quit")];

/// The keys that work on `step`, most useful first.
pub fn bindings(step: Step) -> &'static [Binding] {
    match step {
        Step::Connect => CONNECT,
        Step::Source => SOURCE,
        Step::Mapping => MAPPING,
        _ => OTHER,
    }
}
