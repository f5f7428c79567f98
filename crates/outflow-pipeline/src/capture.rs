//! A capture (browser visit or HAR): the scripts that ran, the requests
//! they made, and what their code could do besides.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use outflow_detect::{Facts, ScriptFacts};
use outflow_model::{
    Capture, CaptureErrorKind, CaptureSource, InventoryScript, PageFacts, Party, Report,
    ScriptInput, ScriptOrigin, Target, TargetKind, host_of,
};
use rayon::prelude::*;

use crate::Pipeline;
use crate::assemble::{self, Parts};
use crate::{integrity, page};

/// Where the script bodies of a capture are: in memory, or in the
/// `scripts/` folder of a capture directory, each named `<sha256>.js`.
#[derive(Debug, Clone, Copy)]
pub enum Sources<'a> {
    /// Bodies by SHA-256.
    Map(&'a BTreeMap<String, String>),
    /// A folder of `<sha256>.js` files.
    Dir(&'a Path),
}

impl Sources<'_> {
    fn get(&self, sha256: &str, max_bytes: usize) -> Option<Arc<str>> {
        if sha256.is_empty() || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        match self {
            Sources::Map(map) => map.get(sha256).map(|s| Arc::from(s.as_str())),
            Sources::Dir(dir) => {
                let path = dir.join(format!("{sha256}.js"));
                if std::fs::metadata(&path).ok()?.len() > max_bytes as u64 {
                    return None;
                }
                let bytes = std::fs::read(path).ok()?;
                Some(Arc::from(String::from_utf8_lossy(&bytes).as_ref()))
            }
        }
    }
}

/// A capture once the pipeline has read it: its report, and the facts of
/// the visit the report does not carry, for the scan history.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysedCapture {
    /// The report.
    pub report: Report,
    /// The page facts (security headers, destinations, integrity).
    pub facts: PageFacts,
}

/// Analyses a capture and keeps only its report, for callers that save
/// no history.
pub fn report_capture(capture: Capture, sources: Sources<'_>, pipeline: &Pipeline<'_>) -> Report {
    analyse_capture(capture, sources, pipeline).report
}

