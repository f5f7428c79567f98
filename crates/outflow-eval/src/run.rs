//! `outflow eval`: a corpus evaluated and printed, with whether it meets
//! its targets.

use std::path::Path;

use outflow_model::Severity;

use crate::error::EvalError;
use crate::evaluate::evaluate;
use crate::labels::Labels;

/// Output formats of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalFormat {
    /// Confusion matrices, per-sample findings and the targets, as text.
    Terminal,
    /// The evaluation as JSON (matrices with the samples in each cell).
    Json,
}

/// An evaluation as printed.
#[derive(Debug, Clone)]
pub struct EvalRun {
    /// The evaluation in the format asked for, ending with a newline.
    pub text: String,
    /// No positive was missed and no hard negative flagged.
    pub met: bool,
}

/// Evaluates the corpus of the labels file (or of the directory holding
/// `labels.toml`) at `corpus`; `min_severity` overrides the labels'. Runs
/// without host intelligence: the labels judge what code does, and the
/// same corpus must give the same matrices on every machine.
pub fn run(
    corpus: &Path,
    min_severity: Option<Severity>,
    format: EvalFormat,
    tool_version: &str,
) -> Result<EvalRun, EvalError> {
    let mut labels = Labels::load(corpus)?;
    if let Some(severity) = min_severity {
        labels.min_severity = severity;
    }
    let options = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &options,
        intel: None,
        site: None,
        tool_version,
    };
    let evaluation = evaluate(&labels, &pipeline)?;
    let text = match format {
        EvalFormat::Terminal => evaluation.render(&labels),
        EvalFormat::Json => serde_json::to_string_pretty(&evaluation)? + "\n",
    };
    let met = evaluation.missed_positives(&labels).is_empty()
        && evaluation.flagged_hard_negatives().is_empty();
    Ok(EvalRun { text, met })
}
