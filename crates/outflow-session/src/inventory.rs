//! `outflow inventory`: the PCI DSS 6.4.3 script inventory of a page, from
//! its saved scans and the policy's authorisations.

use std::path::PathBuf;

use crate::error::{Result, SessionError};
use crate::gate::load_policy;
use crate::history::open_store;
use crate::output::write_stdout;
use crate::saved::json_line;

/// Inventory formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryFormat {
    /// A spreadsheet-ready table.
    Csv,
    /// An array of objects.
    Json,
}

/// Whose inventory `outflow inventory` prints.
#[derive(Debug, Clone)]
pub struct InventoryRequest {
    /// The history database (`None`: the per-user default).
    pub db: Option<PathBuf>,
    /// The page, as given to `outflow scan`.
    pub url: String,
    /// The policy whose `[[scripts]]` give justifications and
    /// authorisations.
    pub policy: Option<PathBuf>,
    /// Output format.
    pub format: InventoryFormat,
}

/// Prints the inventory of every script the page's saved scans saw on
/// standard output.
pub fn inventory(request: &InventoryRequest) -> Result<()> {
    let store = open_store(request.db.as_deref())?;
    let policy = request.policy.as_deref().map(load_policy).transpose()?;
    let url = store.saved_url(&request.url)?;
    let sightings = store.sightings(&url)?;
    if sightings.is_empty() {
        return Err(SessionError::Refused(format!(
            "no saved scans of {} (scan it first; `outflow history` lists the pages with scans)",
            request.url
        )));
    }
    let latest = store.history(&url, None, 1)?.first().map(|s| s.id);
    let rows = outflow_store::inventory(
        &sightings,
        policy
            .as_ref()
            .map(|p| p as &dyn outflow_store::ScriptAuthority),
        latest,
    );
    let text = match request.format {
        InventoryFormat::Csv => outflow_store::to_csv(&rows),
        InventoryFormat::Json => json_line(&rows, "serialising the inventory")?,
    };
    write_stdout(&text, "writing the inventory")
}
