//! Retention: `outflow watch --every` adds a scan per page per round, so
//! the database would grow without bound. [`Store::prune`] deletes old
//! scans (all their rows go with them) and the script sightings no
//! remaining scan supports, in one transaction.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use rusqlite::{TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::store::Store;

/// Which scans [`Store::prune`] deletes: those that every given rule
/// allows to go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retention {
    /// Keep the newest this many scans of each page and persona (the
    /// latest is always there to diff the next scan against).
    pub keep: Option<u32>,
    /// Delete scans that started before this RFC 3339 UTC time (see
    /// [`cutoff`]).
    pub started_before: Option<String>,
    /// Only the scans of this page (all pages when `None`).
    pub url: Option<String>,
}

/// What [`Store::prune`] deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pruned {
    /// Scans deleted, with their scripts, destinations, findings and
    /// headers.
    pub scans: u64,
    /// Script sightings deleted because no remaining scan saw them.
    pub sightings: u64,
    /// Pages that lost scans, sorted.
    pub urls: Vec<String>,
}

impl Store {
    /// Deletes the scans `retention` lets go, all or nothing. The
    /// sightings of the pages concerned are brought in line with the
    /// scans left: a sighting no remaining scan supports is deleted; the
    /// others keep their first sighting (the inventory's "first seen" stays
    /// true) and have their last sighting, count and integrity verdict
    /// recomputed. A retention with no rule deletes nothing.
    pub fn prune(&mut self, retention: &Retention) -> Result<Pruned, StoreError> {
        if retention.keep.is_none() && retention.started_before.is_none() {
            return Ok(Pruned::default());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let doomed: Vec<(i64, String)> = {
            let mut statement = tx.prepare(
                "SELECT id, url FROM (
                    SELECT id, url, started_at,
                           ROW_NUMBER() OVER (PARTITION BY url, persona ORDER BY id DESC) AS newest
                    FROM scans)
                 WHERE (?1 IS NULL OR newest > ?1) AND (?2 IS NULL OR started_at < ?2)
                   AND (?3 IS NULL OR url = ?3)
                 ORDER BY id",
            )?;
            let rows = statement.query_map(
                params![retention.keep, retention.started_before, retention.url],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            rows.collect::<Result<_, _>>()?
        };
        let urls: BTreeSet<String> = doomed.iter().map(|(_, url)| url.clone()).collect();
        {
            // Scripts, destinations, findings and headers go by cascade.
            let mut delete = tx.prepare("DELETE FROM scans WHERE id = ?1")?;
            for (id, _) in &doomed {
                delete.execute([id])?;
            }
        }
        let mut sightings = 0u64;
        for url in &urls {
            let gone = tx.execute(
                "DELETE FROM script_sightings WHERE url = ?1 AND NOT EXISTS (
                    SELECT 1 FROM scripts p JOIN scans s ON s.id = p.scan_id
                    WHERE s.url = ?1 AND p.name = script_sightings.name
                      AND p.sha256 = script_sightings.sha256)",
                [url],
            )?;
            sightings += gone as u64;
            tx.execute(
                "UPDATE script_sightings SET
                    last_seen = (SELECT MAX(s.started_at) FROM scripts p JOIN scans s ON s.id = p.scan_id
                        WHERE s.url = ?1 AND p.name = script_sightings.name AND p.sha256 = script_sightings.sha256),
                    last_scan = (SELECT MAX(s.id) FROM scripts p JOIN scans s ON s.id = p.scan_id
                        WHERE s.url = ?1 AND p.name = script_sightings.name AND p.sha256 = script_sightings.sha256),
                    scans = (SELECT COUNT(DISTINCT s.id) FROM scripts p JOIN scans s ON s.id = p.scan_id
                        WHERE s.url = ?1 AND p.name = script_sightings.name AND p.sha256 = script_sightings.sha256),
                    integrity = (SELECT p.integrity FROM scripts p JOIN scans s ON s.id = p.scan_id
                        WHERE s.url = ?1 AND p.name = script_sightings.name AND p.sha256 = script_sightings.sha256
                        ORDER BY s.id DESC LIMIT 1),
                    integrity_detail = (SELECT p.integrity_detail FROM scripts p JOIN scans s ON s.id = p.scan_id
                        WHERE s.url = ?1 AND p.name = script_sightings.name AND p.sha256 = script_sightings.sha256
                        ORDER BY s.id DESC LIMIT 1)
                 WHERE url = ?1",
                [url],
            )?;
        }
        tx.commit()?;
        Ok(Pruned {
            scans: doomed.len() as u64,
            sightings,
            urls: urls.into_iter().collect(),
        })
    }
}

/// The RFC 3339 UTC time `age` before `now`, to the second, as scans'
/// start times are written (`2026-11-29T08:00:00Z`), so that they compare
/// as text.
pub fn cutoff(now: SystemTime, age: Duration) -> String {
    let then = now.checked_sub(age).unwrap_or(SystemTime::UNIX_EPOCH);
    outflow_model::timestamp::rfc3339(then)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_are_rfc3339_utc() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_824_000 + 3661);
        assert_eq!(cutoff(now, Duration::ZERO), "2026-11-28T01:01:01Z");
        assert_eq!(
            cutoff(now, Duration::from_secs(86_400 * 30)),
            "2026-10-29T01:01:01Z"
        );
        // Leap day, and an age beyond the epoch.
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_164_800);
        assert_eq!(cutoff(leap, Duration::ZERO), "2024-02-29T00:00:00Z");
        assert_eq!(
            cutoff(now, Duration::from_secs(u64::MAX / 4)),
            "1970-01-01T00:00:00Z"
        );
    }
}
