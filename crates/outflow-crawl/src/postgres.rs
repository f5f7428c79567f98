//! The queue on PostgreSQL, for many machines. A claim locks its row with
//! `FOR UPDATE SKIP LOCKED`, so concurrent workers take different jobs
//! without waiting for each other; leases are timed by the server's clock,
//! so machines with skewed clocks agree on when a lease expires.

use std::time::Duration;

use postgres::{Client, NoTls};

use crate::error::CrawlError;
use crate::job::{ClaimedJob, CrawlConfig, CrawlInfo, JobCounts, JobRow, JobSpec, JobState};
use crate::queue::{Backend, Queue};
use crate::rows::ResultRows;
use crate::schema::{POSTGRES_V1, SCHEMA_LOCK, SCHEMA_VERSION};

/// The server's clock in milliseconds since the epoch (the current instant,
/// not the transaction's start).
const NOW: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// A PostgreSQL queue connection.
pub struct PostgresQueue {
    client: Client,
}

impl PostgresQueue {
    /// Connects and creates or migrates the schema (serialised between
    /// workers starting together by an advisory lock).
    pub fn connect(url: &str) -> Result<Self, CrawlError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| CrawlError::Invalid(format!("PostgreSQL URL: {e}")))?;
        config.connect_timeout(Duration::from_secs(10));
        config.application_name("outflow");
        let mut client = config.connect(NoTls)?;
        client.execute("SELECT pg_advisory_lock($1)", &[&SCHEMA_LOCK])?;
        let migrated = migrate(&mut client);
        client.execute("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK])?;
        migrated?;
        Ok(Self { client })
    }
}

