//! HAR recordings in the history like scans (`outflow har --save`,
//! `--alert-on-change`, `--policy`), and retention (`outflow history
//! --prune`): no browser needed.

mod watch_support;

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;
use watch_support::{outflow, stderr};

const PAGE: &str = "https://shop.example/checkout";

/// A HAR of the checkout page loading `scripts` (URL, body) and sending a
/// beacon to each of `beacons`, recorded at `time`.
fn har(dir: &Path, name: &str, time: &str, scripts: &[(&str, &str)], beacons: &[&str]) -> PathBuf {
    let entry = |url: &str, method: &str, kind: &str, content: String| {
        serde_json::json!({
            "startedDateTime": time, "time": 5,
            "request": {"method": method, "url": url, "httpVersion": "http/2.0", "headers": [],
                        "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
                         "headers": [{"name": "Content-Security-Policy", "value": "script-src 'self'"}],
                         "cookies": [], "content": serde_json::from_str::<Value>(&content).unwrap(),
                         "redirectURL": "", "headersSize": -1, "bodySize": 0},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 1},
            "_resourceType": kind, "_initiator": {"type": "other"}
        })
    };
    let mut entries = vec![entry(
        PAGE,
        "GET",
        "document",
        r#"{"size": 13, "mimeType": "text/html", "text": "<html></html>"}"#.to_string(),
    )];
    for (url, body) in scripts {
        entries.push(entry(
            url,
            "GET",
            "script",
            serde_json::json!({
                "size": body.len(), "mimeType": "application/javascript",
                "text": base64::engine::general_purpose::STANDARD.encode(body), "encoding": "base64"
            })
            .to_string(),
        ));
    }
    for url in beacons {
        entries.push(entry(
            url,
            "POST",
            "fetch",
            r#"{"size": 0, "mimeType": "text/plain"}"#.to_string(),
        ));
    }
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}});
    let path = dir.join(name);
    std::fs::write(&path, har.to_string()).unwrap();
    path
}

