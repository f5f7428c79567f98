//! Errors of loading intelligence data.

use std::path::PathBuf;

/// Why intelligence data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A data file is not valid TOML or JSON of the expected shape.
    #[error("cannot parse {origin}: {message}")]
    Parse {
        /// The file (or built-in resource) that failed.
        origin: String,
        /// The parser's message.
        message: String,
    },
    /// The data parsed but breaks a rule of the schema (a fact without a
    /// source, a domain claimed twice, a flag naming an unknown list, ...).
    #[error("invalid intelligence data:\n  {}", problems.join("\n  "))]
    Invalid {
        /// One line per problem, each naming its file.
        problems: Vec<String>,
    },
    /// A file is larger than outflow accepts for its kind.
    #[error("{path} is {size} bytes, more than the {limit} accepted")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}
