//! Checkouts in real Chromium (fixtures/detect/sites/shop.card.test): outflow
//! fills the card form like a shopper, clicks the pay button with the mouse,
//! and `card-data-exfiltration` must report the skimmer
//! (cdn.skim-cdn.test/skim.js) whichever trigger it waits for (mouseup of
//! the button, a click of an `<input type=button>`, the submit event, blur
//! of the card field, a timer polling the fields, a querySelectorAll
//! sweep), in each layout (one form, month and year selects, two steps,
//! labels in German, French, Spanish and Chinese, the card in a
//! cross-origin iframe of pay.processor.test). The look-alikes (the card
//! posted to the shop itself, to an allowed processor, a token) must not
//! fire, and broken checkouts (no pay button, steps that loop, dialogs)
//! must end with a note naming the step.
//!
//! Every host is mapped to the test's loopback server. Needs Debian's
//! Chromium (scripts/setup).

mod browser_support;
mod fingerprint_common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use browser_support::fixture_file;
use outflow_capture::{ScanOptions, TypingPace};
use outflow_detect::{Facts, host_of};
use outflow_intel::{Intel, IntelOptions, IpDataSource};
use outflow_model::{Attribution, CanaryKind, Capture, Finding};
use outflow_testkit::browser_lock;
use outflow_testkit::server::{FixtureServer, Reply, response};

const SHOP: &str = "shop.card.test";
const SKIM_HOST: &str = "collect.skim-cdn.test";
const RULE: &str = "card-data-exfiltration";

fn server() -> FixtureServer {
    FixtureServer::builder()
        .read_timeout(Duration::from_secs(20))
        .start(|request, _| {
            let host = request.host();
            Reply::Send(
                if request.method == "GET"
                    && let Some((kind, bytes)) = fixture_file(&host, request.path())
                {
                    response(
                        "200 OK",
                        &[("Content-Type", kind), ("Cache-Control", "no-store")],
                        &bytes,
                    )
                } else {
                    response(
                        "204 No Content",
                        &[
                            ("Access-Control-Allow-Origin", "*"),
                            ("Access-Control-Allow-Headers", "content-type"),
                        ],
                        b"",
                    )
                },
            )
        })
}

async fn checkout(
    server: &FixtureServer,
    page: &str,
    processors: &[&str],
) -> (Capture, Vec<Finding>) {
    let options = ScanOptions {
        mappings: ["shop.card.test", "*.skim-cdn.test", "*.processor.test"]
            .iter()
            .map(|h| server.host_mapping(h))
            .collect(),
        quiet: Duration::from_millis(600),
        timeout: Duration::from_secs(30),
        fill_forms: true,
        submit: true,
        pace: TypingPace {
            max_hold: Duration::from_millis(15),
            max_gap: Duration::from_millis(25),
        },
        payment_processors: processors.iter().map(|p| p.to_string()).collect(),
        ..ScanOptions::default()
    };
    let url = format!("http://{SHOP}/{page}");
    let (capture, sources) =
        browser_support::scan_page(&url, &options, Duration::from_secs(150)).await;
    let findings = findings(&capture, &sources);
    (capture, findings)
}

/// Every rule over the capture, with the built-in intelligence's
/// attributions and the page's final URL as the site.
fn findings(capture: &Capture, sources: &BTreeMap<String, String>) -> Vec<Finding> {
    let scripts = fingerprint_common::capture_scripts(capture, sources);
    let intel = Intel::load(&IntelOptions {
        ip_data: IpDataSource::Disabled,
        ..IntelOptions::default()
    })
    .expect("built-in intelligence");
    let site = intel.site(&capture.final_url.clone().unwrap_or(capture.target.clone()));
    let attributions: BTreeMap<String, Attribution> = capture
        .requests
        .iter()
        .filter_map(|r| host_of(&r.url))
        .collect::<BTreeSet<String>>()
        .into_iter()
        .map(|host| {
            let attribution = intel.lookup_for_site(&host, Some(&site));
            (host, attribution)
        })
        .collect();
    outflow_detect::detect(&Facts {
        capture: Some(capture),
        scripts: &scripts,
        attributions: &attributions,
    })
}

