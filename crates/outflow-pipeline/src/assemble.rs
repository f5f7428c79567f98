//! The steps shared by captures and local files: attribution, detection and
//! the report's summary.

use std::collections::{BTreeMap, BTreeSet};

use outflow_detect::{Facts, ScriptFacts};
use outflow_model::{
    Attribution, Capture, DocumentAnalysis, Flow, InventoryScript, Report, SCHEMA_VERSION,
    ScriptIntegrity, Summary, Target,
};

use crate::Pipeline;

/// Who is behind each host, by host. Hosts reached at a recorded address
/// get that address's network when their own data leave it unknown.
pub(crate) fn attribute(
    pipeline: &Pipeline<'_>,
    site: Option<&str>,
    hosts: &BTreeSet<String>,
    addresses: &BTreeMap<String, Vec<std::net::IpAddr>>,
) -> BTreeMap<String, Attribution> {
    let Some(intel) = pipeline.intel else {
        return BTreeMap::new();
    };
    let site = site.map(|s| intel.site(s));
    hosts
        .iter()
        .map(|host| {
            let attribution = match addresses.get(host) {
                Some(ips) if !ips.is_empty() => {
                    intel.lookup_with_addresses(host, ips, site.as_ref())
                }
                _ => intel.lookup_for_site(host, site.as_ref()),
            };
            (host.clone(), attribution)
        })
        .collect()
}

/// Everything but the target-specific parts, assembled into a report.
pub(crate) struct Parts {
    pub target: Target,
    pub capture: Option<Capture>,
    pub scripts: Vec<ScriptFacts>,
    pub attributions: BTreeMap<String, Attribution>,
    pub inventory: Vec<InventoryScript>,
    pub integrity: Option<Vec<ScriptIntegrity>>,
    pub flows: Vec<Flow>,
    pub documents: Vec<DocumentAnalysis>,
    pub errors: Vec<String>,
}

/// Runs the rules and builds the report.
pub(crate) fn report(pipeline: &Pipeline<'_>, parts: Parts) -> Report {
    let facts = Facts {
        capture: parts.capture.as_ref(),
        scripts: &parts.scripts,
        attributions: &parts.attributions,
    };
    let findings = outflow_detect::detect(&facts);
    let contacted = facts.contacted_hosts();
    let named: BTreeSet<&str> = parts
        .scripts
        .iter()
        .filter_map(|s| s.analysis.as_ref())
        .flat_map(|a| a.endpoints.iter().filter_map(|e| e.host.as_deref()))
        .collect();
    let latent = named.iter().filter(|h| !contacted.contains(**h)).count();
    let mut summary = Summary::of(
        &findings,
        contacted.len() as u32,
        latent as u32,
        parts.scripts.len() as u32,
    );
    // A page stopped while still busy is never a clean "nothing found".
    if parts.capture.as_ref().is_some_and(|capture| {
        capture
            .errors
            .iter()
            .any(|e| e.message.starts_with(outflow_model::INCOMPLETE_BUSY))
    }) {
        summary.verdict = format!("{}; {}", outflow_model::INCOMPLETE_BUSY, summary.verdict);
    }
    Report {
        schema_version: SCHEMA_VERSION.to_string(),
        tool_version: pipeline.tool_version.to_string(),
        target: parts.target,
        summary,
        findings,
        attributions: parts.attributions.into_values().collect(),
        inventory: parts.inventory,
        integrity: parts.integrity,
        flows: parts.flows,
        documents: parts.documents,
        errors: parts.errors,
    }
}

/// Script → host edges: requests counted per edge, and whether the code
/// names the host.
pub(crate) fn flows(
    requests: impl IntoIterator<Item = (String, String)>,
    named: impl IntoIterator<Item = (String, String)>,
) -> Vec<Flow> {
    let mut edges: BTreeMap<(String, String), (u32, bool)> = BTreeMap::new();
    for edge in requests {
        edges.entry(edge).or_default().0 += 1;
    }
    for edge in named {
        edges.entry(edge).or_default().1 = true;
    }
    edges
        .into_iter()
        .map(|((script, host), (requests, named_in_code))| Flow {
            script,
            host,
            requests,
            named_in_code,
        })
        .collect()
}

/// The hosts a script's code names, sorted.
pub(crate) fn named_hosts(script: &ScriptFacts) -> Vec<String> {
    script
        .analysis
        .as_ref()
        .map(|a| {
            a.endpoints
                .iter()
                .filter_map(|e| e.host.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        })
        .unwrap_or_default()
}
