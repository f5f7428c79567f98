//! Saving a SQLite crawl's results in the scan history (outflow-store),
//! so that `outflow history URL`, `outflow diff` and the script inventory
//! see crawled sites as they see `outflow scan`'s.
//!
//! The history is its own SQLite file (both it and the crawl database keep
//! their schema version in `PRAGMA user_version`, so they cannot share
//! one), and SQLite does not commit across attached WAL databases
//! atomically. So a result is first stored in the crawl database (exactly
//! once, under the job's lease), then saved in the history and linked to
//! the history's scan id (`results.scan_id`). A crash between the two
//! leaves the result unlinked: [`HistorySink::catch_up`] saves it at the
//! next run, first looking for a scan of the same visit (URL, persona,
//! start time) in the history, so that a crash after the save but before
//! the link does not save it twice.

use std::path::Path;

use outflow_model::Report;
use outflow_store::{PageFacts, Store};

use crate::error::CrawlError;
use crate::queue::Queue;

/// How many unsaved results are read at a time when catching up.
const CATCH_UP_BATCH: u32 = 100;

/// How many of a URL's latest history scans are searched for the same
/// visit.
const SAME_VISIT_WINDOW: u32 = 100;

/// A stored crawl result not yet saved in the history.
#[derive(Debug, Clone)]
pub struct UnsavedResult {
    /// The result's id in the crawl database.
    pub id: i64,
    /// The report, as JSON.
    pub report_json: String,
    /// The page facts, as JSON (`None` when the crawl did not record them).
    pub facts_json: Option<String>,
}

/// The scan history a crawl saves into.
pub struct HistorySink {
    store: Store,
}

impl HistorySink {
    /// Opens (creating or migrating) the history database at `path`.
    pub fn open(path: &Path) -> Result<Self, CrawlError> {
        Ok(Self {
            store: Store::open(path)?,
        })
    }

    /// Saves one stored result in the history (or finds the scan of the
    /// same visit already there) and links the result to it. Returns the
    /// history's scan id.
    pub fn save(
        &mut self,
        queue: &mut dyn Queue,
        result: i64,
        report_json: &str,
        facts_json: Option<&str>,
    ) -> Result<i64, CrawlError> {
        let report: Report = serde_json::from_str(report_json)?;
        let facts: PageFacts = match facts_json {
            Some(json) => serde_json::from_str(json)?,
            None => PageFacts::default(),
        };
        let url = report.target.value.as_str();
        let same_visit = if facts.started_at.is_empty() {
            None
        } else {
            self.store
                .history(url, None, SAME_VISIT_WINDOW)?
                .into_iter()
                .find(|scan| {
                    scan.started_at == facts.started_at && scan.persona == report.target.persona
                })
        };
        let scan = match same_visit {
            Some(scan) => scan.id,
            None => self.store.save(&report, &facts)?,
        };
        queue.link_scan(result, scan)?;
        Ok(scan)
    }

    /// Saves every stored result of `crawl` (or of every crawl) that is not
    /// in the history yet. Returns how many.
    pub fn catch_up(
        &mut self,
        queue: &mut dyn Queue,
        crawl: Option<i64>,
    ) -> Result<u64, CrawlError> {
        let mut saved = 0;
        loop {
            let batch = queue.unsaved_results(crawl, CATCH_UP_BATCH)?;
            if batch.is_empty() {
                return Ok(saved);
            }
            for result in batch {
                self.save(
                    queue,
                    result.id,
                    &result.report_json,
                    result.facts_json.as_deref(),
                )?;
                saved += 1;
            }
        }
    }
}
