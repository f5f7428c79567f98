//! What the store keeps from a capture besides its report: the facts a
//! report does not carry but history, diffs and CSP proposals need.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use outflow_model::{Capture, Request};
use outflow_policy::ScriptIntegrity;

/// The security headers of the main document that diffs follow (PCI DSS
/// 11.6.1 asks for changes to them to be detected), lower-case.
pub const TRACKED_HEADERS: [&str; 6] = [
    "content-security-policy",
    "content-security-policy-report-only",
    "strict-transport-security",
    "x-frame-options",
    "permissions-policy",
    "referrer-policy",
];

/// Longest header value kept: a hostile server can send megabytes.
const MAX_HEADER_VALUE: usize = 16 * 1024;

/// Which CSP directive governs a kind of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Directive {
    /// Scripts and workers' scripts (`script-src`).
    ScriptSrc,
    /// XHR, fetch, WebSocket, EventSource, beacons (`connect-src`).
    ConnectSrc,
    /// Images (`img-src`).
    ImgSrc,
    /// Documents loaded in frames (`frame-src`).
    FrameSrc,
    /// Form submissions of the main document (`form-action`).
    FormAction,
    /// Stylesheets (`style-src`).
    StyleSrc,
    /// Fonts (`font-src`).
    FontSrc,
    /// Audio and video (`media-src`).
    MediaSrc,
    /// The main document itself, its redirects, and resource types CSP
    /// does not govern separately.
    Other,
}

impl Directive {
    /// The directive's name in a policy; `None` for [`Directive::Other`].
    pub fn csp_name(self) -> Option<&'static str> {
        Some(match self {
            Directive::ScriptSrc => "script-src",
            Directive::ConnectSrc => "connect-src",
            Directive::ImgSrc => "img-src",
            Directive::FrameSrc => "frame-src",
            Directive::FormAction => "form-action",
            Directive::StyleSrc => "style-src",
            Directive::FontSrc => "font-src",
            Directive::MediaSrc => "media-src",
            Directive::Other => return None,
        })
    }

    /// The stored name (kebab-case, as in JSON).
    pub fn as_str(self) -> &'static str {
        self.csp_name().unwrap_or("other")
    }

    /// Parses [`Directive::as_str`].
    pub fn parse(text: &str) -> Option<Directive> {
        ALL_DIRECTIVES.into_iter().find(|d| d.as_str() == text)
    }
}

const ALL_DIRECTIVES: [Directive; 9] = [
    Directive::ScriptSrc,
    Directive::ConnectSrc,
    Directive::ImgSrc,
    Directive::FrameSrc,
    Directive::FormAction,
    Directive::StyleSrc,
    Directive::FontSrc,
    Directive::MediaSrc,
    Directive::Other,
];

/// Requests of one kind to one origin during a visit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Destination {
    /// `scheme://host[:port]`, or `data:` / `blob:` for scheme-only
    /// sources.
    pub origin: String,
    /// The host, lower-case (empty for scheme-only sources).
    pub host: String,
    /// The directive governing these requests.
    pub directive: Directive,
    /// How many requests.
    pub requests: u32,
}

/// The facts of one visit that its report does not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFacts {
    /// When the visit started (RFC 3339 UTC).
    pub started_at: String,
    /// The main document's tracked security headers (lower-case name →
    /// value), `None` when no response of the main document was recorded.
    pub security_headers: Option<BTreeMap<String, String>>,
    /// Every origin contacted, by directive, sorted.
    pub destinations: Vec<Destination>,
    /// The Subresource Integrity verdict of each `<script src>` URL, sorted;
    /// `None` when the capture did not record script elements (a HAR file,
    /// an older capture). Loaded back from the database, each script of
    /// the scan has its verdict (scripts that ran included), without the
    /// attribute itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Vec<ScriptIntegrity>>,
}

impl PageFacts {
    /// Reads the facts out of a capture.
    pub fn of(capture: &Capture) -> PageFacts {
        let main_frame = capture.frames.first().map(|f| f.id.as_str());
        let mut counts: BTreeMap<(String, String, Directive), u32> = BTreeMap::new();
        for request in &capture.requests {
            let Some((origin, host)) = origin_of(&request.url) else {
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
            integrity: capture
                .script_elements
                .as_deref()
                .map(outflow_policy::integrity_of),
        }
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

/// The origin and host of a URL as CSP sources name them.
fn origin_of(raw: &str) -> Option<(String, String)> {
    let url = url::Url::parse(raw).ok()?;
    match url.scheme() {
        "data" | "blob" => return Some((format!("{}:", url.scheme()), String::new())),
        "http" | "https" | "ws" | "wss" => {}
        _ => return None,
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let origin = match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    };
    Some((origin, host))
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
