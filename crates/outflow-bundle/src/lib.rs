//! The evidence bundle (`--out DIR`): everything a second person needs to
//! re-check a report offline, and a manifest with the SHA-256 of every file.
//! This crate is the only one that writes into or reads from that folder.
//!
//! ```text
//! DIR/
//!   manifest.json          format, tool version, captures, sha256 of every other file
//!   scripts/<sha256>.js    each script body once, shared by every capture
//!   capture.json           the capture (requests, scripts, API calls, canaries…)
//!   bodies/<sha256>.bin    each request body, raw bytes
//!   report.json · report.html · report.sarif
//!   intel/<hash>/          the entity files given with --intel, when some were
//! ```
//!
//! The manifest records, per capture, how its report was made (whether
//! hosts were attributed, the `--first-party` domains, and which `intel/`
//! folders hold the `--intel` files), so that [`verify`] needs no option to
//! analyse the evidence exactly as the report was made.
//!
//! A run with several captures (URLs × personas, several HAR files) puts
//! each capture's files in its own sub-folder (`DIR/<name>/capture.json`,
//! …); `scripts/` stays shared at the top. A run with one capture keeps its
//! files at the top. A run without analysis (`--capture-only`) writes only
//! `<name>.capture.json` files beside `scripts/` ([`Bundle::add_bare_capture`]).
//!
//! A live scan writes script bodies while the page runs: it is given
//! [`Bundle::scripts_dir`] (the capture's `ScanOptions::scripts_dir`) and
//! knows nothing else of the bundle.
//!
//! A bundle read back may come from anyone: [`Bundle::check_files`] reads
//! no symbolic link, walks at most [`MAX_DEPTH`] levels and [`MAX_FILES`]
//! files, and reads documents up to [`MAX_DOCUMENT_BYTES`]. Every file of a
//! bundle is opened by one function (`access::open`), so that what may be
//! read is decided in one place.

mod access;
mod check;
mod error;
mod hash;
mod layout;
mod manifest;
mod naming;
mod read;
mod verify;
mod write;

use std::path::{Path, PathBuf};

pub use check::{FileProblem, HashedFiles};
pub use error::{BundleError, VerifyError};
pub use hash::{body_bytes, sha256_hex};
pub use layout::{
    BODIES_DIR, CAPTURE_FILE, FORMAT, INTEL_DIR, LAYOUT_VERSION, MANIFEST, MAX_DEPTH,
    MAX_DOCUMENT_BYTES, MAX_FILES, REPORT_HTML, REPORT_JSON, REPORT_SARIF, SCRIPTS_DIR,
};
pub use manifest::{AnalysisSettings, BundleCapture, Manifest};
pub use naming::capture_name;
pub use verify::{CaptureOutcome, Verification, verify};
pub use write::RenderedReports;

/// A bundle folder, to write into ([`Bundle::create`]) or read back
/// ([`Bundle::open`]).
#[derive(Debug, Clone)]
pub struct Bundle {
    root: PathBuf,
}

impl Bundle {
    /// Opens (creating) a bundle folder and its `scripts/`.
    pub fn create(root: &Path) -> Result<Bundle, BundleError> {
        let scripts = root.join(SCRIPTS_DIR);
        std::fs::create_dir_all(&scripts)
            .map_err(error::io(format!("creating {}", scripts.display())))?;
        Ok(Bundle {
            root: root.to_path_buf(),
        })
    }

    /// Opens an existing bundle for reading; nothing is read yet.
    pub fn open(root: &Path) -> Bundle {
        Bundle {
            root: root.to_path_buf(),
        }
    }

    /// The bundle's top folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where script bodies are, each as `<sha256>.js`: what a live scan is
    /// given to write them into.
    pub fn scripts_dir(&self) -> PathBuf {
        self.root.join(SCRIPTS_DIR)
    }
}