fn migrate(client: &mut Client) -> Result<(), CrawlError> {
    let mut tx = client.transaction()?;
    let exists: bool = tx
        .query_one("SELECT to_regclass('crawl_schema') IS NOT NULL", &[])?
        .get(0);
    let version: i64 = if exists {
        tx.query_opt("SELECT max(version) FROM crawl_schema", &[])?
            .and_then(|r| r.get::<_, Option<i64>>(0))
            .unwrap_or(0)
    } else {
        0
    };
    if version > SCHEMA_VERSION {
        return Err(CrawlError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < 1 {
        tx.batch_execute(POSTGRES_V1)?;
        tx.execute(
            "INSERT INTO crawl_schema (version) VALUES ($1)",
            &[&SCHEMA_VERSION],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn to_u32(n: i32) -> u32 {
    n.max(0) as u32
}

impl Queue for PostgresQueue {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn open_crawl(&mut self, name: &str, config: &CrawlConfig) -> Result<i64, CrawlError> {
        let json = serde_json::to_string(config)?;
        let lease_ms = (config.lease_secs.max(1) * 1000) as i64;
        let max_attempts = config.max_attempts.clamp(1, i32::MAX as u32) as i32;
        let row = self.client.query_one(
            &format!(
                "INSERT INTO crawls (name, state, config, lease_ms, max_attempts, created_ms)
                 VALUES ($1, 'open', $2, $3, $4, {NOW})
                 ON CONFLICT (name) DO UPDATE SET state = 'open', config = excluded.config,
                     lease_ms = excluded.lease_ms, max_attempts = excluded.max_attempts
                 RETURNING id"
            ),
            &[&name, &json, &lease_ms, &max_attempts],
        )?;
        Ok(row.get(0))
    }

    fn find_crawl(&mut self, name: Option<&str>) -> Result<Option<CrawlInfo>, CrawlError> {
        let row = self.client.query_opt(
            "SELECT id, name, state, config FROM crawls
             WHERE ($1::text IS NULL OR name = $1) ORDER BY id DESC LIMIT 1",
            &[&name],
        )?;
        row.map(|r| {
            Ok(CrawlInfo {
                id: r.get(0),
                name: r.get(1),
                state: r.get(2),
                config: serde_json::from_str(r.get::<_, &str>(3))?,
            })
        })
        .transpose()
    }

    fn enqueue(&mut self, crawl: i64, jobs: &[JobSpec]) -> Result<u64, CrawlError> {
        let mut tx = self.client.transaction()?;
        let insert = tx.prepare(
            "INSERT INTO jobs (crawl_id, url, persona) VALUES ($1, $2, $3)
             ON CONFLICT (crawl_id, url, persona) DO NOTHING",
        )?;
        let mut added = 0;
        for job in jobs {
            added += tx.execute(&insert, &[&crawl, &job.url, &job.persona])?;
        }
        if added > 0 {
            tx.execute("UPDATE crawls SET state = 'open' WHERE id = $1", &[&crawl])?;
        }
        tx.commit()?;
        Ok(added)
    }

    fn claim(
        &mut self,
        worker: &str,
        crawl: Option<i64>,
    ) -> Result<Option<ClaimedJob>, CrawlError> {
        self.client.execute(
            &format!(
                "UPDATE jobs SET state = 'failed', finished_ms = {NOW}, lease_until_ms = NULL,
                     last_error = 'the lease of ' || COALESCE(worker, '?') || ' expired on the last attempt (worker lost)'
                 WHERE id IN (
                     SELECT j.id FROM jobs j JOIN crawls c ON c.id = j.crawl_id
                     WHERE j.state = 'running' AND j.lease_until_ms < {NOW} AND j.attempts >= c.max_attempts
                     FOR UPDATE OF j SKIP LOCKED)"
            ),
            &[],
        )?;
        let row = self.client.query_opt(
            &format!(
                "UPDATE jobs SET
                     last_error = CASE WHEN jobs.state = 'running'
                         THEN 'the lease of ' || COALESCE(jobs.worker, '?') || ' expired (worker lost)'
                         ELSE jobs.last_error END,
                     state = 'running', attempts = jobs.attempts + 1, worker = $1,
                     lease_until_ms = {NOW} + c.lease_ms
                 FROM crawls c
                 WHERE c.id = jobs.crawl_id AND jobs.id = (
                     SELECT j.id FROM jobs j JOIN crawls c2 ON c2.id = j.crawl_id
                     WHERE c2.state = 'open' AND ($2::bigint IS NULL OR j.crawl_id = $2)
                       AND ((j.state = 'pending' AND j.not_before_ms <= {NOW})
                         OR (j.state = 'running' AND j.lease_until_ms < {NOW}))
                     ORDER BY j.id LIMIT 1
                     FOR UPDATE OF j SKIP LOCKED)
                 RETURNING jobs.id, jobs.crawl_id, jobs.url, jobs.persona, jobs.attempts, c.config"
            ),
            &[&worker, &crawl],
        )?;
        row.map(|r| {
            Ok(ClaimedJob {
                id: r.get(0),
                crawl_id: r.get(1),
                url: r.get(2),
                persona: r.get(3),
                attempt: to_u32(r.get(4)),
                worker: worker.to_string(),
                config: serde_json::from_str(r.get::<_, &str>(5))?,
            })
        })
        .transpose()
    }

    fn heartbeat(&mut self, worker: &str) -> Result<u64, CrawlError> {
        Ok(self.client.execute(
            &format!(
                "UPDATE jobs SET lease_until_ms = {NOW} + c.lease_ms FROM crawls c
                 WHERE c.id = jobs.crawl_id AND jobs.worker = $1 AND jobs.state = 'running'
                   AND jobs.lease_until_ms >= {NOW}"
            ),
            &[&worker],
        )?)
    }

    fn complete(&mut self, job: &ClaimedJob, rows: &ResultRows) -> Result<(), CrawlError> {
        let attempt = job.attempt.min(i32::MAX as u32) as i32;
        let mut tx = self.client.transaction()?;
        let held = tx.execute(
            &format!(
                "UPDATE jobs SET state = 'done', lease_until_ms = NULL, finished_ms = {NOW}
                 WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'
                   AND lease_until_ms >= {NOW}"
            ),
            &[&job.id, &job.worker, &attempt],
        )?;
        if held == 0 {
            return Err(CrawlError::LeaseLost { job: job.id });
        }
        let duration = rows.duration_ms.min(i64::MAX as u64) as i64;
        let result_id: i64 = tx
            .query_one(
                &format!(
                    "INSERT INTO results (crawl_id, job_id, url, persona, worker, attempt, scanned_ms,
                         duration_ms, verdict, highest, report)
                     VALUES ($1, $2, $3, $4, $5, $6, {NOW}, $7, $8, $9, CAST($10::text AS jsonb)) RETURNING id"
                ),
                &[
                    &job.crawl_id,
                    &job.id,
                    &job.url,
                    &job.persona,
                    &job.worker,
                    &attempt,
                    &duration,
                    &rows.verdict,
                    &rows.highest,
                    &rows.report_json,
                ],
            )?
            .get(0);
        let finding = tx.prepare(
            "INSERT INTO result_findings (result_id, crawl_id, url, rule, severity, destination, entity, country)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )?;
        for row in &rows.findings {
            tx.execute(
                &finding,
                &[
                    &result_id,
                    &job.crawl_id,
                    &job.url,
                    &row.rule,
                    &row.severity,
                    &row.destination,
                    &row.entity,
                    &row.country,
                ],
            )?;
        }
        let party = tx.prepare(
            "INSERT INTO result_third_parties (result_id, crawl_id, url, host, domain, entity, country, contacted)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )?;
        for row in &rows.third_parties {
            tx.execute(
                &party,
                &[
                    &result_id,
                    &job.crawl_id,
                    &job.url,
                    &row.host,
                    &row.domain,
                    &row.entity,
                    &row.country,
                    &row.contacted,
                ],
            )?;
        }
        let leak = tx.prepare(
            "INSERT INTO result_leaks (result_id, crawl_id, url, rule, what, encoding, destination, entity, country)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )?;
        for row in &rows.leaks {
            tx.execute(
                &leak,
                &[
                    &result_id,
                    &job.crawl_id,
                    &job.url,
                    &row.rule,
                    &row.what,
                    &row.encoding,
                    &row.destination,
                    &row.entity,
                    &row.country,
                ],
            )?;
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
            None => ("failed", 0i64),
        };
        let attempt = job.attempt.min(i32::MAX as u32) as i32;
        self.client.execute(
            &format!(
                "UPDATE jobs SET state = $4, last_error = $5, lease_until_ms = NULL,
                     not_before_ms = {NOW} + $6,
                     finished_ms = CASE WHEN $4 = 'failed' THEN {NOW} ELSE NULL END
                 WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'"
            ),
            &[&job.id, &job.worker, &attempt, &state, &error, &delay_ms],
        )?;
        Ok(())
    }

    fn release(&mut self, job: &ClaimedJob) -> Result<bool, CrawlError> {
        let attempt = job.attempt.min(i32::MAX as u32) as i32;
        let released = self.client.execute(
            "UPDATE jobs SET state = 'pending', lease_until_ms = NULL, attempts = attempts - 1
             WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'",
            &[&job.id, &job.worker, &attempt],
        )?;
        Ok(released > 0)
    }

    fn counts(&mut self, crawl: Option<i64>) -> Result<JobCounts, CrawlError> {
        let rows = self.client.query(
            "SELECT j.state, COUNT(*) FROM jobs j JOIN crawls c ON c.id = j.crawl_id
             WHERE ($1::bigint IS NULL AND c.state = 'open') OR j.crawl_id = $1 GROUP BY j.state",
            &[&crawl],
        )?;
        let mut counts = JobCounts::default();
        for row in rows {
            let n = row.get::<_, i64>(1).max(0) as u64;
            match JobState::parse(row.get(0)) {
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
        let changed = self.client.execute(
            "UPDATE crawls SET state = 'finished' WHERE id = $1 AND state = 'open'
               AND NOT EXISTS (SELECT 1 FROM jobs WHERE crawl_id = $1 AND state IN ('pending', 'running'))",
            &[&crawl],
        )?;
        Ok(changed > 0)
    }

    fn jobs(&mut self, crawl: i64) -> Result<Vec<JobRow>, CrawlError> {
        let rows = self.client.query(
            "SELECT j.url, j.persona, j.state, j.attempts, j.worker, j.last_error,
                    (SELECT COUNT(*) FROM results r WHERE r.crawl_id = j.crawl_id AND r.url = j.url AND r.persona = j.persona),
                    (SELECT r.worker FROM results r WHERE r.job_id = j.id)
             FROM jobs j WHERE j.crawl_id = $1 ORDER BY j.id",
            &[&crawl],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| JobRow {
                url: r.get(0),
                persona: r.get(1),
                state: JobState::parse(r.get(2)).unwrap_or(JobState::Failed),
                attempts: to_u32(r.get(3)),
                worker: r.get(4),
                last_error: r.get(5),
                results: r.get::<_, i64>(6).clamp(0, u32::MAX as i64) as u32,
                result_worker: r.get(7),
            })
            .collect())
    }

    fn query_table(&mut self, sql: &str, crawl: i64) -> Result<Vec<Vec<String>>, CrawlError> {
        let rows = self.client.query(sql, &[&crawl])?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.get::<_, Option<String>>(i).unwrap_or_default())
                    .collect()
            })
            .collect())
    }

    fn reports(&mut self, crawl: i64) -> Result<Vec<(String, String, String)>, CrawlError> {
        let rows = self.client.query(
            "SELECT url, persona, report::text FROM results WHERE crawl_id = $1 ORDER BY id",
            &[&crawl],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }
}