fn history_ids(db: &str) -> Vec<i64> {
    let history = outflow(&["history", PAGE, "--db", db, "--format", "json"]);
    assert!(history.status.success(), "{}", stderr(&history));
    let history: Value = serde_json::from_slice(&history.stdout).unwrap();
    history
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn har_imports_are_saved_compared_and_gated_like_scans() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let db = db.to_str().unwrap();
    let app = "https://shop.example/app.js";
    let v1 = har(
        dir.path(),
        "v1.har",
        "2026-11-01T10:00:00.000Z",
        &[(app, "pay()")],
        &[],
    );
    let v2 = har(
        dir.path(),
        "v2.har",
        "2026-11-02T10:00:00.000Z",
        &[
            (app, "pay(); skim()"),
            ("https://cdn.evil.test/x.js", "x()"),
        ],
        &["https://collect.evil.test/b"],
    );
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[hosts]\nallow = [\"shop.example\"]\n").unwrap();

    // Without --save nothing is kept.
    let plain = outflow(&["har", v1.to_str().unwrap(), "--db", db, "--no-intel"]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert!(!Path::new(db).exists() || history_ids(db).is_empty());

    let first = outflow(&[
        "har",
        v1.to_str().unwrap(),
        "--save",
        "--db",
        db,
        "--no-intel",
        "--policy",
        policy.to_str().unwrap(),
    ]);
    let log = stderr(&first);
    assert_eq!(first.status.code(), Some(0), "{log}");
    assert!(log.contains(&format!("saved {PAGE} as scan")), "{log}");
    assert!(log.contains(&format!("policy: {PAGE} passes")), "{log}");

    let second = outflow(&[
        "har",
        v2.to_str().unwrap(),
        "--alert-on-change",
        "--db",
        db,
        "--no-intel",
        "--policy",
        policy.to_str().unwrap(),
    ]);
    let log = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{log}");
    assert!(log.contains("+ script https://cdn.evil.test/x.js"), "{log}");
    assert!(
        log.contains("~ script https://shop.example/app.js"),
        "{log}"
    );
    assert!(
        log.contains("policy violation [HostNotAllowed]: contacted host collect.evil.test, which hosts.allow does not list"),
        "{log}"
    );
    let ids = history_ids(db);
    assert_eq!(ids.len(), 2);
    let diff = outflow(&["diff", PAGE, "--db", db, "--format", "json"]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(
        diff["destinations"]["added"],
        serde_json::json!(["cdn.evil.test", "collect.evil.test"])
    );
    // HAR files carry no DOM: the inventory says integrity was not recorded.
    let inventory = outflow(&["inventory", PAGE, "--db", db, "--format", "json"]);
    let rows: Vec<Value> = serde_json::from_slice(&inventory.stdout).unwrap();
    assert!(
        rows.iter().all(|r| r["integrity"] == "not-recorded"),
        "{rows:?}"
    );
}

#[test]
fn pruning_keeps_the_newest_scans_and_their_diff() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let db = db.to_str().unwrap();
    for day in 1..=4 {
        let body = format!("version({day})");
        let extra = format!("https://shop.example/v{day}.js");
        let file = har(
            dir.path(),
            &format!("d{day}.har"),
            &format!("2026-11-0{day}T10:00:00Z"),
            &[
                ("https://shop.example/app.js", body.as_str()),
                (extra.as_str(), "x()"),
            ],
            &[],
        );
        let saved = outflow(&[
            "har",
            file.to_str().unwrap(),
            "--save",
            "--db",
            db,
            "--no-intel",
        ]);
        assert!(saved.status.success(), "{}", stderr(&saved));
    }
    let before = history_ids(db);
    assert_eq!(before.len(), 4);

    // --prune needs a rule, and a rule needs --prune.
    let refused = outflow(&["history", "--prune", "--db", db]);
    assert_eq!(refused.status.code(), Some(2));
    let refused = outflow(&["history", "--keep", "2", "--db", db]);
    assert_eq!(refused.status.code(), Some(2));

    let pruned = outflow(&[
        "history", "--prune", "--keep", "2", "--db", db, "--format", "json",
    ]);
    assert!(pruned.status.success(), "{}", stderr(&pruned));
    let pruned: Value = serde_json::from_slice(&pruned.stdout).unwrap();
    assert_eq!(pruned["scans"], 2);
    assert_eq!(pruned["urls"], serde_json::json!([PAGE]));
    assert_eq!(history_ids(db), before[..2].to_vec());

    // The inventory keeps only what the remaining scans saw.
    let inventory = outflow(&["inventory", PAGE, "--db", db, "--format", "json"]);
    let rows: Vec<Value> = serde_json::from_slice(&inventory.stdout).unwrap();
    let mut scripts: Vec<&str> = rows.iter().map(|r| r["script"].as_str().unwrap()).collect();
    scripts.sort();
    assert_eq!(
        scripts,
        vec![
            "https://shop.example/app.js",
            "https://shop.example/app.js",
            "https://shop.example/v3.js",
            "https://shop.example/v4.js",
        ]
    );
    // The last two still diff.
    let diff = outflow(&["diff", PAGE, "--db", db, "--format", "json"]);
    assert!(diff.status.success(), "{}", stderr(&diff));
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(
        diff["scripts_added"][0]["name"],
        "https://shop.example/v4.js"
    );
    assert_eq!(
        diff["scripts_removed"][0]["name"],
        "https://shop.example/v3.js"
    );

    // By age: everything is older than a day, but --keep 1 is a floor.
    let pruned = outflow(&[
        "history",
        "--prune",
        "--older-than",
        "1d",
        "--keep",
        "1",
        "--db",
        db,
    ]);
    assert!(pruned.status.success(), "{}", stderr(&pruned));
    assert!(
        String::from_utf8_lossy(&pruned.stdout).starts_with("deleted 1 scan(s) of 1 page(s)"),
        "{}",
        String::from_utf8_lossy(&pruned.stdout)
    );
    assert_eq!(history_ids(db), before[..1].to_vec());
}
