//! `outflow har`: a HAR 1.2 recording as a capture, analysed like a visit.

use std::path::PathBuf;
use std::process::ExitCode;

use outflow_capture::{CaptureDir, capture_name};

use super::report_output::{Analyser, ReportArgs};
use super::scan::{Analysed, finish_run, summarise};

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

    #[command(flatten)]
    pub follow: super::watch::FollowArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `outflow har`. Exits 2 when a file could not be read as HAR, after
/// converting the others.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.follow.check()?;
    let dir = args.out.as_deref().map(CaptureDir::create).transpose()?;
    let analyser = Analyser::load(&args.report, !args.capture_only)?;
    let mut any_failed = false;
    let mut printed = Vec::new();
    let mut reports = Vec::new();
    let mut page_facts = Vec::new();
    for file in &args.files {
        match outflow_capture::import_har_file(file) {
            Ok(import) => {
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let name = capture_name(&stem, None);
                summarise(&name, &import.capture);
                // History is kept by page URL: a recording without one
                // cannot be saved.
                let saveable = !import.capture.target.is_empty();
                if !args.capture_only && !saveable && (args.save || args.follow.alert_on_change) {
                    eprintln!("  {name}: no page URL in the HAR file; not saved");
                }
                let analysed = Analysed {
                    dir: dir.as_ref(),
                    name: &name,
                    capture_only: args.capture_only,
                    analyser: &analyser,
                };
                let facts =
                    analysed.finish(import.capture, &import.sources, &mut printed, &mut reports)?;
                if !args.capture_only {
                    page_facts.push(facts.filter(|_| saveable));
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                any_failed = true;
            }
        }
    }
    let follow = super::watch::FollowUp {
        save: args.save && !args.capture_only,
        save_asked: args.save,
        options: super::watch::FollowArgs {
            alert_on_change: args.follow.alert_on_change && !args.capture_only,
            ..args.follow.clone()
        },
    };
    let code = finish_run(printed, &reports, &args.report, any_failed)?;
    let violated = super::watch::follow_up(&follow, &reports, &page_facts)?;
    if violated && !any_failed {
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}
