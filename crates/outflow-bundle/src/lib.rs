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
//! A bundle read back may come from anyone. Every file of a bundle,
//! the `intel/` copies included, is opened by one function
//! (`access::open`): inside the bundle only, through real folders only,
//! without following a link or waiting on a pipe, regular files only, each
//! read capped ([`MAX_DOCUMENT_BYTES`], [`MAX_FILE_BYTES`],
//! [`MAX_INTEL_FILE_BYTES`]). [`Bundle::check_files`] opens no link, pipe,
//! device or socket (each is a [`FileProblem::Refused`] naming the file),
//! walks at most [`MAX_DEPTH`] levels and [`MAX_FILES`] files.
//!
//! [`verify`] vouches for nothing it has not recomputed: the manifest's
//! layout version must be this outflow's, and each capture's
//! `report.json`, `report.html` and `report.sarif` must be, byte for byte,
//! what [`render`] gives for the report the evidence gives; a difference
//! names the file and what differs (target, summary, findings,
//! attributions, inventory, flows, …).
//!
//! [`Bundle::create`] writes only into a new or empty folder, or one that
//! already holds a bundle of the same captures (replaced whole).

mod access;
mod check;
mod claim;
mod error;
mod hash;
mod layout;
mod manifest;
mod naming;
mod read;
mod render;
mod verify;
mod write;

use std::path::{Path, PathBuf};

pub use check::{FileProblem, HashedFiles};
pub use error::{BundleError, VerifyError};
pub use hash::{body_bytes, sha256_hex};
pub use layout::{
    BODIES_DIR, CAPTURE_FILE, FORMAT, INTEL_DIR, LAYOUT_VERSION, MANIFEST, MAX_DEPTH,
    MAX_DOCUMENT_BYTES, MAX_FILE_BYTES, MAX_FILES, MAX_INTEL_FILE_BYTES, MAX_RENDERED_BYTES,
    REPORT_HTML, REPORT_JSON, REPORT_SARIF, SCRIPTS_DIR,
};
pub use manifest::{AnalysisSettings, BundleCapture, Manifest};
pub use naming::capture_name;
pub use render::{Rendered, render};
pub use verify::{CaptureOutcome, Verification, verify};

/// A bundle folder, to write into ([`Bundle::create`]) or read back
/// ([`Bundle::open`]).
#[derive(Debug, Clone)]
pub struct Bundle {
    root: PathBuf,
}

impl Bundle {
    /// Opens a folder for a new bundle of the captures named `captures`
    /// (their [`capture_name`]s) and creates its `scripts/`. The folder
    /// must be new, empty, or hold a bundle of some of the same captures,
    /// which is replaced whole; any other folder is refused
    /// ([`BundleError::Folder`]), so that no unrelated file is adopted into
    /// the manifest or deleted.
    pub fn create(root: &Path, captures: &[String]) -> Result<Bundle, BundleError> {
        claim::claim(root, captures)?;
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
