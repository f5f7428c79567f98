//! Running crawl jobs in this process: `outflow crawl` after queueing, and
//! `outflow worker` on any machine that reaches the database.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use outflow_capture::HostMapping;
use outflow_session::{Analyser, AttributionOptions};

use crate::error::CommandError;
use crate::history::HistorySink;
use crate::interrupt::handle_interrupts;
use crate::progress::ProgressBarReporter;
use crate::queue::{DbTarget, Queue};
use crate::runner::{RunOptions, RunSummary, Runner, worker_id};
use crate::scanner::SiteScanner;
use crate::stop::StopHandle;

/// How this process runs jobs (the options `crawl` and `worker` share).
#[derive(Debug, Clone)]
pub struct JobRunOptions {
    /// Sites scanned at the same time (one Chromium each; clamped to
    /// 1..=256).
    pub concurrency: usize,
    /// Do not attribute hosts to their owners.
    pub no_intel: bool,
    /// On Ctrl-C or SIGTERM: how long the scans in progress may take to
    /// finish before they are abandoned.
    pub grace: Duration,
    /// The scan history where a SQLite crawl also saves each site's report
    /// (`None`: the history database of `outflow scan`).
    pub history: Option<PathBuf>,
    /// Keep results in the crawl database only (wins over `history`).
    pub no_history: bool,
}

/// How a run ended.
#[derive(Debug, Clone, Copy)]
pub struct RunEnd {
    /// What this process did.
    pub summary: RunSummary,
    /// Set when Ctrl-C or SIGTERM stopped the run: the exit code to give
    /// (128 + the signal: 130 for Ctrl-C, 143 for SIGTERM).
    pub interrupted: Option<u8>,
}

/// The crawl database named by `--db` (`None`: the per-user default SQLite
/// file).
pub fn db_target(db: Option<&str>) -> Result<DbTarget, CommandError> {
    match db {
        Some(text) => Ok(DbTarget::parse(text)),
        None => Ok(DbTarget::default_sqlite()?),
    }
}

/// Opens the crawl database, creating or migrating its schema.
pub fn open_db(target: &DbTarget) -> Result<Box<dyn Queue>, CommandError> {
    crate::queue::open(target).map_err(CommandError::step(format!(
        "opening the crawl database {}",
        target.display()
    )))
}

/// Runs jobs of `crawl` (or of every open crawl) until none is left (or,
/// with `wait`, forever), or until Ctrl-C or SIGTERM. A SQLite crawl first
/// saves in the scan history the results a crashed run stored but did not
/// save. `extra_mappings` (this machine's `--map-host`) add to each crawl's
/// own.
pub fn run_jobs(
    target: DbTarget,
    options: &JobRunOptions,
    crawl: Option<i64>,
    wait: bool,
    extra_mappings: Vec<HostMapping>,
) -> Result<RunEnd, CommandError> {
    let history = match (&target, options.no_history) {
        (DbTarget::Sqlite(_), false) => Some(match &options.history {
            Some(path) => path.clone(),
            None => outflow_store::Store::default_path()?,
        }),
        _ => None,
    };
    if let Some(path) = &history {
        // Results a crashed run stored but did not save in the history.
        let mut sink = HistorySink::open(path).map_err(CommandError::step(format!(
            "opening the scan history {}",
            path.display()
        )))?;
        let mut queue = crate::queue::open(&target)?;
        let saved = sink
            .catch_up(queue.as_mut(), crawl)
            .map_err(CommandError::step(
                "saving earlier results in the scan history",
            ))?;
        if saved > 0 {
            eprintln!("{saved} earlier results saved in the scan history");
        }
    }
    let attribution = AttributionOptions {
        no_intel: options.no_intel,
        ..AttributionOptions::default()
    };
    let analyser = Analyser::load(&attribution, true)?;
    let runtime = outflow_session::runtime()?;
    let stop = StopHandle::new();
    let interrupts = handle_interrupts(runtime.handle(), stop.clone(), options.grace)?;
    let scanner = SiteScanner::new(runtime.handle().clone(), analyser, extra_mappings);
    let run_options = RunOptions {
        concurrency: options.concurrency.clamp(1, 256),
        worker: worker_id(),
        crawl,
        wait,
        poll: Duration::from_millis(500),
        history,
    };
    eprintln!("worker {} on {}", run_options.worker, target.display());
    let runner = Runner::new(
        target,
        run_options,
        Arc::new(scanner),
        Arc::new(ProgressBarReporter::new()),
    )
    .with_stop(stop);
    let summary = runner.run()?;
    let interrupted = interrupts.exit_code();
    if interrupted.is_some() {
        eprintln!(
            "stopped: this process stored {} sites, {} failed, {} released unscanned; \
             run the same command again to finish",
            summary.done, summary.failed, summary.released
        );
    }
    Ok(RunEnd {
        summary,
        interrupted,
    })
}

/// What `outflow worker` runs.
#[derive(Debug, Clone)]
pub struct WorkerRequest {
    /// The crawl database (`--db`; `None`: the per-user default).
    pub db: Option<String>,
    /// Only this crawl's jobs (`None`: every open crawl).
    pub crawl: Option<String>,
    /// Keep waiting for new jobs when the queue is empty.
    pub wait: bool,
    /// This machine's host mappings (`PATTERN=IP[:PORT]`), added to each
    /// crawl's own.
    pub map_host: Vec<String>,
    /// How jobs are run.
    pub run: JobRunOptions,
}

/// `outflow worker`: claims and scans jobs until the queue is empty (or
/// forever with `wait`), or until Ctrl-C or SIGTERM; prints what this
/// worker did on standard error. Returns the exit code: 0, or 130 (143)
/// when interrupted, the jobs in progress released.
pub fn work(request: &WorkerRequest) -> Result<u8, CommandError> {
    let mappings = outflow_session::parse_mappings(&request.map_host)?;
    let target = db_target(request.db.as_deref())?;
    let mut queue = open_db(&target)?;
    let crawl = match &request.crawl {
        Some(name) => Some(
            queue
                .find_crawl(Some(name))?
                .ok_or_else(|| {
                    CommandError::Usage(format!("no crawl named {name:?} in this database"))
                })?
                .id,
        ),
        None => None,
    };
    drop(queue);
    let end = run_jobs(target, &request.run, crawl, request.wait, mappings)?;
    let summary = end.summary;
    eprintln!(
        "this worker: {} done, {} failed, {} retried, {} results dropped (lease lost), {} released",
        summary.done, summary.failed, summary.retried, summary.lease_lost, summary.released
    );
    Ok(end.interrupted.unwrap_or(0))
}
