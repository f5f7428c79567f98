//! Running jobs: N slots, each claiming and scanning one job at a time on
//! its own database connection, and one heartbeat renewing the leases of
//! the jobs in progress.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::CrawlError;
use crate::history::HistorySink;
use crate::job::ClaimedJob;
use crate::progress::{Reporter, RunEvent};
use crate::queue::{DbTarget, Queue, open};
use crate::rows::ResultRows;
use crate::scanner::JobScanner;
use crate::stop::StopHandle;

/// What one attempt at a job gave.
#[derive(Debug)]
pub enum ScanAttempt {
    /// Scanned: the rows to store.
    Scanned(Box<ResultRows>),
    /// Failed in a way that may pass (a timeout, a page that did not load,
    /// a browser that did not start): retried after a back-off until the
    /// crawl's attempts are used up.
    Transient(String),
    /// Failed in a way a retry cannot fix (an invalid option).
    Permanent(String),
    /// Abandoned because the run was stopped: the job is released, the
    /// attempt not counted.
    Abandoned,
}

/// How a run works.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Jobs scanned at the same time (browsers running).
    pub concurrency: usize,
    /// This worker's id, unique among the workers of a database.
    pub worker: String,
    /// Only this crawl's jobs; `None` for every open crawl.
    pub crawl: Option<i64>,
    /// Keep waiting for new jobs when the queue is empty.
    pub wait: bool,
    /// How long to wait before asking again when nothing can be claimed.
    pub poll: Duration,
    /// The scan history to save each stored result in too (SQLite
    /// crawls); `None` to keep results in the crawl database only.
    pub history: Option<PathBuf>,
}

/// What this process did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Jobs scanned and stored.
    pub done: u64,
    /// Jobs given up.
    pub failed: u64,
    /// Attempts that failed and were put back for a retry.
    pub retried: u64,
    /// Scans whose result was dropped because the lease was lost.
    pub lease_lost: u64,
    /// Jobs handed back to the queue unscanned because the run was
    /// stopped (an interrupt): another worker or a restart takes them at
    /// once.
    pub released: u64,
}

/// The delay before retrying after `attempt` failed: `base` doubled for each
/// earlier attempt, at most an hour.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// A worker id unique enough among machines: host name, process id and
/// the start time.
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{host}-{}-{:x}", std::process::id(), nanos & 0xffff_ffff)
}

/// Runs jobs from a queue until none is left (or forever with `wait`), or
/// until stopped through its [`StopHandle`].
pub struct Runner {
    target: DbTarget,
    options: RunOptions,
    scanner: Arc<dyn JobScanner>,
    reporter: Arc<dyn Reporter>,
    stop: StopHandle,
}

/// What the slots share.
struct Shared {
    /// The shortest lease among claimed jobs, in ms: the heartbeat renews
    /// three times per lease.
    shortest_lease_ms: AtomicU64,
    summary: Mutex<RunSummary>,
}

impl Runner {
    /// A runner on `target`.
    pub fn new(
        target: DbTarget,
        options: RunOptions,
        scanner: Arc<dyn JobScanner>,
        reporter: Arc<dyn Reporter>,
    ) -> Self {
        Self {
            target,
            options,
            scanner,
            reporter,
            stop: StopHandle::new(),
        }
    }

    /// Stops through `stop` (shared with a signal handler): no job is
    /// claimed once it is stopping; the scans in progress finish, or are
    /// abandoned when it says so, and their jobs are released.
    pub fn with_stop(mut self, stop: StopHandle) -> Self {
        self.stop = stop;
        self
    }

    /// The handle that stops this runner.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Runs until the queue is empty (or forever with `wait`) or until
    /// stopped. Returns what this process did, or the first database error
    /// (the other slots stop after their current job).
    pub fn run(&self) -> Result<RunSummary, CrawlError> {
        let shared = Arc::new(Shared {
            shortest_lease_ms: AtomicU64::new(30_000),
            summary: Mutex::new(RunSummary::default()),
        });
        let slots_done = Arc::new(AtomicBool::new(false));
        let mut heartbeat_queue = open(&self.target)?;
        let result = std::thread::scope(|scope| {
            let heartbeat = {
                let shared = shared.clone();
                let slots_done = slots_done.clone();
                let reporter = self.reporter.clone();
                let options = &self.options;
                let queue = &mut heartbeat_queue;
                scope.spawn(move || {
                    heartbeat_loop(
                        queue.as_mut(),
                        options,
                        &shared,
                        &slots_done,
                        reporter.as_ref(),
                    )
                })
            };
            let slots: Vec<_> = (0..self.options.concurrency.max(1))
                .map(|_| {
                    let shared = shared.clone();
                    scope.spawn(move || {
                        let outcome = self.slot(&shared);
                        if outcome.is_err() {
                            self.stop.stop();
                        }
                        outcome
                    })
                })
                .collect();
            let mut first_error = None;
            for slot in slots {
                let outcome = slot.join().unwrap_or_else(|_| {
                    Err(CrawlError::Invalid("a crawl slot panicked".to_string()))
                });
                if let Err(error) = outcome {
                    first_error.get_or_insert(error);
                }
            }
            slots_done.store(true, Ordering::SeqCst);
            let beat = heartbeat
                .join()
                .unwrap_or_else(|_| Err(CrawlError::Invalid("the heartbeat panicked".to_string())));
            match (first_error, beat) {
                (Some(error), _) | (None, Err(error)) => Err(error),
                (None, Ok(())) => Ok(()),
            }
        });
        if let Ok(counts) = heartbeat_queue.counts(self.options.crawl) {
            self.reporter.finish(&counts);
        }
        result?;
        let summary = *shared.summary.lock().unwrap_or_else(|e| e.into_inner());
        Ok(summary)
    }

