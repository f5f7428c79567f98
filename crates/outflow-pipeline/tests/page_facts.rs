//! The page facts stage: what a visit showed besides its report
//! (security headers, destinations by CSP directive, Subresource
//! Integrity), read once by the pipeline and keyed by the model's host.

use outflow_model::{Capture, IntegrityStatus};
use outflow_pipeline::{AnalysedCapture, Pipeline, Sources, analyse_capture};

fn analyse(capture: Capture) -> AnalysedCapture {
    let js = outflow_js::Options::default();
    let pipeline = Pipeline {
        js: &js,
        intel: None,
        site: None,
        tool_version: "test",
    };
    analyse_capture(capture, Sources::Map(&Default::default()), &pipeline)
}

#[test]
fn page_facts_from_a_capture() {
    let capture: outflow_model::Capture = serde_json::from_value(serde_json::json!({
        "target": "https://shop.example/",
        "source": {"kind": "browser", "headless": true},
        "started_at": "2026-11-03T10:00:00Z",
        "duration_ms": 100,
        "frames": [{"id": "F1", "url": "https://shop.example/"}, {"id": "F2", "parent_id": "F1", "url": "https://pay.test/frame"}],
        "scripts": [],
        "requests": [
            {"id": "1", "url": "https://shop.example/", "method": "GET", "resource_type": "Document", "headers": [],
             "initiator": {"kind": "other"}, "frame_id": "F1", "time_ms": 0,
             "response": {"status": 301, "security_headers": [{"name": "Location", "value": "/"}]}},
            {"id": "1#1", "url": "https://shop.example/", "method": "GET", "resource_type": "Document", "headers": [],
             "initiator": {"kind": "redirect"}, "frame_id": "F1", "time_ms": 1,
             "response": {"status": 200, "security_headers": [
                 {"name": "Content-Security-Policy", "value": "default-src 'self'"},
                 {"name": "X-Frame-Options", "value": "DENY"},
                 {"name": "Set-Cookie", "value": "a=b"}]}},
            {"id": "2", "url": "https://cdn.lib.test:8443/lib.js", "method": "GET", "resource_type": "Script", "headers": [],
             "initiator": {"kind": "parser"}, "frame_id": "F1", "time_ms": 2},
            {"id": "3", "url": "https://pay.test/frame", "method": "GET", "resource_type": "Document", "headers": [],
             "initiator": {"kind": "parser"}, "frame_id": "F2", "time_ms": 3},
            {"id": "4", "url": "wss://live.test/socket", "method": "GET", "resource_type": "WebSocket", "headers": [],
             "initiator": {"kind": "script"}, "frame_id": "F1", "time_ms": 4},
            {"id": "5", "url": "data:image/gif;base64,R0lG", "method": "GET", "resource_type": "Image", "headers": [],
             "initiator": {"kind": "parser"}, "frame_id": "F1", "time_ms": 5},
            {"id": "6", "url": "https://shop.example/login", "method": "POST", "resource_type": "Document", "headers": [],
             "initiator": {"kind": "other"}, "frame_id": "F1", "time_ms": 6},
            {"id": "7", "url": "chrome-extension://x/y.js", "method": "GET", "resource_type": "Script", "headers": [],
             "initiator": {"kind": "other"}, "frame_id": "F1", "time_ms": 7}
        ],
        "canaries": [],
        "errors": []
    }))
    .unwrap();
    let facts = analyse(capture).facts;
    assert_eq!(facts.started_at, "2026-11-03T10:00:00Z");
    let headers = facts.security_headers.unwrap();
    assert_eq!(
        headers.into_iter().collect::<Vec<_>>(),
        vec![
            (
                "content-security-policy".to_string(),
                "default-src 'self'".to_string()
            ),
            ("x-frame-options".to_string(), "DENY".to_string()),
        ]
    );
    let destinations: Vec<(String, &str, u32)> = facts
        .destinations
        .iter()
        .map(|d| (d.origin.clone(), d.directive.as_str(), d.requests))
        .collect();
    assert_eq!(
        destinations,
        vec![
            ("data:".to_string(), "img-src", 1),
            ("https://cdn.lib.test:8443".to_string(), "script-src", 1),
            ("https://pay.test".to_string(), "frame-src", 1),
            ("https://shop.example".to_string(), "form-action", 1),
            ("https://shop.example".to_string(), "other", 2),
            ("wss://live.test".to_string(), "connect-src", 1),
        ]
    );
}

#[test]
fn destinations_are_keyed_by_the_models_host() {
    let capture: Capture = serde_json::from_value(serde_json::json!({
        "target": "http://[::1]:8080/",
        "source": {"kind": "browser", "headless": true},
        "started_at": "2026-11-03T10:00:00Z",
        "duration_ms": 100,
        "frames": [{"id": "F1", "url": "http://[::1]:8080/"}],
        "scripts": [],
        "requests": [
            {"id": "1", "url": "http://[::1]:8080/", "method": "GET", "resource_type": "Document", "headers": [],
             "initiator": {"kind": "other"}, "frame_id": "F1", "time_ms": 0},
            {"id": "2", "url": "https://user@Stats.Test.:8443/hit", "method": "POST", "resource_type": "Fetch", "headers": [],
             "initiator": {"kind": "script"}, "frame_id": "F1", "time_ms": 1}
        ],
        "canaries": [],
        "errors": []
    }))
    .unwrap();
    let analysed = analyse(capture);
    let destinations: Vec<(&str, &str)> = analysed
        .facts
        .destinations
        .iter()
        .map(|d| (d.origin.as_str(), d.host.as_str()))
        .collect();
    // The origin is a CSP source (brackets kept); the host is the key
    // the report's flows use.
    assert_eq!(
        destinations,
        vec![
            ("http://[::1]:8080", "::1"),
            ("https://stats.test.:8443", "stats.test"),
        ]
    );
    let flow_hosts: Vec<&str> = analysed
        .report
        .flows
        .iter()
        .map(|f| f.host.as_str())
        .collect();
    assert_eq!(flow_hosts, vec!["::1", "stats.test"]);
}

#[test]
fn integrity_is_computed_once_for_the_report_and_the_facts() {
    let body_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let capture: Capture = serde_json::from_value(serde_json::json!({
        "target": "https://shop.example/",
        "source": {"kind": "browser", "headless": true},
        "started_at": "2026-11-03T10:00:00Z",
        "duration_ms": 100,
        "frames": [{"id": "F1", "url": "https://shop.example/"}],
        "scripts": [],
        "requests": [],
        "script_elements": [
            {"document": "https://shop.example/", "src": "https://cdn.test/ok.js",
             "integrity": "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "crossorigin": "anonymous",
             "served": {"request_id": "9", "size": 0, "sha256": body_sha256, "sha384": "", "sha512": ""}},
            {"document": "https://shop.example/", "src": "https://cdn.test/none.js"}
        ],
        "canaries": [],
        "errors": []
    }))
    .unwrap();
    let analysed = analyse(capture);
    let verdicts: Vec<(&str, IntegrityStatus)> = analysed
        .report
        .integrity
        .iter()
        .flatten()
        .map(|i| (i.name.as_str(), i.status))
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("https://cdn.test/none.js", IntegrityStatus::None),
            ("https://cdn.test/ok.js", IntegrityStatus::Verified),
        ]
    );
    assert_eq!(analysed.facts.integrity, analysed.report.integrity);
}
