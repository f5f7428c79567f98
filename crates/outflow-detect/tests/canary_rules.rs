//! Each canary rule on a fixture that must trigger it and a look-alike
//! that must not.

mod canary_common;

use canary_common::{SITE, canaries, capture, request, run, send};
use outflow_model::{Channel, Confidence, Evidence, Severity};
use serde_json::json;
use sha2::{Digest, Sha256};

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn password() -> String {
    canaries()[1].value.clone()
}

fn email() -> String {
    canaries()[0].value.clone()
}

#[test]
fn credential_exfiltration_reports_a_hashed_password_sent_on_submission() {
    let body = format!("{{\"h\":\"{}\"}}", sha256_hex(&password()));
    let capture = capture(
        vec![send(
            "fetch",
            "collect.tracker.example",
            body.as_bytes(),
            "r1",
            1500,
        )],
        canaries(),
        Some(1000),
    );
    let findings = run("credential-exfiltration", &capture, &[SITE]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    insta::assert_json_snapshot!("credential-exfiltration", findings);
    let f = &findings[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.confidence, Confidence::High);
    assert_eq!(f.destinations, vec!["collect.tracker.example".to_string()]);
    let Evidence::Request {
        channel,
        matched,
        encodings,
        ..
    } = &f.evidence[0]
    else {
        panic!("request evidence expected");
    };
    assert_eq!(*channel, Channel::Body);
    assert_eq!(*matched, sha256_hex(&password()));
    assert_eq!(*encodings, vec!["sha256".to_string()]);
    // Sent after submission: not a before-submit leak.
    assert!(run("pii-before-submit", &capture, &[SITE]).is_empty());
}

#[test]
fn credential_exfiltration_ignores_first_party_submission_and_foreign_hashes() {
    let own = format!("user={}&pass={}", email(), password());
    let other = format!("{{\"h\":\"{}\"}}", sha256_hex("Of-0000000000-pw!"));
    let capture = capture(
        vec![
            send("form POST", SITE, own.as_bytes(), "r1", 1500),
            send(
                "fetch",
                "collect.tracker.example",
                other.as_bytes(),
                "r2",
                1600,
            ),
        ],
        canaries(),
        Some(1000),
    );
    assert!(run("credential-exfiltration", &capture, &[SITE]).is_empty());
    assert!(run("pii-before-submit", &capture, &[SITE]).is_empty());
    // The same first-party post counts once the site is not declared first
    // party: the look-alike differs only by party.
    assert!(!run("credential-exfiltration", &capture, &[]).is_empty());
}

#[test]
fn pii_before_submit_reports_an_email_read_while_typing() {
    // A lead-capture script sends the address on blur, base64 in a query,
    // before the form is submitted at 2000 ms.
    let encoded = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        email().trim().to_lowercase(),
    );
    let capture = capture(
        vec![request(
            "r1",
            &format!("https://api.leads.example/v1/lead?e={encoded}&src=form"),
            "GET",
            "Image",
            800,
        )],
        canaries(),
        Some(2000),
    );
    let findings = run("pii-before-submit", &capture, &[SITE]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    insta::assert_json_snapshot!("pii-before-submit", findings);
    assert_eq!(findings[0].severity, Severity::High);
    assert!(findings[0].title.contains("before the form was submitted"));
    assert!(run("credential-exfiltration", &capture, &[SITE]).is_empty());
}

#[test]
fn pii_before_submit_ignores_look_alike_values() {
    // Another address on the same domain, a truncated token too short to
    // count, and a hash of the address's domain only.
    let capture = capture(
        vec![
            request(
                "r1",
                "https://api.leads.example/v1/lead?e=outflow.0000000000%40example.com",
                "GET",
                "Image",
                800,
            ),
            send(
                "fetch",
                "api.leads.example",
                format!("{{\"d\":\"{}\",\"t\":\"Of-3\"}}", sha256_hex("example.com")).as_bytes(),
                "r2",
                900,
            ),
        ],
        canaries(),
        None,
    );
    assert!(run("pii-before-submit", &capture, &[SITE]).is_empty());
}

#[test]
fn storage_writes_by_third_party_scripts_count_when_never_submitted() {
    let mut c = capture(Vec::new(), canaries(), None);
    c.storage_writes = Some(vec![
        serde_json::from_value(json!({
            "area": "local", "key": "_rec", "value": format!("{{\"p\":\"{}\"}}", password()),
            "script_url": "https://cdn.replay.example/rec.js", "frame_url": format!("https://{SITE}/"),
        }))
        .unwrap(),
        serde_json::from_value(json!({
            "area": "local", "key": "remember", "value": email(),
            "script_url": format!("https://{SITE}/app.js"), "frame_url": format!("https://{SITE}/"),
        }))
        .unwrap(),
    ]);
    let findings = run("pii-before-submit", &c, &[SITE]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::High);
    assert!(matches!(
        &findings[0].evidence[0],
        Evidence::Request { channel: Channel::StorageWrite { key, .. }, .. } if key == "_rec"
    ));
}

#[test]
fn storage_writes_are_filed_by_when_they_were_received() {
    let write = |key: &str, time_ms: Option<u64>| {
        let mut w = json!({
            "area": "local", "key": key, "value": password(),
            "script_url": "https://cdn.replay.example/rec.js", "frame_url": format!("https://{SITE}/"),
        });
        if let Some(t) = time_ms {
            w["time_ms"] = json!(t);
        }
        serde_json::from_value(w).unwrap()
    };
    // Submitted at 1000 ms: one write before, one after, one of unknown time.
    let mut c = capture(Vec::new(), canaries(), Some(1000));
    c.storage_writes = Some(vec![
        write("before", Some(400)),
        write("after", Some(1200)),
        write("unknown", None),
    ]);
    let keys = |rule: &str| -> Vec<String> {
        let mut keys: Vec<String> = run(rule, &c, &[SITE])
            .iter()
            .flat_map(|f| &f.evidence)
            .filter_map(|e| match e {
                Evidence::Request {
                    channel: Channel::StorageWrite { key, .. },
                    ..
                } => Some(key.clone()),
                _ => None,
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys
    };
    assert_eq!(keys("pii-before-submit"), ["before"]);
    assert_eq!(keys("credential-exfiltration"), ["after", "unknown"]);
}

fn key_listener_capture(send_typed: bool, script_host: &str) -> outflow_model::Capture {
    let script = format!("https://{script_host}/k.js");
    let mut requests = vec![request(
        "r0",
        &format!("https://{script_host}/k.js"),
        "GET",
        "Script",
        50,
    )];
    if send_typed {
        // Sent key by key: the first 20 characters of the address.
        let prefix: String = email().chars().take(20).collect();
        requests.push(request(
            "r1",
            &format!(
                "https://{script_host}/k?v={}",
                canary_common::uri_component(prefix.as_bytes())
            ),
            "GET",
            "Image",
            400,
        ));
    }
    let mut c = capture(requests, canaries(), None);
    c.api_calls = Some(vec![
        serde_json::from_value(json!({
            "script_url": script, "api": "EventTarget.addEventListener", "access": "call",
            "count": 2, "arguments": ["keyup on input[type=email][name=login]", "click on document"],
        }))
        .unwrap(),
    ]);
    c
}

#[test]
fn keystroke_capture_reports_a_listener_whose_typed_data_leaves() {
    let c = key_listener_capture(true, "keys.tracker.example");
    let findings = run("keystroke-capture", &c, &[SITE]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::High);
    assert_eq!(findings[0].confidence, Confidence::High);
    assert!(
        findings[0]
            .evidence
            .iter()
            .any(|e| matches!(e, Evidence::Api { .. }))
    );
    assert!(
        findings[0]
            .evidence
            .iter()
            .any(|e| matches!(e, Evidence::Request { .. }))
    );
}

#[test]
fn keystroke_capture_ignores_listeners_without_data_leaving_and_first_party_ones() {
    let quiet = key_listener_capture(false, "keys.tracker.example");
    assert!(run("keystroke-capture", &quiet, &[SITE]).is_empty());
    let own = key_listener_capture(true, SITE);
    assert!(run("keystroke-capture", &own, &[SITE]).is_empty());
}
