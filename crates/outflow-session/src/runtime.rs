//! The async runtime that drives Chromium. Analysis stays synchronous: the
//! runtime only carries the browser's I/O.

use crate::error::{Result, SessionError};

/// A multi-threaded runtime with two workers: a scan waits on one browser at
/// a time, and crawls run their own threads.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(SessionError::Runtime)
}
