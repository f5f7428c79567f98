//! What outflow's tests share, so that each test file holds its assertions
//! and the behaviour of its own fixture site, not another copy of an HTTP
//! server.
//!
//! - [`server`]: one loopback HTTP/1.1 server (optionally over TLS) that
//!   answers with a test's handler and logs every request; [`server::static_file`]
//!   serves a fixture folder, [`websocket`] and [`event_stream`] speak the
//!   two streaming protocols pages use.
//! - `chromium` (feature `browser`): where Chromium is, failing a test that needs it when it is
//!   missing, and the lock that keeps one browser at a time across test
//!   processes.
//! - [`corpus`]: the obfuscated-JavaScript corpus scripts/setup generates.
//! - [`build`]: model values (requests, sourced facts, hashes) as tests build them.
//!
//! Used only as a dev-dependency (`publish = false`): it panics, as tests do,
//! instead of returning errors.

pub mod build;
#[cfg(feature = "browser")]
pub mod chromium;
pub mod corpus;
pub mod event_stream;
pub mod server;
pub mod websocket;

#[cfg(feature = "browser")]
pub use chromium::{browser_lock, chromium_path, require_chromium};
pub use server::{Connection, FixtureServer, Reply, Request, response, static_file};

use std::path::PathBuf;

/// The repository's top folder.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A folder of the repository's `fixtures/`, e.g. `fixture_dir("sites")`.
pub fn fixture_dir(name: &str) -> PathBuf {
    repo().join("fixtures").join(name)
}
