//! Running the rules over the corpus.

use std::collections::BTreeMap;

use outflow_model::Severity;
use outflow_pipeline::Pipeline;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::EvalError;
use crate::labels::{Labels, Role};
use crate::matrix::RuleMatrix;

/// What the rules concluded on one sample.
#[derive(Debug, Clone, Serialize)]
pub struct SampleResult {
    /// The sample's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The highest severity each rule reached on it (rules without a
    /// finding are absent).
    pub severities: BTreeMap<String, Severity>,
    /// Problems met while analysing it (files not analysed, …).
    pub errors: Vec<String>,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// The severity from which a finding flags a sample.
    pub min_severity: Severity,
    /// One result per sample, in the labels' order.
    pub samples: Vec<SampleResult>,
    /// One matrix per judged rule, by slug.
    pub rules: Vec<RuleMatrix>,
}

impl Evaluation {
    /// Expected rules that did not flag a positive sample: `(sample, rule)`.
    pub fn missed_positives(&self, labels: &Labels) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (sample, result) in labels.samples.iter().zip(&self.samples) {
            if sample.role != Role::Positive {
                continue;
            }
            for rule in &sample.expected {
                if !self.flags(result, rule) {
                    out.push((sample.name.clone(), rule.clone()));
                }
            }
        }
        out
    }

    /// Findings at or above the minimum severity on hard negatives, of any
    /// rule: `(sample, rule, severity)`.
    pub fn flagged_hard_negatives(&self) -> Vec<(String, String, Severity)> {
        self.samples
            .iter()
            .filter(|s| s.role == Role::HardNegative)
            .flat_map(|s| {
                s.severities
                    .iter()
                    .filter(|(_, severity)| **severity >= self.min_severity)
                    .map(|(rule, severity)| (s.name.clone(), rule.clone(), *severity))
            })
            .collect()
    }

    fn flags(&self, result: &SampleResult, rule: &str) -> bool {
        result
            .severities
            .get(rule)
            .is_some_and(|s| *s >= self.min_severity)
    }
}

/// Analyses every sample with the pipeline and fills the matrices. Fails
/// before analysing anything when samples are missing on disk.
pub fn evaluate(labels: &Labels, pipeline: &Pipeline<'_>) -> Result<Evaluation, EvalError> {
    let missing: Vec<String> = labels
        .samples
        .iter()
        .filter(|s| !labels.path_of(s).exists())
        .map(|s| labels.path_of(s).display().to_string())
        .collect();
    if !missing.is_empty() {
        return Err(EvalError::MissingSamples(missing));
    }
    let samples: Vec<SampleResult> = labels
        .samples
        .par_iter()
        .map(|sample| {
            let path = labels.path_of(sample).to_string_lossy().into_owned();
            let report = outflow_pipeline::report_files(&[path], pipeline);
            let mut severities: BTreeMap<String, Severity> = BTreeMap::new();
            for finding in &report.findings {
                let entry = severities.entry(finding.rule.clone()).or_default();
                *entry = (*entry).max(finding.severity);
            }
            SampleResult {
                name: sample.name.clone(),
                role: sample.role,
                severities,
                errors: report.errors,
            }
        })
        .collect();
    let mut evaluation = Evaluation {
        min_severity: labels.min_severity,
        samples,
        rules: Vec::new(),
    };
    for rule in labels.judged_rules() {
        let mut matrix = RuleMatrix {
            rule: rule.clone(),
            ..RuleMatrix::default()
        };
        for (sample, result) in labels.samples.iter().zip(&evaluation.samples) {
            let expected = sample.expected.contains(&rule);
            if !expected && !sample.not_expected.contains(&rule) {
                continue;
            }
            matrix.record(&sample.name, expected, evaluation.flags(result, &rule));
        }
        evaluation.rules.push(matrix);
    }
    Ok(evaluation)
}
