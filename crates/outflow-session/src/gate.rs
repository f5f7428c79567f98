//! The policy gate of CI runs: each report against the `--policy` file.

use std::path::Path;

use outflow_model::Report;
use outflow_policy::Policy;

use crate::error::{Result, SessionError};

/// Loads the policy file.
pub fn load_policy(path: &Path) -> Result<Policy> {
    Policy::load(path).map_err(SessionError::Policy)
}

/// Prints each policy violation of each report (judging `require_sri` by
/// the integrity in the report) on standard error; returns whether any.
pub fn policy_gate(policy: Option<&Policy>, reports: &[Report]) -> bool {
    let Some(policy) = policy else {
        return false;
    };
    let mut violated = false;
    for report in reports {
        let violations = policy.evaluate(report);
        if violations.is_empty() {
            eprintln!("policy: {} passes", report.target.value);
            continue;
        }
        violated = true;
        eprintln!(
            "policy: {} breaks the policy {} time(s):",
            report.target.value,
            violations.len()
        );
        for violation in violations {
            eprintln!(
                "  policy violation [{:?}]: {}",
                violation.kind, violation.message
            );
        }
    }
    violated
}
