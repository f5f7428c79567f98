//! `outflow har FILE.har`: a HAR 1.2 recording (Chrome DevTools, Firefox,
//! Playwright, mitmproxy) as a [`Capture`].
//!
//! A HAR has the requests, their bodies and the response bodies, so scripts
//! can be rebuilt from responses; it has no API calls, storage writes, DOM
//! or key presses, which are marked absent (`None`), not empty, and named
//! in a note of every import ([`CANNOT_HOLD`]). Chrome's and Playwright's
//! extensions (`_initiator`, `_resourceType`, `_webSocketMessages`) are
//! read when present; request cookies listed apart from the headers, and
//! response cookies, `Set-Cookie` and `Location`, are kept as headers so
//! that the canary search sees them.
//!
//! Hostile files: the file is read once and parsed in place (strings borrow
//! from it, [`format`]); entries are read one at a time, so a malformed
//! entry is a note, not a failed file; every list is capped; JSON nesting
//! is bounded by serde_json's recursion limit (128), an error, not a stack
//! overflow; bodies that do not decode or inflate are notes ([`body`]);
//! entries whose URL is not a network URL (`chrome:`, `file:`, `data:`,
//! `blob:`, `about:`) are not requests (no contacted host) and are counted
//! in a note; entries that contradict each other are noted.

mod body;
mod format;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use outflow_model::{
    Body, Capture, CaptureError, CaptureErrorKind, CaptureSource, Frame, Header, Initiator,
    Request, Response, Script, ScriptOrigin, WebSocketFrame,
};

use crate::error::CaptureFailure;
use crate::recorder::{body_from_bytes, sha256_hex};
use crate::security_headers::is_security_header;
use crate::stack;
use format::{Entry, HarRequest, HarResponse, NameValue, Root};

pub use format::MAX_ENTRIES;

/// Largest HAR file read.
pub const HAR_SIZE_LIMIT: u64 = 512 * 1024 * 1024;
/// Most characters of a header value kept.
const MAX_HEADER_CHARS: usize = 8 * 1024;
/// Most characters of a WebSocket payload kept.
const MAX_FRAME_CHARS: usize = 16 * 1024;
/// Most distinct kinds of problem listed (each with its count).
const MAX_NOTES: usize = 50;

/// What a HAR file cannot hold, said in every HAR import: the rules that
/// need it do not run, and nothing is concluded from its absence.
pub const CANNOT_HOLD: &str = "a HAR records network traffic only: no API calls (fingerprinting \
     rules cannot run), no DOM (no form fields, script elements or inline scripts' placement), \
     no storage writes, and no key presses or their timing (keystroke capture is judged from \
     requests alone); the typed values are those given with --typed or taken from the \
     recorded form submissions";

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

/// Problems met while importing, counted by kind with a first example.
#[derive(Default)]
struct Notes {
    kinds: BTreeMap<String, (usize, String)>,
}

impl Notes {
    /// Counts one problem of `kind`, keeping the first `example`.
    fn add(&mut self, kind: &str, example: impl FnOnce() -> String) {
        if let Some((count, _)) = self.kinds.get_mut(kind) {
            *count += 1;
        } else if self.kinds.len() < MAX_NOTES {
            self.kinds.insert(kind.to_string(), (1, example()));
        }
    }

    fn into_errors(self, errors: &mut Vec<CaptureError>) {
        for (kind, (count, example)) in self.kinds {
            let message = if count == 1 {
                format!("{kind}: {example}")
            } else {
                format!("{kind} ({count} times; first: {example})")
            };
            errors.push(CaptureError {
                kind: CaptureErrorKind::Har,
                message,
            });
        }
    }
}

/// A request with its absolute times, made relative once the earliest is
/// known.
struct Timed {
    request: Request,
    started: Option<i64>,
    frame_times: Vec<Option<i64>>,
}

