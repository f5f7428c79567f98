//! History, diff, policy gate, change alerts with webhook retries,
//! inventory and CSP, end to end: real Chromium scans a loopback checkout
//! page whose scripts and headers change between two scans
//! (`fixtures/watch`).

mod watch_support;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use outflow_testkit::{browser_lock, require_chromium};
use serde_json::Value;
use watch_support::{Received, Server, fixtures, outflow, sha256_hex, stderr};

/// The hosts of the checkout fixture, all served by one loopback server.
const HOSTS: [&str; 3] = ["shop.test", "cdn.test", "collect.test"];

#[test]
fn a_changed_checkout_page_is_detected_gated_and_alerted() {
    require_chromium();
    let _lock = browser_lock();
    let site = Server::start(fixtures().join("v1"), 0);
    // The receiver fails twice: the alert arrives on the third delivery.
    let receiver = Server::start(fixtures().join("v1"), 2);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let db = db.to_str().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[hosts]\nallow = [\"shop.test\", \"cdn.test\"]\n\n[[scripts]]\nurl = \"http://cdn.test/lib.js\"\njustification = \"date picker\"\n\n[[scripts]]\nurl = \"inline:http://shop.test/#*\"\njustification = \"marks the page ready\"\n",
    )
    .unwrap();
    let policy = policy.to_str().unwrap();
    let url = "http://shop.test/";
    let scan = |extra: &[&str]| {
        let mut all = vec!["--format", "json"];
        all.extend(extra);
        watch_support::scan(&site, &HOSTS, url, db, &all)
    };

    // Version 1 passes the policy and is saved.
    let first = scan(&["--policy", policy]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("policy: http://shop.test/ passes"),
        "{}",
        stderr(&first)
    );

    // Version 2: a planted script beacons to collect.test.
    site.switch_to(fixtures().join("v2"));
    let webhook = format!("http://{}/hook", receiver.addr);
    let second = scan(&[
        "--policy",
        policy,
        "--alert-on-change",
        "--webhook",
        &webhook,
    ]);
    let log = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{log}");
    assert!(
        log.contains("policy violation [HostNotAllowed]: contacted host collect.test, which hosts.allow does not list"),
        "{log}"
    );
    assert!(
        log.contains("policy violation [UnauthorisedScript]: unauthorised external script http://cdn.test/extra.js"),
        "{log}"
    );
    assert!(log.contains("+ script http://cdn.test/extra.js"), "{log}");
    assert!(
        log.contains("webhook delivery 1/5 failed (HTTP 500"),
        "{log}"
    );
    assert!(
        log.contains("webhook delivery 2/5 failed (HTTP 500"),
        "{log}"
    );
    assert!(log.contains("change posted to"), "{log}");
    let hooks: Vec<Received> = receiver
        .received()
        .into_iter()
        .filter(|r| r.path == "/hook")
        .collect();
    assert_eq!(hooks.len(), 3, "two failures, then the delivery");
    let posted: Value = serde_json::from_slice(&hooks[2].body).expect("JSON payload");
    assert_eq!(posted["event"], "outflow.change");
    assert_eq!(posted["url"], url);

    // The diff of the last two scans, exactly.
    let diff = outflow(&["diff", url, "--db", db, "--format", "json"]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(diff, posted["diff"], "the webhook carries the same diff");
    let v2 = fixtures().join("v2/cdn.test");
    let v1 = fixtures().join("v1/cdn.test");
    assert_eq!(
        diff["scripts_added"],
        serde_json::json!([{"name": "http://cdn.test/extra.js", "origin": "external", "sha256": [sha256_hex(&v2.join("extra.js"))]}])
    );
    assert_eq!(diff["scripts_removed"], serde_json::json!([]));
    assert_eq!(
        diff["scripts_changed"],
        serde_json::json!([{
            "name": "http://cdn.test/lib.js",
            "origin": "external",
            "from_sha256": [sha256_hex(&v1.join("lib.js"))],
            "to_sha256": [sha256_hex(&v2.join("lib.js"))],
        }])
    );
    assert_eq!(
        diff["destinations"],
        serde_json::json!({"added": ["collect.test"], "removed": []})
    );
    assert_eq!(
        diff["entities"],
        serde_json::json!({"added": [], "removed": []})
    );
    assert_eq!(
        diff["countries"],
        serde_json::json!({"added": [], "removed": []})
    );
    assert_eq!(
        diff["flags"],
        serde_json::json!({"added": [], "removed": []})
    );
    assert_eq!(diff["headers_compared"], true);
    assert_eq!(
        diff["headers_changed"],
        serde_json::json!([
            {"name": "content-security-policy", "from": "script-src 'self' http://cdn.test 'unsafe-inline'", "to": "script-src * 'unsafe-inline'"},
            {"name": "x-frame-options", "from": "DENY", "to": null},
        ])
    );

    // History lists both, newest first.
    let history = outflow(&["history", url, "--db", db, "--format", "json"]);
    let history: Value = serde_json::from_slice(&history.stdout).unwrap();
    let ids: Vec<i64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] > ids[1]);

    // The inventory: lib.js under both hashes, the old one no longer current.
    let inventory = outflow(&[
        "inventory",
        url,
        "--db",
        db,
        "--policy",
        policy,
        "--format",
        "json",
    ]);
    assert!(inventory.status.success(), "{}", stderr(&inventory));
    let rows: Vec<Value> = serde_json::from_slice(&inventory.stdout).unwrap();
    let by_hash: BTreeMap<String, &Value> = rows
        .iter()
        .map(|r| (r["sha256"].as_str().unwrap().to_string(), r))
        .collect();
    let old = by_hash[&sha256_hex(&v1.join("lib.js"))];
    assert_eq!(
        (
            old["current"].as_bool(),
            old["authorisation"].as_str(),
            old["justification"].as_str()
        ),
        (Some(false), Some("authorised"), Some("date picker"))
    );
    let planted = by_hash[&sha256_hex(&v2.join("extra.js"))];
    assert_eq!(
        (
            planted["current"].as_bool(),
            planted["authorisation"].as_str()
        ),
        (Some(true), Some("unauthorised"))
    );
    let inline = rows
        .iter()
        .find(|r| r["origin"] == "inline")
        .expect("the inline script is inventoried");
    let inline_hash = inline["sha256"].as_str().unwrap().to_string();

    // The CSP proposal names every origin seen and hashes the inline block.
    let csp = outflow(&["csp", url, "--db", db, "--format", "json"]);
    assert!(csp.status.success(), "{}", stderr(&csp));
    let csp: Value = serde_json::from_slice(&csp.stdout).unwrap();
    let script_src: Vec<&str> = csp["directives"]["script-src"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let inline_source = {
        use base64::Engine;
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(hex::decode(&inline_hash).unwrap())
        )
    };
    assert_eq!(
        script_src,
        vec!["'self'", inline_source.as_str(), "http://cdn.test"]
    );
    let connect: Vec<&str> = csp["directives"]["connect-src"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(connect, vec!["'self'", "http://collect.test"]);
    assert_eq!(csp["header"], "Content-Security-Policy-Report-Only");

    // --no-save leaves the history as it is.
    let third = scan(&["--no-save"]);
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    let history = outflow(&["history", url, "--db", db, "--format", "json"]);
    let history: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[test]
fn diff_refuses_a_page_with_one_scan_and_unknown_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let db = db.to_str().unwrap();
    let none = outflow(&["diff", "http://never.test/", "--db", db]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("has no saved scans"),
        "{}",
        stderr(&none)
    );
    let missing = outflow(&["diff", "4", "7", "--db", db]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no scan with id 4"),
        "{}",
        stderr(&missing)
    );
    // A broken policy stops the scan before any browser starts.
    let policy = dir.path().join("bad.toml");
    std::fs::write(&policy, "[hosts]\nallow = \"not a list\"\n").unwrap();
    let refused = outflow(&[
        "scan",
        "http://never.test/",
        "--db",
        db,
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("loading the policy"),
        "{}",
        stderr(&refused)
    );
    assert!(
        !stderr(&refused).contains("scanning"),
        "{}",
        stderr(&refused)
    );
    let history = outflow(&["history", "--db", db]);
    assert!(history.status.success());
    assert_eq!(
        String::from_utf8_lossy(&history.stdout),
        "no scans saved yet\n"
    );
}

#[test]
fn watch_rescans_on_schedule_and_posts_the_change() {
    require_chromium();
    let _lock = browser_lock();
    let site = Server::start(fixtures().join("v1"), 0);
    let receiver = Server::start(fixtures().join("v1"), 1);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let url = "http://shop.test/";
    let webhook = format!("http://{}/hook", receiver.addr);
    let mut args: Vec<String> = [
        "watch",
        url,
        "--every",
        "4s",
        "--rounds",
        "2",
        "--webhook",
        &webhook,
        "--webhook-attempts",
        "3",
        "--no-intel",
        "--no-forms",
        "--timeout",
        "20",
        "--format",
        "json",
        "--db",
        db.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for host in HOSTS {
        args.extend(["--map-host".to_string(), site.mapping(host)]);
    }
    let child = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("outflow watch starts");
    // Once the first round is saved, the page changes before the second.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the first round was never saved"
        );
        if db.exists()
            && let Ok(store) = outflow_store::Store::open(&db)
            && !store.history(url, None, 1).unwrap_or_default().is_empty()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    site.switch_to(fixtures().join("v2"));
    let output = child.wait_with_output().expect("outflow watch ends");
    let log = stderr(&output);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("first scan of this page"), "{log}");
    assert!(
        log.contains("webhook delivery 1/3 failed (HTTP 500"),
        "{log}"
    );
    let printed: Value =
        serde_json::from_slice(&output.stdout).expect("the diff, as JSON, on stdout");
    assert_eq!(
        printed["scripts_added"][0]["name"], "http://cdn.test/extra.js",
        "{printed}"
    );
    assert_eq!(
        printed["destinations"]["added"],
        serde_json::json!(["collect.test"])
    );
    let hooks: Vec<Received> = receiver
        .received()
        .into_iter()
        .filter(|r| r.path == "/hook")
        .collect();
    assert_eq!(hooks.len(), 2, "one failure, then the delivery");
    let posted: Value = serde_json::from_slice(&hooks[1].body).unwrap();
    assert_eq!(posted["diff"], printed);
}

