//! The reports a bundle holds for one capture, rendered from its [`Report`]
//! by one function for writing and for verifying: a bundle's
//! `report.json`, `report.html` and `report.sarif` are exactly what
//! [`render`] gives for the report its evidence gives, so that
//! verification compares bytes and any edit of any of them is found.

use outflow_model::Report;

/// The rendered reports of one capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// `report.json`.
    pub json: String,
    /// `report.html`.
    pub html: String,
    /// `report.sarif`.
    pub sarif: String,
}

/// Renders a capture's reports with outflow's renderers; the SARIF log
/// carries every rule's documentation, as `--format sarif` does.
pub fn render(report: &Report) -> Rendered {
    Rendered {
        json: outflow_report::json(report),
        html: outflow_report::html(report),
        sarif: outflow_report::sarif(std::slice::from_ref(report), &rule_docs()),
    }
}

/// Every detection rule's documentation, for SARIF's rule descriptors.
fn rule_docs() -> Vec<outflow_report::RuleDoc> {
    outflow_detect::RULES
        .iter()
        .map(|rule| outflow_report::RuleDoc {
            slug: rule.slug().to_string(),
            summary: rule.summary(),
            documentation: rule.documentation(),
        })
        .collect()
}
