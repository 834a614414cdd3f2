//! Writing a command's output to stdout without panicking when nobody reads it to the end.
//!
//! `println!` panics when stdout is a closed pipe (`talon-import inspect FILE | head -1`) or a full disk. Each
//! command builds its output as text first and writes it here: a closed pipe means the reader has what it
//! wanted, so the command ends quietly with status 0; any other write error is one `error:` line, status 2.

use crate::exit::{Exit, OK};
use std::io::{ErrorKind, Write};

/// The program reading stdout closed it early. Carried in an [`Exit`] with status 0 so `?` stops the command;
/// `main` prints nothing for it.
#[derive(Debug, thiserror::Error)]
#[error("the program reading the output closed it")]
pub struct ReaderGone;

/// Writes all of `text` to stdout and flushes it.
pub fn print(text: impl AsRef<[u8]>) -> Result<(), Exit> {
    write_to(&mut std::io::stdout().lock(), text.as_ref())
}

/// Writes all of `bytes` to `out` and flushes it; see the module docs for what an error becomes.
pub fn write_to(out: &mut impl Write, bytes: &[u8]) -> Result<(), Exit> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(Exit {
            code: OK,
            error: ReaderGone.into(),
        }),
        Err(e) => Err(Exit::usage(anyhow::anyhow!("cannot write the output: {e}"))),
    }
}

/// True for the quiet end of [`ReaderGone`].
pub fn is_reader_gone(exit: &Exit) -> bool {
    exit.error.is::<ReaderGone>()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing(ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_a_quiet_success_and_other_errors_are_usage_errors() {
        let gone = write_to(&mut Failing(ErrorKind::BrokenPipe), b"x").unwrap_err();
        assert_eq!(gone.code, OK);
        assert!(is_reader_gone(&gone));
        let full = write_to(&mut Failing(ErrorKind::StorageFull), b"x").unwrap_err();
        assert_eq!(full.code, crate::exit::USAGE);
        assert!(!is_reader_gone(&full));
        let mut buf = Vec::new();
        write_to(&mut buf, b"ok").unwrap();
        assert_eq!(buf, b"ok");
    }
}
