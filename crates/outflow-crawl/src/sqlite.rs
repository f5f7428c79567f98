//! The queue on SQLite, for one machine: WAL so that readers never block
//! the writer, a busy timeout so that concurrent processes wait for each
//! other instead of failing, and `BEGIN IMMEDIATE` so that a claim takes the
//! write lock before it reads (two processes can never claim the same job).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::CrawlError;
use crate::job::{ClaimedJob, CrawlConfig, CrawlInfo, JobCounts, JobRow, JobSpec, JobState};
use crate::queue::{Backend, Queue};
use crate::rows::ResultRows;
use crate::schema::{SCHEMA_VERSION, SQLITE_V1};

/// The database clock in milliseconds since the epoch: one machine, one
/// clock.
const NOW: &str = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/// How long a statement waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite queue connection.
pub struct SqliteQueue {
    conn: Connection,
}

impl SqliteQueue {
    /// Opens (creating) the file, in WAL mode, migrated to the current
    /// schema.
    pub fn open(path: &Path) -> Result<Self, CrawlError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| CrawlError::Io {
                what: format!("creating {}", parent.display()),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(CrawlError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < 1 {
            tx.execute_batch(SQLITE_V1)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()?;
        Ok(Self { conn })
    }
}

fn crawl_info(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

impl Queue for SqliteQueue {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn open_crawl(&mut self, name: &str, config: &CrawlConfig) -> Result<i64, CrawlError> {
        let json = serde_json::to_string(config)?;
        let lease_ms = (config.lease_secs.max(1) * 1000) as i64;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            &format!(
                "INSERT INTO crawls (name, state, config, lease_ms, max_attempts, created_ms)
                 VALUES (?1, 'open', ?2, ?3, ?4, {NOW})
                 ON CONFLICT (name) DO UPDATE SET state = 'open', config = excluded.config,
                     lease_ms = excluded.lease_ms, max_attempts = excluded.max_attempts"
            ),
            params![name, json, lease_ms, config.max_attempts.max(1)],
        )?;
        let id = tx.query_row("SELECT id FROM crawls WHERE name = ?1", [name], |r| {
            r.get(0)
        })?;
        tx.commit()?;
        Ok(id)
    }

    fn find_crawl(&mut self, name: Option<&str>) -> Result<Option<CrawlInfo>, CrawlError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, name, state, config FROM crawls
                 WHERE (?1 IS NULL OR name = ?1) ORDER BY id DESC LIMIT 1",
                [name],
                crawl_info,
            )
            .optional()?;
        row.map(|(id, name, state, config)| {
            Ok(CrawlInfo {
                id,
                name,
                state,
                config: serde_json::from_str(&config)?,
            })
        })
        .transpose()
    }

