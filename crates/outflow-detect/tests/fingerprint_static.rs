//! Each rule on its hand-written fixtures, from the code alone (as
//! `outflow js` sees them): the trigger is reported at medium severity with
//! static evidence, the look-alike is not reported at medium or above.

mod fingerprint_common;

use fingerprint_common::{check_static, fixture, worst};
use outflow_model::{Evidence, Finding, Observation, Severity};

/// The findings as JSON, with the fixtures folder (an absolute path, which
/// differs from one checkout to the next) written `[fixtures]`.
fn redacted(findings: &[Finding]) -> serde_json::Value {
    let folder = fixture("").to_string_lossy().into_owned();
    let json = serde_json::to_string(findings).expect("findings serialise");
    serde_json::from_str(&json.replace(&folder, "[fixtures]/")).expect("still JSON")
}

fn assert_trigger(slug: &str, fixture: &str) {
    let findings = check_static(slug, fixture);
    assert_eq!(
        worst(&findings),
        Some(Severity::Medium),
        "{slug} on {fixture}: {findings:#?}"
    );
    let finding = findings
        .iter()
        .find(|f| f.severity == Severity::Medium)
        .unwrap();
    assert_eq!(finding.rule, slug);
    assert!(
        finding.title.contains("in the code")
            || slug == "identity-sdk"
            || slug == "session-recording",
        "the title says the evidence is static: {}",
        finding.title
    );
    assert!(!finding.evidence.is_empty(), "{slug}: no evidence");
    assert!(!finding.explanation.is_empty());
    insta::assert_json_snapshot!(slug, redacted(&findings));
}

fn assert_lookalike(slug: &str, fixture: &str) {
    let findings = check_static(slug, fixture);
    assert!(
        worst(&findings).is_none_or(|s| s < Severity::Medium),
        "{slug} flags the look-alike {fixture}: {findings:#?}"
    );
}

#[test]
fn canvas() {
    assert_trigger("canvas-fingerprinting", "canvas-trigger.js");
    let findings = check_static("canvas-fingerprinting", "canvas-trigger.js");
    assert!(findings[0].evidence.iter().any(|e| matches!(
        e,
        Evidence::Api { observed: Observation::Static, api, .. } if api == "HTMLCanvasElement.toDataURL"
    )));
    assert!(findings[0].explanation.contains("distinct characters"));
    assert_lookalike("canvas-fingerprinting", "canvas-lookalike.js");
    // The chart saves and restores its context: reported low, saying why.
    let chart = check_static("canvas-fingerprinting", "canvas-lookalike.js");
    assert!(
        chart.iter().all(|f| f.explanation.contains("save")),
        "{chart:#?}"
    );
}

#[test]
fn webgl() {
    assert_trigger("webgl-fingerprinting", "webgl-trigger.js");
    assert_lookalike("webgl-fingerprinting", "webgl-lookalike.js");
}

#[test]
fn audio() {
    assert_trigger("audio-fingerprinting", "audio-trigger.js");
    assert_lookalike("audio-fingerprinting", "audio-lookalike.js");
}

#[test]
fn fonts() {
    assert_trigger("font-fingerprinting", "font-trigger.js");
    assert_lookalike("font-fingerprinting", "font-lookalike.js");
    assert!(check_static("font-fingerprinting", "font-lookalike.js").is_empty());
}

#[test]
fn webrtc() {
    assert_trigger("webrtc-ip-discovery", "webrtc-trigger.js");
    assert_lookalike("webrtc-ip-discovery", "webrtc-lookalike.js");
    // A real call is reported low, with the reason.
    let call = check_static("webrtc-ip-discovery", "webrtc-lookalike.js");
    assert_eq!(worst(&call), Some(Severity::Low));
    assert!(call[0].explanation.contains("remote description"));
}

#[test]
fn device() {
    assert_trigger("device-fingerprinting", "device-trigger.js");
    let findings = check_static("device-fingerprinting", "device-trigger.js");
    assert!(
        findings[0].title.contains("rank 3 of 3"),
        "{}",
        findings[0].title
    );
    // Every weight in the evidence says where it comes from.
    assert!(findings[0].evidence.iter().any(|e| matches!(
        e,
        Evidence::Note { text } if text.starts_with("user agent: 10.00 bits") && text.contains("https://")
    )));
    assert!(check_static("device-fingerprinting", "device-lookalike.js").is_empty());
}

#[test]
fn session_recording() {
    assert_trigger("session-recording", "session-trigger.html");
    let findings = check_static("session-recording", "session-trigger.html");
    assert!(
        findings[0].title.contains("Hotjar"),
        "{}",
        findings[0].title
    );
    assert!(check_static("session-recording", "session-lookalike.html").is_empty());
}

#[test]
fn identity_sdk() {
    assert_trigger("identity-sdk", "identity-trigger.js");
    let findings = check_static("identity-sdk", "identity-trigger.js");
    assert!(
        findings[0].title.contains("China Mobile"),
        "{}",
        findings[0].title
    );
    assert_eq!(findings[0].destinations, ["wap.cmpassport.com"]);
    assert!(check_static("identity-sdk", "identity-lookalike.js").is_empty());
}

#[test]
fn every_new_rule_documents_itself() {
    for slug in [
        "canvas-fingerprinting",
        "webgl-fingerprinting",
        "audio-fingerprinting",
        "font-fingerprinting",
        "webrtc-ip-discovery",
        "device-fingerprinting",
        "session-recording",
        "identity-sdk",
    ] {
        let rule = outflow_detect::rule(slug).expect(slug);
        let doc = rule.documentation();
        assert!(doc.starts_with(&format!("# {slug}")), "{slug}");
        for section in [
            "## What it detects",
            "## Why it matters",
            "## How it decides",
            "## Known false positives",
            "## Example",
        ] {
            assert!(doc.contains(section), "{slug} lacks {section}");
        }
        assert!(!rule.summary().is_empty());
    }
}
