//! The on-disk schema of intelligence data: TOML files of entities, lists,
//! legal notes and first-party domains (built in from `data/`, or added
//! with `--intel DIR`), and the compact JSON of imported datasets.
//!
//! One TOML file may hold any of the four tables:
//!
//! ```toml
//! first_party = ["example-cdn.net"]
//!
//! [[list]]
//! id = "my-list"
//! name = "My list"
//! authority = "Me"
//! description = "What membership means."
//! source = { url = "https://example.org/list", date = "2026-01-01" }
//!
//! [[entity]]
//! id = "example"
//! name = "Example"
//! country = "US"
//! ownership = "private"
//! domains = ["example.com"]
//! sources = [{ url = "https://example.org/about", date = "2026-01-01" }]
//!
//! [[entity.flags]]
//! list = "my-list"
//! detail = "Why it is on the list."
//! source = { url = "https://example.org/list", date = "2026-01-01" }
//!
//! [[note]]
//! country = "US"
//! law = "A law, Art. 1"
//! summary = "What it means for data sent there."
//! source = { url = "https://example.org/law", date = "2026-01-01" }
//! ```

use outflow_model::{LegalNote, Ownership, SourcedFact};
use serde::{Deserialize, Serialize};

/// One TOML file of intelligence data.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntelFile {
    /// Domains (and their subdomains) that belong to the analysed site's
    /// owner whatever the site.
    #[serde(default)]
    pub first_party: Vec<String>,
    /// Government lists that flags refer to.
    #[serde(default, rename = "list")]
    pub lists: Vec<ListRecord>,
    /// Organisations and what they own.
    #[serde(default, rename = "entity")]
    pub entities: Vec<EntityRecord>,
    /// Laws per country.
    #[serde(default, rename = "note")]
    pub legal_notes: Vec<LegalNote>,
}

/// A government list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRecord {
    /// Stable identifier, e.g. `fcc-covered-list`.
    pub id: String,
    /// Its name as shown to readers.
    pub name: String,
    /// Who publishes it.
    pub authority: String,
    /// The publishing country, ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    /// What membership means.
    pub description: String,
    /// The list's own publication.
    pub source: SourcedFact,
}

/// An organisation, what it owns and the lists it is on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRecord {
    /// Stable identifier, unique over all loaded files.
    pub id: String,
    /// Common name.
    pub name: String,
    /// Registered legal name.
    #[serde(default)]
    pub legal_name: Option<String>,
    /// The `id` of the parent entity: its flags and country are inherited.
    #[serde(default)]
    pub parent: Option<String>,
    /// Other names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// ISO 3166-1 alpha-2 country of its seat.
    #[serde(default)]
    pub country: Option<String>,
    /// Ownership.
    #[serde(default)]
    pub ownership: Option<Ownership>,
    /// What it does on the web.
    #[serde(default)]
    pub category: Option<String>,
    /// Registrable domains or host names it owns, each with its
    /// subdomains (lower case, punycode).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Autonomous systems it operates.
    #[serde(default)]
    pub asns: Vec<u32>,
    /// Sources of the identity, country, ownership, domain and ASN facts.
    pub sources: Vec<SourcedFact>,
    /// Government-list memberships.
    #[serde(default)]
    pub flags: Vec<FlagRecord>,
}

/// A list membership.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagRecord {
    /// The `id` of a list defined in some loaded file.
    pub list: String,
    /// The legal person the list names, when not the entity itself.
    #[serde(default)]
    pub listed_name: Option<String>,
    /// What the membership says.
    pub detail: String,
    /// When it began (`YYYY-MM-DD`).
    #[serde(default)]
    pub since: Option<String>,
    /// The publication that states it.
    pub source: SourcedFact,
}

/// The compact JSON written by `scripts/import-third-party-web` and
/// `outflow intel import`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportedFile {
    /// The dataset, its version and licence.
    pub source: ImportedSource,
    /// `[name, company, category, [domain, ...]]` per entity.
    pub entities: Vec<ImportedEntity>,
}

/// One imported entity: name, company, category and domains (each with
/// its subdomains).
pub type ImportedEntity = (String, Option<String>, Option<String>, Vec<String>);

/// Provenance of an imported dataset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportedSource {
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
    /// SPDX licence of the data.
    pub license: String,
    /// Home of the dataset.
    pub url: String,
    /// Date of the import (`YYYY-MM-DD`).
    pub imported: String,
}

impl ImportedSource {
    /// The fact every imported entity and domain rests on.
    pub fn fact(&self) -> SourcedFact {
        SourcedFact {
            url: self.url.clone(),
            date: self.imported.clone(),
            title: Some(format!(
                "{} {} ({} licence)",
                self.name, self.version, self.license
            )),
        }
    }
}
