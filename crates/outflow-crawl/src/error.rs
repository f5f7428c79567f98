//! Errors of the queue, the store and the runner.

/// Why a crawl operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// SQLite failed (locked past the busy timeout, disk full, corrupt file).
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (connection refused or lost, a statement failed).
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    /// The scan history (where SQLite crawls save each site's report)
    /// failed.
    #[error("scan history: {0}")]
    History(#[from] outflow_store::StoreError),
    /// A report or a crawl's settings could not be (de)serialised.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading the input list or writing CSV failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The database was written by a newer outflow.
    #[error(
        "the crawl database has schema version {found}; this outflow reads up to {supported}: upgrade outflow"
    )]
    NewerSchema {
        /// The database's version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// The worker no longer holds the job's lease (it expired and the job
    /// may have been handed to another worker): its result is discarded.
    #[error("the lease on job {job} was lost (expired or taken over); the result was not stored")]
    LeaseLost {
        /// The job.
        job: i64,
    },
    /// No crawl by that name (or no crawl at all).
    #[error("no crawl {0}")]
    NoCrawl(String),
    /// The database location or an option was invalid.
    #[error("{0}")]
    Invalid(String),
    /// No per-user data folder could be determined for the default database.
    #[error("no per-user data folder (no home directory): give --db PATH")]
    NoDataDir,
}

/// Why a crawl command (`outflow crawl`, `crawl stats|status`, `outflow
/// worker`) stopped. Each message reads like the context the command line
/// gave before these commands moved here, so `error: …` lines stay the same.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command was given too little to go on, or names no crawl.
    #[error("{0}")]
    Usage(String),
    /// The input list could not be opened.
    #[error("opening {}", path.display())]
    OpenInput {
        /// The list.
        path: std::path::PathBuf,
        /// Why not.
        #[source]
        source: std::io::Error,
    },
    /// A step of the command failed; `what` says which.
    #[error("{what}")]
    Step {
        /// The step (`opening the crawl`, `queueing sites`, …).
        what: String,
        /// Why it failed.
        #[source]
        source: CrawlError,
    },
    /// The queue, the runner or the statistics failed.
    #[error(transparent)]
    Crawl(#[from] CrawlError),
    /// The scan history's default location could not be found.
    #[error(transparent)]
    Store(#[from] outflow_store::StoreError),
    /// A `--map-host` rule or a persona was refused, or the analyser or the
    /// runtime did not start.
    #[error(transparent)]
    Session(#[from] outflow_session::SessionError),
}

impl CommandError {
    /// A step that failed with `source`.
    pub(crate) fn step(what: impl Into<String>) -> impl FnOnce(CrawlError) -> Self {
        let what = what.into();
        move |source| Self::Step { what, source }
    }
}
