//! The queue and result store, written once for both engines: every
//! statement below is rendered for the connection's dialect
//! ([`crate::dialect`]) and run through its [`Engine`].

use std::time::Duration;

use crate::engine::{Engine, Param, Value};
use crate::error::CrawlError;
use crate::history::UnsavedResult;
use crate::job::{ClaimedJob, CrawlConfig, CrawlInfo, JobCounts, JobRow, JobSpec, JobState};
use crate::queue::{Backend, Queue};
use crate::rows::ResultRows;

/// Creates a crawl, or reopens it with new settings.
const OPEN_CRAWL: &str =
    "INSERT INTO crawls (name, state, config, lease_ms, max_attempts, created_ms)
     VALUES ($1, 'open', $2, $3, $4, {NOW})
     ON CONFLICT (name) DO UPDATE SET state = 'open', config = excluded.config,
         lease_ms = excluded.lease_ms, max_attempts = excluded.max_attempts
     RETURNING id";

const FIND_CRAWL: &str = "SELECT id, name, state, config FROM crawls
     WHERE (CAST($1 AS TEXT) IS NULL OR name = $1) ORDER BY id DESC LIMIT 1";

const ENQUEUE: &str = "INSERT INTO jobs (crawl_id, url, persona) VALUES ($1, $2, $3)
     ON CONFLICT (crawl_id, url, persona) DO NOTHING";

const REOPEN_CRAWL: &str = "UPDATE crawls SET state = 'open' WHERE id = $1";

/// Running jobs whose lease expired on their last attempt: failed.
const FAIL_EXPIRED: &str = "UPDATE jobs SET state = 'failed', finished_ms = {NOW}, lease_until_ms = NULL,
         last_error = 'the lease of ' || COALESCE(worker, '?') || ' expired on the last attempt (worker lost)'
     WHERE id IN (
         SELECT j.id FROM jobs j JOIN crawls c ON c.id = j.crawl_id
         WHERE j.state = 'running' AND j.lease_until_ms < {NOW} AND j.attempts >= c.max_attempts
         {SKIP_LOCKED})";

/// Takes the next claimable job (pending past its back-off, or running
/// with an expired lease) under a new lease. The SET expressions read the
/// row as it was, so `last_error` notes whose lease expired.
const CLAIM: &str = "UPDATE jobs SET
         last_error = CASE WHEN state = 'running'
             THEN 'the lease of ' || COALESCE(worker, '?') || ' expired (worker lost)'
             ELSE last_error END,
         state = 'running', attempts = attempts + 1, worker = $1,
         lease_until_ms = {NOW} + (SELECT c.lease_ms FROM crawls c WHERE c.id = jobs.crawl_id)
     WHERE id = (
         SELECT j.id FROM jobs j JOIN crawls c ON c.id = j.crawl_id
         WHERE c.state = 'open' AND (CAST($2 AS BIGINT) IS NULL OR j.crawl_id = $2)
           AND ((j.state = 'pending' AND j.not_before_ms <= {NOW})
             OR (j.state = 'running' AND j.lease_until_ms < {NOW}))
         ORDER BY j.id LIMIT 1
         {SKIP_LOCKED})
     RETURNING id, crawl_id, url, persona, CAST(attempts AS BIGINT),
         (SELECT c.config FROM crawls c WHERE c.id = jobs.crawl_id)";

const HEARTBEAT: &str = "UPDATE jobs
     SET lease_until_ms = {NOW} + (SELECT c.lease_ms FROM crawls c WHERE c.id = jobs.crawl_id)
     WHERE worker = $1 AND state = 'running' AND lease_until_ms >= {NOW}";

/// The claim `(id, worker, attempts)` still holds an unexpired lease.
const COMPLETE_JOB: &str =
    "UPDATE jobs SET state = 'done', lease_until_ms = NULL, finished_ms = {NOW}
     WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'
       AND lease_until_ms >= {NOW}";

const INSERT_RESULT: &str = "INSERT INTO results (crawl_id, job_id, url, persona, worker, attempt,
         scanned_ms, duration_ms, verdict, highest, report, facts)
     VALUES ($1, $2, $3, $4, $5, $6, {NOW}, $7, $8, $9, CAST(CAST($10 AS TEXT) AS {JSON}), $11)
     RETURNING id";

