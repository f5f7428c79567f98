//! What a page did during one visit: the output of capture.
//!
//! A [`Capture`] is written by `outflow scan` (a real browser) or
//! `outflow har` (a HAR file) and read by every later stage. It is plain
//! data: a saved capture can be analysed again, offline, with the same
//! results. Script bodies are kept outside the JSON, by SHA-256
//! ([`Script::sha256`]), so that one copy serves every page that loads them.
//!
//! Identifiers (`Request::id`, `Script::id`, `Frame::id`) are the browser's
//! own when it gave one, so that they can be matched against a DevTools
//! recording of the same visit.

use serde::{Deserialize, Serialize};

use crate::location::Location;

/// Everything recorded while visiting one URL under one persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// The URL the user asked for.
    pub target: String,
    /// The URL of the main frame when recording stopped (after redirects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    /// How the capture was made.
    pub source: CaptureSource,
    /// The persona the browser presented (`us`, `cn`, …), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    /// When recording started, RFC 3339 UTC.
    pub started_at: String,
    /// How long the visit took, in milliseconds.
    pub duration_ms: u64,
    /// The browser's product string (`Chrome/156.0.8078.108`), or the HAR
    /// creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_version: Option<String>,
    /// The user agent the page saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Frames (the main one first), pop-ups included.
    pub frames: Vec<Frame>,
    /// Scripts that ran, in the order the engine compiled them.
    pub scripts: Vec<Script>,
    /// Requests in the order they were issued.
    pub requests: Vec<Request>,
    /// Privacy-relevant API use seen by the instrumentation, aggregated by
    /// script, API and access. `None` when the source cannot observe API
    /// use (a HAR file): absent, not empty.
    #[serde(default)]
    pub api_calls: Option<Vec<ApiCall>>,
    /// Canary values typed into the page's forms.
    pub canaries: Vec<Canary>,
    /// Whether the login form (if one was found) was submitted.
    #[serde(default)]
    pub submitted: bool,
    /// Milliseconds since the capture started when the form was submitted
    /// (the submitting key press), when it was. Requests before it leaked
    /// typed data before the user chose to send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at_ms: Option<u64>,
    /// Cookies in the browser's jar at the end of the visit. `None` when the
    /// source cannot tell.
    #[serde(default)]
    pub cookies: Option<Vec<Cookie>>,
    /// `localStorage` / `sessionStorage` / `document.cookie` writes made by
    /// scripts. `None` when the source cannot observe them.
    #[serde(default)]
    pub storage_writes: Option<Vec<StorageWrite>>,
    /// Dialogs, downloads and pop-ups the page opened.
    #[serde(default)]
    pub events: Vec<PageEvent>,
    /// The `<script src>` elements of every frame's document, with the
    /// attributes that decide how the browser checks what they load
    /// (Subresource Integrity). `None` when the source cannot see the DOM
    /// (a HAR file, captures made before elements were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_elements: Option<Vec<ScriptElement>>,
    /// Problems met. Whatever was recorded before them is kept.
    pub errors: Vec<CaptureError>,
    /// Hosts or domains (with their subdomains) the user allowed to receive
    /// card data (`--payment-processor`, the policy file) when the capture
    /// was made; `card-data-exfiltration` does not report them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_processors: Vec<String>,
}

/// How a capture was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaptureSource {
    /// A visit in Chromium driven over the DevTools Protocol.
    Browser {
        /// Whether the browser ran headless.
        headless: bool,
    },
    /// An imported HAR file.
    Har {
        /// The file's path as given.
        path: String,
        /// `log.creator.name` and version, e.g. `WebInspector 537.36`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        creator: Option<String>,
    },
}

/// A document: the main frame, an iframe, or a pop-up window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// The browser's frame id.
    pub id: String,
    /// The parent frame's id; `None` for a top-level frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// The last URL the frame navigated to.
    pub url: String,
    /// The frame's security origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The `name` attribute, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether this frame is a pop-up window opened by the page.
    #[serde(default)]
    pub popup: bool,
}

/// One script the engine compiled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    /// The engine's script id (unique within a capture).
    pub id: String,
    /// Where the code came from.
    pub origin: ScriptOrigin,
    /// Lower-case hex SHA-256 of the source; the body is stored under this
    /// name beside the capture. Empty when the source could not be read.
    pub sha256: String,
    /// Size of the source in bytes.
    pub size: u64,
    /// The frame whose document ran it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_id: Option<String>,
    /// Whether the script is an ES module.
    #[serde(default)]
    pub module: bool,
    /// Why the body is missing, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_error: Option<String>,
}

