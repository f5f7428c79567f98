//! What static analysis learns about one script.
//!
//! A [`ScriptAnalysis`] is produced for every script outflow reads, whether
//! it came from a file, standard input, a `<script>` block of an HTML page or
//! a JSON string, and, later, from a browser capture. It lists the endpoints
//! the code names ([`Endpoint`]), the privacy-relevant APIs it touches
//! ([`ApiUse`]) and how obfuscated it looks ([`Obfuscation`]).

use serde::{Deserialize, Serialize};

use crate::location::SourceSpan;

/// Where the text of an analysed script came from.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScriptInput {
    /// A JavaScript file on disk.
    File {
        /// The path as given or found while walking a directory.
        path: String,
    },
    /// Standard input.
    Stdin,
    /// An inline `<script>` block of an HTML document.
    Inline {
        /// The document's path.
        document: String,
        /// 0-based index of the block among the document's inline scripts.
        index: u32,
    },
    /// A JavaScript string inside a JSON document (JSON-wrapped bundles).
    Json {
        /// The document's path.
        document: String,
        /// JSON Pointer (RFC 6901) of the string.
        pointer: String,
    },
    /// A script recorded while a page ran (browser capture or HAR).
    Captured {
        /// The capture's script id.
        script_id: String,
        /// The script's URL; for inline and eval'd scripts, the URL of the
        /// document or script that holds them.
        url: String,
    },
    /// Code that another script builds and runs (`eval`, `Function`,
    /// `document.write`), decoded statically.
    Decoded {
        /// Name of the script the code was decoded from.
        parent: String,
        /// How it was decoded, e.g. "eval(atob(…))".
        how: String,
        /// Where in the parent the code is run.
        at: SourceSpan,
    },
}

/// Everything static analysis learned about one script.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptAnalysis {
    /// A short name for the script: a path, `<stdin>`, or
    /// `page.html#script[2]`.
    pub name: String,
    /// Where the text came from.
    pub input: ScriptInput,
    /// Lower-case hex SHA-256 of the script's bytes as read.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether the text was parsed as an ES module (`import`/`export`)
    /// rather than a classic script.
    pub module: bool,
    /// Syntax errors met. Analysis still covers whatever parsed.
    pub diagnostics: Vec<ParseDiagnostic>,
    /// Set when the script could not be analysed at all (too large, not
    /// text); the other fields are then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// URLs, hosts and IP addresses the code names, in source order.
    pub endpoints: Vec<Endpoint>,
    /// Privacy-relevant API use, grouped by technique then API name.
    pub api_uses: Vec<ApiUse>,
    /// How obfuscated the script looks.
    pub obfuscation: Obfuscation,
}

/// A syntax error or other problem met while parsing.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseDiagnostic {
    /// The parser's message.
    pub message: String,
    /// Where it was met, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceSpan>,
}

/// A destination named by the code.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The URL, host or address. Parts the analysis could not resolve are
    /// written `{*}` (see [`Endpoint::pattern`]).
    pub value: String,
    /// What kind of destination this is.
    pub kind: EndpointKind,
    /// The host name or address, lower-cased, when the value names one
    /// (not for relative paths or patterns whose host is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// True when some parts of the value are unknown: the value is then a
    /// pattern with its known parts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pattern: bool,
    /// The API the value flows into, when visible at the use site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink: Option<Sink>,
    /// How the value was computed from literals. Empty for a plain literal;
    /// otherwise the endpoint is "resolved".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub computed: Vec<ComputedBy>,
    /// How deobfuscation recovered the value, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<Recovery>,
    /// Where the value is produced in the source: the literal, the
    /// expression that computes it, or the deobfuscated call site.
    pub location: SourceSpan,
}

/// The kind of a destination.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// An absolute `http:` or `https:` URL, or a protocol-relative `//host/…`.
    Url,
    /// A `ws:` or `wss:` URL.
    WebSocket,
    /// A URL given to `new EventSource`.
    EventSource,
    /// A bare host name, such as `"cmpassport.com"`.
    Host,
    /// A bare IPv4 or IPv6 address.
    Ip,
    /// A relative URL flowing into a sink (resolved against the page).
    Path,
}

/// An API through which data leaves the page or code is loaded.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sink {
    /// `fetch(url)`.
    Fetch,
    /// `XMLHttpRequest.prototype.open(method, url)`.
    XhrOpen,
    /// `navigator.sendBeacon(url, data)`.
    SendBeacon,
    /// `new WebSocket(url)`.
    WebSocket,
    /// `new EventSource(url)`.
    EventSource,
    /// `new Image().src = url` or `img.src = url`.
    ImageSrc,
    /// `script.src = url`.
    ScriptSrc,
    /// `iframe.src = url`.
    IframeSrc,
    /// Another element's `src` or `href` set to the value.
    ElementSrc,
    /// `form.action = url`.
    FormAction,
    /// `location = url`, `location.href = url`, `location.assign/replace(url)`.
    Location,
    /// `window.open(url)`.
    WindowOpen,
    /// `import(url)`.
    DynamicImport,
    /// `importScripts(url)` in a worker.
    ImportScripts,
    /// `postMessage(data, targetOrigin)`.
    PostMessage,
    /// `new Worker(url)` or `new SharedWorker(url)`.
    Worker,
    /// `<script src>`, `<iframe src>` and the like in an HTML document.
    HtmlReference,
}

