//! A technique rule's conclusion about one script, before it becomes a
//! [`Finding`]: how bad, how sure, and whether the behaviour was seen
//! running, read from the code, or both.

use outflow_model::{Confidence, Evidence, Finding, Severity};

use super::{ScriptApis, script_apis};
use crate::facts::Facts;

/// The findings of a technique rule: `assess` judges each script's API
/// use (from its code and from the visit) and each verdict becomes a
/// finding titled after `what`, explained with `why`.
pub fn technique_findings(
    facts: &Facts<'_>,
    rule: &str,
    what: &str,
    why: &str,
    assess: fn(&ScriptApis<'_>) -> Option<Verdict>,
) -> Vec<Finding> {
    script_apis(facts)
        .iter()
        .filter_map(|apis| assess(apis).map(|v| v.into_finding(rule, what, &apis.name, why)))
        .collect()
}

/// One rule's conclusion about one script.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// How much it matters.
    pub severity: Severity,
    /// How sure the rule is.
    pub confidence: Confidence,
    /// Whether the behaviour was recorded while the page ran.
    pub dynamic: bool,
    /// Whether the code shows it.
    pub in_code: bool,
    /// Which conditions held, in words (for the explanation).
    pub reasons: Vec<String>,
    /// The evidence, strongest first.
    pub evidence: Vec<Evidence>,
}

impl Verdict {
    /// How the behaviour was observed, for titles: "seen running", "in
    /// the code" or "seen running and in the code".
    pub fn observed(&self) -> &'static str {
        match (self.dynamic, self.in_code) {
            (true, true) => "seen running and in the code",
            (true, false) => "seen running",
            _ => "in the code",
        }
    }

    /// The finding: `what` names the technique ("Canvas fingerprinting"),
    /// `why` says why it matters in one or two sentences.
    pub fn into_finding(self, rule: &str, what: &str, script: &str, why: &str) -> Finding {
        let title = format!("{what} by {script} ({})", self.observed());
        let explanation = format!("{script}: {}. {why}", self.reasons.join("; "));
        Finding {
            rule: rule.to_string(),
            severity: self.severity,
            confidence: self.confidence,
            title,
            explanation,
            script: Some(script.to_string()),
            destinations: Vec::new(),
            evidence: self.evidence,
        }
    }
}
