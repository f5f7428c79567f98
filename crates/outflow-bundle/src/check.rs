//! The bundle's files against its manifest: hashed on disk, compared with
//! what the manifest lists.

use std::collections::BTreeMap;
use std::path::Path;

use crate::access::{hash, kind_of, list};
use crate::error::BundleError;
use crate::layout::{BODIES_DIR, MANIFEST, MAX_DEPTH, MAX_FILE_BYTES, MAX_FILES, SCRIPTS_DIR};
use crate::{Bundle, Manifest};

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
    /// Not read (a symbolic link, a named pipe, a device, a socket, too
    /// large, too deep, too many files), and why.
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

impl Bundle {
    /// Hashes every file of the bundle but the manifest, and lists what
    /// cannot be part of a bundle (symbolic links, named pipes, devices,
    /// sockets, files larger than [`MAX_FILE_BYTES`], folders too deep, too
    /// many files), none of which is opened.
    pub fn hash_files(&self) -> Result<HashedFiles, BundleError> {
        let mut hashed = HashedFiles::default();
        walk(&self.root, "", 0, &mut hashed)?;
        Ok(hashed)
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
}

fn walk(
    root: &Path,
    prefix: &str,
    depth: usize,
    hashed: &mut HashedFiles,
) -> Result<(), BundleError> {
    for (name, kind) in list(root, prefix)? {
        let relative = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if depth == 0 && name == MANIFEST {
            continue;
        }
        if kind.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                hashed.refused.push(format!("{relative}: nested too deep"));
            } else {
                walk(root, &relative, depth + 1, hashed)?;
            }
        } else if !kind.is_file() {
            // Links, pipes, devices and sockets are never opened: a link
            // reads outside the bundle, a pipe or a device never ends.
            hashed
                .refused
                .push(format!("{relative}: {}", kind_of(&kind)));
        } else if hashed.files.len() >= MAX_FILES {
            hashed
                .refused
                .push(format!("{relative}: more than {MAX_FILES} files"));
            return Ok(());
        } else {
            match hash(root, &relative, MAX_FILE_BYTES) {
                Ok(sha256) => {
                    hashed.files.insert(relative, sha256);
                }
                // Refused when opened (swapped for a link, grown too large).
                Err(BundleError::Invalid { message, .. }) => {
                    hashed.refused.push(format!("{relative}: {message}"));
                }
                Err(error) => return Err(error),
            }
        }
    }
    Ok(())
}
