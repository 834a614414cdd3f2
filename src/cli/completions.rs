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
    clap_complete::generate(args.shell, &mut cmd, "talon-import", &mut std::io::stdout());
    Ok(OK)
}
