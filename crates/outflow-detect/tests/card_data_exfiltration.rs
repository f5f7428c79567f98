//! `card-data-exfiltration` on synthetic captures: card values sent by a
//! skimmer in the ways skimmers send them must be reported, with which
//! value went where and how; the look-alikes (the card posted to the site
//! itself, to an allowed processor, a tokenised card, a stray number equal
//! to the CVV) must not.

mod canary_common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use canary_common::{SITE, capture, form_value, run, send};
use outflow_model::{Canary, CanaryKind, Capture, Confidence, Evidence, Finding, Severity};

const CARD: &str = "4000001234567899";
const EXPIRY: &str = "07/29";
const CVV: &str = "738";
const HOLDER: &str = "Ada Qxvbmrtz";
const RULE: &str = "card-data-exfiltration";

fn card_canaries() -> Vec<Canary> {
    let canary = |kind, value: &str, field: &str| Canary {
        kind,
        value: value.to_string(),
        field: field.to_string(),
        frame_url: format!("https://{SITE}/checkout"),
        typed_at_ms: 200,
    };
    vec![
        canary(
            CanaryKind::Email,
            "outflow.3fa9c01b2e@example.com",
            "input[type=email]",
        ),
        canary(CanaryKind::CardholderName, HOLDER, "input[name=cc-name]"),
        canary(CanaryKind::CardNumber, CARD, "input[name=cc-number]"),
        canary(CanaryKind::CardExpiry, EXPIRY, "input[name=cc-exp]"),
        canary(CanaryKind::CardCvv, CVV, "input[name=cc-csc]"),
    ]
}

fn checkout(requests: Vec<outflow_model::Request>) -> Capture {
    capture(requests, card_canaries(), Some(1000))
}

/// The kinds of card value a finding's evidence names, in order.
fn values_of(finding: &Finding) -> Vec<String> {
    finding
        .evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Request { what, .. } if !what.is_empty() => Some(what.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn reports_the_card_sent_as_base64_json_with_its_expiry_and_cvv() {
    let payload = format!(r#"{{"n":"{CARD}","e":"{EXPIRY}","c":"{CVV}","h":"{HOLDER}"}}"#);
    let beacon = send(
        "image",
        "cdn.skim-host.example",
        STANDARD.encode(payload).as_bytes(),
        "r1",
        1100,
    );
    let capture = checkout(vec![beacon]);
    let findings = run(RULE, &capture, &[SITE]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    insta::assert_json_snapshot!(RULE, findings);
    let f = &findings[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.confidence, Confidence::High);
    assert_eq!(f.destinations, vec!["cdn.skim-host.example".to_string()]);
    let values = values_of(f);
    for kind in [
        "card number",
        "card expiry",
        "card security code",
        "cardholder name",
    ] {
        assert!(
            values.iter().any(|v| v.starts_with(kind)),
            "{kind} missing from {values:?}"
        );
    }
    assert!(
        f.explanation.contains("after the pay click"),
        "{}",
        f.explanation
    );
    assert!(f.explanation.contains("base64"), "{}", f.explanation);
    // Card data is this rule's alone.
    assert!(
        run("credential-exfiltration", &capture, &[SITE])
            .iter()
            .all(|f| !f.title.contains("Card"))
    );
}

#[test]
fn finds_the_card_grouped_form_encoded_masked_and_hashed() {
    let grouped = "4000 0012 3456 7899";
    let dashed = "4000-0012-3456-7899";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "grouped with spaces, form encoded",
            format!("cc={}&cvv={CVV}", form_value(grouped.as_bytes())).into_bytes(),
        ),
        (
            "grouped with dashes in JSON",
            format!(r#"{{"pan":"{dashed}"}}"#).into_bytes(),
        ),
        (
            "masked first 6 / last 4",
            b"{\"card\":\"400000******7899\"}".to_vec(),
        ),
        ("sha256 of the digits", {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(CARD.as_bytes())).into_bytes()
        }),
    ];
    for (name, payload) in cases {
        let capture = checkout(vec![send("fetch", "skim.example", &payload, "r1", 700)]);
        let findings = run(RULE, &capture, &[SITE]);
        assert_eq!(findings.len(), 1, "{name}: {findings:#?}");
        assert!(
            values_of(&findings[0])
                .iter()
                .any(|v| v.starts_with("card number")),
            "{name}: {findings:#?}"
        );
        assert!(
            findings[0].explanation.contains("before the pay click"),
            "{name}"
        );
    }
}

#[test]
fn cvv_and_expiry_alone_count_only_as_named_fields() {
    // A tracker's request with numbers equal to the CVV and expiry: no leak.
    let stray = send(
        "image",
        "pixel.tracker.example",
        format!("id={CVV}&d={EXPIRY}").as_bytes(),
        "r1",
        700,
    );
    assert!(run(RULE, &checkout(vec![stray]), &[SITE]).is_empty());
    // The security code as a named field of a structured payload: a leak.
    let named = send(
        "fetch",
        "skim.example",
        format!(r#"{{"cvc":"{CVV}"}}"#).as_bytes(),
        "r2",
        700,
    );
    let findings = run(RULE, &checkout(vec![named]), &[SITE]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(values_of(&findings[0])[0].starts_with("card security code"));
}

#[test]
fn the_site_itself_an_allowed_processor_and_a_token_are_not_reported() {
    let full = format!(
        "number={CARD}&exp={}&cvc={CVV}",
        form_value(EXPIRY.as_bytes())
    );
    // Posted only to the site itself.
    let own = send("form POST", SITE, full.as_bytes(), "r1", 1100);
    assert!(run(RULE, &checkout(vec![own]), &[SITE]).is_empty());
    // Posted to the processor the user allowed (a subdomain of it).
    let mut capture = checkout(vec![send(
        "fetch",
        "api.stripe.com",
        full.as_bytes(),
        "r2",
        1100,
    )]);
    assert_eq!(run(RULE, &capture, &[SITE]).len(), 1, "not yet allowed");
    capture.payment_processors = vec!["stripe.com".to_string()];
    assert!(run(RULE, &capture, &[SITE]).is_empty());
    // A tokenised card sent to a third party: the token and the last four
    // digits are not card data.
    let token = send(
        "fetch",
        "analytics.example",
        br#"{"payment_method":"pm_1Q2w3E4r5T6y7U8i","brand":"visa","last4":"7899"}"#,
        "r3",
        1100,
    );
    assert!(run(RULE, &checkout(vec![token]), &[SITE]).is_empty());
}
