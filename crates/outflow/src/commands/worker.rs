//! `outflow worker`: claim and scan jobs of every open crawl in a shared
//! database, on as many machines as wanted.

use std::process::ExitCode;

use crate::args::{CrawlDbArgs, RunArgs};

/// Arguments of `outflow worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: CrawlDbArgs,

    /// Only this crawl's jobs (default: every open crawl).
    #[arg(long, value_name = "NAME")]
    pub crawl: Option<String>,

    /// Keep waiting for new jobs when the queue is empty.
    #[arg(long)]
    pub wait: bool,

    /// This machine's host mappings, added to each crawl's own:
    /// `PATTERN=IP[:PORT]`. Repeatable.
    #[arg(long = "map-host", value_name = "PATTERN=IP[:PORT]")]
    pub map_host: Vec<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Runs `outflow worker` until the queue is empty (or forever with
/// `--wait`), or until Ctrl-C or SIGTERM (exit 130 or 143, the jobs in
/// progress released).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mappings = outflow_session::parse_mappings(&args.map_host)?;
    let (target, mut queue) = args.db.open()?;
    let crawl = match &args.crawl {
        Some(name) => Some(
            queue
                .find_crawl(Some(name))?
                .ok_or_else(|| anyhow::anyhow!("no crawl named {name:?} in this database"))?
                .id,
        ),
        None => None,
    };
    drop(queue);
    let end = args.run.run(target, crawl, args.wait, mappings)?;
    let summary = end.summary;
    eprintln!(
        "this worker: {} done, {} failed, {} retried, {} results dropped (lease lost), {} released",
        summary.done, summary.failed, summary.retried, summary.lease_lost, summary.released
    );
    Ok(end.interrupted.map_or(ExitCode::SUCCESS, ExitCode::from))
}