impl Sink {
    /// The API as a reader would write it, e.g. `navigator.sendBeacon`.
    pub fn api(self) -> &'static str {
        match self {
            Sink::Fetch => "fetch",
            Sink::XhrOpen => "XMLHttpRequest.open",
            Sink::SendBeacon => "navigator.sendBeacon",
            Sink::WebSocket => "new WebSocket",
            Sink::EventSource => "new EventSource",
            Sink::ImageSrc => "image src",
            Sink::ScriptSrc => "script src",
            Sink::IframeSrc => "iframe src",
            Sink::ElementSrc => "element src",
            Sink::FormAction => "form action",
            Sink::Location => "location",
            Sink::WindowOpen => "window.open",
            Sink::DynamicImport => "import()",
            Sink::ImportScripts => "importScripts",
            Sink::PostMessage => "postMessage",
            Sink::Worker => "new Worker",
            Sink::HtmlReference => "HTML reference",
        }
    }
}

/// A static evaluation step used to compute a value from literals.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputedBy {
    /// `"\x68\u0074"`: hex, unicode or octal escapes in a literal.
    Escape,
    /// `"a" + "b"`.
    Concatenation,
    /// `` `a${b}` ``.
    Template,
    /// `[…].join(sep)`.
    ArrayJoin,
    /// `s.split(sep)`.
    Split,
    /// `arr.reverse()`.
    Reverse,
    /// `String.fromCharCode(…)`.
    FromCharCode,
    /// `atob("…")`.
    Atob,
    /// `decodeURIComponent("…")` or `decodeURI("…")` or `unescape("…")`.
    UriDecode,
    /// `"…".concat(…)`, `.replace`, `.slice`, `.substring`, `.toLowerCase` and
    /// similar string methods.
    StringMethod,
    /// A `const` or never-reassigned binding followed to its value.
    Binding,
    /// An object property followed to its value (`cfg.host`).
    Property,
}

/// How deobfuscation recovered a value.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovery {
    /// The technique undone, e.g. "string array, rc4".
    pub method: String,
}

/// Privacy-relevant API use of one API in one script.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUse {
    /// The technique the API serves.
    pub technique: Technique,
    /// Interface and member, e.g. `HTMLCanvasElement.toDataURL`.
    pub api: String,
    /// How the code touches it.
    pub access: Access,
    /// How many times it appears in the code.
    pub count: u32,
    /// Where, in source order (at most the first few; see `count`).
    pub locations: Vec<SourceSpan>,
}

/// How code touches an API.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Reads a property.
    Get,
    /// Writes a property.
    Set,
    /// Calls a method or function.
    Call,
    /// Constructs an object with `new`.
    Construct,
    /// Registers an event listener.
    Listen,
}

/// A family of privacy-relevant APIs.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// 2-D canvas drawing and readback.
    Canvas,
    /// WebGL parameters, extensions and readback.
    Webgl,
    /// Web Audio rendering used as a fingerprint.
    Audio,
    /// Font enumeration by measurement.
    Fonts,
    /// WebRTC peer connections (local IP discovery).
    Webrtc,
    /// `navigator` properties (user agent, platform, hardware).
    Navigator,
    /// `screen` properties and `devicePixelRatio`, media queries.
    Screen,
    /// Time zone and locale probes (`Intl`, `getTimezoneOffset`).
    Locale,
    /// Motion and orientation sensors.
    Sensors,
    /// The Battery Status API.
    Battery,
    /// Camera, microphone and speech voice enumeration.
    MediaDevices,
    /// `localStorage`, `sessionStorage`, IndexedDB.
    Storage,
    /// `document.cookie`.
    Cookies,
    /// Reads of form field values.
    InputValue,
    /// Key, input, change, blur and paste listeners.
    KeyListener,
    /// Hooks on form submission.
    FormSubmit,
    /// `MutationObserver`, as session recorders use it.
    MutationObserver,
}

/// How obfuscated a script looks, with the signals behind the score.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Obfuscation {
    /// 0 (plain code) to 1 (certainly obfuscated).
    pub score: f64,
    /// The signals found, strongest first.
    pub signals: Vec<ObfuscationSignal>,
}

/// One sign of obfuscation.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObfuscationSignal {
    /// What was seen.
    pub kind: ObfuscationSignalKind,
    /// Its contribution to the score (0 to 1).
    pub weight: f64,
    /// A human-readable account, e.g. "412 of 530 identifiers look like _0x1a2b".
    pub detail: String,
    /// A representative place, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceSpan>,
}

/// Kinds of obfuscation signal.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObfuscationSignalKind {
    /// A large array of strings read through a decoder function
    /// (javascript-obfuscator's string array).
    StringArray,
    /// Identifiers such as `_0x1a2b3c`.
    HexIdentifiers,
    /// `eval`, `Function` or `setTimeout` with a computed string.
    DynamicCode,
    /// A known packer signature (`eval(function(p,a,c,k,e,d)…)`).
    Packer,
    /// String literals with unusually high entropy (encoded payloads).
    HighEntropyStrings,
    /// Heavy use of `\x`/`\u` escapes in string literals.
    EscapedStrings,
    /// Control flow driven by a `"3|1|0|2".split("|")` dispatcher.
    FlattenedControlFlow,
}
