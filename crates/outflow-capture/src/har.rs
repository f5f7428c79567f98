//! `outflow har FILE.har`: a HAR 1.2 recording (Chrome DevTools, Firefox,
//! Playwright, mitmproxy) as a [`Capture`].
//!
//! A HAR has the requests, their bodies and the response bodies, so scripts
//! can be rebuilt from responses; it has no API calls, storage writes or
//! cookie jar, which are marked absent (`None`), not empty. Chrome's
//! extensions (`_initiator`, `_resourceType`, `_webSocketMessages`) are read
//! when present.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use outflow_model::{
    Body, Capture, CaptureError, CaptureErrorKind, CaptureSource, Frame, Header, Initiator,
    Request, Response, Script, ScriptOrigin, WebSocketFrame,
};
use serde_json::Value;

use crate::error::CaptureFailure;
use crate::recorder::{body_from_bytes, sha256_hex};
use crate::stack;

/// Largest HAR file read.
pub const HAR_SIZE_LIMIT: u64 = 512 * 1024 * 1024;
/// Most entries read.
const MAX_ENTRIES: usize = 100_000;

/// A capture rebuilt from a HAR file, and the script bodies by SHA-256.
#[derive(Debug)]
pub struct HarImport {
    /// The capture.
    pub capture: Capture,
    /// Script bodies found in responses, by SHA-256.
    pub sources: BTreeMap<String, String>,
}

/// Reads a HAR file.
pub fn import_har_file(path: &Path) -> Result<HarImport, CaptureFailure> {
    let shown = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|source| CaptureFailure::Io {
            what: format!("reading {shown}"),
            source,
        })?
        .len();
    if size > HAR_SIZE_LIMIT {
        return Err(CaptureFailure::Har {
            path: shown,
            message: format!("larger than {HAR_SIZE_LIMIT} bytes"),
        });
    }
    let text = std::fs::read(path).map_err(|source| CaptureFailure::Io {
        what: format!("reading {shown}"),
        source,
    })?;
    import_har(&text, &shown)
}

/// Reads HAR JSON; `path` names it in the capture and in messages.
pub fn import_har(bytes: &[u8], path: &str) -> Result<HarImport, CaptureFailure> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| not_a_har(path, e.to_string()))?;
    let (log, entries) = log_and_entries(&root, path)?;
    let mut errors = Vec::new();
    if entries.len() > MAX_ENTRIES {
        errors.push(CaptureError {
            kind: CaptureErrorKind::Limit,
            message: format!(
                "{} entries past {MAX_ENTRIES} ignored",
                entries.len() - MAX_ENTRIES
            ),
        });
    }
    let frames = pages_as_frames(log);
    let first_time = entries
        .iter()
        .filter_map(|e| parse_time_ms(text(e, "startedDateTime")))
        .min();
    let mut requests = Vec::new();
    let mut scripts = Vec::new();
    let mut sources = BTreeMap::new();
    let mut skipped = 0usize;
    for (index, entry) in entries.iter().take(MAX_ENTRIES).enumerate() {
        let Some(request) = entry_request(entry, index, first_time) else {
            skipped += 1;
            continue;
        };
        if let Some((script, source)) = entry_script(entry, &request) {
            sources.entry(script.sha256.clone()).or_insert(source);
            scripts.push(script);
        }
        requests.push(request);
    }
    if skipped > 0 {
        errors.push(CaptureError {
            kind: CaptureErrorKind::Har,
            message: format!("{skipped} entries without a request URL skipped"),
        });
    }
    let target = frames
        .first()
        .map(|f| f.url.clone())
        .filter(|u| u.starts_with("http"))
        .or_else(|| requests.first().map(|r| r.url.clone()))
        .unwrap_or_default();
    let (started_at, duration_ms) = time_span(entries, first_time);
    Ok(HarImport {
        capture: Capture {
            target,
            final_url: None,
            source: CaptureSource::Har {
                path: path.to_string(),
                creator: log
                    .get("creator")
                    .map(name_and_version)
                    .filter(|c| !c.is_empty()),
            },
            persona: None,
            started_at,
            duration_ms,
            browser_version: log.get("browser").map(name_and_version),
            user_agent: None,
            frames,
            scripts,
            requests,
            api_calls: None,
            canaries: Vec::new(),
            submitted: false,
            submitted_at_ms: None,
            cookies: None,
            storage_writes: None,
            events: Vec::new(),
            script_elements: None,
            errors,
            payment_processors: Vec::new(),
        },
        sources,
    })
}

/// The error for a file at `path` that is not a HAR.
fn not_a_har(path: &str, message: String) -> CaptureFailure {
    CaptureFailure::Har {
        path: path.to_string(),
        message,
    }
}