#[test]
fn a_webhook_that_never_answers_is_given_up_after_its_attempts() {
    require_chromium();
    let _lock = browser_lock();
    let site = Server::start(fixtures().join("v1"), 0);
    // Always failing.
    let receiver = Server::start(fixtures().join("v1"), usize::MAX);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let db = db.to_str().unwrap();
    let url = "http://shop.test/";
    let webhook = format!("http://{}/hook", receiver.addr);
    let scan = |extra: &[&str]| {
        let mut all = vec!["--alert-on-change", "--webhook", &webhook];
        all.extend(extra);
        watch_support::scan(&site, &HOSTS, url, db, &all)
    };
    let first = scan(&[]);
    assert!(first.status.success(), "{}", stderr(&first));
    site.switch_to(fixtures().join("v2"));
    let second = scan(&[]);
    let log = stderr(&second);
    assert_eq!(second.status.code(), Some(2), "{log}");
    assert!(
        log.contains("5 deliveries failed, the last with HTTP 500"),
        "{log}"
    );
    let hooks = receiver
        .received()
        .into_iter()
        .filter(|r| r.path == "/hook")
        .count();
    assert_eq!(hooks, 5);
    // The scan itself was saved before the alert failed.
    let history = outflow(&["history", url, "--db", db, "--format", "json"]);
    let history: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[test]
fn an_unwritable_default_database_only_warns() {
    require_chromium();
    let _lock = browser_lock();
    let site = Server::start(fixtures().join("v1"), 0);
    let output = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args([
            "scan",
            "http://shop.test/",
            "--no-intel",
            "--no-forms",
            "--timeout",
            "20",
        ])
        .args([
            "--map-host",
            &site.mapping("shop.test"),
            "--map-host",
            &site.mapping("cdn.test"),
        ])
        .env_remove("OUTFLOW_DB")
        // No folder can be created under /proc, even by root.
        .env("XDG_DATA_HOME", "/proc/outflow-test")
        .env("HOME", "/proc/outflow-test")
        .output()
        .unwrap();
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert!(log.contains("warning: not saved in the history"), "{log}");
    assert!(!output.stdout.is_empty(), "the report is still printed");
    // Asked for explicitly, the same failure is an error.
    let asked = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args([
            "scan",
            "http://shop.test/",
            "--no-intel",
            "--no-forms",
            "--timeout",
            "20",
            "--save",
        ])
        .args([
            "--map-host",
            &site.mapping("shop.test"),
            "--map-host",
            &site.mapping("cdn.test"),
        ])
        .env_remove("OUTFLOW_DB")
        .env("XDG_DATA_HOME", "/proc/outflow-test")
        .env("HOME", "/proc/outflow-test")
        .output()
        .unwrap();
    assert_eq!(asked.status.code(), Some(2), "{}", stderr(&asked));
    assert!(
        stderr(&asked).contains("opening the history database"),
        "{}",
        stderr(&asked)
    );
}