/// A `<script src>` element of a document: where the page asked for a
/// script and how it told the browser to check it. Kept apart from
/// [`Script`] because a script whose integrity check fails is blocked and
/// never compiled: it has an element and a request, but no script record.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptElement {
    /// The URL of the document holding the element.
    pub document: String,
    /// The frame showing that document, when it could be told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_id: Option<String>,
    /// The `src`, resolved against the document.
    pub src: String,
    /// The `integrity` attribute as written (cut at a limit), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// The `crossorigin` attribute, when present (empty for a bare
    /// attribute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossorigin: Option<String>,
    /// The `type` attribute, when present (`module`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_type: Option<String>,
    /// Digests of the response body as the server sent it, for elements
    /// with an `integrity` attribute whose body could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served: Option<ServedBody>,
    /// Why the served body is missing, for elements with an `integrity`
    /// attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_error: Option<String>,
}

/// Digests of a response body exactly as served, to check an `integrity`
/// attribute against.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedBody {
    /// The request that fetched it.
    pub request_id: String,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Lower-case hex SHA-384.
    pub sha384: String,
    /// Lower-case hex SHA-512.
    pub sha512: String,
}

/// Where a script's code came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScriptOrigin {
    /// Loaded from a URL (`<script src>`, `import`, `importScripts`).
    External {
        /// The script's URL.
        url: String,
    },
    /// A `<script>` block or event-handler attribute of a document.
    Inline {
        /// The document's URL.
        document: String,
        /// 0-based index among the document's inline scripts, in compile
        /// order.
        index: u32,
        /// Where the block starts in the document.
        at: Location,
    },
    /// Built at run time by another script (`eval`, `new Function`,
    /// `setTimeout` with a string).
    Eval {
        /// Id of the script that built it, when the engine told.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_id: Option<String>,
        /// URL of the script that built it, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_url: Option<String>,
        /// Where in the parent it was built.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<Location>,
    },
    /// The main script of a worker.
    Worker {
        /// The worker script's URL.
        url: String,
    },
}

/// One request the page made, redirects included (each hop is its own
/// request, linked by [`Request::redirected_from`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The browser's request id, suffixed `#n` for the n-th redirect hop.
    pub id: String,
    /// The full URL.
    pub url: String,
    /// The HTTP method.
    pub method: String,
    /// The resource type as the browser classified it (`Document`,
    /// `Script`, `Image`, `XHR`, `Fetch`, `Ping`, `WebSocket`,
    /// `EventSource`, `Preflight`, …).
    pub resource_type: String,
    /// Request headers, in the order seen, the real ones sent on the wire
    /// when the browser reported them (cookies included).
    pub headers: Vec<Header>,
    /// The request body, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// Who caused the request.
    pub initiator: Initiator,
    /// The frame that issued it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_id: Option<String>,
    /// The response, if one arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
    /// Why the request failed (`net::ERR_ABORTED`, blocked, …). A failed
    /// request may still have reached the server: a `fetch` cancelled by a
    /// navigation often has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The id of the request this one was redirected from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirected_from: Option<String>,
    /// WebSocket frames, for WebSocket requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub websocket_frames: Vec<WebSocketFrame>,
    /// Messages received, for EventSource (server-sent events) requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_source_messages: Vec<EventSourceMessage>,
    /// The script URL of the worker (dedicated, shared or service) that
    /// made the request, when a worker did rather than a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_url: Option<String>,
    /// Milliseconds since the capture started.
    pub time_ms: u64,
}

/// One HTTP header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The name as sent (case kept).
    pub name: String,
    /// The value.
    pub value: String,
}

/// Bytes sent or received, kept up to a limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// The body as text when it is valid UTF-8, else base64 (see
    /// [`Body::base64`]).
    pub text: String,
    /// Whether [`Body::text`] is base64 of the raw bytes.
    #[serde(default)]
    pub base64: bool,
    /// The full size in bytes, even when truncated.
    pub size: u64,
    /// Whether only the first bytes are kept.
    #[serde(default)]
    pub truncated: bool,
}

/// What caused a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Initiator {
    /// `parser`, `script`, `preload`, `preflight`, `redirect`, `other`, or
    /// `unknown` when the source does not say.
    pub kind: String,
    /// The URL of the initiating script or document, from the initiator or
    /// the first frame of its stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The initiating script's id, when a stack frame named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_id: Option<String>,
    /// The call stack, innermost first, parent (async) stacks appended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stack: Vec<StackFrame>,
}

/// One frame of a JavaScript call stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackFrame {
    /// The function name; empty for anonymous code.
    pub function: String,
    /// The script's URL; empty for eval'd code without `sourceURL`.
    pub url: String,
    /// The engine's script id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_id: Option<String>,
    /// 1-based position in the script.
    pub at: Location,
    /// Set on the first frame of an async parent stack (`setTimeout`,
    /// `Promise.then`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub async_boundary: Option<String>,
}

