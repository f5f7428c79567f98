//! `outflow scan`: visit pages in Chromium, record what they do, and
//! report what was found.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use outflow_capture::{
    CaptureDir, HostMapping, Persona, ScanOptions, capture_failed, capture_name,
};
use outflow_model::{Capture, Report};

use super::report_output::{Analyser, ReportArgs, emit_with, exit_code, rule_docs};

/// Arguments of `outflow scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pages to visit.
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,

    /// Write the evidence bundle here: the capture, each script once by
    /// SHA-256 (`scripts/`), request bodies, report.json, report.html,
    /// report.sarif and manifest.json with the SHA-256 of every file (one
    /// sub-folder per capture when there are several URLs or personas).
    /// `outflow verify DIR` re-checks it offline.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print the capture JSON instead of analysing it (no report).
    #[arg(long)]
    pub capture_only: bool,

    /// Visit as these personas, one scan each: built-ins `us`, `eu`, `cn`,
    /// or paths of JSON persona files. Comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "NAME|FILE")]
    pub persona: Vec<String>,

    /// Send a host's connections to another address (like curl's
    /// --resolve): `PATTERN=IP[:PORT]`, PATTERN may start with `*.`.
    /// Repeatable.
    #[arg(long = "map-host", value_name = "PATTERN=IP[:PORT]")]
    pub map_host: Vec<String>,

    /// Submit the login form after typing the canaries.
    #[arg(long)]
    pub submit: bool,

    /// Do not look for a login form or type canaries.
    #[arg(long, conflicts_with = "submit")]
    pub no_forms: bool,

    /// Seconds the page may take to load; recording goes on without it.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,

    /// Accept invalid TLS certificates (self-signed staging servers).
    #[arg(long)]
    pub ignore_https_errors: bool,

    /// Save each report in the history database (the default; kept for
    /// cron lines that say so).
    #[arg(long, conflicts_with = "no_save")]
    pub save: bool,

    /// Do not save the reports in the history database.
    #[arg(long)]
    pub no_save: bool,

    #[command(flatten)]
    pub follow: super::watch::FollowArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `outflow scan`. Exits 2 when a browser could not start or a page
/// could not be loaded at all, after writing every capture it could make.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    args.follow.check()?;
    let mappings = args
        .map_host
        .iter()
        .map(|rule| HostMapping::parse(rule))
        .collect::<Result<Vec<_>, _>>()?;
    let personas: Vec<Option<Persona>> = if args.persona.is_empty() {
        vec![None]
    } else {
        args.persona
            .iter()
            .map(|name| Persona::resolve(name.trim()).map(Some))
            .collect::<Result<_, _>>()?
    };
    let dir = args.out.as_deref().map(CaptureDir::create).transpose()?;
    let base = ScanOptions {
        mappings,
        timeout: Duration::from_secs(args.timeout.max(1)),
        fill_forms: !args.no_forms,
        submit: args.submit,
        ignore_https_errors: args.ignore_https_errors,
        scripts_dir: dir.as_ref().map(CaptureDir::scripts_dir),
        ..ScanOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let analyser = Analyser::load(&args.report, !args.capture_only)?;
    let mut any_failed = false;
    let mut printed = Vec::new();
    let mut reports = Vec::new();
    let mut page_facts = Vec::new();
    for url in &args.urls {
        for persona in &personas {
            let options = ScanOptions {
                persona: persona.clone(),
                ..base.clone()
            };
            let name = capture_name(url, persona.as_ref().map(|p| p.name.as_str()));
            eprintln!(
                "scanning {url}{}",
                persona
                    .as_ref()
                    .map(|p| format!(" as {}", p.name))
                    .unwrap_or_default()
            );
            match runtime.block_on(outflow_capture::scan(url, &options)) {
                Ok(output) => {
                    let failed = capture_failed(&output.capture);
                    any_failed |= failed;
                    summarise(&name, &output.capture);
                    let analysed = Analysed {
                        dir: dir.as_ref(),
                        name: &name,
                        capture_only: args.capture_only,
                        analyser: &analyser,
                    };
                    let facts = analysed.finish(
                        output.capture,
                        &output.sources,
                        &mut printed,
                        &mut reports,
                    )?;
                    if !args.capture_only {
                        page_facts.push(facts.filter(|_| !failed));
                    }
                }
                Err(error) => {
                    eprintln!("error: {url}: {error}");
                    any_failed = true;
                }
            }
        }
    }
    let follow = super::watch::FollowUp {
        save: !args.no_save && !args.capture_only,
        save_asked: args.save || args.follow.db.db.is_some(),
        options: args.follow.clone(),
    };
    let code = finish_run(printed, &reports, &args.report, any_failed)?;
    let violated = super::watch::follow_up(&follow, &reports, &page_facts)?;
    if violated && !any_failed {
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}

/// Where one capture goes once made: saved, printed or analysed.
pub struct Analysed<'a> {
    /// The `--out` folder, when given.
    pub dir: Option<&'a CaptureDir>,
    /// The capture's file name stem.
    pub name: &'a str,
    /// `--capture-only`: keep the capture, skip analysis.
    pub capture_only: bool,
    /// How to analyse it.
    pub analyser: &'a Analyser,
}

