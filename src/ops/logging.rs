//! Logs on stderr: `text` for people, `json` (one object per line) for log
//! collectors. Colour codes only when stderr is a terminal: piped into
//! journald or a file they are noise. `RUST_LOG` wins over `log.filter`.
//! Secrets never reach a log line: they live in [`crate::config::Secrets`],
//! whose `Debug` prints `[REDACTED]`.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the process's subscriber (once; later calls do nothing).
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match settings.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_ansi(false)
            .try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}
