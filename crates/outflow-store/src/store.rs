//! The SQLite database: opening (WAL, busy timeout, migrations), saving a
//! scan in one transaction, and reading history back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use outflow_model::{
    Destination, Directive, IntegrityStatus, PageFacts, Report, ScriptIntegrity, Severity, host_of,
};

use outflow_model::scan_diff::ScanSummary;

use crate::StoreError;
use crate::schema::{SCHEMA_VERSION, migrate};

/// How long a writer waits for another one before giving up. Scans take
/// seconds; a save takes milliseconds, so this is generous.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A saved scan with everything diffs and CSP proposals need.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRecord {
    /// The scan's listing.
    pub summary: ScanSummary,
    /// The full report.
    pub report: Report,
    /// The facts kept from the capture.
    pub facts: PageFacts,
}

/// One script seen on a URL with one hash: the rows of the PCI DSS 6.4.3
/// inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    /// The page URL.
    pub url: String,
    /// The script's inventory name (URL, `inline:<doc>#<i>`, …).
    pub name: String,
    /// Lower-case hex SHA-256 of its body (empty when unread).
    pub sha256: String,
    /// `external`, `inline`, `eval` or `worker`.
    pub origin: String,
    /// The serving host, for external scripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// First scan that saw it (RFC 3339).
    pub first_seen: String,
    /// Last scan that saw it (RFC 3339).
    pub last_seen: String,
    /// The id of the last scan that saw it.
    pub last_scan: i64,
    /// How many scans saw it.
    pub scans: u32,
    /// Its Subresource Integrity verdict in the last scan that saw it
    /// (`none`, `verified`, `mismatch`, `unverifiable`); `None` when that
    /// scan did not record script elements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// Why, in one sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity_detail: Option<String>,
}

/// The scan history database.
pub struct Store {
    pub(crate) conn: Connection,
}

impl Store {
    /// The default database: `outflow/outflow.db` in the per-user data
    /// folder (`$XDG_DATA_HOME`, `~/.local/share` on Linux, the platform's
    /// equivalent elsewhere).
    pub fn default_path() -> Result<PathBuf, StoreError> {
        let dirs =
            directories::ProjectDirs::from("", "", "outflow").ok_or(StoreError::NoDataDir)?;
        Ok(dirs.data_dir().join("outflow.db"))
    }