impl Analysed<'_> {
    /// Saves the capture (and its report) to the `--out` folder, and either
    /// holds the capture for printing (`--capture-only`) or analyses it.
    /// Returns the page facts of an analysed capture, for the history.
    pub fn finish(
        &self,
        capture: Capture,
        sources: &BTreeMap<String, String>,
        printed: &mut Vec<Capture>,
        reports: &mut Vec<Report>,
    ) -> anyhow::Result<Option<outflow_store::PageFacts>> {
        if self.capture_only {
            save(self.dir, self.name, capture, sources, printed)?;
            return Ok(None);
        }
        let analysed = match self.dir {
            Some(dir) => self.write_bundle(dir, capture, sources)?,
            None => outflow_pipeline::analyse_capture(
                capture,
                outflow_pipeline::Sources::Map(sources),
                &self.analyser.pipeline(),
            ),
        };
        reports.push(analysed.report);
        Ok(Some(analysed.facts))
    }

    /// Adds the capture to the evidence bundle in the `--out` folder (see
    /// [`outflow_report::bundle`]): the report is made from the bundle's
    /// own copy of the scripts, exactly as `outflow verify` will remake it.
    fn write_bundle(
        &self,
        dir: &CaptureDir,
        capture: Capture,
        sources: &BTreeMap<String, String>,
    ) -> anyhow::Result<outflow_pipeline::AnalysedCapture> {
        let scripts = dir.scripts_dir();
        let root = scripts.parent().unwrap_or(&scripts);
        let bundle = outflow_report::bundle::Bundle::create(root)?;
        // Bodies a live scan already wrote to scripts/ are not in `sources`;
        // HAR imports bring theirs here.
        bundle.add_scripts(sources)?;
        let kept = capture.clone();
        let pipeline = self.analyser.pipeline();
        let outflow_pipeline::AnalysedCapture { report, facts } = outflow_pipeline::analyse_capture(
            capture,
            outflow_pipeline::Sources::Dir(&bundle.scripts_dir()),
            &pipeline,
        );
        let html = outflow_report::html(&report);
        let sarif = outflow_report::sarif(std::slice::from_ref(&report), &rule_docs());
        let folder = bundle.add_capture(
            self.name,
            &kept,
            &outflow_report::bundle::RenderedReports {
                report: &report,
                html: &html,
                sarif: &sarif,
            },
            self.analyser.bundle_settings(&bundle)?,
            pipeline.tool_version,
        )?;
        eprintln!("  written: {}", folder.display());
        Ok(outflow_pipeline::AnalysedCapture { report, facts })
    }
}

/// Prints what a run made (captures or reports) and turns it into the exit
/// status.
pub fn finish_run(
    printed: Vec<Capture>,
    reports: &[Report],
    args: &ReportArgs,
    any_failed: bool,
) -> anyhow::Result<ExitCode> {
    print_captures(printed)?;
    if !reports.is_empty() {
        emit_with(reports, args.format, args.color)?;
    }
    Ok(exit_code(reports, args.fail_on, any_failed))
}

/// Writes a capture into `dir`, or holds it for standard output.
pub fn save(
    dir: Option<&CaptureDir>,
    name: &str,
    capture: Capture,
    sources: &BTreeMap<String, String>,
    printed: &mut Vec<Capture>,
) -> anyhow::Result<()> {
    match dir {
        Some(dir) => {
            let path = dir.write(name, &capture, sources)?;
            eprintln!("  written: {}", path.display());
        }
        None => printed.push(capture),
    }
    Ok(())
}

/// Prints held captures: one as an object, several as an array.
pub fn print_captures(printed: Vec<Capture>) -> anyhow::Result<()> {
    if printed.is_empty() {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    if printed.len() == 1 {
        serde_json::to_writer_pretty(&mut stdout, &printed[0])
    } else {
        serde_json::to_writer_pretty(&mut stdout, &printed)
    }
    .context("writing the capture")?;
    stdout.write_all(b"\n").context("writing the capture")?;
    Ok(())
}

/// One line per capture on standard error, then its problems.
pub fn summarise(name: &str, capture: &Capture) {
    let calls = capture
        .api_calls
        .as_ref()
        .map(|c| c.len().to_string())
        .unwrap_or_else(|| "n/a".to_string());
    eprintln!(
        "{name}: {} requests, {} scripts, {calls} API call records, {} canaries, {} problems",
        capture.requests.len(),
        capture.scripts.len(),
        capture.canaries.len(),
        capture.errors.len()
    );
    for error in &capture.errors {
        eprintln!("  {:?}: {}", error.kind, error.message);
    }
}
