//! The in-memory tables lookups read, built once from every layer of data
//! with an explicit precedence.
//!
//! Layers, highest first: the user's `--intel DIR` files, then outflow's
//! own sourced table (`data/*.toml`, `data/entities/*.toml`), then imported
//! datasets (third-party-web). A domain of a lower layer is dropped when a
//! higher layer claims that domain or a domain above it: a higher layer
//! owns the whole subtree of each domain it names, so our sourced table
//! always wins over imported data, and the user's files over both. Within
//! one layer a domain may belong to one entity only (checked by
//! [`crate::validate`]); more specific domains may name other entities of
//! the same layer (`hm.baidu.com` under `baidu.com`).

use outflow_model::{Entity, Flag, LegalNote, SourcedFact};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::host::suffixes;
use crate::schema::{ImportedFile, IntelFile, ListRecord};

/// Precedence of a layer: lower numbers win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Layer {
    User = 0,
    BuiltIn = 1,
    Imported = 2,
}

/// One entity, ready to be copied into attributions.
#[derive(Debug, Clone)]
pub(crate) struct StoredEntity {
    pub entity: Entity,
    /// Flags of the entity and its parents.
    pub flags: Vec<Flag>,
    /// The entity's country, or its nearest parent's.
    pub country: Option<String>,
    /// What groups entities into one party: the top parent's id, or for
    /// imported entities their company's name.
    pub organisation: String,
}

/// Counts of what was loaded, for `whois --stats` and the README.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Entities loaded.
    pub entities: usize,
    /// Domains mapped to entities.
    pub domains: usize,
    /// Imported domains dropped because a higher layer owns them.
    pub dropped_imported_domains: usize,
    /// ASNs mapped to entities.
    pub asns: usize,
    /// Government lists defined.
    pub lists: usize,
    /// Legal notes.
    pub legal_notes: usize,
}

#[derive(Default)]
pub(crate) struct Store {
    pub entities: Vec<StoredEntity>,
    pub domains: FxHashMap<Box<str>, (u32, Layer)>,
    pub asns: FxHashMap<u32, u32>,
    pub legal: FxHashMap<String, Vec<LegalNote>>,
    pub lists: FxHashMap<String, ListRecord>,
    pub first_party: FxHashSet<Box<str>>,
    pub stats: LoadStats,
}

impl Store {
    /// Builds the tables. `files` must already be validated (every flag
    /// names a list, every parent exists, ids are unique).
    pub fn build(files: &[(Layer, IntelFile)], imported: &[ImportedFile]) -> Store {
        let mut store = Store::default();
        for (_, file) in files {
            for list in &file.lists {
                store.lists.insert(list.id.clone(), list.clone());
            }
            for note in &file.legal_notes {
                store
                    .legal
                    .entry(note.country.clone())
                    .or_default()
                    .push(note.clone());
            }
            store
                .first_party
                .extend(file.first_party.iter().map(|d| d.as_str().into()));
        }
        let records: FxHashMap<&str, &crate::schema::EntityRecord> = files
            .iter()
            .flat_map(|(_, file)| &file.entities)
            .map(|record| (record.id.as_str(), record))
            .collect();

        let mut ordered: Vec<&(Layer, IntelFile)> = files.iter().collect();
        ordered.sort_by_key(|(layer, _)| *layer);
        for (layer, file) in ordered {
            for record in &file.entities {
                let index = store.entities.len() as u32;
                store
                    .entities
                    .push(store_entity(record, &records, &store.lists));
                for domain in &record.domains {
                    if !store.claimed_above(domain, *layer) {
                        store
                            .domains
                            .entry(domain.as_str().into())
                            .or_insert((index, *layer));
                    }
                }
                for asn in &record.asns {
                    store.asns.entry(*asn).or_insert(index);
                }
            }
        }

        for dataset in imported {
            let fact = dataset.source.fact();
            for (name, company, category, domains) in &dataset.entities {
                let kept: Vec<&String> = domains
                    .iter()
                    .filter(|domain| crate::validate::is_domain(domain))
                    .filter(|domain| !store.claimed_above(domain, Layer::Imported))
                    .collect();
                store.stats.dropped_imported_domains += domains.len() - kept.len();
                if kept.is_empty() {
                    continue;
                }
                let index = store.entities.len() as u32;
                let organisation = company.clone().unwrap_or_else(|| name.clone());
                store.entities.push(StoredEntity {
                    entity: Entity {
                        id: format!("{}:{}", dataset.source.name, slug(name)),
                        name: name.clone(),
                        legal_name: None,
                        parent: company.clone().filter(|company| company != name),
                        aliases: Vec::new(),
                        country: None,
                        ownership: None,
                        category: category.clone(),
                        sources: vec![fact.clone()],
                    },
                    flags: Vec::new(),
                    country: None,
                    organisation,
                });
                for domain in kept {
                    store
                        .domains
                        .entry(domain.as_str().into())
                        .or_insert((index, Layer::Imported));
                }
            }
        }

        store.stats.entities = store.entities.len();
        store.stats.domains = store.domains.len();
        store.stats.asns = store.asns.len();
        store.stats.lists = store.lists.len();
        store.stats.legal_notes = store.legal.values().map(Vec::len).sum();
        store
    }

