//! `outflow crawl`: scan a list of sites, N at a time, into a crawl
//! database (SQLite, or PostgreSQL shared with `outflow worker`s); and
//! `outflow crawl stats|status` to read it back.

use std::path::PathBuf;
use std::process::ExitCode;

use outflow_crawl::{CrawlRequest, ReadoutRequest};

use crate::args::{CrawlDbArgs, RunArgs};

/// Arguments of `outflow crawl`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<CrawlCommand>,

    /// The sites to scan, one per line: URLs or bare host names (`rank,host`
    /// lines as in the Tranco list work too); `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// The crawl's name: running again with the same name resumes it (done
    /// sites are skipped). Default: the input file's name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Scan each site as these personas (built-ins `us`, `eu`, `cn`, or
    /// persona files), one job each. Comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "NAME|FILE")]
    pub persona: Vec<String>,

    /// Send a host's connections to another address: `PATTERN=IP[:PORT]`.
    /// Stored with the crawl, so every worker applies it. Repeatable.
    #[arg(long = "map-host", value_name = "PATTERN=IP[:PORT]")]
    pub map_host: Vec<String>,

    /// Seconds a page may take to load.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,

    /// Seconds a whole site's scan may take before it is abandoned and
    /// retried.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub site_timeout: u64,

    /// Attempts per site before it is marked failed (its error kept).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub max_attempts: u32,

    /// Seconds before the first retry, doubled on each further one.
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub retry_delay: u64,

    /// Seconds a job stays leased to a worker that stopped renewing it
    /// (crashed); then another worker takes it.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub lease: u64,

    /// Do not look for a login form or type canaries.
    #[arg(long)]
    pub no_forms: bool,

    /// Only queue the sites (for `outflow worker`s to scan).
    #[arg(long)]
    pub enqueue_only: bool,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub db: CrawlDbArgs,
}

/// `outflow crawl stats|status`.
#[derive(Debug, clap::Subcommand)]
pub enum CrawlCommand {
    /// Aggregate tables of a crawl: sites with each finding, the most common
    /// third parties and entities, leaks by encoding and destination,
    /// fingerprinting prevalence.
    Stats(StatsArgs),
    /// Every job of a crawl: state, attempts, worker, last error.
    Status(StatusArgs),
}

/// Arguments of `outflow crawl stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// The crawl (default: the most recent).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Also write each table as CSV here.
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,

    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub db: CrawlDbArgs,
}

/// Arguments of `outflow crawl status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The crawl (default: the most recent).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Print every job as JSON (one object with counts and jobs).
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub db: CrawlDbArgs,
}

/// Runs `outflow crawl` (see [`outflow_crawl::crawl`]). Exits 2 when sites
/// failed for good, 130 (143) when stopped by Ctrl-C (SIGTERM), else 0.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let code = match args.command {
        Some(CrawlCommand::Stats(stats)) => {
            outflow_crawl::print_stats(
                &ReadoutRequest {
                    db: stats.db.db,
                    name: stats.name,
                    json: stats.json,
                },
                stats.csv.as_ref(),
            )?;
            0
        }
        Some(CrawlCommand::Status(status)) => {
            outflow_crawl::print_status(&ReadoutRequest {
                db: status.db.db,
                name: status.name,
                json: status.json,
            })?;
            0
        }
        None => outflow_crawl::crawl(&CrawlRequest {
            input: args.input,
            name: args.name,
            personas: args.persona,
            map_host: args.map_host,
            page_timeout_secs: args.timeout,
            site_timeout_secs: args.site_timeout,
            max_attempts: args.max_attempts,
            retry_base_secs: args.retry_delay,
            lease_secs: args.lease,
            fill_forms: !args.no_forms,
            enqueue_only: args.enqueue_only,
            db: args.db.db,
            run: args.run.options(),
        })?,
    };
    Ok(ExitCode::from(code))
}