    fn slot(&self, shared: &Shared) -> Result<(), CrawlError> {
        let mut queue = open(&self.target)?;
        let mut history = self
            .options
            .history
            .as_deref()
            .map(HistorySink::open)
            .transpose()?;
        while !self.stop.is_stopping() {
            let Some(job) = queue.claim(&self.options.worker, self.options.crawl)? else {
                let counts = queue.counts(self.options.crawl)?;
                if counts.is_complete() && !self.options.wait {
                    break;
                }
                sleep_unless_stopped(self.options.poll, &self.stop);
                continue;
            };
            shared
                .shortest_lease_ms
                .fetch_min(job.config.lease_secs.max(1) * 1000, Ordering::SeqCst);
            let attempt = self.scanner.scan(&job, &self.stop);
            self.settle(queue.as_mut(), history.as_mut(), &job, attempt, shared)?;
            queue.finish_if_complete(job.crawl_id)?;
        }
        Ok(())
    }

    fn settle(
        &self,
        queue: &mut dyn Queue,
        history: Option<&mut HistorySink>,
        job: &ClaimedJob,
        attempt: ScanAttempt,
        shared: &Shared,
    ) -> Result<(), CrawlError> {
        let count = |f: fn(&mut RunSummary)| {
            f(&mut shared.summary.lock().unwrap_or_else(|e| e.into_inner()))
        };
        match attempt {
            // Once stopping, a scan that gave no result was most likely cut
            // short by the stop itself (the abandoned browser, or Chromium
            // sharing the terminal's Ctrl-C): the attempt does not count.
            ScanAttempt::Abandoned | ScanAttempt::Transient(_) | ScanAttempt::Permanent(_)
                if self.stop.is_stopping() =>
            {
                if queue.release(job)? {
                    count(|s| s.released += 1);
                    self.reporter.event(&RunEvent::Released {
                        url: job.url.clone(),
                    });
                }
            }
            ScanAttempt::Scanned(rows) => match queue.complete(job, &rows) {
                Ok(result) => {
                    count(|s| s.done += 1);
                    // The result is stored; a history that cannot take it
                    // now gets it when the next run catches up.
                    if let Some(history) = history
                        && let Err(error) = history.save(
                            queue,
                            result,
                            &rows.report_json,
                            rows.facts_json.as_deref(),
                        )
                    {
                        self.reporter.event(&RunEvent::HistoryNotSaved {
                            url: job.url.clone(),
                            error: error.to_string(),
                        });
                    }
                    self.reporter.event(&RunEvent::Done {
                        url: job.url.clone(),
                        persona: job.persona.clone(),
                    });
                }
                Err(CrawlError::LeaseLost { .. }) => {
                    count(|s| s.lease_lost += 1);
                    self.reporter.event(&RunEvent::LeaseLost {
                        url: job.url.clone(),
                    });
                }
                Err(error) => return Err(error),
            },
            ScanAttempt::Transient(error) if job.attempt < job.config.max_attempts => {
                let delay = backoff(Duration::from_secs(job.config.retry_base_secs), job.attempt);
                queue.fail(job, &error, Some(delay))?;
                count(|s| s.retried += 1);
                self.reporter.event(&RunEvent::Retry {
                    url: job.url.clone(),
                    attempt: job.attempt,
                    error,
                });
            }
            // Only a stopping run abandons scans (handled above).
            ScanAttempt::Abandoned => {}
            ScanAttempt::Transient(error) | ScanAttempt::Permanent(error) => {
                queue.fail(job, &error, None)?;
                count(|s| s.failed += 1);
                self.reporter.event(&RunEvent::Failed {
                    url: job.url.clone(),
                    error,
                });
            }
        }
        Ok(())
    }
}

fn sleep_unless_stopped(duration: Duration, stop: &StopHandle) {
    let until = Instant::now() + duration;
    while Instant::now() < until && !stop.is_stopping() {
        std::thread::sleep(
            Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())),
        );
    }
}

/// Renews this worker's leases three times per lease, and reports the
/// queue's counts about once a second.
fn heartbeat_loop(
    queue: &mut dyn Queue,
    options: &RunOptions,
    shared: &Shared,
    slots_done: &AtomicBool,
    reporter: &dyn Reporter,
) -> Result<(), CrawlError> {
    let mut last_beat = Instant::now();
    let mut last_counts: Option<Instant> = None;
    while !slots_done.load(Ordering::SeqCst) {
        let interval = Duration::from_millis(shared.shortest_lease_ms.load(Ordering::SeqCst) / 3);
        if last_beat.elapsed() >= interval {
            let renewed = queue.heartbeat(&options.worker)?;
            tracing::debug!("heartbeat: {renewed} leases renewed");
            last_beat = Instant::now();
        }
        if last_counts.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
            reporter.counts(&queue.counts(options.crawl)?);
            last_counts = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 3), Duration::from_secs(20));
        assert_eq!(backoff(base, 40), Duration::from_secs(3600));
    }
}