/// The response to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The server's address (`IP:port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_address: Option<String>,
    /// The protocol (`http/1.1`, `h2`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Security-relevant response headers (CSP and friends, `Set-Cookie`,
    /// `Location`), the raw ones when the browser reported them.
    pub security_headers: Vec<Header>,
}

/// A WebSocket message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSocketFrame {
    /// Whether the page sent it (`true`) or received it.
    pub sent: bool,
    /// WebSocket opcode: 1 text, 2 binary.
    pub opcode: u8,
    /// The payload (text, or base64 for binary frames), truncated to a
    /// limit.
    pub payload: String,
    /// Whether the payload was truncated.
    #[serde(default)]
    pub truncated: bool,
    /// Milliseconds since the capture started.
    pub time_ms: u64,
}

/// A message received on an EventSource (server-sent events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSourceMessage {
    /// The event name (`message` unless the server named it).
    pub event_name: String,
    /// The `id:` the server gave, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The data, truncated to a limit.
    pub data: String,
    /// Whether the data was truncated.
    #[serde(default)]
    pub truncated: bool,
    /// Milliseconds since the capture started.
    pub time_ms: u64,
}

/// Whether an API was read, written, called or constructed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiAccess {
    /// A property read.
    Get,
    /// A property write.
    Set,
    /// A method call.
    Call,
    /// A constructor call (`new X()`).
    Construct,
}

/// Uses of one privacy-relevant API by one script, aggregated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCall {
    /// The calling script's id, when its stack frame could be matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_id: Option<String>,
    /// The calling script's URL (the document's URL for inline code; empty
    /// for eval'd code without a name).
    pub script_url: String,
    /// The API, as `Interface.member` (`HTMLCanvasElement.toDataURL`,
    /// `Navigator.userAgent`).
    pub api: String,
    /// How it was used.
    pub access: ApiAccess,
    /// How many times.
    pub count: u64,
    /// Distinct short argument summaries (drawn text, font names, canvas
    /// sizes, event types, field descriptions), in first-seen order, up to a
    /// limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
    /// Whether more distinct arguments were seen than kept.
    #[serde(default)]
    pub arguments_truncated: bool,
    /// The stack of the first call, innermost first, instrumentation frames
    /// removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_stack: Vec<StackFrame>,
    /// The frame whose document the call ran in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_url: Option<String>,
}

/// What kind of data a canary stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanaryKind {
    /// An e-mail address on a reserved domain.
    Email,
    /// A password.
    Password,
    /// A phone number.
    Phone,
    /// A user name.
    Username,
    /// A person's name.
    Name,
    /// A payment card number: Luhn-valid, in a range reserved for testing,
    /// unique per scan.
    CardNumber,
    /// A card's expiry date (`MM/YY`, or the month or year of a pair of
    /// fields).
    CardExpiry,
    /// A card's security code (CVV, CVC, CSC).
    CardCvv,
    /// The name on the card.
    CardholderName,
    /// A billing street address (line 1 or the whole street address).
    BillingStreet,
    /// A billing postal code.
    BillingPostalCode,
    /// A billing city.
    BillingCity,
}

impl CanaryKind {
    /// Every kind, in declaration order.
    pub const ALL: [CanaryKind; 12] = [
        CanaryKind::Email,
        CanaryKind::Password,
        CanaryKind::Phone,
        CanaryKind::Username,
        CanaryKind::Name,
        CanaryKind::CardNumber,
        CanaryKind::CardExpiry,
        CanaryKind::CardCvv,
        CanaryKind::CardholderName,
        CanaryKind::BillingStreet,
        CanaryKind::BillingPostalCode,
        CanaryKind::BillingCity,
    ];

    /// The kind's name as serialised (`card_number`).
    pub fn as_str(self) -> &'static str {
        match self {
            CanaryKind::Email => "email",
            CanaryKind::Password => "password",
            CanaryKind::Phone => "phone",
            CanaryKind::Username => "username",
            CanaryKind::Name => "name",
            CanaryKind::CardNumber => "card_number",
            CanaryKind::CardExpiry => "card_expiry",
            CanaryKind::CardCvv => "card_cvv",
            CanaryKind::CardholderName => "cardholder_name",
            CanaryKind::BillingStreet => "billing_street",
            CanaryKind::BillingPostalCode => "billing_postal_code",
            CanaryKind::BillingCity => "billing_city",
        }
    }

    /// Whether the kind is payment card data (PCI DSS account data): the
    /// number, expiry, security code and cardholder name.
    pub fn is_card(self) -> bool {
        matches!(
            self,
            CanaryKind::CardNumber
                | CanaryKind::CardExpiry
                | CanaryKind::CardCvv
                | CanaryKind::CardholderName
        )
    }
}

