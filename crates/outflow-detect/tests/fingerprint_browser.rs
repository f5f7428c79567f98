//! The fingerprinting rules on real Chromium captures of fixture pages
//! (fixtures/detect/sites), served on loopback: third-party host names are
//! mapped to the test's own server, so nothing leaves the machine. Needs
//! Debian's Chromium: fails, saying so, when it is missing (scripts/setup
//! installs it).

mod browser_support;
mod fingerprint_common;

use std::collections::BTreeMap;
use std::time::Duration;

use browser_support::fixture_file;
use outflow_capture::{ScanOptions, TypingPace};
use outflow_detect::Facts;
use outflow_model::{Capture, Finding, Severity};
use outflow_testkit::{FixtureServer, Reply, browser_lock, response};

/// A loopback server for `fixtures/detect/sites/<host>/<path>`; POSTs (the
/// fingerprinters' beacons) get 204. Stops when dropped.
struct Sites(FixtureServer);

impl Sites {
    fn start() -> Self {
        Self(FixtureServer::start(|request, _| {
            let reply = match (
                request.method.as_str(),
                fixture_file(&request.host(), request.path()),
            ) {
                ("GET", Some((kind, bytes))) => {
                    response("200 OK", &[("Content-Type", kind)], &bytes)
                }
                ("GET", None) => response("404 Not Found", &[], b""),
                _ => response(
                    "204 No Content",
                    &[("Access-Control-Allow-Origin", "*")],
                    b"",
                ),
            };
            Reply::Send(reply)
        }))
    }
}

async fn capture_of(url: &str, sites: &Sites) -> (Capture, BTreeMap<String, String>) {
    capture_with(url, sites, Duration::from_millis(500)).await
}

async fn capture_with(
    url: &str,
    sites: &Sites,
    quiet: Duration,
) -> (Capture, BTreeMap<String, String>) {
    let options = ScanOptions {
        mappings: [
            "fp.site.test",
            "cdn.fp-vendor.test",
            "rec.site.test",
            "cdn.replay-vendor.test",
            "rec.replay-vendor.test",
        ]
        .iter()
        .map(|h| sites.0.host_mapping(h))
        .collect(),
        quiet,
        timeout: Duration::from_secs(20),
        fill_forms: false,
        pace: TypingPace {
            max_hold: Duration::from_millis(20),
            max_gap: Duration::from_millis(30),
        },
        ..ScanOptions::default()
    };
    browser_support::scan_page(url, &options, Duration::from_secs(120)).await
}

/// Every rule over a capture, scripts with their bodies but no static
/// analysis: whatever is found was seen running.
fn findings(capture: &Capture, sources: &BTreeMap<String, String>) -> Vec<Finding> {
    let scripts = fingerprint_common::capture_scripts(capture, sources);
    let attributions = BTreeMap::new();
    outflow_detect::detect(&Facts {
        capture: Some(capture),
        scripts: &scripts,
        attributions: &attributions,
    })
}

