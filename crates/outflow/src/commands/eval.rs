//! `outflow eval`: precision and recall of the rules on a labelled corpus.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use outflow_model::Severity;

/// Output formats of `outflow eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    /// Confusion matrices, per-sample findings and the targets, as text.
    Terminal,
    /// The evaluation as JSON (matrices with the samples in each cell).
    Json,
}

/// Arguments of `outflow eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The labels file, or a directory holding `labels.toml` (e.g.
    /// fixtures/eval, after scripts/setup installed its npm packages).
    #[arg(value_name = "CORPUS")]
    pub corpus: PathBuf,

    /// The severity from which a finding flags a sample (overrides the
    /// labels file's `min_severity`).
    #[arg(long, value_name = "SEVERITY")]
    pub min_severity: Option<Severity>,

    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: EvalFormat,
}

/// Runs `outflow eval`. Exits 1 when a positive is missed or a hard
/// negative is flagged, 2 when the corpus cannot be read.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut labels = outflow_eval::Labels::load(&args.corpus)?;
    if let Some(severity) = args.min_severity {
        labels.min_severity = severity;
    }
    let options = outflow_js::Options::default();
    // No host intelligence: the labels judge what code does, and the same
    // corpus must give the same matrices on every machine.
    let pipeline = outflow_pipeline::Pipeline {
        js: &options,
        intel: None,
        site: None,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let evaluation = outflow_eval::evaluate(&labels, &pipeline)?;
    let text = match args.format {
        EvalFormat::Terminal => evaluation.render(&labels),
        EvalFormat::Json => {
            serde_json::to_string_pretty(&evaluation).context("serialising the evaluation")? + "\n"
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the evaluation")?;
    let met = evaluation.missed_positives(&labels).is_empty()
        && evaluation.flagged_hard_negatives().is_empty();
    Ok(if met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
