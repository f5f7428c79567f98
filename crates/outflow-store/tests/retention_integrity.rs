//! Integrity verdicts kept per scan and sighting (scripts the browser
//! blocked included), and retention: pruning old scans keeps every
//! sighting a remaining scan supports, and diffs of the remaining scans.

mod fixture;

use fixture::{PAGE, after, before, sha};
use outflow_policy::{IntegrityStatus, ScriptIntegrity};
use outflow_store::{Retention, Store, diff_scans};

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("history.db")).expect("open");
    (dir, store)
}

fn verdict(name: &str, status: IntegrityStatus, served: &str) -> ScriptIntegrity {
    ScriptIntegrity {
        name: name.to_string(),
        status,
        detail: format!("{status} because"),
        integrity: Some("sha384-x".to_string()),
        served_sha256: served.to_string(),
        served_size: 10,
    }
}

#[test]
fn verdicts_and_blocked_scripts_reach_the_inventory() {
    let (_dir, mut store) = temp_store();
    let (report, mut facts) = before();
    facts.integrity = Some(vec![
        verdict(
            "https://cdn.lib.test/lib.js",
            IntegrityStatus::Verified,
            &sha('b'),
        ),
        verdict(
            "https://cdn.lib.test/blocked.js",
            IntegrityStatus::Mismatch,
            &sha('f'),
        ),
    ]);
    let id = store.save(&report, &facts).unwrap();
    // The blocked script never ran: not counted among the scan's scripts.
    let summary = &store.history(PAGE, None, 1).unwrap()[0];
    assert_eq!((summary.id, summary.scripts), (id, 3));
    let rows = outflow_store::inventory(&store.sightings(PAGE).unwrap(), None, Some(id));
    let got: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.script.as_str(),
                &r.sha256[..1],
                r.integrity.as_str(),
                r.integrity_detail.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "https://cdn.lib.test/blocked.js",
                "f",
                "mismatch",
                "mismatch because"
            ),
            (
                "https://cdn.lib.test/lib.js",
                "b",
                "verified",
                "verified because"
            ),
            (
                "https://shop.example/app.js",
                "a",
                "none",
                "no <script src> element loaded it (imported, or its element was never in a document)"
            ),
            (
                "inline:https://shop.example/checkout#0",
                "c",
                "none",
                "inline scripts have no integrity check"
            ),
        ]
    );
    // A later scan without recorded elements (a HAR import) says so.
    let (report, facts) = after();
    let later = store.save(&report, &facts).unwrap();
    let rows = outflow_store::inventory(&store.sightings(PAGE).unwrap(), None, Some(later));
    let app = rows
        .iter()
        .find(|r| r.script == "https://shop.example/app.js")
        .unwrap();
    assert_eq!(app.integrity, "not-recorded");
}

/// Saves `n` scans of `url` (alternating before/after), dated a day apart
/// from 2026-11-01; returns their ids.
fn save_many(store: &mut Store, url: &str, n: u32) -> Vec<i64> {
    (0..n)
        .map(|i| {
            let (mut report, mut facts) = if i % 2 == 0 { before() } else { after() };
            report.target.value = url.to_string();
            facts.started_at = format!("2026-11-{:02}T00:00:00Z", i + 1);
            store.save(&report, &facts).unwrap()
        })
        .collect()
}

