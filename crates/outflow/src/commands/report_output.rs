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

/// What analysing captures needs for a whole run, loaded once: host
/// intelligence (unless turned off) and the script-analysis limits, and the
/// options it was loaded with, for the evidence bundle.
pub struct Analyser {
    intel: Option<outflow_intel::Intel>,
    js: outflow_js::Options,
    intel_dirs: Vec<PathBuf>,
    first_party: Vec<String>,
}

impl Analyser {
    /// Loads intelligence per `args`; `attribute: false` (e.g.
    /// `--capture-only`) skips loading it.
    pub fn load(args: &ReportArgs, attribute: bool) -> anyhow::Result<Self> {
        Ok(Self {
            intel: if attribute { args.intel()? } else { None },
            js: outflow_js::Options::default(),
            intel_dirs: args.intel.clone(),
            first_party: args.first_party.clone(),
        })
    }

    /// Records in `bundle` how reports are made: whether hosts are
    /// attributed, the `--first-party` domains, and a copy of each
    /// `--intel` folder, so that `outflow verify` needs no option.
    pub fn bundle_settings(
        &self,
        bundle: &outflow_bundle::Bundle,
    ) -> anyhow::Result<outflow_bundle::AnalysisSettings> {
        let pipeline = self.pipeline();
        let mut settings = outflow_bundle::AnalysisSettings {
            intel: pipeline.intel.is_some(),
            site: pipeline.site.map(str::to_string),
            ..Default::default()
        };
        if settings.intel {
            settings.first_party = self.first_party.clone();
            for dir in &self.intel_dirs {
                settings.intel_dirs.push(
                    bundle
                        .add_intel_dir(dir)
                        .with_context(|| format!("copying {} into the bundle", dir.display()))?,
                );
            }
        }
        Ok(settings)
    }

    /// The pipeline over what was loaded.
    pub fn pipeline(&self) -> outflow_pipeline::Pipeline<'_> {
        outflow_pipeline::Pipeline {
            js: &self.js,
            intel: self.intel.as_ref(),
            site: None,
            tool_version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Renders reports to standard output: terminal reports one after the
/// other, JSON as one object (one report) or an array, SARIF as one log
/// with a run per report, HTML as one page (an index first when there are
/// several).
pub fn emit_with(reports: &[Report], format: Format, color: ColorChoice) -> anyhow::Result<()> {
    let text = render(reports, format, color)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("writing the report")?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n").context("writing the report")?;
    }
    Ok(())
}

/// Reports as text in one format.
pub fn render(reports: &[Report], format: Format, color: ColorChoice) -> anyhow::Result<String> {
    Ok(match format {
        Format::Terminal => {
            let options = terminal_options(color);
            reports
                .iter()
                .map(|r| outflow_report::terminal_with(r, &options))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Format::Json => match reports {
            [one] => outflow_report::json(one),
            many => serde_json::to_string_pretty(many).context("serialising reports")?,
        },
        Format::Sarif => outflow_report::sarif(reports, &rule_docs()),
        Format::Html => outflow_report::html_many(reports),
    })
}

/// The documentation of every rule, for SARIF's help texts.
pub fn rule_docs() -> Vec<outflow_report::RuleDoc> {
    outflow_detect::RULES
        .iter()
        .map(|rule| outflow_report::RuleDoc {
            slug: rule.slug().to_string(),
            summary: rule.summary(),
            documentation: rule.documentation(),
        })
        .collect()
}

/// Colour and width for standard output.
pub fn terminal_options(color: ColorChoice) -> outflow_report::TerminalOptions {
    let choice = match color {
        ColorChoice::Auto => outflow_report::ColorMode::Auto,
        ColorChoice::Always => outflow_report::ColorMode::Always,
        ColorChoice::Never => outflow_report::ColorMode::Never,
    };
    outflow_report::TerminalOptions::for_stdout(choice)
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
