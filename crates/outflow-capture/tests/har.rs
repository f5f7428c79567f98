//! HAR import: a small hand-written HAR in Chrome DevTools' dialect.

use outflow_capture::{import_har, import_har_file};
use outflow_model::{CaptureErrorKind, CaptureSource, ScriptOrigin};

fn har_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/login.har")
}

#[test]
fn imports_requests_bodies_initiators_and_scripts() {
    let import = import_har_file(&har_path()).expect("the HAR reads");
    let capture = &import.capture;
    assert_eq!(capture.target, "https://shop.example/login");
    assert_eq!(
        capture.source,
        CaptureSource::Har {
            path: har_path().display().to_string(),
            creator: Some("WebInspector 537.36".to_string())
        }
    );
    // What HAR cannot know is absent, not empty.
    assert!(capture.api_calls.is_none());
    assert!(capture.storage_writes.is_none());
    assert!(capture.cookies.is_none());

    assert_eq!(capture.requests.len(), 4);
    let document = &capture.requests[0];
    assert_eq!(document.resource_type, "Document");
    let response = document.response.as_ref().unwrap();
    assert_eq!(response.status, 200);
    let names: Vec<&str> = response
        .security_headers
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(names, ["content-security-policy", "set-cookie"]);

    let beacon = &capture.requests[2];
    assert_eq!(beacon.method, "POST");
    assert_eq!(beacon.resource_type, "Ping");
    assert_eq!(
        beacon.body.as_ref().unwrap().text,
        r#"{"email":"a@example.com"}"#
    );
    assert_eq!(beacon.initiator.kind, "script");
    assert_eq!(
        beacon.initiator.url.as_deref(),
        Some("https://cdn.tracker.test/t.js")
    );
    assert_eq!(beacon.initiator.stack[0].at.line, 1);
    assert_eq!(beacon.time_ms, 1000);

    let socket = &capture.requests[3];
    assert_eq!(socket.resource_type, "WebSocket");
    assert_eq!(socket.websocket_frames.len(), 2);
    assert!(socket.websocket_frames[0].sent);
    assert_eq!(socket.websocket_frames[1].payload, "ok");

    // The script's body comes from the (base64) response, kept by hash.
    assert_eq!(capture.scripts.len(), 1);
    let script = &capture.scripts[0];
    assert!(
        matches!(&script.origin, ScriptOrigin::External { url } if url == "https://cdn.tracker.test/t.js")
    );
    assert_eq!(
        import.sources[&script.sha256],
        "navigator.sendBeacon('/c', 'x');"
    );

    // The entry without a URL is reported, not fatal.
    assert!(
        capture
            .errors
            .iter()
            .any(|e| e.kind == CaptureErrorKind::Har)
    );
}

#[test]
fn hostile_har_values_do_not_panic() {
    for text in [
        r#"{"log": {"entries": [{"request": {"url": 5}}]}}"#,
        r#"{"log": {"entries": [{"request": {"url": "x", "postData": {"text": "%%%", "encoding": "base64"}}, "response": {"status": 99999999}}]}}"#,
        r#"{"log": {"entries": [{"request": {"url": "x"}, "_initiator": {"stack": {"callFrames": [{"lineNumber": 18446744073709551615}]}}}]}}"#,
        r#"{"log": {"entries": [], "pages": [{"title": null}]}}"#,
    ] {
        let import = import_har(text.as_bytes(), "hostile.har").expect("a HAR log");
        assert!(import.capture.api_calls.is_none());
    }
}

/// Firefox and mitmproxy write plain HAR 1.2, without Chrome's
/// `_resourceType` and `_initiator`: types come from MIME types, initiators
/// are unknown, bodies and scripts are still read.
#[test]
fn plain_har_dialects_import() {
    let firefox = r#"{"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "133.0"},
      "pages": [{"id": "page_1", "title": "https://shop.example/login", "startedDateTime": "2026-11-29T05:00:00.000+01:00"}],
      "entries": [
        {"pageref": "page_1", "startedDateTime": "2026-11-29T05:00:00.000+01:00",
         "request": {"method": "GET", "url": "https://shop.example/login", "headers": [{"name": "Host", "value": "shop.example"}]},
         "response": {"status": 200, "headers": [{"name": "Content-Security-Policy", "value": "default-src 'self'"}],
                      "content": {"mimeType": "text/html; charset=utf-8", "text": "<form></form>"}}},
        {"pageref": "page_1", "startedDateTime": "2026-11-29T05:00:00.250+01:00",
         "request": {"method": "GET", "url": "https://cdn.tracker.test/t.js", "headers": []},
         "response": {"status": 200, "headers": [], "content": {"mimeType": "application/javascript", "text": "navigator.sendBeacon('/c')"}}},
        {"pageref": "page_1", "startedDateTime": "2026-11-29T05:00:00.500+01:00",
         "request": {"method": "POST", "url": "https://collect.tracker.test/c", "headers": [],
                     "postData": {"mimeType": "text/plain", "text": "email=canary@example.com"}},
         "response": {"status": 204, "headers": [], "content": {"mimeType": "", "size": 0}}}
      ]}}"#;
    let mitmproxy = r#"{"log": {"version": "1.2", "creator": {"name": "mitmproxy", "version": "11.0"},
      "entries": [
        {"startedDateTime": "2026-11-29T04:00:00.000000+00:00",
         "request": {"method": "POST", "url": "https://collect.tracker.test/c", "httpVersion": "HTTP/2.0", "headers": [],
                     "postData": {"mimeType": "application/octet-stream", "text": "//4A", "encoding": "base64"}},
         "response": {"status": 200, "headers": [], "content": {"mimeType": "image/gif", "size": 0, "text": ""}}}
      ]}}"#;

    let capture = import_har(firefox.as_bytes(), "firefox.har")
        .unwrap()
        .capture;
    assert_eq!(
        capture.source,
        CaptureSource::Har {
            path: "firefox.har".to_string(),
            creator: Some("Firefox 133.0".to_string())
        }
    );
    assert!(capture.api_calls.is_none());
    let types: Vec<&str> = capture
        .requests
        .iter()
        .map(|r| r.resource_type.as_str())
        .collect();
    assert_eq!(types, ["Document", "Script", "Other"]);
    assert!(
        capture
            .requests
            .iter()
            .all(|r| r.initiator.kind == "unknown")
    );
    assert_eq!(capture.requests[1].time_ms, 250);
    let beacon = &capture.requests[2];
    assert_eq!(
        beacon.body.as_ref().unwrap().text,
        "email=canary@example.com"
    );
    assert!(capture.scripts.iter().any(
        |s| matches!(&s.origin, ScriptOrigin::External { url } if url == "https://cdn.tracker.test/t.js")
    ));

    let capture = import_har(mitmproxy.as_bytes(), "flows.har")
        .unwrap()
        .capture;
    let request = &capture.requests[0];
    assert_eq!(request.resource_type, "Image");
    let body = request.body.as_ref().unwrap();
    assert!(body.base64, "binary bodies stay base64");
    assert_eq!(body.size, 3);
}
