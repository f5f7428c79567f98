//! Per-rule confusion matrices.

use serde::Serialize;

/// The confusion matrix of one rule over the corpus, with the samples in
/// each cell.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleMatrix {
    /// The rule's slug.
    pub rule: String,
    /// Expected and flagged.
    pub true_positives: Vec<String>,
    /// Not expected but flagged.
    pub false_positives: Vec<String>,
    /// Expected but not flagged.
    pub false_negatives: Vec<String>,
    /// Not expected and not flagged.
    pub true_negatives: Vec<String>,
}

impl RuleMatrix {
    /// TP / (TP + FP); `None` when the rule flagged nothing judged.
    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.true_positives.len(),
            self.true_positives.len() + self.false_positives.len(),
        )
    }

    /// TP / (TP + FN); `None` when no sample expects the rule.
    pub fn recall(&self) -> Option<f64> {
        ratio(
            self.true_positives.len(),
            self.true_positives.len() + self.false_negatives.len(),
        )
    }

    /// Records one judged sample.
    pub fn record(&mut self, sample: &str, expected: bool, flagged: bool) {
        let cell = match (expected, flagged) {
            (true, true) => &mut self.true_positives,
            (false, true) => &mut self.false_positives,
            (true, false) => &mut self.false_negatives,
            (false, false) => &mut self.true_negatives,
        };
        cell.push(sample.to_string());
    }
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::RuleMatrix;

    #[test]
    fn precision_and_recall() {
        let mut m = RuleMatrix::default();
        m.record("a", true, true);
        m.record("b", true, false);
        m.record("c", false, true);
        m.record("d", false, false);
        assert_eq!(m.precision(), Some(0.5));
        assert_eq!(m.recall(), Some(0.5));
        assert_eq!(RuleMatrix::default().precision(), None);
    }
}
