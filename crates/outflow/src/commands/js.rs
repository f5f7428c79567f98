//! `outflow js`: static analysis of scripts, HTML pages and JSON-wrapped
//! bundles.

use std::process::ExitCode;

use crate::args::ReportArgs;

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

/// Runs `outflow js` (see [`outflow_session::analyse_files`]). Exits 2
/// when an input could not be read or analysed at all, after printing what
/// could be.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let status = outflow_session::analyse_files(&outflow_session::FilesRequest {
        inputs: args.inputs,
        js: outflow_js::Options {
            max_script_bytes: args.max_script_bytes,
            max_decoded_depth: args.max_decoded_depth,
            ..outflow_js::Options::default()
        },
        site: args.site,
        attribution: args.report.attribution(),
        output: args.report.output(),
    })?;
    Ok(ExitCode::from(status))
}
