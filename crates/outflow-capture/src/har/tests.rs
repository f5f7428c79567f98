//! HAR import on hostile and odd input: every problem is a note, nothing
//! panics, memory stays bounded by the caps.

use super::*;
use base64::Engine as _;
use std::io::Write as _;

fn har(entries: &str) -> String {
    format!(
        r#"{{"log": {{"version": "1.2", "creator": {{"name": "t", "version": "1"}},
        "pages": [{{"id": "p", "title": "https://site.example/"}}],
        "entries": [{entries}]}}}}"#
    )
}

fn entry(url: &str, extra: &str) -> String {
    format!(
        r#"{{"pageref": "p", "startedDateTime": "2024-05-01T10:00:00.000Z",
        "request": {{"method": "GET", "url": "{url}", "headers": []}},
        "response": {{"status": 200, "headers": [], "content": {{"mimeType": "text/html"}}}}{extra}}}"#
    )
}

fn script_entry(url: &str, content: &str, headers: &str) -> String {
    format!(
        r#"{{"startedDateTime": "2024-05-01T10:00:00.000Z", "_resourceType": "script",
        "request": {{"method": "GET", "url": "{url}", "headers": []}},
        "response": {{"status": 200, "headers": [{headers}], "content": {content}}}}}"#
    )
}

