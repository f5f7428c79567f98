//! Turns DevTools events into a [`Capture`], whatever order they arrive in.
//!
//! Events are read as JSON, field by field, whether chromiumoxide parsed
//! them (and they were serialised back) or its types rejected them (protocol
//! drift, see [`Recorder::handle_unparsed`]). Nothing here talks to the
//! browser: what needs a command (a body, a script's source, a dialog's
//! answer) is returned as a [`FollowUp`] for the caller to run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use base64::Engine as _;
use outflow_model::{
    ApiAccess, ApiCall, Body, CaptureError, CaptureErrorKind, Cookie, CookieSetter,
    EventSourceMessage, Frame, Header, Initiator, Location, PageEvent, Request, Response, Script,
    ScriptOrigin, StorageArea, StorageWrite, WebSocketFrame,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::script_elements::{self, ElementLog};
use crate::stack;

/// Request bodies are kept up to this many bytes.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Total body bytes kept per capture; later bodies keep their size only.
const BODY_BUDGET: usize = 128 * 1024 * 1024;
/// URLs are kept up to this many bytes (a page can make megabyte URLs).
pub(crate) const URL_LIMIT: usize = 16 * 1024;
/// WebSocket payloads are kept up to this many bytes each.
const FRAME_PAYLOAD_LIMIT: usize = 16 * 1024;
/// Most WebSocket frames kept per socket.
const FRAMES_PER_SOCKET: usize = 1000;
/// EventSource message data is kept up to this many bytes each.
const EVENT_DATA_LIMIT: usize = 16 * 1024;
/// Most EventSource messages kept per stream.
const MESSAGES_PER_EVENT_SOURCE: usize = 1000;
/// Most requests recorded; later ones are counted and dropped.
const MAX_REQUESTS: usize = 20_000;
/// Most scripts recorded.
const MAX_SCRIPTS: usize = 20_000;
/// Largest script body kept.
const SCRIPT_SIZE_LIMIT: usize = 32 * 1024 * 1024;
/// Largest instrumentation batch read.
const BATCH_LIMIT: usize = 8 * 1024 * 1024;
/// Most distinct argument summaries kept per API call record.
const ARGUMENTS_PER_CALL: usize = 128;
/// Most aggregated API call records.
const MAX_API_CALLS: usize = 50_000;
/// Most storage writes recorded.
const MAX_STORAGE_WRITES: usize = 10_000;
/// Frames of outflow's own instrumentation at the top of every recorded
/// stack (see instrument.js).
const INSTRUMENT_FRAMES: usize = 3;

/// The response headers kept on every [`Response`].
const SECURITY_HEADERS: &[&str] = &[
    "content-security-policy",
    "content-security-policy-report-only",
    "strict-transport-security",
    "x-frame-options",
    "x-content-type-options",
    "x-xss-protection",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
    "cross-origin-embedder-policy",
    "cross-origin-resource-policy",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "timing-allow-origin",
    "set-cookie",
    "location",
    "report-to",
    "reporting-endpoints",
    "nel",
];

/// Work the recorder needs done in the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FollowUp {
    /// `Network.getRequestPostData`: a body that was not inline.
    PostData { request_id: String },
    /// `Debugger.getScriptSource` of the engine's `script_id`, recorded
    /// under `key` (the id in the capture, see [`Scope::script_key`]).
    ScriptSource { script_id: String, key: String },
    /// `Page.handleJavaScriptDialog`: accept (a prompt with its default
    /// text), so that the visit goes on.
    AnswerDialog { prompt_text: String },
    /// `Debugger.resume`: a page stopped on `debugger;` despite
    /// `setSkipAllPauses`.
    Resume,
}

/// The DevTools target an event came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The scanned page itself.
    Page,
    /// A pop-up window the page opened. Its script ids get `prefix`: it may
    /// run in another renderer, whose engine numbers scripts from 1 too.
    Popup { prefix: String },
    /// A dedicated, shared or service worker whose main script is `url`.
    /// Its script ids get `prefix` (a worker has its own engine).
    Worker { prefix: String, url: String },
}

impl Scope {
    /// The id a script of this target has in the capture.
    pub(crate) fn script_key(&self, script_id: &str) -> String {
        match self {
            Scope::Page => script_id.to_string(),
            Scope::Popup { prefix } | Scope::Worker { prefix, .. } => {
                format!("{prefix}:{script_id}")
            }
        }
    }
}

/// Where script bodies go.
#[derive(Debug)]
pub enum ScriptStore {
    /// Kept in memory, by SHA-256.
    Memory(BTreeMap<String, String>),
    /// Written to `<dir>/<sha256>.js` as they arrive.
    Dir(PathBuf),
}

#[derive(Debug, Default)]
struct RequestHops {
    /// Index into `requests` of every hop, in order.
    hops: Vec<usize>,
    /// How many `requestWillBeSentExtraInfo` were applied.
    extra_applied: usize,
    /// Extra infos that arrived before their hop.
    early_extra: Vec<Value>,
    /// A `responseReceivedExtraInfo` that arrived before the response.
    early_response_extra: Option<Value>,
    /// A `responseReceived` that arrived before its request: each event
    /// type comes on its own stream, so their order is not kept.
    early_response: Option<Value>,
    /// A `loadingFinished` (`None`) or `loadingFailed` (why) that arrived
    /// before its request.
    early_end: Option<Option<String>>,
}

/// Everything recorded so far.
#[derive(Debug)]
pub(crate) struct Recorder {
    start: Instant,
    binding: String,
    instrument_sha256: String,
    store: ScriptStore,
    stored_hashes: HashSet<String>,
    memory_bytes: usize,

    requests: Vec<Request>,
    /// Protocol timestamps of each socket's frames, in frame order: sent
    /// and received frames can reach us out of order, and are put back in
    /// the order the browser saw them.
    frame_times: HashMap<usize, Vec<f64>>,
    by_request_id: HashMap<String, RequestHops>,
    dropped_requests: u64,
    in_flight: HashSet<String>,
    /// Workers and pop-ups attached but not yet let run.
    targets_starting: usize,
    last_activity_ms: u64,
    /// Preflight request index → the id of the request it was for.
    preflights: Vec<(usize, String)>,
    body_bytes: usize,
    bodies_over_budget: u64,

    frames: Vec<Frame>,
    main_frame: Option<String>,

    scripts: Vec<Script>,
    script_index: HashMap<String, usize>,
    inline_counts: HashMap<String, u32>,
    inline_starts: HashMap<String, Location>,
    dropped_scripts: u64,

    api_calls: Vec<ApiCall>,
    api_index: HashMap<(String, String, ApiAccess), usize>,
    api_records_dropped: u64,
    storage_writes: Vec<StorageWrite>,
    cookie_writers: HashMap<String, String>,
    cookie_responses: HashMap<String, String>,

