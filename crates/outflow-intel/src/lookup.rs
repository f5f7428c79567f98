//! Lookups: one host, URL or IP address in, one [`Attribution`] out.

use std::net::IpAddr;

use outflow_model::{Attribution, Network, Party};

use crate::Intel;
use crate::address::{AddressScope, classify};
use crate::host::{Target, parse_target, registrable_domain};
use crate::store::{StoredEntity, country_source};

/// The analysed site, parsed once so that lookups against it do not parse
/// it again.
#[derive(Debug, Clone, Default)]
pub struct Site {
    host: Option<String>,
    ip: Option<IpAddr>,
    registrable: Option<String>,
    organisation: Option<String>,
}

impl Intel {
    /// Parses the analysed site (a URL or host). An unparsable site gives a
    /// site against which nothing is first party except declared domains.
    pub fn site(&self, site: &str) -> Site {
        match parse_target(site) {
            Ok(Target::Host(host)) => {
                let registrable = registrable_domain(&host).map(str::to_owned);
                let organisation = self
                    .store
                    .entity_for_host(&host)
                    .map(|index| self.store.entities[index as usize].organisation.clone());
                Site {
                    host: Some(host.into_owned()),
                    ip: None,
                    registrable,
                    organisation,
                }
            }
            Ok(Target::Ip(ip)) => Site {
                ip: Some(ip),
                ..Site::default()
            },
            Err(_) => Site::default(),
        }
    }

    /// Who is behind `host_or_ip` (a host, URL, `host:port` or IP literal),
    /// first or third party relative to `site` (a URL or host).
    pub fn lookup(&self, host_or_ip: &str, site: Option<&str>) -> Attribution {
        let site = site.map(|site| self.site(site));
        self.lookup_for_site(host_or_ip, site.as_ref())
    }

    /// [`Intel::lookup`] against a site parsed once with [`Intel::site`].
    pub fn lookup_for_site(&self, host_or_ip: &str, site: Option<&Site>) -> Attribution {
        self.resolve(host_or_ip, site).into_attribution()
    }

    /// The allocation-free core of a lookup: a borrowed view of what the
    /// data say about a host (entity, flags, country, legal notes), for
    /// callers that only need to decide (e.g. "is this destination
    /// flagged?"). [`Resolution::into_attribution`] gives the full record.
    pub fn resolve<'a>(&'a self, host_or_ip: &'a str, site: Option<&Site>) -> Resolution<'a> {
        // `AS` and digits only is an AS number, never a host name, even
        // when it is out of the 32-bit range AS numbers have (RFC 6793).
        if let Some(digits) = host_or_ip
            .strip_prefix("AS")
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        {
            let built = match digits.parse::<u32>() {
                Ok(asn) => self.lookup_asn(asn),
                Err(_) => {
                    let mut attribution = empty(truncate(host_or_ip), Party::Unknown);
                    attribution.notes.push(format!(
                        "not a valid AS number: AS numbers are 32-bit (0 to {})",
                        u32::MAX
                    ));
                    attribution
                }
            };
            return Resolution {
                inner: Inner::Built(Box::new(built)),
            };
        }
        match parse_target(host_or_ip) {
            Ok(Target::Host(host)) => {
                let registrable = registrable_domain(&host).map(|domain| host.len() - domain.len());
                let entity = self
                    .store
                    .entity_for_host(&host)
                    .map(|index| &self.store.entities[index as usize]);
                let registrable_str = registrable.map(|start| &host[start..]);
                let party = self.party_of_host(&host, registrable_str, entity, site);
                let legal_notes = entity
                    .and_then(|entity| entity.country.as_deref())
                    .and_then(|country| self.store.legal.get(country))
                    .map_or(&[][..], Vec::as_slice);
                Resolution {
                    inner: Inner::Host {
                        host,
                        registrable,
                        party,
                        entity,
                        legal_notes,
                    },
                }
            }
            Ok(Target::Ip(ip)) => Resolution {
                inner: Inner::Built(Box::new(self.lookup_ip(ip, site))),
            },
            Err(invalid) => {
                let mut attribution = empty(truncate(host_or_ip), Party::Unknown);
                attribution
                    .notes
                    .push(format!("not a host name or IP address: {}", invalid.0));
                Resolution {
                    inner: Inner::Built(Box::new(attribution)),
                }
            }
        }
    }

