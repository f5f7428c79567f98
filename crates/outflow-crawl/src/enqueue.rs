//! `outflow crawl`: queue a list of sites (resumable: a crawl is found
//! again by its name) and scan them in this process.

use std::io::BufReader;
use std::path::PathBuf;

use crate::error::CommandError;
use crate::input::read_targets;
use crate::job::CrawlConfig;
use crate::run::{JobRunOptions, db_target, open_db, run_jobs};

/// What `outflow crawl` queues and how its jobs are scanned.
#[derive(Debug, Clone)]
pub struct CrawlRequest {
    /// The sites to scan, one per line (see [`read_targets`]).
    pub input: Option<PathBuf>,
    /// The crawl's name (default: the input file's name).
    pub name: Option<String>,
    /// Personas to scan each site as, one job each.
    pub personas: Vec<String>,
    /// Host mappings stored with the crawl, so every worker applies them.
    pub map_host: Vec<String>,
    /// Seconds a page may take to load.
    pub page_timeout_secs: u64,
    /// Seconds a whole site's scan may take before it is abandoned.
    pub site_timeout_secs: u64,
    /// Attempts per site before it is marked failed.
    pub max_attempts: u32,
    /// Seconds before the first retry, doubled on each further one.
    pub retry_base_secs: u64,
    /// Seconds a job stays leased to a worker that stopped renewing it.
    pub lease_secs: u64,
    /// Look for a login form and type canaries.
    pub fill_forms: bool,
    /// Only queue the sites (for `outflow worker`s to scan).
    pub enqueue_only: bool,
    /// The crawl database (`--db`; `None`: the per-user default).
    pub db: Option<String>,
    /// How this process runs the jobs.
    pub run: JobRunOptions,
}

/// Queues the sites of `request.input` into the named crawl (skipping
/// rejected lines with a message on standard error), then, unless
/// `enqueue_only`, scans every pending job. Returns the exit code: 2 when
/// sites failed for good, 130 (143) when stopped by Ctrl-C (SIGTERM), else
/// 0.
pub fn crawl(request: &CrawlRequest) -> Result<u8, CommandError> {
    let input = request.input.clone().ok_or_else(|| {
        CommandError::Usage(
            "give --input FILE (the sites to crawl), or a subcommand: stats, status".to_string(),
        )
    })?;
    outflow_session::parse_mappings(&request.map_host)?;
    outflow_session::resolve_personas(&request.personas)?;
    let name = match &request.name {
        Some(name) => name.clone(),
        None => input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                CommandError::Usage("the input has no file name: give --name".to_string())
            })?,
    };
    let file = std::fs::File::open(&input).map_err(|source| CommandError::OpenInput {
        path: input.clone(),
        source,
    })?;
    let personas: Vec<String> = request
        .personas
        .iter()
        .map(|p| p.trim().to_string())
        .collect();
    let (jobs, rejected) = read_targets(BufReader::new(file), &personas)?;
    for line in &rejected {
        eprintln!("skipped: {}: {line}", input.display());
    }
    let config = CrawlConfig {
        page_timeout_secs: request.page_timeout_secs.max(1),
        site_timeout_secs: request.site_timeout_secs.max(1),
        map_host: request.map_host.clone(),
        fill_forms: request.fill_forms,
        max_attempts: request.max_attempts.max(1),
        lease_secs: request.lease_secs.max(1),
        retry_base_secs: request.retry_base_secs,
    };
    let target = db_target(request.db.as_deref())?;
    let mut queue = open_db(&target)?;
    let crawl = queue
        .open_crawl(&name, &config)
        .map_err(CommandError::step("opening the crawl"))?;
    let mut added = 0;
    for chunk in jobs.chunks(1000) {
        added += queue
            .enqueue(crawl, chunk)
            .map_err(CommandError::step("queueing sites"))?;
    }
    let counts = queue.counts(Some(crawl))?;
    eprintln!(
        "crawl {name}: {added} new jobs queued; {} jobs in all, {} done, {} failed",
        counts.total(),
        counts.done,
        counts.failed
    );
    if request.enqueue_only {
        return Ok(0);
    }
    drop(queue);
    let end = run_jobs(target.clone(), &request.run, Some(crawl), false, Vec::new())?;
    if let Some(code) = end.interrupted {
        return Ok(code);
    }
    let counts = open_db(&target)?.counts(Some(crawl))?;
    Ok(if counts.failed > 0 { 2 } else { 0 })
}
