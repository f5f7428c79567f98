//! `outflow crawl stats` and `outflow crawl status`: a crawl read back from
//! its database.

use std::path::PathBuf;

use crate::error::{CommandError, CrawlError};
use crate::job::{CrawlInfo, JobState};
use crate::queue::Queue;
use crate::run::{db_target, open_db};
use crate::stats::Stats;

/// Which crawl to read, from which database, and how to print it.
#[derive(Debug, Clone)]
pub struct ReadoutRequest {
    /// The crawl database (`--db`; `None`: the per-user default).
    pub db: Option<String>,
    /// The crawl (`None`: the most recent).
    pub name: Option<String>,
    /// Print JSON instead of text.
    pub json: bool,
}

/// `outflow crawl stats`: prints the crawl's aggregate tables on standard
/// output, and writes each as CSV into `csv` when given (naming each file
/// written on standard error).
pub fn print_stats(request: &ReadoutRequest, csv: Option<&PathBuf>) -> Result<(), CommandError> {
    let mut queue = open_db(&db_target(request.db.as_deref())?)?;
    let crawl = find(queue.as_mut(), request.name.as_deref())?;
    let stats = Stats::compute(queue.as_mut(), &crawl)
        .map_err(CommandError::step("computing the statistics"))?;
    if request.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&stats).map_err(CrawlError::from)?
        );
    } else {
        print!("{}", stats.to_text());
    }
    if let Some(dir) = csv {
        for path in stats.write_csv(dir)? {
            eprintln!("written: {}", path.display());
        }
    }
    Ok(())
}

/// `outflow crawl status`: prints the crawl's job counts and every job that
/// is not done or met an error (with `json`, one object with the crawl, its
/// counts and every job).
pub fn print_status(request: &ReadoutRequest) -> Result<(), CommandError> {
    let mut queue = open_db(&db_target(request.db.as_deref())?)?;
    let crawl = find(queue.as_mut(), request.name.as_deref())?;
    let counts = queue.counts(Some(crawl.id))?;
    let jobs = queue.jobs(crawl.id)?;
    if request.json {
        let document = serde_json::json!({
            "crawl": crawl,
            "counts": counts,
            "jobs": jobs,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&document).map_err(CrawlError::from)?
        );
    } else {
        println!(
            "crawl {} ({}): {} jobs, {} done, {} failed, {} pending, {} running",
            crawl.name,
            crawl.state,
            counts.total(),
            counts.done,
            counts.failed,
            counts.pending,
            counts.running
        );
        for job in jobs
            .iter()
            .filter(|j| j.last_error.is_some() || j.state != JobState::Done)
        {
            println!(
                "  {:?} {}{} (attempts {}): {}",
                job.state,
                job.url,
                if job.persona.is_empty() {
                    String::new()
                } else {
                    format!(" as {}", job.persona)
                },
                job.attempts,
                job.last_error.as_deref().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// The crawl named `name`, or the most recent one.
fn find(queue: &mut dyn Queue, name: Option<&str>) -> Result<CrawlInfo, CommandError> {
    queue.find_crawl(name)?.ok_or_else(|| {
        CommandError::Usage(match name {
            Some(name) => format!("no crawl named {name:?} in this database"),
            None => "no crawl in this database".to_string(),
        })
    })
}
