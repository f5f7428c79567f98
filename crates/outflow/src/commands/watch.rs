//! `outflow watch`: rescan pages on a schedule and alert on change.

use std::process::ExitCode;
use std::time::Duration;

use outflow_session::{AttributionOptions, VisitOptions, WatchRequest};

use crate::args::{DbArgs, DocumentFormat, parse_interval};

/// Arguments of `outflow watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pages to watch.
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,

    /// Time between two rounds of scans: a number with s, m, h or d
    /// (`6h`, `30m`).
    #[arg(long, value_name = "INTERVAL", value_parser = parse_interval)]
    pub every: Duration,

    /// POST each change as JSON to this URL.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,

    /// Deliveries tried before a webhook alert is given up (back-off
    /// doubles from one second).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub webhook_attempts: u32,

    /// Stop after this many rounds (0: never).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub rounds: u32,

    /// Visit as this persona (`us`, `eu`, `cn` or a persona file).
    #[arg(long, value_name = "NAME|FILE")]
    pub persona: Option<String>,

    /// Send a host's connections to another address:
    /// `PATTERN=IP[:PORT]`. Repeatable.
    #[arg(long = "map-host", value_name = "PATTERN=IP[:PORT]")]
    pub map_host: Vec<String>,

    /// Do not look for a login form or type canaries.
    #[arg(long)]
    pub no_forms: bool,

    /// Seconds a page may take to load.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,

    /// Accept invalid TLS certificates.
    #[arg(long)]
    pub ignore_https_errors: bool,

    /// Do not attribute hosts to their owners.
    #[arg(long)]
    pub no_intel: bool,

    /// Domains (with their subdomains) that belong to the site itself.
    #[arg(long, value_name = "DOMAIN")]
    pub first_party: Vec<String>,

    /// Format of the diffs printed on change.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: DocumentFormat,

    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `outflow watch`: exits only after `--rounds` rounds (or on an
/// error opening the database or starting).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let request = WatchRequest {
        urls: args.urls,
        every: args.every,
        rounds: args.rounds,
        persona: args.persona,
        visit: VisitOptions {
            map_host: args.map_host,
            timeout_secs: args.timeout,
            fill_forms: !args.no_forms,
            submit: false,
            ignore_https_errors: args.ignore_https_errors,
        },
        attribution: AttributionOptions {
            no_intel: args.no_intel,
            intel_dirs: Vec::new(),
            first_party: args.first_party,
        },
        db: args.db.db,
        webhook: args.webhook,
        webhook_attempts: args.webhook_attempts,
        format: args.format.into(),
    };
    Ok(ExitCode::from(outflow_session::watch(&request)?))
}
