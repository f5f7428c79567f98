//! Which folder a bundle may be written into (`--out DIR`): a new folder,
//! an empty one, or one that already holds a bundle of the same captures,
//! which is then replaced whole. Nothing else: a bundle's manifest vouches
//! for every file of its folder, so a folder holding unrelated files would
//! have them adopted into the manifest (or would lose them).
//!
//! A folder holds a bundle when it has a manifest that parses and every
//! file in it is one the manifest lists (no link, pipe, device, unlisted
//! file), or, for `--capture-only` runs, only `<name>.capture.json` files
//! and a `scripts/` folder of script bodies. It is of the same captures
//! when every capture it holds is one this run writes (a rerun of the same
//! scan, HAR files or demo). The old bundle is moved aside in one rename
//! and deleted before the new one is written, so that no file of it can
//! mix with the new bundle; where the folder cannot be renamed (it is the
//! current folder, or a mount point), its bundle files are deleted in
//! place.

use std::path::{Path, PathBuf};

use crate::access::list;
use crate::error::BundleError;
use crate::layout::{MANIFEST, SCRIPTS_DIR};
use crate::{Bundle, FileProblem};

/// The suffix of a bare capture's file (`--capture-only`).
const BARE_CAPTURE_SUFFIX: &str = ".capture.json";

/// Makes `root` ready for a new bundle of the captures named `captures`:
/// creates it, keeps it when empty, or replaces the bundle of the same
/// captures it holds; refuses any other folder.
pub(crate) fn claim(root: &Path, captures: &[String]) -> Result<(), BundleError> {
    let refuse = |message: String| BundleError::Folder {
        path: root.display().to_string(),
        message,
    };
    let meta = match std::fs::metadata(root) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(BundleError::Io {
                what: format!("reading {}", root.display()),
                source,
            });
        }
    };
    if !meta.is_dir() {
        return Err(refuse("it is not a folder".to_string()));
    }
    if list(root, "")?.is_empty() {
        return Ok(());
    }
    let held = held_captures(root).map_err(refuse)?;
    let others: Vec<&String> = held.iter().filter(|c| !captures.contains(c)).collect();
    if !others.is_empty() {
        return Err(refuse(format!(
            "it holds a bundle of other captures ({}), not of this run's ({}): write into a new or empty folder",
            shown(&others),
            shown(&captures.iter().collect::<Vec<_>>())
        )));
    }
    replace(root)
}

/// The captures of the bundle in `root`, or why `root` is not a bundle.
fn held_captures(root: &Path) -> Result<Vec<String>, String> {
    let bundle = Bundle::open(root);
    let entries = list(root, "").map_err(|e| e.to_string())?;
    if entries.iter().any(|(name, _)| name == MANIFEST) {
        let manifest = bundle
            .manifest()
            .map_err(|e| format!("it is not empty, and its {MANIFEST} is not a bundle's ({e})"))?;
        let foreign: Vec<String> = bundle
            .check_files(&manifest)
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|problem| match problem {
                FileProblem::Unlisted(path) => Some(path),
                FileProblem::Refused(why) => Some(why),
                _ => None,
            })
            .collect();
        if !foreign.is_empty() {
            return Err(format!(
                "it holds a bundle and files that are not part of it ({}): move them away or write into a new or empty folder",
                shown(&foreign.iter().collect::<Vec<_>>())
            ));
        }
        return Ok(manifest.captures.into_iter().map(|c| c.name).collect());
    }
    // A --capture-only run's folder: bare captures and their scripts.
    let mut names = Vec::new();
    let mut foreign = Vec::new();
    for (name, kind) in &entries {
        if name == SCRIPTS_DIR && kind.is_dir() {
            let scripts = list(root, SCRIPTS_DIR).map_err(|e| e.to_string())?;
            foreign.extend(
                scripts
                    .iter()
                    .filter(|(n, k)| !k.is_file() || !n.ends_with(".js"))
                    .map(|(n, _)| format!("{SCRIPTS_DIR}/{n}")),
            );
        } else if let Some(stem) = name.strip_suffix(BARE_CAPTURE_SUFFIX)
            && kind.is_file()
        {
            names.push(stem.to_string());
        } else {
            foreign.push(name.clone());
        }
    }
    if !foreign.is_empty() {
        return Err(format!(
            "it is not empty and not an outflow bundle ({}): write into a new or empty folder",
            shown(&foreign.iter().collect::<Vec<_>>())
        ));
    }
    Ok(names)
}

/// Deletes the bundle in `root` whole: moved aside in one rename, then
/// deleted; deleted in place when `root` cannot be renamed.
fn replace(root: &Path) -> Result<(), BundleError> {
    let io = |what: String| move |source| BundleError::Io { what, source };
    let aside = aside_of(root);
    if std::fs::rename(root, &aside).is_ok() {
        return std::fs::remove_dir_all(&aside)
            .map_err(io(format!("deleting {}", aside.display())));
    }
    // Every entry was checked to be the bundle's: delete them all.
    for (name, kind) in list(root, "")? {
        let path = root.join(&name);
        let done = if kind.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        done.map_err(io(format!("deleting {}", path.display())))?;
    }
    Ok(())
}

/// A sibling name for the old bundle while it is deleted.
fn aside_of(root: &Path) -> PathBuf {
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".to_string());
    root.with_file_name(format!(".{name}.outflow-replaced-{}", std::process::id()))
}

/// At most five names, for a message.
fn shown(names: &[&String]) -> String {
    let mut text: Vec<String> = names
        .iter()
        .take(5)
        .map(|n| outflow_report::clean(n))
        .collect();
    if names.len() > 5 {
        text.push(format!("and {} more", names.len() - 5));
    }
    text.join(", ")
}
