//! `outflow whois`: who is behind hosts, URLs, IP addresses and ASNs:
//! owner, country, ownership, government-list flags and legal notes, each
//! with its source.

use std::path::PathBuf;

use outflow_intel::{Intel, IntelOptions, IpDataSource};
use outflow_model::Attribution;

use crate::error::{Result, SessionError};
use crate::output::write_stdout;
use crate::saved::DocumentFormat;

/// What `outflow whois` looks up, and against which site.
#[derive(Debug, Clone)]
pub struct WhoisRequest {
    /// Host names, URLs, IP addresses or AS numbers (`AS9808`).
    pub targets: Vec<String>,
    /// The analysed site (URL or host), against which each target is first
    /// or third party.
    pub site: Option<String>,
    /// Domains (with their subdomains) of the site's owner.
    pub first_party: Vec<String>,
    /// Folders of extra intelligence files; they take precedence over the
    /// built-in data.
    pub intel_dirs: Vec<PathBuf>,
    /// Where the IP datasets are read from.
    pub ip_data: IpDataSource,
    /// Terminal: a readable summary per target; JSON: an array of
    /// attributions.
    pub format: DocumentFormat,
}

/// Prints an attribution of every target on standard output, with notes
/// for what is unknown. Fails only when the intelligence data cannot be
/// loaded.
pub fn whois(request: &WhoisRequest) -> Result<()> {
    let options = IntelOptions {
        intel_dirs: request.intel_dirs.clone(),
        first_party: request.first_party.clone(),
        ip_data: request.ip_data.clone(),
    };
    let intel = Intel::load(&options).map_err(SessionError::Intel)?;
    let site = request.site.as_deref().map(|site| intel.site(site));
    let attributions: Vec<Attribution> = request
        .targets
        .iter()
        .map(|target| intel.lookup_for_site(target, site.as_ref()))
        .collect();
    let text = match request.format {
        DocumentFormat::Json => serde_json::to_string_pretty(&attributions).map_err(|source| {
            SessionError::Serialise {
                what: "serialising attributions",
                source,
            }
        })?,
        DocumentFormat::Terminal => attributions
            .iter()
            .map(outflow_report::whois_terminal)
            .collect::<Vec<_>>()
            .join("\n"),
    };
    write_stdout(&format!("{text}\n"), "writing the attributions")
}
