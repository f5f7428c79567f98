//! outflow's output formats. Each format is a function from model types to
//! text; none knows how the facts were found.
//!
//! - [`terminal`] / [`terminal_with`]: the human-readable report of a page,
//!   HAR or files, with colour and widths fitting the terminal.
//! - [`js_terminal`]: the per-script detail of `outflow js`.
//! - [`json`]: the versioned JSON document of every analysis, described by
//!   [`REPORT_SCHEMA`].
//! - [`sarif`]: SARIF 2.1.0 for code-scanning tools.
//! - [`html`]: one self-contained HTML file, safe with hostile content.
//! - [`diff_terminal`]: what changed between two saved scans.
//! - [`whois_terminal`]: who is behind a host, with sources.
//!
//! Writing these to files (the evidence bundle, `--out DIR`) is
//! `outflow-bundle`'s.

mod diff;
mod html;
mod invisible;
mod js_terminal;
mod sarif;
mod style;
mod terminal;
mod whois;

pub use diff::diff_terminal;
pub use html::{html, html_many};
pub use js_terminal::js_terminal;
pub use sarif::{RuleDoc, SARIF_SCHEMA_URI, sarif, uri_of};
pub use style::{ColorMode, MIN_WIDTH, TerminalOptions, clean};
pub use terminal::{channel_name, evidence_line, terminal, terminal_with};
pub use whois::whois_terminal;

use outflow_model::Report;

/// The JSON Schema (draft 2020-12) of [`json`]'s output, generated from the
/// model types (`schema/report.schema.json` in the repository; a test keeps
/// them equal).
pub const REPORT_SCHEMA: &str = include_str!("../../../schema/report.schema.json");

/// A report as pretty-printed JSON. Field order is the model's declaration
/// order and every list in a [`Report`] is sorted by its producer, so two
/// reports of the same input diff cleanly.
pub fn json(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