    /// A host whose DNS answers were recorded (e.g. in a capture): the
    /// host's own attribution, completed with the network and country of
    /// its first public address when the host's data leave them unknown.
    pub fn lookup_with_addresses(
        &self,
        host: &str,
        addresses: &[IpAddr],
        site: Option<&Site>,
    ) -> Attribution {
        let mut attribution = self.lookup_for_site(host, site);
        let Some(ip) = addresses
            .iter()
            .copied()
            .find(|ip| classify(*ip) == AddressScope::Public)
        else {
            return attribution;
        };
        let by_address = self.lookup_ip(ip, None);
        attribution.network = by_address.network;
        if attribution.entity.is_none() && by_address.entity.is_some() {
            attribution.entity = by_address.entity;
            attribution.flags = by_address.flags;
            attribution.notes.push(format!(
                "owner from the network of its recorded address {ip}"
            ));
        }
        if attribution.country.is_none() && by_address.country.is_some() {
            attribution.country = by_address.country;
            attribution.country_source = by_address.country_source;
            attribution
                .notes
                .push(format!("country from its recorded address {ip}"));
            attribution.legal_notes = self.legal_notes(attribution.country.as_deref());
        }
        attribution.notes.extend(
            by_address
                .notes
                .into_iter()
                .filter(|note| note.starts_with("IP dataset")),
        );
        attribution
    }

    /// An autonomous system (`AS9808`): the entity our data map it to and
    /// the organisation the ASN dataset names.
    fn lookup_asn(&self, asn: u32) -> Attribution {
        let mut attribution = empty(format!("AS{asn}"), Party::Unknown);
        match self.ip_data() {
            Ok(data) => match data.organisation(asn) {
                Some(organisation) => {
                    attribution.network = Some(Network {
                        asn,
                        organisation: organisation.to_owned(),
                        source: data.asn_source().clone(),
                    })
                }
                None => attribution
                    .notes
                    .push(format!("AS{asn} not in the ASN dataset")),
            },
            Err(reason) => attribution.notes.push(reason),
        }
        match self.store.asns.get(&asn) {
            Some(index) => {
                self.attach_entity(&mut attribution, &self.store.entities[*index as usize])
            }
            None => attribution
                .notes
                .push(format!("no entity known for AS{asn}")),
        }
        attribution
    }

    fn lookup_ip(&self, ip: IpAddr, site: Option<&Site>) -> Attribution {
        let party = if site.is_some_and(|site| site.ip == Some(ip)) {
            Party::First
        } else if site.is_some() {
            Party::Third
        } else {
            Party::Unknown
        };
        let mut attribution = empty(ip.to_string(), party);
        let scope = classify(ip);
        if let Some(note) = scope.note() {
            attribution.notes.push(note.to_owned());
            return attribution;
        }
        let data = match self.ip_data() {
            Ok(data) => data,
            Err(reason) => {
                attribution.notes.push(reason);
                return attribution;
            }
        };
        let facts = data.facts(ip);
        if let Some((asn, organisation)) = facts.asn {
            attribution.network = Some(Network {
                asn,
                organisation: organisation.to_owned(),
                source: data.asn_source().clone(),
            });
            match self.store.asns.get(&asn) {
                Some(index) => {
                    let entity = &self.store.entities[*index as usize];
                    if site.is_some_and(|site| {
                        site.organisation.as_deref() == Some(entity.organisation.as_str())
                    }) {
                        attribution.party = Party::First;
                    }
                    self.attach_entity(&mut attribution, entity);
                }
                None => attribution
                    .notes
                    .push(format!("no entity known for AS{asn}")),
            }
        } else {
            attribution
                .notes
                .push("address not in the ASN dataset".into());
        }
        if attribution.country.is_none() {
            match facts.country {
                Some(country) => {
                    attribution.legal_notes = self.legal_notes(Some(&country));
                    attribution.country = Some(country);
                    attribution.country_source = Some(data.country_source().clone());
                }
                None => attribution
                    .notes
                    .push("address not in the country dataset".into()),
            }
        }
        attribution
    }

    fn attach_entity(&self, attribution: &mut Attribution, entity: &StoredEntity) {
        attribution.entity = Some(entity.entity.clone());
        attribution.flags = entity.flags.clone();
        match &entity.country {
            Some(country) => {
                attribution.country = Some(country.clone());
                attribution.country_source = country_source(entity);
                attribution.legal_notes = self.legal_notes(Some(country));
            }
            None => attribution
                .notes
                .push(format!("country of {} unknown", entity.entity.name)),
        }
    }

    fn legal_notes(&self, country: Option<&str>) -> Vec<outflow_model::LegalNote> {
        country
            .and_then(|country| self.store.legal.get(country))
            .cloned()
            .unwrap_or_default()
    }

