//! `outflow crawl`: scan a list of sites, N at a time, into a crawl
//! database (SQLite, or PostgreSQL shared with `outflow worker`s); and
//! `outflow crawl stats|status` to read it back.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use outflow_crawl::{CrawlConfig, Queue, Stats, read_targets};

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

/// Runs `outflow crawl`. Exits 2 when sites failed for good, 130 (143)
/// when stopped by Ctrl-C (SIGTERM), else 0.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(CrawlCommand::Stats(stats)) => return run_stats(stats),
        Some(CrawlCommand::Status(status)) => return run_status(status),
        None => {}
    }
    let input = args
        .input
        .clone()
        .context("give --input FILE (the sites to crawl), or a subcommand: stats, status")?;
    outflow_session::parse_mappings(&args.map_host)?;
    outflow_session::resolve_personas(&args.persona)?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("the input has no file name: give --name")?,
    };
    let file =
        std::fs::File::open(&input).with_context(|| format!("opening {}", input.display()))?;
    let personas: Vec<String> = args.persona.iter().map(|p| p.trim().to_string()).collect();
    let (jobs, rejected) = read_targets(BufReader::new(file), &personas)?;
    for line in &rejected {
        eprintln!("skipped: {}: {line}", input.display());
    }
    let config = CrawlConfig {
        page_timeout_secs: args.timeout.max(1),
        site_timeout_secs: args.site_timeout.max(1),
        map_host: args.map_host.clone(),
        fill_forms: !args.no_forms,
        max_attempts: args.max_attempts.max(1),
        lease_secs: args.lease.max(1),
        retry_base_secs: args.retry_delay,
    };
    let (target, mut queue) = args.db.open()?;
    let crawl = queue
        .open_crawl(&name, &config)
        .context("opening the crawl")?;
    let mut added = 0;
    for chunk in jobs.chunks(1000) {
        added += queue.enqueue(crawl, chunk).context("queueing sites")?;
    }
    let counts = queue.counts(Some(crawl))?;
    eprintln!(
        "crawl {name}: {added} new jobs queued; {} jobs in all, {} done, {} failed",
        counts.total(),
        counts.done,
        counts.failed
    );
    if args.enqueue_only {
        return Ok(ExitCode::SUCCESS);
    }
    drop(queue);
    let end = args
        .run
        .run(target.clone(), Some(crawl), false, Vec::new())?;
    if let Some(code) = end.interrupted {
        return Ok(ExitCode::from(code));
    }
    let (_, mut queue) = args.db.open()?;
    let counts = queue.counts(Some(crawl))?;
    Ok(if counts.failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn find(queue: &mut dyn Queue, name: Option<&str>) -> anyhow::Result<outflow_crawl::CrawlInfo> {
    queue.find_crawl(name)?.with_context(|| match name {
        Some(name) => format!("no crawl named {name:?} in this database"),
        None => "no crawl in this database".to_string(),
    })
}

fn run_stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let (_, mut queue) = args.db.open()?;
    let crawl = find(queue.as_mut(), args.name.as_deref())?;
    let stats = Stats::compute(queue.as_mut(), &crawl).context("computing the statistics")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        print!("{}", stats.to_text());
    }
    if let Some(dir) = &args.csv {
        for path in stats.write_csv(dir)? {
            eprintln!("written: {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let (_, mut queue) = args.db.open()?;
    let crawl = find(queue.as_mut(), args.name.as_deref())?;
    let counts = queue.counts(Some(crawl.id))?;
    let jobs = queue.jobs(crawl.id)?;
    if args.json {
        let document = serde_json::json!({
            "crawl": crawl,
            "counts": counts,
            "jobs": jobs,
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        println!(
            "crawl {} ({}): {} jobs, {} done, {} failed, {} pending, {} running",
            crawl.name,
            crawl.state,
            counts.total(),
            counts.done,
            counts.failed,
            counts.pending,
            counts.running
        );
        for job in jobs
            .iter()
            .filter(|j| j.last_error.is_some() || j.state != outflow_crawl::JobState::Done)
        {
            println!(
                "  {:?} {}{} (attempts {}): {}",
                job.state,
                job.url,
                if job.persona.is_empty() {
                    String::new()
                } else {
                    format!(" as {}", job.persona)
                },
                job.attempts,
                job.last_error.as_deref().unwrap_or("")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