fn card_findings(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == RULE).collect()
}

fn kinds(capture: &Capture) -> BTreeSet<CanaryKind> {
    capture.canaries.iter().map(|c| c.kind).collect()
}

/// The card finding against the skimmer's host, which must name the card
/// number.
fn assert_skimmed(what: &str, capture: &Capture, findings: &[Finding]) {
    let card = card_findings(findings);
    let to_skimmer = card
        .iter()
        .find(|f| f.destinations.iter().any(|d| d == SKIM_HOST))
        .unwrap_or_else(|| {
            panic!(
                "{what}: no {RULE} finding for {SKIM_HOST}; canaries {:#?}; errors {:#?}; findings {findings:#?}",
                capture.canaries, capture.errors
            )
        });
    assert!(
        to_skimmer.title.contains("card number"),
        "{what}: {}",
        to_skimmer.title
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_skimmer_trigger_is_caught_by_a_real_click() {
    let _lock = browser_lock();
    let server = server();
    for (trigger, button) in [
        ("mouseup", "submit"),
        ("click", "input"),
        ("submit", "submit"),
        ("blur", "a"),
        ("timer", "submit"),
        ("sweep", "div"),
    ] {
        let page = format!("checkout.html?trigger={trigger}&button={button}");
        let (capture, findings) = checkout(&server, &page, &[]).await;
        assert!(
            capture.submitted,
            "{page}: not submitted: {:#?}",
            capture.errors
        );
        for kind in [
            CanaryKind::CardNumber,
            CanaryKind::CardExpiry,
            CanaryKind::CardCvv,
            CanaryKind::CardholderName,
            CanaryKind::BillingStreet,
            CanaryKind::BillingPostalCode,
            CanaryKind::BillingCity,
        ] {
            assert!(
                kinds(&capture).contains(&kind),
                "{page}: no {kind} typed: {:#?}",
                capture.canaries
            );
        }
        assert_skimmed(&page, &capture, &findings);
        // Stolen once the form is complete, the expiry and CVV go along
        // with the number (the blur of the card field comes before they
        // are typed).
        if trigger != "blur" {
            let finding = card_findings(&findings)[0];
            assert!(
                finding.title.contains("card security code"),
                "{page}: {}",
                finding.title
            );
            assert!(
                finding.title.contains("card expiry"),
                "{page}: {}",
                finding.title
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selects_steps_and_foreign_labels_are_filled() {
    let _lock = browser_lock();
    let server = server();
    let (capture, findings) = checkout(&server, "selects.html?trigger=mouseup", &[]).await;
    let expiry: Vec<&str> = capture
        .canaries
        .iter()
        .filter(|c| c.kind == CanaryKind::CardExpiry)
        .map(|c| c.value.as_str())
        .collect();
    assert_eq!(
        expiry.len(),
        2,
        "a month and a year chosen: {:#?}",
        capture.canaries
    );
    assert_skimmed("selects", &capture, &findings);
    assert!(card_findings(&findings)[0].title.contains("card expiry"));

    let (capture, findings) = checkout(&server, "multistep.html?trigger=mouseup", &[]).await;
    assert!(
        kinds(&capture).contains(&CanaryKind::BillingStreet),
        "{:#?}",
        capture.canaries
    );
    assert!(
        kinds(&capture).contains(&CanaryKind::CardNumber),
        "step 2 filled: {:#?} {:#?}",
        capture.canaries,
        capture.errors
    );
    assert_skimmed("multistep", &capture, &findings);

    for lang in ["de", "fr", "es", "zh"] {
        let (capture, findings) =
            checkout(&server, &format!("{lang}.html?trigger=mouseup"), &[]).await;
        let expected: BTreeSet<CanaryKind> = [
            CanaryKind::CardNumber,
            CanaryKind::CardExpiry,
            CanaryKind::CardCvv,
            CanaryKind::CardholderName,
            CanaryKind::BillingStreet,
            CanaryKind::BillingPostalCode,
            CanaryKind::BillingCity,
        ]
        .into();
        assert_eq!(kinds(&capture), expected, "{lang}: {:#?}", capture.canaries);
        assert_skimmed(lang, &capture, &findings);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_fields_in_a_cross_origin_iframe_are_filled_and_its_traffic_attributed() {
    let _lock = browser_lock();
    let server = server();
    let (capture, findings) = checkout(&server, "iframe.html", &["processor.test"]).await;
    let card = capture
        .canaries
        .iter()
        .find(|c| c.kind == CanaryKind::CardNumber)
        .unwrap_or_else(|| {
            panic!(
                "no card typed in the iframe: {:#?} {:#?}",
                capture.canaries, capture.errors
            )
        });
    assert!(
        card.frame_url.starts_with("http://pay.processor.test/"),
        "{card:?}"
    );
    // The frame's own request to its processor, attributed to the frame.
    let frame = capture
        .frames
        .iter()
        .find(|f| f.url.starts_with("http://pay.processor.test/"))
        .expect("the processor's frame");
    let token = capture
        .requests
        .iter()
        .find(|r| r.url == "http://api.processor.test/v1/tokens")
        .unwrap_or_else(|| panic!("the frame posted nothing: {:#?}", capture.errors));
    assert_eq!(token.frame_id.as_deref(), Some(frame.id.as_str()));
    assert!(
        token
            .body
            .as_ref()
            .is_some_and(|b| b.text.contains(&card.value)),
        "the card reached the processor"
    );
    // The allowed processor got the card: no finding.
    assert!(card_findings(&findings).is_empty(), "{findings:#?}");

    // The processor's frame compromised: the finding names the frame.
    let (capture, findings) = checkout(&server, "iframe-skimmed.html", &["processor.test"]).await;
    assert_skimmed("iframe-skimmed", &capture, &findings);
    let finding = card_findings(&findings)[0];
    assert!(
        finding
            .explanation
            .contains("from the frame http://pay.processor.test/frame.html?skim=1"),
        "{}",
        finding.explanation
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_checkouts_do_not_fire() {
    let _lock = browser_lock();
    let server = server();
    for (to, processors, host) in [
        ("site", &[][..], SHOP),
        ("processor", &["processor.test"][..], "api.processor.test"),
        ("token", &[][..], "analytics.skim-cdn.test"),
    ] {
        server.clear_received();
        let (capture, findings) =
            checkout(&server, &format!("lookalike.html?to={to}"), processors).await;
        assert!(capture.submitted, "{to}: {:#?}", capture.errors);
        // The page did send its payment request, so the rule had something
        // to look at.
        assert!(
            server
                .received()
                .iter()
                .any(|r| r.method == "POST" && r.host() == host),
            "{to}: nothing posted to {host}"
        );
        assert!(card_findings(&findings).is_empty(), "{to}: {findings:#?}");
    }
    // Without the processor allowed, the same checkout is reported.
    let (_, findings) = checkout(&server, "lookalike.html?to=processor", &[]).await;
    assert_eq!(card_findings(&findings).len(), 1, "{findings:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_checkouts_end_with_a_note_on_the_step() {
    let _lock = browser_lock();
    let server = server();
    let notes = |capture: &Capture| -> Vec<String> {
        capture.errors.iter().map(|e| e.message.clone()).collect()
    };
    let (capture, _) = checkout(&server, "nopay.html", &[]).await;
    assert!(kinds(&capture).contains(&CanaryKind::CardNumber));
    assert!(
        notes(&capture)
            .iter()
            .any(|n| n.contains("checkout step 1: no pay")),
        "{:#?}",
        capture.errors
    );
    let (capture, _) = checkout(&server, "loop.html", &[]).await;
    assert!(
        notes(&capture)
            .iter()
            .any(|n| n.contains("loop between steps")),
        "{:#?}",
        capture.errors
    );
}
