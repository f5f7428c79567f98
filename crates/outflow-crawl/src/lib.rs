//! outflow's crawler: thousands of sites on one machine, and many machines
//! over PostgreSQL.
//!
//! - [`Queue`]: the job queue and result store, one interface over two
//!   backends ([`open`]): SQLite (WAL, busy timeout, `BEGIN IMMEDIATE`) for
//!   one machine, PostgreSQL (`FOR UPDATE SKIP LOCKED`) for many. A worker
//!   claims a job under a lease that its heartbeat renews; a job whose lease
//!   expired (its worker died) is handed to another worker; completing a job
//!   stores its result and marks it done in one transaction, and only while
//!   the worker still holds the lease: each (URL, persona) of a crawl is
//!   stored exactly once whatever crashes.
//! - [`Runner`]: N scans in parallel, each job scanned by a [`JobScanner`]
//!   ([`SiteScanner`]: Chromium capture and outflow's analysis), with a
//!   per-site time limit and retries with exponential back-off for transient
//!   failures. A [`StopHandle`] stops it: no new claims, the scans in
//!   progress finish or are abandoned, their jobs released;
//!   [`handle_interrupts`] wires Ctrl-C and SIGTERM to it.
//! - [`Stats`]: the aggregate tables a study needs, from denormalised rows
//!   written beside each result ([`ResultRows`]).
//! - [`HistorySink`]: a SQLite crawl's results saved in the scan history
//!   too (outflow-store), each linked to its history scan.
//! - [`read_targets`]: a list of sites (one per line) to jobs.
//! - The crawl commands, each its request and one call: [`crawl`] (queue
//!   a list, then [`run_jobs`]), [`work`] (`outflow worker`),
//!   [`print_stats`] and [`print_status`] (`outflow crawl stats|status`).

mod dialect;
mod engine;
mod enqueue;
mod error;
mod history;
mod input;
mod interrupt;
mod job;
mod postgres;
mod progress;
mod queue;
mod readout;
mod rows;
mod run;
mod runner;
mod scanner;
mod schema;
mod sql_queue;
mod sqlite;
mod stats;
mod stop;

pub use enqueue::{CrawlRequest, crawl};
pub use error::{CommandError, CrawlError};
pub use history::{HistorySink, UnsavedResult};
pub use input::{MAX_URL_LEN, read_targets};
pub use interrupt::{Interrupts, handle_interrupts};
pub use job::{ClaimedJob, CrawlConfig, CrawlInfo, JobCounts, JobRow, JobSpec, JobState};
pub use progress::{ProgressBarReporter, Reporter, RunEvent};
pub use queue::{Backend, DbTarget, Queue, open};
pub use readout::{ReadoutRequest, print_stats, print_status};
pub use rows::{FindingRow, LeakRow, ResultRows, ThirdPartyRow};
pub use run::{JobRunOptions, RunEnd, WorkerRequest, db_target, open_db, run_jobs, work};
pub use runner::{RunOptions, RunSummary, Runner, ScanAttempt, backoff, worker_id};
pub use scanner::{JobScanner, SiteScanner};
pub use stats::{Stats, Table};
pub use stop::StopHandle;

/// The result of a queue or store operation.
pub type Result<T, E = CrawlError> = std::result::Result<T, E>;
