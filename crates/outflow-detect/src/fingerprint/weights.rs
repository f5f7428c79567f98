//! The weights of the device-fingerprinting breadth score: attributes of a
//! browser, the APIs that read each, and its entropy in bits with the study
//! that measured it (`data/detect/fingerprint-weights.toml`, compiled in).

use std::sync::OnceLock;

use serde::Deserialize;

const WEIGHTS_TOML: &str = include_str!("../../../../data/detect/fingerprint-weights.toml");

/// One attribute of a browser that a script can read.
#[derive(Debug, Clone, Deserialize)]
pub struct Attribute {
    /// What it is, e.g. "user agent".
    pub name: String,
    /// Its weight; the file's floor weight when no study measured it.
    #[serde(default)]
    pub bits: Option<f64>,
    /// Where the weight comes from, in words.
    pub basis: String,
    /// The study or list (URL).
    pub source: String,
    /// The source's date.
    pub date: String,
    /// The APIs (and `signal:` names derived by the rules) that read it.
    pub apis: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct WeightsFile {
    floor_bits: f64,
    attribute: Vec<Attribute>,
}

/// The weights table.
#[derive(Debug)]
pub struct Weights {
    /// Every attribute, with its weight filled in.
    pub attributes: Vec<Attribute>,
}

impl Weights {
    /// The attributes an API reads (normally one).
    pub fn attributes_of(&self, api: &str) -> Vec<&Attribute> {
        self.attributes
            .iter()
            .filter(|a| a.apis.iter().any(|x| x == api))
            .collect()
    }
}

/// The compiled-in weights. The file is part of the build, so a malformed
/// one fails the crate's tests, never a user's run: an unreadable table
/// leaves the rule without attributes rather than panicking.
pub fn weights() -> &'static Weights {
    static WEIGHTS: OnceLock<Weights> = OnceLock::new();
    WEIGHTS.get_or_init(|| match toml::from_str::<WeightsFile>(WEIGHTS_TOML) {
        Ok(file) => Weights {
            attributes: file
                .attribute
                .into_iter()
                .map(|mut a| {
                    a.bits = Some(a.bits.unwrap_or(file.floor_bits));
                    a
                })
                .collect(),
        },
        Err(_) => Weights {
            attributes: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weights_file_parses_and_every_weight_has_a_source() {
        toml::from_str::<WeightsFile>(WEIGHTS_TOML).expect("data/detect/fingerprint-weights.toml");
        let weights = weights();
        assert!(weights.attributes.len() >= 20);
        for a in &weights.attributes {
            assert!(
                a.source.starts_with("https://"),
                "{}: no source URL",
                a.name
            );
            assert_eq!(a.date.len(), 10, "{}: date YYYY-MM-DD", a.name);
            assert!(a.bits.unwrap() > 0.0 && !a.apis.is_empty(), "{}", a.name);
        }
    }

    #[test]
    fn an_api_belongs_to_at_most_one_attribute() {
        let weights = weights();
        for a in &weights.attributes {
            for api in &a.apis {
                assert_eq!(weights.attributes_of(api).len(), 1, "{api}");
            }
        }
    }
}
