//! Scanning one job: a Chromium capture analysed into a report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use outflow_capture::{CaptureFailure, HostMapping, Persona, ScanOptions, capture_failed};
use outflow_intel::Intel;

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
/// [`outflow_pipeline::report_capture`].
pub struct SiteScanner {
    runtime: tokio::runtime::Handle,
    intel: Option<Arc<Intel>>,
    js: outflow_js::Options,
    extra_mappings: Vec<HostMapping>,
    tool_version: String,
}

impl SiteScanner {
    /// A scanner driving browsers on `runtime`, attributing hosts with
    /// `intel`, adding `extra_mappings` (this machine's `--map-host`) to each
    /// crawl's own.
    pub fn new(
        runtime: tokio::runtime::Handle,
        intel: Option<Arc<Intel>>,
        extra_mappings: Vec<HostMapping>,
        tool_version: &str,
    ) -> Self {
        Self {
            runtime,
            intel,
            js: outflow_js::Options::default(),
            extra_mappings,
            tool_version: tool_version.to_string(),
        }
    }

    fn options(&self, job: &ClaimedJob) -> Result<ScanOptions, String> {
        let mut mappings = job
            .config
            .map_host
            .iter()
            .map(|rule| HostMapping::parse(rule))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        mappings.extend(self.extra_mappings.iter().cloned());
        let persona = if job.persona.is_empty() {
            None
        } else {
            Some(Persona::resolve(&job.persona).map_err(|e| e.to_string())?)
        };
        Ok(ScanOptions {
            mappings,
            persona,
            timeout: Duration::from_secs(job.config.page_timeout_secs.max(1)),
            fill_forms: job.config.fill_forms,
            submit: false,
            ..ScanOptions::default()
        })
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
        let pipeline = outflow_pipeline::Pipeline {
            js: &self.js,
            intel: self.intel.as_deref(),
            site: None,
            tool_version: &self.tool_version,
        };
        let analysed = outflow_pipeline::analyse_capture(
            output.capture,
            outflow_pipeline::Sources::Map(&output.sources),
            &pipeline,
        );
        let duration = started.elapsed().as_millis().min(u64::MAX as u128) as u64;
        match ResultRows::from_report(&analysed.report, duration)
            .and_then(|rows| rows.with_facts(&analysed.facts))
        {
            Ok(rows) => ScanAttempt::Scanned(Box::new(rows)),
            Err(error) => {
                ScanAttempt::Permanent(format!("the report could not be stored: {error}"))
            }
        }
    }
}
