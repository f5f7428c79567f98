//! The evidence bundle (`--out DIR`): everything a second person needs to
//! re-check a report offline, and a manifest with the SHA-256 of every file.
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
//! folders hold the `--intel` files), so that `outflow verify DIR` needs no
//! option to analyse the evidence exactly as the report was made.
//!
//! A run with several captures (URLs × personas, several HAR files) puts
//! each capture's files in its own sub-folder (`DIR/<name>/capture.json`,
//! …); `scripts/` stays shared at the top. A run with one capture keeps its
//! files at the top.
//!
//! A bundle read back may come from anyone: [`Bundle::check_files`] reads
//! no symbolic link, walks at most [`MAX_DEPTH`] levels and
//! [`MAX_FILES`] files, and reads documents up to [`MAX_DOCUMENT_BYTES`].

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use outflow_model::{Capture, Report};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest's file name, at the bundle's top.
pub const MANIFEST: &str = "manifest.json";
/// The manifest's `format` value.
pub const FORMAT: &str = "outflow-evidence-bundle";
/// The manifest's layout version.
pub const LAYOUT_VERSION: u32 = 1;
/// Deepest folder level walked when checking a bundle.
pub const MAX_DEPTH: usize = 4;
/// Most files a bundle may hold.
pub const MAX_FILES: usize = 200_000;
/// Largest JSON document (capture, report, manifest) read back.
pub const MAX_DOCUMENT_BYTES: u64 = 1 << 30;

/// Names of a capture's files inside its folder.
pub const CAPTURE_FILE: &str = "capture.json";
/// The JSON report.
pub const REPORT_JSON: &str = "report.json";
/// The HTML report.
pub const REPORT_HTML: &str = "report.html";
/// The SARIF report.
pub const REPORT_SARIF: &str = "report.sarif";
/// The folder of request bodies inside a capture's folder.
pub const BODIES_DIR: &str = "bodies";
/// The folder of script bodies at the bundle's top.
pub const SCRIPTS_DIR: &str = "scripts";
/// The folder of copied `--intel` entity files at the bundle's top.
pub const INTEL_DIR: &str = "intel";
/// The extensions of the entity files outflow's intelligence loads from an
/// `--intel` folder.
const INTEL_EXTENSIONS: [&str; 2] = ["toml", "json"];

/// What went wrong writing or reading a bundle.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A document is not what it should be.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// How the reports of a bundle were made, so that `outflow verify` analyses
/// the evidence the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisSettings {
    /// Whether hosts were attributed with outflow's intelligence data.
    pub intel: bool,
    /// The site given for first or third party, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The domains given with `--first-party`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_party: Vec<String>,
    /// The bundle's copies of the `--intel` folders (`intel/<hash>`), in
    /// the order they were given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intel_dirs: Vec<String>,
}

/// One capture of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleCapture {
    /// The capture's name (from its URL and persona, or HAR file).
    pub name: String,
    /// Its folder, relative to the bundle's top; empty for the top itself.
    pub path: String,
    /// How its report was made.
    pub analysis: AnalysisSettings,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`LAYOUT_VERSION`].
    pub layout_version: u32,
    /// The outflow version that wrote the bundle.
    pub tool_version: String,
    /// The captures, in the order they were made.
    pub captures: Vec<BundleCapture>,
    /// SHA-256 (lower-case hex) of every file but the manifest, by path
    /// relative to the top (`/`-separated), sorted.
    pub files: BTreeMap<String, String>,
}

/// The reports of one capture, already rendered.
pub struct RenderedReports<'a> {
    /// The report itself (`report.json`).
    pub report: &'a Report,
    /// `report.html`.
    pub html: &'a str,
    /// `report.sarif`.
    pub sarif: &'a str,
}

/// A bundle folder.
#[derive(Debug, Clone)]
pub struct Bundle {
    root: PathBuf,
}

impl Bundle {
    /// Opens (creating) a bundle folder and its `scripts/`.
    pub fn create(root: &Path) -> Result<Bundle, BundleError> {
        let scripts = root.join(SCRIPTS_DIR);
        std::fs::create_dir_all(&scripts).map_err(io(format!("creating {}", scripts.display())))?;
        Ok(Bundle {
            root: root.to_path_buf(),
        })
    }

