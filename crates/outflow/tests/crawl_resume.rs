//! `outflow crawl` and `outflow worker` under crashes: 50 fixture sites
//! (one loopback server answering for every host name), a worker or the
//! crawl process killed with SIGKILL in the middle of a scan, and every
//! site stored exactly once in the end, the killed scan taken over by
//! another worker once its lease expired.
//!
//! The PostgreSQL test needs a server: `scripts/postgres-start` (run by
//! scripts/test) writes its URL to `.cache/postgres/url`, or set
//! OUTFLOW_TEST_POSTGRES.

mod crawl_fixture;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crawl_fixture::{Group, Serving, Sites, Tracker};
use serde_json::Value;

const SITES: usize = 50;
/// Every fifth site loads the fingerprinting script from this host.
const TRACKER: &str = "cdn.tracker.test";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn site(i: usize) -> String {
    format!("site{i:02}.crawl.test")
}

/// The fixture server for every host: `/` is a trivial page answered at
/// once (with the tracker script on every fifth site), the tracker serves
/// its script and a pixel.
fn start_sites() -> Sites {
    let script = std::fs::read_to_string(workspace().join("fixtures/crawl/fingerprint.js"))
        .expect("fixtures/crawl/fingerprint.js");
    Sites::start_serving(Serving {
        page_delay: Duration::ZERO,
        tracker: Some(Tracker {
            host: TRACKER.to_string(),
            script,
        }),
    })
}

/// `--map-host` values sending every fixture host to the server.
fn mapping(sites: &Sites) -> Vec<String> {
    vec![
        format!("*.crawl.test={}", sites.addr),
        format!("{TRACKER}={}", sites.addr),
    ]
}

fn outflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
}

