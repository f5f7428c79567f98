//! One run of captures: the runtime and the analyser loaded once, each
//! capture summarised, analysed (into the evidence bundle when there is
//! one) and held for printing and saving.

use std::collections::BTreeMap;

use outflow_capture::{CaptureFailure, ScanOptions, ScanOutput, capture_failed};
use outflow_model::{Capture, Report};
use outflow_store::PageFacts;

use crate::analyser::Analyser;
use crate::error::Result;
use crate::evidence::Evidence;
use crate::follow::FollowOptions;
use crate::output::{
    ExitStatus, OutputOptions, ReportFormat, emit, exit_status, print_captures, render, summarise,
    write_stdout,
};
use crate::runtime::runtime;

/// Browsers need a runtime; analysis needs intelligence: both made once
/// per run.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    analyser: Analyser,
}

impl Session {
    /// A session analysing with `analyser`.
    pub fn start(analyser: Analyser) -> Result<Self> {
        Ok(Self {
            runtime: runtime()?,
            analyser,
        })
    }

    /// What analyses the captures.
    pub fn analyser(&self) -> &Analyser {
        &self.analyser
    }

    /// Visits `url` in a fresh Chromium.
    pub fn visit(&self, url: &str, options: &ScanOptions) -> Result<ScanOutput, CaptureFailure> {
        self.runtime.block_on(outflow_capture::scan(url, options))
    }
}

/// What a run made, in order.
pub(crate) struct Run<'a> {
    analyser: &'a Analyser,
    evidence: Option<&'a Evidence>,
    capture_only: bool,
    /// Whether the history follows: then the facts of each capture are kept.
    keep_facts: bool,
    printed: Vec<Capture>,
    reports: Vec<Report>,
    facts: Vec<Option<PageFacts>>,
    /// Whether a capture could not be made or loaded.
    pub any_failed: bool,
    /// Values terminal output shows masked (typed values, maybe real
    /// credentials).
    masks: Vec<String>,
}

impl<'a> Run<'a> {
    /// A run analysing with `analyser`, writing into `evidence`;
    /// `capture_only` holds captures instead of analysing them.
    pub fn new(
        analyser: &'a Analyser,
        evidence: Option<&'a Evidence>,
        capture_only: bool,
        keep_facts: bool,
    ) -> Self {
        Self {
            analyser,
            evidence,
            capture_only,
            keep_facts: keep_facts && !capture_only,
            printed: Vec::new(),
            reports: Vec::new(),
            facts: Vec::new(),
            any_failed: false,
            masks: Vec::new(),
        }
    }

    /// Terminal reports will show these values masked.
    pub fn mask(&mut self, values: Vec<String>) {
        self.masks = values;
    }

    /// Takes what a live visit gave: a page that did not load fails the
    /// run (and is not saved); a visit that could not be made at all is
    /// reported and fails the run.
    pub fn visited(
        &mut self,
        name: &str,
        url: &str,
        visit: Result<ScanOutput, CaptureFailure>,
    ) -> Result<()> {
        match visit {
            Ok(output) => {
                let failed = capture_failed(&output.capture);
                self.any_failed |= failed;
                summarise(name, &output.capture);
                self.add(name, output.capture, &output.sources, !failed)
            }
            Err(error) => {
                eprintln!("error: {url}: {error}");
                self.any_failed = true;
                Ok(())
            }
        }
    }

    /// Saves the capture (and its report) to the `--out` folder, and either
    /// holds the capture for printing (`--capture-only`) or analyses it;
    /// `saveable` says whether the history may keep it.
    pub fn add(
        &mut self,
        name: &str,
        capture: Capture,
        sources: &BTreeMap<String, String>,
        saveable: bool,
    ) -> Result<()> {
        if self.capture_only {
            match self.evidence {
                Some(evidence) => {
                    let path = evidence.write_capture(name, &capture, sources)?;
                    eprintln!("  written: {}", path.display());
                }
                None => self.printed.push(capture),
            }
            return Ok(());
        }
        let analysed = match self.evidence {
            Some(evidence) => {
                let (analysed, folder) = evidence.add(name, capture, sources, self.analyser)?;
                eprintln!("  written: {}", folder.display());
                analysed
            }
            None => self.analyser.analyse(capture, sources),
        };
        if self.keep_facts {
            self.facts.push(saveable.then_some(analysed.facts));
        }
        self.reports.push(analysed.report);
        Ok(())
    }

    /// Prints what the run made (captures or reports), then saves, alerts
    /// and gates per `follow` when given; returns the exit status.
    pub fn finish(
        self,
        output: &OutputOptions,
        follow: Option<&FollowOptions>,
    ) -> Result<ExitStatus> {
        print_captures(&self.printed)?;
        if !self.reports.is_empty() {
            if self.masks.is_empty() || output.format != ReportFormat::Terminal {
                emit(&self.reports, output.format, output.color)?;
            } else {
                let text = render(&self.reports, output.format, output.color)?;
                write_stdout(
                    &crate::typed::masked(&text, &self.masks),
                    "writing the report",
                )?;
            }
        }
        let status = exit_status(&self.reports, output.fail_on, self.any_failed);
        let violated = match follow {
            Some(follow) => follow.follow_up(&self.reports, &self.facts)?,
            None => false,
        };
        if violated && !self.any_failed {
            return Ok(1);
        }
        Ok(status)
    }
}
