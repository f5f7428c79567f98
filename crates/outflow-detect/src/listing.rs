//! `outflow rules`: the list of rules, or one rule's documentation, as
//! printed.

use crate::rules::{RULES, rule};

/// With no slug, one line per rule (slug, padded to the longest, then its
/// summary); with a slug, that rule's documentation. Each ends with a
/// newline. `None` when no rule has the slug.
pub fn rules_text(slug: Option<&str>) -> Option<String> {
    match slug {
        None => {
            let width = RULES.iter().map(|r| r.slug().len()).max().unwrap_or(0);
            Some(
                RULES
                    .iter()
                    .map(|rule| format!("{:<width$}  {}\n", rule.slug(), rule.summary()))
                    .collect(),
            )
        }
        Some(slug) => rule(slug).map(|rule| format!("{}\n", rule.documentation())),
    }
}