/// One number from the database file (the store has no raw query API).
fn count(path: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn pruning_keeps_the_newest_scans_and_what_they_reference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut store = Store::open(&path).unwrap();
    let other = "https://other.example/";
    let ids = save_many(&mut store, PAGE, 5);
    save_many(&mut store, other, 2);
    // Before: lib.js is seen under two hashes, skim.js in the "after" scans.
    let first_seen_app = store
        .sightings(PAGE)
        .unwrap()
        .into_iter()
        .find(|s| s.name == "https://shop.example/app.js")
        .unwrap()
        .first_seen;

    let pruned = store
        .prune(&Retention {
            keep: Some(2),
            ..Retention::default()
        })
        .unwrap();
    assert_eq!(pruned.scans, 3);
    assert_eq!(pruned.urls, vec![PAGE.to_string()]);
    // The newest two of each page stay; the other page had only two.
    let left: Vec<i64> = store
        .history(PAGE, None, 10)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![ids[4], ids[3]]);
    assert_eq!(store.history(other, None, 10).unwrap().len(), 2);
    // No row of a deleted scan is left behind.
    for table in ["scripts", "destinations", "findings", "security_headers"] {
        assert_eq!(
            count(
                &path,
                &format!(
                    "SELECT COUNT(*) FROM {table} WHERE scan_id NOT IN (SELECT id FROM scans)"
                )
            ),
            0,
            "{table}"
        );
    }
    // Every sighting a remaining scan supports is kept, first sighting
    // included; the others are gone, and every one left is referenced.
    let sightings = store.sightings(PAGE).unwrap();
    let app = sightings
        .iter()
        .find(|s| s.name == "https://shop.example/app.js")
        .unwrap();
    assert_eq!(app.first_seen, first_seen_app);
    assert_eq!((app.scans, app.last_scan), (2, ids[4]));
    assert_eq!(app.last_seen, "2026-11-05T00:00:00Z");
    let lib_hashes: Vec<&str> = sightings
        .iter()
        .filter(|s| s.name == "https://cdn.lib.test/lib.js")
        .map(|s| &s.sha256[..1])
        .collect();
    assert_eq!(lib_hashes, vec!["b", "d"]);
    assert_eq!(
        count(
            &path,
            "SELECT COUNT(*) FROM script_sightings g WHERE NOT EXISTS (
                SELECT 1 FROM scripts p JOIN scans s ON s.id = p.scan_id
                WHERE s.url = g.url AND p.name = g.name AND p.sha256 = g.sha256)"
        ),
        0
    );
    let referenced = count(
        &path,
        "SELECT COUNT(DISTINCT s.url || p.name || p.sha256) FROM scripts p JOIN scans s ON s.id = p.scan_id",
    );
    assert_eq!(
        count(&path, "SELECT COUNT(*) FROM script_sightings"),
        referenced
    );
    // The diff of the remaining scans still works, exactly as before.
    let diff = diff_scans(&store.scan(ids[3]).unwrap(), &store.scan(ids[4]).unwrap());
    assert_eq!(diff.scripts_removed.len(), 1, "{diff:?}");
    assert_eq!(diff.scripts_removed[0].name, "https://evil.test/skim.js");
    assert_eq!(store.previous(ids[4]).unwrap(), Some(ids[3]));
    assert_eq!(store.previous(ids[3]).unwrap(), None);
    assert_eq!(store.integrity_check().unwrap(), "ok");

    // Pruning again with the same rule deletes nothing.
    let again = store
        .prune(&Retention {
            keep: Some(2),
            ..Retention::default()
        })
        .unwrap();
    assert_eq!((again.scans, again.sightings), (0, 0));
}

#[test]
fn pruning_by_age_with_a_floor_and_by_page() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut store = Store::open(&path).unwrap();
    let other = "https://other.example/";
    let ids = save_many(&mut store, PAGE, 4);
    save_many(&mut store, other, 4);
    // Only PAGE, only scans before the 3rd.
    let pruned = store
        .prune(&Retention {
            started_before: Some("2026-11-03T00:00:00Z".to_string()),
            url: Some(PAGE.to_string()),
            ..Retention::default()
        })
        .unwrap();
    assert_eq!(pruned.scans, 2);
    let left: Vec<i64> = store
        .history(PAGE, None, 10)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![ids[3], ids[2]]);
    assert_eq!(store.history(other, None, 10).unwrap().len(), 4);
    // Everything is old, but the newest 3 of each page stay.
    let pruned = store
        .prune(&Retention {
            keep: Some(3),
            started_before: Some("2099-01-01T00:00:00Z".to_string()),
            url: None,
        })
        .unwrap();
    assert_eq!(pruned.scans, 1);
    assert_eq!(pruned.urls, vec![other.to_string()]);
    assert_eq!(store.history(PAGE, None, 10).unwrap().len(), 2);
    assert_eq!(store.history(other, None, 10).unwrap().len(), 3);
    // No rule: nothing happens.
    let none = store.prune(&Retention::default()).unwrap();
    assert_eq!(none.scans, 0);
}

#[test]
fn a_changed_integrity_verdict_is_in_the_diff() {
    let (_dir, mut store) = temp_store();
    let lib = "https://cdn.lib.test/lib.js";
    let (report, mut facts) = before();
    facts.integrity = Some(vec![verdict(lib, IntegrityStatus::Verified, &sha('b'))]);
    let a = store.save(&report, &facts).unwrap();
    // The vendor changed lib.js: the browser blocked it, it left the
    // inventory.
    let (mut report, mut facts) = before();
    report.inventory.retain(|s| s.name != lib);
    facts.integrity = Some(vec![verdict(lib, IntegrityStatus::Mismatch, &sha('9'))]);
    let b = store.save(&report, &facts).unwrap();
    let diff = diff_scans(&store.scan(a).unwrap(), &store.scan(b).unwrap());
    assert_eq!(
        diff.integrity_changed,
        vec![outflow_store::IntegrityChange {
            name: lib.to_string(),
            from: "verified".to_string(),
            to: "mismatch".to_string(),
            detail: "mismatch because".to_string(),
        }]
    );
    assert_eq!(diff.scripts_removed.len(), 1);
    // Scans without recorded elements compare nothing.
    let (report, facts) = before();
    let c = store.save(&report, &facts).unwrap();
    let diff = diff_scans(&store.scan(b).unwrap(), &store.scan(c).unwrap());
    assert!(diff.integrity_changed.is_empty());
}
