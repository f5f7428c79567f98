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
//! - [`analyse_files`] (`outflow js`): files through the pipeline, printed
//!   like a visit's report.
//! - [`history`], [`diff`], [`csp`], [`inventory`]: the documents read
//!   back from the history database; [`whois`]: attributions of hosts,
//!   URLs, IP addresses and ASNs.

mod alert;
mod analyser;
mod csp;
mod demo;
mod diff;
mod error;
mod evidence;
mod files;
mod follow;
mod gate;
mod har;
mod history;
mod inventory;
mod output;
mod runtime;
mod saved;
mod scan;
mod session;
mod typed;
mod visit;
mod watch;
mod whois;

pub use alert::{Alerts, DiffFormat, check_webhook, deliver};
pub use analyser::{Analyser, AttributionOptions, TOOL_VERSION};
pub use csp::{CspRequest, csp};
pub use demo::{DemoRequest, demo};
pub use diff::{DiffRequest, diff};
pub use error::{Result, SessionError};
pub use evidence::Evidence;
pub use files::{FilesRequest, analyse_files};
pub use follow::{FollowOptions, chain};
pub use gate::{load_policy, policy_gate};
pub use har::{HarRequest, har};
pub use history::open_store;
pub use inventory::{InventoryFormat, InventoryRequest, inventory};
/// Text made safe for a terminal (control, bidi and invisible characters
/// escaped): what every command prints from untrusted input goes through it.
pub use outflow_report::clean;
pub use output::{
    ExitStatus, OutputOptions, ReportFormat, emit, exit_status, print_captures, render, rule_docs,
    summarise, summary, write_stdout,
};
pub use runtime::runtime;
pub use saved::{DocumentFormat, HistoryRequest, history};
pub use scan::{ScanRequest, scan};
pub use session::Session;
pub use typed::{TypedOptions, TypedValue, kind_of_field, mask, masked};
pub use visit::{VisitOptions, parse_mappings, resolve_persona, resolve_personas, with_persona};
pub use watch::{WatchRequest, watch};
pub use whois::{WhoisRequest, whois};

/// Re-exported: what [`Analyser::analyse`] returns (a report and the page
/// facts the history keeps beside it).
pub use outflow_pipeline::AnalysedCapture;
/// Re-exported for the colour choice of [`OutputOptions`].
pub use outflow_report::ColorMode;
