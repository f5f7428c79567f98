//! The terminal report of a page, a HAR file or local files, readable in ten
//! seconds: the verdict, counts by severity, the third-party destinations
//! grouped by owner and country with their government-list flags, then each
//! finding in one or two lines with its strongest evidence.

use std::collections::{BTreeMap, BTreeSet};

use outflow_model::{Attribution, Channel, Evidence, Finding, Party, Report, Severity};

use crate::style::{Painter, TerminalOptions, Tone, clean, shorten_middle};

/// Hosts listed per owner before "+N".
const HOSTS_SHOWN: usize = 4;
/// Problems listed before "… and N more".
const ERRORS_SHOWN: usize = 10;
/// Column where a finding's title starts (after the severity and rule).
const INDENT: &str = "            ";

/// Renders a report as plain text, 100 columns, no colour.
pub fn terminal(report: &Report) -> String {
    terminal_with(report, &TerminalOptions::default())
}

/// Renders a report with the given colour and width.
pub fn terminal_with(report: &Report, options: &TerminalOptions) -> String {
    let mut p = Painter::new(*options);
    let target = match &report.target.persona {
        Some(persona) => format!("{} (as {persona})", report.target.value),
        None => report.target.value.clone(),
    };
    p.styled(
        &format!("outflow {}", clean(&report.tool_version)),
        Tone::Dim,
    );
    p.text("  ");
    p.styled(&clean(&target), Tone::Bold);
    p.newline();
    render_verdict(&mut p, report);
    render_counts(&mut p, report);
    render_destinations(&mut p, report);
    if !report.findings.is_empty() {
        p.newline();
        p.styled("findings", Tone::Bold);
        p.newline();
        for finding in &report.findings {
            render_finding(&mut p, finding);
        }
    }
    if !report.errors.is_empty() {
        p.newline();
        p.styled(&format!("problems ({})", report.errors.len()), Tone::Bold);
        p.newline();
        for error in report.errors.iter().take(ERRORS_SHOWN) {
            p.text("  ");
            p.text(&clean(error));
            p.newline();
        }
        if report.errors.len() > ERRORS_SHOWN {
            p.text(&format!(
                "  … and {} more",
                report.errors.len() - ERRORS_SHOWN
            ));
            p.newline();
        }
    }
    p.finish()
}

fn render_verdict(p: &mut Painter, report: &Report) {
    let tone = report.summary.highest.map(Tone::of).unwrap_or(Tone::Green);
    let mark = match report.summary.highest {
        Some(Severity::Critical | Severity::High) => "✖",
        Some(Severity::Medium | Severity::Low) => "▲",
        Some(Severity::Info) | None => "✔",
    };
    p.styled(&format!("{mark} {}", clean(&report.summary.verdict)), tone);
    p.newline();
}

fn render_counts(p: &mut Painter, report: &Report) {
    for (i, severity) in Severity::ALL.iter().rev().enumerate() {
        let count = report
            .summary
            .counts
            .get(severity)
            .copied()
            .unwrap_or_default();
        if i > 0 {
            p.text(" · ");
        }
        let text = format!("{count} {severity}");
        if count > 0 {
            p.styled(&text, Tone::of(*severity));
        } else {
            p.text(&text);
        }
    }
    p.newline();
    p.styled(
        &format!(
            "{} script(s) · {} host(s) contacted · {} named in code only",
            report.summary.scripts, report.summary.hosts_contacted, report.summary.hosts_latent
        ),
        Tone::Dim,
    );
    p.newline();
}

/// One owner (or "unknown owner") in one country, with its hosts.
#[derive(Default)]
struct OwnerGroup<'a> {
    ownership: Option<String>,
    lists: BTreeSet<&'a str>,
    contacted: Vec<&'a str>,
    latent: Vec<&'a str>,
}

