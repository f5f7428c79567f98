//! The PCI DSS 6.4.3 script inventory of a page: every script seen on it,
//! with its hash, first and last sighting, and what the policy says.

use serde::{Deserialize, Serialize};

use outflow_model::ScriptAuthority;

use crate::store::Sighting;

/// One row of the inventory: a script with one hash on one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRow {
    /// The script's URL, or `inline:<document>#<index>`.
    pub script: String,
    /// `external`, `inline`, `eval` or `worker`.
    pub origin: String,
    /// The serving host, for external scripts.
    pub host: String,
    /// Lower-case hex SHA-256 (empty when the body was not read).
    pub sha256: String,
    /// First scan that saw this script with this hash (RFC 3339).
    pub first_seen: String,
    /// Last scan that saw it (RFC 3339).
    pub last_seen: String,
    /// Whether the latest scan of the page still loads it.
    pub current: bool,
    /// The policy's justification, when an entry authorises it.
    pub justification: String,
    /// `authorised`, `unauthorised`, `hash-mismatch`, or `no-policy`.
    pub authorisation: String,
    /// Whether the policy pins its hash: `pinned-match`,
    /// `pinned-mismatch`, `not-pinned`, or `unread` when the body could not
    /// be hashed.
    pub pin: String,
    /// Its Subresource Integrity verdict in the last scan that saw it:
    /// `none` (no `integrity` attribute the browser can use), `verified`,
    /// `mismatch` (the browser blocked it), `unverifiable` (the body served
    /// was not captured), or `not-recorded` (a HAR import or a scan saved
    /// before outflow recorded script elements).
    pub integrity: String,
    /// Why, in one sentence.
    pub integrity_detail: String,
}

/// The inventory rows of `sightings`, judged by `policy` (a policy file)
/// when given.
/// `latest_scan` is the id of the page's latest scan, to tell scripts
/// still loaded from those seen only in the past.
pub fn inventory(
    sightings: &[Sighting],
    policy: Option<&dyn ScriptAuthority>,
    latest_scan: Option<i64>,
) -> Vec<InventoryRow> {
    sightings
        .iter()
        .map(|s| {
            let (justification, authorisation, pin) = match policy {
                Some(policy) => {
                    let a = policy.authorisation(&s.name, &s.sha256);
                    (a.justification.unwrap_or_default(), a.status, a.integrity)
                }
                None => (
                    String::new(),
                    "no-policy".to_string(),
                    "not-pinned".to_string(),
                ),
            };
            InventoryRow {
                script: s.name.clone(),
                origin: s.origin.clone(),
                host: s.host.clone().unwrap_or_default(),
                sha256: s.sha256.clone(),
                first_seen: s.first_seen.clone(),
                last_seen: s.last_seen.clone(),
                current: latest_scan == Some(s.last_scan),
                justification,
                authorisation,
                pin: if s.sha256.is_empty() {
                    "unread".to_string()
                } else {
                    pin
                },
                integrity: s
                    .integrity
                    .clone()
                    .unwrap_or_else(|| "not-recorded".to_string()),
                integrity_detail: s.integrity_detail.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// The rows as CSV (RFC 4180, header line first).
pub fn to_csv(rows: &[InventoryRow]) -> String {
    let mut out = String::from(
        "script,origin,host,sha256,first_seen,last_seen,current,justification,authorisation,pin,integrity,integrity_detail\r\n",
    );
    for row in rows {
        let fields = [
            row.script.as_str(),
            &row.origin,
            &row.host,
            &row.sha256,
            &row.first_seen,
            &row.last_seen,
            if row.current { "yes" } else { "no" },
            &row.justification,
            &row.authorisation,
            &row.pin,
            &row.integrity,
            &row.integrity_detail,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quotes a field when needed; a leading `=`, `+`, `-` or `@` is prefixed
/// with `'` so that a hostile script URL cannot become a spreadsheet
/// formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}
