//! The store end to end on hand-built reports: exact diffs, concurrent
//! writers, crashes before commit, migrations from every earlier schema,
//! CSP proposals and the inventory.

mod fixture;

use std::path::Path;
use std::process::Command;

use fixture::{PAGE, after, before, sha};
use outflow_model::Severity;
use outflow_store::{
    FindingRef, HeaderChange, MIGRATIONS, SCHEMA_VERSION, ScriptChange, ScriptRef, Store,
    StoreError, diff_scans,
};

fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nested/history.db");
    (dir, path)
}

fn saved_pair() -> (tempfile::TempDir, Store, i64, i64) {
    let (dir, path) = temp_db();
    let mut store = Store::open(&path).expect("open");
    let (report, facts) = before();
    let a = store.save(&report, &facts).expect("save before");
    let (report, facts) = after();
    let b = store.save(&report, &facts).expect("save after");
    (dir, store, a, b)
}

#[test]
fn diff_of_a_planted_skimmer_is_exact() {
    let (_dir, store, a, b) = saved_pair();
    assert_eq!(store.previous(b).unwrap(), Some(a));
    assert_eq!(store.previous(a).unwrap(), None);
    let diff = diff_scans(&store.scan(a).unwrap(), &store.scan(b).unwrap());
    assert_eq!(
        diff.scripts_added,
        vec![ScriptRef {
            name: "https://evil.test/skim.js".into(),
            origin: "external".into(),
            sha256: vec![sha('e')],
        }]
    );
    assert!(diff.scripts_removed.is_empty());
    assert_eq!(
        diff.scripts_changed,
        vec![ScriptChange {
            name: "https://cdn.lib.test/lib.js".into(),
            origin: "external".into(),
            from_sha256: vec![sha('b')],
            to_sha256: vec![sha('d')],
        }]
    );
    assert_eq!(diff.destinations.added, vec!["evil.test".to_string()]);
    assert!(diff.destinations.removed.is_empty());
    assert_eq!(diff.entities.added, vec!["Evil Co".to_string()]);
    assert_eq!(diff.countries.added, vec!["CN".to_string()]);
    assert_eq!(diff.flags.added, vec!["fcc-covered-list".to_string()]);
    assert_eq!(
        diff.findings_new,
        vec![FindingRef {
            severity: Severity::Critical,
            rule: "credential-exfiltration".into(),
            title: "card number sent to evil.test".into(),
            script: None,
        }]
    );
    assert!(diff.findings_resolved.is_empty());
    assert!(diff.headers_compared);
    assert_eq!(
        diff.headers_changed,
        vec![
            HeaderChange {
                name: "content-security-policy".into(),
                from: Some("script-src 'self' https://cdn.lib.test".into()),
                to: Some("script-src *".into()),
            },
            HeaderChange {
                name: "strict-transport-security".into(),
                from: Some("max-age=63072000".into()),
                to: None,
            },
        ]
    );
    assert!(!diff.is_empty());

    // Backwards, the same changes read as removals and resolutions.
    let back = diff_scans(&store.scan(b).unwrap(), &store.scan(a).unwrap());
    assert_eq!(back.scripts_removed.len(), 1);
    assert_eq!(back.findings_resolved.len(), 1);
    assert_eq!(back.destinations.removed, vec!["evil.test".to_string()]);

    // A scan compared with itself has no change.
    let same = diff_scans(&store.scan(b).unwrap(), &store.scan(b).unwrap());
    assert!(same.is_empty(), "{same:?}");
}

