//! The terminal report of a page, a HAR file or local files: the verdict,
//! counts by severity, the destinations grouped by entity and country with
//! their flags, then each finding with its strongest evidence.

use std::collections::BTreeMap;
use std::fmt::Write;

use outflow_model::{Attribution, Evidence, Finding, Report, Severity};

/// Renders a report as plain text.
pub fn terminal(report: &Report) -> String {
    let mut out = String::new();
    let target = match &report.target.persona {
        Some(persona) => format!("{} (as {persona})", report.target.value),
        None => report.target.value.clone(),
    };
    let _ = writeln!(out, "outflow {}: {target}", report.tool_version);
    let _ = writeln!(out, "verdict: {}", report.summary.verdict);
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            format!(
                "{} {s}",
                report.summary.counts.get(s).copied().unwrap_or_default()
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "findings: {}; {} script(s), {} host(s) contacted, {} named in code only",
        counts.join(", "),
        report.summary.scripts,
        report.summary.hosts_contacted,
        report.summary.hosts_latent
    );
    render_destinations(&mut out, &report.attributions);
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\nfindings");
        for finding in &report.findings {
            render_finding(&mut out, finding);
        }
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out, "\nproblems ({}):", report.errors.len());
        for error in report.errors.iter().take(10) {
            let _ = writeln!(out, "  {error}");
        }
        if report.errors.len() > 10 {
            let _ = writeln!(out, "  … and {} more", report.errors.len() - 10);
        }
    }
    out
}

/// Third-party destinations grouped by owner, with country and flags.
fn render_destinations(out: &mut String, attributions: &[Attribution]) {
    let mut by_owner: BTreeMap<(String, String), (Vec<&str>, usize)> = BTreeMap::new();
    for a in attributions {
        if a.party == outflow_model::Party::First {
            continue;
        }
        let owner = a
            .entity
            .as_ref()
            .map(|e| e.name.clone())
            .unwrap_or_else(|| "unknown owner".to_string());
        let country = a.country.clone().unwrap_or_else(|| "??".to_string());
        let entry = by_owner.entry((owner, country)).or_default();
        entry.0.push(&a.host);
        entry.1 = entry.1.max(a.flags.len());
    }
    if by_owner.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nthird-party destinations");
    for ((owner, country), (hosts, flags)) in by_owner {
        let flags = if flags > 0 {
            format!("  [{flags} government-list flag(s)]")
        } else {
            String::new()
        };
        let shown: Vec<&str> = hosts.iter().take(4).copied().collect();
        let more = if hosts.len() > 4 {
            format!(" +{}", hosts.len() - 4)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {owner} ({country}){flags}: {}{more}",
            shown.join(", ")
        );
    }
}

fn render_finding(out: &mut String, finding: &Finding) {
    let _ = writeln!(
        out,
        "  {:<8} {}  {}",
        finding.severity.as_str().to_uppercase(),
        finding.rule,
        finding.title
    );
    if let Some(evidence) = finding.evidence.first() {
        let _ = writeln!(out, "           {}", evidence_line(evidence));
    }
}

/// One line for the strongest piece of evidence.
pub fn evidence_line(evidence: &Evidence) -> String {
    match evidence {
        Evidence::Request {
            method,
            url,
            channel,
            encodings,
            what,
            ..
        } => {
            let how = if encodings.is_empty() {
                "plain".to_string()
            } else {
                encodings.join(" of ")
            };
            format!(
                "{what}: {method} {} ({channel:?}, {how})",
                shorten(url, 100)
            )
        }
        Evidence::Code {
            script, at, detail, ..
        } => format!(
            "{}:{}:{}: {detail}",
            shorten(script, 80),
            at.start.line,
            at.start.column
        ),
        Evidence::Api {
            script,
            api,
            count,
            observed,
            ..
        } => format!("{api} ×{count} ({observed:?}) in {}", shorten(script, 80)),
        Evidence::Note { text } => shorten(text, 160),
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}
