//! `outflow whois` end to end: owners, countries, flags and legal notes with
//! their sources, first or third party against a site, the user's own
//! entity files, and hostile targets kept off the terminal.

mod whois_support;

use whois_support::{stdout, whois};

fn json(args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    serde_json::from_str(&stdout(&whois(&all))).expect("a JSON array")
}

#[test]
fn a_carrier_host_names_its_state_owner_flags_and_laws_with_sources() {
    let text = stdout(&whois(&["wap.cmpassport.com"]));
    assert!(text.contains("China Mobile"), "{text}");
    assert!(text.contains("state-owned"), "{text}");
    assert!(text.contains("country  CN"), "{text}");
    assert!(text.contains("FLAG     FCC Covered List"), "{text}");
    assert!(
        text.contains("law      CN National Intelligence Law"),
        "{text}"
    );

    let attributions = json(&["https://wap.cmpassport.com/h5/getMobile?x=1"]);
    let a = &attributions[0];
    assert_eq!(
        a["host"], "wap.cmpassport.com",
        "a URL is looked up by its host"
    );
    assert_eq!(a["registrable_domain"], "cmpassport.com");
    assert_eq!(a["entity"]["id"], "china-mobile");
    assert_eq!(a["country"], "CN");
    let flags = a["flags"].as_array().expect("flags");
    assert!(flags.len() >= 3, "{flags:?}");
    for fact in flags
        .iter()
        .chain(a["legal_notes"].as_array().expect("legal notes"))
    {
        let source = &fact["source"];
        assert!(
            source["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("http")),
            "every flag and note carries its source: {fact}"
        );
        assert!(
            source["date"].as_str().is_some_and(|d| d.len() == 10),
            "{fact}"
        );
    }
}

#[test]
fn party_follows_the_site_and_the_first_party_domains() {
    let found = json(&[
        "cdn.outflow-shop.com",
        "wap.cmpassport.com",
        "--site",
        "https://www.outflow-shop.com/login",
    ]);
    assert_eq!(found[0]["party"], "first");
    assert_eq!(found[1]["party"], "third");

    let found = json(&[
        "wap.cmpassport.com",
        "--site",
        "https://www.outflow-shop.com/",
        "--first-party",
        "cmpassport.com",
    ]);
    assert_eq!(found[0]["party"], "first");

    let text = stdout(&whois(&["cdn.outflow-shop.com"]));
    assert!(text.contains("party unknown (no --site)"), "{text}");
}

#[test]
fn a_users_entity_file_adds_an_owner() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("mine.toml"),
        r#"
[[entity]]
id = "test-collector"
name = "Test Collector"
country = "GB"
domains = ["collector.example"]
sources = [{ url = "https://registry.test/collector", date = "2026-11-29" }]
"#,
    )
    .expect("entity file");
    let intel = dir.path().to_str().expect("utf-8 path");
    let found = json(&["api.collector.example", "--intel", intel]);
    assert_eq!(found[0]["entity"]["name"], "Test Collector");
    assert_eq!(found[0]["country"], "GB");

    // Without the file, nobody is known behind the host.
    let found = json(&["api.collector.example"]);
    assert!(found[0]["entity"].is_null(), "{}", found[0]);
}

#[test]
fn a_broken_entity_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("broken.toml"), "[[entity]]\nid = 3\n").expect("file");
    let output = whois(&[
        "example.com",
        "--intel",
        dir.path().to_str().expect("utf-8 path"),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.toml"), "{stderr}");
}

#[test]
fn an_autonomous_system_without_ip_data_says_what_is_missing() {
    let found = json(&["AS9808"]);
    assert_eq!(found[0]["host"], "AS9808");
    let notes = found[0]["notes"].to_string();
    assert!(notes.contains("IP datasets disabled"), "{notes}");
}

#[test]
fn hostile_targets_never_reach_the_terminal_raw() {
    let text = stdout(&whois(&["evil\u{1b}]0;pwned\u{7}\u{1b}[2J.example"]));
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(!text.contains('\u{7}'), "{text:?}");
}