#[test]
fn history_lists_newest_first_and_round_trips_the_report() {
    let (_dir, store, a, b) = saved_pair();
    let history = store.history(PAGE, None, 10).unwrap();
    assert_eq!(history.iter().map(|s| s.id).collect::<Vec<_>>(), vec![b, a]);
    assert_eq!(history[0].highest, Some(Severity::Critical));
    assert_eq!(history[0].scripts, 4);
    assert_eq!(history[0].findings, 2);
    assert_eq!(history[1].started_at, "2026-11-01T00:00:00Z");
    assert_eq!(store.urls().unwrap(), vec![(PAGE.to_string(), 2)]);
    assert_eq!(store.scan(b).unwrap().report, after().0);
    assert_eq!(store.scan(a).unwrap().facts, before().1);
    assert!(matches!(store.scan(999), Err(StoreError::NotFound(999))));
    assert_eq!(store.saved_url(PAGE).unwrap(), PAGE);
    assert_eq!(store.saved_url(&format!("{PAGE}/")).unwrap(), PAGE);
    assert_eq!(
        store.saved_url("https://other.example").unwrap(),
        "https://other.example"
    );
}

#[test]
fn sightings_keep_first_and_last_seen_per_hash() {
    let (_dir, store, _a, b) = saved_pair();
    let sightings = store.sightings(PAGE).unwrap();
    let lib: Vec<_> = sightings
        .iter()
        .filter(|s| s.name == "https://cdn.lib.test/lib.js")
        .map(|s| {
            (
                s.sha256.clone(),
                s.first_seen.as_str(),
                s.last_seen.as_str(),
                s.scans,
            )
        })
        .collect();
    assert_eq!(
        lib,
        vec![
            (sha('b'), "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z", 1),
            (sha('d'), "2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z", 1),
        ]
    );
    let app = sightings
        .iter()
        .find(|s| s.name == "https://shop.example/app.js")
        .unwrap();
    assert_eq!(
        (
            app.first_seen.as_str(),
            app.last_seen.as_str(),
            app.scans,
            app.last_scan
        ),
        ("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 2, b)
    );
}

#[test]
fn concurrent_writers_do_not_corrupt_the_database() {
    let (_dir, path) = temp_db();
    // Created by the threads themselves: concurrent first opens migrate
    // the new file once.
    const THREADS: usize = 4;
    const SCANS: usize = 15;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = Store::open(&path).expect("open from a thread");
                for i in 0..SCANS {
                    let (mut report, facts) = if i % 2 == 0 { before() } else { after() };
                    report.target.value = format!("{PAGE}?writer={t}");
                    store.save(&report, &facts).expect("concurrent save");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("writer thread");
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let urls = store.urls().unwrap();
    assert_eq!(urls.len(), THREADS);
    assert!(urls.iter().all(|(_, n)| *n == SCANS as u32), "{urls:?}");
    for (url, _) in urls {
        let history = store.history(&url, None, 100).unwrap();
        for scan in history {
            let record = store.scan(scan.id).unwrap();
            assert_eq!(record.report.inventory.len(), scan.scripts as usize);
        }
    }
}

#[test]
fn concurrent_processes_do_not_corrupt_the_database() {
    let (_dir, path) = temp_db();
    let children: Vec<_> = (0..3)
        .map(|n| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "child_writer", "--nocapture"])
                .env("OUTFLOW_STORE_TEST_DB", &path)
                .env("OUTFLOW_STORE_TEST_WRITER", n.to_string())
                .spawn()
                .expect("child process")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let total: u32 = store.urls().unwrap().iter().map(|(_, n)| n).sum();
    assert_eq!(total, 3 * 10);
}

/// Runs only as the child of the tests above (it does nothing otherwise).
#[test]
fn child_writer() {
    let Ok(path) = std::env::var("OUTFLOW_STORE_TEST_DB") else {
        return;
    };
    let writer = std::env::var("OUTFLOW_STORE_TEST_WRITER").unwrap_or_default();
    let mut store = Store::open(Path::new(&path)).expect("child open");
    if writer == "crash" {
        let (report, facts) = after();
        let _ = store.save_then_commit(&report, &facts, || std::process::abort());
        unreachable!("the process aborted before commit");
    }
    for i in 0..10 {
        let (mut report, facts) = if i % 2 == 0 { before() } else { after() };
        report.target.value = format!("{PAGE}?process={writer}");
        store.save(&report, &facts).expect("child save");
    }
}

#[test]
fn a_process_killed_before_commit_leaves_no_scan() {
    let (_dir, path) = temp_db();
    {
        let mut store = Store::open(&path).unwrap();
        let (report, facts) = before();
        store.save(&report, &facts).unwrap();
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture"])
        .env("OUTFLOW_STORE_TEST_DB", &path)
        .env("OUTFLOW_STORE_TEST_WRITER", "crash")
        .status()
        .expect("child process");
    assert!(!status.success(), "the child must have aborted");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let history = store.history(PAGE, None, 10).unwrap();
    assert_eq!(history.len(), 1, "only the committed scan is visible");
    // Nothing of the aborted scan leaked into the other tables.
    let sightings = store.sightings(PAGE).unwrap();
    assert!(
        sightings
            .iter()
            .all(|s| s.name != "https://evil.test/skim.js")
    );
    assert!(sightings.iter().all(|s| s.scans == 1));
}

#[test]
fn a_panic_before_commit_leaves_no_scan() {
    let (_dir, path) = temp_db();
    let mut store = Store::open(&path).unwrap();
    let (report, facts) = after();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.save_then_commit(&report, &facts, || panic!("crash mid-scan"));
    }));
    assert!(outcome.is_err());
    assert!(store.history(PAGE, None, 10).unwrap().is_empty());
    assert!(store.sightings(PAGE).unwrap().is_empty());
    // The connection is still usable.
    store.save(&report, &facts).unwrap();
    assert_eq!(store.history(PAGE, None, 10).unwrap().len(), 1);
}