/// Third-party destinations grouped by owner and country: flagged owners
/// first, then known owners, then hosts of unknown owner.
fn render_destinations(p: &mut Painter, report: &Report) {
    let contacted: BTreeSet<&str> = report
        .flows
        .iter()
        .filter(|f| f.requests > 0)
        .map(|f| f.host.as_str())
        .collect();
    let mut groups: BTreeMap<(bool, bool, String, String), OwnerGroup<'_>> = BTreeMap::new();
    for a in &report.attributions {
        if a.party == Party::First {
            continue;
        }
        let (owner, ownership) = owner_of(a);
        let country = a.country.clone().unwrap_or_else(|| "??".to_string());
        // Sort keys: flagged first (false < true), then known owners.
        let key = (a.flags.is_empty(), a.entity.is_none(), owner, country);
        let group = groups.entry(key).or_default();
        group.ownership = group.ownership.take().or(ownership);
        group
            .lists
            .extend(a.flags.iter().map(|f| f.list_name.as_str()));
        if contacted.contains(a.host.as_str()) || report.flows.is_empty() {
            group.contacted.push(&a.host);
        } else {
            group.latent.push(&a.host);
        }
    }
    if groups.is_empty() {
        return;
    }
    p.newline();
    p.styled("third-party destinations", Tone::Bold);
    p.styled(" (owner · country)", Tone::Dim);
    p.newline();
    for ((_, _, owner, country), group) in &groups {
        p.text("  ");
        p.styled(&clean(owner), Tone::Bold);
        p.text(&format!(" · {}", clean(country)));
        if let Some(ownership) = &group.ownership {
            p.text(&format!(" · {ownership}"));
        }
        if !group.lists.is_empty() {
            let lists: Vec<String> = group.lists.iter().map(|l| clean(l)).collect();
            p.text("  ");
            p.styled(&format!("⚑ {}", lists.join("; ")), Tone::Magenta);
        }
        p.newline();
        p.text("      ");
        p.text(&host_list(&group.contacted));
        if !group.latent.is_empty() {
            if !group.contacted.is_empty() {
                p.text("; ");
            }
            p.styled("named in code only: ", Tone::Dim);
            p.text(&host_list(&group.latent));
        }
        p.newline();
    }
}

fn owner_of(a: &Attribution) -> (String, Option<String>) {
    match &a.entity {
        Some(entity) => {
            let ownership = entity.ownership.map(|o| {
                serde_json::to_value(o)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
                    .unwrap_or_default()
            });
            (entity.name.clone(), ownership)
        }
        None => ("unknown owner".to_string(), None),
    }
}

fn host_list(hosts: &[&str]) -> String {
    let mut shown: Vec<String> = hosts.iter().take(HOSTS_SHOWN).map(|h| clean(h)).collect();
    if hosts.len() > HOSTS_SHOWN {
        shown.push(format!("+{}", hosts.len() - HOSTS_SHOWN));
    }
    shown.join(", ")
}

fn render_finding(p: &mut Painter, finding: &Finding) {
    p.text("  ");
    p.styled(
        &format!("{:<9}", finding.severity.as_str().to_uppercase()),
        Tone::of(finding.severity),
    );
    p.styled(&clean(&finding.rule), Tone::Bold);
    p.text("  ");
    p.text(&clean(&finding.title));
    p.newline();
    if let Some(evidence) = finding.evidence.first() {
        p.text(INDENT);
        p.styled("↳ ", Tone::Dim);
        let room = p.remaining();
        p.text(&evidence_text(evidence, room.min(200)));
        p.newline();
    }
}

/// One line for the strongest piece of evidence, cleaned for a terminal.
pub fn evidence_line(evidence: &Evidence) -> String {
    evidence_text(evidence, 160)
}

/// One line of evidence within about `room` characters: URLs and paths are
/// shortened in the middle so that both ends stay readable.
fn evidence_text(evidence: &Evidence, room: usize) -> String {
    let link_room = room.saturating_sub(40).max(30);
    let text = match evidence {
        Evidence::Request {
            method,
            url,
            channel,
            encodings,
            what,
            ..
        } => {
            let how = if encodings.is_empty() {
                String::new()
            } else {
                format!(", as {}", encodings.join(" of "))
            };
            format!(
                "{what} in {}{how}: {method} {}",
                channel_name(channel),
                shorten_middle(url, link_room)
            )
        }
        Evidence::Code {
            script, at, detail, ..
        } => format!(
            "{}:{}:{}: {detail}",
            shorten_middle(script, link_room),
            at.start.line,
            at.start.column
        ),
        Evidence::Api {
            script,
            api,
            count,
            observed,
            ..
        } => {
            let how = match observed {
                outflow_model::Observation::Dynamic => "called",
                outflow_model::Observation::Static => "in code",
            };
            format!(
                "{api} ×{count} ({how}) in {}",
                shorten_middle(script, link_room)
            )
        }
        Evidence::Note { text } => text.clone(),
    };
    clean(&text)
}

/// Where in a request or store the bytes were, for a reader.
pub fn channel_name(channel: &Channel) -> String {
    match channel {
        Channel::Url => "the URL".to_string(),
        Channel::Header { name } => format!("header {name}"),
        Channel::Body => "the body".to_string(),
        Channel::WebsocketFrame { index } => format!("WebSocket frame #{index}"),
        Channel::CookieWrite { name } => format!("cookie {name}"),
        Channel::StorageWrite { area, key } => format!("{area}Storage[{key}]"),
    }
}
