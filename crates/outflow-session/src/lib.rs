//! outflow's scan session: what every scanning command does between its
//! arguments and its exit status, in one code path.
//!
//! - [`VisitOptions`]: `--map-host`, `--persona`, timeouts and form filling
//!   as plain values, made into capture options in one place (the binary's
//!   clap arguments convert into them; crawls read them from their stored
//!   configuration).
//! - [`Session`]: the async runtime and the [`Analyser`] (host
//!   intelligence, script-analysis limits), loaded once per run.
//! - [`scan`], [`har`], [`demo`], [`watch`]: scan → report → evidence bundle
//!   ([`Evidence`]) → history ([`open_store`]) → policy gate
//!   ([`policy_gate`]) → change alerts ([`Alerts`], webhook delivery with
//!   retries).
//! - [`emit`], [`exit_status`]: reports on standard output in every format,
//!   and the exit status they give.

mod alert;
mod analyser;
mod demo;
mod error;
mod evidence;
mod follow;
mod gate;
mod har;
mod history;
mod output;
mod runtime;
mod scan;
mod session;
mod typed;
mod visit;
mod watch;

pub use alert::{Alerts, DiffFormat, check_webhook, deliver};
pub use analyser::{Analyser, AttributionOptions, TOOL_VERSION};
pub use demo::{DemoRequest, demo};
pub use error::{Result, SessionError};
pub use evidence::Evidence;
pub use follow::{FollowOptions, chain};
pub use gate::{load_policy, policy_gate};
pub use har::{HarRequest, har};
pub use history::open_store;
pub use output::{
    ExitStatus, OutputOptions, ReportFormat, emit, exit_status, print_captures, render, rule_docs,
    summarise, summary, write_stdout,
};
pub use runtime::runtime;
pub use scan::{ScanRequest, scan};
pub use session::Session;
pub use typed::{TypedOptions, TypedValue, kind_of_field, mask, masked};
pub use visit::{VisitOptions, parse_mappings, resolve_persona, resolve_personas, with_persona};
pub use watch::{WatchRequest, watch};

/// Re-exported: what [`Analyser::analyse`] returns (a report and the page
/// facts the history keeps beside it).
pub use outflow_pipeline::AnalysedCapture;
/// Re-exported for the colour choice of [`OutputOptions`].
pub use outflow_report::ColorMode;