const INSERT_FINDING: &str = "INSERT INTO result_findings
         (result_id, crawl_id, url, rule, severity, destination, entity, country)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const INSERT_THIRD_PARTY: &str = "INSERT INTO result_third_parties
         (result_id, crawl_id, url, host, domain, entity, country, contacted)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const INSERT_LEAK: &str = "INSERT INTO result_leaks
         (result_id, crawl_id, url, rule, what, encoding, destination, entity, country)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// `$4` is the new state, `$6` the back-off in ms.
const FAIL: &str = "UPDATE jobs SET state = $4, last_error = $5, lease_until_ms = NULL,
         not_before_ms = {NOW} + $6,
         finished_ms = CASE WHEN $4 = 'failed' THEN {NOW} ELSE NULL END
     WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'";

const RELEASE: &str =
    "UPDATE jobs SET state = 'pending', lease_until_ms = NULL, attempts = attempts - 1
     WHERE id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'";

const COUNTS: &str = "SELECT j.state, COUNT(*) FROM jobs j JOIN crawls c ON c.id = j.crawl_id
     WHERE (CAST($1 AS BIGINT) IS NULL AND c.state = 'open') OR j.crawl_id = $1
     GROUP BY j.state";

const FINISH_IF_COMPLETE: &str =
    "UPDATE crawls SET state = 'finished' WHERE id = $1 AND state = 'open'
       AND NOT EXISTS (SELECT 1 FROM jobs WHERE crawl_id = $1 AND state IN ('pending', 'running'))";

const JOBS: &str =
    "SELECT j.url, j.persona, j.state, CAST(j.attempts AS BIGINT), j.worker, j.last_error,
         (SELECT COUNT(*) FROM results r
          WHERE r.crawl_id = j.crawl_id AND r.url = j.url AND r.persona = j.persona),
         (SELECT r.worker FROM results r WHERE r.job_id = j.id)
     FROM jobs j WHERE j.crawl_id = $1 ORDER BY j.id";

const UNSAVED_RESULTS: &str = "SELECT id, CAST(report AS TEXT), facts FROM results
     WHERE scan_id IS NULL AND (CAST($1 AS BIGINT) IS NULL OR crawl_id = $1)
     ORDER BY id LIMIT $2";

const LINK_SCAN: &str = "UPDATE results SET scan_id = $2 WHERE id = $1";

const REPORTS: &str =
    "SELECT url, persona, CAST(report AS TEXT) FROM results WHERE crawl_id = $1 ORDER BY id";

/// A queue on any engine.
pub(crate) struct SqlQueue<E: Engine> {
    engine: E,
}

impl<E: Engine> SqlQueue<E> {
    /// A queue on a connection whose schema is migrated.
    pub(crate) fn new(engine: E) -> Self {
        Self { engine }
    }

    fn execute(&mut self, template: &str, params: &[Param<'_>]) -> Result<u64, CrawlError> {
        let sql = self.engine.dialect().render(template);
        self.engine.execute(&sql, params)
    }

    fn query(
        &mut self,
        template: &str,
        params: &[Param<'_>],
    ) -> Result<Vec<Vec<Value>>, CrawlError> {
        let sql = self.engine.dialect().render(template);
        self.engine.query(&sql, params)
    }

    /// Runs `body` in a write transaction: committed when it returns `Ok`,
    /// rolled back otherwise.
    fn transaction<T>(
        &mut self,
        body: impl FnOnce(&mut Self) -> Result<T, CrawlError>,
    ) -> Result<T, CrawlError> {
        self.engine.batch(self.engine.dialect().begin_write)?;
        let outcome = body(self).and_then(|value| {
            self.engine.batch("COMMIT")?;
            Ok(value)
        });
        if outcome.is_err() {
            // After a failed COMMIT the transaction may still be open.
            let _ = self.engine.batch("ROLLBACK");
        }
        outcome
    }
}

/// The claim's attempt number, as stored.
fn attempt(job: &ClaimedJob) -> Param<'static> {
    Param::from(job.attempt)
}

fn clamp_u32(n: i64) -> u32 {
    n.clamp(0, i64::from(u32::MAX)) as u32
}

/// The columns of one row, in order.
fn columns<const N: usize>(row: Vec<Value>) -> Result<[Value; N], CrawlError> {
    let found = row.len();
    row.try_into().map_err(|_| {
        CrawlError::Invalid(format!(
            "expected {N} columns, the database returned {found}"
        ))
    })
}

fn first_int(rows: Vec<Vec<Value>>) -> Result<i64, CrawlError> {
    rows.into_iter()
        .next()
        .and_then(|row| row.into_iter().next())
        .ok_or_else(|| CrawlError::Invalid("a statement returned no row".to_string()))?
        .int()
}

impl<E: Engine> Queue for SqlQueue<E> {
    fn backend(&self) -> Backend {
        self.engine.backend()
    }