fn messages(import: &HarImport) -> String {
    import
        .capture
        .errors
        .iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn times_parse_with_offsets() {
    assert_eq!(parse_time_ms("1970-01-01T00:00:01.5Z"), Some(1500));
    assert_eq!(parse_time_ms("1970-01-01T01:00:00+01:00"), Some(0));
    assert_eq!(parse_time_ms("garbage"), None);
    assert_eq!(parse_time_ms("1970-13-01T00:00:00Z"), None);
    assert_eq!(parse_time_ms("1970-01-01T00:00:0é"), None);
}

#[test]
fn not_a_har_is_an_error() {
    assert!(import_har(b"{}", "x.har").is_err());
    assert!(import_har(b"[", "x.har").is_err());
    assert!(import_har(br#"{"log": {"entries": 3}}"#, "x.har").is_err());
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let text = format!("\u{feff}{}", har(&entry("https://site.example/", "")));
    let import = import_har(text.as_bytes(), "bom.har").unwrap();
    assert_eq!(import.capture.requests.len(), 1);
}

#[test]
fn every_import_says_what_a_har_cannot_hold() {
    let import = import_har(har("").as_bytes(), "x.har").unwrap();
    assert!(messages(&import).contains("no API calls"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 1_000_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let whole = import_har(nested.as_bytes(), "deep.har").unwrap_err();
    assert!(whole.to_string().contains("not a HAR"), "{whole}");
    // The same nesting inside one entry costs that entry only.
    let inside = har(&format!(
        "{}, {}",
        entry(
            "https://site.example/",
            &format!(r#", "_initiator": {nested}"#)
        ),
        entry("https://site.example/b", "")
    ));
    let import = import_har(inside.as_bytes(), "deep.har").unwrap();
    assert_eq!(import.capture.requests.len(), 1);
    assert!(
        messages(&import).contains("nested too deeply"),
        "{}",
        messages(&import)
    );
}

#[test]
fn non_network_entries_are_not_contacted_hosts() {
    let entries = [
        "chrome://settings/",
        "file:///etc/passwd",
        "data:text/plain,hi",
        "blob:https://site.example/1",
        "about:blank",
        "https://site.example/",
    ]
    .map(|u| entry(u, ""))
    .join(",");
    let import = import_har(har(&entries).as_bytes(), "x.har").unwrap();
    let urls: Vec<&str> = import
        .capture
        .requests
        .iter()
        .map(|r| r.url.as_str())
        .collect();
    assert_eq!(urls, ["https://site.example/"]);
    assert!(
        messages(&import)
            .contains("non-network URLs (not contacted hosts) left out of the requests (5 times"),
        "{}",
        messages(&import)
    );
}

#[test]
fn bad_base64_latin1_and_gzip_script_bodies() {
    let latin1 = base64::engine::general_purpose::STANDARD.encode(b"var s = 'caf\xe9';");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"fetch('https://x.example/' + 1);").unwrap();
    let gz = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
    let entries = [
        script_entry(
            "https://site.example/bad.js",
            r#"{"mimeType": "application/javascript", "text": "!!!", "encoding": "base64"}"#,
            "",
        ),
        script_entry(
            "https://site.example/latin1.js",
            &format!(r#"{{"mimeType": "application/javascript", "text": "{latin1}", "encoding": "base64"}}"#),
            "",
        ),
        script_entry(
            "https://site.example/gz.js",
            &format!(r#"{{"mimeType": "application/javascript", "text": "{gz}", "encoding": "base64"}}"#),
            r#"{"name": "Content-Encoding", "value": "gzip"}"#,
        ),
    ]
    .join(",");
    let import = import_har(har(&entries).as_bytes(), "x.har").unwrap();
    let notes = messages(&import);
    assert!(notes.contains("does not decode"), "{notes}");
    assert!(notes.contains("windows-1252"), "{notes}");
    let sources: Vec<&String> = import.sources.values().collect();
    assert!(sources.iter().any(|s| s.contains("café")), "{sources:?}");
    assert!(sources.iter().any(|s| s.contains("fetch(")), "{sources:?}");
    assert_eq!(import.capture.scripts.len(), 2);
}

#[test]
fn cookies_set_cookie_and_location_are_kept() {
    let text = har(r#"{"startedDateTime": "2024-05-01T10:00:00.000Z",
        "request": {"method": "GET", "url": "https://t.example/r", "headers": [],
            "cookies": [{"name": "uid", "value": "abc"}]},
        "response": {"status": 302, "headers": [], "redirectURL": "https://u.example/?e=1",
            "cookies": [{"name": "seen", "value": "xyz"}], "content": {}}}"#);
    let import = import_har(text.as_bytes(), "x.har").unwrap();
    let request = &import.capture.requests[0];
    assert!(
        request
            .headers
            .iter()
            .any(|h| h.name == "Cookie" && h.value == "uid=abc")
    );
    let response = request.response.as_ref().unwrap();
    assert!(
        response
            .security_headers
            .iter()
            .any(|h| h.name == "Set-Cookie" && h.value == "seen=xyz")
    );
    assert!(
        response
            .security_headers
            .iter()
            .any(|h| h.name == "Location")
    );
}

#[test]
fn websocket_frames_are_timed() {
    let text = har(&entry(
        "wss://live.example/s",
        r#", "_webSocketMessages": [{"type": "send", "time": 1714557601.5, "opcode": 1, "data": "hi"}]"#,
    ));
    let import = import_har(text.as_bytes(), "x.har").unwrap();
    let frame = &import.capture.requests[0].websocket_frames[0];
    assert!(frame.sent);
    assert_eq!(frame.time_ms, 1500);
    // Playwright writes milliseconds.
    let text = text.replace("1714557601.5", "1714557601500");
    let import = import_har(text.as_bytes(), "x.har").unwrap();
    assert_eq!(import.capture.requests[0].websocket_frames[0].time_ms, 1500);
}

#[test]
fn odd_entries_are_notes_and_others_are_kept() {
    let entries = [
        r#"{"request": {"url": 5}}"#.to_string(),
        r#"{"request": {"method": "GET"}}"#.to_string(),
        r#"{"pageref": "nope", "startedDateTime": "yesterday", "request": {"url": "https://site.example/x"}, "response": {"status": "two hundred"}}"#.to_string(),
        entry("https://site.example/", ""),
        entry("https://site.example/", "").replace("200", "404"),
    ]
    .join(",");
    let import = import_har(har(&entries).as_bytes(), "x.har").unwrap();
    let notes = messages(&import);
    assert_eq!(import.capture.requests.len(), 3, "{notes}");
    for expected in [
        "unreadable entries",
        "without a request URL",
        "no readable startedDateTime",
        "a page the HAR does not list",
        "another response status",
    ] {
        assert!(notes.contains(expected), "{expected}: {notes}");
    }
}

#[test]
fn entries_past_the_cap_are_counted() {
    let one = r#"{"startedDateTime": "2024-05-01T10:00:00Z", "request": {"url": "https://site.example/"}}"#;
    let entries = vec![one; MAX_ENTRIES * 2].join(",");
    let import = import_har(har(&entries).as_bytes(), "x.har").unwrap();
    assert_eq!(import.capture.requests.len(), MAX_ENTRIES);
    assert!(messages(&import).contains(&format!("{MAX_ENTRIES} entries past")));
}

#[test]
fn latin1_request_bodies_are_searched_as_utf8() {
    let body = base64::engine::general_purpose::STANDARD.encode(b"name=Jos\xe9");
    let text = har(&format!(
        r#"{{"startedDateTime": "2024-05-01T10:00:00Z",
        "request": {{"method": "POST", "url": "https://t.example/c", "headers": [],
            "postData": {{"mimeType": "application/x-www-form-urlencoded; charset=iso-8859-1",
            "text": "{body}", "encoding": "base64"}}}}}}"#
    ));
    let import = import_har(text.as_bytes(), "x.har").unwrap();
    assert_eq!(
        import.capture.requests[0].body.as_ref().unwrap().text,
        "name=José"
    );
}
