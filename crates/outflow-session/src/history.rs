//! The scan history: opening it.

use std::path::Path;

use outflow_store::Store;

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
