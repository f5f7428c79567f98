//! Errors that stop a capture before anything could be recorded.
//!
//! Everything that goes wrong once the browser runs (timeouts, crashes,
//! dialogs, TLS errors) is recorded in the [`Capture`](outflow_model::Capture)
//! itself, beside whatever was recorded before it.

use std::path::PathBuf;

/// Why a scan could not start, or a HAR file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureFailure {
    /// Chromium is not installed where outflow looks for it.
    #[error(
        "Chromium was not found at {path}; install it with `apt-get install chromium` \
         (Debian/Ubuntu; scripts/setup does this), or point OUTFLOW_CHROMIUM at a Chromium binary"
    )]
    ChromiumMissing {
        /// The path looked at.
        path: PathBuf,
    },
    /// Chromium was found but did not start or did not answer.
    #[error("Chromium ({path}) did not start: {message}")]
    Launch {
        /// The binary.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// outflow runs as root and the unprivileged user Chromium should run
    /// as does not exist.
    #[error(
        "outflow runs as root, so Chromium must run as an unprivileged user, and user {name:?} \
         does not exist; run scripts/setup (it creates `outflow-chromium`), create one with \
         `useradd --system --no-create-home --shell /usr/sbin/nologin {name}`, or name another \
         with OUTFLOW_CHROMIUM_USER"
    )]
    BrowserUserMissing {
        /// The user looked for.
        name: String,
    },
    /// Chromium could not start its sandbox (no user namespaces and no
    /// setuid sandbox helper).
    #[error(
        "Chromium cannot start its sandbox here (no user namespaces and no setuid sandbox \
         helper); enable unprivileged user namespaces, or pass --unsafe-no-sandbox to scan \
         hostile pages without it (said loudly in the report). Chromium said: {output}"
    )]
    SandboxUnavailable {
        /// Chromium's last lines of error output.
        output: String,
    },
    /// The profile directory or an output directory could not be made.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An option was invalid (a `--map-host` rule, a persona).
    #[error("{0}")]
    Options(String),
    /// The HAR file is not JSON or not a HAR log.
    #[error("{path}: not a HAR file: {message}")]
    Har {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
}
