//! Reading a bundle that may come from anyone: every file of a bundle is
//! opened by [`open`], so that what may be read (which kinds of file, how
//! large) is decided here and nowhere else.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{BundleError, io};
use crate::layout::MAX_DOCUMENT_BYTES;

/// Why a bundle file is opened, which decides what is accepted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Access {
    /// A JSON document read whole (manifest, capture, report): a regular
    /// file, not reached through a symbolic link, of at most
    /// [`MAX_DOCUMENT_BYTES`].
    Document,
    /// A file hashed while walking the bundle, which skips symbolic links
    /// before it gets here.
    Hash,
    /// A script body analysed again, when it is at most `max_bytes` long
    /// (longer ones are not analysed, as in a live scan).
    Script {
        /// The script-analysis limit.
        max_bytes: u64,
    },
}

/// Opens one file of a bundle for reading.
pub(crate) fn open(path: &Path, access: Access) -> Result<File, BundleError> {
    let reading = || format!("reading {}", path.display());
    match access {
        Access::Document => {
            let meta = std::fs::symlink_metadata(path).map_err(io(reading()))?;
            if !meta.is_file() {
                return Err(invalid(path, "not a regular file".to_string()));
            }
            if meta.len() > MAX_DOCUMENT_BYTES {
                return Err(invalid(
                    path,
                    format!("larger than {MAX_DOCUMENT_BYTES} bytes"),
                ));
            }
        }
        Access::Script { max_bytes } => {
            let meta = std::fs::metadata(path).map_err(io(reading()))?;
            if meta.len() > max_bytes {
                return Err(invalid(path, format!("larger than {max_bytes} bytes")));
            }
        }
        Access::Hash => {}
    }
    File::open(path).map_err(io(reading()))
}

/// A JSON document of the bundle, read whole.
pub(crate) fn read_document(path: &Path) -> Result<Vec<u8>, BundleError> {
    let mut bytes = Vec::new();
    open(path, Access::Document)?
        .read_to_end(&mut bytes)
        .map_err(io(format!("reading {}", path.display())))?;
    Ok(bytes)
}

/// A JSON document of the bundle, parsed.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BundleError> {
    let bytes = read_document(path)?;
    serde_json::from_slice(&bytes).map_err(|e| invalid(path, e.to_string()))
}

/// The lower-case hex SHA-256 of a file's contents, read in pieces.
pub(crate) fn hash_file(path: &Path) -> Result<String, BundleError> {
    let mut file = open(path, Access::Hash)?;
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

/// A script body as text (invalid UTF-8 replaced, as a live scan does),
/// or `None` when it cannot be read or is longer than `max_bytes`.
pub(crate) fn read_script(path: &Path, max_bytes: u64) -> Option<String> {
    let mut bytes = Vec::new();
    open(path, Access::Script { max_bytes })
        .ok()?
        .read_to_end(&mut bytes)
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Whether a file the manifest implies (a request body) is there.
pub(crate) fn is_present(path: &Path) -> bool {
    path.is_file()
}

fn invalid(path: &Path, message: String) -> BundleError {
    BundleError::Invalid {
        path: path.display().to_string(),
        message,
    }
}
