//! Lookups: one host, URL or IP address in, one [`Attribution`] out.

use std::net::IpAddr;

use outflow_model::{Attribution, Network, Party};

use crate::address::{AddressScope, classify};
use crate::host::{Target, parse_target, registrable_domain};
use crate::store::{StoredEntity, country_source};
use crate::Intel;

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
                Site { host: Some(host.into_owned()), ip: None, registrable, organisation }
            }
            Ok(Target::Ip(ip)) => Site { ip: Some(ip), ..Site::default() },
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
        match parse_target(host_or_ip) {
            Ok(Target::Host(host)) => self.lookup_host(&host, site),
            Ok(Target::Ip(ip)) => self.lookup_ip(ip, site),
            Err(invalid) => {
                let mut attribution = empty(truncate(host_or_ip), Party::Unknown);
                attribution.notes.push(format!("not a host name or IP address: {}", invalid.0));
                attribution
            }
        }
    }

    /// A host whose DNS answers were recorded (e.g. in a capture): the
    /// host's own attribution, completed with the network and country of
    /// its first public address when the host's data leave them unknown.
    pub fn lookup_with_addresses(&self, host: &str, addresses: &[IpAddr], site: Option<&Site>) -> Attribution {
        let mut attribution = self.lookup_for_site(host, site);
        let Some(ip) = addresses.iter().copied().find(|ip| classify(*ip) == AddressScope::Public) else {
            return attribution;
        };
        let by_address = self.lookup_ip(ip, None);
        attribution.network = by_address.network;
        if attribution.entity.is_none() && by_address.entity.is_some() {
            attribution.entity = by_address.entity;
            attribution.flags = by_address.flags;
            attribution.notes.push(format!("owner from the network of its recorded address {ip}"));
        }
        if attribution.country.is_none() && by_address.country.is_some() {
            attribution.country = by_address.country;
            attribution.country_source = by_address.country_source;
            attribution.notes.push(format!("country from its recorded address {ip}"));
            attribution.legal_notes = self.legal_notes(attribution.country.as_deref());
        }
        attribution.notes.extend(by_address.notes.into_iter().filter(|note| note.starts_with("IP dataset")));
        attribution
    }

    fn lookup_host(&self, host: &str, site: Option<&Site>) -> Attribution {
        let registrable = registrable_domain(host);
        let entity = self.store.entity_for_host(host).map(|index| &self.store.entities[index as usize]);
        let party = self.party_of_host(host, registrable, entity, site);
        let mut attribution = empty(host.to_owned(), party);
        attribution.registrable_domain = registrable.map(str::to_owned);
        if registrable.is_none() {
            attribution.notes.push("not under a known public suffix".into());
        }
        match entity {
            Some(entity) => self.attach_entity(&mut attribution, entity),
            None => attribution.notes.push(format!(
                "no owner known for {}",
                registrable.unwrap_or(host)
            )),
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
                    if site.is_some_and(|site| site.organisation.as_deref() == Some(entity.organisation.as_str())) {
                        attribution.party = Party::First;
                    }
                    self.attach_entity(&mut attribution, entity);
                }
                None => attribution.notes.push(format!("no entity known for AS{asn}")),
            }
        } else {
            attribution.notes.push("address not in the ASN dataset".into());
        }
        if attribution.country.is_none() {
            match facts.country {
                Some(country) => {
                    attribution.legal_notes = self.legal_notes(Some(&country));
                    attribution.country = Some(country);
                    attribution.country_source = Some(data.country_source().clone());
                }
                None => attribution.notes.push("address not in the country dataset".into()),
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
            None => attribution.notes.push(format!("country of {} unknown", entity.entity.name)),
        }
    }

    fn legal_notes(&self, country: Option<&str>) -> Vec<outflow_model::LegalNote> {
        country.and_then(|country| self.store.legal.get(country)).cloned().unwrap_or_default()
    }

    fn party_of_host(&self, host: &str, registrable: Option<&str>, entity: Option<&StoredEntity>, site: Option<&Site>) -> Party {
        if self.store.is_declared_first_party(host) {
            return Party::First;
        }
        let Some(site) = site else { return Party::Unknown };
        let same_site = match (registrable, &site.registrable) {
            (Some(host_domain), Some(site_domain)) => host_domain == site_domain,
            _ => site.host.as_deref() == Some(host),
        };
        let same_owner = entity
            .zip(site.organisation.as_deref())
            .is_some_and(|(entity, organisation)| entity.organisation == organisation);
        if same_site || same_owner { Party::First } else { Party::Third }
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
