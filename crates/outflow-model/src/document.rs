//! A file given to `outflow js`: a script, an HTML page or a JSON document,
//! and the scripts found in it.

use serde::{Deserialize, Serialize};

use crate::script::{Endpoint, ScriptAnalysis};

/// What kind of document a file was read as.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFormat {
    /// A JavaScript file (classic script or module).
    Javascript,
    /// An HTML page: its inline scripts are analysed and its `src`/`href`
    /// references listed.
    Html,
    /// A JSON document whose string values hold scripts.
    Json,
}

/// The analysis of one input file.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentAnalysis {
    /// The path as given, or `-` for standard input.
    pub path: String,
    /// How the file was read.
    pub format: DocumentFormat,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Set when the file could not be analysed at all (unreadable, binary,
    /// too large); partial results, if any, are still listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// URLs an HTML page makes the browser fetch: external scripts, frames,
    /// images, form targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Endpoint>,
    /// The scripts found in the file, each analysed.
    pub scripts: Vec<ScriptAnalysis>,
}
