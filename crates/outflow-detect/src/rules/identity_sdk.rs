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

use outflow_model::{Confidence, Evidence, Finding, Severity};

use crate::facts::{Facts, host_of};
use crate::fingerprint::signatures::{Hit, SignatureSet};
use crate::rule::Rule;

/// The kind of SDK that gets the phone number from the operator.
pub const CARRIER_ONE_TAP: &str = "carrier-one-tap";

const SIGNATURES: &str = include_str!("../../../../data/detect/identity-sdks.toml");

fn signatures() -> &'static SignatureSet {
    static SET: OnceLock<SignatureSet> = OnceLock::new();
    SET.get_or_init(|| {
        SignatureSet::parse(SIGNATURES, "sdk")
            .unwrap_or_else(|_| SignatureSet::parse("", "sdk").expect("an empty signature set"))
    })
}

/// The rule; see the module documentation.
pub struct IdentitySdk;

impl Rule for IdentitySdk {
    fn slug(&self) -> &'static str {
        "identity-sdk"
    }

    fn source_file(&self) -> &'static str {
        include_str!("identity_sdk.rs")
    }

    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let set = signatures();
        set.find(facts)
            .into_iter()
            .map(|product| {
                let sdk = &set.signatures[product.signature];
                let carrier = sdk.kind.as_deref() == Some(CARRIER_ONE_TAP);
                let contacted = product.hits.iter().any(Hit::is_dynamic);
                let strong = contacted
                    || product
                        .hits
                        .iter()
                        .any(|h| matches!(h, Hit::Code { .. } | Hit::ScriptUrl { .. }));
                let mut destinations: Vec<String> = product
                    .hits
                    .iter()
                    .filter_map(|h| match h {
                        Hit::Request { request, .. } => host_of(&request.url),
                        Hit::NamedHost(endpoint) => endpoint.host.clone(),
                        Hit::ScriptUrl { url, .. } => host_of(url),
                        Hit::Code { .. } => None,
                    })
                    .collect();
                destinations.sort();
                destinations.dedup();
                let operator = sdk.operator.as_deref().unwrap_or("an unknown operator");
                let mut evidence = product.evidence(&sdk.name);
                evidence.push(Evidence::Note {
                    text: format!(
                        "signature: {} ({}, run by {operator}; source: {}, {})",
                        sdk.name,
                        sdk.kind.as_deref().unwrap_or("identity SDK"),
                        sdk.source,
                        sdk.date
                    ),
                });
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
                    rule: self.slug().to_string(),
                    severity: if carrier {
                        Severity::Medium
                    } else {
                        Severity::Low
                    },
                    confidence: if strong {
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
                    destinations,
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
        let set = super::SignatureSet::parse(super::SIGNATURES, "sdk")
            .expect("data/detect/identity-sdks.toml");
        assert!(set.signatures.len() >= 8);
        for s in &set.signatures {
            assert!(s.source.starts_with("https://"), "{}", s.name);
            assert!(s.kind.is_some() && s.operator.is_some(), "{}", s.name);
        }
    }
}
