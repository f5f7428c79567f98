//! # identity-sdk
//!
//! A page carries a carrier or identity-verification SDK: one-tap login
//! with the mobile number the operator reads from its own network, phone
//! verification, or identity-document checks.
//!
//! ## What it detects
//!
//! Known SDKs, by where their scripts come from, what their code says,
//! which hosts the code names and which requests the visit sent to them:
//! the one-tap number authentication of China Mobile (`cmpassport.com`),
//! China Telecom (`id6.me`, `e.189.cn`) and China Unicom (`wostore.cn`),
//! Alibaba Cloud number authentication, GeeTest OneLogin, JIGUANG
//! JVerification, Firebase phone authentication, Twilio Verify, and
//! identity-document services (Onfido, Veriff, Persona, Jumio). The
//! signatures, each with its source, are in `data/detect/identity-sdks.toml`.
//!
//! ## Why it matters
//!
//! A carrier one-tap SDK asks the mobile operator for the visitor's phone
//! number: the operator learns which site the visitor logs in to, and the
//! site gets a verified number without the visitor typing it. In the case
//! that started outflow, a login page's code referenced China Mobile's
//! identity servers. Identity-verification services receive documents and
//! faces.
//!
//! ## How it decides
//!
//! - Severity **medium** for carrier one-tap SDKs, **low** for phone
//!   verification and identity-document services (a disclosure, not a
//!   harm by itself). Who runs the destination, and whether it is on a
//!   restriction list, is the `restricted-destination` rule's finding.
//! - Confidence **high** when the visit contacted the SDK or its code
//!   signature is present, **medium** when the code only names its hosts.
//!
//! ## Known false positives
//!
//! Pages and libraries that name these hosts in a list without using them
//! (host lists of ad blockers, documentation).
//!
//! ## Example
//!
//! ```js
//! fetch('https://wap.cmpassport.com/openapi/wabpGetUseInfo', { method: 'POST', body })
//! ```

use std::sync::OnceLock;

use outflow_model::{Confidence, Finding, Severity};

use crate::facts::Facts;
use crate::fingerprint::signatures::SignatureSet;
use crate::rule::Check;

/// The kind of SDK that gets the phone number from the operator.
pub const CARRIER_ONE_TAP: &str = "carrier-one-tap";

const SIGNATURES: &str = include_str!("../../../../data/detect/identity-sdks.toml");

fn signatures() -> &'static SignatureSet {
    static SET: OnceLock<SignatureSet> = OnceLock::new();
    SignatureSet::compiled(&SET, SIGNATURES, "sdk")
}

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct IdentitySdk;
    slug: "identity-sdk",
    source: "identity_sdk.rs",
    thresholds: [],
}

impl Check for IdentitySdk {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let set = signatures();
        set.find(facts)
            .into_iter()
            .map(|product| {
                let sdk = &set.signatures[product.signature];
                let carrier = sdk.kind.as_deref() == Some(CARRIER_ONE_TAP);
                let contacted = product.contacted();
                let operator = sdk.operator.as_deref().unwrap_or("an unknown operator");
                let mut evidence = product.evidence(&sdk.name);
                evidence.push(sdk.citation());
                let what = if carrier {
                    format!(
                        "a carrier one-tap login SDK: {operator} is asked for the visitor's \
                         mobile number from its own network, and learns which site the visitor \
                         logs in to"
                    )
                } else {
                    format!("an identity-verification service run by {operator}")
                };
                Finding {
                    rule: Self::SLUG.to_string(),
                    severity: if carrier {
                        Severity::Medium
                    } else {
                        Severity::Low
                    },
                    confidence: if product.strong() {
                        Confidence::High
                    } else {
                        Confidence::Medium
                    },
                    title: format!(
                        "Identity SDK: {} in {} ({})",
                        sdk.name,
                        product.script_name,
                        if contacted {
                            "contacted during the visit"
                        } else {
                            "in the code"
                        }
                    ),
                    explanation: format!(
                        "{} uses {}, {what}.{}",
                        product.script_name,
                        sdk.name,
                        if contacted {
                            " The visit sent requests to it."
                        } else {
                            " The visit did not contact it; the code can."
                        }
                    ),
                    script: Some(product.script_name.clone()),
                    destinations: product.destinations(),
                    evidence,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_file_parses_and_every_entry_has_a_source() {
        let set = crate::fingerprint::signatures::assert_sourced(super::SIGNATURES, "sdk", 8);
        for s in &set.signatures {
            assert!(s.kind.is_some() && s.operator.is_some(), "{}", s.name);
        }
    }
}
