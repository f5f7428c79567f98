//! What every rule provides.

use outflow_model::Finding;

use crate::facts::Facts;

/// A detection rule. Implementations live one per file under `rules/`.
pub trait Rule: Sync + Send {
    /// The stable slug, e.g. `credential-exfiltration`.
    fn slug(&self) -> &'static str;

    /// The text of the rule's own source file (`include_str!`), whose
    /// module documentation (`//!` lines) is the rule's documentation: the
    /// doc comment a developer reads in the code is the page a user reads
    /// with `outflow rules SLUG`.
    fn source_file(&self) -> &'static str;

    /// Checks the facts and returns what it found (nothing is normal).
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding>;

    /// The rule's documentation, without comment markers.
    fn documentation(&self) -> String {
        module_doc(self.source_file())
    }

    /// The first sentence of the documentation, for rule lists and SARIF's
    /// short description.
    fn summary(&self) -> String {
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
