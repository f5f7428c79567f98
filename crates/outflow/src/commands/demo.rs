//! `outflow demo`: the whole story on the built-in demo site, with no
//! network: serve the site on loopback, scan each page as a visitor would be
//! scanned (the chat login under two personas), and report.

use std::path::PathBuf;
use std::process::ExitCode;

use outflow_session::DemoRequest;

use crate::args::ReportArgs;

/// Arguments of `outflow demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the evidence (captures, scripts, reports) is written.
    #[arg(long, value_name = "DIR", default_value = "outflow-demo")]
    pub out: PathBuf,

    /// Seconds each page may take to load.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    pub timeout: u64,

    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `outflow demo`. Exits 2 when the browser could not start or a page
/// could not be scanned.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let request = DemoRequest {
        out: args.out,
        timeout_secs: args.timeout,
        attribution: args.report.attribution(),
        output: args.report.output(),
    };
    Ok(ExitCode::from(outflow_session::demo(&request)?))
}
