//! The wizard: a ratatui app in The Elm Architecture (state, `Msg`, pure `update`, render-only views).
//! Async work runs on tokio tasks and reports over channels; the UI thread never waits on I/O.

use std::path::PathBuf;

use crate::exit::CmdResult;

/// How the wizard starts.
#[derive(Debug, Clone, Default)]
pub struct WizardOptions {
    /// A file to open at start.
    pub file: Option<PathBuf>,
}

/// Opens the wizard.
pub fn run_wizard(_opts: WizardOptions) -> CmdResult {
    crate::cli::not_built_yet("the wizard")
}
