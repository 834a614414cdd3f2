//! `talon-import completions SHELL`: shell completion scripts generated from the clap definitions.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::exit::{CmdResult, OK};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

pub fn run(args: Args) -> CmdResult {
    let mut cmd = super::Cli::command();
    // Into a buffer first: `generate` panics on a write error (`completions bash | true`).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "talon-import", &mut script);
    super::out::print(script)?;
    Ok(OK)
}
