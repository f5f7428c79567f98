//! The aggregate tables of a crawl: what a study reports.
//!
//! Sites are counted by distinct URL (a site scanned under several personas
//! counts once); shares are of the sites with a stored result.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::error::CrawlError;
use crate::job::{CrawlInfo, JobCounts};
use crate::queue::Queue;

/// How many rows the "most common" tables keep.
pub const TOP: usize = 50;

/// Rules that detect fingerprinting (the prevalence table).
const FINGERPRINTING_RULES: &str = "('canvas-fingerprinting', 'webgl-fingerprinting', 'audio-fingerprinting', \
     'font-fingerprinting', 'device-fingerprinting', 'webrtc-ip-discovery')";

/// One table: a title, column names and rows of text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Table {
    /// What the table shows; also its CSV file's stem.
    pub title: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table as CSV (RFC 4180 quoting).
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&quoted.join(","));
            out.push_str("\r\n");
        };
        line(&mut out, &self.columns);
        for row in &self.rows {
            line(&mut out, row);
        }
        out
    }

    /// The table aligned for a terminal.
    pub fn to_text(&self) -> String {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count().min(60));
                }
            }
        }
        let mut out = format!("{}\n", self.title.replace('_', " "));
        let render = |out: &mut String, cells: &[String]| {
            let mut line = String::from("  ");
            for (i, cell) in cells.iter().enumerate() {
                let width = widths.get(i).copied().unwrap_or(0);
                let shown: String = cell.chars().take(60).collect();
                let _ = write!(line, "{shown:<width$}  ");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        };
        render(&mut out, &self.columns);
        if self.rows.is_empty() {
            out.push_str("  (none)\n");
        }
        for row in &self.rows {
            render(&mut out, row);
        }
        out
    }
}

fn csv_cell(cell: &str) -> String {
    // A leading = + - @ makes spreadsheets evaluate the cell: hostile page
    // data must stay text.
    let cell = if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    };
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// The statistics of one crawl.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// The crawl.
    pub crawl: String,
    /// Jobs by state.
    pub jobs: JobCounts,
    /// Distinct sites with a stored result.
    pub sites_scanned: u64,
    /// The tables.
    pub tables: Vec<Table>,
}

fn share(count: &str, total: u64) -> String {
    match count.parse::<f64>() {
        Ok(n) if total > 0 => format!("{:.1}%", 100.0 * n / total as f64),
        _ => String::new(),
    }
}