    fn party_of_host(
        &self,
        host: &str,
        registrable: Option<&str>,
        entity: Option<&StoredEntity>,
        site: Option<&Site>,
    ) -> Party {
        if self.store.is_declared_first_party(host) {
            return Party::First;
        }
        let Some(site) = site else {
            return Party::Unknown;
        };
        let same_site = match (registrable, &site.registrable) {
            (Some(host_domain), Some(site_domain)) => host_domain == site_domain,
            _ => site.host.as_deref() == Some(host),
        };
        let same_owner = entity
            .zip(site.organisation.as_deref())
            .is_some_and(|(entity, organisation)| entity.organisation == organisation);
        if same_site || same_owner {
            Party::First
        } else {
            Party::Third
        }
    }
}

/// What the data say about one host, borrowed from the loaded tables.
pub struct Resolution<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Host {
        host: std::borrow::Cow<'a, str>,
        /// Where the registrable domain starts in `host`.
        registrable: Option<usize>,
        party: Party,
        entity: Option<&'a StoredEntity>,
        legal_notes: &'a [outflow_model::LegalNote],
    },
    /// IP addresses and invalid inputs, whose records are built at once.
    Built(Box<Attribution>),
}

impl<'a> Resolution<'a> {
    /// The host name (lower case, punycode) or IP address.
    pub fn host(&self) -> &str {
        match &self.inner {
            Inner::Host { host, .. } => host,
            Inner::Built(attribution) => &attribution.host,
        }
    }

    /// First or third party.
    pub fn party(&self) -> Party {
        match &self.inner {
            Inner::Host { party, .. } => *party,
            Inner::Built(attribution) => attribution.party,
        }
    }

    /// The owner, when known.
    pub fn entity(&self) -> Option<&outflow_model::Entity> {
        match &self.inner {
            Inner::Host { entity, .. } => entity.map(|entity| &entity.entity),
            Inner::Built(attribution) => attribution.entity.as_ref(),
        }
    }

    /// List memberships of the owner and its parents.
    pub fn flags(&self) -> &[outflow_model::Flag] {
        match &self.inner {
            Inner::Host { entity, .. } => entity.map_or(&[], |entity| &entity.flags),
            Inner::Built(attribution) => &attribution.flags,
        }
    }

    /// The country, when known.
    pub fn country(&self) -> Option<&str> {
        match &self.inner {
            Inner::Host { entity, .. } => entity.and_then(|entity| entity.country.as_deref()),
            Inner::Built(attribution) => attribution.country.as_deref(),
        }
    }

    /// The full, owned record, with notes on what is unknown.
    pub fn into_attribution(self) -> Attribution {
        let (host, registrable, party, entity, legal_notes) = match self.inner {
            Inner::Built(attribution) => return *attribution,
            Inner::Host {
                host,
                registrable,
                party,
                entity,
                legal_notes,
            } => (host, registrable, party, entity, legal_notes),
        };
        let registrable = registrable.map(|start| &host[start..]);
        let mut attribution = empty(host.to_string(), party);
        attribution.registrable_domain = registrable.map(str::to_owned);
        if registrable.is_none() {
            attribution
                .notes
                .push("not under a known public suffix".into());
        }
        match entity {
            Some(entity) => {
                attribution.entity = Some(entity.entity.clone());
                attribution.flags = entity.flags.clone();
                match &entity.country {
                    Some(country) => {
                        attribution.country = Some(country.clone());
                        attribution.country_source = country_source(entity);
                        attribution.legal_notes = legal_notes.to_vec();
                    }
                    None => attribution
                        .notes
                        .push(format!("country of {} unknown", entity.entity.name)),
                }
            }
            None => attribution.notes.push(format!(
                "no owner known for {}",
                registrable.unwrap_or(&host)
            )),
        }
        attribution
    }
}

fn empty(host: String, party: Party) -> Attribution {
    Attribution {
        host,
        registrable_domain: None,
        party,
        entity: None,
        network: None,
        country: None,
        country_source: None,
        flags: Vec::new(),
        legal_notes: Vec::new(),
        notes: Vec::new(),
    }
}

/// Hostile inputs are echoed back shortened, on a character boundary.
fn truncate(input: &str) -> String {
    const KEEP: usize = 256;
    if input.len() <= KEEP {
        return input.to_owned();
    }
    let mut end = KEEP;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &input[..end])
}

#[cfg(test)]
mod tests {
    #[test]
    fn truncation_respects_char_boundaries() {
        let long = "é".repeat(300);
        let short = super::truncate(&long);
        assert!(short.len() < 300);
        assert!(short.ends_with('…'));
    }
}
