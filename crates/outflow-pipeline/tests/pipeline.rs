//! The pipeline on the shipped examples (local files) and on a capture with
//! its script bodies: findings, attributions, inventory, flows and summary
//! agree with each other.

use std::collections::BTreeMap;

use outflow_model::{Capture, Severity, TargetKind};
use outflow_pipeline::{Pipeline, Sources, report_capture, report_files};

fn intel() -> outflow_intel::Intel {
    outflow_intel::Intel::load(&outflow_intel::IntelOptions {
        ip_data: outflow_intel::IpDataSource::Disabled,
        ..Default::default()
    })
    .expect("built-in data")
}

#[test]
fn files_report_names_the_carrier_and_summarises_its_findings() {
    let intel = intel();
    let js = outflow_js::Options::default();
    let pipeline = Pipeline {
        js: &js,
        intel: Some(&intel),
        site: Some("https://lumina-chat.com/"),
        tool_version: "test",
    };
    let examples = format!("{}/../../fixtures/examples", env!("CARGO_MANIFEST_DIR"));
    let report = report_files(&[examples], &pipeline);
    assert_eq!(report.target.kind, TargetKind::Files);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "restricted-destination"
                && f.severity == Severity::High
                && f.destinations.iter().any(|d| d.ends_with("cmpassport.com")))
    );
    let total: u32 = report.summary.counts.values().sum();
    assert_eq!(total as usize, report.findings.len());
    assert_eq!(
        report.summary.highest,
        report.findings.iter().map(|f| f.severity).max()
    );
    // Most severe first.
    assert!(
        report
            .findings
            .windows(2)
            .all(|w| w[0].severity >= w[1].severity)
    );
    // Every destination of a finding is attributed.
    for finding in &report.findings {
        for host in &finding.destinations {
            assert!(
                report.attributions.iter().any(|a| &a.host == host),
                "{host}"
            );
        }
    }
    // The obfuscated login's inventory entry names the carrier host, and a
    // flow says the code names it.
    let login = report
        .inventory
        .iter()
        .find(|s| s.name.ends_with("carrier-login.obfuscated.js"))
        .expect("in the inventory");
    assert!(login.names.iter().any(|h| h.ends_with("cmpassport.com")));
    assert!(login.obfuscation > 0.5);
    assert!(
        report.flows.iter().any(|f| f.script == login.name
            && f.host.ends_with("cmpassport.com")
            && f.named_in_code)
    );
}

#[test]
fn capture_report_attributes_requests_to_their_scripts() {
    let script = "fetch('https://wap.cmpassport.com/openapi/x', {method: 'POST'});";
    // The pipeline looks bodies up by the capture's hash; it need not be real here.
    let sha = "5".repeat(64);
    let capture: Capture = serde_json::from_value(serde_json::json!({
        "target": "https://lumina-chat.com/login", "source": {"kind": "browser", "headless": true},
        "started_at": "2026-11-29T00:00:00Z", "duration_ms": 1000, "frames": [],
        "scripts": [{"id": "7", "origin": {"kind": "external", "url": "https://lumina-chat.com/login.js"},
                     "sha256": sha, "size": script.len()}],
        "requests": [{"id": "r1", "url": "https://wap.cmpassport.com/openapi/x", "method": "POST",
                      "resource_type": "Fetch", "headers": [],
                      "initiator": {"kind": "script", "script_id": "7", "stack": []},
                      "time_ms": 50, "websocket_frames": []}],
        "canaries": [], "submitted": false, "events": [], "errors": []
    }))
    .expect("a capture");
    let sources = BTreeMap::from([(sha.clone(), script.to_string())]);
    let intel = intel();
    let js = outflow_js::Options::default();
    let pipeline = Pipeline {
        js: &js,
        intel: Some(&intel),
        site: None,
        tool_version: "test",
    };
    let without_bodies = capture.clone();
    let report = report_capture(capture, Sources::Map(&sources), &pipeline);
    assert_eq!(report.target.kind, TargetKind::Page);
    let restricted = report
        .findings
        .iter()
        .find(|f| f.rule == "restricted-destination")
        .expect("found");
    assert_eq!(restricted.severity, Severity::Critical);
    assert_eq!(
        restricted.script.as_deref(),
        Some("https://lumina-chat.com/login.js")
    );
    let entry = &report.inventory[0];
    assert_eq!(entry.contacts, ["wap.cmpassport.com"]);
    assert_eq!(entry.names, ["wap.cmpassport.com"]);
    assert_eq!(report.summary.hosts_contacted, 1);
    assert_eq!(report.summary.hosts_latent, 0);
    let flow = &report.flows[0];
    assert_eq!((flow.requests, flow.named_in_code), (1, true));

    // The same capture without its bodies: the traffic still counts, and
    // the report says the script could not be analysed.
    let empty = BTreeMap::new();
    let report = report_capture(without_bodies, Sources::Map(&empty), &pipeline);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "restricted-destination" && f.severity == Severity::Critical)
    );
    assert!(
        report.errors.iter().any(|e| e.contains("not analysed")),
        "{:?}",
        report.errors
    );
}

#[test]
fn the_site_is_where_the_page_landed_not_where_the_visit_ended() {
    // The page asked for redirects to the shop's other domain; on submission
    // a form posts top-level to a collector, where the visit ends.
    let request = |id: &str, url: &str, from: Option<&str>| {
        let mut r = serde_json::json!({"id": id, "url": url, "method": "GET",
            "resource_type": "Document", "headers": [],
            "initiator": {"kind": "other"}, "time_ms": 10, "websocket_frames": []});
        if let Some(from) = from {
            r["redirected_from"] = serde_json::json!(from);
        }
        r
    };
    let capture: Capture = serde_json::from_value(serde_json::json!({
        "target": "http://fernbrook.com", "final_url": "https://collect.skim-host.com/post",
        "source": {"kind": "browser", "headless": true},
        "started_at": "2026-11-29T00:00:00Z", "duration_ms": 1000, "frames": [], "scripts": [],
        "requests": [
            request("d1", "http://fernbrook.com/", None),
            request("d1#1", "https://www.fernbrook-outdoor.com/checkout", Some("d1")),
            request("f1", "https://collect.skim-host.com/post", None),
        ],
        "canaries": [], "submitted": true, "events": [], "errors": []
    }))
    .expect("a capture");
    let intel = intel();
    let js = outflow_js::Options::default();
    let pipeline = Pipeline {
        js: &js,
        intel: Some(&intel),
        site: None,
        tool_version: "test",
    };
    let report = report_capture(capture, Sources::Map(&BTreeMap::new()), &pipeline);
    let party = |host: &str| {
        report
            .attributions
            .iter()
            .find(|a| a.host == host)
            .map(|a| a.party)
            .unwrap_or_else(|| panic!("{host} attributed: {:?}", report.attributions))
    };
    assert_eq!(
        party("www.fernbrook-outdoor.com"),
        outflow_model::Party::First
    );
    assert_eq!(party("collect.skim-host.com"), outflow_model::Party::Third);
}
