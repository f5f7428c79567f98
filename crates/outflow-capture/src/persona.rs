//! Who the visitor appears to be: locale, languages, time zone, position.
//!
//! Code can behave differently for visitors from different places; scanning
//! under several personas (`--persona us,cn`) shows it. A persona sets every
//! signal of the visitor's place together so that they agree with each other.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::CaptureFailure;

/// A visitor profile applied to the browser before the page loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    /// A short name (`us`, `eu`, `cn`, or a custom one).
    pub name: String,
    /// The ICU locale (`en-US`): `Intl` formats, `navigator.language`.
    pub locale: String,
    /// `navigator.languages`, most preferred first.
    pub languages: Vec<String>,
    /// The IANA time zone (`America/New_York`).
    pub timezone: String,
    /// Latitude and longitude answered to the Geolocation API.
    pub latitude: f64,
    /// See [`Persona::latitude`].
    pub longitude: f64,
}

impl Persona {
    /// The built-in personas: `us`, `eu`, `cn`.
    pub fn builtin(name: &str) -> Option<Self> {
        let make = |name: &str, locale: &str, languages: &[&str], timezone: &str, lat, lon| Self {
            name: name.to_string(),
            locale: locale.to_string(),
            languages: languages.iter().map(|l| l.to_string()).collect(),
            timezone: timezone.to_string(),
            latitude: lat,
            longitude: lon,
        };
        match name {
            "us" => Some(make(
                "us",
                "en-US",
                &["en-US", "en"],
                "America/New_York",
                40.7128,
                -74.0060,
            )),
            "eu" => Some(make(
                "eu",
                "de-DE",
                &["de-DE", "de", "en"],
                "Europe/Berlin",
                52.5200,
                13.4050,
            )),
            "cn" => Some(make(
                "cn",
                "zh-CN",
                &["zh-CN", "zh"],
                "Asia/Shanghai",
                31.2304,
                121.4737,
            )),
            _ => None,
        }
    }

    /// A built-in name, or the path of a JSON file holding one persona (the
    /// fields of this struct).
    pub fn resolve(name_or_path: &str) -> Result<Self, CaptureFailure> {
        if let Some(persona) = Self::builtin(name_or_path) {
            return Ok(persona);
        }
        let path = Path::new(name_or_path);
        if !path.is_file() {
            return Err(CaptureFailure::Options(format!(
                "unknown persona {name_or_path:?}: use us, eu, cn, or the path of a JSON persona file"
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|source| CaptureFailure::Io {
            what: format!("reading persona file {name_or_path}"),
            source,
        })?;
        let persona: Self = serde_json::from_str(&text).map_err(|error| {
            CaptureFailure::Options(format!("persona file {name_or_path}: {error}"))
        })?;
        persona.validate()?;
        Ok(persona)
    }

    fn validate(&self) -> Result<(), CaptureFailure> {
        let tag_ok = |tag: &str| {
            !tag.is_empty()
                && tag.len() <= 35
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !tag_ok(&self.locale)
            || self.languages.is_empty()
            || !self.languages.iter().all(|l| tag_ok(l))
        {
            return Err(CaptureFailure::Options(format!(
                "persona {}: locale and languages must be BCP 47 tags",
                self.name
            )));
        }
        if !(-90.0..=90.0).contains(&self.latitude) || !(-180.0..=180.0).contains(&self.longitude) {
            return Err(CaptureFailure::Options(format!(
                "persona {}: latitude/longitude out of range",
                self.name
            )));
        }
        Ok(())
    }

    /// The `Accept-Language` header matching [`Persona::languages`].
    pub fn accept_language(&self) -> String {
        self.languages
            .iter()
            .enumerate()
            .map(|(i, lang)| {
                if i == 0 {
                    lang.clone()
                } else {
                    let q = (10usize.saturating_sub(i)).max(1);
                    format!("{lang};q=0.{q}")
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_agree_with_their_place() {
        let cn = Persona::builtin("cn").unwrap();
        assert_eq!(cn.timezone, "Asia/Shanghai");
        assert_eq!(cn.accept_language(), "zh-CN,zh;q=0.9");
        let us = Persona::builtin("us").unwrap();
        assert_eq!(us.accept_language(), "en-US,en;q=0.9");
        assert!(Persona::resolve("mars").is_err());
    }

    #[test]
    fn custom_personas_come_from_json_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jp.json");
        std::fs::write(
            &path,
            r#"{"name": "jp", "locale": "ja-JP", "languages": ["ja-JP", "ja"], "timezone": "Asia/Tokyo", "latitude": 35.68, "longitude": 139.69}"#,
        )
        .unwrap();
        let jp = Persona::resolve(path.to_str().unwrap()).unwrap();
        assert_eq!(jp.timezone, "Asia/Tokyo");
        assert_eq!(jp.accept_language(), "ja-JP,ja;q=0.9");
        // Values that would break out of a command-line flag are refused.
        std::fs::write(
            &path,
            r#"{"name": "x", "locale": "en --no-sandbox", "languages": ["en"], "timezone": "UTC", "latitude": 0, "longitude": 0}"#,
        )
        .unwrap();
        assert!(Persona::resolve(path.to_str().unwrap()).is_err());
    }
}
