//! Who is behind a destination, with every fact sourced.
//!
//! An [`Attribution`] is attached to every host or address a script names or
//! a page contacts. Each claim that a reader may want to check (an owner, a
//! country, a list membership, a legal note) carries the URL and date of its
//! source.

use serde::{Deserialize, Serialize};

/// Where a fact comes from.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourcedFact {
    /// The URL of the publication that states the fact.
    pub url: String,
    /// When the publication was issued or last checked (`YYYY-MM-DD`).
    pub date: String,
    /// A short title of the source, when useful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Whether a destination belongs to the site being analysed.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The site itself (same registrable domain, same entity, or declared
    /// with `--first-party`).
    First,
    /// Anyone else.
    Third,
    /// No site to compare with (a script analysed on its own).
    Unknown,
}

/// Who owns an entity.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    /// Majority-owned by a state.
    StateOwned,
    /// Controlled by a state without majority ownership.
    StateControlled,
    /// Publicly listed.
    Listed,
    /// Privately held.
    Private,
}

/// An organisation behind one or more domains or networks.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Stable identifier, e.g. `china-mobile`.
    pub id: String,
    /// Common name, e.g. "China Mobile".
    pub name: String,
    /// Registered legal name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// The parent company's common name, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Other names the entity is known by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// ISO 3166-1 alpha-2 country of the entity's seat, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Ownership, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<Ownership>,
    /// What the entity does on the web, e.g. "analytics", "carrier".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Where the identity, country and ownership facts come from.
    pub sources: Vec<SourcedFact>,
}

/// Membership of an entity in a government list.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// Identifier of the list, e.g. `fcc-covered-list`.
    pub list: String,
    /// The list's name, e.g. "FCC Covered List".
    pub list_name: String,
    /// The legal person the list names, when it is not the entity itself
    /// (e.g. "China Mobile International (USA) Inc.", a subsidiary of China
    /// Mobile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_name: Option<String>,
    /// What the membership says, e.g. "Section 214 application denied".
    pub detail: String,
    /// When the entity was added (`YYYY-MM-DD`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The publication that states the membership.
    pub source: SourcedFact,
}

/// A law of a country that bears on data sent to entities there.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalNote {
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// The law and article, e.g. "National Intelligence Law (2017), Art. 7".
    pub law: String,
    /// What it means for data sent there, in one sentence.
    pub summary: String,
    /// The law's text or an authoritative translation.
    pub source: SourcedFact,
}

/// The network an IP address belongs to, from an offline IP → ASN dataset.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// The autonomous system number announcing the address.
    pub asn: u32,
    /// The organisation the dataset names for that ASN.
    pub organisation: String,
    /// The dataset, with its version date.
    pub source: SourcedFact,
}

/// Who is behind a host or address.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// The host name (lower-case, punycode) or IP address.
    pub host: String,
    /// Its registrable domain (eTLD+1), when it is a name under a public
    /// suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrable_domain: Option<String>,
    /// First or third party relative to the analysed site.
    pub party: Party,
    /// The owner, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<Entity>,
    /// The network of an IP address (or of a host's recorded DNS answer),
    /// when an IP dataset is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// ISO 3166-1 alpha-2 country of the destination (the entity's, or the
    /// address's network), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Where the country comes from (the entity's sources or the IP
    /// dataset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_source: Option<SourcedFact>,
    /// Government-list memberships of the entity or its parent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// Laws of the country that bear on the destination.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_notes: Vec<LegalNote>,
    /// What could not be determined, and why (e.g. "IP dataset not
    /// installed").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}
