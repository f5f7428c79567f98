//! The page facts stage: what a visit showed that its report does not
//! carry but history, diffs and CSP proposals need (the main document's
//! security headers, the origins contacted by CSP directive).

use std::collections::BTreeMap;

use outflow_model::{
    Capture, Destination, Directive, PageFacts, Request, ScriptIntegrity, TRACKED_HEADERS, host_of,
    origin_of,
};

/// Longest header value kept: a hostile server can send megabytes.
const MAX_HEADER_VALUE: usize = 16 * 1024;

/// Reads the facts out of a capture; `integrity` is the verdicts the
/// pipeline computed for the report, kept with the facts for the history.
pub(crate) fn page_facts(capture: &Capture, integrity: Option<Vec<ScriptIntegrity>>) -> PageFacts {
    let main_frame = capture.frames.first().map(|f| f.id.as_str());
    let mut counts: BTreeMap<(String, String, Directive), u32> = BTreeMap::new();
    for request in &capture.requests {
        let Some((origin, host)) = csp_source_of(&request.url) else {
            continue;
        };
        let directive = directive_of(request, main_frame);
        let count = counts.entry((origin, host, directive)).or_default();
        *count = count.saturating_add(1);
    }
    let destinations = counts
        .into_iter()
        .map(|((origin, host, directive), requests)| Destination {
            origin,
            host,
            directive,
            requests,
        })
        .collect();
    PageFacts {
        started_at: capture.started_at.clone(),
        security_headers: main_document_headers(capture, main_frame),
        destinations,
        integrity,
    }
}

fn is_main_frame(request: &Request, main_frame: Option<&str>) -> bool {
    match (request.frame_id.as_deref(), main_frame) {
        (Some(frame), Some(main)) => frame == main,
        // A capture without frame ids (a HAR) has one document per page.
        _ => true,
    }
}

fn directive_of(request: &Request, main_frame: Option<&str>) -> Directive {
    match request.resource_type.as_str() {
        "Script" => Directive::ScriptSrc,
        "XHR" | "Fetch" | "WebSocket" | "EventSource" | "Ping" | "Beacon" => Directive::ConnectSrc,
        "Image" => Directive::ImgSrc,
        "Stylesheet" => Directive::StyleSrc,
        "Font" => Directive::FontSrc,
        "Media" => Directive::MediaSrc,
        "Document" if !is_main_frame(request, main_frame) => Directive::FrameSrc,
        // A main-frame navigation that posts is a form submission; GET
        // form submissions look like any other navigation and are not
        // told apart.
        "Document" if request.method.eq_ignore_ascii_case("POST") => Directive::FormAction,
        _ => Directive::Other,
    }
}

/// The origin and host of a URL as CSP sources name them; `None` for
/// schemes CSP does not list as sources.
fn csp_source_of(raw: &str) -> Option<(String, String)> {
    let url = url::Url::parse(raw).ok()?;
    match url.scheme() {
        "data" | "blob" => return Some((format!("{}:", url.scheme()), String::new())),
        "http" | "https" | "ws" | "wss" => {}
        _ => return None,
    }
    Some((origin_of(raw)?, host_of(raw)?))
}

fn main_document_headers(
    capture: &Capture,
    main_frame: Option<&str>,
) -> Option<BTreeMap<String, String>> {
    // The first main-frame document that answered with something other
    // than a redirect: the page the user asked for, before any form
    // submission navigated away.
    let response = capture
        .requests
        .iter()
        .filter(|r| r.resource_type == "Document" && is_main_frame(r, main_frame))
        .filter_map(|r| r.response.as_ref())
        .find(|response| !(300..400).contains(&response.status))?;
    let mut headers = BTreeMap::new();
    for header in &response.security_headers {
        let name = header.name.to_ascii_lowercase();
        if !TRACKED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let value: String = header.value.chars().take(MAX_HEADER_VALUE).collect();
        headers
            .entry(name)
            .and_modify(|existing: &mut String| {
                // Repeated headers combine, as browsers apply each.
                if existing.len() < MAX_HEADER_VALUE {
                    existing.push_str(", ");
                    existing.push_str(&value);
                }
            })
            .or_insert(value);
    }
    Some(headers)
}
