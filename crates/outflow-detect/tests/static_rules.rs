//! restricted-destination, latent-endpoint and obfuscated-script on real
//! code (analysed by outflow-js) and real attributions (outflow-intel): each
//! with a case that must trigger it and a look-alike that must not.

use std::collections::BTreeMap;
use std::sync::Arc;

use outflow_detect::{Facts, ScriptFacts, detect, host_of};
use outflow_model::{Attribution, Capture, Finding, ScriptInput, Severity};
use outflow_testkit::build;

fn script(name: &str, code: &str) -> ScriptFacts {
    let analysis = outflow_js::analyze_script(
        name,
        ScriptInput::File {
            path: name.to_string(),
        },
        code.as_bytes(),
        &outflow_js::Options::default(),
    )
    .into_iter()
    .next()
    .expect("an analysis");
    ScriptFacts {
        id: name.to_string(),
        name: name.to_string(),
        url: Some(name.to_string()),
        sha256: analysis.sha256.clone(),
        source: Some(Arc::from(code)),
        analysis: Some(analysis),
    }
}

/// A capture of `site` whose only requests go to `urls`.
fn capture(site: &str, urls: &[&str]) -> Capture {
    let mut capture = build::browser_capture(site, "2026-11-29T00:00:00Z", 1000);
    capture.requests = (100..)
        .zip(urls)
        .enumerate()
        .map(|(i, (time_ms, url))| build::request(&format!("r{i}"), url, "POST", "Fetch", time_ms))
        .collect();
    capture
}

fn attribute(
    site: &str,
    scripts: &[ScriptFacts],
    capture: &Capture,
) -> BTreeMap<String, Attribution> {
    let intel = outflow_intel::Intel::load(&outflow_intel::IntelOptions {
        ip_data: outflow_intel::IpDataSource::Disabled,
        ..Default::default()
    })
    .expect("built-in data loads");
    let site = intel.site(site);
    scripts
        .iter()
        .filter_map(|s| s.analysis.as_ref())
        .flat_map(|a| a.endpoints.iter().filter_map(|e| e.host.clone()))
        .chain(capture.requests.iter().filter_map(|r| host_of(&r.url)))
        .map(|host| {
            let attribution = intel.lookup_for_site(&host, Some(&site));
            (host, attribution)
        })
        .collect()
}

fn run(site: &str, scripts: &[ScriptFacts], requests: &[&str]) -> Vec<Finding> {
    let capture = capture(site, requests);
    let attributions = attribute(site, scripts, &capture);
    detect(&Facts {
        capture: Some(&capture),
        scripts,
        attributions: &attributions,
    })
}

fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

const CARRIER: &str = r#"
var host = "https://wap." + "cmpassport" + ".com";
function send(body) { fetch(host + "/openapi/wabpGetUseInfo", {method: "POST", body: body}); }
"#;

const ORDINARY: &str = r#"
function send(body) { fetch("https://api.weatherly-metrics.com/v1/collect", {method: "POST", body: body}); }
"#;

#[test]
fn a_listed_owner_named_only_in_code_is_high_and_contacted_is_critical() {
    let scripts = [script("https://lumina-chat.com/login.js", CARRIER)];
    let latent = run(
        "https://lumina-chat.com/",
        &scripts,
        &["https://lumina-chat.com/api"],
    );
    let restricted = of(&latent, "restricted-destination");
    assert_eq!(restricted.len(), 1, "{latent:#?}");
    insta::assert_json_snapshot!("restricted-destination", restricted);
    assert_eq!(restricted[0].severity, Severity::High);
    assert_eq!(restricted[0].destinations, ["wap.cmpassport.com"]);
    assert!(
        matches!(
            &restricted[0].evidence[0],
            outflow_model::Evidence::Code { snippet, at, detail, .. }
                if snippet.contains("fetch(host") && at.start.line == 3 && detail.starts_with("fetch of")
        ),
        "{:#?}",
        restricted[0].evidence
    );

    let contacted = run(
        "https://lumina-chat.com/",
        &scripts,
        &["https://wap.cmpassport.com/openapi/wabpGetUseInfo"],
    );
    let restricted = of(&contacted, "restricted-destination");
    assert_eq!(restricted.len(), 1);
    assert_eq!(restricted[0].severity, Severity::Critical);
    assert!(matches!(
        &restricted[0].evidence[0],
        outflow_model::Evidence::Request { request_id, .. } if request_id == "r0"
    ));
}

#[test]
fn an_unlisted_owner_is_not_a_restricted_destination() {
    let scripts = [script("https://brightpost-news.com/app.js", ORDINARY)];
    let findings = run(
        "https://brightpost-news.com/",
        &scripts,
        &["https://api.weatherly-metrics.com/v1/collect"],
    );
    assert!(
        of(&findings, "restricted-destination").is_empty(),
        "{findings:#?}"
    );
}

#[test]
fn latent_hosts_are_those_named_but_never_contacted_and_third_party() {
    let scripts = [script("https://brightpost-news.com/app.js", ORDINARY)];
    let findings = run("https://brightpost-news.com/", &scripts, &[]);
    let latent = of(&findings, "latent-endpoint");
    assert_eq!(latent.len(), 1, "{findings:#?}");
    insta::assert_json_snapshot!("latent-endpoint", latent);
    assert_eq!(latent[0].severity, Severity::Info);
    assert_eq!(latent[0].destinations, ["api.weatherly-metrics.com"]);

    let contacted = run(
        "https://brightpost-news.com/",
        &scripts,
        &["https://api.weatherly-metrics.com/v1/collect"],
    );
    assert!(of(&contacted, "latent-endpoint").is_empty());

    let first_party = [script(
        "https://brightpost-news.com/app.js",
        r#"fetch("https://static.brightpost-news.com/config.json");"#,
    )];
    let own = run("https://brightpost-news.com/", &first_party, &[]);
    assert!(of(&own, "latent-endpoint").is_empty(), "{own:#?}");
}

#[test]
fn latent_needs_a_visit() {
    let scripts = [script("app.js", ORDINARY)];
    let attributions = BTreeMap::new();
    let findings = detect(&Facts {
        capture: None,
        scripts: &scripts,
        attributions: &attributions,
    });
    assert!(of(&findings, "latent-endpoint").is_empty());
}

#[test]
fn obfuscated_code_is_reported_with_what_decoding_revealed_and_plain_code_is_not() {
    let examples = format!("{}/../../fixtures/examples", env!("CARGO_MANIFEST_DIR"));
    let obfuscated = std::fs::read_to_string(format!("{examples}/carrier-login.obfuscated.js"))
        .expect("the shipped example");
    let scripts = [script("https://lumina-chat.com/login.js", &obfuscated)];
    let findings = run("https://lumina-chat.com/", &scripts, &[]);
    let reported = of(&findings, "obfuscated-script");
    assert_eq!(reported.len(), 1, "{findings:#?}");
    insta::assert_json_snapshot!("obfuscated-script", reported);
    assert_eq!(reported[0].severity, Severity::Medium);
    assert!(
        reported[0]
            .destinations
            .iter()
            .any(|h| h.ends_with("cmpassport.com"))
    );

    let plain = [script("https://lumina-chat.com/login.js", CARRIER)];
    let findings = run("https://lumina-chat.com/", &plain, &[]);
    assert!(
        of(&findings, "obfuscated-script").is_empty(),
        "{findings:#?}"
    );
}
