//! Reading a bundle back: its manifest, and each capture with its report,
//! request bodies, scripts and the copies of the `--intel` files, every
//! file through [`crate::access`].

use std::collections::BTreeMap;

use outflow_model::{Capture, Report};

use crate::access::{is_present, list, read, read_json, read_script};
use crate::error::BundleError;
use crate::hash::{body_bytes, sha256_hex};
use crate::layout::{
    BODIES_DIR, CAPTURE_FILE, INTEL_EXTENSIONS, MANIFEST, MAX_DOCUMENT_BYTES, MAX_INTEL_FILE_BYTES,
    MAX_INTEL_FILES, REPORT_JSON, SCRIPTS_DIR,
};
use crate::{Bundle, BundleCapture, Manifest};

impl Bundle {
    /// Reads `manifest.json`.
    pub fn manifest(&self) -> Result<Manifest, BundleError> {
        self.manifest_and_bytes().map(|(manifest, _)| manifest)
    }

    /// Reads `manifest.json`, with the bytes it was parsed from (whose
    /// hash identifies the bundle).
    pub(crate) fn manifest_and_bytes(&self) -> Result<(Manifest, Vec<u8>), BundleError> {
        let bytes = read(&self.root, MANIFEST, MAX_DOCUMENT_BYTES)?;
        let manifest = Manifest::parse(&bytes, MANIFEST)?;
        Ok((manifest, bytes))
    }

    /// Reads one capture and its report.
    pub fn load(&self, entry: &BundleCapture) -> Result<(Capture, Report), BundleError> {
        let capture: Capture = read_json(
            &self.root,
            &in_capture(entry, CAPTURE_FILE),
            MAX_DOCUMENT_BYTES,
        )?;
        let report: Report = read_json(
            &self.root,
            &in_capture(entry, REPORT_JSON),
            MAX_DOCUMENT_BYTES,
        )?;
        Ok((capture, report))
    }

    /// One file of a capture's folder (`report.html`, …), at most `limit`
    /// bytes.
    pub(crate) fn capture_file(
        &self,
        entry: &BundleCapture,
        name: &str,
        limit: u64,
    ) -> Result<Vec<u8>, BundleError> {
        read(&self.root, &in_capture(entry, name), limit)
    }

    /// Request bodies of a capture whose file is missing from its
    /// `bodies/` folder (the files' contents are checked by hash).
    pub fn missing_bodies(&self, entry: &BundleCapture, capture: &Capture) -> Vec<String> {
        capture
            .requests
            .iter()
            .filter_map(|r| {
                let body = r.body.as_ref()?;
                let name = format!("{}.bin", sha256_hex(&body_bytes(body)));
                let relative = in_capture(entry, &format!("{BODIES_DIR}/{name}"));
                (!is_present(&self.root, &relative)).then(|| format!("{} ({})", r.id, name))
            })
            .collect()
    }

    /// The bodies of a capture's scripts found in `scripts/`, by SHA-256;
    /// those longer than `max_bytes` or unreadable (links, pipes, devices
    /// are never read) are left out, as the analysis of a live scan leaves
    /// them out.
    pub fn scripts_of(&self, capture: &Capture, max_bytes: u64) -> BTreeMap<String, String> {
        let mut sources = BTreeMap::new();
        for script in &capture.scripts {
            let hash = script.sha256.as_str();
            // Only hex digits name files (the pipeline looks up no other).
            let plausible = !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit());
            if !plausible || sources.contains_key(hash) {
                continue;
            }
            let relative = format!("{SCRIPTS_DIR}/{hash}.js");
            if let Some(source) = read_script(&self.root, &relative, max_bytes) {
                sources.insert(hash.to_string(), source);
            }
        }
        sources
    }

    /// The entity files of the bundle's `--intel` copies (`intel/<hash>`),
    /// read through the bundle's own checks, in the order intelligence
    /// loads a folder (its `.json` files, then its `.toml` files, each by
    /// name): what [`outflow_intel::Intel::load_files`] is given, so that
    /// the loader never opens a bundle path itself. A link, pipe, device
    /// or socket among them, or a file too large, is an error naming it.
    pub fn intel_files(
        &self,
        dirs: &[String],
    ) -> Result<Vec<outflow_intel::UserFile>, BundleError> {
        let mut files = Vec::new();
        for dir in dirs {
            let entries = list(&self.root, dir)?;
            let mut count = 0;
            for extension in INTEL_EXTENSIONS.iter().rev() {
                for (name, _) in &entries {
                    let wanted = std::path::Path::new(name)
                        .extension()
                        .is_some_and(|e| e == *extension);
                    if !wanted {
                        continue;
                    }
                    count += 1;
                    if count > MAX_INTEL_FILES {
                        return Err(BundleError::Invalid {
                            path: dir.clone(),
                            message: format!("more than {MAX_INTEL_FILES} entity files"),
                        });
                    }
                    let relative = format!("{dir}/{name}");
                    let bytes = read(&self.root, &relative, MAX_INTEL_FILE_BYTES)?;
                    let text = String::from_utf8(bytes).map_err(|_| BundleError::Invalid {
                        path: relative.clone(),
                        message: "not UTF-8 text".to_string(),
                    })?;
                    files.push(outflow_intel::UserFile {
                        origin: relative,
                        text,
                    });
                }
            }
        }
        Ok(files)
    }
}

/// A file of a capture's folder, relative to the bundle's top.
fn in_capture(entry: &BundleCapture, name: &str) -> String {
    if entry.path.is_empty() {
        name.to_string()
    } else {
        format!("{}/{name}", entry.path)
    }
}
