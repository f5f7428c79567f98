//! The database schema and its migrations.
//!
//! The schema version lives in SQLite's `user_version`. Each migration
//! takes the database from version `n` to `n + 1` inside the caller's
//! transaction, so that a database is always at exactly one version. A
//! database written by a newer outflow is refused rather than guessed at.

use rusqlite::Transaction;

/// Migrations, in order: `MIGRATIONS[n]` takes version `n` to `n + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: scans with their reports, scripts, destinations and findings.
    "CREATE TABLE scans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        persona TEXT,
        started_at TEXT NOT NULL,
        verdict TEXT NOT NULL,
        highest TEXT,
        report_json TEXT NOT NULL
    );
    CREATE INDEX scans_by_url ON scans (url, id);
    CREATE TABLE scripts (
        scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        origin TEXT NOT NULL,
        host TEXT,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL
    );
    CREATE INDEX scripts_by_scan ON scripts (scan_id);
    CREATE INDEX scripts_by_hash ON scripts (sha256);
    CREATE TABLE destinations (
        scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        origin TEXT NOT NULL,
        host TEXT NOT NULL,
        directive TEXT NOT NULL,
        requests INTEGER NOT NULL
    );
    CREATE INDEX destinations_by_scan ON destinations (scan_id);
    CREATE TABLE findings (
        scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        title TEXT NOT NULL,
        script TEXT,
        destinations TEXT NOT NULL
    );
    CREATE INDEX findings_by_scan ON findings (scan_id);",
    // 2: the main document's security headers. Scans saved before have
    // none recorded (`headers_recorded` = 0), which diffs say rather than
    // reporting every header as new.
    "ALTER TABLE scans ADD COLUMN headers_recorded INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE security_headers (
        scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (scan_id, name)
    );",
    // 3: script sightings per URL (first and last seen, for the PCI DSS
    // 6.4.3 inventory), filled from the scans already saved.
    "CREATE TABLE script_sightings (
        url TEXT NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        origin TEXT NOT NULL,
        host TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        first_scan INTEGER NOT NULL,
        last_scan INTEGER NOT NULL,
        scans INTEGER NOT NULL,
        PRIMARY KEY (url, name, sha256)
    );
    INSERT INTO script_sightings
        (url, name, sha256, origin, host, first_seen, last_seen, first_scan, last_scan, scans)
    SELECT s.url, p.name, p.sha256, MIN(p.origin), MIN(p.host),
           MIN(s.started_at), MAX(s.started_at), MIN(s.id), MAX(s.id), COUNT(DISTINCT s.id)
    FROM scripts p JOIN scans s ON s.id = p.scan_id
    GROUP BY s.url, p.name, p.sha256;",
    // 4: Subresource Integrity. Each script's verdict in its scan (NULL:
    // not recorded, as for HAR files and scans saved before), scripts the
    // browser blocked for it (in no report's inventory: `ran` = 0), and
    // the verdict of each sighting's latest scan.
    "ALTER TABLE scripts ADD COLUMN ran INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE scripts ADD COLUMN integrity TEXT;
    ALTER TABLE scripts ADD COLUMN integrity_detail TEXT;
    ALTER TABLE script_sightings ADD COLUMN integrity TEXT;
    ALTER TABLE script_sightings ADD COLUMN integrity_detail TEXT;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Applies the migrations from `from` up to `to` (exclusive of `from`'s
/// own), inside `tx`, and records the new version.
pub(crate) fn migrate(tx: &Transaction<'_>, from: u32, to: u32) -> rusqlite::Result<()> {
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(to as usize)
        .skip(from as usize)
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
    }
    Ok(())
}
