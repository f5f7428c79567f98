//! What the real-Chromium tests of the detection rules share beyond the
//! test kit: the fixture sites of `fixtures/detect/sites/<host>/<path>`
//! (each test's server says how it answers), and a bounded scan that fails
//! saying to run scripts/setup when Chromium is missing.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use outflow_capture::{ScanOptions, scan};
use outflow_model::Capture;
use outflow_testkit::{fixture_dir, require_chromium, static_file};

/// The fixture sites, one folder per host name.
pub fn sites_root() -> PathBuf {
    fixture_dir("detect").join("sites")
}

/// The fixture file `host` serves at `path` (`/` meaning `/index.html`),
/// with its content type; `None` when there is none or the path climbs out
/// of the host's folder.
pub fn fixture_file(host: &str, path: &str) -> Option<(&'static str, Vec<u8>)> {
    static_file(&sites_root(), host, path).map(|file| (file.content_type, file.bytes))
}

/// Scans `url` in Chromium, failing the test past `limit`; the capture and
/// the script bodies by SHA-256.
pub async fn scan_page(
    url: &str,
    options: &ScanOptions,
    limit: Duration,
) -> (Capture, BTreeMap<String, String>) {
    require_chromium();
    let out = tokio::time::timeout(limit, scan(url, options))
        .await
        .unwrap_or_else(|_| panic!("the scan of {url} did not finish within {limit:?}"))
        .expect("the scan started");
    (out.capture, out.sources)
}
