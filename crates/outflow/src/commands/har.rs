//! `outflow har`: a HAR 1.2 recording as a capture, analysed like a visit.

use std::path::PathBuf;
use std::process::ExitCode;

use outflow_session::{HarRequest, TypedOptions};

use crate::args::{FollowArgs, ReportArgs};

/// Arguments of `outflow har`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// HAR files (Chrome DevTools, Firefox, Playwright, mitmproxy exports).
    #[arg(required = true, value_name = "FILE.har")]
    pub files: Vec<PathBuf>,

    /// Write the evidence bundle here: the capture, the scripts found in
    /// responses (by SHA-256), request bodies, report.json, report.html,
    /// report.sarif and manifest.json (one sub-folder per file when there
    /// are several). `outflow verify DIR` re-checks it offline.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print the capture JSON instead of analysing it (no report).
    #[arg(long)]
    pub capture_only: bool,

    /// Save each report in the history database under its page's URL, as
    /// `outflow scan` does: `history`, `diff`, `inventory` and `csp` then
    /// cover HAR recordings too.
    #[arg(long)]
    pub save: bool,

    /// A value typed while recording, as KIND=VALUE (kinds: the canary
    /// kinds, e.g. email, password, phone, username, name); repeatable.
    /// Its leaks are searched as a scan's canaries are. Shown masked
    /// unless --show-typed; kept in full in the --out bundle.
    #[arg(long, value_name = "KIND=VALUE")]
    pub typed: Vec<String>,

    /// A file of typed values, one KIND=VALUE a line (# comments).
    #[arg(long, value_name = "FILE")]
    pub typed_file: Option<PathBuf>,

    /// Take the typed values from the recording's first-party form
    /// submissions and login requests (kind from the field name; short or
    /// common values are not searched).
    #[arg(long)]
    pub typed_from_forms: bool,

    /// Print typed values in full in terminal output.
    #[arg(long)]
    pub show_typed: bool,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `outflow har`. Exits 2 when a file could not be read as HAR, after
/// converting the others.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let request = HarRequest {
        follow: args.follow.options(args.save, args.save),
        files: args.files,
        out: args.out,
        capture_only: args.capture_only,
        attribution: args.report.attribution(),
        output: args.report.output(),
        typed: TypedOptions {
            typed: args.typed,
            typed_file: args.typed_file,
            from_forms: args.typed_from_forms,
            show: args.show_typed,
        },
    };
    Ok(ExitCode::from(outflow_session::har(&request)?))
}
