//! A SQLite crawl saves each site's report in the scan history too:
//! `outflow history URL` lists crawled sites, each once, and a re-run of
//! the finished crawl saves nothing again. Results a crashed run stored
//! but did not save (or saved but did not link) are saved by the next run,
//! still once.

mod crawl_fixture;

use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crawl_fixture::{Group, Sites};
use serde_json::Value;

const SITES: usize = 3;

fn outflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
}

fn history(db: &str, url: &str) -> Value {
    let output = outflow()
        .args(["history", url, "--format", "json", "--db", db])
        .output()
        .expect("running outflow history");
    assert!(
        output.status.success(),
        "outflow history failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("history JSON")
}

struct Crawl {
    _dir: tempfile::TempDir,
    sites: Sites,
    input: std::path::PathBuf,
    db: String,
    store: String,
    urls: Vec<String>,
}

impl Crawl {
    fn new() -> Self {
        let sites = Sites::start();
        sites.hang.store(false, Ordering::SeqCst);
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("sites.txt");
        let urls: Vec<String> = (1..=SITES)
            .map(|i| format!("http://site{i:02}.interrupt.test/"))
            .collect();
        std::fs::write(&input, urls.join("\n")).expect("writing the input");
        let db = dir.path().join("crawl.db").display().to_string();
        let store = dir.path().join("history.db").display().to_string();
        Self {
            _dir: dir,
            sites,
            input,
            db,
            store,
            urls,
        }
    }

    /// Runs the crawl to its end, saving in the history or not.
    fn run(&self, history: bool) {
        let mut command = outflow();
        command
            .args(["crawl", "--db", &self.db, "--input"])
            .arg(&self.input)
            .args(["--concurrency", "2", "--no-forms", "--no-intel"])
            .args([
                "--map-host",
                &format!("*.interrupt.test={}", self.sites.addr),
            ]);
        if history {
            command.args(["--history", &self.store]);
        } else {
            command.arg("--no-history");
        }
        let mut process = Group::spawn(&mut command);
        let (exit, _) = process.wait_for_exit(Duration::from_secs(300));
        assert!(exit.success(), "the crawl failed: {exit}");
    }

    /// Every URL has exactly one scan in the history.
    fn assert_saved_once(&self) {
        for url in &self.urls {
            let scans = history(&self.store, url);
            let scans = scans
                .as_array()
                .unwrap_or_else(|| panic!("a list of scans: {scans}"));
            assert_eq!(scans.len(), 1, "{url} saved once in the history: {scans:?}");
            assert_eq!(scans[0]["url"], url.as_str(), "{scans:?}");
        }
    }
}

#[test]
fn crawled_sites_are_in_the_scan_history_once() {
    let crawl = Crawl::new();
    crawl.run(true);
    crawl.run(true);
    crawl.assert_saved_once();
}

#[test]
fn results_a_crash_left_unsaved_or_unlinked_are_saved_once() {
    let crawl = Crawl::new();
    // As if every run had crashed before saving in the history.
    crawl.run(false);
    // And one result as if the crash came after its save, before its link.
    let mut queue = outflow_crawl::open(&outflow_crawl::DbTarget::Sqlite(crawl.db.clone().into()))
        .expect("the crawl database");
    let unsaved = queue.unsaved_results(None, 100).expect("unsaved results");
    assert_eq!(unsaved.len(), SITES, "--no-history saves nothing");
    let first = &unsaved[0];
    let report: outflow_model::Report =
        serde_json::from_str(&first.report_json).expect("a stored report");
    let facts: outflow_store::PageFacts =
        serde_json::from_str(first.facts_json.as_deref().expect("stored facts"))
            .expect("stored facts");
    assert!(!facts.started_at.is_empty(), "{facts:?}");
    outflow_store::Store::open(std::path::Path::new(&crawl.store))
        .expect("the history")
        .save(&report, &facts)
        .expect("saving");
    drop(queue);

    crawl.run(true);
    crawl.assert_saved_once();
    let mut queue = outflow_crawl::open(&outflow_crawl::DbTarget::Sqlite(crawl.db.clone().into()))
        .expect("the crawl database");
    assert!(
        queue
            .unsaved_results(None, 100)
            .expect("unsaved")
            .is_empty()
    );
}