/// Analyses every script of a capture (each distinct body once), attributes
/// every host contacted or named, reads the page facts (headers,
/// destinations, Subresource Integrity), runs the rules and reports.
pub fn analyse_capture(
    capture: Capture,
    sources: Sources<'_>,
    pipeline: &Pipeline<'_>,
) -> AnalysedCapture {
    // Protocol drift is a note about the browser's version, not a problem
    // with what was captured: it stays in the capture, out of the report.
    let mut errors: Vec<String> = capture
        .errors
        .iter()
        .filter(|e| e.kind != CaptureErrorKind::ProtocolDrift)
        .map(|e| format!("{:?}: {}", e.kind, e.message))
        .collect();
    let scripts = analyse_scripts(&capture, sources, pipeline, &mut errors);
    let mut hosts: BTreeSet<String> = capture
        .requests
        .iter()
        .filter_map(|r| host_of(&r.url))
        .collect();
    hosts.extend(scripts.iter().flat_map(assemble::named_hosts));
    let addresses = recorded_addresses(&capture);
    let site = pipeline
        .site
        .map(str::to_string)
        .unwrap_or_else(|| site_of(&capture));
    let attributions = assemble::attribute(pipeline, Some(&site), &hosts, &addresses);

    let (request_edges, contacts) = {
        let facts = Facts {
            capture: Some(&capture),
            scripts: &scripts,
            attributions: &attributions,
        };
        let mut edges = Vec::new();
        let mut contacts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for request in &capture.requests {
            let Some(host) = host_of(&request.url) else {
                continue;
            };
            let script = facts
                .request_script(request)
                .unwrap_or_else(|| "page".to_string());
            contacts
                .entry(script.clone())
                .or_default()
                .insert(host.clone());
            edges.push((script, host));
        }
        (edges, contacts)
    };
    let flows = assemble::flows(
        request_edges,
        scripts.iter().flat_map(|s| {
            assemble::named_hosts(s)
                .into_iter()
                .map(|host| (s.name.clone(), host))
        }),
    );
    let inventory = capture
        .scripts
        .iter()
        .filter_map(|script| {
            let facts = scripts.iter().find(|s| s.id == script.id)?;
            let host = facts.host();
            let party = host.as_deref().map(|h| {
                attributions
                    .get(h)
                    .map(|a| a.party)
                    .unwrap_or(Party::Unknown)
            });
            Some(InventoryScript {
                id: script.id.clone(),
                name: facts.name.clone(),
                origin: origin_kind(&script.origin).to_string(),
                host,
                party,
                size: script.size,
                sha256: script.sha256.clone(),
                obfuscation: facts.analysis.as_ref().map_or(0.0, |a| a.obfuscation.score),
                contacts: contacts
                    .get(&facts.name)
                    .map(|h| h.iter().cloned().collect())
                    .unwrap_or_default(),
                names: assemble::named_hosts(facts),
                frame: script
                    .frame_id
                    .as_deref()
                    .and_then(|id| capture.frames.iter().find(|f| f.id == id))
                    .filter(|f| f.parent_id.is_some())
                    .map(|f| f.url.clone()),
            })
        })
        .collect();
    let target = Target {
        kind: match capture.source {
            CaptureSource::Har { .. } => TargetKind::Har,
            _ => TargetKind::Page,
        },
        value: capture.target.clone(),
        persona: capture.persona.clone(),
        final_url: capture.final_url.clone().filter(|u| *u != capture.target),
    };
    // From the recorded elements and served hashes, not from the browser's
    // console, so that `outflow verify` checks it like the findings.
    let integrity = capture
        .script_elements
        .as_deref()
        .map(integrity::integrity_of);
    let facts = page::page_facts(&capture, integrity.clone());
    let report = assemble::report(
        pipeline,
        Parts {
            target,
            capture: Some(capture),
            scripts,
            attributions,
            inventory,
            integrity,
            flows,
            documents: Vec::new(),
            errors,
        },
    );
    AnalysedCapture { report, facts }
}

/// The name a reader knows a captured script by.
pub fn script_name(id: &str, origin: &ScriptOrigin) -> String {
    match origin {
        ScriptOrigin::External { url } | ScriptOrigin::Worker { url } => url.clone(),
        ScriptOrigin::Inline {
            document, index, ..
        } => format!("inline:{document}#{index}"),
        ScriptOrigin::Eval {
            parent_url,
            parent_id,
            ..
        } => format!(
            "eval:{}#{id}",
            parent_url
                .as_deref()
                .or(parent_id.as_deref())
                .unwrap_or("unknown")
        ),
    }
}

fn origin_kind(origin: &ScriptOrigin) -> &'static str {
    match origin {
        ScriptOrigin::External { .. } => "external",
        ScriptOrigin::Inline { .. } => "inline",
        ScriptOrigin::Eval { .. } => "eval",
        ScriptOrigin::Worker { .. } => "worker",
    }
}