    /// Whether a layer above `layer` claims `domain` or a domain above it.
    fn claimed_above(&self, domain: &str, layer: Layer) -> bool {
        suffixes(domain).any(|suffix| {
            self.domains
                .get(suffix)
                .is_some_and(|(_, claimed)| *claimed < layer)
        })
    }

    /// The entity owning `host` by its longest matching suffix.
    pub fn entity_for_host(&self, host: &str) -> Option<u32> {
        suffixes(host).find_map(|suffix| self.domains.get(suffix).map(|(index, _)| *index))
    }

    /// Whether `host` is under a domain declared first-party.
    pub fn is_declared_first_party(&self, host: &str) -> bool {
        !self.first_party.is_empty()
            && suffixes(host).any(|suffix| self.first_party.contains(suffix))
    }
}

fn store_entity(
    record: &crate::schema::EntityRecord,
    records: &FxHashMap<&str, &crate::schema::EntityRecord>,
    lists: &FxHashMap<String, ListRecord>,
) -> StoredEntity {
    let mut flags = Vec::new();
    let mut country = None;
    let mut top = record;
    // Parents are followed a bounded number of steps: a cycle in user data
    // must not hang the load.
    let mut current = Some(record);
    for _ in 0..16 {
        let Some(entity) = current else { break };
        top = entity;
        if country.is_none() {
            country = entity.country.clone();
        }
        for flag in &entity.flags {
            flags.push(Flag {
                list: flag.list.clone(),
                list_name: lists
                    .get(&flag.list)
                    .map_or_else(|| flag.list.clone(), |list| list.name.clone()),
                listed_name: flag.listed_name.clone(),
                detail: flag.detail.clone(),
                since: flag.since.clone(),
                source: flag.source.clone(),
            });
        }
        current = entity
            .parent
            .as_deref()
            .and_then(|parent| records.get(parent).copied());
    }
    let parent = record
        .parent
        .as_deref()
        .and_then(|parent| records.get(parent))
        .map(|parent| parent.name.clone());
    StoredEntity {
        entity: Entity {
            id: record.id.clone(),
            name: record.name.clone(),
            legal_name: record.legal_name.clone(),
            parent,
            aliases: record.aliases.clone(),
            country: record.country.clone(),
            ownership: record.ownership,
            category: record.category.clone(),
            sources: record.sources.clone(),
        },
        flags,
        country,
        organisation: top.id.clone(),
    }
}

fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// The source fact of an entity's country: its first source.
pub(crate) fn country_source(entity: &StoredEntity) -> Option<SourcedFact> {
    entity.entity.sources.first().cloned()
}
