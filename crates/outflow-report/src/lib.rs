//! outflow's output formats. Each format is a function from model types to
//! text; none knows how the facts were found.
//!
//! - [`js_terminal`]: the human-readable summary of `outflow js`.
//! - [`terminal`]: the human-readable report of a page, HAR or files.
//! - [`json`]: the versioned JSON document of every analysis.

mod js_terminal;
mod terminal;

pub use js_terminal::js_terminal;
pub use terminal::{evidence_line, terminal};

use outflow_model::Report;

/// A report as pretty-printed JSON. Field order is the model's declaration
/// order and every list in a [`Report`] is sorted by its producer, so two
/// reports of the same input diff cleanly.
pub fn json(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
