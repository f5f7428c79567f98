//! outflow's analysis pipeline, the part every command shares: from what
//! was captured (a browser visit or a HAR file) or from local files, to a
//! [`Report`]:
//!
//! 1. analyse each script's code (`outflow-js`: parsing, deobfuscation,
//!    endpoints, API use, obfuscation signals), each distinct body once;
//! 2. attribute every host contacted or named (`outflow-intel`);
//! 3. run the rules (`outflow-detect`);
//! 4. assemble the report: summary, findings, attributions, the script
//!    inventory and the script → host flows.
//!
//! Every step is a pure function of its input: a saved capture with its
//! script bodies gives the same report again, offline.

mod assemble;
mod capture;
mod files;

pub use capture::{Sources, report_capture, script_name};
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
