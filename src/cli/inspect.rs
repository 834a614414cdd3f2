//! `talon-import inspect`.

use crate::exit::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    super::not_built_yet("inspect")
}