/// The `log` object of HAR JSON and its `entries`, or why the JSON is not
/// a HAR.
fn log_and_entries<'a>(
    root: &'a Value,
    path: &str,
) -> Result<(&'a Value, &'a Vec<Value>), CaptureFailure> {
    let bad = |message: &str| not_a_har(path, message.to_string());
    let log = root.get("log").ok_or_else(|| bad("no \"log\" object"))?;
    let entries = log
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"log.entries\" array"))?;
    Ok((log, entries))
}

/// `"<name> <version>"` of a HAR `creator` or `browser` object.
fn name_and_version(object: &Value) -> String {
    format!("{} {}", text(object, "name"), text(object, "version"))
        .trim()
        .to_string()
}

/// The HAR's pages, as frames (a HAR page is a top-level document).
fn pages_as_frames(log: &Value) -> Vec<Frame> {
    log.get("pages")
        .and_then(Value::as_array)
        .map(|pages| {
            pages
                .iter()
                .take(10_000)
                .map(|p| Frame {
                    id: text(p, "id").to_string(),
                    parent_id: None,
                    url: text(p, "title").to_string(),
                    origin: None,
                    name: None,
                    popup: false,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The request of one HAR entry, `har-<index>`, timed from the first
/// entry's start; `None` for an entry without a request URL.
fn entry_request(entry: &Value, index: usize, first_time: Option<i64>) -> Option<Request> {
    let (Some(request), Some(url)) = (
        entry.get("request"),
        entry
            .get("request")
            .and_then(|r| r.get("url"))
            .and_then(Value::as_str),
    ) else {
        return None;
    };
    let id = format!("har-{index}");
    let response = entry.get("response");
    let resource_type = entry
        .get("_resourceType")
        .and_then(Value::as_str)
        .map(capitalise)
        .unwrap_or_else(|| guess_type(response));
    let started = parse_time_ms(text(entry, "startedDateTime"));
    let status = response
        .and_then(|r| r.get("status"))
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(0);
    Some(Request {
        id,
        url: url.to_string(),
        method: text(request, "method").to_string(),
        resource_type,
        headers: headers(request.get("headers")),
        body: request.get("postData").and_then(post_body),
        initiator: entry_initiator(entry),
        frame_id: entry
            .get("pageref")
            .and_then(Value::as_str)
            .map(str::to_string),
        // Status 0 is how HAR writers record "no response".
        response: response.filter(|_| status != 0).map(|r| Response {
            status,
            mime_type: r
                .get("content")
                .and_then(|c| c.get("mimeType"))
                .and_then(Value::as_str)
                .map(str::to_string),
            remote_address: entry
                .get("serverIPAddress")
                .and_then(Value::as_str)
                .map(str::to_string),
            protocol: r
                .get("httpVersion")
                .and_then(Value::as_str)
                .map(str::to_string),
            security_headers: headers(r.get("headers"))
                .into_iter()
                .filter(|h| is_security_header(&h.name))
                .collect(),
        }),
        failure: entry
            .get("_error")
            .and_then(Value::as_str)
            .map(str::to_string),
        redirected_from: None,
        websocket_frames: websocket_frames(entry),
        // HAR exporters do not keep server-sent events, nor which
        // worker sent a request.
        event_source_messages: Vec::new(),
        worker_url: None,
        time_ms: match (started, first_time) {
            (Some(t), Some(first)) => u64::try_from(t - first).unwrap_or(0),
            _ => 0,
        },
    })
}

/// The initiator of an entry, from Chrome's `_initiator` extension.
fn entry_initiator(entry: &Value) -> Initiator {
    entry
        .get("_initiator")
        .map(|i| {
            let stack = i.get("stack").map(stack::from_cdp).unwrap_or_default();
            Initiator {
                kind: i
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("other")
                    .to_string(),
                url: i
                    .get("url")
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty())
                    .map(str::to_string)
                    .or_else(|| {
                        stack
                            .iter()
                            .find(|f| !f.url.is_empty())
                            .map(|f| f.url.clone())
                    }),
                script_id: None,
                stack,
            }
        })
        .unwrap_or(Initiator {
            kind: "unknown".to_string(),
            url: None,
            script_id: None,
            stack: Vec::new(),
        })
}

/// The WebSocket frames of an entry, from Chrome's `_webSocketMessages`
/// extension.
fn websocket_frames(entry: &Value) -> Vec<WebSocketFrame> {
    entry
        .get("_webSocketMessages")
        .and_then(Value::as_array)
        .map(|messages| {
            messages
                .iter()
                .take(1000)
                .map(|m| {
                    let data = text(m, "data");
                    WebSocketFrame {
                        sent: text(m, "type") == "send",
                        opcode: m
                            .get("opcode")
                            .and_then(Value::as_u64)
                            .and_then(|o| u8::try_from(o).ok())
                            .unwrap_or(1),
                        payload: data.chars().take(16 * 1024).collect(),
                        truncated: data.chars().count() > 16 * 1024,
                        time_ms: 0,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The script a script request's response body is, with the body.
fn entry_script(entry: &Value, request: &Request) -> Option<(Script, String)> {
    if request.resource_type != "Script" {
        return None;
    }
    let source = entry.get("response").and_then(response_text)?;
    let script = Script {
        id: request.id.clone(),
        origin: ScriptOrigin::External {
            url: request.url.clone(),
        },
        sha256: sha256_hex(source.as_bytes()),
        size: source.len() as u64,
        frame_id: None,
        module: false,
        body_error: None,
    };
    Some((script, source))
}

/// When the recording started (the first entry's own text) and how long
/// it spans, first to last entry start.
fn time_span(entries: &[Value], first_time: Option<i64>) -> (String, u64) {
    let started_at = entries
        .first()
        .map(|e| text(e, "startedDateTime").to_string())
        .unwrap_or_default();
    let duration_ms = match (
        first_time,
        entries
            .iter()
            .filter_map(|e| parse_time_ms(text(e, "startedDateTime")))
            .max(),
    ) {
        (Some(a), Some(b)) => u64::try_from(b - a).unwrap_or(0),
        _ => 0,
    };
    (started_at, duration_ms)
}

fn headers(list: Option<&Value>) -> Vec<Header> {
    list.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .take(500)
                .map(|h| Header {
                    name: text(h, "name").to_string(),
                    value: text(h, "value").chars().take(8 * 1024).collect(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn post_body(post: &Value) -> Option<Body> {
    if let Some(body) = post.get("text").and_then(Value::as_str) {
        if post.get("encoding").and_then(Value::as_str) == Some("base64") {
            return base64::engine::general_purpose::STANDARD
                .decode(body)
                .ok()
                .map(|bytes| body_from_bytes(&bytes));
        }
        return Some(body_from_bytes(body.as_bytes()));
    }
    // Form posts may list params instead of the raw text.
    let params = post.get("params").and_then(Value::as_array)?;
    let joined = params
        .iter()
        .map(|p| format!("{}={}", text(p, "name"), text(p, "value")))
        .collect::<Vec<_>>()
        .join("&");
    Some(body_from_bytes(joined.as_bytes()))
}

fn response_text(response: &Value) -> Option<String> {
    let content = response.get("content")?;
    let body = content.get("text").and_then(Value::as_str)?;
    if content.get("encoding").and_then(Value::as_str) == Some("base64") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?;
        String::from_utf8(bytes).ok()
    } else {
        Some(body.to_string())
    }
}

fn guess_type(response: Option<&Value>) -> String {
    let mime = response
        .and_then(|r| r.get("content"))
        .and_then(|c| c.get("mimeType"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let kind = if mime.contains("javascript") || mime.contains("ecmascript") {
        "Script"
    } else if mime.starts_with("image/") {
        "Image"
    } else if mime.contains("html") {
        "Document"
    } else if mime.contains("css") {
        "Stylesheet"
    } else if mime.contains("font") {
        "Font"
    } else {
        "Other"
    };
    kind.to_string()
}

fn capitalise(kind: &str) -> String {
    match kind {
        "xhr" => "XHR".to_string(),
        "websocket" => "WebSocket".to_string(),
        "eventsource" => "EventSource".to_string(),
        "stylesheet" => "Stylesheet".to_string(),
        "texttrack" => "TextTrack".to_string(),
        "cspviolationreport" => "CSPViolationReport".to_string(),
        other => {
            let mut chars = other.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => "Other".to_string(),
            }
        }
    }
}

fn is_security_header(name: &str) -> bool {
    [
        "content-security-policy",
        "content-security-policy-report-only",
        "strict-transport-security",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "permissions-policy",
        "cross-origin-opener-policy",
        "cross-origin-embedder-policy",
        "cross-origin-resource-policy",
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "set-cookie",
        "location",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Milliseconds since the epoch of an ISO 8601 date-time
/// (`2024-05-01T10:00:00.123Z`, `…+02:00`); `None` when it is not one.
fn parse_time_ms(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 19 {
        return None;
    }
    let number =
        |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse::<i64>().ok() };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &text[19..];
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits: String = fraction.chars().take_while(char::is_ascii_digit).collect();
        let padded = format!("{digits:0<3}");
        millis = padded.get(0..3)?.parse().ok()?;
        rest = &fraction[digits.len()..];
    }
    let offset_minutes = match rest.as_bytes().first() {
        None | Some(b'Z') => 0,
        Some(b'+') | Some(b'-') => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
            sign * (h * 60 + m)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(
        ((days * 86_400 + hour * 3600 + minute * 60 + second) - offset_minutes * 60) * 1000
            + millis,
    )
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_with_offsets() {
        assert_eq!(parse_time_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(parse_time_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_time_ms("garbage"), None);
        assert_eq!(parse_time_ms("1970-13-01T00:00:00Z"), None);
    }

    #[test]
    fn not_a_har_is_an_error() {
        assert!(import_har(b"{}", "x.har").is_err());
        assert!(import_har(b"[", "x.har").is_err());
        assert!(import_har(br#"{"log": {"entries": 3}}"#, "x.har").is_err());
    }
}
