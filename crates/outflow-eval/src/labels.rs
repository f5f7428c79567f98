//! The labels file: which samples make up the corpus and which rules each
//! must and must not trigger.

use std::path::{Path, PathBuf};

use outflow_model::Severity;
use serde::{Deserialize, Serialize};

use crate::error::EvalError;

/// What a sample stands for in the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Code that does what its expected rules detect (a fingerprinting
    /// library).
    Positive,
    /// Code that uses the same APIs for honest reasons: no rule may flag it
    /// at the labels' `min_severity` or above.
    HardNegative,
    /// A hand-written fixture (trigger or look-alike).
    Fixture,
}

impl Role {
    /// The name used in the labels file.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Positive => "positive",
            Role::HardNegative => "hard-negative",
            Role::Fixture => "fixture",
        }
    }
}

/// One labelled sample: a file or a directory analysed as one unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// A name for reports (package and version, or fixture name).
    pub name: String,
    /// The file or directory, relative to the labels file.
    pub path: PathBuf,
    /// What the sample stands for.
    pub role: Role,
    /// Rules that must flag it.
    #[serde(default)]
    pub expected: Vec<String>,
    /// Rules that must not flag it. Rules in neither list are not judged
    /// on this sample.
    #[serde(default)]
    pub not_expected: Vec<String>,
    /// Why the labels are what they are (what the code does), for readers.
    #[serde(default)]
    pub note: Option<String>,
}

/// A labels file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// The severity from which a finding flags a sample.
    #[serde(default = "default_min_severity")]
    pub min_severity: Severity,
    /// The samples.
    #[serde(rename = "sample", default)]
    pub samples: Vec<Sample>,
    /// The folder sample paths are relative to (the labels file's).
    #[serde(skip)]
    pub base: PathBuf,
}

fn default_min_severity() -> Severity {
    Severity::Medium
}

impl Labels {
    /// Reads a labels file, or `labels.toml` inside a directory, and checks
    /// that every rule it names is one of outflow's rules.
    pub fn load(path: &Path) -> Result<Self, EvalError> {
        let file = if path.is_dir() {
            path.join("labels.toml")
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&file).map_err(|source| EvalError::ReadLabels {
            path: file.clone(),
            source,
        })?;
        let mut labels = Self::parse(&text).map_err(|message| EvalError::ParseLabels {
            path: file.clone(),
            message,
        })?;
        let unknown: Vec<String> = labels
            .judged_rules()
            .into_iter()
            .filter(|slug| outflow_detect::rule(slug).is_none())
            .collect();
        if !unknown.is_empty() {
            return Err(EvalError::UnknownRules {
                path: file,
                rules: unknown,
            });
        }
        labels.base = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(labels)
    }

    /// Parses a labels file's text (paths stay relative to the current
    /// directory until [`Labels::load`] sets the base).
    pub fn parse(text: &str) -> Result<Self, String> {
        let labels: Labels = toml::from_str(text).map_err(|e| e.to_string())?;
        for sample in &labels.samples {
            if let Some(rule) = sample
                .expected
                .iter()
                .find(|r| sample.not_expected.contains(r))
            {
                return Err(format!(
                    "sample {:?} lists {rule} as both expected and not expected",
                    sample.name
                ));
            }
        }
        Ok(labels)
    }

    /// The path of a sample on disk.
    pub fn path_of(&self, sample: &Sample) -> PathBuf {
        self.base.join(&sample.path)
    }

    /// Every rule some sample is judged on, sorted.
    pub fn judged_rules(&self) -> Vec<String> {
        let mut rules: Vec<String> = self
            .samples
            .iter()
            .flat_map(|s| s.expected.iter().chain(&s.not_expected).cloned())
            .collect();
        rules.sort();
        rules.dedup();
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_cannot_be_both_expected_and_not() {
        let text = r#"
            [[sample]]
            name = "x"
            path = "x.js"
            role = "positive"
            expected = ["a"]
            not_expected = ["a"]
        "#;
        assert!(Labels::parse(text).unwrap_err().contains("both"));
    }

    #[test]
    fn defaults_and_judged_rules() {
        let text = r#"
            [[sample]]
            name = "x"
            path = "x.js"
            role = "hard-negative"
            not_expected = ["b", "a"]
        "#;
        let labels = Labels::parse(text).unwrap();
        assert_eq!(labels.min_severity, Severity::Medium);
        assert_eq!(labels.judged_rules(), ["a", "b"]);
        assert!(Labels::parse("[[sample]]\nname='x'\npath='x'\nrole='nope'").is_err());
    }
}