    /// Opens an existing bundle for reading.
    pub fn open(root: &Path) -> Bundle {
        Bundle {
            root: root.to_path_buf(),
        }
    }

    /// The bundle's top folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where script bodies are, each as `<sha256>.js`.
    pub fn scripts_dir(&self) -> PathBuf {
        self.root.join(SCRIPTS_DIR)
    }

    /// Reads `manifest.json`.
    pub fn manifest(&self) -> Result<Manifest, BundleError> {
        let path = self.root.join(MANIFEST);
        let manifest: Manifest = read_json(&path)?;
        if manifest.format != FORMAT {
            return Err(BundleError::Invalid {
                path: path.display().to_string(),
                message: format!("format is {:?}, not {FORMAT:?}", manifest.format),
            });
        }
        for capture in &manifest.captures {
            if let Some(bad) = capture
                .analysis
                .intel_dirs
                .iter()
                .find(|d| !is_intel_folder(d))
            {
                return Err(BundleError::Invalid {
                    path: path.display().to_string(),
                    message: format!("intelligence folder {bad:?} is not intel/<name>"),
                });
            }
            if !is_plain_folder(&capture.path) {
                return Err(BundleError::Invalid {
                    path: path.display().to_string(),
                    message: format!(
                        "capture folder {:?} is not a plain sub-folder",
                        capture.path
                    ),
                });
            }
        }
        Ok(manifest)
    }

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
            let meta =
                std::fs::metadata(&path).map_err(io(format!("reading {}", path.display())))?;
            if meta.len() > MAX_DOCUMENT_BYTES {
                return Err(BundleError::Invalid {
                    path: path.display().to_string(),
                    message: format!("larger than {MAX_DOCUMENT_BYTES} bytes"),
                });
            }
            let bytes = std::fs::read(&path).map_err(io(format!("reading {}", path.display())))?;
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

