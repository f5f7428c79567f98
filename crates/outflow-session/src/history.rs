//! The scan history: opening it, and the facts of a capture it keeps beside
//! each report.

use std::path::Path;

use outflow_model::Capture;
use outflow_store::{PageFacts, Store};

use crate::error::{Result, SessionError};

/// Opens `db`, or the per-user default database, creating and migrating it
/// when needed.
pub fn open_store(db: Option<&Path>) -> Result<Store> {
    let path = match db {
        Some(path) => path.to_path_buf(),
        None => Store::default_path()?,
    };
    Store::open(&path).map_err(|source| SessionError::OpenStore { path, source })
}

/// The facts of a loaded capture the history keeps beside its report
/// (security headers, destinations). Every saving path (scan, har, watch,
/// crawl) takes them from here.
pub fn page_facts(capture: &Capture) -> PageFacts {
    PageFacts::of(capture)
}
