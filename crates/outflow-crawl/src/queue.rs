//! The queue and result store interface, and where a database is.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::CrawlError;
use crate::history::UnsavedResult;
use crate::job::{ClaimedJob, CrawlConfig, CrawlInfo, JobCounts, JobRow, JobSpec};
use crate::postgres::PostgresEngine;
use crate::rows::ResultRows;
use crate::sql_queue::SqlQueue;
use crate::sqlite::SqliteEngine;
use crate::stats::Table;

/// Which engine a queue runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file: one machine.
    Sqlite,
    /// A PostgreSQL server: any number of machines.
    Postgres,
}

/// Where the crawl database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host:port/db`).
    Postgres(String),
}

impl DbTarget {
    /// `postgres://…` or `postgresql://…` is a server; anything else a file.
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            DbTarget::Postgres(text.to_string())
        } else {
            DbTarget::Sqlite(PathBuf::from(text))
        }
    }

    /// The per-user default: `outflow/crawl.db` in the data folder (e.g.
    /// `~/.local/share/outflow/crawl.db`).
    pub fn default_sqlite() -> Result<Self, CrawlError> {
        let dirs =
            directories::ProjectDirs::from("", "", "outflow").ok_or(CrawlError::NoDataDir)?;
        Ok(DbTarget::Sqlite(dirs.data_dir().join("crawl.db")))
    }

    /// How the target is shown (a URL's password hidden).
    pub fn display(&self) -> String {
        match self {
            DbTarget::Sqlite(path) => path.display().to_string(),
            DbTarget::Postgres(url) => match url::Url::parse(url) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    let _ = parsed.set_password(Some("***"));
                    parsed.to_string()
                }
                _ => url.clone(),
            },
        }
    }
}

/// Opens a queue, creating or migrating its schema.
pub fn open(target: &DbTarget) -> Result<Box<dyn Queue>, CrawlError> {
    match target {
        DbTarget::Sqlite(path) => Ok(Box::new(SqlQueue::new(SqliteEngine::open(path)?))),
        DbTarget::Postgres(url) => Ok(Box::new(SqlQueue::new(PostgresEngine::connect(url)?))),
    }
}

/// The job queue and result store. Each connection is used by one thread;
/// every process and thread opens its own.
pub trait Queue: Send {
    /// Which engine this is.
    fn backend(&self) -> Backend;

    /// Creates the crawl `name`, or reopens it with new settings:
    /// re-running a crawl resumes it.
    fn open_crawl(&mut self, name: &str, config: &CrawlConfig) -> Result<i64, CrawlError>;

    /// The crawl by name, or the most recently created one.
    fn find_crawl(&mut self, name: Option<&str>) -> Result<Option<CrawlInfo>, CrawlError>;

    /// Adds jobs that are not queued yet (a (URL, persona) already in the
    /// crawl, whatever its state, is left alone). Returns how many were
    /// added.
    fn enqueue(&mut self, crawl: i64, jobs: &[JobSpec]) -> Result<u64, CrawlError>;

    /// Claims the next job of an open crawl (or of `crawl` only): a pending
    /// job whose back-off is over, or a running job whose lease expired.
    /// Jobs whose lease expired after their last attempt are marked failed
    /// first.
    fn claim(&mut self, worker: &str, crawl: Option<i64>)
    -> Result<Option<ClaimedJob>, CrawlError>;

    /// Renews the leases `worker` still holds. Returns how many.
    fn heartbeat(&mut self, worker: &str) -> Result<u64, CrawlError>;

    /// Stores the job's result and marks it done, in one transaction, only
    /// while `job`'s claim still holds its lease; otherwise
    /// [`CrawlError::LeaseLost`] and nothing is written. Returns the
    /// result's id.
    fn complete(&mut self, job: &ClaimedJob, rows: &ResultRows) -> Result<i64, CrawlError>;

    /// Stored results of `crawl` (or of every crawl) not yet saved in the
    /// scan history, oldest first, at most `limit`.
    fn unsaved_results(
        &mut self,
        crawl: Option<i64>,
        limit: u32,
    ) -> Result<Vec<UnsavedResult>, CrawlError>;

    /// Records that `result` was saved in the scan history as `scan`.
    fn link_scan(&mut self, result: i64, scan: i64) -> Result<(), CrawlError>;

    /// Records a failed attempt: back to pending after `retry_in`, or
    /// failed for good when `None`. Ignored when the claim was lost.
    fn fail(
        &mut self,
        job: &ClaimedJob,
        error: &str,
        retry_in: Option<Duration>,
    ) -> Result<(), CrawlError>;

    /// Hands a claimed job back unscanned (the run was stopped): pending
    /// again at once, lease cleared, the attempt not counted. Returns
    /// whether the claim still held (else someone else has the job and
    /// nothing changes).
    fn release(&mut self, job: &ClaimedJob) -> Result<bool, CrawlError>;

    /// Jobs by state, of one crawl or of every open crawl.
    fn counts(&mut self, crawl: Option<i64>) -> Result<JobCounts, CrawlError>;

    /// Marks `crawl` finished when none of its jobs is pending or running.
    fn finish_if_complete(&mut self, crawl: i64) -> Result<bool, CrawlError>;

    /// Every job of a crawl with its result count.
    fn jobs(&mut self, crawl: i64) -> Result<Vec<JobRow>, CrawlError>;

    /// Runs a statistics query (written for both engines, `$1` the crawl's
    /// id, every column cast to text) and returns its rows.
    fn query_table(&mut self, sql: &str, crawl: i64) -> Result<Vec<Vec<String>>, CrawlError>;

    /// The stored report JSON of every result of a crawl, by URL and persona.
    fn reports(&mut self, crawl: i64) -> Result<Vec<(String, String, String)>, CrawlError>;

    /// Empties a statistics result into a [`Table`]; shared by backends.
    fn table(
        &mut self,
        title: &str,
        columns: &[&str],
        sql: &str,
        crawl: i64,
    ) -> Result<Table, CrawlError> {
        Ok(Table {
            title: title.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: self.query_table(sql, crawl)?,
        })
    }
}
