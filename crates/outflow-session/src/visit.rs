//! How pages are visited, from the plain values of the command line
//! (`--map-host`, `--persona`, `--timeout`, …) or of a crawl's stored
//! configuration: the one place where they become [`ScanOptions`].

use std::path::PathBuf;
use std::time::Duration;

use outflow_capture::{HostMapping, Persona, ScanOptions};

use crate::error::Result;

/// How to visit a page, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct VisitOptions {
    /// `--map-host` rules: `PATTERN=IP[:PORT]`.
    pub map_host: Vec<String>,
    /// Seconds the page may take to load (at least one is used).
    pub timeout_secs: u64,
    /// Look for a login form and type canaries into it.
    pub fill_forms: bool,
    /// Submit the login form after typing.
    pub submit: bool,
    /// Accept invalid TLS certificates.
    pub ignore_https_errors: bool,
}

impl VisitOptions {
    /// The capture options: `map_host` parsed, script bodies written to
    /// `scripts_dir` when given; no persona yet (see [`with_persona`]).
    pub fn scan_options(&self, scripts_dir: Option<PathBuf>) -> Result<ScanOptions> {
        Ok(ScanOptions {
            mappings: parse_mappings(&self.map_host)?,
            timeout: Duration::from_secs(self.timeout_secs.max(1)),
            fill_forms: self.fill_forms,
            submit: self.submit,
            ignore_https_errors: self.ignore_https_errors,
            scripts_dir,
            ..ScanOptions::default()
        })
    }
}

/// `options` visiting as `persona`.
pub fn with_persona(options: &ScanOptions, persona: Option<&Persona>) -> ScanOptions {
    ScanOptions {
        persona: persona.cloned(),
        ..options.clone()
    }
}

/// Parses `--map-host` rules.
pub fn parse_mappings(rules: &[String]) -> Result<Vec<HostMapping>> {
    Ok(rules
        .iter()
        .map(|rule| HostMapping::parse(rule))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Resolves one `--persona`: a built-in name or a persona file.
pub fn resolve_persona(name: &str) -> Result<Persona> {
    Ok(Persona::resolve(name.trim())?)
}

/// Resolves a list of `--persona` values; no persona at all is one visit
/// without a persona.
pub fn resolve_personas(names: &[String]) -> Result<Vec<Option<Persona>>> {
    if names.is_empty() {
        return Ok(vec![None]);
    }
    names
        .iter()
        .map(|name| resolve_persona(name).map(Some))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_carry_the_plain_values() {
        let visit = VisitOptions {
            map_host: vec!["*.example.com=127.0.0.1:8080".to_string()],
            timeout_secs: 0,
            fill_forms: true,
            submit: false,
            ignore_https_errors: true,
        };
        let options = visit.scan_options(None).unwrap();
        assert_eq!(options.mappings.len(), 1);
        assert_eq!(options.mappings[0].port, Some(8080));
        assert_eq!(options.timeout, Duration::from_secs(1));
        assert!(options.fill_forms && !options.submit && options.ignore_https_errors);
        assert!(options.persona.is_none());
    }

    #[test]
    fn bad_rules_and_personas_are_refused() {
        assert!(parse_mappings(&["no-equals-sign".to_string()]).is_err());
        assert!(resolve_persona("no-such-persona-or-file").is_err());
    }

    #[test]
    fn no_persona_is_one_visit() {
        assert_eq!(resolve_personas(&[]).unwrap().len(), 1);
        let personas = resolve_personas(&["us".to_string(), " eu ".to_string()]).unwrap();
        let names: Vec<_> = personas.iter().flatten().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["us", "eu"]);
    }
}
