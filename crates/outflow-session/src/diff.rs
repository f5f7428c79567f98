//! `outflow diff`: what changed between two saved scans (the PCI DSS
//! 11.6.1 change record).

use std::path::PathBuf;

use outflow_store::{Store, diff_scans};

use crate::error::{Result, SessionError};
use crate::history::open_store;
use crate::output::write_stdout;
use crate::saved::{DocumentFormat, json_line};

/// Which two saved scans `outflow diff` compares.
#[derive(Debug, Clone)]
pub struct DiffRequest {
    /// The history database (`None`: the per-user default).
    pub db: Option<PathBuf>,
    /// The earlier scan's id; or a page URL, to compare its last two scans;
    /// or a scan id alone, to compare it with the scan before it.
    pub from: String,
    /// The later scan's id.
    pub to: Option<String>,
    /// With a URL: compare the last two scans made as this persona.
    pub persona: Option<String>,
    /// Output format.
    pub format: DocumentFormat,
}

/// Prints the diff of the two scans `request` names on standard output.
pub fn diff(request: &DiffRequest) -> Result<()> {
    let store = open_store(request.db.as_deref())?;
    let (from, to) = resolve(&store, request)?;
    let diff = diff_scans(&store.scan(from)?, &store.scan(to)?);
    let text = match request.format {
        DocumentFormat::Json => json_line(&diff, "serialising the diff")?,
        DocumentFormat::Terminal => outflow_report::diff_terminal(&diff),
    };
    write_stdout(&text, "writing the diff")
}

/// The ids of the earlier and the later scan.
fn resolve(store: &Store, request: &DiffRequest) -> Result<(i64, i64)> {
    match (request.from.parse::<i64>(), &request.to) {
        (Ok(from), Some(to)) => {
            let to = to.parse::<i64>().map_err(|source| SessionError::ScanId {
                text: to.clone(),
                source,
            })?;
            Ok((from, to))
        }
        (Ok(to), None) => match store.previous(to)? {
            Some(from) => Ok((from, to)),
            None => Err(SessionError::Refused(format!(
                "scan {to} is the first scan of its page: nothing to compare it with"
            ))),
        },
        (Err(_), None) => {
            // The latest scan against the one before it made as the same
            // persona: a `us` visit compared with a `cn` one would show the
            // persona's effect, not a change of the page.
            let url = store.saved_url(&request.from)?;
            let latest = store.history(&url, request.persona.as_deref(), 1)?;
            let Some(latest) = latest.first() else {
                return Err(SessionError::Refused(format!(
                    "{} has no saved scans (`outflow history` lists the pages with scans)",
                    request.from
                )));
            };
            match store.previous(latest.id)? {
                Some(before) => Ok((before, latest.id)),
                None => Err(SessionError::Refused(format!(
                    "{} has one saved scan{}; a diff needs two",
                    request.from,
                    latest
                        .persona
                        .as_deref()
                        .map(|p| format!(" as {p}"))
                        .unwrap_or_default()
                ))),
            }
        }
        (Err(_), Some(_)) => Err(SessionError::Refused(
            "give two scan ids, or one page URL".to_string(),
        )),
    }
}
