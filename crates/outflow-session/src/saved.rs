//! `outflow history`: the saved scans of a page, newest first, the pages
//! with saved scans, and pruning old scans.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::error::{Result, SessionError};
use crate::history::open_store;
use crate::output::write_stdout;

/// Formats of the history documents (`history`, `diff`, `csp`): they are
/// not reports, so only these two apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    /// Readable text.
    Terminal,
    /// JSON.
    Json,
}

/// What `outflow history` asks of the history database.
#[derive(Debug, Clone)]
pub struct HistoryRequest {
    /// The history database (`None`: the per-user default).
    pub db: Option<PathBuf>,
    /// The page; `None` lists the pages with saved scans (or, with
    /// `prune`, prunes every page).
    pub url: Option<String>,
    /// Only scans made as this persona.
    pub persona: Option<String>,
    /// How many scans to list.
    pub limit: u32,
    /// Delete old scans instead of listing them.
    pub prune: bool,
    /// When pruning: keep the newest N scans of each page and persona.
    pub keep: Option<u32>,
    /// When pruning: delete scans that started longer ago than this.
    pub older_than: Option<Duration>,
    /// Output format.
    pub format: DocumentFormat,
}

/// Prints the saved scans of a page, the pages with saved scans, or (with
/// `prune`) what pruning deleted, on standard output.
pub fn history(request: &HistoryRequest) -> Result<()> {
    if request.prune {
        return prune(request);
    }
    let store = open_store(request.db.as_deref())?;
    let Some(url) = &request.url else {
        let urls = store.urls()?;
        let text = match request.format {
            DocumentFormat::Json => {
                let list: Vec<_> = urls
                    .iter()
                    .map(|(url, scans)| serde_json::json!({ "url": url, "scans": scans }))
                    .collect();
                json_line(&list, "serialising the pages")?
            }
            DocumentFormat::Terminal if urls.is_empty() => "no scans saved yet\n".to_string(),
            DocumentFormat::Terminal => urls
                .iter()
                .map(|(url, scans)| format!("{scans:>5}  {url}\n"))
                .collect(),
        };
        return write_stdout(&text, "writing the pages");
    };
    let url = &store.saved_url(url)?;
    let scans = store.history(url, request.persona.as_deref(), request.limit)?;
    let text = match request.format {
        DocumentFormat::Json => json_line(&scans, "serialising the scans")?,
        DocumentFormat::Terminal if scans.is_empty() => {
            format!("no saved scans of {url} (`outflow history` lists the pages with scans)\n")
        }
        DocumentFormat::Terminal => {
            let mut text = format!(
                "{:>6}  {:<25} {:<8} {:>7} {:>8}  verdict\n",
                "id", "started", "persona", "scripts", "findings"
            );
            for scan in scans {
                text.push_str(&format!(
                    "{:>6}  {:<25} {:<8} {:>7} {:>8}  {}\n",
                    scan.id,
                    scan.started_at,
                    scan.persona.as_deref().unwrap_or("-"),
                    scan.scripts,
                    scan.findings,
                    scan.verdict
                ));
            }
            text
        }
    };
    write_stdout(&text, "writing the scans")
}

/// `outflow history --prune`: deletes, in one transaction, the scans beyond
/// `keep` and/or older than `older_than`, with the script sightings no
/// remaining scan supports.
fn prune(request: &HistoryRequest) -> Result<()> {
    let mut store = open_store(request.db.as_deref())?;
    let url = request
        .url
        .as_deref()
        .map(|url| store.saved_url(url))
        .transpose()?;
    let retention = outflow_store::Retention {
        keep: request.keep,
        started_before: request
            .older_than
            .map(|age| outflow_store::cutoff(SystemTime::now(), age)),
        url,
    };
    let pruned = store.prune(&retention).map_err(SessionError::Prune)?;
    let text = match request.format {
        DocumentFormat::Json => json_line(&pruned, "serialising the pruning")?,
        DocumentFormat::Terminal => format!(
            "deleted {} scan(s) of {} page(s) and {} script sighting(s) no remaining scan supports\n",
            pruned.scans,
            pruned.urls.len(),
            pruned.sightings
        ),
    };
    write_stdout(&text, "writing the pruning")
}

/// `value` as pretty JSON and a newline, as the history documents print it.
pub(crate) fn json_line(value: &impl serde::Serialize, what: &'static str) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|json| json + "\n")
        .map_err(|source| SessionError::Serialise { what, source })
}
