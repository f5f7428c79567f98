//! The crawl tables, written once for both engines (the dialect tokens
//! are in [`crate::dialect`]). Version 1; later versions add migrations
//! here, applied in order from the stored version (SQLite keeps it in
//! `PRAGMA user_version`, PostgreSQL in the `crawl_schema` table).

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// The migrations, in order: `MIGRATIONS[n]` takes version `n` to `n + 1`.
pub const MIGRATIONS: [&str; 2] = [V1, V2];

/// The key of the PostgreSQL advisory lock that serialises schema creation
/// between workers starting together ("outflow" in ASCII).
pub const SCHEMA_LOCK: i64 = 0x6f7574666c6f77;

/// Version 1 to 2: what the scan history needs of a result (the page
/// facts beside the report), and the history scan it was saved as (SQLite
/// crawls save each result in the scan history; `NULL` until then).
pub const V2: &str = r#"
ALTER TABLE results ADD COLUMN facts TEXT;
ALTER TABLE results ADD COLUMN scan_id BIGINT;
CREATE INDEX IF NOT EXISTS results_unsaved ON results (crawl_id, id) WHERE scan_id IS NULL;
"#;

/// Version 0 to 1.
pub const V1: &str = r#"
CREATE TABLE IF NOT EXISTS crawls (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'open',
    config TEXT NOT NULL,
    lease_ms BIGINT NOT NULL,
    max_attempts INTEGER NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id {ID},
    crawl_id BIGINT NOT NULL REFERENCES crawls(id),
    url TEXT NOT NULL,
    persona TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before_ms BIGINT NOT NULL DEFAULT 0,
    lease_until_ms BIGINT,
    worker TEXT,
    last_error TEXT,
    finished_ms BIGINT,
    UNIQUE (crawl_id, url, persona)
);
CREATE INDEX IF NOT EXISTS jobs_open ON jobs (crawl_id, id) WHERE state IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS jobs_worker ON jobs (worker) WHERE state = 'running';
CREATE TABLE IF NOT EXISTS results (
    id {ID},
    crawl_id BIGINT NOT NULL REFERENCES crawls(id),
    job_id BIGINT NOT NULL UNIQUE REFERENCES jobs(id),
    url TEXT NOT NULL,
    persona TEXT NOT NULL,
    worker TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    scanned_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    highest TEXT,
    report {JSON} NOT NULL,
    UNIQUE (crawl_id, url, persona)
);
CREATE TABLE IF NOT EXISTS result_findings (
    result_id BIGINT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
    crawl_id BIGINT NOT NULL,
    url TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    destination TEXT NOT NULL,
    entity TEXT,
    country TEXT
);
CREATE INDEX IF NOT EXISTS result_findings_crawl ON result_findings (crawl_id, rule);
CREATE TABLE IF NOT EXISTS result_third_parties (
    result_id BIGINT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
    crawl_id BIGINT NOT NULL,
    url TEXT NOT NULL,
    host TEXT NOT NULL,
    domain TEXT NOT NULL,
    entity TEXT,
    country TEXT,
    contacted BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS result_third_parties_crawl ON result_third_parties (crawl_id, domain);
CREATE TABLE IF NOT EXISTS result_leaks (
    result_id BIGINT NOT NULL REFERENCES results(id) ON DELETE CASCADE,
    crawl_id BIGINT NOT NULL,
    url TEXT NOT NULL,
    rule TEXT NOT NULL,
    what TEXT NOT NULL,
    encoding TEXT NOT NULL,
    destination TEXT NOT NULL,
    entity TEXT,
    country TEXT
);
CREATE INDEX IF NOT EXISTS result_leaks_crawl ON result_leaks (crawl_id, encoding);
"#;
