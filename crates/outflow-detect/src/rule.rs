//! What a rule is: its declaration (slug, source file, thresholds) and its
//! check.

use outflow_model::Finding;

use crate::facts::Facts;

/// What a rule's file implements: from the facts to the findings.
pub trait Check: Sync + Send {
    /// Checks the facts and returns what it found (nothing is normal).
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding>;
}

/// A numeric constant a rule decides by, as its declaration exports it: the
/// rule's documentation states it as ``[`NAME`] (value)``.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// The constant's name, e.g. `MIN_DISTINCT_CHARS`.
    pub name: &'static str,
    /// Its value (every threshold is a count, a size, a time or a score;
    /// all of them fit an `f64` exactly).
    pub value: f64,
}

/// A detection rule, as `declare_rule!` declares it in its own file under
/// `rules/`: slug, source file and thresholds, with the check that runs it.
pub struct Rule {
    slug: &'static str,
    source_file: &'static str,
    thresholds: &'static [Threshold],
    check: &'static dyn Check,
}

impl Rule {
    /// What `declare_rule!` expands to; a rule is declared nowhere else.
    #[doc(hidden)]
    pub const fn declared(
        slug: &'static str,
        source_file: &'static str,
        thresholds: &'static [Threshold],
        check: &'static dyn Check,
    ) -> Self {
        Self {
            slug,
            source_file,
            thresholds,
            check,
        }
    }

    /// The stable slug, e.g. `credential-exfiltration`.
    pub fn slug(&self) -> &'static str {
        self.slug
    }

    /// The text of the rule's own source file (`include_str!`), whose
    /// module documentation (`//!` lines) is the rule's documentation: the
    /// doc comment a developer reads in the code is the page a user reads
    /// with `outflow rules SLUG`.
    pub fn source_file(&self) -> &'static str {
        self.source_file
    }

    /// The numeric constants the rule decides by, each stated in its
    /// documentation with its value.
    pub fn thresholds(&self) -> &'static [Threshold] {
        self.thresholds
    }

    /// Checks the facts and returns what it found (nothing is normal).
    pub fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        self.check.check(facts)
    }

    /// The rule's documentation, without comment markers.
    pub fn documentation(&self) -> String {
        module_doc(self.source_file)
    }

    /// The first sentence of the documentation, for rule lists and SARIF's
    /// short description.
    pub fn summary(&self) -> String {
        let doc = self.documentation();
        let paragraph = doc
            .split("\n\n")
            .find(|p| !p.trim().is_empty() && !p.trim_start().starts_with('#'))
            .unwrap_or("");
        let text = paragraph
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        match text.find(". ") {
            Some(end) => text[..=end].to_string(),
            None => text,
        }
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("slug", &self.slug)
            .field("thresholds", &self.thresholds)
            .finish_non_exhaustive()
    }
}

/// Extracts the module documentation from a Rust source file's text.
fn module_doc(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            if line.trim().is_empty() && out.is_empty() {
                continue;
            }
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::module_doc;

    #[test]
    fn module_doc_stops_at_the_first_code_line() {
        let source = "//! # Title\n//!\n//! Body line.\n\nuse x;\n//! not doc\n";
        assert_eq!(module_doc(source), "# Title\n\nBody line.");
    }
}
