//! What `scan`, `har` and `js` share once they have reports: the output
//! format, the `--fail-on` gate and the options of attribution.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use outflow_model::{Report, Severity};

/// Output formats of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable summary.
    Terminal,
    /// The versioned JSON document.
    Json,
}

/// Options every report-producing command takes.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

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
    /// Loads host intelligence unless `--no-intel`.
    pub fn intel(&self) -> anyhow::Result<Option<outflow_intel::Intel>> {
        if self.no_intel {
            return Ok(None);
        }
        let options = outflow_intel::IntelOptions {
            intel_dirs: self.intel.clone(),
            first_party: self.first_party.clone(),
            ..Default::default()
        };
        outflow_intel::Intel::load(&options)
            .map(Some)
            .context("loading intelligence data")
    }
}

/// Renders reports in `format` to standard output: terminal reports one
/// after the other, JSON as one object (one report) or an array.
pub fn emit(reports: &[Report], format: Format) -> anyhow::Result<()> {
    let text = match format {
        Format::Terminal => reports
            .iter()
            .map(outflow_report::terminal)
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Json => match reports {
            [one] => outflow_report::json(one),
            many => serde_json::to_string_pretty(many).context("serialising reports")?,
        },
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("writing the report")?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n").context("writing the report")?;
    }
    Ok(())
}

/// The exit status: 2 when something could not be analysed at all, else 1
/// when a finding reaches `fail_on`, else 0.
pub fn exit_code(reports: &[Report], fail_on: Option<Severity>, failed: bool) -> ExitCode {
    if failed {
        return ExitCode::from(2);
    }
    let reached = fail_on.is_some_and(|gate| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .any(|f| f.severity >= gate)
    });
    if reached {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
