//! The terminal summary of `outflow js`: per script, its endpoints grouped
//! by host with their sinks and how they were computed, its API use by
//! technique, and its obfuscation score with the signals behind it.

use std::collections::BTreeMap;
use std::fmt::Write;

use outflow_model::{
    Attribution, DocumentAnalysis, Endpoint, EndpointKind, Report, ScriptAnalysis, Technique,
};

/// Locations listed per API before "…".
const LOCATIONS_SHOWN: usize = 3;

/// Renders documents as plain text, with who is behind the hosts they name
/// (destinations with a known owner first; unknown hosts are counted).
pub fn js_terminal(report: &Report) -> String {
    let documents = &report.documents;
    let mut out = String::new();
    render_destinations(&mut out, &report.attributions);
    let mut scripts = 0usize;
    let mut endpoints = 0usize;
    let mut hosts = std::collections::BTreeSet::new();
    let mut techniques = std::collections::BTreeSet::new();
    for document in documents {
        let _ = writeln!(out, "{}", document_heading(document));
        if let Some(error) = &document.error {
            let _ = writeln!(out, "  error: {error}");
        }
        if !document.references.is_empty() {
            let _ = writeln!(out, "  page references");
            for endpoint in &document.references {
                let _ = writeln!(out, "    {}", endpoint_line(endpoint));
            }
        }
        for script in &document.scripts {
            scripts += 1;
            endpoints += script.endpoints.len();
            hosts.extend(script.endpoints.iter().filter_map(|e| e.host.clone()));
            techniques.extend(script.api_uses.iter().map(|a| a.technique));
            render_script(
                &mut out,
                script,
                document.scripts.len() > 1 || script.name != document.path,
            );
        }
        out.push('\n');
    }
    let techniques: Vec<&str> = techniques.iter().map(|t| technique_name(*t)).collect();
    let _ = writeln!(
        out,
        "{} file(s), {} script(s), {} endpoint(s) naming {} host(s); API use: {}",
        documents.len(),
        scripts,
        endpoints,
        hosts.len(),
        if techniques.is_empty() {
            "none".to_owned()
        } else {
            techniques.join(", ")
        }
    );
    render_findings(&mut out, report);
    // Paths, URLs and strings come from the analysed files: each line is
    // cleaned of escape sequences and bidi controls before it reaches a
    // terminal.
    out.split('\n')
        .map(crate::style::clean)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The verdict, then one line per finding with its strongest evidence.
fn render_findings(out: &mut String, report: &Report) {
    let _ = writeln!(out, "\nverdict: {}", report.summary.verdict);
    for finding in &report.findings {
        let _ = writeln!(
            out,
            "  [{}] {} ({} confidence): {}",
            finding.severity,
            finding.rule,
            finding.confidence.as_str(),
            finding.title
        );
    }
}

fn document_heading(document: &DocumentAnalysis) -> String {
    let short_hash: String = document.sha256.chars().take(12).collect();
    format!(
        "{}  ({}, {} bytes, sha256 {short_hash})",
        document.path,
        format_name(document),
        document.size
    )
}

fn format_name(document: &DocumentAnalysis) -> &'static str {
    match document.format {
        outflow_model::DocumentFormat::Javascript => "javascript",
        outflow_model::DocumentFormat::Html => "html",
        outflow_model::DocumentFormat::Json => "json",
    }
}

fn render_script(out: &mut String, script: &ScriptAnalysis, show_name: bool) {
    let indent = if show_name {
        let _ = writeln!(out, "  {}  ({} bytes)", script.name, script.size);
        "    "
    } else {
        "  "
    };
    if let Some(skipped) = &script.skipped {
        let _ = writeln!(out, "{indent}skipped: {skipped}");
        return;
    }
    let obfuscation = &script.obfuscation;
    if obfuscation.score > 0.0 {
        let _ = writeln!(out, "{indent}obfuscation {:.2}", obfuscation.score);
        for signal in &obfuscation.signals {
            let _ = writeln!(out, "{indent}  - {}", signal.detail);
        }
    }
    if !script.endpoints.is_empty() {
        let _ = writeln!(out, "{indent}endpoints");
        for endpoint in &script.endpoints {
            let _ = writeln!(out, "{indent}  {}", endpoint_line(endpoint));
        }
    }
    if !script.api_uses.is_empty() {
        let _ = writeln!(out, "{indent}api use");
        let mut by_technique: BTreeMap<Technique, Vec<String>> = BTreeMap::new();
        for api in &script.api_uses {
            let mut places: Vec<String> = api
                .locations
                .iter()
                .take(LOCATIONS_SHOWN)
                .map(|l| format!("{}:{}", l.start.line, l.start.column))
                .collect();
            if api.locations.len() > LOCATIONS_SHOWN || api.count as usize > api.locations.len() {
                places.push("…".into());
            }
            by_technique.entry(api.technique).or_default().push(format!(
                "{} ({} ×{}) {}",
                api.api,
                access_name(api.access),
                api.count,
                places.join(" ")
            ));
        }
        for (technique, apis) in by_technique {
            let _ = writeln!(out, "{indent}  {}", technique_name(technique));
            for api in apis {
                let _ = writeln!(out, "{indent}    {api}");
            }
        }
    }
    let errors = script.diagnostics.len();
    if errors > 0 {
        let first = &script.diagnostics[0];
        let at = first
            .location
            .map(|l| format!(" at {}:{}", l.start.line, l.start.column))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}parse: {errors} diagnostic(s); first{at}: {}",
            first.message
        );
    }
}

