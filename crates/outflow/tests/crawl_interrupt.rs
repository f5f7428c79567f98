//! `outflow crawl` stopped by Ctrl-C (SIGINT sent to the outflow process
//! alone, so that outflow itself must close its browsers): it stops
//! claiming, lets the scans in progress finish within the grace period or
//! abandons them, releases their leases, leaves no Chromium behind, exits
//! 130; a restart scans exactly the sites that were left, each once. A
//! second Ctrl-C quits at once.
//!
//! Fixture sites: one loopback server answers for every host name; each
//! page is answered after a short delay so that scans are in progress when
//! the signal comes, and one site (`site05`) hangs until the test lets it
//! go, so that its scan outlives the grace period.

mod crawl_fixture;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crawl_fixture::{Group, HANGING, Sites};
use serde_json::Value;

const SITES: usize = 12;

fn site(i: usize) -> String {
    format!("site{i:02}.interrupt.test")
}

fn outflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
}

fn status(db: &str, name: &str) -> Value {
    try_status(db, name).unwrap_or_else(|error| panic!("crawl status failed: {error}"))
}

/// The crawl's status, or why it could not be read (the crawl may not be
/// created yet).
fn try_status(db: &str, name: &str) -> Result<Value, String> {
    let output = outflow()
        .args(["crawl", "status", "--json", "--db", db, "--name", name])
        .output()
        .expect("running outflow crawl status");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}

fn write_input(dir: &Path) -> String {
    let path = dir.join("sites.txt");
    let text: String = (1..=SITES)
        .map(|i| format!("http://{}/\n", site(i)))
        .collect();
    std::fs::write(&path, text).expect("writing the input");
    path.display().to_string()
}

/// A crawl command; `lease` long enough that a job left leased would stall
/// the restart far past the test's limits.
fn crawl(db: &str, input: &str, sites: &Sites, grace: u64) -> Command {
    let mut command = outflow();
    command.args(["crawl", "--db", db, "--name", "interrupt", "--input", input]);
    command.args(["--concurrency", "2", "--lease", "600", "--retry-delay", "1"]);
    command.args([
        "--timeout",
        "30",
        "--site-timeout",
        "90",
        "--no-forms",
        "--no-intel",
    ]);
    command.args(["--grace", &grace.to_string(), "--no-history"]);
    command.args(["--map-host", &format!("*.interrupt.test={}", sites.addr)]);
    command
}

/// Waits until `done` sites are stored and the hanging site is being
/// scanned.
fn wait_for_hang(db: &str, done: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let status = match try_status(db, "interrupt") {
            Ok(status) => status,
            Err(error) => {
                assert!(Instant::now() < deadline, "no crawl status: {error}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let stored = status["counts"]["done"].as_u64().unwrap_or(0);
        let hanging = status["jobs"].as_array().expect("jobs").iter().any(|job| {
            job["state"] == "running" && job["url"].as_str().is_some_and(|u| u.contains(HANGING))
        });
        if stored >= done && hanging {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "never {done} done with {HANGING} in progress: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn by_url(status: &Value) -> BTreeMap<String, Value> {
    status["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|job| (job["url"].as_str().expect("url").to_string(), job.clone()))
        .collect()
}

#[test]
fn ctrl_c_releases_leases_closes_browsers_and_a_restart_finishes_the_rest() {
    let sites = Sites::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write_input(dir.path());
    let db = dir.path().join("crawl.db").display().to_string();

    let mut first = Group::spawn(&mut crawl(&db, &input, &sites, 3));
    wait_for_hang(&db, 3);
    first.signal("INT");
    let (exit, took) = first.wait_for_exit(Duration::from_secs(60));
    assert_eq!(exit.code(), Some(130), "Ctrl-C must exit 130: {exit}");
    // The grace period (3 s) and closing the browsers; far less than the
    // 90 s the hanging scan would take, or the 600 s lease.
    assert!(took < Duration::from_secs(30), "exit took {took:?}");
    let left = first.leftovers(Duration::from_secs(10));
    assert!(
        left.is_empty(),
        "processes left behind after Ctrl-C: {left:#?}"
    );

    let stopped = status(&db, "interrupt");
    let jobs = by_url(&stopped);
    let done_before: BTreeSet<String> = jobs
        .iter()
        .filter(|(_, job)| job["state"] == "done")
        .map(|(url, _)| url.clone())
        .collect();
    assert!(
        done_before.len() >= 3 && done_before.len() < SITES,
        "{stopped}"
    );
    for (url, job) in &jobs {
        assert_ne!(
            job["state"], "running",
            "a lease was left after Ctrl-C: {job}"
        );
        assert_ne!(job["state"], "failed", "{job}");
        if job["state"] == "pending" {
            assert_eq!(
                job["attempts"], 0,
                "an interrupted attempt must not count: {url}: {job}"
            );
        }
    }
    let hanging = &jobs[&format!("http://{HANGING}/")];
    assert_eq!(
        hanging["state"], "pending",
        "the abandoned scan's site goes back to the queue: {hanging}"
    );
    assert_eq!(hanging["results"], 0, "{hanging}");

    // The restart scans what was left, at once (nothing waits for a lease).
    sites.hang.store(false, Ordering::SeqCst);
    let visits_before = sites.visits();
    let mut second = Group::spawn(&mut crawl(&db, &input, &sites, 3));
    let (exit, _) = second.wait_for_exit(Duration::from_secs(300));
    assert!(exit.success(), "the restarted crawl failed: {exit}");
    let finished = status(&db, "interrupt");
    let visits_after = sites.visits();
    for (url, job) in by_url(&finished) {
        assert_eq!(job["state"], "done", "{job}");
        assert_eq!(job["results"], 1, "not exactly one result: {job}");
        let host = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let before = visits_before.get(&host).copied().unwrap_or(0);
        let after = visits_after.get(&host).copied().unwrap_or(0);
        if done_before.contains(&url) {
            assert_eq!(
                after, before,
                "{url} was stored before Ctrl-C and scanned again"
            );
        } else {
            assert_eq!(
                after,
                before + 1,
                "{url} must be scanned exactly once by the restart"
            );
        }
    }
}

#[test]
fn second_ctrl_c_quits_at_once_without_leaving_browsers() {
    let sites = Sites::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write_input(dir.path());
    let db = dir.path().join("crawl.db").display().to_string();

    // A grace period longer than the test's limits: only the second Ctrl-C
    // can end the run in time.
    let mut run = Group::spawn(&mut crawl(&db, &input, &sites, 600));
    wait_for_hang(&db, 1);
    run.signal("INT");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        run.0.try_wait().expect("waiting").is_none(),
        "the first Ctrl-C must wait for the scans in progress"
    );
    run.signal("INT");
    let (exit, took) = run.wait_for_exit(Duration::from_secs(30));
    assert_eq!(exit.code(), Some(130), "{exit}");
    assert!(
        took < Duration::from_secs(10),
        "the second Ctrl-C took {took:?}"
    );
    let left = run.leftovers(Duration::from_secs(10));
    assert!(
        left.is_empty(),
        "processes left behind after a second Ctrl-C: {left:#?}"
    );
}
