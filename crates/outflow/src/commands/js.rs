//! `outflow js`: static analysis of scripts, HTML pages and JSON-wrapped
//! bundles.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::args::{Format, ReportArgs};

/// Arguments of `outflow js`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to analyse (directories are walked, honouring
    /// .gitignore); `-` reads standard input.
    #[arg(required = true, value_name = "FILE|DIR|-")]
    pub inputs: Vec<String>,

    /// Scripts larger than this many bytes are skipped with a note.
    #[arg(long, default_value_t = outflow_js::Options::default().max_script_bytes)]
    pub max_script_bytes: usize,

    /// The site the scripts belong to, for first or third party.
    #[arg(long, value_name = "URL")]
    pub site: Option<String>,

    /// Layers of code built at run time (`eval(atob(…))`) decoded and
    /// analysed.
    #[arg(long, default_value_t = outflow_js::Options::default().max_decoded_depth)]
    pub max_decoded_depth: u32,

    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `outflow js`. Exits 2 when an input could not be read or analysed
/// at all, after printing what could be.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = outflow_js::Options {
        max_script_bytes: args.max_script_bytes,
        max_decoded_depth: args.max_decoded_depth,
        ..outflow_js::Options::default()
    };
    let intel = args.report.attribution().intel()?;
    let pipeline = outflow_pipeline::Pipeline {
        js: &options,
        intel: intel.as_ref(),
        site: args.site.as_deref(),
        tool_version: outflow_session::TOOL_VERSION,
    };
    let report = outflow_pipeline::report_files(&args.inputs, &pipeline);
    match args.report.format {
        // The per-script detail of static analysis, then the findings.
        Format::Terminal => {
            let text = outflow_report::js_terminal(&report);
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .context("writing the report")?;
        }
        _ => {
            let output = args.report.output();
            outflow_session::emit(std::slice::from_ref(&report), output.format, output.color)?
        }
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
    Ok(ExitCode::from(outflow_session::exit_status(
        std::slice::from_ref(&report),
        args.report.fail_on,
        !failed.is_empty(),
    )))
}
