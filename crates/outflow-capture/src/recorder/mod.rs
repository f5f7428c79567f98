//! Turns DevTools events into a [`Capture`](outflow_model::Capture),
//! whatever order they arrive in.
//!
//! Events are read as JSON, field by field, whether chromiumoxide parsed
//! them (and they were serialised back) or its types rejected them (protocol
//! drift, see [`Recorder::handle_unparsed`]). Nothing here talks to the
//! browser: what needs a command (a body, a script's source, a dialog's
//! answer) is returned as a [`FollowUp`] for the caller to run.
//!
//! [`Recorder`] is one value fed by one dispatcher ([`Recorder::handle_in`]);
//! its handlers live beside the protocol domain they read: requests
//! ([`network`]), WebSocket and EventSource streams ([`sockets`]), frames
//! ([`frames`]), dialogs, pop-ups, downloads and crashes ([`page_events`]),
//! compiled scripts ([`scripts`]), the instrumentation's API call records
//! ([`api_calls`]), cookies and storage ([`storage`]) and `<script src>`
//! elements ([`element_log`]).

mod api_calls;
pub(crate) mod element_log;
mod frames;
mod network;
mod page_events;
mod scripts;
mod sockets;
mod storage;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use outflow_model::{
    ApiAccess, ApiCall, CaptureError, CaptureErrorKind, Frame, Location, PageEvent, Request,
    Script, StackFrame, StorageWrite,
};
use serde_json::Value;

use crate::fields::str_of;
use element_log::ElementLog;
pub use network::BODY_LIMIT;
pub(crate) use network::body_from_bytes;
use network::{BODY_BUDGET, MAX_REQUESTS, RequestHops};
use scripts::MAX_SCRIPTS;
pub(crate) use scripts::sha256_hex;

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

    /// Script ids of another target's engine, renamed as in the capture.
    pub(crate) fn rename_frames(&self, frames: &mut [StackFrame]) {
        if *self == Scope::Page {
            return;
        }
        for frame in frames {
            if let Some(id) = &frame.script_id {
                frame.script_id = Some(self.script_key(id));
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
            "Network.loadingFailed" => self.on_failed(params, now),
            "Network.webSocketCreated" => self.on_websocket_created(params, now),
            "Network.webSocketFrameSent" => self.on_websocket_frame(params, true, now),
            "Network.webSocketFrameReceived" => self.on_websocket_frame(params, false, now),
            "Network.eventSourceMessageReceived" => self.on_event_source_message(params, now),
            "Page.frameAttached" => self.on_frame_attached(scope, params),
            "Page.frameNavigated" => self.on_frame_navigated(scope, params),
            // A pop-up's load is not the page's.
            "Page.loadEventFired" if *scope == Scope::Page => self.load_fired = true,
            "Page.javascriptDialogOpening" => return self.on_dialog(params),
            "Page.windowOpen" => self.on_window_open(params),
            "Browser.downloadWillBegin" | "Page.downloadWillBegin" => self.on_download(params),
            "Inspector.targetCrashed" | "Target.targetCrashed" if *scope == Scope::Page => {
                self.on_page_crash();
            }
            "Inspector.targetCrashed" => self.on_target_crash(),
            "Debugger.scriptParsed" => return self.on_script(scope, params),
            "Debugger.paused" => return vec![FollowUp::Resume],
            "Runtime.bindingCalled" if str_of(params, "name") == self.binding => {
                self.on_batch(str_of(params, "payload"));
            }
            "Runtime.bindingCalled" if str_of(params, "name") == element_log::BINDING => {
                self.script_elements.on_batch(str_of(params, "payload"));
            }
            _ => {}
        }
        Vec::new()
    }

    /// The recorded data, with script ids resolved and limits reported.
    pub(crate) fn finish(mut self) -> Finished {
        self.report_losses();
        self.forget_own_scripts();
        self.link_preflights();
        self.resolve_api_call_scripts();
        self.resolve_initiator_scripts();
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

    /// Records what was lost, at limits or to protocol drift, as errors.
    fn report_losses(&mut self) {
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

#[cfg(test)]
fn test_recorder() -> Recorder {
    Recorder::new("b".into(), "x", ScriptStore::Memory(BTreeMap::new()))
}
