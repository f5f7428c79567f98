//! outflow's output formats. Each format is a function from model types to
//! text; none knows how the facts were found.
//!
//! - [`js_terminal`]: the human-readable summary of `outflow js`.
//! - [`js_json`]: the versioned JSON document of `outflow js`.

mod js_terminal;

pub use js_terminal::js_terminal;

use outflow_model::{Attribution, DocumentAnalysis, JsReport, SCHEMA_VERSION};

/// The JSON report of `outflow js`, pretty-printed, fields in a stable
/// order so that two reports diff cleanly.
pub fn js_json(
    documents: &[DocumentAnalysis],
    attributions: &[Attribution],
    tool_version: &str,
) -> String {
    let report = JsReport {
        schema_version: SCHEMA_VERSION.to_owned(),
        tool_version: tool_version.to_owned(),
        documents: documents.to_vec(),
        attributions: attributions.to_vec(),
    };
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