/// The analysis of every script; bodies shared by several scripts (the
/// same library loaded twice) are analysed once.
fn analyse_scripts(
    capture: &Capture,
    sources: Sources<'_>,
    pipeline: &Pipeline<'_>,
    errors: &mut Vec<String>,
) -> Vec<ScriptFacts> {
    let max = pipeline.js.max_script_bytes;
    let distinct: BTreeMap<&str, &outflow_model::Script> = capture
        .scripts
        .iter()
        .filter(|s| !s.sha256.is_empty())
        .map(|s| (s.sha256.as_str(), s))
        .collect();
    let analysed: BTreeMap<&str, (Option<Arc<str>>, Vec<outflow_model::ScriptAnalysis>)> = distinct
        .into_par_iter()
        .map(|(sha, script)| {
            let source = sources.get(sha, max);
            let analyses = match &source {
                Some(text) => {
                    let name = script_name(&script.id, &script.origin);
                    let input = ScriptInput::Captured {
                        script_id: script.id.clone(),
                        url: origin_url(&script.origin),
                    };
                    outflow_js::analyze_script(&name, input, text.as_bytes(), pipeline.js)
                }
                None => Vec::new(),
            };
            (sha, (source, analyses))
        })
        .collect();
    let mut out = Vec::new();
    for script in &capture.scripts {
        let name = script_name(&script.id, &script.origin);
        let url = match &script.origin {
            ScriptOrigin::External { url } | ScriptOrigin::Worker { url } => Some(url.clone()),
            _ => None,
        };
        let (source, analyses) = match analysed.get(script.sha256.as_str()) {
            Some((source, analyses)) => (source.clone(), analyses.as_slice()),
            None => (None, &[][..]),
        };
        if source.is_none() {
            let reason = script
                .body_error
                .clone()
                .unwrap_or_else(|| "source not available".to_string());
            errors.push(format!("{name}: not analysed: {reason}"));
        }
        let mut analyses = analyses.iter();
        let main = analyses.next().cloned().map(|mut a| {
            a.name = name.clone();
            a
        });
        out.push(ScriptFacts {
            id: script.id.clone(),
            name: name.clone(),
            url,
            sha256: script.sha256.clone(),
            source,
            analysis: main,
        });
        // Code the script builds and runs, decoded statically: its own
        // facts, located in the decoded text (not kept, so no snippets).
        for (index, child) in analyses.enumerate() {
            out.push(ScriptFacts {
                id: format!("{}#decoded{index}", script.id),
                name: format!("{name}#decoded{index}"),
                url: None,
                sha256: child.sha256.clone(),
                source: None,
                analysis: Some(child.clone()),
            });
        }
    }
    out
}

fn origin_url(origin: &ScriptOrigin) -> String {
    match origin {
        ScriptOrigin::External { url } | ScriptOrigin::Worker { url } => url.clone(),
        ScriptOrigin::Inline { document, .. } => document.clone(),
        ScriptOrigin::Eval { parent_url, .. } => parent_url.clone().unwrap_or_default(),
    }
}

/// The addresses each host was reached at, from the responses' remote
/// addresses (`ip:port` or `[ipv6]:port`).
fn recorded_addresses(capture: &Capture) -> BTreeMap<String, Vec<IpAddr>> {
    let mut out: BTreeMap<String, Vec<IpAddr>> = BTreeMap::new();
    for request in &capture.requests {
        let (Some(host), Some(address)) = (
            host_of(&request.url),
            request
                .response
                .as_ref()
                .and_then(|r| r.remote_address.as_deref())
                .and_then(parse_address),
        ) else {
            continue;
        };
        let list = out.entry(host).or_default();
        if !list.contains(&address) {
            list.push(address);
        }
    }
    out
}

fn parse_address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    text.trim_start_matches('[')
        .split(']')
        .next()
        .and_then(|s| s.parse().ok())
}

/// The most redirects followed from the page asked for to where it landed.
const MAX_REDIRECT_HOPS: usize = 20;

/// The site a capture is about: where the page asked for landed after its
/// redirects. Not where the visit ended: a form posted top-level to a
/// collector, or a script sending the visitor elsewhere, must not make that
/// party first party.
fn site_of(capture: &Capture) -> String {
    let asked = url::Url::parse(&capture.target).ok();
    let first = capture.requests.iter().find(|r| {
        r.url == capture.target
            || asked
                .as_ref()
                .is_some_and(|asked| url::Url::parse(&r.url).is_ok_and(|u| u == *asked))
    });
    let Some(mut landed) = first else {
        return if capture.target.is_empty() {
            capture.final_url.clone().unwrap_or_default()
        } else {
            capture.target.clone()
        };
    };
    for _ in 0..MAX_REDIRECT_HOPS {
        match capture
            .requests
            .iter()
            .find(|r| r.redirected_from.as_deref() == Some(landed.id.as_str()))
        {
            Some(next) => landed = next,
            None => break,
        }
    }
    landed.url.clone()
}