fn status(db: &str, name: &str) -> Value {
    let output = outflow()
        .args(["crawl", "status", "--json", "--db", db, "--name", name])
        .output()
        .expect("running outflow crawl status");
    assert!(
        output.status.success(),
        "crawl status failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("status JSON")
}

/// Waits until at least `done` jobs are stored and `worker` is scanning a
/// site; returns that site.
fn wait_mid_scan(db: &str, name: &str, done: u64, worker: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let status = status(db, name);
        let stored = status["counts"]["done"].as_u64().unwrap_or(0);
        let held = status["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .find(|job| job["state"] == "running" && job["worker"].as_str() == Some(worker));
        if stored >= done
            && let Some(job) = held
        {
            return job["url"].as_str().expect("url").to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the crawl did not get {done} sites done with {worker} scanning: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn write_input(dir: &Path) -> PathBuf {
    let path = dir.join("sites.txt");
    let mut text = String::from("# crawl test sites\n");
    for i in 1..=SITES {
        text.push_str(&format!("http://{}/\n", site(i)));
    }
    std::fs::write(&path, text).expect("writing the input");
    path
}

/// Options every crawl of these tests shares: short leases so that a killed
/// worker's job is taken over within seconds; trivial pages.
fn crawl_options(sites: &Sites) -> Vec<String> {
    let mut options: Vec<String> = [
        "--lease",
        "3",
        "--retry-delay",
        "1",
        "--timeout",
        "15",
        "--site-timeout",
        "60",
        "--no-forms",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for mapping in mapping(sites) {
        options.push("--map-host".to_string());
        options.push(mapping);
    }
    options
}

/// Every site stored exactly once, the killed site taken over after its
/// lease expired, and every site actually visited.
fn assert_exactly_once(
    db: &str,
    name: &str,
    killed_worker: &str,
    killed_site: &str,
    sites: &Sites,
) {
    let status = status(db, name);
    let jobs = status["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), SITES, "{status}");
    let mut urls = BTreeSet::new();
    for job in jobs {
        assert_eq!(job["state"], "done", "{job}");
        assert_eq!(job["results"], 1, "not exactly one result: {job}");
        urls.insert(job["url"].as_str().expect("url").to_string());
    }
    assert_eq!(urls.len(), SITES);
    let taken_over = jobs
        .iter()
        .find(|job| job["url"] == killed_site)
        .expect("the killed site's job");
    assert_ne!(
        taken_over["result_worker"].as_str(),
        Some(killed_worker),
        "the killed worker cannot have stored {killed_site}: {taken_over}"
    );
    assert!(
        taken_over["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("expired"),
        "the killed site's job must record its expired lease: {taken_over}"
    );
    assert!(
        taken_over["attempts"].as_u64().unwrap_or(0) >= 2,
        "{taken_over}"
    );
    let visits = sites.visits();
    for i in 1..=SITES {
        assert!(
            visits.get(&site(i)).copied().unwrap_or(0) >= 1,
            "{} never visited",
            site(i)
        );
    }

    let output = outflow()
        .args(["crawl", "stats", "--json", "--db", db, "--name", name])
        .output()
        .expect("running outflow crawl stats");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stats: Value = serde_json::from_slice(&output.stdout).expect("stats JSON");
    assert_eq!(stats["sites_scanned"], SITES, "{stats}");
    let third_parties = stats["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["title"] == "third_parties")
        .expect("third_parties table");
    let tracker = third_parties["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row[0].as_str().is_some_and(|d| d.ends_with("tracker.test")))
        .unwrap_or_else(|| panic!("the tracker among third parties: {third_parties}"));
    assert_eq!(tracker[3], (SITES / 5).to_string(), "{tracker}");
}

fn postgres_url() -> String {
    if let Ok(url) = std::env::var("OUTFLOW_TEST_POSTGRES")
        && !url.trim().is_empty()
    {
        return url.trim().to_string();
    }
    let file = workspace().join(".cache/postgres/url");
    match std::fs::read_to_string(&file) {
        Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => panic!(
            "no PostgreSQL server for this test: run scripts/postgres-start (scripts/test does), \
             or set OUTFLOW_TEST_POSTGRES=postgres://..."
        ),
    }
}

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

#[test]
fn two_postgres_workers_one_killed_store_every_site_once() {
    let db = postgres_url();
    let sites = start_sites();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write_input(dir.path());
    let name = unique_name("pg-kill");
    let enqueued = outflow()
        .args([
            "crawl",
            "--db",
            &db,
            "--name",
            &name,
            "--enqueue-only",
            "--input",
        ])
        .arg(&input)
        .args(crawl_options(&sites))
        .output()
        .expect("running outflow crawl");
    assert!(
        enqueued.status.success(),
        "enqueueing failed (is PostgreSQL running? scripts/postgres-start): {}",
        String::from_utf8_lossy(&enqueued.stderr)
    );
    let worker = |_: usize| {
        let mut command = outflow();
        command.args([
            "worker",
            "--db",
            &db,
            "--crawl",
            &name,
            "--concurrency",
            "2",
        ]);
        Group::spawn(&mut command)
    };
    let mut doomed = worker(1);
    let mut survivor = worker(2);
    let doomed_id = doomed.worker_id();
    let _survivor_id = survivor.worker_id();
    let killed_site = wait_mid_scan(&db, &name, 10, &doomed_id);
    doomed.kill();
    let (exit, _) = survivor.wait_for_exit(Duration::from_secs(600));
    assert!(exit.success(), "the surviving worker failed: {exit}");
    assert_exactly_once(&db, &name, &doomed_id, &killed_site, &sites);
}

#[test]
fn sqlite_crawl_killed_and_restarted_stores_every_site_once() {
    let sites = start_sites();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write_input(dir.path());
    let db = dir.path().join("crawl.db").display().to_string();
    let name = "sqlite-kill";
    let crawl = || {
        let mut command = outflow();
        command
            .args([
                "crawl",
                "--db",
                &db,
                "--name",
                name,
                "--concurrency",
                "2",
                // The crawl database is the test's; the user's scan
                // history stays out of it.
                "--no-history",
                "--input",
            ])
            .arg(&input)
            .args(crawl_options(&sites));
        command
    };
    let mut first = Group::spawn(&mut crawl());
    let first_id = first.worker_id();
    let killed_site = wait_mid_scan(&db, name, 10, &first_id);
    first.kill();
    let before = status(&db, name);
    assert!(
        before["counts"]["pending"].as_u64().unwrap_or(0) > 0,
        "the crawl must be killed with work left: {before}"
    );
    let mut second = Group::spawn(&mut crawl());
    let _second_id = second.worker_id();
    let (exit, _) = second.wait_for_exit(Duration::from_secs(600));
    assert!(exit.success(), "the resumed crawl failed: {exit}");
    assert_exactly_once(&db, name, &first_id, &killed_site, &sites);

    // Once more: everything is done, nothing is scanned again.
    let visits = sites.visits();
    let mut third = Group::spawn(&mut crawl());
    let _ = third.worker_id();
    assert!(third.wait_for_exit(Duration::from_secs(120)).0.success());
    assert_eq!(
        sites.visits(),
        visits,
        "a finished crawl re-run must scan nothing"
    );
}