impl Stats {
    /// Computes every table of `crawl`.
    pub fn compute(queue: &mut dyn Queue, crawl: &CrawlInfo) -> Result<Self, CrawlError> {
        let id = crawl.id;
        let jobs = queue.counts(Some(id))?;
        let sites_scanned = queue
            .query_table(
                "SELECT CAST(COUNT(DISTINCT url) AS TEXT) FROM results WHERE crawl_id = $1",
                id,
            )?
            .first()
            .and_then(|r| r.first())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let top = TOP;
        let mut tables = vec![
            queue.table(
                "sites_by_finding",
                &["rule", "highest_severity", "sites"],
                "SELECT rule, MAX(severity_rank) AS s, CAST(COUNT(DISTINCT url) AS TEXT) AS n FROM (
                     SELECT rule, url, CASE severity WHEN 'critical' THEN '5 critical' WHEN 'high' THEN '4 high'
                         WHEN 'medium' THEN '3 medium' WHEN 'low' THEN '2 low' ELSE '1 info' END AS severity_rank
                     FROM result_findings WHERE crawl_id = $1) f
                 GROUP BY rule ORDER BY COUNT(DISTINCT url) DESC, rule",
                id,
            )?,
            queue.table(
                "third_parties",
                &["domain", "entity", "country", "sites", "sites_contacted"],
                &format!(
                    "SELECT domain, COALESCE(MAX(entity), ''), COALESCE(MAX(country), ''),
                         CAST(COUNT(DISTINCT url) AS TEXT),
                         CAST(COUNT(DISTINCT CASE WHEN contacted THEN url END) AS TEXT)
                     FROM result_third_parties WHERE crawl_id = $1
                     GROUP BY domain ORDER BY COUNT(DISTINCT url) DESC, domain LIMIT {top}"
                ),
                id,
            )?,
            queue.table(
                "entities",
                &["entity", "country", "domains", "sites"],
                &format!(
                    "SELECT entity, COALESCE(MAX(country), ''), CAST(COUNT(DISTINCT domain) AS TEXT),
                         CAST(COUNT(DISTINCT url) AS TEXT)
                     FROM result_third_parties WHERE crawl_id = $1 AND entity IS NOT NULL
                     GROUP BY entity ORDER BY COUNT(DISTINCT url) DESC, entity LIMIT {top}"
                ),
                id,
            )?,
            queue.table(
                "leaks_by_encoding",
                &["encoding", "sites", "destinations"],
                "SELECT encoding, CAST(COUNT(DISTINCT url) AS TEXT), CAST(COUNT(DISTINCT destination) AS TEXT)
                 FROM result_leaks WHERE crawl_id = $1
                 GROUP BY encoding ORDER BY COUNT(DISTINCT url) DESC, encoding",
                id,
            )?,
            queue.table(
                "leaks_by_destination",
                &["destination", "entity", "country", "what", "sites"],
                &format!(
                    "SELECT destination, COALESCE(MAX(entity), ''), COALESCE(MAX(country), ''), what,
                         CAST(COUNT(DISTINCT url) AS TEXT)
                     FROM result_leaks WHERE crawl_id = $1
                     GROUP BY destination, what ORDER BY COUNT(DISTINCT url) DESC, destination, what LIMIT {top}"
                ),
                id,
            )?,
            queue.table(
                "fingerprinting",
                &["technique", "sites"],
                &format!(
                    "SELECT rule, CAST(COUNT(DISTINCT url) AS TEXT) FROM result_findings
                     WHERE crawl_id = $1 AND rule IN {FINGERPRINTING_RULES}
                     GROUP BY rule
                     UNION ALL
                     SELECT 'any', CAST(COUNT(DISTINCT url) AS TEXT) FROM result_findings
                     WHERE crawl_id = $1 AND rule IN {FINGERPRINTING_RULES}"
                ),
                id,
            )?,
        ];
        // The severity rank only orders: drop its digit.
        if let Some(table) = tables.first_mut() {
            for row in &mut table.rows {
                if let Some(cell) = row.get_mut(1) {
                    *cell = cell
                        .split_once(' ')
                        .map(|(_, s)| s.to_string())
                        .unwrap_or_default();
                }
            }
        }
        // Shares of the scanned sites, beside each count of sites.
        for table in &mut tables {
            if let Some(at) = table.columns.iter().position(|c| c == "sites") {
                table.columns.insert(at + 1, "share".to_string());
                for row in &mut table.rows {
                    let cell = share(row.get(at).map(String::as_str).unwrap_or(""), sites_scanned);
                    row.insert((at + 1).min(row.len()), cell);
                }
            }
        }
        Ok(Self {
            crawl: crawl.name.clone(),
            jobs,
            sites_scanned,
            tables,
        })
    }

    /// Every table for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "crawl {}: {} jobs, {} done, {} failed, {} pending, {} running; {} sites with results\n\n",
            self.crawl,
            self.jobs.total(),
            self.jobs.done,
            self.jobs.failed,
            self.jobs.pending,
            self.jobs.running,
            self.sites_scanned
        );
        for table in &self.tables {
            out.push_str(&table.to_text());
            out.push('\n');
        }
        out
    }

    /// Writes each table as `<title>.csv` in `dir`; returns the paths.
    pub fn write_csv(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>, CrawlError> {
        std::fs::create_dir_all(dir).map_err(|source| CrawlError::Io {
            what: format!("creating {}", dir.display()),
            source,
        })?;
        let mut written = Vec::new();
        for table in &self.tables {
            let path = dir.join(format!("{}.csv", table.title));
            std::fs::write(&path, table.to_csv()).map_err(|source| CrawlError::Io {
                what: format!("writing {}", path.display()),
                source,
            })?;
            written.push(path);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let table = Table {
            title: "t".to_string(),
            columns: vec!["a".to_string(), "b".to_string()],
            rows: vec![vec!["x,y".to_string(), "=HYPERLINK(\"z\")".to_string()]],
        };
        assert_eq!(
            table.to_csv(),
            "a,b\r\n\"x,y\",\"'=HYPERLINK(\"\"z\"\")\"\r\n"
        );
    }

    #[test]
    fn shares_are_of_scanned_sites() {
        assert_eq!(share("5", 50), "10.0%");
        assert_eq!(share("5", 0), "");
        assert_eq!(share("", 50), "");
    }
}
