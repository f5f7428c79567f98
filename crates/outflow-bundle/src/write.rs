//! Writing a bundle: scripts by hash, copies of `--intel` folders, and each
//! capture with its reports, the manifest rewritten after every capture.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use outflow_model::{Capture, Report};
use sha2::{Digest, Sha256};

use crate::error::{BundleError, io};
use crate::hash::{body_bytes, sha256_hex};
use crate::layout::{
    BODIES_DIR, CAPTURE_ENTRIES, CAPTURE_FILE, FORMAT, INTEL_DIR, INTEL_EXTENSIONS, LAYOUT_VERSION,
    MANIFEST, MAX_INTEL_FILE_BYTES, REPORT_HTML, REPORT_JSON, REPORT_SARIF, is_sha256,
};
use crate::naming::{file_name, folder_name};
use crate::render::{Rendered, render};
use crate::{AnalysisSettings, Bundle, BundleCapture, Manifest};

impl Bundle {
    /// Writes script bodies (by SHA-256) into `scripts/`, each once.
    pub fn add_scripts(&self, sources: &BTreeMap<String, String>) -> Result<(), BundleError> {
        for (hash, source) in sources {
            // Hashes name files: only well-formed ones.
            if !is_sha256(hash) {
                continue;
            }
            let path = self.scripts_dir().join(format!("{hash}.js"));
            if !path.exists() {
                write(&path, source.as_bytes())?;
            }
        }
        Ok(())
    }

    /// Writes a capture that was not analysed (`--capture-only`) as
    /// `<name>.capture.json` at the top, with the bodies in `sources`;
    /// returns the capture's path. No manifest is written: without a
    /// report there is nothing to verify.
    pub fn add_bare_capture(
        &self,
        name: &str,
        capture: &Capture,
        sources: &BTreeMap<String, String>,
    ) -> Result<PathBuf, BundleError> {
        self.add_scripts(sources)?;
        let path = self.root.join(format!("{}.capture.json", file_name(name)));
        let json = serde_json::to_vec_pretty(capture).map_err(|e| BundleError::Io {
            what: "serialising the capture".to_string(),
            source: std::io::Error::other(e),
        })?;
        write(&path, &json)?;
        Ok(path)
    }

    /// Copies the entity files of an `--intel` folder (its `.toml` and
    /// `.json` files, as intelligence loads them) into `intel/<hash>`, named
    /// by the hash of their names and contents so that captures made with
    /// the same folder share one copy. Returns the copy's path relative to
    /// the top.
    pub fn add_intel_dir(&self, dir: &Path) -> Result<String, BundleError> {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(io(format!("reading {}", dir.display())))?;
        for entry in entries {
            let path = entry
                .map_err(io(format!("reading {}", dir.display())))?
                .path();
            let wanted = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| INTEL_EXTENSIONS.contains(&e));
            if !wanted || !path.is_file() {
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // The user's own folder, read as intelligence reads it; no
            // more than intelligence accepts, whatever size is claimed.
            let mut bytes = Vec::new();
            std::fs::File::open(&path)
                .and_then(|file| file.take(MAX_INTEL_FILE_BYTES + 1).read_to_end(&mut bytes))
                .map_err(io(format!("reading {}", path.display())))?;
            if bytes.len() as u64 > MAX_INTEL_FILE_BYTES {
                return Err(BundleError::Invalid {
                    path: path.display().to_string(),
                    message: format!("larger than {MAX_INTEL_FILE_BYTES} bytes"),
                });
            }
            files.push((name, bytes));
        }
        files.sort();
        let mut hasher = Sha256::new();
        for (name, bytes) in &files {
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        let relative = format!("{INTEL_DIR}/{}", &hex::encode(hasher.finalize())[..16]);
        let target = self.root.join(&relative);
        if !target.is_dir() {
            std::fs::create_dir_all(&target)
                .map_err(io(format!("creating {}", target.display())))?;
            for (name, bytes) in &files {
                write(&target.join(name), bytes)?;
            }
        }
        Ok(relative)
    }

    /// Adds one capture with its reports (rendered by [`render`], as
    /// [`crate::verify`] renders them again), then rewrites the manifest with the
    /// hashes of every file. A capture of the same name replaces the old
    /// one; when a second capture joins one kept at the top, the first moves
    /// into its own sub-folder. Returns the capture's folder.
    pub fn add_capture(
        &self,
        name: &str,
        capture: &Capture,
        report: &Report,
        analysis: AnalysisSettings,
        tool_version: &str,
    ) -> Result<PathBuf, BundleError> {
        let mut manifest = match self.root.join(MANIFEST).exists() {
            true => self.manifest()?,
            false => Manifest {
                format: FORMAT.to_string(),
                layout_version: LAYOUT_VERSION,
                tool_version: tool_version.to_string(),
                captures: Vec::new(),
                files: BTreeMap::new(),
            },
        };
        manifest.tool_version = tool_version.to_string();
        manifest.captures.retain(|c| c.name != name);
        if let Some(top) = manifest.captures.iter_mut().find(|c| c.path.is_empty()) {
            let folder = folder_name(&top.name);
            self.move_top_capture(&folder)?;
            top.path = folder;
        }
        let path = if manifest.captures.is_empty() {
            String::new()
        } else {
            folder_name(name)
        };
        let dir = self.root.join(&path);
        write_capture_files(&dir, capture, &render(report))?;
        manifest.captures.push(BundleCapture {
            name: name.to_string(),
            path,
            analysis,
        });
        manifest.files = self.hash_files()?.files;
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::Invalid {
            path: MANIFEST.to_string(),
            message: e.to_string(),
        })?;
        write(&self.root.join(MANIFEST), &json)?;
        Ok(dir)
    }

    /// Moves the capture kept at the top into `folder`.
    fn move_top_capture(&self, folder: &str) -> Result<(), BundleError> {
        let target = self.root.join(folder);
        std::fs::create_dir_all(&target).map_err(io(format!("creating {}", target.display())))?;
        for name in CAPTURE_ENTRIES {
            let from = self.root.join(name);
            if from.exists() {
                std::fs::rename(&from, target.join(name))
                    .map_err(io(format!("moving {}", from.display())))?;
            }
        }
        Ok(())
    }
}

fn write_capture_files(
    dir: &Path,
    capture: &Capture,
    reports: &Rendered,
) -> Result<(), BundleError> {
    let bodies = dir.join(BODIES_DIR);
    if bodies.exists() {
        std::fs::remove_dir_all(&bodies).map_err(io(format!("clearing {}", bodies.display())))?;
    }
    for body in capture.requests.iter().filter_map(|r| r.body.as_ref()) {
        let bytes = body_bytes(body);
        std::fs::create_dir_all(&bodies).map_err(io(format!("creating {}", bodies.display())))?;
        write(&bodies.join(format!("{}.bin", sha256_hex(&bytes))), &bytes)?;
    }
    let capture_json = serde_json::to_vec_pretty(capture).map_err(|e| BundleError::Invalid {
        path: CAPTURE_FILE.to_string(),
        message: e.to_string(),
    })?;
    std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    write(&dir.join(CAPTURE_FILE), &capture_json)?;
    write(&dir.join(REPORT_JSON), reports.json.as_bytes())?;
    write(&dir.join(REPORT_HTML), reports.html.as_bytes())?;
    write(&dir.join(REPORT_SARIF), reports.sarif.as_bytes())?;
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    std::fs::write(path, bytes).map_err(io(format!("writing {}", path.display())))
}