    fn open_crawl(&mut self, name: &str, config: &CrawlConfig) -> Result<i64, CrawlError> {
        let json = serde_json::to_string(config)?;
        let lease_ms =
            i64::try_from(config.lease_secs.max(1).saturating_mul(1000)).unwrap_or(i64::MAX);
        let max_attempts = config.max_attempts.clamp(1, i32::MAX as u32);
        let rows = self.query(
            OPEN_CRAWL,
            &[
                name.into(),
                json.as_str().into(),
                lease_ms.into(),
                max_attempts.into(),
            ],
        )?;
        first_int(rows)
    }

    fn find_crawl(&mut self, name: Option<&str>) -> Result<Option<CrawlInfo>, CrawlError> {
        let Some(row) = self.query(FIND_CRAWL, &[name.into()])?.into_iter().next() else {
            return Ok(None);
        };
        let [id, name, state, config] = columns(row)?;
        Ok(Some(CrawlInfo {
            id: id.int()?,
            name: name.text()?,
            state: state.text()?,
            config: serde_json::from_str(&config.text()?)?,
        }))
    }

    fn enqueue(&mut self, crawl: i64, jobs: &[JobSpec]) -> Result<u64, CrawlError> {
        self.transaction(|queue| {
            let mut added = 0;
            for job in jobs {
                added += queue.execute(
                    ENQUEUE,
                    &[crawl.into(), (&job.url).into(), (&job.persona).into()],
                )?;
            }
            if added > 0 {
                queue.execute(REOPEN_CRAWL, &[crawl.into()])?;
            }
            Ok(added)
        })
    }

