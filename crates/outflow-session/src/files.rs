//! `outflow js`: static analysis of scripts, HTML pages and JSON-wrapped
//! bundles, reported like a visit.

use std::io::Write;

use crate::analyser::{AttributionOptions, TOOL_VERSION};
use crate::error::{Result, SessionError};
use crate::output::{ExitStatus, OutputOptions, ReportFormat, emit, exit_status};

/// What `outflow js` analyses, and how.
#[derive(Debug, Clone)]
pub struct FilesRequest {
    /// Files or directories (walked, honouring .gitignore); `-` reads
    /// standard input.
    pub inputs: Vec<String>,
    /// Script-analysis limits.
    pub js: outflow_js::Options,
    /// The site the scripts belong to, for first or third party.
    pub site: Option<String>,
    /// How hosts are attributed.
    pub attribution: AttributionOptions,
    /// How the report is printed and when it fails the run.
    pub output: OutputOptions,
}

/// Analyses the files into one report and prints it: in terminal format
/// the per-script detail of static analysis, then the findings; in the
/// other formats the report as a visit's. Exit status 2 when an input could
/// not be read or analysed at all (after printing what could be).
pub fn analyse_files(request: &FilesRequest) -> Result<ExitStatus> {
    let intel = request.attribution.intel()?;
    let pipeline = outflow_pipeline::Pipeline {
        js: &request.js,
        intel: intel.as_ref(),
        site: request.site.as_deref(),
        tool_version: TOOL_VERSION,
    };
    let report = outflow_pipeline::report_files(&request.inputs, &pipeline);
    match request.output.format {
        ReportFormat::Terminal => {
            let text = outflow_report::js_terminal(&report);
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(|source| SessionError::Output {
                    what: "writing the report",
                    source,
                })?;
        }
        format => emit(std::slice::from_ref(&report), format, request.output.color)?,
    }
    let failed: Vec<&str> = report
        .documents
        .iter()
        .filter(|d| d.error.is_some())
        .map(|d| d.path.as_str())
        .collect();
    for path in &failed {
        tracing::warn!("not analysed: {path}");
    }
    Ok(exit_status(
        std::slice::from_ref(&report),
        request.output.fail_on,
        !failed.is_empty(),
    ))
}