    /// Opens (creating it and its folder if needed) and migrates the
    /// database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        Store::with_connection(conn)
    }

    /// Sets a connection up (busy timeout, WAL, foreign keys) and migrates
    /// it to [`SCHEMA_VERSION`].
    pub fn with_connection(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets readers go on while a writer commits, and several
        // processes append scans to one file safely.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // IMMEDIATE takes the write lock before reading the version, so two
        // processes opening a new database do not both migrate it.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        migrate(&tx, version, SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(Store { conn })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// Saves one scan, all of it or nothing, and returns its id.
    pub fn save(&mut self, report: &Report, facts: &PageFacts) -> Result<i64, StoreError> {
        self.save_then_commit(report, facts, || {})
    }

    /// Like [`Store::save`], calling `before_commit` once every row is
    /// written and before the transaction commits: crash tests abort the
    /// process there to show that nothing of the scan becomes visible.
    pub fn save_then_commit(
        &mut self,
        report: &Report,
        facts: &PageFacts,
        before_commit: impl FnOnce(),
    ) -> Result<i64, StoreError> {
        let report_json = serde_json::to_string(report)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let url = report.target.value.as_str();
        tx.execute(
            "INSERT INTO scans (url, persona, started_at, verdict, highest, report_json, headers_recorded)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                url,
                report.target.persona,
                facts.started_at,
                report.summary.verdict,
                report.summary.highest.map(Severity::as_str),
                report_json,
                facts.security_headers.is_some(),
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut script = tx.prepare(
                "INSERT INTO scripts (scan_id, name, origin, host, sha256, size, ran, integrity, integrity_detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            let mut sighting = tx.prepare(
                "INSERT INTO script_sightings
                    (url, name, sha256, origin, host, first_seen, last_seen, first_scan, last_scan, scans,
                     integrity, integrity_detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?7, 1, ?8, ?9)
                 ON CONFLICT (url, name, sha256) DO UPDATE SET
                    first_seen = MIN(first_seen, excluded.first_seen),
                    last_seen = MAX(last_seen, excluded.last_seen),
                    last_scan = MAX(last_scan, excluded.last_scan),
                    scans = scans + 1,
                    integrity = CASE WHEN excluded.last_scan >= last_scan
                        THEN excluded.integrity ELSE integrity END,
                    integrity_detail = CASE WHEN excluded.last_scan >= last_scan
                        THEN excluded.integrity_detail ELSE integrity_detail END",
            )?;
            let mut seen = std::collections::BTreeSet::new();
            for row in script_rows(report, facts) {
                script.execute(params![
                    id,
                    row.name,
                    row.origin,
                    row.host,
                    row.sha256,
                    i64::try_from(row.size).unwrap_or(i64::MAX),
                    row.ran,
                    row.integrity,
                    row.integrity_detail,
                ])?;
                // A page may load one script twice; it is one sighting.
                if seen.insert((row.name.clone(), row.sha256.clone())) {
                    sighting.execute(params![
                        url,
                        row.name,
                        row.sha256,
                        row.origin,
                        row.host,
                        facts.started_at,
                        id,
                        row.integrity,
                        row.integrity_detail,
                    ])?;
                }
            }
            let mut destination = tx.prepare(
                "INSERT INTO destinations (scan_id, origin, host, directive, requests) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for d in &facts.destinations {
                destination.execute(params![
                    id,
                    d.origin,
                    d.host,
                    d.directive.as_str(),
                    d.requests
                ])?;
            }
            let mut finding = tx.prepare(
                "INSERT INTO findings (scan_id, rule, severity, title, script, destinations) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for f in &report.findings {
                finding.execute(params![
                    id,
                    f.rule,
                    f.severity.as_str(),
                    f.title,
                    f.script,
                    f.destinations.join(" ")
                ])?;
            }
            let mut header = tx.prepare(
                "INSERT INTO security_headers (scan_id, name, value) VALUES (?1, ?2, ?3)",
            )?;
            for (name, value) in facts.security_headers.iter().flatten() {
                header.execute(params![id, name, value])?;
            }
        }
        before_commit();
        tx.commit()?;
        Ok(id)
    }

    /// The scans of `url` (all personas, or one), newest first, at most
    /// `limit`.
    pub fn history(
        &self,
        url: &str,
        persona: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ScanSummary>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, url, persona, started_at, verdict, highest,
                    (SELECT COUNT(*) FROM scripts WHERE scan_id = scans.id AND ran),
                    (SELECT COUNT(*) FROM findings WHERE scan_id = scans.id)
             FROM scans
             WHERE url = ?1 AND (?2 IS NULL OR persona IS ?2)
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = statement.query_map(params![url, persona, limit], summary_of_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every URL with saved scans, with its number of scans, sorted.
    pub fn urls(&self) -> Result<Vec<(String, u32)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT url, COUNT(*) FROM scans GROUP BY url ORDER BY url")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The URL under which `url`'s scans are saved: `url` itself when it
    /// has scans, else the same with or without a trailing `/` when that
    /// has (people type `https://shop.example` for a scan of
    /// `https://shop.example/`), else `url` unchanged.
    pub fn saved_url(&self, url: &str) -> Result<String, StoreError> {
        let other = match url.strip_suffix('/') {
            Some(bare) => bare.to_string(),
            None => format!("{url}/"),
        };
        for candidate in [url, other.as_str()] {
            let found: Option<i64> = self
                .conn
                .query_row(
                    "SELECT id FROM scans WHERE url = ?1 LIMIT 1",
                    [candidate],
                    |row| row.get(0),
                )
                .optional()?;
            if found.is_some() {
                return Ok(candidate.to_string());
            }
        }
        Ok(url.to_string())
    }

    /// The scan before `id` of the same URL and persona, if any.
    pub fn previous(&self, id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT p.id FROM scans p JOIN scans s ON s.id = ?1
                 WHERE p.url = s.url AND p.persona IS s.persona AND p.id < s.id
                 ORDER BY p.id DESC LIMIT 1",
                [id],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Loads one scan with its report and facts.
    pub fn scan(&self, id: i64) -> Result<ScanRecord, StoreError> {
        let (summary, report_json, headers_recorded): (ScanSummary, String, bool) = self
            .conn
            .query_row(
                "SELECT id, url, persona, started_at, verdict, highest,
                        (SELECT COUNT(*) FROM scripts WHERE scan_id = scans.id AND ran),
                        (SELECT COUNT(*) FROM findings WHERE scan_id = scans.id),
                        report_json, headers_recorded
                 FROM scans WHERE id = ?1",
                [id],
                |row| Ok((summary_of_row(row)?, row.get(8)?, row.get(9)?)),
            )
            .optional()?
            .ok_or(StoreError::NotFound(id))?;
        let report: Report = serde_json::from_str(&report_json)?;
        let security_headers = if headers_recorded {
            let mut statement = self
                .conn
                .prepare("SELECT name, value FROM security_headers WHERE scan_id = ?1")?;
            let rows = statement.query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Some(rows.collect::<Result<BTreeMap<String, String>, _>>()?)
        } else {
            None
        };
        let destinations = self.destinations_of(id)?;
        let integrity = self.integrity_of(id)?;
        Ok(ScanRecord {
            facts: PageFacts {
                started_at: summary.started_at.clone(),
                security_headers,
                destinations,
                integrity,
            },
            summary,
            report,
        })
    }

    /// The integrity verdicts of scan `id`'s scripts, one per name, sorted;
    /// `None` when the scan recorded none.
    fn integrity_of(&self, id: i64) -> Result<Option<Vec<ScriptIntegrity>>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT name, integrity, integrity_detail, sha256, size FROM scripts
             WHERE scan_id = ?1 AND integrity IS NOT NULL ORDER BY name, ran DESC",
        )?;
        let rows = statement.query_map([id], |row| {
            let status: String = row.get(1)?;
            Ok((
                row.get::<_, String>(0)?,
                status,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })?;
        let mut verdicts: BTreeMap<String, ScriptIntegrity> = BTreeMap::new();
        for row in rows {
            let (name, status, detail, sha256, size) = row?;
            let Some(status) = IntegrityStatus::parse(&status) else {
                continue;
            };
            verdicts.entry(name.clone()).or_insert(ScriptIntegrity {
                name,
                status,
                detail: detail.unwrap_or_default(),
                integrity: None,
                served_sha256: sha256,
                served_size: u64::try_from(size).unwrap_or(0),
            });
        }
        Ok((!verdicts.is_empty()).then(|| verdicts.into_values().collect()))
    }

    fn destinations_of(&self, id: i64) -> Result<Vec<Destination>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT origin, host, directive, requests FROM destinations
             WHERE scan_id = ?1 ORDER BY origin, directive",
        )?;
        let rows = statement.query_map([id], |row| {
            let directive: String = row.get(2)?;
            Ok(Destination {
                origin: row.get(0)?,
                host: row.get(1)?,
                directive: Directive::parse(&directive).unwrap_or(Directive::Other),
                requests: row.get(3)?,
            })
        })?;
        let mut destinations: Vec<Destination> = rows.collect::<Result<_, _>>()?;
        destinations.sort();
        Ok(destinations)
    }

    /// The scripts seen on `url` across every saved scan, one row per name
    /// and hash, sorted by name then first sighting.
    pub fn sightings(&self, url: &str) -> Result<Vec<Sighting>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT url, name, sha256, origin, host, first_seen, last_seen, last_scan, scans,
                    integrity, integrity_detail
             FROM script_sightings WHERE url = ?1 ORDER BY name, first_seen, sha256",
        )?;
        let rows = statement.query_map([url], |row| {
            Ok(Sighting {
                url: row.get(0)?,
                name: row.get(1)?,
                sha256: row.get(2)?,
                origin: row.get(3)?,
                host: row.get(4)?,
                first_seen: row.get(5)?,
                last_seen: row.get(6)?,
                last_scan: row.get(7)?,
                scans: row.get(8)?,
                integrity: row.get(9)?,
                integrity_detail: row.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Runs SQLite's own consistency check; `ok` when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}

/// One row of the `scripts` table.
struct ScriptRow {
    name: String,
    origin: String,
    host: Option<String>,
    sha256: String,
    size: u64,
    ran: bool,
    integrity: Option<&'static str>,
    integrity_detail: Option<String>,
}

/// The scripts of a scan: the report's inventory with each one's
/// integrity verdict, then the scripts the browser blocked for their
/// integrity (they never ran, so no report lists them).
fn script_rows(report: &Report, facts: &PageFacts) -> Vec<ScriptRow> {
    let verdicts: BTreeMap<&str, &ScriptIntegrity> = facts
        .integrity
        .iter()
        .flatten()
        .map(|i| (i.name.as_str(), i))
        .collect();
    let mut rows: Vec<ScriptRow> = report
        .inventory
        .iter()
        .map(|s| {
            let (integrity, detail) = match (&facts.integrity, verdicts.get(s.name.as_str())) {
                (None, _) => (None, None),
                (Some(_), Some(v)) if s.origin == "external" => {
                    (Some(v.status.as_str()), Some(v.detail.clone()))
                }
                (Some(_), _) if s.origin == "external" => (
                    Some(IntegrityStatus::None.as_str()),
                    Some("no <script src> element loaded it (imported, or its element was never in a document)".to_string()),
                ),
                (Some(_), _) => (
                    Some(IntegrityStatus::None.as_str()),
                    Some(format!("{} scripts have no integrity check", s.origin)),
                ),
            };
            ScriptRow {
                name: s.name.clone(),
                origin: s.origin.clone(),
                host: s.host.clone(),
                sha256: s.sha256.clone(),
                size: s.size,
                ran: true,
                integrity,
                integrity_detail: detail,
            }
        })
        .collect();
    let ran: std::collections::BTreeSet<&str> =
        report.inventory.iter().map(|s| s.name.as_str()).collect();
    for blocked in facts
        .integrity
        .iter()
        .flatten()
        .filter(|v| v.status == IntegrityStatus::Mismatch && !ran.contains(v.name.as_str()))
    {
        rows.push(ScriptRow {
            name: blocked.name.clone(),
            origin: "external".to_string(),
            host: host_of(&blocked.name),
            sha256: blocked.served_sha256.clone(),
            size: blocked.served_size,
            ran: false,
            integrity: Some(blocked.status.as_str()),
            integrity_detail: Some(blocked.detail.clone()),
        });
    }
    rows
}

fn summary_of_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ScanSummary> {
    let highest: Option<String> = row.get(5)?;
    Ok(ScanSummary {
        id: row.get(0)?,
        url: row.get(1)?,
        persona: row.get(2)?,
        started_at: row.get(3)?,
        verdict: row.get(4)?,
        highest: highest.and_then(|h| h.parse().ok()),
        scripts: row.get(6)?,
        findings: row.get(7)?,
    })
}
