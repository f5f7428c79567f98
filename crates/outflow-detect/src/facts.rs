//! What the rules look at: the capture (when the page ran), the static
//! analysis of each script, and who is behind each host.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use outflow_model::{Attribution, Capture, Party, Request, ScriptAnalysis};

/// One script of the page (or one local file), with its static analysis.
#[derive(Debug, Clone)]
pub struct ScriptFacts {
    /// The capture's script id, or the file's name for local files.
    pub id: String,
    /// The name a reader knows it by: its URL, `inline:<document>#<index>`,
    /// `eval:<parent>`, or a local path.
    pub name: String,
    /// The URL it was loaded from, for external and worker scripts.
    pub url: Option<String>,
    /// Lower-case hex SHA-256 of the source (empty when unread).
    pub sha256: String,
    /// The source text, when it was kept (for evidence snippets).
    pub source: Option<Arc<str>>,
    /// The static analysis, when the source could be read.
    pub analysis: Option<ScriptAnalysis>,
}

impl ScriptFacts {
    /// The host the script was loaded from, for external scripts.
    pub fn host(&self) -> Option<String> {
        self.url.as_deref().and_then(host_of)
    }
}

/// Everything the rules may look at.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// What the page did during the visit; `None` for `outflow js`, where
    /// nothing ran.
    pub capture: Option<&'a Capture>,
    /// Every script, in the capture's order (or input order).
    pub scripts: &'a [ScriptFacts],
    /// Who is behind each host contacted or named, by host (lower-case,
    /// punycode). Hosts missing here count as third parties of unknown
    /// owner.
    pub attributions: &'a BTreeMap<String, Attribution>,
}

impl<'a> Facts<'a> {
    /// The attribution of a host, when there is one.
    pub fn attribution(&self, host: &str) -> Option<&'a Attribution> {
        self.attributions.get(host)
    }

    /// Whether a host belongs to someone other than the site itself. Hosts
    /// without an attribution count as third parties: a rule must not stay
    /// silent because intelligence was turned off.
    pub fn is_third_party(&self, host: &str) -> bool {
        self.attribution(host)
            .is_none_or(|a| a.party != Party::First)
    }

    /// The requests of the capture (none without one).
    pub fn requests(&self) -> &'a [Request] {
        self.capture.map(|c| c.requests.as_slice()).unwrap_or(&[])
    }

    /// Every host the page sent a request to during the visit.
    pub fn contacted_hosts(&self) -> BTreeSet<String> {
        self.requests()
            .iter()
            .filter_map(|r| host_of(&r.url))
            .collect()
    }

    /// The script with this capture id.
    pub fn script_by_id(&self, id: &str) -> Option<&'a ScriptFacts> {
        self.scripts.iter().find(|s| s.id == id)
    }

    /// The script loaded from this URL (the first, when several were).
    pub fn script_by_url(&self, url: &str) -> Option<&'a ScriptFacts> {
        self.scripts
            .iter()
            .find(|s| s.url.as_deref() == Some(url) || s.name == url)
    }

    /// The name of the script that started a request: the initiator's
    /// script id, else the top stack frame's URL, else the initiator URL.
    pub fn request_script(&self, request: &Request) -> Option<String> {
        let initiator = &request.initiator;
        if let Some(script) = initiator
            .script_id
            .as_deref()
            .and_then(|id| self.script_by_id(id))
        {
            return Some(script.name.clone());
        }
        initiator
            .stack
            .iter()
            .map(|f| f.url.as_str())
            .find(|u| !u.is_empty())
            .or(initiator.url.as_deref())
            .map(str::to_string)
    }
}

/// The rules key hosts as every stage does: the model's one `host_of`.
pub use outflow_model::host_of;