impl std::fmt::Display for CanaryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A canary kind name that is not one of [`CanaryKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCanaryKind(pub String);

impl std::fmt::Display for UnknownCanaryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = CanaryKind::ALL.iter().map(|k| k.as_str()).collect();
        write!(
            f,
            "unknown canary kind {:?} (one of {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownCanaryKind {}

impl std::str::FromStr for CanaryKind {
    type Err = UnknownCanaryKind;

    /// Parses the serialised name (`card_number`), case-insensitively, with
    /// `-` accepted for `_`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase().replace('-', "_");
        CanaryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| UnknownCanaryKind(text.to_string()))
    }
}

/// A unique value typed into a form field, so that it can be searched for in
/// what the page sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Canary {
    /// What the value stands for.
    pub kind: CanaryKind,
    /// The exact value typed.
    pub value: String,
    /// A description of the field (`input[type=email][name=login]` in frame
    /// URL).
    pub field: String,
    /// The URL of the frame holding the field.
    pub frame_url: String,
    /// Milliseconds since the capture started, when typing began.
    pub typed_at_ms: u64,
}

/// A cookie in the browser's jar at the end of the visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cookie {
    /// The cookie's name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Its domain attribute.
    pub domain: String,
    /// Its path attribute.
    pub path: String,
    /// Expiry as whole seconds since the epoch; `None` for a session
    /// cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `Secure`.
    pub secure: bool,
    /// `SameSite`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_site: Option<String>,
    /// Who set it.
    pub set_by: CookieSetter,
}

/// Who set a cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CookieSetter {
    /// A `Set-Cookie` response header.
    Http {
        /// The id of the request whose response set it.
        request_id: String,
    },
    /// A script writing `document.cookie`.
    Script {
        /// The script's URL.
        script_url: String,
    },
    /// Not observed.
    Unknown,
}

/// Which storage a script wrote to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageArea {
    /// `localStorage`.
    Local,
    /// `sessionStorage`.
    Session,
    /// `document.cookie`.
    Cookie,
}

/// One write to web storage or `document.cookie` by a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageWrite {
    /// Where.
    pub area: StorageArea,
    /// The key (cookie name for `document.cookie`).
    pub key: String,
    /// The value, truncated to a limit.
    pub value: String,
    /// The writing script's URL.
    pub script_url: String,
    /// The origin of the frame written in.
    pub frame_url: String,
    /// When the scanner received the record of the write, in ms on the
    /// capture's clock: at most about 50 ms after the write (the
    /// instrumentation sends its records in batches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<u64>,
}

/// Something the page did to the browser itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PageEvent {
    /// `alert`, `confirm`, `prompt` or `beforeunload`: answered (accepted)
    /// automatically so that the visit goes on.
    Dialog {
        /// The dialog type.
        dialog_type: String,
        /// Its message, truncated.
        message: String,
        /// The URL of the frame that opened it.
        url: String,
    },
    /// A download the page started: refused, recorded.
    Download {
        /// The download's URL.
        url: String,
        /// The file name the page suggested.
        suggested_filename: String,
    },
    /// A window the page opened.
    Popup {
        /// The URL it was opened on.
        url: String,
    },
}

/// A problem met while capturing; the rest of the capture stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureError {
    /// What kind of problem.
    pub kind: CaptureErrorKind,
    /// A message for a person.
    pub message: String,
}

/// How a capture error's message starts when the page was still running
/// script at the page timeout: what the page would have done next is
/// unknown, so the report's verdict starts with it too.
pub const INCOMPLETE_BUSY: &str = "incomplete: page still busy at timeout";

/// Kinds of capture problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureErrorKind {
    /// The browser could not be started.
    Launch,
    /// The page did not finish loading in time.
    Timeout,
    /// The main document could not be loaded (DNS, refused, TLS, …).
    Navigation,
    /// A redirect loop.
    RedirectLoop,
    /// The TLS certificate was rejected (see `--ignore-https-errors`).
    Tls,
    /// The browser or the page's renderer crashed.
    Crash,
    /// A DevTools command failed or timed out.
    Protocol,
    /// A DevTools message did not match the client's protocol types and was
    /// read leniently instead (the browser is newer than the client).
    ProtocolDrift,
    /// No login form was found, or typing into it failed.
    Form,
    /// A script body could not be read.
    ScriptSource,
    /// A limit was reached and later records were dropped.
    Limit,
    /// The HAR file was partly unreadable.
    Har,
}
