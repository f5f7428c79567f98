//! What a run prints on standard output once it has reports or captures,
//! and the exit status they give.

use std::io::Write;

use outflow_model::{Capture, Report, Severity};
use outflow_report::ColorMode;

use crate::error::{Result, SessionError};

/// Output formats of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// A readable summary.
    #[default]
    Terminal,
    /// The versioned JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// One self-contained HTML page.
    Html,
}

/// How reports are printed and when they fail the run.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions {
    /// The format.
    pub format: ReportFormat,
    /// Colour in terminal output.
    pub color: ColorMode,
    /// `--fail-on`: exit 1 when a finding is at or above this severity.
    pub fail_on: Option<Severity>,
}

/// The exit status of a run: 0 nothing at or above `--fail-on`, 1 findings
/// at or above it (or a broken policy), 2 something could not be analysed.
pub type ExitStatus = u8;

/// Renders reports to standard output: terminal reports one after the
/// other, JSON as one object (one report) or an array, SARIF as one log
/// with a run per report, HTML as one page (an index first when there are
/// several).
pub fn emit(reports: &[Report], format: ReportFormat, color: ColorMode) -> Result<()> {
    let text = render(reports, format, color)?;
    write_stdout(&text, "writing the report")
}

/// Writes `text` to standard output, ending it with a newline.
pub fn write_stdout(text: &str, what: &'static str) -> Result<()> {
    let failed = |source| SessionError::Output { what, source };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).map_err(failed)?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n").map_err(failed)?;
    }
    Ok(())
}

/// Reports as text in one format.
pub fn render(reports: &[Report], format: ReportFormat, color: ColorMode) -> Result<String> {
    Ok(match format {
        ReportFormat::Terminal => {
            let options = outflow_report::TerminalOptions::for_stdout(color);
            reports
                .iter()
                .map(|r| outflow_report::terminal_with(r, &options))
                .collect::<Vec<_>>()
                .join("\n")
        }
        ReportFormat::Json => match reports {
            [one] => outflow_report::json(one),
            many => {
                serde_json::to_string_pretty(many).map_err(|source| SessionError::Serialise {
                    what: "serialising reports",
                    source,
                })?
            }
        },
        ReportFormat::Sarif => outflow_report::sarif(reports, &rule_docs()),
        ReportFormat::Html => outflow_report::html_many(reports),
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

/// The exit status: 2 when something could not be analysed at all, else 1
/// when a finding reaches `fail_on`, else 0.
pub fn exit_status(reports: &[Report], fail_on: Option<Severity>, failed: bool) -> ExitStatus {
    if failed {
        return 2;
    }
    let reached = fail_on.is_some_and(|gate| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .any(|f| f.severity >= gate)
    });
    u8::from(reached)
}

/// Prints held captures: one as an object, several as an array.
pub fn print_captures(printed: &[Capture]) -> Result<()> {
    if printed.is_empty() {
        return Ok(());
    }
    let failed = |source: std::io::Error| SessionError::Output {
        what: "writing the capture",
        source,
    };
    let mut stdout = std::io::stdout().lock();
    if let [one] = printed {
        serde_json::to_writer_pretty(&mut stdout, one)
    } else {
        serde_json::to_writer_pretty(&mut stdout, printed)
    }
    .map_err(|error| failed(error.into()))?;
    stdout.write_all(b"\n").map_err(failed)?;
    Ok(())
}

/// One line per capture on standard error, then its problems.
pub fn summarise(name: &str, capture: &Capture) {
    eprint!("{}", summary(name, capture));
}

/// What [`summarise`] prints.
pub fn summary(name: &str, capture: &Capture) -> String {
    let calls = capture
        .api_calls
        .as_ref()
        .map(|c| c.len().to_string())
        .unwrap_or_else(|| "n/a".to_string());
    let mut out = format!(
        "{name}: {} requests, {} scripts, {calls} API call records, {} canaries, {} problems\n",
        capture.requests.len(),
        capture.scripts.len(),
        capture.canaries.len(),
        capture.errors.len()
    );
    for error in &capture.errors {
        out.push_str(&format!("  {:?}: {}\n", error.kind, error.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_wins_over_findings() {
        assert_eq!(exit_status(&[], Some(Severity::Info), false), 0);
        assert_eq!(exit_status(&[], None, true), 2);
    }
}
