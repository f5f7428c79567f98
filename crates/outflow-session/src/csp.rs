//! `outflow csp`: a Content-Security-Policy allowing exactly what the
//! saved scans of a page observed.

use std::path::PathBuf;

use crate::error::{Result, SessionError};
use crate::history::open_store;
use crate::output::write_stdout;
use crate::saved::{DocumentFormat, json_line};

/// Which saved scans `outflow csp` takes its sources from.
#[derive(Debug, Clone)]
pub struct CspRequest {
    /// The history database (`None`: the per-user default).
    pub db: Option<PathBuf>,
    /// The page, as given to `outflow scan`.
    pub url: String,
    /// How many of the latest scans to take sources from (at least one).
    pub scans: u32,
    /// Output format.
    pub format: DocumentFormat,
}

/// Prints the proposed policy on standard output (in terminal format, the
/// scans it rests on and its notes on standard error).
pub fn csp(request: &CspRequest) -> Result<()> {
    let store = open_store(request.db.as_deref())?;
    let url = store.saved_url(&request.url)?;
    let summaries = store.history(&url, None, request.scans.max(1))?;
    if summaries.is_empty() {
        return Err(SessionError::Refused(format!(
            "no saved scans of {} (scan it first; `outflow history` lists the pages with scans)",
            request.url
        )));
    }
    let scans = summaries
        .iter()
        .map(|s| store.scan(s.id))
        .collect::<Result<Vec<_>, _>>()?;
    let proposal = outflow_store::propose(&scans);
    match request.format {
        DocumentFormat::Json => write_stdout(
            &json_line(&proposal, "serialising the policy")?,
            "writing the policy",
        ),
        DocumentFormat::Terminal => {
            write_stdout(
                &format!("{}: {}\n", proposal.header, proposal.policy),
                "writing the policy",
            )?;
            eprintln!(
                "from scans {}",
                proposal
                    .scans
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for note in &proposal.notes {
                eprintln!("note: {note}");
            }
            Ok(())
        }
    }
}