    events: Vec<PageEvent>,
    errors: Vec<CaptureError>,
    drift: BTreeMap<String, u64>,
    unreadable_messages: u64,
    /// `<script src>` elements reported by their observer.
    pub(crate) script_elements: ElementLog,
    load_fired: bool,
    crashed: bool,
    pub(crate) outstanding: usize,
}

impl Recorder {
    pub(crate) fn new(binding: String, instrument_source: &str, store: ScriptStore) -> Self {
        Self {
            start: Instant::now(),
            binding,
            instrument_sha256: sha256_hex(instrument_source.as_bytes()),
            store,
            stored_hashes: HashSet::new(),
            memory_bytes: 0,
            requests: Vec::new(),
            frame_times: HashMap::new(),
            by_request_id: HashMap::new(),
            dropped_requests: 0,
            in_flight: HashSet::new(),
            targets_starting: 0,
            last_activity_ms: 0,
            preflights: Vec::new(),
            body_bytes: 0,
            bodies_over_budget: 0,
            frames: Vec::new(),
            main_frame: None,
            scripts: Vec::new(),
            script_index: HashMap::new(),
            inline_counts: HashMap::new(),
            inline_starts: HashMap::new(),
            dropped_scripts: 0,
            api_calls: Vec::new(),
            api_index: HashMap::new(),
            api_records_dropped: 0,
            storage_writes: Vec::new(),
            cookie_writers: HashMap::new(),
            cookie_responses: HashMap::new(),
            events: Vec::new(),
            errors: Vec::new(),
            drift: BTreeMap::new(),
            unreadable_messages: 0,
            script_elements: ElementLog::default(),
            load_fired: false,
            crashed: false,
            outstanding: 0,
        }
    }

    /// Milliseconds since recording started.
    pub(crate) fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The instant every `time_ms` of the capture counts from. Canary and
    /// submission times must count from it too: the rules compare them
    /// with request times.
    pub(crate) fn clock_start(&self) -> Instant {
        self.start
    }

    /// Whether the main frame's load event fired.
    pub(crate) fn load_fired(&self) -> bool {
        self.load_fired
    }

    /// Resets the load flag before a navigation that outflow causes.
    pub(crate) fn expect_load(&mut self) {
        self.load_fired = false;
    }

    /// Whether the page's renderer crashed.
    pub(crate) fn crashed(&self) -> bool {
        self.crashed
    }

    /// Requests still open (and workers or pop-ups still being set up: they
    /// are about to make requests), and the time of the last network event.
    pub(crate) fn network_state(&self) -> (usize, u64) {
        (
            self.in_flight.len() + self.targets_starting,
            self.last_activity_ms,
        )
    }

    /// A worker or pop-up was attached and is being set up.
    pub(crate) fn target_starting(&mut self) {
        self.targets_starting += 1;
        self.last_activity_ms = self.now_ms();
    }

    /// A worker or pop-up set up by [`Recorder::target_starting`] runs.
    pub(crate) fn target_started(&mut self) {
        self.targets_starting = self.targets_starting.saturating_sub(1);
        self.last_activity_ms = self.now_ms();
    }

    /// The requests recorded so far.
    pub(crate) fn requests(&self) -> &[Request] {
        &self.requests
    }

    /// The URL of the main frame, when known.
    pub(crate) fn main_frame_url(&self) -> Option<String> {
        let id = self.main_frame.as_ref()?;
        self.frames
            .iter()
            .find(|f| &f.id == id)
            .map(|f| f.url.clone())
    }

    /// Records a problem.
    pub(crate) fn error(&mut self, kind: CaptureErrorKind, message: impl Into<String>) {
        if self.errors.len() < 1000 {
            self.errors.push(CaptureError {
                kind,
                message: message.into(),
            });
        }
    }

