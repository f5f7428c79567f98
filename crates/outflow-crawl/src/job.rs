//! Crawls and jobs: what is queued, claimed and counted.

use serde::{Deserialize, Serialize};

/// How every job of a crawl is scanned; stored with the crawl so that
/// workers on other machines scan the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrawlConfig {
    /// Seconds a page may take to load (recording goes on without it).
    pub page_timeout_secs: u64,
    /// Seconds a whole scan of one site may take before it is abandoned
    /// and retried.
    pub site_timeout_secs: u64,
    /// `--map-host` rules (`PATTERN=IP[:PORT]`).
    #[serde(default)]
    pub map_host: Vec<String>,
    /// Whether to find the login form and type canaries.
    pub fill_forms: bool,
    /// How many times a job is tried before it is marked failed.
    pub max_attempts: u32,
    /// Seconds a claimed job stays leased without a heartbeat.
    pub lease_secs: u64,
    /// Seconds before the first retry; doubled on each further attempt.
    pub retry_base_secs: u64,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        Self {
            page_timeout_secs: 30,
            site_timeout_secs: 120,
            map_host: Vec::new(),
            fill_forms: true,
            max_attempts: 3,
            lease_secs: 60,
            retry_base_secs: 5,
        }
    }
}

/// One job to enqueue: a site under a persona (`""` for none).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobSpec {
    /// The URL to scan.
    pub url: String,
    /// The persona's name or file, `""` for the browser's defaults.
    pub persona: String,
}

/// A job a worker holds under a lease.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    /// The job's id.
    pub id: i64,
    /// Its crawl.
    pub crawl_id: i64,
    /// The URL to scan.
    pub url: String,
    /// The persona, `""` for none.
    pub persona: String,
    /// This attempt's number (1 for the first). With the worker's id, it is
    /// the claim's token: a later claim by anyone changes it.
    pub attempt: u32,
    /// The worker holding the lease.
    pub worker: String,
    /// The crawl's settings.
    pub config: CrawlConfig,
}

/// The state of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting to be claimed (perhaps not before a back-off delay).
    Pending,
    /// Claimed by a worker under a lease.
    Running,
    /// Scanned, its result stored.
    Done,
    /// Given up after its last attempt; the error is kept.
    Failed,
}

impl JobState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    /// Reads a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(JobState::Pending),
            "running" => Some(JobState::Running),
            "done" => Some(JobState::Done),
            "failed" => Some(JobState::Failed),
            _ => None,
        }
    }
}

/// How many jobs are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    /// Waiting.
    pub pending: u64,
    /// Leased to a worker.
    pub running: u64,
    /// Stored.
    pub done: u64,
    /// Given up.
    pub failed: u64,
}

impl JobCounts {
    /// Every job.
    pub fn total(&self) -> u64 {
        self.pending + self.running + self.done + self.failed
    }

    /// Jobs that are finished one way or the other.
    pub fn finished(&self) -> u64 {
        self.done + self.failed
    }

    /// Whether nothing is left to do.
    pub fn is_complete(&self) -> bool {
        self.pending == 0 && self.running == 0
    }
}

/// A crawl as stored.
#[derive(Debug, Clone, Serialize)]
pub struct CrawlInfo {
    /// Its id.
    pub id: i64,
    /// Its name (unique).
    pub name: String,
    /// `open` while jobs remain, `finished` once none do.
    pub state: String,
    /// Its settings.
    pub config: CrawlConfig,
}

/// One job as listed by `outflow crawl status`.
#[derive(Debug, Clone, Serialize)]
pub struct JobRow {
    /// The URL.
    pub url: String,
    /// The persona, `""` for none.
    pub persona: String,
    /// Its state.
    pub state: JobState,
    /// Attempts so far.
    pub attempts: u32,
    /// The last worker to claim it.
    pub worker: Option<String>,
    /// The last error met (kept after a later success).
    pub last_error: Option<String>,
    /// How many results are stored for it (0 or 1).
    pub results: u32,
    /// The worker that stored the result.
    pub result_worker: Option<String>,
}
