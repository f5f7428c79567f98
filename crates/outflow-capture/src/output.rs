//! Saving captures: a JSON document per capture, script bodies beside it by
//! SHA-256 (`scripts/<sha256>.js`), so that one copy serves every capture
//! that saw the script and a report can be checked against the exact bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use outflow_model::{Capture, CaptureErrorKind};

use crate::error::CaptureFailure;

/// A directory of captures.
#[derive(Debug, Clone)]
pub struct CaptureDir {
    root: PathBuf,
}

impl CaptureDir {
    /// Opens (creating) `root` and its `scripts/` folder.
    pub fn create(root: &Path) -> Result<Self, CaptureFailure> {
        let scripts = root.join("scripts");
        std::fs::create_dir_all(&scripts).map_err(|source| CaptureFailure::Io {
            what: format!("creating {}", scripts.display()),
            source,
        })?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// Where script bodies go (see [`crate::ScanOptions::scripts_dir`]).
    pub fn scripts_dir(&self) -> PathBuf {
        self.root.join("scripts")
    }

    /// Writes `<name>.capture.json` and the bodies in `sources`; returns the
    /// capture's path.
    pub fn write(
        &self,
        name: &str,
        capture: &Capture,
        sources: &BTreeMap<String, String>,
    ) -> Result<PathBuf, CaptureFailure> {
        let io = |what: String| move |source| CaptureFailure::Io { what, source };
        for (hash, source) in sources {
            // Hashes come from our own hashing, but check anyway: they name files.
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let path = self.scripts_dir().join(format!("{hash}.js"));
            if !path.exists() {
                std::fs::write(&path, source).map_err(io(format!("writing {}", path.display())))?;
            }
        }
        let path = self.root.join(format!("{}.capture.json", file_name(name)));
        let json = serde_json::to_vec_pretty(capture).map_err(|e| CaptureFailure::Io {
            what: "serialising the capture".to_string(),
            source: std::io::Error::other(e),
        })?;
        std::fs::write(&path, json).map_err(io(format!("writing {}", path.display())))?;
        Ok(path)
    }
}

/// Whether a capture failed at its core (the page never loaded, the browser
/// died) rather than in part.
pub fn capture_failed(capture: &Capture) -> bool {
    capture.errors.iter().any(|e| {
        matches!(
            e.kind,
            CaptureErrorKind::Navigation
                | CaptureErrorKind::Tls
                | CaptureErrorKind::RedirectLoop
                | CaptureErrorKind::Crash
                | CaptureErrorKind::Launch
        )
    })
}

/// A file-name-safe name for a URL, with the persona appended when given.
pub fn capture_name(url: &str, persona: Option<&str>) -> String {
    let bare = url
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let name = file_name(bare);
    match persona {
        Some(persona) => format!("{name}.{}", file_name(persona)),
        None => name,
    }
}

fn file_name(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    name = name.trim_matches('_').to_string();
    // No hidden files, no `..`.
    while name.starts_with('.') {
        name.replace_range(0..1, "_");
    }
    if name.is_empty() {
        "capture".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_file_names() {
        assert_eq!(
            capture_name("https://example.com/a?b=c", Some("cn")),
            "example.com_a_b_c.cn"
        );
        assert_eq!(capture_name("http://../../etc", None), "_._.._etc");
        assert!(!capture_name("../x", None).starts_with('.'));
        assert_eq!(capture_name("", None), "capture");
    }
}
