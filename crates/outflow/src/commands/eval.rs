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

/// Runs `outflow eval` (see [`outflow_eval::run`]). Exits 1 when a
/// positive is missed or a hard negative is flagged, 2 when the corpus
/// cannot be read.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let evaluation = outflow_eval::run(
        &args.corpus,
        args.min_severity,
        match args.format {
            EvalFormat::Terminal => outflow_eval::EvalFormat::Terminal,
            EvalFormat::Json => outflow_eval::EvalFormat::Json,
        },
        env!("CARGO_PKG_VERSION"),
    )?;
    std::io::stdout()
        .lock()
        .write_all(evaluation.text.as_bytes())
        .context("writing the evaluation")?;
    Ok(if evaluation.met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
