//! The rules every intelligence file must follow: every fact has a source
//! URL and a date, no domain belongs to two entities of one layer, every
//! flag names a defined list, identifiers are unique, countries are ISO
//! codes.

use std::collections::{HashMap, HashSet};

use outflow_model::SourcedFact;

use crate::schema::IntelFile;

/// Checks TOML layers (each `(origin, file)`) together, since flags may
/// name lists and parents defined in another file. Returns one line per
/// problem; empty when the data is valid.
pub fn validate_files(files: &[(String, IntelFile)]) -> Vec<String> {
    let layered: Vec<LayerFile<'_>> = files
        .iter()
        .map(|(origin, file)| LayerFile {
            layer: 0,
            origin,
            file,
            text: None,
        })
        .collect();
    validate_layers(&layered)
}

/// One parsed file for [`validate_layers`], with its text when known so
/// that problems can name the line they are on.
pub(crate) struct LayerFile<'a> {
    /// Precedence layer: lower numbers win.
    pub layer: u8,
    /// The file's path (or built-in name), as problems name it.
    pub origin: &'a str,
    /// Its parsed contents.
    pub file: &'a IntelFile,
    /// Its text, for line numbers.
    pub text: Option<&'a str>,
}

impl LayerFile<'_> {
    /// `origin:line` of `domain` in the entity `entity_id`, or the origin
    /// alone when the line cannot be told.
    fn place(&self, entity_id: &str, domain: &str) -> String {
        match self
            .text
            .and_then(|text| domain_line(text, entity_id, domain))
        {
            Some(line) => format!("{}:{line}", self.origin),
            None => self.origin.to_owned(),
        }
    }
}

/// The 1-based line on which the entity `entity_id` (its `id = "..."`
/// line) next names `domain` as a quoted string. A user who claimed one
/// domain for two owners is told where both claims are.
fn domain_line(text: &str, entity_id: &str, domain: &str) -> Option<usize> {
    let quoted = format!("\"{domain}\"");
    let mut lines = text.lines().enumerate();
    lines.by_ref().find(|(_, line)| {
        line.trim()
            .strip_prefix("id")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
            .map(str::trim)
            .is_some_and(|value| value.trim_matches('"') == entity_id)
    })?;
    lines
        .find(|(_, line)| line.contains(&quoted))
        .map(|(index, _)| index + 1)
}

