//! Conversion of a user's own copy of the tracker datasets outflow may not
//! ship (DuckDuckGo Tracker Radar, Disconnect, Ghostery trackerdb: all
//! CC BY-NC-SA 4.0) into the compact imported form, for their own use with
//! `--intel DIR`. Imported datasets rank below outflow's sourced table:
//! they add owners, never override ours.

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;

use serde_json::Value;

use crate::error::IntelError;
use crate::schema::{ImportedEntity, ImportedFile, ImportedSource};

/// Largest file read during an import.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Most entity files read from a Tracker Radar folder.
const MAX_FILES: usize = 200_000;
/// Most domains kept per entity.
const MAX_DOMAINS_PER_ENTITY: usize = 100_000;

/// The datasets `outflow intel import` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// DuckDuckGo Tracker Radar: the repository (or its `entities/`
    /// folder) of one JSON file per entity with `name`, `displayName` and
    /// `properties` (its domains).
    TrackerRadar,
    /// Disconnect's `entities.json`: `{"entities": {name: {"properties",
    /// "resources"}}}`.
    Disconnect,
    /// Ghostery's trackerdb JSON export: `organizations` (id → `name`) and
    /// `patterns` (id → `name`, `organization`, `category`, `domains`).
    Ghostery,
}

impl FromStr for ImportKind {
    type Err = String;

    fn from_str(kind: &str) -> Result<ImportKind, String> {
        match kind {
            "tracker-radar" => Ok(ImportKind::TrackerRadar),
            "disconnect" => Ok(ImportKind::Disconnect),
            "ghostery" => Ok(ImportKind::Ghostery),
            other => Err(format!(
                "unknown dataset {other:?}: tracker-radar, disconnect or ghostery"
            )),
        }
    }
}

impl ImportKind {
    /// The name the converted file is saved under.
    pub fn file_stem(self) -> &'static str {
        match self {
            ImportKind::TrackerRadar => "tracker-radar",
            ImportKind::Disconnect => "disconnect",
            ImportKind::Ghostery => "ghostery",
        }
    }

    fn source(self, today: &str) -> ImportedSource {
        let (name, url) = match self {
            ImportKind::TrackerRadar => (
                "DuckDuckGo Tracker Radar",
                "https://github.com/duckduckgo/tracker-radar",
            ),
            ImportKind::Disconnect => (
                "Disconnect tracking protection entities",
                "https://github.com/disconnectme/disconnect-tracking-protection",
            ),
            ImportKind::Ghostery => (
                "Ghostery trackerdb",
                "https://github.com/ghostery/trackerdb",
            ),
        };
        ImportedSource {
            name: self.file_stem().into(),
            version: format!("{name}, user's own copy"),
            license: "CC-BY-NC-SA-4.0".into(),
            url: url.into(),
            imported: today.into(),
        }
    }
}

/// Converts the dataset at `path`. `today` (`YYYY-MM-DD`) dates the
/// import. Domains are lower-cased, `*.` prefixes dropped, invalid ones
/// skipped, and a domain claimed by two entities kept for the first.
pub fn import(kind: ImportKind, path: &Path, today: &str) -> Result<ImportedFile, IntelError> {
    let entities = match kind {
        ImportKind::TrackerRadar => tracker_radar(path)?,
        ImportKind::Disconnect => disconnect(&read_json(path)?),
        ImportKind::Ghostery => ghostery(&read_json(path)?),
    };
    let mut seen = HashSet::new();
    let entities: Vec<ImportedEntity> = entities
        .into_iter()
        .filter_map(|(name, company, category, domains)| {
            let domains: Vec<String> = domains
                .iter()
                .filter_map(|domain| normalise(domain))
                .filter(|domain| seen.insert(domain.clone()))
                .take(MAX_DOMAINS_PER_ENTITY)
                .collect();
            (!domains.is_empty() && !name.trim().is_empty())
                .then_some((name, company, category, domains))
        })
        .collect();
    if entities.is_empty() {
        return Err(IntelError::Parse {
            origin: path.display().to_string(),
            message: format!(
                "no entity with a domain found: is this a {} dataset?",
                kind.file_stem()
            ),
        });
    }
    Ok(ImportedFile {
        source: kind.source(today),
        entities,
    })
}

