//! outflow's scan history: every scan saved in an embedded SQLite
//! database, and what can be read back from it.
//!
//! - [`Store`]: opening a database (WAL, busy timeout, versioned
//!   migrations), saving a scan in one transaction (a crash leaves no
//!   half-written scan), history, script sightings.
//! - [`PageFacts`] (from `outflow-model`, read out of a capture by the
//!   pipeline): what is kept besides the report (the main document's
//!   security headers, the origins contacted by CSP directive, integrity).
//! - [`ScanDiff`]: what changed between two scans (PCI DSS 11.6.1).
//! - [`inventory()`]: the PCI DSS 6.4.3 script inventory, judged by a
//!   policy (any [`ScriptAuthority`]).
//! - [`propose`]: a Content-Security-Policy from what scans observed.
//! - [`Store::prune`]: retention, so that a database under `outflow watch`
//!   stops growing.
//!
//! The store knows nothing of detection rules or captures: it keeps
//! reports and page facts as the pipeline made them.

mod csp;
mod diff;
mod inventory;
mod retention;
mod schema;
mod store;

pub use csp::{CspProposal, propose};
pub use diff::diff_scans;
// The diff's types are the model's, so that renderers need not depend on
// the store: re-exported for the store's readers.
pub use inventory::{InventoryRow, inventory, to_csv};
pub use outflow_model::scan_diff::{
    FindingRef, HeaderChange, IntegrityChange, ScanDiff, ScanSummary, ScriptChange, ScriptRef,
    SetChange,
};
// The store's records hold these: re-exported so that a reader of the
// history needs no other crate.
pub use outflow_model::{Destination, Directive, PageFacts, ScriptAuthority, TRACKED_HEADERS};
pub use retention::{Pruned, Retention, cutoff};
pub use schema::SCHEMA_VERSION;
pub use store::{ScanRecord, Sighting, Store};

/// The migrations, for tests that build a database at an earlier version:
/// `MIGRATIONS[n]` takes version `n` to `n + 1`.
#[doc(hidden)]
pub use schema::MIGRATIONS;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (locked past the busy timeout, disk full, corrupt
    /// file, …).
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A saved report could not be (de)serialised.
    #[error("saved report: {0}")]
    Json(#[from] serde_json::Error),
    /// The database was written by a newer outflow.
    #[error(
        "the database has schema version {found}; this outflow reads up to {supported}: upgrade outflow"
    )]
    NewerSchema {
        /// The file's version.
        found: u32,
        /// The newest this build knows.
        supported: u32,
    },
    /// No per-user data folder could be determined (no home directory).
    #[error("no per-user data folder (no home directory): give --db PATH")]
    NoDataDir,
    /// The database's folder could not be created.
    #[error("creating {path}: {source}")]
    CreateDir {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No scan has this id.
    #[error("no scan with id {0}")]
    NotFound(i64),
}
