//! Helpers shared by the fingerprinting, session-recording, identity-SDK
//! and canary tests: facts from fixture files (static), synthetic captures
//! (dynamic) and real browser captures.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use outflow_detect::{Facts, ScriptFacts};
use outflow_model::{ApiAccess, ApiCall, Capture, Finding, Request, ScriptOrigin, Severity};

/// A fixture of `fixtures/detect/static`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/detect/static")
        .join(name)
}

/// Every script of a fixture file, analysed statically as `outflow js`
/// does, with its text for snippets.
pub fn static_scripts(name: &str) -> Vec<ScriptFacts> {
    let path = fixture(name);
    let text: Arc<str> = Arc::from(
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .as_str(),
    );
    let documents = outflow_js::analyze_paths(
        &[path.to_string_lossy().into_owned()],
        &outflow_js::Options::default(),
    );
    documents
        .into_iter()
        .flat_map(|d| d.scripts)
        .map(|analysis| ScriptFacts {
            id: analysis.name.clone(),
            name: analysis.name.clone(),
            url: None,
            sha256: analysis.sha256.clone(),
            source: Some(text.clone()),
            analysis: Some(analysis),
        })
        .collect()
}

/// Runs one rule over static facts.
pub fn check_static(slug: &str, fixture_name: &str) -> Vec<Finding> {
    check_scripts(slug, None, &static_scripts(fixture_name))
}

/// Runs one rule over these scripts and, when given, a capture.
pub fn check_scripts(
    slug: &str,
    capture: Option<&Capture>,
    scripts: &[ScriptFacts],
) -> Vec<Finding> {
    let attributions = BTreeMap::new();
    let facts = Facts {
        capture,
        scripts,
        attributions: &attributions,
    };
    outflow_detect::rule(slug)
        .unwrap_or_else(|| panic!("no rule {slug}"))
        .check(&facts)
}

/// Runs one rule over a capture, with scripts known only by URL (no
/// source), as when script bodies were not kept.
pub fn check_capture(slug: &str, capture: &Capture) -> Vec<Finding> {
    check_scripts(
        slug,
        Some(capture),
        &capture_scripts(capture, &BTreeMap::new()),
    )
}

/// The scripts of a capture as the rules see them: named by URL (or
/// `script ID` when they have none), with their bodies from `sources`
/// (by SHA-256) when kept, and no static analysis, so that whatever is
/// found was seen running.
pub fn capture_scripts(capture: &Capture, sources: &BTreeMap<String, String>) -> Vec<ScriptFacts> {
    capture
        .scripts
        .iter()
        .map(|s| {
            let url = match &s.origin {
                ScriptOrigin::External { url } | ScriptOrigin::Worker { url } => Some(url.clone()),
                _ => None,
            };
            ScriptFacts {
                id: s.id.clone(),
                name: url.clone().unwrap_or_else(|| format!("script {}", s.id)),
                url,
                sha256: s.sha256.clone(),
                source: sources.get(&s.sha256).map(|b| Arc::from(b.as_str())),
                analysis: None,
            }
        })
        .collect()
}

/// The most severe finding's severity, if any.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// An empty browser capture with one external script. Built from JSON so
/// that fields the model gains later (all defaulted) need no change here.
pub fn capture_with_script(script_url: &str) -> Capture {
    let mut capture =
        outflow_testkit::build::browser_capture("https://shop.test/", "2026-11-29T00:00:00Z", 5000);
    capture.scripts = vec![
        serde_json::from_value(serde_json::json!({
            "id": "7",
            "origin": { "kind": "external", "url": script_url },
            "sha256": "",
            "size": 0
        }))
        .expect("a script"),
    ];
    capture.api_calls = Some(Vec::new());
    capture
}

/// An aggregated API call by a script URL.
pub fn call(
    script_url: &str,
    api: &str,
    access: ApiAccess,
    count: u64,
    arguments: &[&str],
) -> ApiCall {
    ApiCall {
        script_id: None,
        script_url: script_url.to_string(),
        api: api.to_string(),
        access,
        count,
        arguments: arguments.iter().map(|a| a.to_string()).collect(),
        arguments_truncated: false,
        first_stack: Vec::new(),
        frame_url: None,
    }
}

/// A request sent by a script (a POST when it has a body).
pub fn request(id: &str, url: &str, script_url: &str, time_ms: u64, body: Option<&str>) -> Request {
    let method = if body.is_some() { "POST" } else { "GET" };
    let mut request = outflow_testkit::build::request(id, url, method, "Fetch", time_ms);
    request.initiator.url = Some(script_url.to_string());
    request.body = body.map(|body| {
        serde_json::from_value(serde_json::json!({ "text": body, "size": body.len() }))
            .expect("a body")
    });
    request
}
