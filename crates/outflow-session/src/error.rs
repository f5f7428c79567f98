//! What can stop a session. Each message reads like the context the command
//! line gave before this crate existed, so that `error: …` lines stay the
//! same.

use std::path::PathBuf;

/// Errors of a scan session.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// A `--map-host` rule, a persona, the `--out` folder or a HAR file was
    /// refused.
    #[error(transparent)]
    Capture(#[from] outflow_capture::CaptureFailure),
    /// The evidence bundle could not be written.
    #[error(transparent)]
    Bundle(#[from] outflow_bundle::BundleError),
    /// An `--intel` folder could not be copied into the bundle.
    #[error("copying {} into the bundle", dir.display())]
    IntelDir {
        /// The folder.
        dir: PathBuf,
        /// Why not.
        #[source]
        source: outflow_bundle::BundleError,
    },
    /// The async runtime that drives the browsers did not start.
    #[error("starting the async runtime")]
    Runtime(#[source] std::io::Error),
    /// Host intelligence could not be loaded.
    #[error("loading intelligence data")]
    Intel(#[source] outflow_intel::IntelError),
    /// The `--policy` file could not be read or parsed.
    #[error("loading the policy")]
    Policy(#[source] outflow_policy::PolicyError),
    /// The history database could not be opened.
    #[error("opening the history database {}", path.display())]
    OpenStore {
        /// The database file.
        path: PathBuf,
        /// Why not.
        #[source]
        source: outflow_store::StoreError,
    },
    /// Reading or writing the history failed.
    #[error(transparent)]
    Store(#[from] outflow_store::StoreError),
    /// The built-in demo site could not be served.
    #[error(transparent)]
    Demo(#[from] outflow_demo::ServerError),
    /// A webhook is not an http(s) URL, or no delivery succeeded.
    #[error("{0}")]
    Webhook(String),
    /// `--typed`, `--typed-file`: a value that could not be read.
    #[error("{0}")]
    Typed(String),
    /// Standard output could not be written.
    #[error("{what}")]
    Output {
        /// What was being written.
        what: &'static str,
        /// Why not.
        #[source]
        source: std::io::Error,
    },
    /// A document could not be serialised.
    #[error("{what}")]
    Serialise {
        /// What was being serialised.
        what: &'static str,
        /// Why not.
        #[source]
        source: serde_json::Error,
    },
    /// Pruning the history failed (the transaction was rolled back).
    #[error("pruning the history")]
    Prune(#[source] outflow_store::StoreError),
    /// `outflow diff A B`: B is not a scan id.
    #[error("B must be a scan id, got {text:?}")]
    ScanId {
        /// What was given.
        text: String,
        /// Why it is not a number.
        #[source]
        source: std::num::ParseIntError,
    },
    /// The history cannot answer the request (no saved scans of the page,
    /// one scan where a diff needs two, ids and URLs mixed).
    #[error("{0}")]
    Refused(String),
}

/// The result of a session step.
pub type Result<T, E = SessionError> = std::result::Result<T, E>;
