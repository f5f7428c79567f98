//! The queue's guarantees on both engines, without browsers: idempotent
//! enqueueing, distinct claims under concurrency, leases that expire and
//! are taken over, completion refused once the lease is lost, retries and
//! final failures.
//!
//! The PostgreSQL tests need a server: `scripts/postgres-start` writes its
//! URL to `.cache/postgres/url`, or set OUTFLOW_TEST_POSTGRES.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use outflow_crawl::{
    CrawlConfig, CrawlError, DbTarget, FindingRow, JobSpec, JobState, LeakRow, ResultRows, Stats,
    ThirdPartyRow, open,
};

fn postgres() -> DbTarget {
    if let Ok(url) = std::env::var("OUTFLOW_TEST_POSTGRES")
        && !url.trim().is_empty()
    {
        return DbTarget::Postgres(url.trim().to_string());
    }
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.cache/postgres/url");
    match std::fs::read_to_string(&file) {
        Ok(url) if !url.trim().is_empty() => DbTarget::Postgres(url.trim().to_string()),
        _ => panic!(
            "no PostgreSQL server for this test: run scripts/postgres-start (scripts/test does), \
             or set OUTFLOW_TEST_POSTGRES=postgres://..."
        ),
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

fn jobs(n: usize) -> Vec<JobSpec> {
    (0..n)
        .map(|i| JobSpec {
            url: format!("http://site{i}.test/"),
            persona: String::new(),
        })
        .collect()
}

fn rows() -> ResultRows {
    ResultRows {
        report_json: "{\"findings\":[]}".to_string(),
        verdict: "clean".to_string(),
        highest: None,
        duration_ms: 5,
        findings: Vec::new(),
        third_parties: Vec::new(),
        leaks: Vec::new(),
        facts_json: None,
    }
}

fn config(lease_secs: u64) -> CrawlConfig {
    CrawlConfig {
        lease_secs,
        max_attempts: 2,
        ..CrawlConfig::default()
    }
}

fn leases_expire_and_completion_needs_the_lease(target: &DbTarget) {
    let mut queue = open(target).expect("opening the queue");
    let name = unique("lease");
    let w = |id: &str| format!("{name}-{id}");
    let crawl = queue.open_crawl(&name, &config(1)).unwrap();
    assert_eq!(queue.enqueue(crawl, &jobs(3)).unwrap(), 3);
    assert_eq!(
        queue.enqueue(crawl, &jobs(3)).unwrap(),
        0,
        "enqueueing is idempotent"
    );

    let first = queue.claim(&w("w1"), Some(crawl)).unwrap().expect("a job");
    let second = queue.claim(&w("w2"), Some(crawl)).unwrap().expect("a job");
    assert_ne!(first.id, second.id);
    assert_eq!((first.attempt, second.attempt), (1, 1));

    queue.complete(&first, &rows()).expect("w1 holds its lease");
    assert!(matches!(
        queue.complete(&first, &rows()),
        Err(CrawlError::LeaseLost { .. })
    ));

    // w2 stops renewing: after the lease, its job is handed to w3 before the
    // never-claimed third job (jobs are taken in order).
    std::thread::sleep(Duration::from_millis(1300));
    let taken = queue
        .claim(&w("w3"), Some(crawl))
        .unwrap()
        .expect("the expired job");
    assert_eq!(taken.id, second.id);
    assert_eq!(taken.attempt, 2);
    assert!(matches!(
        queue.complete(&second, &rows()),
        Err(CrawlError::LeaseLost { .. })
    ));
    assert_eq!(
        queue.heartbeat(&w("w2")).unwrap(),
        0,
        "w2 holds nothing any more"
    );
    assert_eq!(queue.heartbeat(&w("w3")).unwrap(), 1);
    queue.complete(&taken, &rows()).expect("w3 holds the lease");

    // A transient failure goes back to pending; the last attempt fails the
    // job with its error kept.
    let third = queue
        .claim(&w("w1"), Some(crawl))
        .unwrap()
        .expect("the third job");
    queue.fail(&third, "timeout", Some(Duration::ZERO)).unwrap();
    let again = queue
        .claim(&w("w1"), Some(crawl))
        .unwrap()
        .expect("the retried job");
    assert_eq!((again.id, again.attempt), (third.id, 2));
    queue.fail(&again, "timeout again", None).unwrap();
    assert!(queue.claim(&w("w1"), Some(crawl)).unwrap().is_none());

    let counts = queue.counts(Some(crawl)).unwrap();
    assert_eq!(
        (counts.done, counts.failed, counts.pending, counts.running),
        (2, 1, 0, 0)
    );
    assert!(queue.finish_if_complete(crawl).unwrap());
    let listed = queue.jobs(crawl).unwrap();
    assert_eq!(
        listed.iter().map(|j| j.results).collect::<Vec<_>>(),
        [1, 1, 0]
    );
    assert_eq!(listed[1].result_worker.as_deref(), Some(w("w3").as_str()));
    assert!(
        listed[1]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("expired")
    );
    assert_eq!(listed[2].state, JobState::Failed);
    assert_eq!(listed[2].last_error.as_deref(), Some("timeout again"));
    assert_eq!(queue.reports(crawl).unwrap().len(), 2);
}

/// A result with a row of every kind, so that every insert and the
/// statistics run on both engines.
fn full_rows() -> ResultRows {
    ResultRows {
        findings: vec![FindingRow {
            rule: "canvas-fingerprinting".to_string(),
            severity: "medium".to_string(),
            destination: "cdn.tracker.test".to_string(),
            entity: Some("Tracker Inc.".to_string()),
            country: None,
        }],
        third_parties: vec![ThirdPartyRow {
            host: "cdn.tracker.test".to_string(),
            domain: "tracker.test".to_string(),
            entity: Some("Tracker Inc.".to_string()),
            country: Some("US".to_string()),
            contacted: true,
        }],
        leaks: vec![LeakRow {
            rule: "credential-exfiltration".to_string(),
            what: "password canary".to_string(),
            encoding: "base64".to_string(),
            destination: "cdn.tracker.test".to_string(),
            entity: None,
            country: None,
        }],
        ..rows()
    }
}

/// A job released by a stopped worker is claimable at once (not after
/// its lease), the attempt not counted; the released claim is dead.
fn released_jobs_are_claimed_again_at_once(target: &DbTarget) {
    let mut queue = open(target).expect("opening the queue");
    let name = unique("release");
    let w = |id: &str| format!("{name}-{id}");
    let crawl = queue.open_crawl(&name, &config(600)).unwrap();
    queue.enqueue(crawl, &jobs(1)).unwrap();
    let first = queue.claim(&w("w1"), Some(crawl)).unwrap().expect("a job");
    assert!(queue.release(&first).unwrap());
    assert!(
        !queue.release(&first).unwrap(),
        "a released claim holds nothing"
    );
    assert!(matches!(
        queue.complete(&first, &rows()),
        Err(CrawlError::LeaseLost { .. })
    ));
    assert_eq!(queue.heartbeat(&w("w1")).unwrap(), 0);
    let again = queue
        .claim(&w("w2"), Some(crawl))
        .unwrap()
        .expect("released: claimable at once, not after the 600 s lease");
    assert_eq!((again.id, again.attempt), (first.id, 1));
    queue.complete(&again, &full_rows()).expect("w2 holds it");

    let info = queue.find_crawl(Some(&name)).unwrap().expect("the crawl");
    assert_eq!(info.config, config(600));
    let stats = Stats::compute(queue.as_mut(), &info).expect("statistics");
    assert_eq!(stats.sites_scanned, 1);
    let table = |title: &str| {
        stats
            .tables
            .iter()
            .find(|t| t.title == title)
            .unwrap_or_else(|| panic!("table {title}"))
            .rows
            .clone()
    };
    assert_eq!(
        table("third_parties"),
        [["tracker.test", "Tracker Inc.", "US", "1", "100.0%", "1"]]
    );
    assert_eq!(table("leaks_by_encoding"), [["base64", "1", "100.0%", "1"]]);
    assert_eq!(
        table("sites_by_finding"),
        [["canvas-fingerprinting", "medium", "1", "100.0%"]]
    );
}

fn an_expired_last_attempt_fails_the_job(target: &DbTarget) {
    let mut queue = open(target).expect("opening the queue");
    let name = unique("lost");
    let w = |id: &str| format!("{name}-{id}");
    let crawl = queue.open_crawl(&name, &config(1)).unwrap();
    queue.enqueue(crawl, &jobs(1)).unwrap();
    let _ = queue
        .claim(&w("w1"), Some(crawl))
        .unwrap()
        .expect("attempt 1");
    std::thread::sleep(Duration::from_millis(1200));
    let _ = queue
        .claim(&w("w2"), Some(crawl))
        .unwrap()
        .expect("attempt 2");
    std::thread::sleep(Duration::from_millis(1200));
    // Both attempts' workers died: no third attempt, the job fails.
    assert!(queue.claim(&w("w3"), Some(crawl)).unwrap().is_none());
    let listed = queue.jobs(crawl).unwrap();
    assert_eq!(listed[0].state, JobState::Failed);
    assert!(
        listed[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("last attempt")
    );
}

fn concurrent_claims_are_distinct(target: &DbTarget) {
    let crawl = {
        let mut queue = open(target).expect("opening the queue");
        let crawl = queue.open_crawl(&unique("race"), &config(60)).unwrap();
        queue.enqueue(crawl, &jobs(40)).unwrap();
        crawl
    };
    let claimed: Vec<Vec<i64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|w| {
                scope.spawn(move || {
                    let mut queue = open(target).expect("opening the queue");
                    let mut mine = Vec::new();
                    while let Some(job) = queue
                        .claim(&format!("race-{crawl}-w{w}"), Some(crawl))
                        .unwrap()
                    {
                        queue.complete(&job, &rows()).unwrap();
                        mine.push(job.id);
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let all: Vec<i64> = claimed.iter().flatten().copied().collect();
    let distinct: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 40, "{claimed:?}");
    assert_eq!(distinct.len(), 40, "a job was claimed twice: {claimed:?}");
}

fn sqlite() -> (tempfile::TempDir, DbTarget) {
    let dir = tempfile::tempdir().unwrap();
    let target = DbTarget::Sqlite(dir.path().join("crawl.db"));
    (dir, target)
}

#[test]
fn sqlite_leases_expire_and_completion_needs_the_lease() {
    let (_dir, target) = sqlite();
    leases_expire_and_completion_needs_the_lease(&target);
}

#[test]
fn sqlite_an_expired_last_attempt_fails_the_job() {
    let (_dir, target) = sqlite();
    an_expired_last_attempt_fails_the_job(&target);
}

#[test]
fn sqlite_released_jobs_are_claimed_again_at_once() {
    let (_dir, target) = sqlite();
    released_jobs_are_claimed_again_at_once(&target);
}

#[test]
fn postgres_released_jobs_are_claimed_again_at_once() {
    released_jobs_are_claimed_again_at_once(&postgres());
}

#[test]
fn sqlite_concurrent_claims_are_distinct() {
    let (_dir, target) = sqlite();
    concurrent_claims_are_distinct(&target);
}

#[test]
fn postgres_leases_expire_and_completion_needs_the_lease() {
    leases_expire_and_completion_needs_the_lease(&postgres());
}

#[test]
fn postgres_an_expired_last_attempt_fails_the_job() {
    an_expired_last_attempt_fails_the_job(&postgres());
}

#[test]
fn postgres_concurrent_claims_are_distinct() {
    concurrent_claims_are_distinct(&postgres());
}
