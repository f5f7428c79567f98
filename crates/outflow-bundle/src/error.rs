//! What can go wrong writing, reading or verifying a bundle.

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
    /// A folder a bundle may not be written into (`--out DIR`).
    #[error("cannot write an evidence bundle into {path}: {message}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        message: String,
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

/// Why a bundle could not be verified at all (as opposed to a bundle whose
/// report does not stand, which [`crate::Verification`] describes).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The manifest is missing or not a manifest.
    #[error("reading the bundle's manifest in {dir}")]
    Manifest {
        /// The bundle folder.
        dir: String,
        /// Why.
        #[source]
        source: BundleError,
    },
    /// The bundle's files could not be walked.
    #[error("hashing the bundle's files")]
    Files(#[source] BundleError),
}

/// Maps an I/O error to [`BundleError::Io`] saying what was being done.
pub(crate) fn io(what: String) -> impl FnOnce(std::io::Error) -> BundleError {
    move |source| BundleError::Io { what, source }
}
