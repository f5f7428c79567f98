//! The list of every rule.

use crate::rule::Rule;
use crate::rules;

/// Every rule, in the order `outflow rules` lists them.
pub static RULES: &[&dyn Rule] = &[
    &rules::restricted_destination::RestrictedDestination,
    &rules::latent_endpoint::LatentEndpoint,
    &rules::obfuscated_script::ObfuscatedScript,
];

/// The rule with this slug.
pub fn rule(slug: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.slug() == slug)
}
