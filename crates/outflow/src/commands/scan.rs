//! `outflow scan`: visit pages in Chromium, record what they do, and
//! report what was found.

use std::path::PathBuf;
use std::process::ExitCode;

use outflow_session::{ScanRequest, VisitOptions};

use crate::args::{FollowArgs, ReportArgs};

/// Arguments of `outflow scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pages to visit.
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,

    /// Write the evidence bundle here: the capture, each script once by
    /// SHA-256 (`scripts/`), request bodies, report.json, report.html,
    /// report.sarif and manifest.json with the SHA-256 of every file (one
    /// sub-folder per capture when there are several URLs or personas).
    /// `outflow verify DIR` re-checks it offline.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print the capture JSON instead of analysing it (no report).
    #[arg(long)]
    pub capture_only: bool,

    /// Visit as these personas, one scan each: built-ins `us`, `eu`, `cn`,
    /// or paths of JSON persona files. Comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "NAME|FILE")]
    pub persona: Vec<String>,

    /// Send a host's connections to another address (like curl's
    /// --resolve): `PATTERN=IP[:PORT]`, PATTERN may start with `*.`.
    /// Repeatable.
    #[arg(long = "map-host", value_name = "PATTERN=IP[:PORT]")]
    pub map_host: Vec<String>,

    /// Submit the form after typing the canaries: a login form by Enter, a
    /// checkout by clicking its pay button (step by step).
    #[arg(long)]
    pub submit: bool,

    /// A payment processor allowed to receive card data (the domain and
    /// its subdomains): `card-data-exfiltration` does not report it.
    /// Repeatable; the policy file's `payment_processors` add to it.
    #[arg(long, value_name = "DOMAIN")]
    pub payment_processor: Vec<String>,

    /// Do not look for a login form or type canaries.
    #[arg(long, conflicts_with = "submit")]
    pub no_forms: bool,

    /// Seconds the page may take to load; recording goes on without it.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,

    /// Accept invalid TLS certificates (self-signed staging servers).
    #[arg(long)]
    pub ignore_https_errors: bool,

    /// Save each report in the history database (the default; kept for
    /// cron lines that say so).
    #[arg(long, conflicts_with = "no_save")]
    pub save: bool,

    /// Do not save the reports in the history database.
    #[arg(long)]
    pub no_save: bool,

    /// Start Chromium without its sandbox, for machines where it cannot
    /// start one (no user namespaces, no setuid sandbox helper). Every page
    /// is hostile: a renderer exploit would then run unconfined. Each
    /// capture and report says so.
    #[arg(long)]
    pub unsafe_no_sandbox: bool,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `outflow scan`. Exits 2 when a browser could not start or a page
/// could not be loaded at all, after writing every capture it could make.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let request = ScanRequest {
        visit: VisitOptions {
            map_host: args.map_host,
            timeout_secs: args.timeout,
            fill_forms: !args.no_forms,
            submit: args.submit,
            ignore_https_errors: args.ignore_https_errors,
        },
        follow: args
            .follow
            .options(!args.no_save, args.save || args.follow.db.db.is_some()),
        urls: args.urls,
        personas: args.persona,
        out: args.out,
        capture_only: args.capture_only,
        unsafe_no_sandbox: args.unsafe_no_sandbox,
        attribution: args.report.attribution(),
        output: args.report.output(),
        payment_processors: args.payment_processor,
    };
    Ok(ExitCode::from(outflow_session::scan(&request)?))
}
