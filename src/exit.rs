//! Process exit codes shared by every command, so scripts can rely on them.

use std::process::ExitCode;

/// Everything worked: every row valid, every record imported.
pub const OK: u8 = 0;
/// The command ran, but some rows or records were invalid or failed.
pub const SOME_FAILED: u8 = 1;
/// Configuration or usage error: bad arguments, unreadable file, wrong mapping.
pub const USAGE: u8 = 2;
/// Aborted: rejected credentials (401/403) or interrupted by the user.
pub const ABORTED: u8 = 3;

/// An error that carries the exit code the process should end with.
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Exit {
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: USAGE,
            error: error.into(),
        }
    }
    pub fn aborted(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: ABORTED,
            error: error.into(),
        }
    }
}

impl From<anyhow::Error> for Exit {
    fn from(error: anyhow::Error) -> Self {
        Self::usage(error)
    }
}

/// What a command returns: `Ok(code)` for a normal end (0 or 1), `Err` for an error to print.
pub type CmdResult = Result<u8, Exit>;

pub fn to_exit_code(code: u8) -> ExitCode {
    ExitCode::from(code)
}
