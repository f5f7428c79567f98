//! # obfuscated-script
//!
//! A script whose code is deliberately made unreadable, with how it was
//! obfuscated and what decoding it revealed.
//!
//! ## What it detects
//!
//! Scripts whose obfuscation score (from the static analysis: string arrays
//! behind decoder functions, `_0x` identifiers, packers, code built at run
//! time, flattened control flow, escaped or high-entropy strings) reaches
//! [`OBFUSCATED_SCORE`] (0.5). The finding lists the signals and every
//! destination that was only readable after deobfuscation, at the call site
//! that produces it and with how it was recovered (e.g. "string array,
//! rc4").
//!
//! ## Why it matters
//!
//! Minifiers shorten code; obfuscators hide it. Honest libraries rarely hide
//! where they send data. In the case that started outflow, the link to a
//! state-owned carrier's identity servers only appeared once the login
//! script was decoded.
//!
//! ## How it decides
//!
//! - Score at least [`OBFUSCATED_SCORE`] (0.5): reported.
//! - Severity **medium** when decoding revealed third-party destinations
//!   the plain text did not show, else **low**.
//! - Confidence **high** at a score of [`CERTAIN_SCORE`] (0.8) or more, else
//!   **medium**.
//!
//! ## Known false positives
//!
//! Licence-protection and anti-tamper products obfuscate code that sends
//! nothing; minified bundles with many escaped strings can score near the
//! threshold.
//!
//! ## Example
//!
//! ```js
//! var _0x4e1b=['aHR0cHM6Ly93YXAuY21wYXNzcG9ydC5jb20=', ...];
//! (function(_0x2d8f05,_0x4b81bb){ ... }(_0x4e1b,0x1a3));
//! fetch(_0x3f2a('0x0'), {method:'POST', body: _0x51c2});
//! ```

use std::collections::BTreeSet;

use outflow_model::{Confidence, Evidence, Finding, Severity};

use crate::evidence::{code_evidence, endpoint_detail};
use crate::facts::Facts;
use crate::rule::Check;

/// The obfuscation score from which a script is reported.
pub const OBFUSCATED_SCORE: f64 = 0.5;

/// The score from which the rule is sure.
pub const CERTAIN_SCORE: f64 = 0.8;

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct ObfuscatedScript;
    slug: "obfuscated-script",
    source: "obfuscated_script.rs",
    thresholds: [OBFUSCATED_SCORE, CERTAIN_SCORE],
}

impl Check for ObfuscatedScript {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for script in facts.scripts {
            let Some(analysis) = &script.analysis else {
                continue;
            };
            let score = analysis.obfuscation.score;
            if score < OBFUSCATED_SCORE {
                continue;
            }
            let recovered: Vec<_> = analysis
                .endpoints
                .iter()
                .filter(|e| e.recovery.is_some() || !e.computed.is_empty())
                .collect();
            let revealed: BTreeSet<String> = recovered
                .iter()
                .filter_map(|e| e.host.clone())
                .filter(|h| facts.is_third_party(h))
                .collect();
            let how: Vec<&str> = analysis
                .obfuscation
                .signals
                .iter()
                .map(|s| s.detail.as_str())
                .collect();
            let mut methods: Vec<&str> = recovered
                .iter()
                .filter_map(|e| e.recovery.as_ref().map(|r| r.method.as_str()))
                .collect();
            methods.sort_unstable();
            methods.dedup();
            let mut evidence: Vec<Evidence> = vec![Evidence::Note {
                text: format!("obfuscation score {score:.2}; signals: {}", how.join("; ")),
            }];
            evidence.extend(recovered.iter().take(20).map(|endpoint| {
                code_evidence(script, endpoint.location, endpoint_detail(endpoint))
            }));
            let title = if revealed.is_empty() {
                format!("Obfuscated script: {}", script.name)
            } else {
                format!(
                    "Obfuscated script hides {} third-party destination(s): {}",
                    revealed.len(),
                    script.name
                )
            };
            let explanation = format!(
                "{} is obfuscated (score {score:.2}: {}). {}",
                script.name,
                how.join("; "),
                if recovered.is_empty() {
                    "Decoding revealed no destination.".to_string()
                } else {
                    format!(
                        "Decoding recovered {} destination(s){}{}.",
                        recovered.len(),
                        if methods.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", methods.join(", "))
                        },
                        if revealed.is_empty() {
                            String::new()
                        } else {
                            format!(
                                ", among them the third-party hosts {}",
                                revealed.iter().cloned().collect::<Vec<_>>().join(", ")
                            )
                        }
                    )
                }
            );
            findings.push(Finding {
                rule: Self::SLUG.to_string(),
                severity: if revealed.is_empty() {
                    Severity::Low
                } else {
                    Severity::Medium
                },
                confidence: if score >= CERTAIN_SCORE {
                    Confidence::High
                } else {
                    Confidence::Medium
                },
                title,
                explanation,
                script: Some(script.name.clone()),
                destinations: revealed.into_iter().collect(),
                evidence,
            });
        }
        findings
    }
}