/// A database at `version`, with one scan written the way that version's
/// outflow wrote it.
fn database_at(path: &Path, version: u32) {
    let conn = rusqlite::Connection::open(path).unwrap();
    for (index, sql) in MIGRATIONS.iter().take(version as usize).enumerate() {
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "user_version", index as u32 + 1)
            .unwrap();
    }
    if version == 0 {
        return;
    }
    let (report, _) = before();
    conn.execute(
        "INSERT INTO scans (url, persona, started_at, verdict, highest, report_json)
         VALUES (?1, NULL, '2026-10-01T00:00:00Z', ?2, 'low', ?3)",
        rusqlite::params![
            PAGE,
            report.summary.verdict,
            serde_json::to_string(&report).unwrap()
        ],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    for s in &report.inventory {
        conn.execute(
            "INSERT INTO scripts (scan_id, name, origin, host, sha256, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![id, s.name, s.origin, s.host, s.sha256, s.size as i64],
        )
        .unwrap();
    }
    if version >= 3 {
        conn.execute(
            "INSERT INTO script_sightings
                (url, name, sha256, origin, host, first_seen, last_seen, first_scan, last_scan, scans)
             SELECT ?1, name, sha256, origin, host,
                '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z', ?2, ?2, 1 FROM scripts WHERE scan_id = ?2",
            rusqlite::params![PAGE, id],
        )
        .unwrap();
    }
}