/// [`validate_files`] over files of several precedence layers (lower
/// numbers win): a domain or ASN may be named once per layer; a higher
/// layer may name it again, and then owns it.
pub(crate) fn validate_layers(files: &[LayerFile<'_>]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut lists = HashSet::new();
    let mut entity_ids: HashMap<&str, &str> = HashMap::new();
    let mut domains: HashMap<(u8, String), (&str, &LayerFile<'_>)> = HashMap::new();
    let mut asns: HashMap<(u8, u32), &str> = HashMap::new();

    for &LayerFile { origin, file, .. } in files {
        for list in &file.lists {
            if !is_identifier(&list.id) {
                problems.push(format!(
                    "{origin}: list id {:?} is not a-z, 0-9 and -",
                    list.id
                ));
            }
            if !lists.insert(list.id.as_str()) {
                problems.push(format!("{origin}: list {} defined twice", list.id));
            }
            check_fact(
                &mut problems,
                origin,
                &format!("list {}", list.id),
                &list.source,
            );
            check_country(&mut problems, origin, &list.id, list.country.as_deref());
        }
        for note in &file.legal_notes {
            check_fact(
                &mut problems,
                origin,
                &format!("legal note {}", note.law),
                &note.source,
            );
            check_country(&mut problems, origin, &note.law, Some(&note.country));
        }
        for domain in &file.first_party {
            if !is_domain(domain) {
                problems.push(format!(
                    "{origin}: first-party domain {domain:?} is not a lower-case ASCII host name"
                ));
            }
        }
    }

    for source_file in files {
        let LayerFile {
            layer,
            origin,
            file,
            ..
        } = *source_file;
        for entity in &file.entities {
            let what = format!("entity {}", entity.id);
            if !is_identifier(&entity.id) {
                problems.push(format!(
                    "{origin}: entity id {:?} is not a-z, 0-9 and -",
                    entity.id
                ));
            }
            if let Some(first) = entity_ids.insert(&entity.id, origin) {
                problems.push(format!(
                    "{origin}: entity {} already defined in {first}",
                    entity.id
                ));
            }
            if entity.sources.is_empty() {
                problems.push(format!("{origin}: {what} has no source"));
            }
            for source in &entity.sources {
                check_fact(&mut problems, origin, &what, source);
            }
            check_country(&mut problems, origin, &entity.id, entity.country.as_deref());
            for domain in &entity.domains {
                if !is_domain(domain) {
                    problems.push(format!(
                        "{origin}: {what}: {domain:?} is not a lower-case ASCII host name"
                    ));
                } else if let Some((other, other_file)) =
                    domains.insert((layer, domain.clone()), (&entity.id, source_file))
                {
                    problems.push(format!(
                        "{}: {domain} belongs to both {} and {other} ({})",
                        source_file.place(&entity.id, domain),
                        entity.id,
                        other_file.place(other, domain),
                    ));
                }
            }
            for asn in &entity.asns {
                if let Some(other) = asns.insert((layer, *asn), &entity.id) {
                    problems.push(format!(
                        "{origin}: AS{asn} belongs to both {} and {other}",
                        entity.id
                    ));
                }
            }
            for flag in &entity.flags {
                if !lists.contains(flag.list.as_str()) {
                    problems.push(format!(
                        "{origin}: {what}: flag names undefined list {}",
                        flag.list
                    ));
                }
                check_fact(
                    &mut problems,
                    origin,
                    &format!("{what} flag {}", flag.list),
                    &flag.source,
                );
                if let Some(since) = &flag.since
                    && !is_date(since)
                {
                    problems.push(format!(
                        "{origin}: {what} flag {}: since {since:?} is not YYYY-MM-DD",
                        flag.list
                    ));
                }
            }
        }
    }

    for &LayerFile { origin, file, .. } in files {
        for entity in &file.entities {
            if let Some(parent) = &entity.parent
                && (parent == &entity.id || !entity_ids.contains_key(parent.as_str()))
            {
                problems.push(format!(
                    "{origin}: entity {}: parent {parent} is not another defined entity",
                    entity.id
                ));
            }
        }
    }
    problems
}

fn check_fact(problems: &mut Vec<String>, origin: &str, what: &str, fact: &SourcedFact) {
    if !(fact.url.starts_with("https://") || fact.url.starts_with("http://")) || fact.url.len() < 12
    {
        problems.push(format!(
            "{origin}: {what}: source URL {:?} is not an http(s) URL",
            fact.url
        ));
    }
    if !is_date(&fact.date) {
        problems.push(format!(
            "{origin}: {what}: source date {:?} is not YYYY-MM-DD",
            fact.date
        ));
    }
}

fn check_country(problems: &mut Vec<String>, origin: &str, what: &str, country: Option<&str>) {
    if let Some(country) = country
        && (country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()))
    {
        problems.push(format!(
            "{origin}: {what}: country {country:?} is not an ISO 3166-1 alpha-2 code"
        ));
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
pub(crate) fn is_date(date: &str) -> bool {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let number =
        |range: std::ops::Range<usize>| date.get(range).and_then(|s| s.parse::<u32>().ok());
    matches!(
        (number(0..4), number(5..7), number(8..10)),
        (Some(1900..=2100), Some(1..=12), Some(1..=31))
    )
}

fn is_identifier(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b':')
}

/// A lower-case ASCII (punycode) host name: what lookups compare against.
pub(crate) fn is_domain(domain: &str) -> bool {
    domain.len() <= 253
        && !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}
