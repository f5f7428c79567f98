//! The bundle's names and limits, and which paths a manifest may name.

use std::path::{Component, Path};

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
/// Largest file of any kind hashed when checking a bundle: a larger one is
/// refused, not read.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Largest rendered report (`report.html`, `report.sarif`) compared with
/// the one the evidence gives.
pub const MAX_RENDERED_BYTES: u64 = 1 << 30;
/// Largest `--intel` entity file copied into a bundle or read back (the
/// size `outflow-intel` accepts from a user's folder).
pub const MAX_INTEL_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most entity files read from one `intel/<hash>` folder.
pub const MAX_INTEL_FILES: usize = 1_000;

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
pub(crate) const INTEL_EXTENSIONS: [&str; 2] = ["toml", "json"];

/// The files of one capture inside its folder, as moved together.
pub(crate) const CAPTURE_ENTRIES: [&str; 5] = [
    CAPTURE_FILE,
    REPORT_JSON,
    REPORT_HTML,
    REPORT_SARIF,
    BODIES_DIR,
];

/// Whether `text` can name a script or body file: 64 hex digits.
pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a manifest's capture folder is empty (the top) or one plain
/// name: no `..`, no absolute path, no separator.
pub(crate) fn is_plain_folder(path: &str) -> bool {
    if path.is_empty() {
        return true;
    }
    let mut components = Path::new(path).components();
    matches!(components.next(), Some(Component::Normal(_)))
        && components.next().is_none()
        && !path.contains(['/', '\\'])
}

/// Whether a manifest's intelligence folder is `intel/` and one plain name.
pub(crate) fn is_intel_folder(path: &str) -> bool {
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
    }

    #[test]
    fn capture_folders_are_plain_names() {
        assert!(is_plain_folder(""));
        assert!(is_plain_folder("example.com.us"));
        assert!(!is_plain_folder(".."));
        assert!(!is_plain_folder("/etc"));
        assert!(!is_plain_folder("a/b"));
    }
}
