//! What can go wrong before an evaluation can run.

use std::path::PathBuf;

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The labels file could not be read.
    #[error("cannot read the labels file {path}: {source}")]
    ReadLabels {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The labels file is not valid.
    #[error("invalid labels file {path}: {message}")]
    ParseLabels {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The labels name rules that are not declared (a misspelt slug would
    /// otherwise be judged on nothing and count every sample as missed).
    #[error(
        "the labels file {path} names unknown rules: {}; `outflow rules` lists them",
        .rules.join(", ")
    )]
    UnknownRules {
        /// The file.
        path: PathBuf,
        /// The slugs no rule has, sorted.
        rules: Vec<String>,
    },
    /// Samples named by the labels are missing on disk.
    #[error(
        "{} sample(s) of the corpus are missing: {}; the npm corpus is installed by scripts/setup (scripts/setup.d/40-eval-corpus.sh)",
        .0.len(),
        .0.join(", ")
    )]
    MissingSamples(Vec<String>),
    /// The evaluation could not be serialised.
    #[error("serialising the evaluation")]
    Serialise(#[from] serde_json::Error),
}
