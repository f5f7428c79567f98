//! Reading a bundle back: its manifest, and each capture with its report,
//! request bodies and scripts.

use std::collections::BTreeMap;

use outflow_model::{Capture, Report};

use crate::access::{is_present, read_document, read_json, read_script};
use crate::error::BundleError;
use crate::hash::{body_bytes, sha256_hex};
use crate::layout::{BODIES_DIR, CAPTURE_FILE, MANIFEST, REPORT_JSON};
use crate::{Bundle, BundleCapture, Manifest};

impl Bundle {
    /// Reads `manifest.json`.
    pub fn manifest(&self) -> Result<Manifest, BundleError> {
        self.manifest_and_bytes().map(|(manifest, _)| manifest)
    }

    /// Reads `manifest.json`, with the bytes it was parsed from (whose
    /// hash identifies the bundle).
    pub(crate) fn manifest_and_bytes(&self) -> Result<(Manifest, Vec<u8>), BundleError> {
        let path = self.root.join(MANIFEST);
        let bytes = read_document(&path)?;
        let manifest = Manifest::parse(&bytes, &path.display().to_string())?;
        Ok((manifest, bytes))
    }

    /// Reads one capture and its report.
    pub fn load(&self, entry: &BundleCapture) -> Result<(Capture, Report), BundleError> {
        let dir = self.root.join(&entry.path);
        let capture: Capture = read_json(&dir.join(CAPTURE_FILE))?;
        let report: Report = read_json(&dir.join(REPORT_JSON))?;
        Ok((capture, report))
    }

    /// Request bodies of a capture whose file is missing from its
    /// `bodies/` folder (the files' contents are checked by hash).
    pub fn missing_bodies(&self, entry: &BundleCapture, capture: &Capture) -> Vec<String> {
        let dir = self.root.join(&entry.path).join(BODIES_DIR);
        capture
            .requests
            .iter()
            .filter_map(|r| {
                let body = r.body.as_ref()?;
                let name = format!("{}.bin", sha256_hex(&body_bytes(body)));
                (!is_present(&dir.join(&name))).then(|| format!("{} ({})", r.id, name))
            })
            .collect()
    }

    /// The bodies of a capture's scripts found in `scripts/`, by SHA-256;
    /// those longer than `max_bytes` or unreadable are left out, as the
    /// analysis of a live scan leaves them out.
    pub fn scripts_of(&self, capture: &Capture, max_bytes: u64) -> BTreeMap<String, String> {
        let dir = self.scripts_dir();
        let mut sources = BTreeMap::new();
        for script in &capture.scripts {
            let hash = script.sha256.as_str();
            // Only hex digits name files (the pipeline looks up no other).
            let plausible = !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit());
            if !plausible || sources.contains_key(hash) {
                continue;
            }
            if let Some(source) = read_script(&dir.join(format!("{hash}.js")), max_bytes) {
                sources.insert(hash.to_string(), source);
            }
        }
        sources
    }
}
