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

/// Runs `outflow worker` (see [`outflow_crawl::work`]) until the queue is
/// empty (or forever with `--wait`), or until Ctrl-C or SIGTERM (exit 130
/// or 143, the jobs in progress released).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let code = outflow_crawl::work(&outflow_crawl::WorkerRequest {
        db: args.db.db,
        crawl: args.crawl,
        wait: args.wait,
        map_host: args.map_host,
        run: args.run.options(),
    })?;
    Ok(ExitCode::from(code))
}
