//! `outflow scan`: pages visited in Chromium (each as every persona),
//! reported, bundled, saved, gated and alerted on.

use std::path::PathBuf;

use outflow_bundle::capture_name;

use crate::analyser::{Analyser, AttributionOptions};
use crate::error::Result;
use crate::evidence::Evidence;
use crate::follow::FollowOptions;
use crate::output::{ExitStatus, OutputOptions};
use crate::session::{Run, Session};
use crate::visit::{VisitOptions, resolve_personas, with_persona};

/// What `outflow scan` was asked.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Pages to visit.
    pub urls: Vec<String>,
    /// Visit as these personas, one scan each (none: one scan without).
    pub personas: Vec<String>,
    /// How to visit.
    pub visit: VisitOptions,
    /// The evidence folder.
    pub out: Option<PathBuf>,
    /// Keep the captures, skip analysis.
    pub capture_only: bool,
    /// How hosts are attributed.
    pub attribution: AttributionOptions,
    /// How reports are printed.
    pub output: OutputOptions,
    /// History, policy and alerts.
    pub follow: FollowOptions,
    /// `--payment-processor` domains allowed to receive card data (the
    /// policy file's `payment_processors` are added).
    pub payment_processors: Vec<String>,
    /// Start Chromium without its sandbox where it cannot start one
    /// (`--unsafe-no-sandbox`; each capture says so).
    pub unsafe_no_sandbox: bool,
}

/// The processors allowed to receive card data: `--payment-processor`
/// and the policy file's, each once.
fn payment_processors(request: &ScanRequest) -> Result<Vec<String>> {
    let mut out = request.payment_processors.clone();
    if let Some(path) = &request.follow.policy {
        out.extend(crate::gate::load_policy(path)?.payment_processors);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Runs a scan: exit 2 when a browser could not start or a page could not
/// be loaded at all (after writing every capture it could make), 1 when a
/// finding reaches `--fail-on` or the policy is broken.
pub fn scan(request: &ScanRequest) -> Result<ExitStatus> {
    request.follow.check()?;
    for url in &request.urls {
        outflow_capture::check_page_url(url)?;
    }
    let mut base = request.visit.scan_options(None)?;
    base.payment_processors = payment_processors(request)?;
    base.unsafe_no_sandbox = request.unsafe_no_sandbox;
    let personas = resolve_personas(&request.personas)?;
    let names: Vec<String> = request
        .urls
        .iter()
        .flat_map(|url| {
            personas
                .iter()
                .map(|p| capture_name(url, p.as_ref().map(|p| p.name.as_str())))
        })
        .collect();
    let evidence = request
        .out
        .as_deref()
        .map(|out| Evidence::create(out, &names))
        .transpose()?;
    base.scripts_dir = evidence.as_ref().map(Evidence::scripts_dir);
    let session = Session::start(Analyser::load(&request.attribution, !request.capture_only)?)?;
    let mut run = Run::new(
        session.analyser(),
        evidence.as_ref(),
        request.capture_only,
        true,
    );
    for url in &request.urls {
        for persona in &personas {
            let options = with_persona(&base, persona.as_ref());
            let name = capture_name(url, persona.as_ref().map(|p| p.name.as_str()));
            eprintln!(
                "scanning {url}{}",
                persona
                    .as_ref()
                    .map(|p| format!(" as {}", p.name))
                    .unwrap_or_default()
            );
            run.visited(&name, url, session.visit(url, &options))?;
        }
    }
    let follow = FollowOptions {
        save: request.follow.save && !request.capture_only,
        ..request.follow.clone()
    };
    run.finish(&request.output, Some(&follow))
}