fn endpoint_line(endpoint: &Endpoint) -> String {
    let mut line = format!(
        "{}:{}  {}  [{}",
        endpoint.location.start.line,
        endpoint.location.start.column,
        endpoint.value,
        kind_name(endpoint.kind)
    );
    if let Some(sink) = endpoint.sink {
        let _ = write!(
            line,
            ", → {}",
            serde_json::to_value(sink)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        );
    }
    if endpoint.pattern {
        line.push_str(", pattern");
    }
    if !endpoint.computed.is_empty() {
        let steps: Vec<String> = endpoint
            .computed
            .iter()
            .filter_map(|c| {
                serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
            })
            .collect();
        let _ = write!(line, ", resolved: {}", steps.join("+"));
    }
    if let Some(recovery) = &endpoint.recovery {
        let _ = write!(line, ", decoded: {}", recovery.method);
    }
    line.push(']');
    line
}

fn kind_name(kind: EndpointKind) -> &'static str {
    match kind {
        EndpointKind::Url => "url",
        EndpointKind::WebSocket => "websocket",
        EndpointKind::EventSource => "eventsource",
        EndpointKind::Host => "host",
        EndpointKind::Ip => "ip",
        EndpointKind::Path => "path",
    }
}

fn access_name(access: outflow_model::Access) -> &'static str {
    match access {
        outflow_model::Access::Get => "get",
        outflow_model::Access::Set => "set",
        outflow_model::Access::Call => "call",
        outflow_model::Access::Construct => "new",
        outflow_model::Access::Listen => "listen",
    }
}

/// The display name of a technique.
pub fn technique_name(technique: Technique) -> &'static str {
    match technique {
        Technique::Canvas => "canvas",
        Technique::Webgl => "webgl",
        Technique::Audio => "audio",
        Technique::Fonts => "fonts",
        Technique::Webrtc => "webrtc",
        Technique::Navigator => "navigator",
        Technique::Screen => "screen",
        Technique::Locale => "locale",
        Technique::Sensors => "sensors",
        Technique::Battery => "battery",
        Technique::MediaDevices => "media devices",
        Technique::Storage => "storage",
        Technique::Cookies => "cookies",
        Technique::InputValue => "input values",
        Technique::KeyListener => "key listeners",
        Technique::FormSubmit => "form submit",
        Technique::MutationObserver => "mutation observer",
    }
}

fn render_destinations(out: &mut String, attributions: &[Attribution]) {
    let known: Vec<&Attribution> = attributions.iter().filter(|a| a.entity.is_some()).collect();
    if known.is_empty() {
        return;
    }
    let _ = writeln!(out, "destinations with a known owner");
    for attribution in known {
        let Some(entity) = &attribution.entity else {
            continue;
        };
        let mut facts: Vec<String> = Vec::new();
        if let Some(country) = &attribution.country {
            facts.push(country.clone());
        }
        if let Some(ownership) = entity.ownership {
            let ownership = serde_json::to_value(ownership)
                .ok()
                .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
                .unwrap_or_default();
            facts.push(ownership);
        }
        let _ = writeln!(
            out,
            "  {}  {} ({})",
            attribution.host,
            entity.name,
            facts.join(", ")
        );
        let mut lists: Vec<&str> = attribution
            .flags
            .iter()
            .map(|f| f.list_name.as_str())
            .collect();
        lists.dedup();
        if !lists.is_empty() {
            let _ = writeln!(out, "    flags: {}", lists.join("; "));
        }
        for note in &attribution.legal_notes {
            let _ = writeln!(out, "    law: {}", note.law);
        }
    }
    let unknown = attributions.iter().filter(|a| a.entity.is_none()).count();
    if unknown > 0 {
        let _ = writeln!(out, "  and {unknown} host(s) with no known owner");
    }
    out.push('\n');
}
