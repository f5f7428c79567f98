//! Positions in a source text.
//!
//! Lines and columns are 1-based, as editors, SARIF and `Error().stack` count
//! them; columns count UTF-16 code units, as JavaScript engines and browser
//! developer tools do, so a location can be checked in a browser's own tools.
//! Byte offsets are kept beside them for tools that slice the source.

use serde::{Deserialize, Serialize};

/// A line and column in a source text (both 1-based).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Line number, counting from 1.
    pub line: u32,
    /// Column, counting UTF-16 code units from 1.
    pub column: u32,
}

/// A stretch of a source text: where it starts, where it ends, and its byte
/// range.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceSpan {
    /// First character of the stretch.
    pub start: Location,
    /// Position just after the last character.
    pub end: Location,
    /// Byte offset of the first character.
    pub byte_start: u32,
    /// Byte offset just after the last character.
    pub byte_end: u32,
}
