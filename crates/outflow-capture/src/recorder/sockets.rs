//! WebSocket frames and EventSource (server-sent event) messages, kept on
//! the request that opened their stream.

use outflow_model::{EventSourceMessage, Request, WebSocketFrame};
use serde_json::Value;

use super::Recorder;
use super::network::MAX_REQUESTS;
use crate::fields::{URL_LIMIT, str_of, truncate};
use crate::stack;

/// WebSocket payloads are kept up to this many bytes each.
const FRAME_PAYLOAD_LIMIT: usize = 16 * 1024;
/// Most WebSocket frames kept per socket.
const FRAMES_PER_SOCKET: usize = 1000;
/// EventSource message data is kept up to this many bytes each.
const EVENT_DATA_LIMIT: usize = 16 * 1024;
/// Most EventSource messages kept per stream.
const MESSAGES_PER_EVENT_SOURCE: usize = 1000;

impl Recorder {
    pub(super) fn on_websocket_created(&mut self, params: &Value, now: u64) {
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
            initiator: stack::initiator(params.get("initiator")),
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

    pub(super) fn on_websocket_frame(&mut self, params: &Value, sent: bool, now: u64) {
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

    pub(super) fn on_event_source_message(&mut self, params: &Value, now: u64) {
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
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::recorder::test_recorder as recorder;

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
}