    /// Adds one capture with its reports, then rewrites the manifest with the
    /// hashes of every file. A capture of the same name replaces the old
    /// one; when a second capture joins one kept at the top, the first moves
    /// into its own sub-folder. Returns the capture's folder.
    pub fn add_capture(
        &self,
        name: &str,
        capture: &Capture,
        reports: &RenderedReports<'_>,
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
        self.write_capture_files(&dir, capture, reports)?;
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

    fn write_capture_files(
        &self,
        dir: &Path,
        capture: &Capture,
        reports: &RenderedReports<'_>,
    ) -> Result<(), BundleError> {
        let bodies = dir.join(BODIES_DIR);
        if bodies.exists() {
            std::fs::remove_dir_all(&bodies)
                .map_err(io(format!("clearing {}", bodies.display())))?;
        }
        for body in capture.requests.iter().filter_map(|r| r.body.as_ref()) {
            let bytes = body_bytes(body);
            std::fs::create_dir_all(&bodies)
                .map_err(io(format!("creating {}", bodies.display())))?;
            write(&bodies.join(format!("{}.bin", sha256_hex(&bytes))), &bytes)?;
        }
        let capture_json =
            serde_json::to_vec_pretty(capture).map_err(|e| BundleError::Invalid {
                path: CAPTURE_FILE.to_string(),
                message: e.to_string(),
            })?;
        std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        write(&dir.join(CAPTURE_FILE), &capture_json)?;
        write(
            &dir.join(REPORT_JSON),
            crate::json(reports.report).as_bytes(),
        )?;
        write(&dir.join(REPORT_HTML), reports.html.as_bytes())?;
        write(&dir.join(REPORT_SARIF), reports.sarif.as_bytes())?;
        Ok(())
    }

    /// Moves the capture kept at the top into `folder`.
    fn move_top_capture(&self, folder: &str) -> Result<(), BundleError> {
        let target = self.root.join(folder);
        std::fs::create_dir_all(&target).map_err(io(format!("creating {}", target.display())))?;
        for name in [
            CAPTURE_FILE,
            REPORT_JSON,
            REPORT_HTML,
            REPORT_SARIF,
            BODIES_DIR,
        ] {
            let from = self.root.join(name);
            if from.exists() {
                std::fs::rename(&from, target.join(name))
                    .map_err(io(format!("moving {}", from.display())))?;
            }
        }
        Ok(())
    }

    /// Hashes every file of the bundle but the manifest, and lists what
    /// cannot be part of a bundle (symbolic links, folders too deep, too
    /// many files).
    pub fn hash_files(&self) -> Result<HashedFiles, BundleError> {
        let mut hashed = HashedFiles::default();
        self.walk(&self.root, "", 0, &mut hashed)?;
        Ok(hashed)
    }

    fn walk(
        &self,
        dir: &Path,
        prefix: &str,
        depth: usize,
        hashed: &mut HashedFiles,
    ) -> Result<(), BundleError> {
        let entries = std::fs::read_dir(dir).map_err(io(format!("reading {}", dir.display())))?;
        let mut names: Vec<(String, std::fs::FileType)> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io(format!("reading {}", dir.display())))?;
            let kind = entry
                .file_type()
                .map_err(io(format!("reading {}", entry.path().display())))?;
            names.push((entry.file_name().to_string_lossy().into_owned(), kind));
        }
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, kind) in names {
            let relative = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if depth == 0 && name == MANIFEST {
                continue;
            }
            if kind.is_symlink() {
                hashed.refused.push(format!("{relative}: a symbolic link"));
            } else if kind.is_dir() {
                if depth + 1 >= MAX_DEPTH {
                    hashed.refused.push(format!("{relative}: nested too deep"));
                } else {
                    self.walk(&dir.join(&name), &relative, depth + 1, hashed)?;
                }
            } else if hashed.files.len() >= MAX_FILES {
                hashed
                    .refused
                    .push(format!("{relative}: more than {MAX_FILES} files"));
                return Ok(());
            } else {
                let hash = hash_file(&dir.join(&name))?;
                hashed.files.insert(relative, hash);
            }
        }
        Ok(())
    }

    /// Compares the files on disk with the manifest: every listed file must
    /// be there with its hash, nothing else may be there, scripts and
    /// bodies must be named by their own hash.
    pub fn check_files(&self, manifest: &Manifest) -> Result<Vec<FileProblem>, BundleError> {
        let on_disk = self.hash_files()?;
        let mut problems: Vec<FileProblem> = on_disk
            .refused
            .iter()
            .map(|r| FileProblem::Refused(r.clone()))
            .collect();
        for (path, expected) in &manifest.files {
            match on_disk.files.get(path) {
                None => problems.push(FileProblem::Missing(path.clone())),
                Some(actual) if actual != expected => problems.push(FileProblem::Changed {
                    path: path.clone(),
                    expected: expected.clone(),
                    actual: actual.clone(),
                }),
                Some(_) => {}
            }
        }
        for (path, actual) in &on_disk.files {
            if !manifest.files.contains_key(path) {
                problems.push(FileProblem::Unlisted(path.clone()));
            }
            let file = path.rsplit('/').next().unwrap_or(path);
            let in_hashed_folder = path.starts_with(&format!("{SCRIPTS_DIR}/"))
                || path.contains(&format!("{BODIES_DIR}/"));
            if in_hashed_folder {
                let stem = file.split('.').next().unwrap_or("");
                if stem != actual {
                    problems.push(FileProblem::MisNamed {
                        path: path.clone(),
                        actual: actual.clone(),
                    });
                }
            }
        }
        Ok(problems)
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
                (!dir.join(&name).is_file()).then(|| format!("{} ({})", r.id, name))
            })
            .collect()
    }
}

/// Files found in a bundle, hashed.
#[derive(Debug, Default)]
pub struct HashedFiles {
    /// SHA-256 by relative path.
    pub files: BTreeMap<String, String>,
    /// Entries not read, and why.
    pub refused: Vec<String>,
}

