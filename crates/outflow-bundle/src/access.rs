//! Reading a bundle that may come from anyone: every file of a bundle is
//! opened by [`open`], so that what may be read is decided here and nowhere
//! else.
//!
//! A bundle file is named by its path relative to the bundle's top, and
//! opened only when that path stays inside the bundle (no `..`, no absolute
//! path), every folder on the way is a real folder (not a symbolic link),
//! and the file itself is a regular file: it is opened without following a
//! symbolic link (`O_NOFOLLOW`) and without waiting for a writer
//! (`O_NONBLOCK`, so that a named pipe cannot hang the reader), and its
//! type is checked on the opened file, so that nothing swapped in between
//! a check and the open is read. Every read stops at a size limit, whatever
//! size the file system claims (files under `/proc` claim 0 bytes).

use std::fs::{File, FileType};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::BundleError;

/// Opens the file `relative` (`/`-separated) of the bundle at `root` for
/// reading, refusing what is not a regular file inside the bundle or is
/// larger than `limit` bytes. The error names the file and says why.
pub(crate) fn open(root: &Path, relative: &str, limit: u64) -> Result<File, BundleError> {
    let path = inside(root, relative)?;
    let file = open_no_follow(&path).map_err(|error| refusal(relative, &error))?;
    let meta = file
        .metadata()
        .map_err(|source| io_error(relative, source))?;
    if !meta.is_file() {
        return Err(invalid(relative, kind_of(&meta.file_type()).to_string()));
    }
    if meta.len() > limit {
        return Err(invalid(relative, format!("larger than {limit} bytes")));
    }
    Ok(file)
}

/// The file `relative` of the bundle, read whole, at most `limit` bytes.
pub(crate) fn read(root: &Path, relative: &str, limit: u64) -> Result<Vec<u8>, BundleError> {
    let file = open(root, relative, limit)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| io_error(relative, source))?;
    if bytes.len() as u64 > limit {
        return Err(invalid(relative, format!("larger than {limit} bytes")));
    }
    Ok(bytes)
}

/// A JSON document of the bundle, parsed.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    root: &Path,
    relative: &str,
    limit: u64,
) -> Result<T, BundleError> {
    let bytes = read(root, relative, limit)?;
    serde_json::from_slice(&bytes).map_err(|e| invalid(relative, e.to_string()))
}

/// The lower-case hex SHA-256 of a bundle file's contents, read in pieces,
/// at most `limit` bytes.
pub(crate) fn hash(root: &Path, relative: &str, limit: u64) -> Result<String, BundleError> {
    let mut file = open(root, relative, limit)?.take(limit.saturating_add(1));
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|source| io_error(relative, source))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(invalid(relative, format!("larger than {limit} bytes")));
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// A script body as text (invalid UTF-8 replaced, as a live scan does), or
/// `None` when it cannot be read or is longer than `max_bytes` (longer
/// scripts are not analysed, as in a live scan).
pub(crate) fn read_script(root: &Path, relative: &str, max_bytes: u64) -> Option<String> {
    let bytes = read(root, relative, max_bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Whether a bundle file (a request body the capture implies) is there, as
/// a regular file inside the bundle.
pub(crate) fn is_present(root: &Path, relative: &str) -> bool {
    inside(root, relative)
        .and_then(|path| {
            std::fs::symlink_metadata(&path).map_err(|source| io_error(relative, source))
        })
        .is_ok_and(|meta| meta.is_file())
}

/// The entries of the bundle folder `relative` (empty: the top), sorted by
/// name, with their types as the folder lists them (links not followed).
pub(crate) fn list(root: &Path, relative: &str) -> Result<Vec<(String, FileType)>, BundleError> {
    let path = if relative.is_empty() {
        root.to_path_buf()
    } else {
        let path = inside(root, relative)?;
        let meta = std::fs::symlink_metadata(&path).map_err(|source| io_error(relative, source))?;
        if !meta.is_dir() {
            return Err(invalid(relative, kind_of(&meta.file_type()).to_string()));
        }
        path
    };
    let shown = if relative.is_empty() { "." } else { relative };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(&path).map_err(|source| io_error(shown, source))? {
        let entry = entry.map_err(|source| io_error(shown, source))?;
        let kind = entry
            .file_type()
            .map_err(|source| io_error(shown, source))?;
        entries.push((entry.file_name().to_string_lossy().into_owned(), kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// What a directory entry is, in words, for a refusal: every kind but a
/// regular file and a folder is refused.
pub(crate) fn kind_of(kind: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder, not a file"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// `root/relative`, when `relative` names something inside the bundle
/// reached through real folders only.
fn inside(root: &Path, relative: &str) -> Result<PathBuf, BundleError> {
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = relative.split('/').collect();
    let plain = |part: &str| {
        let mut components = Path::new(part).components();
        matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none()
    };
    if relative.is_empty() || relative.contains('\\') || !parts.iter().all(|p| plain(p)) {
        return Err(invalid(relative, "outside the bundle".to_string()));
    }
    for (index, part) in parts.iter().enumerate() {
        path.push(part);
        if index + 1 < parts.len() {
            let shown = parts[..=index].join("/");
            let meta =
                std::fs::symlink_metadata(&path).map_err(|source| io_error(&shown, source))?;
            if !meta.is_dir() {
                return Err(invalid(
                    relative,
                    format!(
                        "{shown} on the way is not a real folder ({})",
                        kind_of(&meta.file_type())
                    ),
                ));
            }
        }
    }
    Ok(path)
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    // Without O_NOFOLLOW: refuse a link seen just before opening.
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::other("a symbolic link"));
    }
    File::open(path)
}

/// An open that failed: a link refused by `O_NOFOLLOW` says so.
fn refusal(relative: &str, error: &std::io::Error) -> BundleError {
    #[cfg(unix)]
    if error.raw_os_error() == Some(libc::ELOOP) {
        return invalid(relative, "a symbolic link".to_string());
    }
    invalid(relative, format!("cannot be opened: {error}"))
}

fn io_error(relative: &str, source: std::io::Error) -> BundleError {
    BundleError::Io {
        what: format!("reading {relative}"),
        source,
    }
}

fn invalid(relative: &str, message: String) -> BundleError {
    BundleError::Invalid {
        path: relative.to_string(),
        message,
    }
}
