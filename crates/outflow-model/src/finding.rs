//! What a detection rule concludes, with the evidence a reader needs to check
//! it independently.

use serde::{Deserialize, Serialize};

use crate::location::SourceSpan;

/// How much a finding matters, lowest first (so that `>=` compares as a
/// reader expects).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; nothing wrong by itself.
    #[default]
    Info,
    /// Questionable practice.
    Low,
    /// Privacy harm likely (fingerprinting, tracking of typed data).
    Medium,
    /// Serious harm likely (credentials leave the site, code wired to a
    /// restricted entity).
    High,
    /// Confirmed serious harm during the visit (traffic to a restricted
    /// entity, card data to a third party).
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                format!("unknown severity {text:?} (expected info, low, medium, high or critical)")
            })
    }
}

/// How sure the rule is that what it saw is what it reports.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A pattern that honest code also shows.
    Low,
    /// Several signals agree.
    Medium,
    /// Observed directly (e.g. the exact canary bytes in a request).
    High,
}

impl Confidence {
    /// The lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Whether evidence was seen happening or read from the code.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observation {
    /// Recorded while the page ran (capture or HAR).
    Dynamic,
    /// Read from the script's code without running it.
    Static,
}

/// Where in a request (or other outbound channel) matched bytes were found.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Channel {
    /// The request URL (path or query).
    Url,
    /// A request header, by name (`Cookie` and `Referer` included).
    Header {
        /// The header's name as sent.
        name: String,
    },
    /// The request body.
    Body,
    /// A WebSocket frame sent by the page.
    WebsocketFrame {
        /// 0-based index among the connection's frames.
        index: u32,
    },
    /// A cookie a script wrote with `document.cookie`.
    CookieWrite {
        /// The cookie's name.
        name: String,
    },
    /// A `localStorage`/`sessionStorage` write.
    StorageWrite {
        /// The storage area (`local` or `session`).
        area: String,
        /// The key written.
        key: String,
    },
}

/// One piece of evidence behind a finding.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// Bytes found in something the page sent or stored.
    Request {
        /// The capture's request id (empty for cookie and storage writes).
        request_id: String,
        /// The request's URL.
        url: String,
        /// The request's method (or `COOKIE`/`STORAGE` for writes).
        method: String,
        /// Milliseconds since the capture started.
        time_ms: u64,
        /// Where in the request the bytes were.
        channel: Channel,
        /// The exact text that matched, as it appears in the request.
        matched: String,
        /// How the value was transformed, outermost first (e.g.
        /// `["base64", "sha256"]` for base64 of a SHA-256 hash); empty for
        /// the plain value.
        encodings: Vec<String>,
        /// What was found (e.g. "password canary").
        what: String,
    },
    /// A place in a script's code.
    Code {
        /// The script's URL, or its path for local files.
        script: String,
        /// The capture's script id, when the code ran in a capture.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        script_id: Option<String>,
        /// Lower-case hex SHA-256 of the script.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        sha256: String,
        /// Where in the script.
        at: SourceSpan,
        /// The code there (one line, trimmed to a few hundred characters),
        /// after deobfuscation when a recovered value is involved.
        snippet: String,
        /// What this place shows (e.g. "fetch of https://…, decoded from
        /// string array, rc4").
        detail: String,
    },
    /// Calls of one API by one script.
    Api {
        /// The calling script's URL or path.
        script: String,
        /// Interface and member, e.g. `HTMLCanvasElement.toDataURL`.
        api: String,
        /// How many times.
        count: u64,
        /// Seen running or read from the code.
        observed: Observation,
        /// A short summary of arguments, when recorded.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        arguments: Vec<String>,
    },
    /// A fact that is none of the above (a script's hash, a score).
    Note {
        /// The fact, in one sentence.
        text: String,
    },
}

/// A conclusion of one rule, with its evidence.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's stable slug, e.g. `credential-exfiltration`.
    pub rule: String,
    /// How much it matters.
    pub severity: Severity,
    /// How sure the rule is.
    pub confidence: Confidence,
    /// One line for a reader.
    pub title: String,
    /// What was found and why it matters, in a few sentences.
    pub explanation: String,
    /// The script responsible (URL or path), when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// The hosts involved (their attributions are in the report's
    /// `attributions`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<String>,
    /// The evidence, strongest first.
    pub evidence: Vec<Evidence>,
}

impl Finding {
    /// A stable key for ordering and for matching a finding across two
    /// reports: rule, script, destinations and title.
    pub fn key(&self) -> (String, String, String, String) {
        (
            self.rule.clone(),
            self.script.clone().unwrap_or_default(),
            self.destinations.join(" "),
            self.title.clone(),
        )
    }
}