const FINGERPRINTING: [&str; 6] = [
    "canvas-fingerprinting",
    "webgl-fingerprinting",
    "audio-fingerprinting",
    "font-fingerprinting",
    "webrtc-ip-discovery",
    "device-fingerprinting",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fingerprinting_script_is_seen_running_and_an_honest_dashboard_is_not() {
    let _lock = browser_lock();
    let sites = Sites::start();

    let (capture, sources) = capture_of("http://fp.site.test/", &sites).await;
    let found = findings(&capture, &sources);
    let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
    eprintln!("findings on the fingerprinted page: {rules:?}");
    let script = "http://cdn.fp-vendor.test/fp.js";
    let webgl_ran = capture
        .api_calls
        .iter()
        .flatten()
        .any(|c| c.api.ends_with("getSupportedExtensions"));
    for slug in FINGERPRINTING {
        if slug == "webgl-fingerprinting" && !webgl_ran {
            // Chromium without a GPU stack returns no WebGL context: there
            // is nothing to see running.
            continue;
        }
        let finding = found.iter().find(|f| f.rule == slug).unwrap_or_else(|| {
            panic!(
                "{slug} not reported; findings: {found:#?}; calls: {:#?}",
                capture.api_calls
            )
        });
        assert_eq!(finding.severity, Severity::Medium, "{slug}: {finding:#?}");
        assert_eq!(finding.script.as_deref(), Some(script), "{slug}");
        assert!(
            finding.title.contains("seen running"),
            "{slug}: {}",
            finding.title
        );
    }

    let (capture, sources) = capture_of("http://fp.site.test/lookalike.html", &sites).await;
    assert!(
        capture
            .api_calls
            .iter()
            .flatten()
            .any(|c| c.api == "CanvasRenderingContext2D.fillText"),
        "the dashboard ran: {:#?}",
        capture.api_calls
    );
    let flagged: Vec<Finding> = findings(&capture, &sources)
        .into_iter()
        .filter(|f| FINGERPRINTING.contains(&f.rule.as_str()) && f.severity >= Severity::Medium)
        .collect();
    assert!(flagged.is_empty(), "the dashboard is flagged: {flagged:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_session_recorder_is_recognised_by_its_behaviour() {
    let _lock = browser_lock();
    let sites = Sites::start();
    let (capture, sources) =
        capture_with("http://rec.site.test/", &sites, Duration::from_millis(1500)).await;
    let found = findings(&capture, &sources);
    let finding = found
        .iter()
        .find(|f| f.rule == "session-recording")
        .unwrap_or_else(|| {
            panic!(
                "session-recording not reported; findings: {found:#?}; calls: {:#?}; requests: {:#?}",
                capture.api_calls,
                capture.requests.iter().map(|r| (&r.url, r.time_ms)).collect::<Vec<_>>()
            )
        });
    assert_eq!(finding.severity, Severity::Medium);
    assert_eq!(
        finding.script.as_deref(),
        Some("http://cdn.replay-vendor.test/rec.js")
    );
    assert_eq!(finding.destinations, ["rec.replay-vendor.test"]);
    assert!(finding.title.contains("seen running"), "{}", finding.title);
}

/// Whether the script at `url` was recorded calling `api`.
fn ran(capture: &Capture, url: &str, api: &str) -> bool {
    capture
        .api_calls
        .iter()
        .flatten()
        .any(|c| c.script_url == url && c.api == api)
}

/// The argument summaries recorded for `api` by the script at `url`.
fn recorded<'c>(capture: &'c Capture, url: &str, api: &str) -> Vec<&'c str> {
    capture
        .api_calls
        .iter()
        .flatten()
        .filter(|c| c.script_url == url && c.api == api)
        .flat_map(|c| c.arguments.iter().map(String::as_str))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sketch_pad_that_saves_and_listens_to_its_canvas_is_not_a_canvas_fingerprinter() {
    let _lock = browser_lock();
    let sites = Sites::start();
    let (capture, sources) = capture_of("http://fp.site.test/draw.html", &sites).await;
    let script = "http://fp.site.test/draw.js";
    // Everything but condition 3 holds, and condition 3 was recorded.
    assert!(
        recorded(&capture, script, "HTMLCanvasElement.toDataURL").contains(&"320x160 image/png"),
        "{:#?}",
        capture.api_calls
    );
    for api in [
        "CanvasRenderingContext2D.save",
        "CanvasRenderingContext2D.restore",
    ] {
        assert!(
            ran(&capture, script, api),
            "{api} not recorded: {:#?}",
            capture.api_calls
        );
    }
    let listeners = recorded(&capture, script, "EventTarget.addEventListener");
    assert!(
        listeners.contains(&"mousedown on canvas#pad"),
        "{listeners:?}"
    );
    let found = findings(&capture, &sources);
    let flagged: Vec<&Finding> = found
        .iter()
        .filter(|f| f.rule == "canvas-fingerprinting")
        .collect();
    assert!(
        flagged.is_empty(),
        "the sketch pad is flagged: {flagged:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_css_font_probe_is_seen_running_and_a_masonry_layout_is_not() {
    let _lock = browser_lock();
    let sites = Sites::start();
    let (capture, sources) = capture_of("http://fp.site.test/fonts.html", &sites).await;
    let script = "http://cdn.fp-vendor.test/css-fonts.js";
    let widths = recorded(&capture, script, "HTMLElement.offsetWidth");
    assert!(
        widths.iter().any(|f| f.contains("Comic Sans MS")),
        "the measured element's font family is recorded: {widths:?}"
    );
    let found = findings(&capture, &sources);
    let finding = found
        .iter()
        .find(|f| f.rule == "font-fingerprinting")
        .unwrap_or_else(|| panic!("font-fingerprinting not reported: {found:#?}"));
    assert_eq!(finding.severity, Severity::Medium);
    assert_eq!(finding.script.as_deref(), Some(script));
    assert!(finding.title.contains("seen running"), "{}", finding.title);
    assert!(
        finding.explanation.contains("distinct font families"),
        "{}",
        finding.explanation
    );

    let (capture, sources) = capture_of("http://fp.site.test/layout.html", &sites).await;
    let layout = "http://fp.site.test/layout.js";
    assert!(
        recorded(&capture, layout, "HTMLElement.offsetHeight").len() >= 2,
        "the layout ran: {:#?}",
        capture.api_calls
    );
    let flagged: Vec<Finding> = findings(&capture, &sources)
        .into_iter()
        .filter(|f| f.rule == "font-fingerprinting")
        .collect();
    assert!(flagged.is_empty(), "the layout is flagged: {flagged:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_that_connects_to_its_peer_is_no_ip_discovery_at_medium() {
    let _lock = browser_lock();
    let sites = Sites::start();
    let (capture, sources) = capture_of("http://fp.site.test/peer.html", &sites).await;
    let script = "http://fp.site.test/peer.js";
    for api in [
        "RTCPeerConnection.createDataChannel",
        "RTCPeerConnection.createOffer",
        "RTCPeerConnection.setRemoteDescription",
    ] {
        assert!(
            ran(&capture, script, api),
            "{api} not recorded: {:#?}",
            capture.api_calls
        );
    }
    let found = findings(&capture, &sources);
    let webrtc: Vec<&Finding> = found
        .iter()
        .filter(|f| f.rule == "webrtc-ip-discovery")
        .collect();
    // The same calls as an IP-discovery script, so reported, but low.
    assert!(
        !webrtc.is_empty() && webrtc.iter().all(|f| f.severity == Severity::Low),
        "{webrtc:#?}"
    );
}