fn tracker_radar(path: &Path) -> Result<Vec<ImportedEntity>, IntelError> {
    let dir = if path.join("entities").is_dir() {
        path.join("entities")
    } else {
        path.to_owned()
    };
    let read_error = |source| IntelError::Read {
        path: dir.clone(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(read_error)? {
        let file = entry.map_err(read_error)?.path();
        if file.extension().is_some_and(|ext| ext == "json") {
            files.push(file);
            if files.len() > MAX_FILES {
                return Err(IntelError::Invalid {
                    problems: vec![format!(
                        "{} holds more than {MAX_FILES} JSON files",
                        dir.display()
                    )],
                });
            }
        }
    }
    files.sort();
    let mut entities = Vec::with_capacity(files.len());
    for file in files {
        let json = read_json(&file)?;
        let legal = text(&json, "name");
        let display = text(&json, "displayName").or_else(|| legal.clone());
        let Some(display) = display else { continue };
        let company = legal.filter(|legal| legal != &display);
        entities.push((display, company, None, strings(json.get("properties"))));
    }
    Ok(entities)
}

fn disconnect(json: &Value) -> Vec<ImportedEntity> {
    let Some(map) = json.get("entities").and_then(Value::as_object) else {
        return Vec::new();
    };
    map.iter()
        .map(|(name, entity)| {
            let mut domains = strings(entity.get("properties"));
            domains.extend(strings(entity.get("resources")));
            (name.clone(), None, None, domains)
        })
        .collect()
}

fn ghostery(json: &Value) -> Vec<ImportedEntity> {
    let organisations = json.get("organizations").and_then(Value::as_object);
    let Some(patterns) = json.get("patterns").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut extra: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    if let Some(domains) = json.get("domains").and_then(Value::as_object) {
        for (domain, pattern) in domains {
            if let Some(pattern) = pattern.as_str() {
                extra.entry(pattern).or_default().push(domain.clone());
            }
        }
    }
    patterns
        .iter()
        .map(|(id, pattern)| {
            let name = text(pattern, "name").unwrap_or_else(|| id.clone());
            let company = text(pattern, "organization").map(|organisation| {
                organisations
                    .and_then(|organisations| organisations.get(&organisation))
                    .and_then(|record| text(record, "name"))
                    .unwrap_or(organisation)
            });
            let mut domains = strings(pattern.get("domains"));
            domains.extend(extra.remove(id.as_str()).unwrap_or_default());
            (name, company, text(pattern, "category"), domains)
        })
        .collect()
}

fn read_json(path: &Path) -> Result<Value, IntelError> {
    let read_error = |source| IntelError::Read {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_FILE_BYTES {
        return Err(IntelError::TooLarge {
            path: path.to_owned(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let text = std::fs::read_to_string(path).map_err(read_error)?;
    serde_json::from_str(&text).map_err(|error| IntelError::Parse {
        origin: path.display().to_string(),
        message: error.to_string(),
    })
}

fn text(json: &Value, key: &str) -> Option<String> {
    json.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn strings(json: Option<&Value>) -> Vec<String> {
    json.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn normalise(domain: &str) -> Option<String> {
    let domain = domain
        .trim()
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .to_ascii_lowercase();
    crate::validate::is_domain(&domain).then_some(domain)
}

/// Today's date (UTC), for dating imports.
pub fn today() -> String {
    outflow_model::timestamp::date(std::time::SystemTime::now())
}

/// Why an import could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ImportWriteError {
    /// The dataset could not be read or converted.
    #[error("importing {}", path.display())]
    Import {
        /// The dataset's file or folder.
        path: std::path::PathBuf,
        /// Why not.
        #[source]
        source: IntelError,
    },
    /// The output folder could not be created or the file written.
    #[error("{what} {}", path.display())]
    Write {
        /// `creating` (the folder) or `writing` (the file).
        what: &'static str,
        /// The folder or file.
        path: std::path::PathBuf,
        /// Why not.
        #[source]
        source: std::io::Error,
    },
    /// The converted dataset could not be serialised.
    #[error("serialising the import")]
    Serialise(#[source] serde_json::Error),
}

/// An import written to disk.
#[derive(Debug, Clone)]
pub struct WrittenImport {
    /// The file written: `OUT/KIND.json`.
    pub path: std::path::PathBuf,
    /// Entities imported.
    pub entities: usize,
    /// Domains imported, over all entities.
    pub domains: usize,
    /// The dataset's licence.
    pub license: String,
}

/// `outflow intel import`: converts the dataset at `path` ([`import`],
/// dated today) into `out/KIND.json` (creating `out`), for `outflow whois
/// --intel OUT`.
pub fn write_import(
    kind: ImportKind,
    path: &Path,
    out: &Path,
) -> Result<WrittenImport, ImportWriteError> {
    let file = import(kind, path, &today()).map_err(|source| ImportWriteError::Import {
        path: path.to_path_buf(),
        source,
    })?;
    std::fs::create_dir_all(out).map_err(|source| ImportWriteError::Write {
        what: "creating",
        path: out.to_path_buf(),
        source,
    })?;
    let target = out.join(format!("{}.json", kind.file_stem()));
    let json = serde_json::to_string(&file).map_err(ImportWriteError::Serialise)?;
    std::fs::write(&target, json).map_err(|source| ImportWriteError::Write {
        what: "writing",
        path: target.clone(),
        source,
    })?;
    Ok(WrittenImport {
        path: target,
        entities: file.entities.len(),
        domains: file.entities.iter().map(|entity| entity.3.len()).sum(),
        license: file.source.license.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse() {
        assert_eq!("tracker-radar".parse(), Ok(ImportKind::TrackerRadar));
        assert!("webxray".parse::<ImportKind>().is_err());
    }

    #[test]
    fn domains_are_normalised() {
        assert_eq!(normalise("*.Example.COM").as_deref(), Some("example.com"));
        assert_eq!(normalise(".example.com").as_deref(), Some("example.com"));
        assert_eq!(normalise("exa mple.com"), None);
    }
}