    fn enqueue(&mut self, crawl: i64, jobs: &[JobSpec]) -> Result<u64, CrawlError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut added = 0;
        {
            let mut insert = tx.prepare(
                "INSERT INTO jobs (crawl_id, url, persona) VALUES (?1, ?2, ?3)
                 ON CONFLICT (crawl_id, url, persona) DO NOTHING",
            )?;
            for job in jobs {
                added += insert.execute(params![crawl, job.url, job.persona])? as u64;
            }
        }
        if added > 0 {
            tx.execute("UPDATE crawls SET state = 'open' WHERE id = ?1", [crawl])?;
        }
        tx.commit()?;
        Ok(added)
    }

    fn claim(
        &mut self,
        worker: &str,
        crawl: Option<i64>,
    ) -> Result<Option<ClaimedJob>, CrawlError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            &format!(
                "UPDATE jobs SET state = 'failed', finished_ms = {NOW}, lease_until_ms = NULL,
                     last_error = 'the lease of ' || COALESCE(worker, '?') || ' expired on the last attempt (worker lost)'
                 WHERE state = 'running' AND lease_until_ms < {NOW}
                   AND attempts >= (SELECT max_attempts FROM crawls c WHERE c.id = jobs.crawl_id)"
            ),
            [],
        )?;
        let next: Option<i64> = tx
            .query_row(
                &format!(
                    "SELECT j.id FROM jobs j JOIN crawls c ON c.id = j.crawl_id
                     WHERE c.state = 'open' AND (?1 IS NULL OR j.crawl_id = ?1)
                       AND ((j.state = 'pending' AND j.not_before_ms <= {NOW})
                         OR (j.state = 'running' AND j.lease_until_ms < {NOW}))
                     ORDER BY j.id LIMIT 1"
                ),
                [crawl],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = next else {
            tx.commit()?;
            return Ok(None);
        };
        let claimed = tx.query_row(
            &format!(
                "UPDATE jobs SET
                     last_error = CASE WHEN state = 'running'
                         THEN 'the lease of ' || COALESCE(worker, '?') || ' expired (worker lost)'
                         ELSE last_error END,
                     state = 'running', attempts = attempts + 1, worker = ?2,
                     lease_until_ms = {NOW} + (SELECT lease_ms FROM crawls c WHERE c.id = jobs.crawl_id)
                 WHERE id = ?1
                 RETURNING id, crawl_id, url, persona, attempts,
                     (SELECT config FROM crawls c WHERE c.id = jobs.crawl_id)"
            ),
            params![id, worker],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )?;
        tx.commit()?;
        let (id, crawl_id, url, persona, attempts, config) = claimed;
        Ok(Some(ClaimedJob {
            id,
            crawl_id,
            url,
            persona,
            attempt: attempts.clamp(0, u32::MAX as i64) as u32,
            worker: worker.to_string(),
            config: serde_json::from_str(&config)?,
        }))
    }

    fn heartbeat(&mut self, worker: &str) -> Result<u64, CrawlError> {
        let renewed = self.conn.execute(
            &format!(
                "UPDATE jobs SET lease_until_ms = {NOW} + (SELECT lease_ms FROM crawls c WHERE c.id = jobs.crawl_id)
                 WHERE worker = ?1 AND state = 'running' AND lease_until_ms >= {NOW}"
            ),
            [worker],
        )?;
        Ok(renewed as u64)
    }

    fn complete(&mut self, job: &ClaimedJob, rows: &ResultRows) -> Result<(), CrawlError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let held = tx.execute(
            &format!(
                "UPDATE jobs SET state = 'done', lease_until_ms = NULL, finished_ms = {NOW}
                 WHERE id = ?1 AND worker = ?2 AND attempts = ?3 AND state = 'running'
                   AND lease_until_ms >= {NOW}"
            ),
            params![job.id, job.worker, job.attempt],
        )?;
        if held == 0 {
            // Dropping the transaction rolls it back.
            return Err(CrawlError::LeaseLost { job: job.id });
        }
        let result_id: i64 = tx.query_row(
            &format!(
                "INSERT INTO results (crawl_id, job_id, url, persona, worker, attempt, scanned_ms,
                     duration_ms, verdict, highest, report)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, {NOW}, ?7, ?8, ?9, ?10) RETURNING id"
            ),
            params![
                job.crawl_id,
                job.id,
                job.url,
                job.persona,
                job.worker,
                job.attempt,
                rows.duration_ms as i64,
                rows.verdict,
                rows.highest,
                rows.report_json
            ],
            |r| r.get(0),
        )?;
        {
            let mut finding = tx.prepare(
                "INSERT INTO result_findings (result_id, crawl_id, url, rule, severity, destination, entity, country)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for row in &rows.findings {
                finding.execute(params![
                    result_id,
                    job.crawl_id,
                    job.url,
                    row.rule,
                    row.severity,
                    row.destination,
                    row.entity,
                    row.country
                ])?;
            }
            let mut party = tx.prepare(
                "INSERT INTO result_third_parties (result_id, crawl_id, url, host, domain, entity, country, contacted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for row in &rows.third_parties {
                party.execute(params![
                    result_id,
                    job.crawl_id,
                    job.url,
                    row.host,
                    row.domain,
                    row.entity,
                    row.country,
                    row.contacted
                ])?;
            }
            let mut leak = tx.prepare(
                "INSERT INTO result_leaks (result_id, crawl_id, url, rule, what, encoding, destination, entity, country)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for row in &rows.leaks {
                leak.execute(params![
                    result_id,
                    job.crawl_id,
                    job.url,
                    row.rule,
                    row.what,
                    row.encoding,
                    row.destination,
                    row.entity,
                    row.country
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn fail(
        &mut self,
        job: &ClaimedJob,
        error: &str,
        retry_in: Option<Duration>,
    ) -> Result<(), CrawlError> {
        let (state, delay_ms) = match retry_in {
            Some(delay) => ("pending", delay.as_millis().min(i64::MAX as u128) as i64),
            None => ("failed", 0),
        };
        self.conn.execute(
            &format!(
                "UPDATE jobs SET state = ?4, last_error = ?5, lease_until_ms = NULL,
                     not_before_ms = {NOW} + ?6,
                     finished_ms = CASE WHEN ?4 = 'failed' THEN {NOW} ELSE NULL END
                 WHERE id = ?1 AND worker = ?2 AND attempts = ?3 AND state = 'running'"
            ),
            params![job.id, job.worker, job.attempt, state, error, delay_ms],
        )?;
        Ok(())
    }

    fn release(&mut self, job: &ClaimedJob) -> Result<bool, CrawlError> {
        let released = self.conn.execute(
            "UPDATE jobs SET state = 'pending', lease_until_ms = NULL, attempts = attempts - 1
             WHERE id = ?1 AND worker = ?2 AND attempts = ?3 AND state = 'running'",
            params![job.id, job.worker, job.attempt],
        )?;
        Ok(released > 0)
    }

    fn counts(&mut self, crawl: Option<i64>) -> Result<JobCounts, CrawlError> {
        let mut statement = self.conn.prepare(
            "SELECT j.state, COUNT(*) FROM jobs j JOIN crawls c ON c.id = j.crawl_id
             WHERE (?1 IS NULL AND c.state = 'open') OR j.crawl_id = ?1 GROUP BY j.state",
        )?;
        let mut counts = JobCounts::default();
        let rows = statement.query_map([crawl], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (state, n) = row?;
            let n = n.max(0) as u64;
            match JobState::parse(&state) {
                Some(JobState::Pending) => counts.pending = n,
                Some(JobState::Running) => counts.running = n,
                Some(JobState::Done) => counts.done = n,
                Some(JobState::Failed) => counts.failed = n,
                None => {}
            }
        }
        Ok(counts)
    }

    fn finish_if_complete(&mut self, crawl: i64) -> Result<bool, CrawlError> {
        let changed = self.conn.execute(
            "UPDATE crawls SET state = 'finished' WHERE id = ?1 AND state = 'open'
               AND NOT EXISTS (SELECT 1 FROM jobs WHERE crawl_id = ?1 AND state IN ('pending', 'running'))",
            [crawl],
        )?;
        Ok(changed > 0)
    }

    fn jobs(&mut self, crawl: i64) -> Result<Vec<JobRow>, CrawlError> {
        let mut statement = self.conn.prepare(
            "SELECT j.url, j.persona, j.state, j.attempts, j.worker, j.last_error,
                    (SELECT COUNT(*) FROM results r WHERE r.crawl_id = j.crawl_id AND r.url = j.url AND r.persona = j.persona),
                    (SELECT r.worker FROM results r WHERE r.job_id = j.id)
             FROM jobs j WHERE j.crawl_id = ?1 ORDER BY j.id",
        )?;
        let rows = statement.query_map([crawl], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        let mut jobs = Vec::new();
        for row in rows {
            let (url, persona, state, attempts, worker, last_error, results, result_worker) = row?;
            jobs.push(JobRow {
                url,
                persona,
                state: JobState::parse(&state).unwrap_or(JobState::Failed),
                attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                worker,
                last_error,
                results: results.clamp(0, u32::MAX as i64) as u32,
                result_worker,
            });
        }
        Ok(jobs)
    }

    fn query_table(&mut self, sql: &str, crawl: i64) -> Result<Vec<Vec<String>>, CrawlError> {
        let sql = sql.replace('$', "?");
        let mut statement = self.conn.prepare(&sql)?;
        let columns = statement.column_count();
        let rows = statement.query_map([crawl], |r| {
            (0..columns)
                .map(|i| Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default()))
                .collect::<rusqlite::Result<Vec<String>>>()
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn reports(&mut self, crawl: i64) -> Result<Vec<(String, String, String)>, CrawlError> {
        let mut statement = self
            .conn
            .prepare("SELECT url, persona, report FROM results WHERE crawl_id = ?1 ORDER BY id")?;
        let rows = statement.query_map([crawl], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
