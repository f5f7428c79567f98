//! `outflow demo` end to end: the built-in site is served on loopback,
//! scanned in a real Chromium, and each page yields exactly the findings it
//! was written to show.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

/// The rules each (page, persona) must trigger, and no others.
const EXPECTED: &[(&str, &str, &[&str])] = &[
    (
        "http://chat.lumina-ai.test/login.html",
        "us",
        &[
            "canvas-fingerprinting",
            "device-fingerprinting",
            "identity-sdk",
            "latent-endpoint",
            "obfuscated-script",
            "restricted-destination",
            "webgl-fingerprinting",
        ],
    ),
    (
        "http://chat.lumina-ai.test/login.html",
        "cn",
        &[
            "canvas-fingerprinting",
            "device-fingerprinting",
            "identity-sdk",
            "obfuscated-script",
            "pii-before-submit",
            "restricted-destination",
            "webgl-fingerprinting",
        ],
    ),
    (
        "http://shop.fernbrook-outdoor.test/checkout.html",
        "us",
        // The skimmer reads every field on each input event and sends it to
        // its own look-alike host: the card (number, expiry, security code,
        // name on card), keystroke capture, and the e-mail address before
        // submission.
        &[
            "card-data-exfiltration",
            "keystroke-capture",
            "pii-before-submit",
        ],
    ),
    (
        "http://news.brightpost.test/newsletter.html",
        "us",
        // The pixel hashes the address on blur: once typing is over, so a
        // leak before submission, not keystroke capture.
        &["pii-before-submit"],
    ),
    ("http://www.quietgarden.test/index.html", "us", &[]),
];

fn rules_of(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect()
}

fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {report:#}"))
}

fn attribution<'a>(report: &'a Value, host: &str) -> &'a Value {
    report["attributions"]
        .as_array()
        .expect("attributions")
        .iter()
        .find(|a| a["host"] == host)
        .unwrap_or_else(|| panic!("{host} is not attributed"))
}

#[test]
fn the_demo_finds_what_each_page_was_written_to_show() {
    assert!(
        std::path::Path::new("/usr/lib/chromium/chromium").exists(),
        "Chromium is missing: run scripts/setup"
    );
    let out = tempfile::tempdir().expect("a temporary folder");
    let output = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(["demo", "--format", "json", "--out"])
        .arg(out.path())
        .output()
        .expect("outflow runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let reports: Vec<Value> = serde_json::from_slice(&output.stdout).expect("a JSON array");
    assert_eq!(reports.len(), EXPECTED.len(), "{stderr}");

    for (url, persona, rules) in EXPECTED {
        let report = reports
            .iter()
            .find(|r| r["target"]["value"] == *url && r["target"]["persona"] == *persona)
            .unwrap_or_else(|| panic!("no report for {url} as {persona}"));
        let expected: BTreeSet<String> = rules.iter().map(|r| r.to_string()).collect();
        assert_eq!(rules_of(report), expected, "{url} as {persona}");
    }

    let login_us = &reports[0];
    let restricted = finding(login_us, "restricted-destination");
    assert_eq!(restricted["severity"], "high", "latent under us");
    assert_eq!(restricted["destinations"][0], "wap.cmpassport.com");
    let code = restricted["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "code")
        .expect("located in the decoded code");
    assert!(
        code["script"]
            .as_str()
            .unwrap()
            .ends_with("/static/login.js")
    );
    let china_mobile = attribution(login_us, "wap.cmpassport.com");
    assert_eq!(china_mobile["entity"]["name"], "China Mobile");
    assert_eq!(china_mobile["country"], "CN");

    let login_cn = &reports[1];
    let restricted = finding(login_cn, "restricted-destination");
    assert_eq!(restricted["severity"], "critical", "contacted under cn");
    assert!(
        restricted["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "request"
                && e["url"] == "http://wap.cmpassport.com/openapi/wabpGetUseInfo")
    );

    let control = reports.last().unwrap();
    assert!(
        control["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "info"),
        "nothing above info on the control page"
    );
}