    fn claim(
        &mut self,
        worker: &str,
        crawl: Option<i64>,
    ) -> Result<Option<ClaimedJob>, CrawlError> {
        let row = self.transaction(|queue| {
            queue.execute(FAIL_EXPIRED, &[])?;
            Ok(queue
                .query(CLAIM, &[worker.into(), crawl.into()])?
                .into_iter()
                .next())
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let [id, crawl_id, url, persona, attempts, config] = columns(row)?;
        Ok(Some(ClaimedJob {
            id: id.int()?,
            crawl_id: crawl_id.int()?,
            url: url.text()?,
            persona: persona.text()?,
            attempt: clamp_u32(attempts.int()?),
            worker: worker.to_string(),
            config: serde_json::from_str(&config.text()?)?,
        }))
    }

    fn heartbeat(&mut self, worker: &str) -> Result<u64, CrawlError> {
        self.execute(HEARTBEAT, &[worker.into()])
    }

    fn complete(&mut self, job: &ClaimedJob, rows: &ResultRows) -> Result<i64, CrawlError> {
        self.transaction(|queue| {
            let held = queue.execute(
                COMPLETE_JOB,
                &[job.id.into(), (&job.worker).into(), attempt(job)],
            )?;
            if held == 0 {
                return Err(CrawlError::LeaseLost { job: job.id });
            }
            let duration = i64::try_from(rows.duration_ms).unwrap_or(i64::MAX);
            let result_id = first_int(queue.query(
                INSERT_RESULT,
                &[
                    job.crawl_id.into(),
                    job.id.into(),
                    (&job.url).into(),
                    (&job.persona).into(),
                    (&job.worker).into(),
                    attempt(job),
                    duration.into(),
                    (&rows.verdict).into(),
                    (&rows.highest).into(),
                    (&rows.report_json).into(),
                    (&rows.facts_json).into(),
                ],
            )?)?;
            let site = [result_id.into(), job.crawl_id.into(), Param::from(&job.url)];
            for row in &rows.findings {
                let values = [
                    (&row.rule).into(),
                    (&row.severity).into(),
                    (&row.destination).into(),
                    (&row.entity).into(),
                    (&row.country).into(),
                ];
                queue.execute(INSERT_FINDING, &[&site[..], &values[..]].concat())?;
            }
            for row in &rows.third_parties {
                let values = [
                    (&row.host).into(),
                    (&row.domain).into(),
                    (&row.entity).into(),
                    (&row.country).into(),
                    row.contacted.into(),
                ];
                queue.execute(INSERT_THIRD_PARTY, &[&site[..], &values[..]].concat())?;
            }
            for row in &rows.leaks {
                let values = [
                    (&row.rule).into(),
                    (&row.what).into(),
                    (&row.encoding).into(),
                    (&row.destination).into(),
                    (&row.entity).into(),
                    (&row.country).into(),
                ];
                queue.execute(INSERT_LEAK, &[&site[..], &values[..]].concat())?;
            }
            Ok(result_id)
        })
    }

    fn unsaved_results(
        &mut self,
        crawl: Option<i64>,
        limit: u32,
    ) -> Result<Vec<UnsavedResult>, CrawlError> {
        self.query(UNSAVED_RESULTS, &[crawl.into(), limit.into()])?
            .into_iter()
            .map(|row| {
                let [id, report, facts] = columns(row)?;
                Ok(UnsavedResult {
                    id: id.int()?,
                    report_json: report.text()?,
                    facts_json: facts.opt_text()?,
                })
            })
            .collect()
    }

    fn link_scan(&mut self, result: i64, scan: i64) -> Result<(), CrawlError> {
        self.execute(LINK_SCAN, &[result.into(), scan.into()])?;
        Ok(())
    }

    fn fail(
        &mut self,
        job: &ClaimedJob,
        error: &str,
        retry_in: Option<Duration>,
    ) -> Result<(), CrawlError> {
        let (state, delay_ms) = match retry_in {
            Some(delay) => (
                JobState::Pending,
                i64::try_from(delay.as_millis()).unwrap_or(i64::MAX),
            ),
            None => (JobState::Failed, 0),
        };
        self.execute(
            FAIL,
            &[
                job.id.into(),
                (&job.worker).into(),
                attempt(job),
                state.as_str().into(),
                error.into(),
                delay_ms.into(),
            ],
        )?;
        Ok(())
    }

    fn release(&mut self, job: &ClaimedJob) -> Result<bool, CrawlError> {
        let released = self.execute(
            RELEASE,
            &[job.id.into(), (&job.worker).into(), attempt(job)],
        )?;
        Ok(released > 0)
    }

    fn counts(&mut self, crawl: Option<i64>) -> Result<JobCounts, CrawlError> {
        let mut counts = JobCounts::default();
        for row in self.query(COUNTS, &[crawl.into()])? {
            let [state, n] = columns(row)?;
            let n = n.int()?.max(0) as u64;
            match JobState::parse(&state.text()?) {
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
        Ok(self.execute(FINISH_IF_COMPLETE, &[crawl.into()])? > 0)
    }

    fn jobs(&mut self, crawl: i64) -> Result<Vec<JobRow>, CrawlError> {
        self.query(JOBS, &[crawl.into()])?
            .into_iter()
            .map(|row| {
                let [
                    url,
                    persona,
                    state,
                    attempts,
                    worker,
                    last_error,
                    results,
                    result_worker,
                ] = columns(row)?;
                Ok(JobRow {
                    url: url.text()?,
                    persona: persona.text()?,
                    state: JobState::parse(&state.text()?).unwrap_or(JobState::Failed),
                    attempts: clamp_u32(attempts.int()?),
                    worker: worker.opt_text()?,
                    last_error: last_error.opt_text()?,
                    results: clamp_u32(results.int()?),
                    result_worker: result_worker.opt_text()?,
                })
            })
            .collect()
    }

    fn query_table(&mut self, sql: &str, crawl: i64) -> Result<Vec<Vec<String>>, CrawlError> {
        Ok(self
            .query(sql, &[crawl.into()])?
            .into_iter()
            .map(|row| row.into_iter().map(Value::into_cell).collect())
            .collect())
    }

    fn reports(&mut self, crawl: i64) -> Result<Vec<(String, String, String)>, CrawlError> {
        self.query(REPORTS, &[crawl.into()])?
            .into_iter()
            .map(|row| {
                let [url, persona, report] = columns(row)?;
                Ok((url.text()?, persona.text()?, report.text()?))
            })
            .collect()
    }
}
