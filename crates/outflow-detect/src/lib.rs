//! outflow's detection rules: from what a page did (a [`Capture`]), what its
//! scripts' code shows ([`ScriptFacts`]) and who is behind each host
//! ([`Attribution`]) to [`Finding`]s a person can check.
//!
//! One rule, one file under `rules/`; the file's module documentation is the
//! rule's documentation (`outflow rules SLUG` prints it). [`RULES`] lists
//! them all; [`detect`] runs them all; [`rules_text`] is what `outflow
//! rules` prints.
//!
//! The rules know nothing of how a capture was made: a browser visit, a HAR
//! file and a set of local files (no capture at all) go through the same
//! code, and a saved capture analysed again gives the same findings.

pub mod canary;
mod evidence;
mod facts;
mod fingerprint;
mod listing;
mod rule;
pub mod rules;

pub use evidence::{code_evidence, endpoint_detail, snippet_at};
pub use facts::{Facts, ScriptFacts, host_of};
pub use listing::rules_text;
pub use rule::{Check, Rule, Threshold};
pub use rules::{RULES, rule};

use outflow_model::Finding;
#[doc(no_inline)]
pub use outflow_model::{Attribution, Capture};
use rayon::prelude::*;

/// Runs every rule over the facts and returns the findings, most severe
/// first, then by rule, script, destinations and title (a stable order, so
/// that two reports diff cleanly).
pub fn detect(facts: &Facts<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = RULES
        .par_iter()
        .flat_map_iter(|rule| rule.check(facts))
        .collect();
    sort_findings(&mut findings);
    findings
}

/// Sorts findings in report order: most severe first, then by key.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.key().cmp(&b.key()))
    });
}