#[test]
fn migrations_from_every_earlier_version() {
    assert_eq!(SCHEMA_VERSION as usize, MIGRATIONS.len());
    for version in 0..=SCHEMA_VERSION {
        let (_dir, path) = temp_db();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        database_at(&path, version);
        let mut store =
            Store::open(&path).unwrap_or_else(|e| panic!("migrating from version {version}: {e}"));
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let (report, facts) = after();
        let new = store.save(&report, &facts).unwrap();
        let history = store.history(PAGE, None, 10).unwrap();
        if version == 0 {
            assert_eq!(history.len(), 1);
            continue;
        }
        assert_eq!(history.len(), 2, "from version {version}");
        let old = history[1].id;
        let old_scan = store.scan(old).unwrap();
        assert_eq!(old_scan.report, before().0);
        if version < 2 {
            // Headers were not recorded before version 2: said, not
            // reported as changed.
            assert_eq!(old_scan.facts.security_headers, None);
        }
        let diff = diff_scans(&old_scan, &store.scan(new).unwrap());
        assert_eq!(diff.scripts_added.len(), 1);
        assert_eq!(diff.scripts_changed.len(), 1);
        assert_eq!(
            diff.headers_compared,
            version >= 2 && old_scan.facts.security_headers.is_some()
        );
        // The sightings of the old scan were carried over (version 3
        // fills them from saved scans).
        let app = store
            .sightings(PAGE)
            .unwrap()
            .into_iter()
            .find(|s| s.name == "https://shop.example/app.js")
            .unwrap();
        assert_eq!(
            app.first_seen, "2026-10-01T00:00:00Z",
            "from version {version}"
        );
        assert_eq!(app.scans, 2, "from version {version}");
    }
}

#[test]
fn a_newer_database_is_refused() {
    let (_dir, path) = temp_db();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::NewerSchema { found, .. }) if found == SCHEMA_VERSION + 1
    ));
}

#[test]
fn csp_allows_exactly_what_was_observed() {
    let (_dir, store, a, b) = saved_pair();
    let scans = vec![store.scan(b).unwrap(), store.scan(a).unwrap()];
    let proposal = outflow_store::propose(&scans);
    assert_eq!(proposal.header, "Content-Security-Policy-Report-Only");
    // sha('c') is 32 bytes of 0xcc: base64 "zMzM…zMw=".
    let inline_hash = format!("'sha256-{}'", "zMzM".repeat(10) + "zMw=");
    assert_eq!(
        proposal.policy,
        format!(
            "default-src 'self'; base-uri 'self'; connect-src 'self' https://evil.test https://stats.test; \
             form-action 'self'; object-src 'none'; \
             script-src 'self' {inline_hash} https://cdn.lib.test https://evil.test"
        )
    );
    assert_eq!(proposal.scans, vec![b, a]);
    assert!(proposal.notes.iter().any(|n| n.contains("unsafe-hashes")));
}

#[test]
fn inventory_with_a_policy() {
    let (_dir, store, _a, b) = saved_pair();
    let policy = outflow_policy::Policy::parse(
        &format!(
            r#"
            [[scripts]]
            url = "https://shop.example/*"
            justification = "our own checkout code"

            [[scripts]]
            url = "https://cdn.lib.test/lib.js"
            sha256 = "{}"
            justification = "date picker"
            "#,
            sha('b')
        ),
        "test",
    )
    .unwrap();
    let rows = outflow_store::inventory(&store.sightings(PAGE).unwrap(), Some(&policy), Some(b));
    let summary: Vec<(&str, &str, &str, &str, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.script.as_str(),
                &r.sha256[..1],
                r.authorisation.as_str(),
                r.pin.as_str(),
                r.current,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "https://cdn.lib.test/lib.js",
                "b",
                "authorised",
                "pinned-match",
                false
            ),
            (
                "https://cdn.lib.test/lib.js",
                "d",
                "hash-mismatch",
                "pinned-mismatch",
                true
            ),
            (
                "https://evil.test/skim.js",
                "e",
                "unauthorised",
                "not-pinned",
                true
            ),
            (
                "https://shop.example/app.js",
                "a",
                "authorised",
                "not-pinned",
                true
            ),
            (
                "inline:https://shop.example/checkout#0",
                "c",
                "unauthorised",
                "not-pinned",
                true
            ),
        ]
    );
    let csv = outflow_store::to_csv(&rows);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "script,origin,host,sha256,first_seen,last_seen,current,justification,authorisation,pin,integrity,integrity_detail"
    );
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "https://cdn.lib.test/lib.js,external,cdn.lib.test,{},2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,no,date picker,authorised,pinned-match,not-recorded,",
            sha('b')
        )
    );
}
