//! The HTML report: one self-contained file that makes no network request.
//!
//! Its own style sheet and script are inline and allowed by hash in a strict
//! Content-Security-Policy (`default-src 'none'`): no other script, style,
//! image, font, frame or connection can load, even if a hostile string got
//! past escaping. Every string from the report is escaped ([`escape::text`]);
//! generated ids are the only values in attributes that the script reads.

mod escape;
mod findings;
mod flow_map;
mod tables;

use std::fmt::Write;

use base64::Engine;
use outflow_model::{Report, Severity};
use sha2::{Digest, Sha256};

use escape::text;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// The Content-Security-Policy of the report: nothing but its own inline
/// style sheet and script, by hash.
pub(crate) fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src 'none'; font-src 'none'; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A report as one self-contained HTML page: the verdict, the data-flow
/// map, the findings with their evidence, the script inventory, the
/// destinations per country and the problems met.
pub fn html(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    page_start(&mut out, &target_of(report));
    render_report(&mut out, report, "");
    page_end(&mut out, &report.tool_version);
    out
}

/// Several reports (the URLs and personas of one run) as one
/// self-contained HTML page: an index of the captures with their verdicts,
/// then each report as [`html`] shows it, its ids prefixed `r<k>-`.
pub fn html_many(reports: &[Report]) -> String {
    if let [one] = reports {
        return html(one);
    }
    let mut out = String::with_capacity(64 * 1024 * reports.len().max(1));
    page_start(&mut out, &format!("{} captures", reports.len()));
    let _ = write!(
        out,
        "<header id=\"index\"><h1>outflow reports</h1><div class=\"target\">{} captures</div><table class=\"index\"><thead><tr><th>capture</th><th>verdict</th><th>findings</th><th>hosts contacted</th></tr></thead><tbody>",
        reports.len()
    );
    for (k, report) in reports.iter().enumerate() {
        let verdict_class = verdict_class(report);
        let _ = write!(
            out,
            "<tr><td><a href=\"#r{k}-summary\">{}</a></td><td class=\"s-{verdict_class}\">{}</td><td>{}</td><td>{}</td></tr>",
            text(&target_of(report)),
            text(&report.summary.verdict),
            report.findings.len(),
            report.summary.hosts_contacted
        );
    }
    out.push_str("</tbody></table></header>");
    for (k, report) in reports.iter().enumerate() {
        let _ = write!(out, "<article class=\"report\" id=\"r{k}\">");
        render_report(&mut out, report, &format!("r{k}-"));
        out.push_str("</article>");
    }
    let version = reports
        .first()
        .map(|r| r.tool_version.as_str())
        .unwrap_or(env!("CARGO_PKG_VERSION"));
    page_end(&mut out, version);
    out
}

/// What a report is about: its target, with the persona when there was one.
fn target_of(report: &Report) -> String {
    match &report.target.persona {
        Some(persona) => format!("{} (as {persona})", report.target.value),
        None => report.target.value.clone(),
    }
}

/// The style class of a report's verdict: its highest severity, or none.
fn verdict_class(report: &Report) -> &'static str {
    report
        .summary
        .highest
        .map(Severity::as_str)
        .unwrap_or("none")
}

fn page_start(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>outflow report: {}</title><style>{STYLE}</style></head><body><main>",
        content_security_policy(),
        text(title)
    );
}

fn page_end(out: &mut String, tool_version: &str) {
    let _ = write!(
        out,
        "<footer>Written by outflow {}. Every finding above can be re-checked offline from the evidence bundle with <code>outflow verify DIR</code>.</footer></main><script>{SCRIPT}</script></body></html>",
        text(tool_version)
    );
    out.push('\n');
}

/// One report's sections; `prefix` starts every id.
fn render_report(out: &mut String, report: &Report, prefix: &str) {
    let target = target_of(report);
    let verdict_class = verdict_class(report);
    let _ = write!(
        out,
        "<header id=\"{prefix}summary\"><h1>outflow report</h1><div class=\"target\">{} <span class=\"dim\">· {} · outflow {} · schema {}</span></div>\
<div class=\"verdict s-{verdict_class}\" id=\"{prefix}verdict\">{}</div><div class=\"counts\">",
        text(&target),
        target_kind(report),
        text(&report.tool_version),
        text(&report.schema_version),
        text(&report.summary.verdict),
    );
    for severity in Severity::ALL.iter().rev() {
        let count = report
            .summary
            .counts
            .get(severity)
            .copied()
            .unwrap_or_default();
        let _ = write!(
            out,
            "<span class=\"c-{severity}\">{count} {severity}</span>"
        );
    }
    let _ = write!(
        out,
        "<span>{} script(s)</span><span>{} host(s) contacted</span><span>{} named in code only</span></div>",
        report.summary.scripts, report.summary.hosts_contacted, report.summary.hosts_latent
    );
    let _ = write!(
        out,
        "<nav><a href=\"#{prefix}map\">data flow</a><a href=\"#{prefix}findings\">findings</a><a href=\"#{prefix}scripts\">scripts</a><a href=\"#{prefix}countries\">countries</a>"
    );
    if !report.errors.is_empty() {
        let _ = write!(out, "<a href=\"#{prefix}problems\">problems</a>");
    }
    out.push_str("</nav></header>");

    let _ = write!(
        out,
        "<section id=\"{prefix}map\"><h2>Data flow</h2><div class=\"legend\"><span>page → scripts → hosts → owners → countries</span><span>colour: worst finding touching the node</span><span>dashed: named in code, not contacted</span><span>⚑ government-list flag</span><span>click a node to follow its paths</span></div>"
    );
    out.push_str(&flow_map::render(report, prefix));
    out.push_str("</section>");

    let _ = write!(
        out,
        "<section id=\"{prefix}findings\"><h2>Findings ({})</h2>{}</section>",
        report.findings.len(),
        findings::render(&report.findings)
    );
    let _ = write!(
        out,
        "<section id=\"{prefix}scripts\"><h2>Scripts ({})</h2>{}</section>",
        report.inventory.len(),
        tables::inventory(report)
    );
    let _ = write!(
        out,
        "<section id=\"{prefix}countries\"><h2>Destinations by country</h2>{}</section>",
        tables::countries(report)
    );
    if !report.errors.is_empty() {
        let _ = write!(
            out,
            "<section id=\"{prefix}problems\"><h2>Problems ({})</h2>{}</section>",
            report.errors.len(),
            tables::problems(&report.errors)
        );
    }
}

fn target_kind(report: &Report) -> &'static str {
    match report.target.kind {
        outflow_model::TargetKind::Page => "page visit",
        outflow_model::TargetKind::Har => "HAR recording",
        outflow_model::TargetKind::Files => "local files",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_only_the_inline_style_and_script() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'"));
        assert!(!csp.contains("unsafe"));
        assert_eq!(csp.matches("'sha256-").count(), 2);
    }
}