/// Reads HAR JSON (a UTF-8 byte order mark is allowed); `path` names it in
/// the capture and in messages.
pub fn import_har(bytes: &[u8], path: &str) -> Result<HarImport, CaptureFailure> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let root: Root<'_> = serde_json::from_slice(bytes)
        .map_err(|e| not_a_har(path, format!("not a HAR file: {}", format::parse_error(&e))))?;
    let log = root.log;
    let mut errors = vec![CaptureError {
        kind: CaptureErrorKind::Har,
        message: CANNOT_HOLD.to_string(),
    }];
    let mut notes = Notes::default();
    if log.entries.dropped > 0 {
        errors.push(CaptureError {
            kind: CaptureErrorKind::Limit,
            message: format!(
                "{} entries past the first {MAX_ENTRIES} ignored",
                log.entries.dropped
            ),
        });
    }
    let pages = log.pages.unwrap_or_default();
    if pages.dropped > 0 {
        notes.add("pages past the first 10000 ignored", || {
            format!("{} pages", pages.dropped)
        });
    }
    let frames: Vec<Frame> = pages
        .items
        .iter()
        .map(|p| Frame {
            id: p.id.as_deref().unwrap_or_default().to_string(),
            parent_id: None,
            url: p.title.as_deref().unwrap_or_default().to_string(),
            origin: None,
            name: None,
            popup: false,
        })
        .collect();
    let page_ids: std::collections::HashSet<&str> = frames.iter().map(|f| f.id.as_str()).collect();
    let mut timed: Vec<Timed> = Vec::new();
    let mut scripts = Vec::new();
    let mut sources = BTreeMap::new();
    let mut first_started: Option<String> = None;
    // (URL, start) → status, to find entries that contradict each other.
    let mut seen: HashMap<(String, String), u16> = HashMap::new();
    for (index, raw) in log.entries.items.iter().enumerate() {
        let entry = match format::entry(raw) {
            Ok(entry) => entry,
            Err(e) => {
                notes.add("unreadable entries skipped", || {
                    format!("entry {index}: {}", format::parse_error(&e))
                });
                continue;
            }
        };
        let Some(request) = entry.request.as_ref() else {
            notes.add("entries without a request skipped", || {
                format!("entry {index}")
            });
            continue;
        };
        let Some(url) = request.url.as_deref().filter(|u| !u.is_empty()) else {
            notes.add("entries without a request URL skipped", || {
                format!("entry {index}")
            });
            continue;
        };
        let started_text = entry.started.as_deref().unwrap_or_default();
        let started = parse_time_ms(started_text);
        if started.is_none() {
            notes.add("entries with no readable startedDateTime", || {
                format!("entry {index}: {:?}", cut(started_text, 60))
            });
        } else if first_started.is_none() {
            first_started = Some(started_text.to_string());
        }
        if let Some(page) = entry.pageref.as_deref()
            && !page_ids.is_empty()
            && !page_ids.contains(page)
        {
            notes.add("entries naming a page the HAR does not list", || {
                format!("entry {index}: pageref {:?}", cut(page, 60))
            });
        }
        let built = entry_request(&entry, request, url, index, &mut notes);
        let status = built.request.response.as_ref().map_or(0, |r| r.status);
        let key = (url.to_string(), started_text.to_string());
        match seen.get(&key) {
            Some(&earlier) if earlier != status => {
                notes.add(
                    "entries repeating an earlier entry's URL and start time with another \
                     response status (both kept)",
                    || {
                        format!(
                            "entry {index}: {} (status {earlier} and {status})",
                            cut(url, 80)
                        )
                    },
                );
            }
            Some(_) => {}
            None => {
                if seen.len() < MAX_ENTRIES {
                    seen.insert(key, status);
                }
            }
        }
        if let Some((script, source)) = entry_script(&entry, &built.request, &mut notes) {
            sources.entry(script.sha256.clone()).or_insert(source);
            scripts.push(script);
        }
        if let Some(scheme) = non_network_scheme(url) {
            notes.add(
                "entries for non-network URLs (not contacted hosts) left out of the requests",
                || format!("a {scheme}: URL, entry {index}"),
            );
            continue;
        }
        timed.push(built);
    }
    let first_time = timed.iter().filter_map(|t| t.started).min();
    let last_time = timed.iter().filter_map(|t| t.started).max();
    let relative = |t: Option<i64>| match (t, first_time) {
        (Some(t), Some(first)) => u64::try_from(t - first).unwrap_or(0),
        _ => 0,
    };
    let requests: Vec<Request> = timed
        .into_iter()
        .map(|t| {
            let mut request = t.request;
            request.time_ms = relative(t.started);
            for (frame, time) in request.websocket_frames.iter_mut().zip(t.frame_times) {
                frame.time_ms = relative(time.or(t.started));
            }
            request
        })
        .collect();
    notes.into_errors(&mut errors);
    let target = frames
        .first()
        .map(|f| f.url.clone())
        .filter(|u| u.starts_with("http"))
        .or_else(|| {
            requests
                .iter()
                .find(|r| r.resource_type == "Document")
                .or_else(|| requests.first())
                .map(|r| r.url.clone())
        })
        .unwrap_or_default();
    let duration_ms = match (first_time, last_time) {
        (Some(a), Some(b)) => u64::try_from(b - a).unwrap_or(0),
        _ => 0,
    };
    Ok(HarImport {
        capture: Capture {
            target,
            final_url: None,
            source: CaptureSource::Har {
                path: path.to_string(),
                creator: log
                    .creator
                    .as_ref()
                    .map(name_and_version)
                    .filter(|c| !c.is_empty()),
            },
            persona: None,
            started_at: first_started.unwrap_or_default(),
            duration_ms,
            browser_version: log.browser.as_ref().map(name_and_version),
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

/// The scheme of a URL that names no network host (`chrome:`, `file:`,
/// `data:`, `blob:`, `about:`, extensions…); `None` for HTTP(S) and
/// WebSocket URLs.
fn non_network_scheme(url: &str) -> Option<String> {
    let scheme = url
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    match scheme.as_str() {
        "http" | "https" | "ws" | "wss" => None,
        "" => Some("scheme-less".to_string()),
        _ => Some(cut(&scheme, 20)),
    }
}

/// `"<name> <version>"` of a HAR `creator` or `browser` object.
fn name_and_version(object: &format::NameVersion) -> String {
    format!(
        "{} {}",
        object.name.as_deref().unwrap_or_default(),
        object.version.as_deref().unwrap_or_default()
    )
    .trim()
    .to_string()
}

/// The request of one HAR entry, `har-<index>`, with its absolute times.
fn entry_request(
    entry: &Entry<'_>,
    request: &HarRequest<'_>,
    url: &str,
    index: usize,
    notes: &mut Notes,
) -> Timed {
    let id = format!("har-{index}");
    let response = entry.response.as_ref();
    let resource_type = entry
        .resource_type
        .as_deref()
        .map(capitalise)
        .unwrap_or_else(|| guess_type(response));
    let status = response
        .and_then(|r| r.status)
        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= f64::from(u16::MAX))
        .map_or(0, |s| s as u16);
    let mut request_headers = headers(request.headers.as_ref().map(|h| h.items.as_slice()));
    add_cookie_header(&mut request_headers, request.cookies.as_ref());
    let body = request
        .post_data
        .as_ref()
        .and_then(|post| post_body(post, &request_headers, url, notes));
    let (websocket_frames, frame_times) = websocket_frames(entry);
    let request = Request {
        id,
        url: url.to_string(),
        method: request.method.as_deref().unwrap_or_default().to_string(),
        resource_type,
        headers: request_headers,
        body,
        initiator: entry_initiator(entry),
        frame_id: entry.pageref.as_deref().map(str::to_string),
        // Status 0 is how HAR writers record "no response".
        response: response
            .filter(|_| status != 0)
            .map(|r| entry_response(entry, r, status)),
        failure: entry.error.as_deref().map(str::to_string),
        redirected_from: None,
        websocket_frames,
        // HAR exporters do not keep server-sent events, nor which
        // worker sent a request.
        event_source_messages: Vec::new(),
        worker_url: None,
        time_ms: 0,
    };
    Timed {
        request,
        started: entry.started.as_deref().and_then(parse_time_ms),
        frame_times,
    }
}

/// The response's facts; its cookies listed apart from the headers and its
/// `redirectURL` kept as `Set-Cookie` and `Location` headers.
fn entry_response(entry: &Entry<'_>, response: &HarResponse<'_>, status: u16) -> Response {
    let all = headers(response.headers.as_ref().map(|h| h.items.as_slice()));
    let mut security_headers: Vec<Header> = all
        .into_iter()
        .filter(|h| is_security_header(&h.name))
        .collect();
    let has =
        |headers: &[Header], name: &str| headers.iter().any(|h| h.name.eq_ignore_ascii_case(name));
    if !has(&security_headers, "set-cookie") {
        for cookie in response.cookies.iter().flat_map(|c| &c.items) {
            security_headers.push(Header {
                name: "Set-Cookie".to_string(),
                value: format!(
                    "{}={}",
                    cookie.name.as_deref().unwrap_or_default(),
                    cut(
                        cookie.value.as_deref().unwrap_or_default(),
                        MAX_HEADER_CHARS
                    )
                ),
            });
        }
    }
    if let Some(location) = response.redirect_url.as_deref().filter(|l| !l.is_empty())
        && !has(&security_headers, "location")
    {
        security_headers.push(Header {
            name: "Location".to_string(),
            value: cut(location, MAX_HEADER_CHARS),
        });
    }
    Response {
        status,
        mime_type: response
            .content
            .as_ref()
            .and_then(|c| c.mime_type.as_deref())
            .map(str::to_string),
        remote_address: entry.server_ip.as_deref().map(str::to_string),
        protocol: response.http_version.as_deref().map(str::to_string),
        security_headers,
    }
}

/// A `Cookie` header built from the request's `cookies` when the writer
/// listed them without the header (Firefox and mitmproxy keep both;
/// some writers only one).
fn add_cookie_header(
    headers: &mut Vec<Header>,
    cookies: Option<&format::Capped<NameValue<'_>, { format::MAX_FIELDS }>>,
) {
    let Some(cookies) = cookies.filter(|c| !c.items.is_empty()) else {
        return;
    };
    if headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("cookie"))
    {
        return;
    }
    let value = cookies
        .items
        .iter()
        .map(|c| {
            format!(
                "{}={}",
                c.name.as_deref().unwrap_or_default(),
                c.value.as_deref().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    headers.push(Header {
        name: "Cookie".to_string(),
        value: cut(&value, MAX_HEADER_CHARS),
    });
}

/// The initiator of an entry, from Chrome's `_initiator` extension. Its
/// script ids are the recording browser's, which name no script of this
/// capture: they are left out.
fn entry_initiator(entry: &Entry<'_>) -> Initiator {
    Initiator {
        script_id: None,
        ..stack::initiator(entry.initiator.as_ref())
    }
}

/// The WebSocket frames of an entry, from `_webSocketMessages`, with their
/// absolute times.
fn websocket_frames(entry: &Entry<'_>) -> (Vec<WebSocketFrame>, Vec<Option<i64>>) {
    let Some(messages) = &entry.websocket_messages else {
        return (Vec::new(), Vec::new());
    };
    messages
        .items
        .iter()
        .map(|m| {
            let data = m.data.as_deref().unwrap_or_default();
            let frame = WebSocketFrame {
                sent: m.kind.as_deref() == Some("send"),
                opcode: m
                    .opcode
                    .filter(|o| (0.0..=15.0).contains(o))
                    .map_or(1, |o| o as u8),
                payload: data.chars().take(MAX_FRAME_CHARS).collect(),
                truncated: data.chars().nth(MAX_FRAME_CHARS).is_some(),
                time_ms: 0,
            };
            // Chrome writes seconds since the epoch, Playwright milliseconds.
            let time = m
                .time
                .filter(|t| t.is_finite() && *t > 0.0 && *t < 1e14)
                .map(|t| if t < 1e11 { t * 1000.0 } else { t } as i64);
            (frame, time)
        })
        .unzip()
}

/// The script a script request's response body is, with the body decoded
/// (base64, content coding, charset); a body that cannot be decoded is a
/// note.
fn entry_script(
    entry: &Entry<'_>,
    request: &Request,
    notes: &mut Notes,
) -> Option<(Script, String)> {
    if request.resource_type != "Script" {
        return None;
    }
    let response = entry.response.as_ref()?;
    let content = response.content.as_ref()?;
    let text = content.text.as_deref()?;
    let content_encoding = header_value(response.headers.as_ref(), "content-encoding");
    let (bytes, body_notes) = body::body_bytes(text, content.encoding.as_deref(), content_encoding);
    for note in body_notes {
        notes.add(&format!("script bodies: {note}"), || cut(&request.url, 100));
    }
    let bytes = bytes?;
    let (source, note) = body::body_text(&bytes, content.mime_type.as_deref());
    if let Some(note) = note {
        notes.add(&format!("script bodies: {note}"), || cut(&request.url, 100));
    }
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

/// The first value of header `name`.
fn header_value<'h>(
    headers: Option<&'h format::Capped<NameValue<'_>, { format::MAX_FIELDS }>>,
    name: &str,
) -> Option<&'h str> {
    headers?
        .items
        .iter()
        .find(|h| {
            h.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|h| h.value.as_deref())
}

fn headers(list: Option<&[NameValue<'_>]>) -> Vec<Header> {
    list.unwrap_or_default()
        .iter()
        .map(|h| Header {
            name: h.name.as_deref().unwrap_or_default().to_string(),
            value: cut(h.value.as_deref().unwrap_or_default(), MAX_HEADER_CHARS),
        })
        .collect()
}

/// The request body: `postData.text` decoded (base64, content coding,
/// charset), or else its `params` joined as a form.
fn post_body(
    post: &format::PostData<'_>,
    headers: &[Header],
    url: &str,
    notes: &mut Notes,
) -> Option<Body> {
    if let Some(text) = post.text.as_deref().filter(|t| !t.is_empty()) {
        let coding = headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-encoding"))
            .map(|h| h.value.as_str());
        let (bytes, body_notes) = body::body_bytes(text, post.encoding.as_deref(), coding);
        for note in body_notes {
            notes.add(&format!("request bodies: {note}"), || cut(url, 100));
        }
        let mut bytes = bytes?;
        let declared = headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| h.value.trim().parse::<usize>().ok());
        if post.encoding.is_none()
            && let Some(raw) = body::latin1_bytes(text, declared)
        {
            bytes = raw;
        }
        let mime = post.mime_type.as_deref().or_else(|| {
            headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                .map(|h| h.value.as_str())
        });
        // Text in another charset than UTF-8 is searched as UTF-8, as the
        // canaries are.
        if let Some(mime) = mime.filter(|m| body::is_textual(m))
            && std::str::from_utf8(&bytes).is_err()
        {
            let (text, note) = body::body_text(&bytes, Some(mime));
            if let Some(note) = note {
                notes.add(&format!("request bodies: {note}"), || cut(url, 100));
            }
            return Some(body_from_bytes(text.as_bytes()));
        }
        return Some(body_from_bytes(&bytes));
    }
    // Form posts may list params instead of the raw text.
    let params = post.params.as_ref()?;
    let joined = params
        .items
        .iter()
        .map(|p| {
            format!(
                "{}={}",
                p.name.as_deref().unwrap_or_default(),
                p.value.as_deref().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    Some(body_from_bytes(joined.as_bytes()))
}

fn guess_type(response: Option<&HarResponse<'_>>) -> String {
    let mime = response
        .and_then(|r| r.content.as_ref())
        .and_then(|c| c.mime_type.as_deref())
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
                Some(first) => first.to_uppercase().chain(chars.take(40)).collect(),
                None => "Other".to_string(),
            }
        }
    }
}

/// The first `max` characters of `text`.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Milliseconds since the epoch of an ISO 8601 date-time
/// (`2024-05-01T10:00:00.123Z`, `…+02:00`); `None` when it is not one.
fn parse_time_ms(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 19 || !text.is_char_boundary(19) {
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
mod tests;
