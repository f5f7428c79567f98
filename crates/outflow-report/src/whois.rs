//! `outflow whois`: who is behind a host, URL, IP address or ASN, as text.
//! Targets and user-supplied entity files may hold terminal control
//! sequences: every value goes through [`clean`].

use outflow_model::{Attribution, Ownership, Party, SourcedFact};

use crate::style::clean;

/// An attribution as text: owner, country, network, flags and legal
/// notes, each with its source.
pub fn whois_terminal(attribution: &Attribution) -> String {
    let mut out = String::new();
    let party = match attribution.party {
        Party::First => "first party",
        Party::Third => "third party",
        Party::Unknown => "party unknown (no --site)",
    };
    let registrable = attribution
        .registrable_domain
        .as_deref()
        .map(|domain| format!("registrable domain {domain}, "))
        .unwrap_or_default();
    out.push_str(&format!(
        "{}\n  {registrable}{party}\n",
        clean(&attribution.host)
    ));
    if let Some(entity) = &attribution.entity {
        let mut line = clean(&entity.name);
        if let Some(legal) = &entity.legal_name {
            line.push_str(&format!(" ({})", clean(legal)));
        }
        if let Some(parent) = &entity.parent {
            line.push_str(&format!(", part of {}", clean(parent)));
        }
        if let Some(ownership) = entity.ownership {
            line.push_str(match ownership {
                Ownership::StateOwned => ", state-owned",
                Ownership::StateControlled => ", state-controlled",
                Ownership::Listed => ", publicly listed",
                Ownership::Private => ", privately held",
            });
        }
        if let Some(category) = &entity.category {
            line.push_str(&format!(", {}", clean(category)));
        }
        out.push_str(&format!("  owner    {line}\n"));
        for source in &entity.sources {
            out.push_str(&format!("           {}\n", source_line(source)));
        }
    }
    if let Some(country) = &attribution.country {
        out.push_str(&format!("  country  {}\n", clean(country)));
    }
    if let Some(network) = &attribution.network {
        out.push_str(&format!(
            "  network  AS{} {}\n           {}\n",
            network.asn,
            clean(&network.organisation),
            source_line(&network.source)
        ));
    }
    for flag in &attribution.flags {
        let who = flag
            .listed_name
            .as_deref()
            .map(|name| format!(" [{}]", clean(name)))
            .unwrap_or_default();
        let since = flag
            .since
            .as_deref()
            .map(|since| format!(" since {since}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  FLAG     {}{who}{since}: {}\n           {}\n",
            clean(&flag.list_name),
            clean(&flag.detail),
            source_line(&flag.source)
        ));
    }
    for note in &attribution.legal_notes {
        out.push_str(&format!(
            "  law      {} {}: {}\n           {}\n",
            clean(&note.country),
            clean(&note.law),
            clean(&note.summary),
            source_line(&note.source)
        ));
    }
    for note in &attribution.notes {
        out.push_str(&format!("  note     {}\n", clean(note)));
    }
    out
}

fn source_line(source: &SourcedFact) -> String {
    match &source.title {
        Some(title) => format!(
            "source: {} ({}; {})",
            clean(&source.url),
            clean(title),
            clean(&source.date)
        ),
        None => format!("source: {} ({})", clean(&source.url), clean(&source.date)),
    }
}
