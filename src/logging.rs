//! Logs go to a file through `tracing`, never onto the terminal (the TUI owns the screen).

use std::path::PathBuf;

/// Where logs are written: `$TALON_IMPORT_LOG` if set, else the user's state/cache dir.
pub fn log_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TALON_IMPORT_LOG") {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "talon-import")
        .map(|d| d.cache_dir().join("talon-import.log"))
        .unwrap_or_else(|| std::env::temp_dir().join("talon-import.log"))
}

/// Starts file logging; keep the returned guard alive until exit so buffered lines are flushed.
/// Logging is best effort: when the file cannot be opened the tool runs without logs.
pub fn init() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let path = log_path();
    let dir = path.parent()?.to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("TALON_IMPORT_LOG_LEVEL")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
