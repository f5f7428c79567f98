//! The report's tables: the script inventory (origin, party, size,
//! SHA-256, what each contacts and names, its Subresource Integrity verdict
//! and the scripts the browser blocked) and destinations per country
//! (owners, flags with their sources, legal notes).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use outflow_model::{Attribution, IntegrityStatus, Party, Report, ScriptIntegrity, Severity};

use super::escape::{link, text};

/// Hosts listed per cell before "+N".
const HOSTS_PER_CELL: usize = 12;

/// The script inventory's markup.
pub(crate) fn inventory(report: &Report) -> String {
    if report.inventory.is_empty() && report.integrity.as_ref().is_none_or(Vec::is_empty) {
        return "<p class=\"none\">No script.</p>".to_string();
    }
    // The Subresource Integrity column, when the capture recorded script
    // elements: each script's verdict by URL.
    let integrity: Option<BTreeMap<&str, &ScriptIntegrity>> = report
        .integrity
        .as_ref()
        .map(|list| list.iter().map(|i| (i.name.as_str(), i)).collect());
    let mut out = String::from(
        "<table class=\"inventory\"><thead><tr><th>script</th><th>origin</th><th>party</th><th>size</th><th>sha256</th><th>obfuscation</th><th>contacts</th><th>names in code</th>",
    );
    if integrity.is_some() {
        out.push_str("<th>integrity</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for script in &report.inventory {
        let party = match script.party {
            Some(Party::First) => "first",
            Some(Party::Third) => "third",
            Some(Party::Unknown) | None => "",
        };
        let _ = write!(
            out,
            "<tr><td class=\"name\"><code>{}</code></td><td>{}</td><td>{party}</td><td class=\"num\">{}</td><td class=\"hash\"><code>{}</code></td><td class=\"num\">{:.2}</td><td>{}</td><td>{}</td>",
            text(&script.name),
            // PCI DSS 6.4.3: scripts of the payment page itself and those
            // of a processor's iframe answer to different parties.
            match &script.frame {
                Some(frame) => format!(
                    "{} in the iframe <code>{}</code>",
                    text(&script.origin),
                    text(frame)
                ),
                None => text(&script.origin).to_string(),
            },
            script.size,
            text(&script.sha256),
            script.obfuscation,
            hosts(&script.contacts),
            hosts(&script.names),
        );
        if let Some(integrity) = &integrity {
            match integrity.get(script.name.as_str()) {
                Some(verdict) => integrity_cell(&mut out, verdict),
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    // Scripts the browser refused never ran: they are in no inventory row.
    let blocked: Vec<&ScriptIntegrity> = report
        .integrity
        .iter()
        .flatten()
        .filter(|i| i.status == IntegrityStatus::Mismatch)
        .filter(|i| !report.inventory.iter().any(|s| s.name == i.name))
        .collect();
    if !blocked.is_empty() {
        out.push_str("<h3>Blocked by their integrity check</h3><table class=\"blocked\"><thead><tr><th>script</th><th>integrity</th></tr></thead><tbody>");
        for verdict in blocked {
            let _ = write!(
                out,
                "<tr><td class=\"name\"><code>{}</code></td>",
                text(&verdict.name)
            );
            integrity_cell(&mut out, verdict);
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
    }
    out
}

fn integrity_cell(out: &mut String, verdict: &ScriptIntegrity) {
    let _ = write!(
        out,
        "<td class=\"integrity i-{}\" title=\"{}\">{}</td>",
        verdict.status.as_str(),
        text(&verdict.detail),
        verdict.status.as_str()
    );
}

fn hosts(list: &[String]) -> String {
    let mut cells: Vec<String> = list
        .iter()
        .take(HOSTS_PER_CELL)
        .map(|h| format!("<code>{}</code>", text(h)))
        .collect();
    if list.len() > HOSTS_PER_CELL {
        cells.push(format!("+{}", list.len() - HOSTS_PER_CELL));
    }
    cells.join(" ")
}

#[derive(Default)]
struct CountryRow<'a> {
    hosts: Vec<&'a str>,
    owners: BTreeSet<&'a str>,
    flags: BTreeMap<&'a str, Option<&'a str>>,
    laws: BTreeMap<&'a str, Option<&'a str>>,
    requests: u32,
    worst: Option<Severity>,
}

/// The per-country table's markup (third parties only; first-party hosts
/// are counted in the inventory).
pub(crate) fn countries(report: &Report) -> String {
    let mut requests: BTreeMap<&str, u32> = BTreeMap::new();
    for flow in &report.flows {
        *requests.entry(flow.host.as_str()).or_default() += flow.requests;
    }
    let mut worst: BTreeMap<&str, Severity> = BTreeMap::new();
    for finding in &report.findings {
        for host in &finding.destinations {
            let w = worst.entry(host.as_str()).or_insert(finding.severity);
            *w = (*w).max(finding.severity);
        }
    }
    let mut rows: BTreeMap<&str, CountryRow<'_>> = BTreeMap::new();
    for a in report
        .attributions
        .iter()
        .filter(|a| a.party != Party::First)
    {
        let row = rows
            .entry(a.country.as_deref().unwrap_or("??"))
            .or_default();
        add(row, a, &requests, &worst);
    }
    if rows.is_empty() {
        return "<p class=\"none\">No third-party destination.</p>".to_string();
    }
    let mut out = String::from(
        "<table class=\"countries\"><thead><tr><th>country</th><th>hosts</th><th>requests</th><th>owners</th><th>government-list flags</th><th>laws</th><th>worst finding</th></tr></thead><tbody>",
    );
    let mut ordered: Vec<(&str, CountryRow<'_>)> = rows.into_iter().collect();
    ordered.sort_by(|a, b| {
        b.1.worst
            .cmp(&a.1.worst)
            .then(b.1.flags.len().cmp(&a.1.flags.len()))
            .then(b.1.hosts.len().cmp(&a.1.hosts.len()))
            .then(a.0.cmp(b.0))
    });
    for (country, row) in ordered {
        let owners: Vec<String> = row.owners.iter().map(|o| text(o)).collect();
        let worst_cell = match row.worst {
            Some(s) => format!("<span class=\"badge s-{0}\">{0}</span>", s.as_str()),
            None => String::new(),
        };
        let host_list: Vec<String> = row.hosts.iter().map(|h| h.to_string()).collect();
        let _ = write!(
            out,
            "<tr><td class=\"country\">{}</td><td>{} <span class=\"dim\">({})</span></td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{worst_cell}</td></tr>",
            text(country),
            hosts(&host_list),
            row.hosts.len(),
            row.requests,
            owners.join(", "),
            sourced(&row.flags),
            sourced(&row.laws),
        );
    }
    out.push_str("</tbody></table>");
    out
}

fn add<'a>(
    row: &mut CountryRow<'a>,
    a: &'a Attribution,
    requests: &BTreeMap<&str, u32>,
    worst: &BTreeMap<&str, Severity>,
) {
    row.hosts.push(&a.host);
    row.requests += requests.get(a.host.as_str()).copied().unwrap_or(0);
    row.worst = row.worst.max(worst.get(a.host.as_str()).copied());
    row.owners.insert(
        a.entity
            .as_ref()
            .map(|e| e.name.as_str())
            .unwrap_or("unknown owner"),
    );
    for flag in &a.flags {
        row.flags
            .insert(&flag.list_name, Some(flag.source.url.as_str()));
    }
    for note in &a.legal_notes {
        row.laws.insert(&note.law, Some(note.source.url.as_str()));
    }
}

/// Facts with a link to their source, when the source is an http(s) URL.
fn sourced(facts: &BTreeMap<&str, Option<&str>>) -> String {
    facts
        .iter()
        .map(|(fact, url)| match url.and_then(link) {
            Some(href) => format!(
                "<a href=\"{href}\" rel=\"noreferrer noopener\" target=\"_blank\">{}</a>",
                text(fact)
            ),
            None => text(fact),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The problems met, as a list.
pub(crate) fn problems(errors: &[String]) -> String {
    let mut out = String::from("<ul class=\"problems\">");
    for error in errors {
        let _ = write!(out, "<li>{}</li>", text(error));
    }
    out.push_str("</ul>");
    out
}
