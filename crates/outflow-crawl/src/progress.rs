//! What a run tells its user while it runs.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::job::JobCounts;

/// Something that happened to a job in this process.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// Stored.
    Done {
        /// The site.
        url: String,
        /// The persona, `""` for none.
        persona: String,
    },
    /// An attempt failed and will be retried after a back-off.
    Retry {
        /// The site.
        url: String,
        /// The attempt that failed.
        attempt: u32,
        /// Why.
        error: String,
    },
    /// The last attempt failed: the job is failed, its error kept.
    Failed {
        /// The site.
        url: String,
        /// Why.
        error: String,
    },
    /// The scan finished after the lease was lost: its result was dropped
    /// (another worker scans the site).
    LeaseLost {
        /// The site.
        url: String,
    },
    /// The result was stored but could not be saved in the scan history
    /// (the next run saves it).
    HistoryNotSaved {
        /// The site.
        url: String,
        /// Why.
        error: String,
    },
    /// The run was stopped before the scan gave a result: the job was
    /// handed back to the queue, the attempt not counted.
    Released {
        /// The site.
        url: String,
    },
}

/// Receives a run's events and the queue's counts (polled about once a
/// second, so that other workers' progress shows too).
pub trait Reporter: Send + Sync {
    /// A job event of this process.
    fn event(&self, event: &RunEvent);
    /// The counts of the jobs the run works on.
    fn counts(&self, counts: &JobCounts);
    /// The run is over.
    fn finish(&self, counts: &JobCounts);
}

/// A progress bar on standard error (hidden when it is not a terminal; the
/// final line is printed either way): done, failed, rate and ETA.
pub struct ProgressBarReporter {
    bar: ProgressBar,
    started: Instant,
    first: Mutex<Option<u64>>,
}

impl Default for ProgressBarReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressBarReporter {
    /// A bar drawn on standard error.
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        Self {
            bar,
            started: Instant::now(),
            first: Mutex::new(None),
        }
    }

    fn line(&self, counts: &JobCounts) -> String {
        let finished = counts.finished();
        let first = *self
            .first
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(finished);
        let elapsed = self.started.elapsed().as_secs_f64().max(0.001);
        let per_minute = finished.saturating_sub(first) as f64 * 60.0 / elapsed;
        let remaining = counts.pending + counts.running;
        let eta = if per_minute > 0.0 {
            format_duration(Duration::from_secs_f64(
                remaining as f64 * 60.0 / per_minute,
            ))
        } else {
            "?".to_string()
        };
        format!(
            "done {} · failed {} · running {} · {per_minute:.1} sites/min · ETA {eta}",
            counts.done, counts.failed, counts.running
        )
    }
}

fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

impl Reporter for ProgressBarReporter {
    fn event(&self, event: &RunEvent) {
        match event {
            RunEvent::Done { .. } => {}
            RunEvent::Retry {
                url,
                attempt,
                error,
            } => {
                self.bar
                    .println(format!("retry: {url} (attempt {attempt}): {error}"));
            }
            RunEvent::Failed { url, error } => self.bar.println(format!("failed: {url}: {error}")),
            RunEvent::LeaseLost { url } => self.bar.println(format!(
                "lease lost: {url}: result dropped, another worker scans it"
            )),
            RunEvent::HistoryNotSaved { url, error } => self.bar.println(format!(
                "history: {url} not saved in the scan history yet: {error}"
            )),
            RunEvent::Released { url } => self
                .bar
                .println(format!("released: {url}: back in the queue, unscanned")),
        }
    }

    fn counts(&self, counts: &JobCounts) {
        self.bar.set_length(counts.total());
        self.bar.set_position(counts.finished());
        self.bar.set_message(self.line(counts));
    }

    fn finish(&self, counts: &JobCounts) {
        self.bar.finish_and_clear();
        eprintln!(
            "{} jobs: {} done, {} failed, {} pending, {} running ({})",
            counts.total(),
            counts.done,
            counts.failed,
            counts.pending,
            counts.running,
            self.line(counts)
        );
    }
}