    /// A message chromiumoxide could not parse into its protocol types: read
    /// it leniently instead, and count the drift.
    pub(crate) fn handle_unparsed(&mut self, text: &str) -> Vec<FollowUp> {
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            self.unreadable_messages += 1;
            return Vec::new();
        };
        match message.get("method").and_then(Value::as_str) {
            Some(method) => {
                *self.drift.entry(method.to_string()).or_default() += 1;
                let params = message.get("params").cloned().unwrap_or(Value::Null);
                let method = method.to_string();
                self.handle(&method, &params)
            }
            None => {
                *self
                    .drift
                    .entry("(command response)".to_string())
                    .or_default() += 1;
                Vec::new()
            }
        }
    }

    /// One event of the scanned page, by method name.
    pub(crate) fn handle(&mut self, method: &str, params: &Value) -> Vec<FollowUp> {
        self.handle_in(&Scope::Page, method, params)
    }

    /// One event of the target `scope`, by method name.
    pub(crate) fn handle_in(
        &mut self,
        scope: &Scope,
        method: &str,
        params: &Value,
    ) -> Vec<FollowUp> {
        let now = self.now_ms();
        match method {
            "Network.requestWillBeSent" => return self.on_request(scope, params, now),
            "Network.requestWillBeSentExtraInfo" => self.on_request_extra(params),
            "Network.responseReceived" => self.on_response(params),
            "Network.responseReceivedExtraInfo" => self.on_response_extra(params),
            "Network.loadingFinished" => self.on_finished(params, None, now),
            "Network.loadingFailed" => {
                let mut why = str_of(params, "errorText").to_string();
                if let Some(reason) = params.get("blockedReason").and_then(Value::as_str) {
                    why = format!("{why} (blocked: {reason})");
                }
                if params.get("canceled").and_then(Value::as_bool) == Some(true) {
                    why = format!("{why} (canceled)");
                }
                self.on_finished(params, Some(why), now)
            }
            "Network.webSocketCreated" => self.on_websocket_created(params, now),
            "Network.webSocketFrameSent" => self.on_websocket_frame(params, true, now),
            "Network.webSocketFrameReceived" => self.on_websocket_frame(params, false, now),
            "Network.eventSourceMessageReceived" => self.on_event_source_message(params, now),
            "Page.frameAttached" => {
                let id = str_of(params, "frameId").to_string();
                let parent = params
                    .get("parentFrameId")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                self.upsert_frame(scope, id, parent, None, None, None);
            }
            "Page.frameNavigated" => {
                if let Some(frame) = params.get("frame") {
                    let url = truncate(
                        &format!("{}{}", str_of(frame, "url"), str_of(frame, "urlFragment")),
                        URL_LIMIT,
                    );
                    self.upsert_frame(
                        scope,
                        str_of(frame, "id").to_string(),
                        frame
                            .get("parentId")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        Some(url),
                        frame
                            .get("securityOrigin")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        frame
                            .get("name")
                            .and_then(Value::as_str)
                            .filter(|n| !n.is_empty())
                            .map(str::to_string),
                    );
                }
            }
            // A pop-up's load is not the page's.
            "Page.loadEventFired" if *scope == Scope::Page => self.load_fired = true,
            "Page.javascriptDialogOpening" => {
                self.events.push(PageEvent::Dialog {
                    dialog_type: str_of(params, "type").to_string(),
                    message: truncate(str_of(params, "message"), 500),
                    url: str_of(params, "url").to_string(),
                });
                return vec![FollowUp::AnswerDialog {
                    prompt_text: truncate(str_of(params, "defaultPrompt"), 1024),
                }];
            }
            "Page.windowOpen" => self.events.push(PageEvent::Popup {
                url: str_of(params, "url").to_string(),
            }),
            "Browser.downloadWillBegin" | "Page.downloadWillBegin" => {
                self.events.push(PageEvent::Download {
                    url: str_of(params, "url").to_string(),
                    suggested_filename: str_of(params, "suggestedFilename").to_string(),
                })
            }
            "Inspector.targetCrashed" | "Target.targetCrashed" if *scope == Scope::Page => {
                self.crashed = true;
                self.error(CaptureErrorKind::Crash, "the page's renderer crashed");
            }
            "Inspector.targetCrashed" => {
                self.error(
                    CaptureErrorKind::Crash,
                    "a pop-up or worker of the page crashed; the page goes on",
                );
            }
            "Debugger.scriptParsed" => return self.on_script(scope, params),
            "Debugger.paused" => return vec![FollowUp::Resume],
            "Runtime.bindingCalled" if str_of(params, "name") == self.binding => {
                self.on_batch(str_of(params, "payload"));
            }
            "Runtime.bindingCalled" if str_of(params, "name") == script_elements::BINDING => {
                self.script_elements.on_batch(str_of(params, "payload"));
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_request(&mut self, scope: &Scope, params: &Value, now: u64) -> Vec<FollowUp> {
        let request_id = str_of(params, "requestId").to_string();
        let Some(request) = params.get("request") else {
            return Vec::new();
        };
        // A worker's request can be reported both to the worker and to the
        // page that owns it: the same id without a redirect is one request.
        if params.get("redirectResponse").is_none()
            && self
                .by_request_id
                .get(&request_id)
                .is_some_and(|hops| !hops.hops.is_empty())
        {
            return Vec::new();
        }
        // data: URLs never leave the browser; they can be megabytes long.
        if str_of(request, "url").starts_with("data:") {
            return Vec::new();
        }
        self.last_activity_ms = now;
        let initiator = params.get("initiator");
        let preflight_for = initiator
            .filter(|i| str_of(i, "type") == "preflight")
            .map(|i| str_of(i, "requestId").to_string());
        // Chromium types a CORS preflight `Other`; its initiator says what it is.
        let resource_type = if preflight_for.is_some() {
            "Preflight".to_string()
        } else {
            params
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("Other")
                .to_string()
        };
        if !matches!(resource_type.as_str(), "WebSocket" | "EventSource") {
            self.in_flight.insert(request_id.clone());
        }
        // A redirect reuses the request id: close the previous hop with the
        // redirect response, then record the new hop.
        let mut redirected_from = None;
        if let Some(redirect) = params.get("redirectResponse")
            && let Some(&previous) = self
                .by_request_id
                .get(&request_id)
                .and_then(|hops| hops.hops.last())
        {
            let response = response_of(redirect);
            let hop = &mut self.requests[previous];
            hop.response = Some(response);
            redirected_from = Some(hop.id.clone());
        }
        if self.requests.len() >= MAX_REQUESTS {
            self.dropped_requests += 1;
            return Vec::new();
        }
        let (body, needs_fetch) = body_of(request);
        let body = body.map(|b| self.budget(b));
        let hops = self.by_request_id.entry(request_id.clone()).or_default();
        let id = if hops.hops.is_empty() {
            request_id.clone()
        } else {
            format!("{request_id}#{}", hops.hops.len())
        };
        let headers = headers_of(request.get("headers"));
        let record = Request {
            id,
            url: truncate(
                &format!(
                    "{}{}",
                    str_of(request, "url"),
                    str_of(request, "urlFragment")
                ),
                URL_LIMIT,
            ),
            method: str_of(request, "method").to_string(),
            resource_type,
            headers,
            body,
            initiator: scoped_initiator(scope, initiator_of(initiator)),
            frame_id: params
                .get("frameId")
                .and_then(Value::as_str)
                .map(str::to_string),
            response: None,
            failure: None,
            redirected_from,
            websocket_frames: Vec::new(),
            event_source_messages: Vec::new(),
            worker_url: match scope {
                Scope::Worker { url, .. } => Some(url.clone()),
                _ => None,
            },
            time_ms: now,
        };
        let index = self.requests.len();
        self.requests.push(record);
        hops.hops.push(index);
        if let Some(for_id) = preflight_for.filter(|id| !id.is_empty()) {
            self.preflights.push((index, for_id));
        }
        // Extra infos that came first belong to the hops in order.
        if hops.extra_applied < hops.hops.len() && !hops.early_extra.is_empty() {
            let extra = hops.early_extra.remove(0);
            hops.extra_applied += 1;
            apply_request_extra(&mut self.requests[index], &extra);
        }
        let early_response = hops.early_response.take();
        let early_end = hops.early_end.take();
        if let Some(response) = early_response {
            self.on_response(&response);
        }
        if let Some(failure) = early_end {
            self.on_finished(&serde_json::json!({"requestId": request_id}), failure, now);
        }
        if needs_fetch {
            self.outstanding += 1;
            return vec![FollowUp::PostData { request_id }];
        }
        Vec::new()
    }

    /// Keeps a body within the capture's total budget.
    fn budget(&mut self, mut body: Body) -> Body {
        if self.body_bytes + body.text.len() > BODY_BUDGET {
            self.bodies_over_budget += 1;
            body.text.clear();
            body.truncated = true;
        } else {
            self.body_bytes += body.text.len();
        }
        body
    }

    fn on_request_extra(&mut self, params: &Value) {
        let request_id = str_of(params, "requestId").to_string();
        let hops = self.by_request_id.entry(request_id).or_default();
        if hops.extra_applied < hops.hops.len() {
            let index = hops.hops[hops.extra_applied];
            hops.extra_applied += 1;
            apply_request_extra(&mut self.requests[index], params);
        } else if hops.early_extra.len() < 32 {
            hops.early_extra.push(params.clone());
        }
    }

    fn latest_hop(&self, request_id: &str) -> Option<usize> {
        self.by_request_id
            .get(request_id)
            .and_then(|hops| hops.hops.last().copied())
    }

    fn on_response(&mut self, params: &Value) {
        let request_id = str_of(params, "requestId").to_string();
        let Some(index) = self.latest_hop(&request_id) else {
            if self.by_request_id.len() < MAX_REQUESTS {
                self.by_request_id
                    .entry(request_id)
                    .or_default()
                    .early_response = Some(params.clone());
            }
            return;
        };
        let Some(response) = params.get("response") else {
            return;
        };
        let mut record = response_of(response);
        if let Some(extra) = self
            .by_request_id
            .get_mut(&request_id)
            .and_then(|hops| hops.early_response_extra.take())
        {
            apply_response_extra(&mut record, &extra);
        }
        self.note_set_cookies(&record, &self.requests[index].id.clone());
        self.requests[index].response = Some(record);
    }

    fn on_response_extra(&mut self, params: &Value) {
        let request_id = str_of(params, "requestId").to_string();
        match self.latest_hop(&request_id) {
            Some(index) if self.requests[index].response.is_some() => {
                let id = self.requests[index].id.clone();
                if let Some(response) = self.requests[index].response.as_mut() {
                    apply_response_extra(response, params);
                }
                if let Some(response) = self.requests[index].response.clone() {
                    self.note_set_cookies(&response, &id);
                }
            }
            _ => {
                self.by_request_id
                    .entry(request_id)
                    .or_default()
                    .early_response_extra = Some(params.clone());
            }
        }
    }

    fn note_set_cookies(&mut self, response: &Response, request_id: &str) {
        for header in &response.security_headers {
            if header.name.eq_ignore_ascii_case("set-cookie")
                && let Some((name, _)) = header.value.split_once('=')
                && self.cookie_responses.len() < 10_000
            {
                self.cookie_responses
                    .insert(name.trim().to_string(), request_id.to_string());
            }
        }
    }

    fn on_finished(&mut self, params: &Value, failure: Option<String>, now: u64) {
        let request_id = str_of(params, "requestId");
        if self.latest_hop(request_id).is_none() && self.by_request_id.len() < MAX_REQUESTS {
            self.by_request_id
                .entry(request_id.to_string())
                .or_default()
                .early_end = Some(failure);
            return;
        }
        self.in_flight.remove(request_id);
        self.last_activity_ms = now;
        if let (Some(why), Some(index)) = (failure, self.latest_hop(request_id)) {
            self.requests[index].failure = Some(why);
        }
    }

    fn on_websocket_created(&mut self, params: &Value, now: u64) {
        if self.requests.len() >= MAX_REQUESTS {
            self.dropped_requests += 1;
            return;
        }
        let request_id = str_of(params, "requestId").to_string();
        let index = self.requests.len();
        self.requests.push(Request {
            id: request_id.clone(),
            url: truncate(str_of(params, "url"), URL_LIMIT),
            method: "GET".to_string(),
            resource_type: "WebSocket".to_string(),
            headers: Vec::new(),
            body: None,
            initiator: initiator_of(params.get("initiator")),
            frame_id: None,
            response: None,
            failure: None,
            redirected_from: None,
            websocket_frames: Vec::new(),
            event_source_messages: Vec::new(),
            worker_url: None,
            time_ms: now,
        });
        self.by_request_id
            .entry(request_id)
            .or_default()
            .hops
            .push(index);
    }

    fn on_websocket_frame(&mut self, params: &Value, sent: bool, now: u64) {
        let Some(index) = self.latest_hop(str_of(params, "requestId")) else {
            return;
        };
        let Some(frame) = params.get("response") else {
            return;
        };
        let frames = &mut self.requests[index].websocket_frames;
        if frames.len() >= FRAMES_PER_SOCKET {
            return;
        }
        let payload = str_of(frame, "payloadData");
        let time = params
            .get("timestamp")
            .and_then(Value::as_f64)
            .unwrap_or(f64::MAX);
        let times = self.frame_times.entry(index).or_default();
        let at = times.partition_point(|t| *t <= time);
        times.insert(at, time);
        frames.insert(
            at,
            WebSocketFrame {
                sent,
                opcode: frame
                    .get("opcode")
                    .and_then(Value::as_u64)
                    .and_then(|o| u8::try_from(o).ok())
                    .unwrap_or(1),
                payload: truncate(payload, FRAME_PAYLOAD_LIMIT),
                truncated: payload.len() > FRAME_PAYLOAD_LIMIT,
                time_ms: now,
            },
        );
    }

    fn on_event_source_message(&mut self, params: &Value, now: u64) {
        let Some(index) = self.latest_hop(str_of(params, "requestId")) else {
            return;
        };
        let messages = &mut self.requests[index].event_source_messages;
        if messages.len() >= MESSAGES_PER_EVENT_SOURCE {
            return;
        }
        let data = str_of(params, "data");
        messages.push(EventSourceMessage {
            event_name: truncate(str_of(params, "eventName"), 256),
            event_id: params
                .get("eventId")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .map(|id| truncate(id, 256)),
            data: truncate(data, EVENT_DATA_LIMIT),
            truncated: data.len() > EVENT_DATA_LIMIT,
            time_ms: now,
        });
    }

    fn upsert_frame(
        &mut self,
        scope: &Scope,
        id: String,
        parent_id: Option<String>,
        url: Option<String>,
        origin: Option<String>,
        name: Option<String>,
    ) {
        if id.is_empty() {
            return;
        }
        // A pop-up's top frame: its own frames (iframes) are not pop-ups.
        let popup = matches!(scope, Scope::Popup { .. }) && parent_id.is_none();
        if parent_id.is_none() && self.main_frame.is_none() && !popup {
            self.main_frame = Some(id.clone());
        }
        if let Some(frame) = self.frames.iter_mut().find(|f| f.id == id) {
            if let Some(url) = url {
                frame.url = url;
            }
            if origin.is_some() {
                frame.origin = origin;
            }
            if name.is_some() {
                frame.name = name;
            }
            if parent_id.is_some() {
                frame.parent_id = parent_id;
            }
        } else if self.frames.len() < 10_000 {
            self.frames.push(Frame {
                id,
                parent_id,
                url: url.unwrap_or_else(|| "about:blank".to_string()),
                origin,
                name,
                popup,
            });
        }
    }

    fn on_script(&mut self, scope: &Scope, params: &Value) -> Vec<FollowUp> {
        let engine_id = str_of(params, "scriptId").to_string();
        let script_id = scope.script_key(&engine_id);
        let url = str_of(params, "url").to_string();
        let aux = params.get("executionContextAuxData");
        let world = aux.map(|a| str_of(a, "type")).unwrap_or_default();
        // outflow's own evaluations run in isolated worlds or carry an
        // outflow: source URL; they are not the page's code.
        // Chromium's own pages (network error pages) are not the site's code.
        if world == "isolated"
            || url.starts_with("outflow:")
            || url.starts_with("chrome-error:")
            || url.starts_with("chrome:")
            || engine_id.is_empty()
        {
            return Vec::new();
        }
        if self.scripts.len() >= MAX_SCRIPTS {
            self.dropped_scripts += 1;
            return Vec::new();
        }
        let start = Location {
            line: clamp(
                params
                    .get("startLine")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    .saturating_add(1),
            ),
            column: clamp(
                params
                    .get("startColumn")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    .saturating_add(1),
            ),
        };
        let created_by = params.get("stackTrace").map(|trace| {
            let mut frames = stack::from_cdp(trace);
            scope_frames(scope, &mut frames);
            frames
        });
        let is_document = self.frames.iter().any(|f| f.url == url);
        let worker_url = match scope {
            Scope::Worker { url, .. } => Some(url.as_str()),
            _ => None,
        };
        let origin = if worker_url == Some(url.as_str()) && !url.is_empty() {
            ScriptOrigin::Worker { url: url.clone() }
        } else if url.is_empty() || created_by.as_ref().is_some_and(|s| !s.is_empty()) {
            let parent = created_by.as_ref().and_then(|frames| frames.first());
            ScriptOrigin::Eval {
                parent_id: parent.and_then(|f| f.script_id.clone()),
                parent_url: parent.map(|f| f.url.clone()).filter(|u| !u.is_empty()),
                at: parent.map(|f| f.at),
            }
        } else if is_document || start.line > 1 || start.column > 1 {
            let count = self.inline_counts.entry(url.clone()).or_default();
            let index = *count;
            *count += 1;
            ScriptOrigin::Inline {
                document: url.clone(),
                index,
                at: start,
            }
        } else {
            ScriptOrigin::External { url: url.clone() }
        };
        if matches!(origin, ScriptOrigin::Inline { .. }) {
            self.inline_starts.insert(script_id.clone(), start);
        }
        self.script_index
            .insert(script_id.clone(), self.scripts.len());
        self.scripts.push(Script {
            id: script_id.clone(),
            origin,
            sha256: String::new(),
            size: params.get("length").and_then(Value::as_u64).unwrap_or(0),
            frame_id: aux
                .and_then(|a| a.get("frameId"))
                .and_then(Value::as_str)
                .map(str::to_string),
            module: params.get("isModule").and_then(Value::as_bool) == Some(true),
            body_error: None,
        });
        self.outstanding += 1;
        vec![FollowUp::ScriptSource {
            script_id: engine_id,
            key: script_id,
        }]
    }

    /// The answer to a [`FollowUp::ScriptSource`].
    pub(crate) fn on_script_source(&mut self, script_id: &str, source: Result<String, String>) {
        self.outstanding = self.outstanding.saturating_sub(1);
        let Some(&index) = self.script_index.get(script_id) else {
            return;
        };
        match source {
            Ok(source) => {
                let hash = sha256_hex(source.as_bytes());
                if hash == self.instrument_sha256 {
                    // outflow's instrumentation, not the page's code.
                    self.scripts[index].id = String::new();
                    return;
                }
                self.scripts[index].size = source.len() as u64;
                if source.len() > SCRIPT_SIZE_LIMIT {
                    self.scripts[index].body_error =
                        Some(format!("larger than {SCRIPT_SIZE_LIMIT} bytes: not kept"));
                } else if let Err(why) = self.store_source(&hash, source) {
                    self.scripts[index].body_error = Some(why);
                }
                self.scripts[index].sha256 = hash;
            }
            Err(why) => self.scripts[index].body_error = Some(why),
        }
    }

    fn store_source(&mut self, hash: &str, source: String) -> Result<(), String> {
        if self.stored_hashes.contains(hash) {
            return Ok(());
        }
        match &mut self.store {
            ScriptStore::Memory(map) => {
                if self.memory_bytes + source.len() > 256 * 1024 * 1024 {
                    return Err("in-memory script store full".to_string());
                }
                self.memory_bytes += source.len();
                map.insert(hash.to_string(), source);
            }
            ScriptStore::Dir(dir) => {
                let path = dir.join(format!("{hash}.js"));
                if !path.exists() {
                    std::fs::write(&path, source.as_bytes())
                        .map_err(|e| format!("writing {}: {e}", path.display()))?;
                }
            }
        }
        self.stored_hashes.insert(hash.to_string());
        Ok(())
    }

    /// The answer to a [`FollowUp::PostData`].
    pub(crate) fn on_post_data(&mut self, request_id: &str, data: Result<Vec<u8>, String>) {
        self.outstanding = self.outstanding.saturating_sub(1);
        let Some(&index) = self
            .by_request_id
            .get(request_id)
            .and_then(|hops| hops.hops.first())
        else {
            return;
        };
        match data {
            Ok(bytes) => {
                let body = self.budget(body_from_bytes(&bytes));
                self.requests[index].body = Some(body);
            }
            Err(why) => self.error(
                CaptureErrorKind::Protocol,
                format!("body of request {request_id} unreadable: {why}"),
            ),
        }
    }

    fn on_batch(&mut self, payload: &str) {
        if payload.len() > BATCH_LIMIT {
            self.api_records_dropped += 1;
            return;
        }
        let Ok(batch) = serde_json::from_str::<Value>(payload) else {
            return;
        };
        let frame_url = str_of(&batch, "u").to_string();
        self.api_records_dropped += batch.get("d").and_then(Value::as_u64).unwrap_or(0);
        let Some(records) = batch.get("r").and_then(Value::as_array) else {
            return;
        };
        for record in records {
            let Some(fields) = record.as_array() else {
                continue;
            };
            let text = |i: usize| fields.get(i).and_then(Value::as_str).unwrap_or_default();
            let api = text(0);
            let access = match text(1) {
                "get" => ApiAccess::Get,
                "set" => ApiAccess::Set,
                "construct" => ApiAccess::Construct,
                _ => ApiAccess::Call,
            };
            let argument = text(2);
            let frames = stack::from_v8_text(text(3), INSTRUMENT_FRAMES);
            let count = fields.get(4).and_then(Value::as_u64).unwrap_or(1);
            let script_url = frames.first().map(|f| f.url.clone()).unwrap_or_default();
            self.note_storage(api, access, argument, &script_url, &frame_url);
            self.add_api_call(api, access, argument, frames, count, script_url, &frame_url);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_api_call(
        &mut self,
        api: &str,
        access: ApiAccess,
        argument: &str,
        frames: Vec<outflow_model::StackFrame>,
        count: u64,
        script_url: String,
        frame_url: &str,
    ) {
        let key = (script_url.clone(), api.to_string(), access);
        let index = match self.api_index.get(&key) {
            Some(&index) => index,
            None => {
                if self.api_calls.len() >= MAX_API_CALLS {
                    self.api_records_dropped += count;
                    return;
                }
                self.api_calls.push(ApiCall {
                    script_id: None,
                    script_url,
                    api: api.to_string(),
                    access,
                    count: 0,
                    arguments: Vec::new(),
                    arguments_truncated: false,
                    first_stack: frames,
                    frame_url: Some(frame_url.to_string()).filter(|u| !u.is_empty()),
                });
                self.api_index.insert(key, self.api_calls.len() - 1);
                self.api_calls.len() - 1
            }
        };
        let call = &mut self.api_calls[index];
        call.count = call.count.saturating_add(count);
        if !argument.is_empty() && !call.arguments.iter().any(|a| a == argument) {
            if call.arguments.len() < ARGUMENTS_PER_CALL {
                call.arguments.push(argument.to_string());
            } else {
                call.arguments_truncated = true;
            }
        }
    }

    fn note_storage(
        &mut self,
        api: &str,
        access: ApiAccess,
        argument: &str,
        script_url: &str,
        frame_url: &str,
    ) {
        if self.storage_writes.len() >= MAX_STORAGE_WRITES {
            return;
        }
        let time_ms = Some(self.now_ms());
        let write = match (api, access) {
            ("Storage.setItem", ApiAccess::Call) => {
                let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(argument) else {
                    return;
                };
                let part = |i: usize| {
                    parts
                        .get(i)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                StorageWrite {
                    area: if part(0) == "session" {
                        StorageArea::Session
                    } else {
                        StorageArea::Local
                    },
                    key: part(1),
                    value: part(2),
                    script_url: script_url.to_string(),
                    frame_url: frame_url.to_string(),
                    time_ms,
                }
            }
            ("Document.cookie", ApiAccess::Set) => {
                let pair = argument.split(';').next().unwrap_or_default();
                let (key, value) = pair.split_once('=').unwrap_or(("", pair));
                let key = key.trim().to_string();
                if self.cookie_writers.len() < 10_000 {
                    self.cookie_writers
                        .insert(key.clone(), script_url.to_string());
                }
                StorageWrite {
                    area: StorageArea::Cookie,
                    key,
                    value: value.trim().to_string(),
                    script_url: script_url.to_string(),
                    frame_url: frame_url.to_string(),
                    time_ms,
                }
            }
            _ => return,
        };
        self.storage_writes.push(write);
    }

    /// Cookies from `Network.getAllCookies`, with who set each.
    pub(crate) fn cookies_from(&self, result: &Value) -> Vec<Cookie> {
        let Some(cookies) = result.get("cookies").and_then(Value::as_array) else {
            return Vec::new();
        };
        cookies
            .iter()
            .take(10_000)
            .map(|cookie| {
                let name = str_of(cookie, "name").to_string();
                let set_by = if let Some(request_id) = self.cookie_responses.get(&name) {
                    CookieSetter::Http {
                        request_id: request_id.clone(),
                    }
                } else if let Some(script_url) = self.cookie_writers.get(&name) {
                    CookieSetter::Script {
                        script_url: script_url.clone(),
                    }
                } else {
                    CookieSetter::Unknown
                };
                let session = cookie.get("session").and_then(Value::as_bool) == Some(true);
                Cookie {
                    value: str_of(cookie, "value").to_string(),
                    domain: str_of(cookie, "domain").to_string(),
                    path: str_of(cookie, "path").to_string(),
                    expires: if session {
                        None
                    } else {
                        cookie
                            .get("expires")
                            .and_then(Value::as_f64)
                            .filter(|e| *e > 0.0)
                            .map(|e| e as i64)
                    },
                    http_only: cookie.get("httpOnly").and_then(Value::as_bool) == Some(true),
                    secure: cookie.get("secure").and_then(Value::as_bool) == Some(true),
                    same_site: cookie
                        .get("sameSite")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    set_by,
                    name,
                }
            })
            .collect()
    }

    /// The recorded data, with script ids resolved and limits reported.
    pub(crate) fn finish(mut self) -> Finished {
        for (method, count) in std::mem::take(&mut self.drift) {
            self.error(
                CaptureErrorKind::ProtocolDrift,
                format!(
                    "{count} {method} message(s) did not match chromiumoxide's protocol types \
                     (Chromium is newer); read leniently"
                ),
            );
        }
        if self.unreadable_messages > 0 {
            let n = self.unreadable_messages;
            self.error(
                CaptureErrorKind::Protocol,
                format!("{n} DevTools message(s) were not JSON and were lost"),
            );
        }
        if self.dropped_requests > 0 {
            let n = self.dropped_requests;
            self.error(
                CaptureErrorKind::Limit,
                format!("{n} requests past {MAX_REQUESTS} dropped"),
            );
        }
        if self.dropped_scripts > 0 {
            let n = self.dropped_scripts;
            self.error(
                CaptureErrorKind::Limit,
                format!("{n} scripts past {MAX_SCRIPTS} dropped"),
            );
        }
        if self.bodies_over_budget > 0 {
            let n = self.bodies_over_budget;
            self.error(
                CaptureErrorKind::Limit,
                format!("{n} request bodies past the {BODY_BUDGET}-byte budget kept as sizes only"),
            );
        }
        if self.api_records_dropped > 0 {
            let n = self.api_records_dropped;
            self.error(
                CaptureErrorKind::Limit,
                format!("{n} API call records dropped at limits"),
            );
        }
        self.scripts.retain(|s| !s.id.is_empty());
        // A preflight's own initiator names only the URL it checks: give it
        // the script and stack of the request it was sent for.
        for (index, for_id) in std::mem::take(&mut self.preflights) {
            let Some(&actual) = self.by_request_id.get(&for_id).and_then(|h| h.hops.first()) else {
                continue;
            };
            let mut initiator = self.requests[actual].initiator.clone();
            initiator.kind = "preflight".to_string();
            self.requests[index].initiator = initiator;
        }
        for call in &mut self.api_calls {
            call.script_id = resolve_script(&self.scripts, &self.inline_starts, call);
        }
        for request in &mut self.requests {
            if request.initiator.script_id.is_none()
                && let Some(url) = &request.initiator.url
            {
                request.initiator.script_id = self
                    .scripts
                    .iter()
                    .find(|s| matches!(&s.origin, ScriptOrigin::External { url: u } if u == url))
                    .map(|s| s.id.clone());
            }
        }
        let (script_elements, problems) =
            std::mem::take(&mut self.script_elements).finish(&self.frames);
        for problem in problems {
            self.error(CaptureErrorKind::Limit, problem);
        }
        Finished {
            script_elements,
            frames: self.frames,
            scripts: self.scripts,
            requests: self.requests,
            api_calls: self.api_calls,
            storage_writes: self.storage_writes,
            events: self.events,
            errors: self.errors,
            store: self.store,
        }
    }
}

/// What [`Recorder::finish`] hands back.
#[derive(Debug)]
pub(crate) struct Finished {
    pub frames: Vec<Frame>,
    pub script_elements: Vec<outflow_model::ScriptElement>,
    pub scripts: Vec<Script>,
    pub requests: Vec<Request>,
    pub api_calls: Vec<ApiCall>,
    pub storage_writes: Vec<StorageWrite>,
    pub events: Vec<PageEvent>,
    pub errors: Vec<CaptureError>,
    pub store: ScriptStore,
}

/// The script an API call came from: external scripts by URL, inline ones
/// by the last block of the document starting at or before the call's line.
fn resolve_script(
    scripts: &[Script],
    inline_starts: &HashMap<String, Location>,
    call: &ApiCall,
) -> Option<String> {
    if call.script_url.is_empty() {
        return None;
    }
    if let Some(script) = scripts
        .iter()
        .find(|s| matches!(&s.origin, ScriptOrigin::External { url } if *url == call.script_url))
    {
        return Some(script.id.clone());
    }
    let line = call.first_stack.first().map(|f| f.at.line)?;
    scripts
        .iter()
        .filter(|s| matches!(&s.origin, ScriptOrigin::Inline { document, .. } if *document == call.script_url))
        .filter_map(|s| inline_starts.get(&s.id).map(|start| (start.line, s)))
        .filter(|(start, _)| *start <= line)
        .max_by_key(|(start, _)| *start)
        .map(|(_, s)| s.id.clone())
}

fn apply_request_extra(request: &mut Request, extra: &Value) {
    let headers = headers_of(extra.get("headers"));
    if !headers.is_empty() {
        request.headers = headers;
    }
}

fn apply_response_extra(response: &mut Response, extra: &Value) {
    let headers = security_headers(extra.get("headers"));
    if !headers.is_empty() {
        response.security_headers = headers;
    }
}

fn response_of(response: &Value) -> Response {
    let ip = str_of(response, "remoteIPAddress");
    let port = response.get("remotePort").and_then(Value::as_u64);
    Response {
        status: response
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(0),
        mime_type: response
            .get("mimeType")
            .and_then(Value::as_str)
            .map(str::to_string),
        remote_address: match (ip.is_empty(), port) {
            (false, Some(port)) if ip.contains(':') => Some(format!("[{ip}]:{port}")),
            (false, Some(port)) => Some(format!("{ip}:{port}")),
            (false, None) => Some(ip.to_string()),
            (true, _) => None,
        },
        protocol: response
            .get("protocol")
            .and_then(Value::as_str)
            .map(str::to_string),
        security_headers: security_headers(response.get("headers")),
    }
}

fn security_headers(headers: Option<&Value>) -> Vec<Header> {
    headers_of(headers)
        .into_iter()
        .filter(|h| {
            SECURITY_HEADERS
                .iter()
                .any(|name| h.name.eq_ignore_ascii_case(name))
        })
        .collect()
}

/// CDP headers are an object; repeated headers are joined with newlines.
fn headers_of(headers: Option<&Value>) -> Vec<Header> {
    let Some(Value::Object(map)) = headers else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value) in map.iter().take(500) {
        let value = value.as_str().unwrap_or_default();
        for part in value.split('\n').take(100) {
            out.push(Header {
                name: name.clone(),
                value: truncate(part, 8 * 1024),
            });
        }
    }
    out
}

/// The body of a `Network.Request`, and whether it must be fetched
/// separately (the request has one but it is not inline).
fn body_of(request: &Value) -> (Option<Body>, bool) {
    if let Some(entries) = request.get("postDataEntries").and_then(Value::as_array) {
        let mut bytes = Vec::new();
        let engine = base64::engine::general_purpose::STANDARD;
        let mut complete = true;
        for entry in entries {
            match entry.get("bytes").and_then(Value::as_str) {
                Some(b64) => match engine.decode(b64) {
                    Ok(decoded) => bytes.extend_from_slice(&decoded),
                    Err(_) => complete = false,
                },
                None => complete = false,
            }
        }
        if complete && !entries.is_empty() {
            return (Some(body_from_bytes(&bytes)), false);
        }
    }
    if let Some(text) = request.get("postData").and_then(Value::as_str) {
        return (Some(body_from_bytes(text.as_bytes())), false);
    }
    let has = request.get("hasPostData").and_then(Value::as_bool) == Some(true);
    (None, has)
}

/// A [`Body`] from raw bytes, truncated to [`BODY_LIMIT`].
pub(crate) fn body_from_bytes(bytes: &[u8]) -> Body {
    let kept = &bytes[..bytes.len().min(BODY_LIMIT)];
    let (text, base64) = match std::str::from_utf8(kept) {
        Ok(text) => (text.to_string(), false),
        // A cut through a multi-byte character is still text.
        Err(e) if e.error_len().is_none() && kept.len() < bytes.len() => (
            String::from_utf8_lossy(&kept[..e.valid_up_to()]).into_owned(),
            false,
        ),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(kept), true),
    };
    Body {
        text,
        base64,
        size: bytes.len() as u64,
        truncated: kept.len() < bytes.len(),
    }
}

/// Script ids of another target's engine, renamed as in the capture.
fn scope_frames(scope: &Scope, frames: &mut [outflow_model::StackFrame]) {
    if *scope == Scope::Page {
        return;
    }
    for frame in frames {
        if let Some(id) = &frame.script_id {
            frame.script_id = Some(scope.script_key(id));
        }
    }
}

fn scoped_initiator(scope: &Scope, mut initiator: Initiator) -> Initiator {
    scope_frames(scope, &mut initiator.stack);
    if let Some(id) = &initiator.script_id {
        initiator.script_id = Some(scope.script_key(id));
    }
    initiator
}

fn initiator_of(initiator: Option<&Value>) -> Initiator {
    let Some(initiator) = initiator else {
        return Initiator {
            kind: "unknown".to_string(),
            url: None,
            script_id: None,
            stack: Vec::new(),
        };
    };
    let stack = initiator
        .get("stack")
        .map(stack::from_cdp)
        .unwrap_or_default();
    let url = initiator
        .get("url")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .or_else(|| {
            stack
                .iter()
                .find(|f| !f.url.is_empty())
                .map(|f| f.url.clone())
        });
    Initiator {
        kind: initiator
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("other")
            .to_string(),
        script_id: stack.iter().find_map(|f| f.script_id.clone()),
        url,
        stack,
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

pub(crate) fn truncate(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

fn clamp(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn recorder() -> Recorder {
        Recorder::new("b".into(), "x", ScriptStore::Memory(BTreeMap::new()))
    }

    #[test]
    fn drifted_extra_info_is_read_leniently() {
        let mut rec = recorder();
        rec.handle(
            "Network.requestWillBeSent",
            &json!({"requestId": "1", "type": "Ping", "request": {"url": "https://t.test/b", "method": "POST", "headers": {"Content-Type": "text/plain"},
                "hasPostData": true, "postDataEntries": [{"bytes": "aGVsbG8="}]},
                "initiator": {"type": "script", "stack": {"callFrames": [{"functionName": "f", "scriptId": "3", "url": "https://t.test/t.js", "lineNumber": 4, "columnNumber": 2}]}}}),
        );
        // Chromium 156 renamed privateNetworkRequestPolicy: chromiumoxide
        // 0.9.1's types reject the message.
        let text = r#"{"method":"Network.requestWillBeSentExtraInfo","sessionId":"S","params":{"requestId":"1","associatedCookies":[],"headers":{"Cookie":"sid=1","Content-Type":"text/plain"},"connectTiming":{"requestTime":1.0},"clientSecurityState":{"initiatorIsSecureContext":true,"initiatorIPAddressSpace":"Loopback","localNetworkAccessRequestPolicy":"PermissionBlock"}}}"#;
        rec.handle_unparsed(text);
        let done = rec.finish();
        let request = &done.requests[0];
        assert_eq!(request.body.as_ref().unwrap().text, "hello");
        assert!(
            request
                .headers
                .iter()
                .any(|h| h.name == "Cookie" && h.value == "sid=1")
        );
        assert_eq!(
            request.initiator.url.as_deref(),
            Some("https://t.test/t.js")
        );
        assert_eq!(request.initiator.stack[0].at.line, 5);
        assert!(
            done.errors
                .iter()
                .any(|e| e.kind == CaptureErrorKind::ProtocolDrift)
        );
    }

    #[test]
    fn redirects_become_linked_hops() {
        let mut rec = recorder();
        let req = |url: &str| json!({"requestId": "9", "type": "Image", "request": {"url": url, "method": "GET", "headers": {}}, "initiator": {"type": "parser"}});
        rec.handle("Network.requestWillBeSent", &req("https://a.test/1"));
        let mut second = req("https://b.test/2");
        second["redirectResponse"] =
            json!({"status": 302, "headers": {"Location": "https://b.test/2"}});
        rec.handle("Network.requestWillBeSent", &second);
        let done = rec.finish();
        assert_eq!(done.requests.len(), 2);
        assert_eq!(done.requests[0].response.as_ref().unwrap().status, 302);
        assert_eq!(done.requests[1].id, "9#1");
        assert_eq!(done.requests[1].redirected_from.as_deref(), Some("9"));
    }

    #[test]
    fn responses_before_their_request_are_kept() {
        let mut rec = recorder();
        rec.handle(
            "Network.responseReceived",
            &json!({"requestId": "7", "response": {"status": 200, "headers": {"X-Frame-Options": "DENY"}}}),
        );
        rec.handle(
            "Network.loadingFailed",
            &json!({"requestId": "7", "errorText": "net::ERR_ABORTED"}),
        );
        rec.handle(
            "Network.requestWillBeSent",
            &json!({"requestId": "7", "type": "Document", "request": {"url": "https://a.test/", "method": "GET", "headers": {}}}),
        );
        // The same request reported again (a worker's, seen by its page).
        rec.handle(
            "Network.requestWillBeSent",
            &json!({"requestId": "7", "type": "Document", "request": {"url": "https://a.test/", "method": "GET", "headers": {}}}),
        );
        assert_eq!(rec.network_state().0, 0, "nothing left in flight");
        let done = rec.finish();
        assert_eq!(done.requests.len(), 1);
        let response = done.requests[0].response.as_ref().unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.security_headers[0].name, "X-Frame-Options");
        assert_eq!(
            done.requests[0].failure.as_deref(),
            Some("net::ERR_ABORTED")
        );
    }

    #[test]
    fn worker_scripts_and_stacks_are_named_apart() {
        let mut rec = recorder();
        let scope = Scope::Worker {
            prefix: "w1".into(),
            url: "https://a.test/w.js".into(),
        };
        let follow = rec.handle_in(
            &scope,
            "Debugger.scriptParsed",
            &json!({"scriptId": "3", "url": "https://a.test/w.js", "startLine": 0, "startColumn": 0, "length": 10}),
        );
        assert_eq!(
            follow,
            vec![FollowUp::ScriptSource {
                script_id: "3".into(),
                key: "w1:3".into()
            }]
        );
        rec.on_script_source("w1:3", Ok("postMessage(1)".into()));
        rec.handle_in(
            &scope,
            "Network.requestWillBeSent",
            &json!({"requestId": "9", "type": "Fetch", "request": {"url": "https://t.test/c", "method": "GET", "headers": {}},
                "initiator": {"type": "script", "stack": {"callFrames": [{"functionName": "", "scriptId": "3", "url": "https://a.test/w.js", "lineNumber": 0, "columnNumber": 0}]}}}),
        );
        let done = rec.finish();
        assert_eq!(
            done.scripts[0].origin,
            ScriptOrigin::Worker {
                url: "https://a.test/w.js".into()
            }
        );
        assert_eq!(done.scripts[0].id, "w1:3");
        let request = &done.requests[0];
        assert_eq!(request.worker_url.as_deref(), Some("https://a.test/w.js"));
        assert_eq!(request.initiator.script_id.as_deref(), Some("w1:3"));
    }

    #[test]
    fn event_source_messages_are_kept_in_order() {
        let mut rec = recorder();
        rec.handle(
            "Network.requestWillBeSent",
            &json!({"requestId": "5", "type": "EventSource", "request": {"url": "https://s.test/e", "method": "GET", "headers": {}}}),
        );
        for (name, data) in [
            ("message", "a"),
            ("tick", &*"x".repeat(EVENT_DATA_LIMIT + 1)),
        ] {
            rec.handle(
                "Network.eventSourceMessageReceived",
                &json!({"requestId": "5", "timestamp": 1.0, "eventName": name, "eventId": "", "data": data}),
            );
        }
        let done = rec.finish();
        let messages = &done.requests[0].event_source_messages;
        assert_eq!(messages.len(), 2);
        assert_eq!(
            (messages[0].event_name.as_str(), messages[0].data.as_str()),
            ("message", "a")
        );
        assert_eq!(messages[0].event_id, None);
        assert!(messages[1].truncated);
        assert_eq!(messages[1].data.len(), EVENT_DATA_LIMIT);
    }

    #[test]
    fn hostile_batches_do_not_panic() {
        let mut rec = recorder();
        for payload in [
            "",
            "null",
            "{\"r\": 5}",
            "{\"r\": [[1,2,3]]}",
            "{\"r\": [null, [\"a\"]]}",
        ] {
            rec.handle(
                "Runtime.bindingCalled",
                &json!({"name": "b", "payload": payload}),
            );
        }
        rec.handle_unparsed("not json");
        let done = rec.finish();
        assert!(
            done.errors
                .iter()
                .any(|e| e.kind == CaptureErrorKind::Protocol)
        );
    }

    #[test]
    fn huge_urls_are_cut() {
        let mut rec = recorder();
        let url = format!("https://t.test/?q={}", "a".repeat(URL_LIMIT * 4));
        rec.handle(
            "Network.requestWillBeSent",
            &json!({"requestId": "1", "type": "Image", "request": {"url": url, "method": "GET", "headers": {}}}),
        );
        rec.handle(
            "Network.requestWillBeSent",
            &json!({"requestId": "2", "type": "Image", "request": {"url": "data:image/png;base64,AAAA", "method": "GET", "headers": {}}}),
        );
        let done = rec.finish();
        assert_eq!(done.requests.len(), 1, "data: URLs are not requests");
        assert_eq!(done.requests[0].url.len(), URL_LIMIT);
    }

    #[test]
    fn truncated_bodies_keep_their_size() {
        let body = body_from_bytes(&vec![b'a'; BODY_LIMIT + 10]);
        assert!(body.truncated);
        assert_eq!(body.size, (BODY_LIMIT + 10) as u64);
        assert_eq!(body.text.len(), BODY_LIMIT);
        assert!(body_from_bytes(&[0xff, 0xfe]).base64);
    }
}
