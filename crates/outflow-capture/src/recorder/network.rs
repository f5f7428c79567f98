//! Requests of the page and of its workers and pop-ups: redirect hops, the
//! headers sent on the wire, bodies, initiators, responses and how each
//! request ended.
//!
//! Each event type comes on its own stream, so a response, an extra info
//! or the end of a request can arrive before the request itself: such
//! events wait in [`RequestHops`] until their hop is recorded.

use base64::Engine as _;
use outflow_model::{Body, CaptureErrorKind, Header, Initiator, Request, Response, ScriptOrigin};
use serde_json::Value;

use super::{FollowUp, Recorder, Scope};
use crate::fields::{URL_LIMIT, str_of, truncate};
use crate::security_headers::is_security_header;
use crate::stack;

/// Request bodies are kept up to this many bytes.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Total body bytes kept per capture; later bodies keep their size only.
pub(super) const BODY_BUDGET: usize = 128 * 1024 * 1024;
/// Most requests recorded; later ones are counted and dropped.
pub(super) const MAX_REQUESTS: usize = 20_000;

/// The hops of one DevTools request id, and its events that came first.
#[derive(Debug, Default)]
pub(super) struct RequestHops {
    /// Index into `requests` of every hop, in order.
    pub(super) hops: Vec<usize>,
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

impl Recorder {
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

    pub(super) fn on_request(&mut self, scope: &Scope, params: &Value, now: u64) -> Vec<FollowUp> {
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
        // A redirect closes the previous hop, then the new hop is recorded.
        let redirected_from = self.close_redirected_hop(&request_id, params);
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
            initiator: scoped_initiator(scope, stack::initiator(initiator)),
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
        self.apply_early_events(&request_id, index, now);
        if needs_fetch {
            self.outstanding += 1;
            return vec![FollowUp::PostData { request_id }];
        }
        Vec::new()
    }

    /// A redirect reuses the request id: closes the previous hop with the
    /// redirect response. Returns the id of the hop redirected from.
    fn close_redirected_hop(&mut self, request_id: &str, params: &Value) -> Option<String> {
        let redirect = params.get("redirectResponse")?;
        let &previous = self
            .by_request_id
            .get(request_id)
            .and_then(|hops| hops.hops.last())?;
        let response = response_of(redirect);
        let hop = &mut self.requests[previous];
        hop.response = Some(response);
        Some(hop.id.clone())
    }

    /// Applies the events of the hop at `index` that came before it.
    fn apply_early_events(&mut self, request_id: &str, index: usize, now: u64) {
        let Some(hops) = self.by_request_id.get_mut(request_id) else {
            return;
        };
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

    pub(super) fn on_request_extra(&mut self, params: &Value) {
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

    pub(super) fn latest_hop(&self, request_id: &str) -> Option<usize> {
        self.by_request_id
            .get(request_id)
            .and_then(|hops| hops.hops.last().copied())
    }

    pub(super) fn on_response(&mut self, params: &Value) {
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

    pub(super) fn on_response_extra(&mut self, params: &Value) {
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

    /// A `loadingFailed`: why the request failed, as the browser says it.
    pub(super) fn on_failed(&mut self, params: &Value, now: u64) {
        let mut why = str_of(params, "errorText").to_string();
        if let Some(reason) = params.get("blockedReason").and_then(Value::as_str) {
            why = format!("{why} (blocked: {reason})");
        }
        if params.get("canceled").and_then(Value::as_bool) == Some(true) {
            why = format!("{why} (canceled)");
        }
        self.on_finished(params, Some(why), now)
    }

    pub(super) fn on_finished(&mut self, params: &Value, failure: Option<String>, now: u64) {
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

    /// A preflight's own initiator names only the URL it checks: give it
    /// the script and stack of the request it was sent for.
    pub(super) fn link_preflights(&mut self) {
        for (index, for_id) in std::mem::take(&mut self.preflights) {
            let Some(&actual) = self.by_request_id.get(&for_id).and_then(|h| h.hops.first()) else {
                continue;
            };
            let mut initiator = self.requests[actual].initiator.clone();
            initiator.kind = "preflight".to_string();
            self.requests[index].initiator = initiator;
        }
    }

    /// Initiators that name a script by URL only get its id.
    pub(super) fn resolve_initiator_scripts(&mut self) {
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
    }
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
        .filter(|h| is_security_header(&h.name))
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

fn scoped_initiator(scope: &Scope, mut initiator: Initiator) -> Initiator {
    scope.rename_frames(&mut initiator.stack);
    if let Some(id) = &initiator.script_id {
        initiator.script_id = Some(scope.script_key(id));
    }
    initiator
}

#[cfg(test)]
mod tests {
    use outflow_model::CaptureErrorKind;
    use serde_json::json;

    use super::*;
    use crate::recorder::test_recorder as recorder;

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
