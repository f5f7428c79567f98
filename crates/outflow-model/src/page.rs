//! The facts of one visit that its report does not carry but history,
//! diffs and CSP proposals need: the main document's security headers,
//! the origins contacted by CSP directive, the scripts' integrity. The
//! pipeline reads them out of a capture; the store keeps them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ScriptIntegrity;

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
