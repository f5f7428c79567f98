//! Scanning one job: a Chromium capture analysed into a report by the
//! scan session's analyser; the runner keeps its own time limit and stop.

use std::time::{Duration, Instant};

use outflow_capture::{CaptureFailure, HostMapping, ScanOptions, capture_failed};
use outflow_session::{Analyser, VisitOptions, resolve_persona, with_persona};

use crate::job::ClaimedJob;
use crate::rows::ResultRows;
use crate::runner::ScanAttempt;
use crate::stop::StopHandle;

/// Scans a claimed job. Called from the runner's worker threads (not from
/// inside an async runtime).
pub trait JobScanner: Send + Sync {
    /// Scans the job's site and returns what to store, or why not;
    /// [`ScanAttempt::Abandoned`] as soon as `stop` is abandoned.
    fn scan(&self, job: &ClaimedJob, stop: &StopHandle) -> ScanAttempt;
}

/// The real scanner: [`outflow_capture::scan`] in a fresh Chromium, then
/// the session's [`Analyser`]. The job's stored configuration becomes capture
/// options the way the command line's arguments do ([`VisitOptions`]).
pub struct SiteScanner {
    runtime: tokio::runtime::Handle,
    analyser: Analyser,
    extra_mappings: Vec<HostMapping>,
}

impl SiteScanner {
    /// A scanner driving browsers on `runtime`, analysing with `analyser`,
    /// adding `extra_mappings` (this machine's `--map-host`) to each crawl's
    /// own.
    pub fn new(
        runtime: tokio::runtime::Handle,
        analyser: Analyser,
        extra_mappings: Vec<HostMapping>,
    ) -> Self {
        Self {
            runtime,
            analyser,
            extra_mappings,
        }
    }

    fn options(&self, job: &ClaimedJob) -> Result<ScanOptions, String> {
        let visit = VisitOptions {
            map_host: job.config.map_host.clone(),
            timeout_secs: job.config.page_timeout_secs,
            fill_forms: job.config.fill_forms,
            submit: false,
            ignore_https_errors: false,
        };
        let mut options = visit.scan_options(None).map_err(|e| e.to_string())?;
        options.mappings.extend(self.extra_mappings.iter().cloned());
        if job.persona.is_empty() {
            return Ok(options);
        }
        let persona = resolve_persona(&job.persona).map_err(|e| e.to_string())?;
        Ok(with_persona(&options, Some(&persona)))
    }
}

impl JobScanner for SiteScanner {
    fn scan(&self, job: &ClaimedJob, stop: &StopHandle) -> ScanAttempt {
        let started = Instant::now();
        let options = match self.options(job) {
            Ok(options) => options,
            Err(why) => return ScanAttempt::Permanent(why),
        };
        let limit = Duration::from_secs(job.config.site_timeout_secs.max(1));
        // Abandoning drops the capture's future, and with it the browser:
        // chromiumoxide starts Chromium with kill-on-drop.
        let scanned = self.runtime.block_on(async {
            tokio::select! {
                scanned = tokio::time::timeout(limit, outflow_capture::scan(&job.url, &options)) => Some(scanned),
                () = stop.abandoned() => None,
            }
        });
        let Some(scanned) = scanned else {
            return ScanAttempt::Abandoned;
        };
        let output = match scanned {
            Err(_) => {
                return ScanAttempt::Transient(format!(
                    "the scan took longer than {}s",
                    limit.as_secs()
                ));
            }
            Ok(Err(CaptureFailure::Options(why))) => return ScanAttempt::Permanent(why),
            Ok(Err(CaptureFailure::ChromiumMissing { path })) => {
                return ScanAttempt::Permanent(format!(
                    "Chromium was not found at {}",
                    path.display()
                ));
            }
            Ok(Err(error)) => return ScanAttempt::Transient(error.to_string()),
            Ok(Ok(output)) => output,
        };
        if capture_failed(&output.capture) {
            let why: Vec<String> = output
                .capture
                .errors
                .iter()
                .map(|e| format!("{:?}: {}", e.kind, e.message))
                .collect();
            return ScanAttempt::Transient(format!(
                "the page could not be loaded: {}",
                why.join("; ")
            ));
        }
        let outflow_session::AnalysedCapture { report, facts } =
            self.analyser.analyse(output.capture, &output.sources);
        let duration = started.elapsed().as_millis().min(u64::MAX as u128) as u64;
        match ResultRows::from_report(&report, duration).and_then(|rows| rows.with_facts(&facts)) {
            Ok(rows) => ScanAttempt::Scanned(Box::new(rows)),
            Err(error) => {
                ScanAttempt::Permanent(format!("the report could not be stored: {error}"))
            }
        }
    }
}
