//! The evaluation as text for a terminal.

use std::fmt::Write;

use crate::evaluate::Evaluation;
use crate::labels::Labels;

impl Evaluation {
    /// Per-rule confusion matrices with precision and recall, then each
    /// sample's findings, then the corpus targets.
    pub fn render(&self, labels: &Labels) -> String {
        let mut out = String::new();
        let width = self
            .rules
            .iter()
            .map(|m| m.rule.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let _ = writeln!(
            out,
            "Per rule (a finding at {} or above flags a sample):\n",
            self.min_severity
        );
        let _ = writeln!(
            out,
            "{:<width$}  {:>3} {:>3} {:>3} {:>3}  {:>9}  {:>6}",
            "rule", "TP", "FP", "FN", "TN", "precision", "recall"
        );
        let percent = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.0}%", v * 100.0));
        for m in &self.rules {
            let _ = writeln!(
                out,
                "{:<width$}  {:>3} {:>3} {:>3} {:>3}  {:>9}  {:>6}",
                m.rule,
                m.true_positives.len(),
                m.false_positives.len(),
                m.false_negatives.len(),
                m.true_negatives.len(),
                percent(m.precision()),
                percent(m.recall())
            );
            for (label, cell) in [
                ("false positive", &m.false_positives),
                ("false negative", &m.false_negatives),
            ] {
                for sample in cell {
                    let _ = writeln!(out, "{:<width$}    {label}: {sample}", "");
                }
            }
        }
        let _ = writeln!(out, "\nPer sample (highest severity per rule):\n");
        for result in &self.samples {
            let found: Vec<String> = result
                .severities
                .iter()
                .map(|(rule, severity)| format!("{rule}={severity}"))
                .collect();
            let _ = writeln!(
                out,
                "{} [{}]: {}",
                result.name,
                result.role.as_str(),
                if found.is_empty() {
                    "no findings".to_string()
                } else {
                    found.join(", ")
                }
            );
            for error in result.errors.iter().take(3) {
                let _ = writeln!(out, "    error: {error}");
            }
        }
        let missed = self.missed_positives(labels);
        let flagged = self.flagged_hard_negatives();
        let positives: usize = labels
            .samples
            .iter()
            .filter(|s| s.role == crate::Role::Positive)
            .map(|s| s.expected.len())
            .sum();
        let _ = writeln!(
            out,
            "\nTargets: positives found {}/{positives}; hard negatives flagged at {} or above: {}",
            positives - missed.len(),
            self.min_severity,
            flagged.len()
        );
        for (sample, rule) in &missed {
            let _ = writeln!(out, "  missed: {rule} on {sample}");
        }
        for (sample, rule, severity) in &flagged {
            let _ = writeln!(out, "  flagged: {rule} ({severity}) on {sample}");
        }
        out
    }
}
