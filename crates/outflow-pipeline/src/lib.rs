//! outflow's analysis pipeline, the part every command shares: from what
//! was captured (a browser visit or a HAR file) or from local files, to a
//! [`Report`]:
//!
//! 1. analyse each script's code (`outflow-js`: parsing, deobfuscation,
//!    endpoints, API use, obfuscation signals), each distinct body once;
//! 2. attribute every host contacted or named (`outflow-intel`);
//! 3. read the page facts of a capture: the Subresource Integrity verdict
//!    of each `<script src>` ([`integrity`]), the main document's security
//!    headers and the origins contacted by CSP directive;
//! 4. run the rules (`outflow-detect`);
//! 5. assemble the report: summary, findings, attributions, the script
//!    inventory, integrity and the script → host flows.
//!
//! The pipeline is the only reader of a capture: what the store keeps
//! besides the report comes out of here too ([`AnalysedCapture`]).
//!
//! Every step is a pure function of its input: a saved capture with its
//! script bodies gives the same report again, offline.

mod assemble;
mod capture;
mod files;
pub mod integrity;
mod page;

pub use capture::{AnalysedCapture, Sources, analyse_capture, report_capture, script_name};
pub use files::report_files;

use outflow_intel::Intel;

/// What a pipeline run needs besides its input.
#[derive(Clone, Copy)]
pub struct Pipeline<'a> {
    /// Limits and switches of script analysis.
    pub js: &'a outflow_js::Options,
    /// Host intelligence; `None` leaves hosts unattributed (every host then
    /// counts as a third party of unknown owner).
    pub intel: Option<&'a Intel>,
    /// The analysed site (URL or host), for first or third party; for a
    /// capture, its target is used when this is `None`.
    pub site: Option<&'a str>,
    /// The outflow version written into the report.
    pub tool_version: &'a str,
}