/// A disagreement between a bundle's files and its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Listed, not there.
    Missing(String),
    /// There with another hash.
    Changed {
        /// The file.
        path: String,
        /// The manifest's hash.
        expected: String,
        /// The file's hash now.
        actual: String,
    },
    /// There, not listed.
    Unlisted(String),
    /// A script or body whose name is not its own hash.
    MisNamed {
        /// The file.
        path: String,
        /// Its hash.
        actual: String,
    },
    /// Not read (a symbolic link, too deep, too many files).
    Refused(String),
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileProblem::Missing(path) => write!(f, "{path}: missing"),
            FileProblem::Changed {
                path,
                expected,
                actual,
            } => write!(f, "{path}: sha256 {actual}, manifest says {expected}"),
            FileProblem::Unlisted(path) => write!(f, "{path}: not in the manifest"),
            FileProblem::MisNamed { path, actual } => {
                write!(f, "{path}: named by another hash than its own ({actual})")
            }
            FileProblem::Refused(why) => write!(f, "{why}"),
        }
    }
}

/// The raw bytes of a request body (base64 decoded when it was binary).
pub fn body_bytes(body: &outflow_model::Body) -> Vec<u8> {
    if body.base64 {
        base64::engine::general_purpose::STANDARD
            .decode(body.text.as_bytes())
            .unwrap_or_else(|_| body.text.as_bytes().to_vec())
    } else {
        body.text.as_bytes().to_vec()
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn hash_file(path: &Path) -> Result<String, BundleError> {
    let mut file = std::fs::File::open(path).map_err(io(format!("reading {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(io(format!("reading {}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BundleError> {
    let meta =
        std::fs::symlink_metadata(path).map_err(io(format!("reading {}", path.display())))?;
    if !meta.is_file() {
        return Err(BundleError::Invalid {
            path: path.display().to_string(),
            message: "not a regular file".to_string(),
        });
    }
    if meta.len() > MAX_DOCUMENT_BYTES {
        return Err(BundleError::Invalid {
            path: path.display().to_string(),
            message: format!("larger than {MAX_DOCUMENT_BYTES} bytes"),
        });
    }
    let bytes = std::fs::read(path).map_err(io(format!("reading {}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| BundleError::Invalid {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    std::fs::write(path, bytes).map_err(io(format!("writing {}", path.display())))
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> BundleError {
    move |source| BundleError::Io { what, source }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A capture's folder name: its name made safe for a file system, never
/// one of the bundle's own names.
fn folder_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let safe = safe.trim_start_matches('.').to_string();
    if safe.is_empty()
        || safe == SCRIPTS_DIR
        || safe == BODIES_DIR
        || safe == INTEL_DIR
        || safe.contains('.') && safe.ends_with(".json")
    {
        format!("capture-{safe}")
    } else {
        safe
    }
}

/// Whether a manifest's capture folder is empty (the top) or one plain
/// name: no `..`, no absolute path, no separator.
fn is_plain_folder(path: &str) -> bool {
    if path.is_empty() {
        return true;
    }
    let mut components = Path::new(path).components();
    matches!(components.next(), Some(Component::Normal(_)))
        && components.next().is_none()
        && !path.contains(['/', '\\'])
}

/// Whether a manifest's intelligence folder is `intel/` and one plain name.
fn is_intel_folder(path: &str) -> bool {
    path.strip_prefix(INTEL_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|name| !name.is_empty() && is_plain_folder(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intelligence_folders_stay_under_intel() {
        assert!(is_intel_folder("intel/0123abcd"));
        assert!(!is_intel_folder("intel/"));
        assert!(!is_intel_folder("intel/.."));
        assert!(!is_intel_folder("intel/a/b"));
        assert!(!is_intel_folder("/etc"));
        assert!(!is_intel_folder("scripts"));
        assert_eq!(folder_name("intel"), "capture-intel");
    }

    #[test]
    fn capture_folders_are_plain_names() {
        assert!(is_plain_folder(""));
        assert!(is_plain_folder("example.com.us"));
        assert!(!is_plain_folder(".."));
        assert!(!is_plain_folder("/etc"));
        assert!(!is_plain_folder("a/b"));
        assert_eq!(folder_name("../x"), "_x");
        assert_eq!(folder_name("scripts"), "capture-scripts");
    }
}
