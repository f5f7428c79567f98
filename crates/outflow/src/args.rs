//! Argument groups more than one command takes, and how they convert into
//! the plain options of the libraries. Command modules import these, never
//! each other.

use std::path::PathBuf;
use std::time::Duration;

use outflow_crawl::JobRunOptions;
use outflow_model::Severity;
use outflow_session::{
    AttributionOptions, ColorMode, DiffFormat, FollowOptions, OutputOptions, ReportFormat,
};

/// Output formats of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable summary.
    Terminal,
    /// The versioned JSON document (schema/report.schema.json).
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// One self-contained HTML page (with several captures: an index,
    /// then each report).
    Html,
}

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and NO_COLOR is unset.
    Auto,
    /// Always (overrides NO_COLOR).
    Always,
    /// Never.
    Never,
}

/// Options every report-producing command takes.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

    /// Colour in terminal output: auto (a terminal, NO_COLOR unset),
    /// always or never.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,

    /// Exit with status 1 when a finding is at or above this severity
    /// (info, low, medium, high, critical). Without it, findings do not
    /// change the exit status.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Do not attribute hosts to their owners (every host then counts as a
    /// third party of unknown owner).
    #[arg(long)]
    pub no_intel: bool,

    /// Folders of entity files that add to or override the built-in data.
    #[arg(long, value_name = "DIR")]
    pub intel: Vec<PathBuf>,

    /// Domains (with their subdomains) that belong to the site itself.
    /// Repeatable.
    #[arg(long, value_name = "DOMAIN")]
    pub first_party: Vec<String>,
}

impl ReportArgs {
    /// How hosts are attributed.
    pub fn attribution(&self) -> AttributionOptions {
        AttributionOptions {
            no_intel: self.no_intel,
            intel_dirs: self.intel.clone(),
            first_party: self.first_party.clone(),
        }
    }

    /// How reports are printed and when they fail the run.
    pub fn output(&self) -> OutputOptions {
        OutputOptions {
            format: match self.format {
                Format::Terminal => ReportFormat::Terminal,
                Format::Json => ReportFormat::Json,
                Format::Sarif => ReportFormat::Sarif,
                Format::Html => ReportFormat::Html,
            },
            color: match self.color {
                ColorChoice::Auto => ColorMode::Auto,
                ColorChoice::Always => ColorMode::Always,
                ColorChoice::Never => ColorMode::Never,
            },
            fail_on: self.fail_on,
        }
    }
}

/// Output formats of the history commands (`history`, `diff`, `csp`,
/// `watch`): their documents are not reports, so only these two apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocumentFormat {
    /// Readable text.
    Terminal,
    /// JSON.
    Json,
}

/// Where the scan history lives.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The history database (default: outflow/outflow.db in the per-user
    /// data folder, e.g. ~/.local/share/outflow/outflow.db).
    #[arg(long, value_name = "PATH", env = "OUTFLOW_DB")]
    pub db: Option<PathBuf>,
}

impl From<DocumentFormat> for outflow_session::DocumentFormat {
    fn from(format: DocumentFormat) -> Self {
        match format {
            DocumentFormat::Terminal => Self::Terminal,
            DocumentFormat::Json => Self::Json,
        }
    }
}

impl From<DocumentFormat> for DiffFormat {
    fn from(format: DocumentFormat) -> Self {
        match format {
            DocumentFormat::Terminal => DiffFormat::Terminal,
            DocumentFormat::Json => DiffFormat::Json,
        }
    }
}

/// Options of `scan` and `har` for what follows their reports: the history
/// database, the policy gate and change alerts.
#[derive(Debug, Clone, clap::Args)]
pub struct FollowArgs {
    #[command(flatten)]
    pub db: DbArgs,

    /// Check each report against this policy file (TOML) and exit 1 with
    /// one message per violation when it is broken: the CI gate. HAR files
    /// carry no DOM, so for them `require_sri` asks for hashes pinned in
    /// the policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Save each report and print its changes since the page's previous
    /// saved scan (standard error).
    #[arg(long)]
    pub alert_on_change: bool,

    /// With --alert-on-change: POST each change as JSON to this URL.
    #[arg(long, value_name = "URL", requires = "alert_on_change")]
    pub webhook: Option<String>,
}

impl FollowArgs {
    /// The session's options: `save` says whether every report is saved,
    /// `save_asked` whether saving was asked for explicitly.
    pub fn options(&self, save: bool, save_asked: bool) -> FollowOptions {
        FollowOptions {
            db: self.db.db.clone(),
            policy: self.policy.clone(),
            alert_on_change: self.alert_on_change,
            webhook: self.webhook.clone(),
            save,
            save_asked,
        }
    }
}

/// Parses `6h`, `30m`, `45s`, `1d` (a bare number is seconds).
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("expected a number with s, m, h or d, got {text:?}"))?;
    let seconds = match unit {
        "" | "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        "d" => number.saturating_mul(86_400),
        other => return Err(format!("unknown unit {other:?} (s, m, h or d)")),
    };
    if seconds == 0 {
        return Err("the interval must be at least one second".to_string());
    }
    Ok(Duration::from_secs(seconds))
}

/// Where the crawl database is.
#[derive(Debug, Clone, clap::Args)]
pub struct CrawlDbArgs {
    /// The crawl database: a SQLite file, or a PostgreSQL URL
    /// (postgres://user@host:port/db) shared by `outflow worker`s on other
    /// machines. Default: outflow/crawl.db in the per-user data folder.
    #[arg(long, value_name = "PATH|postgres://...", env = "OUTFLOW_CRAWL_DB")]
    pub db: Option<String>,
}

/// Options of running jobs, shared with `outflow worker`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Sites scanned at the same time (one Chromium each).
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub concurrency: usize,

    /// Do not attribute hosts to their owners.
    #[arg(long)]
    pub no_intel: bool,

    /// On Ctrl-C or SIGTERM: seconds the scans in progress may take to
    /// finish before they are abandoned (their sites go back to the queue).
    /// A second Ctrl-C quits at once.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub grace: u64,

    /// The scan history where a SQLite crawl also saves each site's report,
    /// so that `outflow history URL` and `outflow diff` see crawled sites
    /// (default: the history database of `outflow scan`). PostgreSQL crawls
    /// keep their results in PostgreSQL only.
    #[arg(long = "history", value_name = "PATH", env = "OUTFLOW_DB")]
    pub history: Option<PathBuf>,

    /// Keep results in the crawl database only, not in the scan history
    /// (wins over --history and OUTFLOW_DB).
    #[arg(long)]
    pub no_history: bool,
}

impl RunArgs {
    /// How this process runs crawl jobs.
    pub fn options(&self) -> JobRunOptions {
        JobRunOptions {
            concurrency: self.concurrency,
            no_intel: self.no_intel,
            grace: Duration::from_secs(self.grace),
            history: self.history.clone(),
            no_history: self.no_history,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_interval;
    use std::time::Duration;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_interval("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_interval("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("6 hours").is_err());
        assert!(parse_interval("h").is_err());
        assert!(parse_interval("99999999999999999999h").is_err());
    }
}
