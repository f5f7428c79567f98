//! Subresource Integrity end to end in real Chromium (`fixtures/watch/sri`):
//! a checkout page loads one third-party script whose `integrity` matches,
//! one whose vendor changed it since it was pinned (the browser blocks it),
//! one without `integrity`, and one inserted by a loader that removes its
//! element at once. The inventory and the `require_sri` policy gate must
//! say which is which.

mod watch_support;

use std::collections::BTreeMap;

use base64::Engine;
use outflow_testkit::{browser_lock, require_chromium};
use serde_json::Value;
use sha2::Digest;
use watch_support::{Server, fixtures, outflow, stderr};

#[test]
fn integrity_is_verified_in_the_inventory_and_the_policy_gate() {
    require_chromium();
    let _lock = browser_lock();
    let site = Server::start(fixtures().join("sri"), 0);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let db = db.to_str().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "require_sri = true\n").unwrap();
    let url = "http://shop.test/";
    let (shop, cdn) = (site.mapping("shop.test"), site.mapping("cdn.test"));
    // With intelligence (the default): cdn.test is a third party of
    // shop.test, which require_sri is about.
    let scan = outflow(&[
        "scan",
        url,
        "--db",
        db,
        "--no-forms",
        "--timeout",
        "20",
        "--format",
        "json",
        "--map-host",
        &shop,
        "--map-host",
        &cdn,
        "--policy",
        policy.to_str().unwrap(),
    ]);
    let log = stderr(&scan);
    assert_eq!(scan.status.code(), Some(1), "{log}");

    let served_bad = std::fs::read(fixtures().join("sri/cdn.test/bad.js")).unwrap();
    let served_sri = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(&served_bad))
    );
    let page = std::fs::read_to_string(fixtures().join("sri/shop.test/index.html")).unwrap();
    let pinned = page
        .split("bad.js\" integrity=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let violations: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("policy violation"))
        .collect();
    assert_eq!(
        violations,
        vec![
            format!(
                "  policy violation [IntegrityNotVerified]: third-party script http://cdn.test/plain.js has no verified integrity: no integrity attribute; serve it with integrity=\"sha256-{}\" crossorigin=\"anonymous\"",
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(
                    std::fs::read(fixtures().join("sri/cdn.test/plain.js")).unwrap()
                ))
            )
            .as_str(),
            format!(
                "  policy violation [IntegrityMismatch]: third-party script http://cdn.test/bad.js failed its integrity check: the body served has {served_sri} but the page expects {pinned}: the browser blocked it"
            )
            .as_str(),
        ],
        "{log}"
    );

    // The report lists what ran: the blocked script is not among them.
    let report: Value = serde_json::from_slice(&scan.stdout).expect("a JSON report");
    let ran: Vec<&str> = report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(!ran.contains(&"http://cdn.test/bad.js"), "{ran:?}");
    assert!(ran.contains(&"http://cdn.test/dynamic.js"), "{ran:?}");
    // The report itself carries each script's integrity verdict, the
    // blocked one included, so that `outflow verify` and the HTML show it.
    let verdicts: Vec<(&str, &str)> = report["integrity"]
        .as_array()
        .expect("integrity in the report")
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v["status"].as_str().unwrap()))
        .collect();
    assert!(
        verdicts.contains(&("http://cdn.test/bad.js", "mismatch")),
        "{verdicts:?}"
    );
    assert!(
        verdicts.contains(&("http://cdn.test/good.js", "verified")),
        "{verdicts:?}"
    );

    // The inventory has every script, with its integrity verdict.
    let inventory = outflow(&["inventory", url, "--db", db, "--format", "json"]);
    assert!(inventory.status.success(), "{}", stderr(&inventory));
    let rows: Vec<Value> = serde_json::from_slice(&inventory.stdout).unwrap();
    let verdicts: BTreeMap<&str, (&str, bool)> = rows
        .iter()
        .map(|r| {
            (
                r["script"].as_str().unwrap(),
                (
                    r["integrity"].as_str().unwrap(),
                    r["current"].as_bool().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        BTreeMap::from([
            ("http://cdn.test/bad.js", ("mismatch", true)),
            ("http://cdn.test/dynamic.js", ("verified", true)),
            ("http://cdn.test/good.js", ("verified", true)),
            ("http://cdn.test/plain.js", ("none", true)),
            ("inline:http://shop.test/#0", ("none", true)),
        ])
    );
    let bad = rows
        .iter()
        .find(|r| r["script"] == "http://cdn.test/bad.js")
        .unwrap();
    assert_eq!(
        bad["sha256"].as_str().unwrap(),
        hex::encode(sha2::Sha256::digest(&served_bad)),
        "the blocked script is inventoried by the hash of what was served"
    );
    // History counts the scripts that ran.
    let history = outflow(&["history", url, "--db", db, "--format", "json"]);
    let history: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(history[0]["scripts"], ran.len());

    // The vendor changes good.js: the browser blocks it, and the change
    // alert says why the script is gone.
    site.switch_to(fixtures().join("sri-changed"));
    let rescan = outflow(&[
        "scan",
        url,
        "--db",
        db,
        "--no-forms",
        "--timeout",
        "20",
        "--map-host",
        &shop,
        "--map-host",
        &cdn,
        "--alert-on-change",
    ]);
    let log = stderr(&rescan);
    assert!(rescan.status.success(), "{log}");
    assert!(
        log.contains("  - script http://cdn.test/good.js [external]"),
        "{log}"
    );
    assert!(
        log.contains("  ! integrity http://cdn.test/good.js: verified → mismatch (the body served has sha384-"),
        "{log}"
    );
    let diff = outflow(&["diff", url, "--db", db, "--format", "json"]);
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(
        diff["integrity_changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (
                c["name"].as_str().unwrap(),
                c["from"].as_str().unwrap(),
                c["to"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        vec![("http://cdn.test/good.js", "verified", "mismatch")]
    );
}
