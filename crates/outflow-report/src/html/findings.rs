//! The findings section: each finding with its evidence (the request line
//! with the matched bytes highlighted, code snippets with line numbers, API
//! calls, notes).

use std::fmt::Write;

use outflow_model::{Evidence, Finding};

use super::escape::text;
use crate::terminal::channel_name;

/// Evidence items shown per finding; the rest are counted.
const EVIDENCE_SHOWN: usize = 20;

/// The findings' markup.
pub(crate) fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    if findings.is_empty() {
        out.push_str("<p class=\"none\">No finding.</p>");
        return out;
    }
    for finding in findings {
        render_finding(&mut out, finding);
    }
    out
}

fn render_finding(out: &mut String, finding: &Finding) {
    let severity = finding.severity.as_str();
    let _ = write!(
        out,
        "<article class=\"finding s-{severity}\"><header><span class=\"badge s-{severity}\">{severity}</span> <code class=\"rule\">{}</code> <span class=\"title\">{}</span> <span class=\"confidence\">{} confidence</span></header>",
        text(&finding.rule),
        text(&finding.title),
        finding.confidence.as_str(),
    );
    let _ = write!(
        out,
        "<p class=\"explanation\">{}</p>",
        text(&finding.explanation)
    );
    out.push_str("<dl class=\"facts\">");
    if let Some(script) = &finding.script {
        let _ = write!(out, "<dt>script</dt><dd><code>{}</code></dd>", text(script));
    }
    if !finding.destinations.is_empty() {
        let hosts: Vec<String> = finding
            .destinations
            .iter()
            .map(|h| format!("<code>{}</code>", text(h)))
            .collect();
        let _ = write!(out, "<dt>destinations</dt><dd>{}</dd>", hosts.join(" "));
    }
    out.push_str("</dl><ol class=\"evidence\">");
    for evidence in finding.evidence.iter().take(EVIDENCE_SHOWN) {
        out.push_str("<li>");
        render_evidence(out, evidence);
        out.push_str("</li>");
    }
    out.push_str("</ol>");
    if finding.evidence.len() > EVIDENCE_SHOWN {
        let _ = write!(
            out,
            "<p class=\"more-evidence\">… and {} more piece(s) of evidence in report.json</p>",
            finding.evidence.len() - EVIDENCE_SHOWN
        );
    }
    out.push_str("</article>");
}

fn render_evidence(out: &mut String, evidence: &Evidence) {
    match evidence {
        Evidence::Request {
            request_id,
            url,
            method,
            time_ms,
            channel,
            matched,
            encodings,
            what,
        } => {
            let _ = write!(
                out,
                "<div class=\"ev-head\">{} in {}{} <span class=\"dim\">at {time_ms} ms{}</span></div>",
                text(what),
                text(&channel_name(channel)),
                if encodings.is_empty() {
                    String::new()
                } else {
                    format!(", as {}", text(&encodings.join(" of ")))
                },
                if request_id.is_empty() {
                    String::new()
                } else {
                    format!(", request {}", text(request_id))
                }
            );
            let _ = write!(
                out,
                "<pre class=\"request\"><span class=\"method\">{}</span> {}</pre>",
                text(method),
                highlighted(url, matched)
            );
            if !url.contains(matched.as_str()) || matched.is_empty() {
                let _ = write!(
                    out,
                    "<pre class=\"matched\">{}</pre>",
                    highlighted(matched, matched)
                );
            }
        }
        Evidence::Code {
            script,
            sha256,
            at,
            snippet,
            detail,
            ..
        } => {
            let _ = write!(
                out,
                "<div class=\"ev-head\"><code>{}</code>:{}:{} {}</div>",
                text(script),
                at.start.line,
                at.start.column,
                text(detail)
            );
            let _ = write!(
                out,
                "<pre class=\"code\"><span class=\"ln\">{}</span><span class=\"src\">{}</span></pre>",
                at.start.line,
                text(snippet)
            );
            if !sha256.is_empty() {
                let _ = write!(out, "<div class=\"dim\">sha256 {}</div>", text(sha256));
            }
        }
        Evidence::Api {
            script,
            api,
            count,
            observed,
            arguments,
        } => {
            let how = match observed {
                outflow_model::Observation::Dynamic => "called during the visit",
                outflow_model::Observation::Static => "named in the code",
            };
            let _ = write!(
                out,
                "<div class=\"ev-head\"><code>{}</code> ×{count}, {how}, by <code>{}</code></div>",
                text(api),
                text(script)
            );
            if !arguments.is_empty() {
                let items: Vec<String> = arguments
                    .iter()
                    .map(|a| format!("<code>{}</code>", text(a)))
                    .collect();
                let _ = write!(out, "<div class=\"args\">{}</div>", items.join(" "));
            }
        }
        Evidence::Note { text: note } => {
            let _ = write!(out, "<div class=\"ev-head\">{}</div>", text(note));
        }
    }
}

/// `haystack` escaped, with every occurrence of `needle` wrapped in `<mark>`.
fn highlighted(haystack: &str, needle: &str) -> String {
    if needle.is_empty() {
        return text(haystack);
    }
    let mut out = String::new();
    let mut rest = haystack;
    let mut marks = 0;
    while let Some(at) = rest.find(needle) {
        if marks == 50 {
            break;
        }
        out.push_str(&text(&rest[..at]));
        let _ = write!(out, "<mark>{}</mark>", text(needle));
        rest = &rest[at + needle.len()..];
        marks += 1;
    }
    out.push_str(&text(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matched_bytes_are_marked_and_escaped() {
        assert_eq!(
            highlighted("https://x.test/?p=<s3cret>&q=<s3cret>", "<s3cret>"),
            "https://x.test/?p=<mark>&lt;s3cret&gt;</mark>&amp;q=<mark>&lt;s3cret&gt;</mark>"
        );
    }
}
