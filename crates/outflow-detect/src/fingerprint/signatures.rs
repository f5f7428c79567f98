//! Recognising known products (session recorders, identity SDKs) by where
//! their scripts come from, what their code says, and where they send
//! data. The signatures are data (`data/detect/*.toml`) with their sources.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use outflow_model::{Channel, Endpoint, Evidence, Request};
use serde::Deserialize;

use super::source_text::span_at;
use crate::evidence::{code_evidence, endpoint_detail};
use crate::facts::{Facts, ScriptFacts, host_of};

/// Most pieces of evidence of one kind kept per product and script.
const HITS_PER_KIND: usize = 5;

/// How one product is recognised.
#[derive(Debug, Clone, Deserialize)]
pub struct Signature {
    /// The product's name.
    pub name: String,
    /// Who makes it (session recorders).
    #[serde(default)]
    pub vendor: Option<String>,
    /// Who runs it (identity SDKs).
    #[serde(default)]
    pub operator: Option<String>,
    /// What kind of product it is (identity SDKs).
    #[serde(default)]
    pub kind: Option<String>,
    /// Registrable domains or exact hosts it is served from or sends to.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Pieces of URLs specific to it.
    #[serde(default)]
    pub url_contains: Vec<String>,
    /// Strings specific to its code.
    #[serde(default)]
    pub code: Vec<String>,
    /// Where these facts were read.
    pub source: String,
    /// When.
    pub date: String,
}

impl Signature {
    /// Whether `host` is one of the product's hosts or under one.
    pub fn has_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.iter().any(|h| {
            host == *h
                || host
                    .strip_suffix(h.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }

    /// Where the product's signature comes from, as a note for a
    /// finding's evidence: its kind, maker or operator, source and date.
    pub fn citation(&self) -> Evidence {
        let mut about: Vec<String> = Vec::new();
        if let Some(kind) = &self.kind {
            about.push(kind.clone());
        }
        if let Some(vendor) = &self.vendor {
            about.push(format!("by {vendor}"));
        }
        if let Some(operator) = &self.operator {
            about.push(format!("run by {operator}"));
        }
        about.push(format!("source: {}, {}", self.source, self.date));
        Evidence::Note {
            text: format!("signature: {} ({})", self.name, about.join("; ")),
        }
    }

    /// What in `url` identifies the product, if anything.
    pub fn url_match(&self, url: &str) -> Option<String> {
        if let Some(host) = host_of(url)
            && self.has_host(&host)
        {
            return Some(host);
        }
        self.url_contains
            .iter()
            .find(|piece| url.contains(piece.as_str()))
            .cloned()
    }
}

/// Why a script (or the page) matched a product.
#[derive(Debug, Clone)]
pub enum Hit<'a> {
    /// The script was loaded from the product's host or URL.
    ScriptUrl {
        /// The script's URL.
        url: String,
        /// The part that matched.
        matched: String,
    },
    /// The code contains one of the product's strings.
    Code {
        /// The string.
        needle: String,
        /// Its first byte offset in the source.
        offset: usize,
    },
    /// The code names one of the product's hosts.
    NamedHost(&'a Endpoint),
    /// A request of the visit went to the product.
    Request {
        /// The request.
        request: &'a Request,
        /// The part of its URL that matched.
        matched: String,
    },
}

impl Hit<'_> {
    /// Whether this hit was seen during the visit rather than read from
    /// the code.
    pub fn is_dynamic(&self) -> bool {
        matches!(self, Hit::Request { .. })
    }
}

/// The evidence that one script (or the page itself) is one product.
#[derive(Debug, Clone)]
pub struct ProductMatch<'a> {
    /// Index of the product in its [`SignatureSet`].
    pub signature: usize,
    /// The script's name, or `page` for requests no script could be
    /// matched to.
    pub script_name: String,
    /// The script's facts, when it is one of the analysed scripts.
    pub script: Option<&'a ScriptFacts>,
    /// Why it matched.
    pub hits: Vec<Hit<'a>>,
}

impl ProductMatch<'_> {
    /// Whether the visit sent requests to the product.
    pub fn contacted(&self) -> bool {
        self.hits.iter().any(Hit::is_dynamic)
    }

    /// Whether the match is more than the code naming the product's
    /// hosts: traffic, a signature string in the code, or the script
    /// served from the product's host.
    pub fn strong(&self) -> bool {
        self.contacted()
            || self
                .hits
                .iter()
                .any(|h| matches!(h, Hit::Code { .. } | Hit::ScriptUrl { .. }))
    }

    /// The product's hosts the script was loaded from, names or contacted,
    /// sorted and without repeats.
    pub fn destinations(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self
            .hits
            .iter()
            .filter_map(|h| match h {
                Hit::Request { request, .. } => host_of(&request.url),
                Hit::NamedHost(endpoint) => endpoint.host.clone(),
                Hit::ScriptUrl { url, .. } => host_of(url),
                Hit::Code { .. } => None,
            })
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// The hits as evidence, requests first (they are observed), then code.
    pub fn evidence(&self, what: &str) -> Vec<Evidence> {
        let mut out = Vec::new();
        for hit in &self.hits {
            if let Hit::Request { request, matched } = hit {
                out.push(Evidence::Request {
                    request_id: request.id.clone(),
                    url: request.url.clone(),
                    method: request.method.clone(),
                    time_ms: request.time_ms,
                    channel: Channel::Url,
                    matched: matched.clone(),
                    encodings: Vec::new(),
                    what: what.to_string(),
                });
            }
        }
        for hit in &self.hits {
            match hit {
                Hit::ScriptUrl { url, matched } => out.push(Evidence::Note {
                    text: format!("the script was loaded from {url} ({matched} belongs to {what})"),
                }),
                Hit::Code { needle, offset } => {
                    match (self.script, self.script.and_then(|s| s.source.as_deref())) {
                        (Some(script), Some(source)) => out.push(code_evidence(
                            script,
                            span_at(source, *offset, offset + needle.len()),
                            format!("{needle:?}, a signature of {what}"),
                        )),
                        _ => out.push(Evidence::Note {
                            text: format!("the code contains {needle:?}, a signature of {what}"),
                        }),
                    }
                }
                Hit::NamedHost(endpoint) => {
                    if let Some(script) = self.script {
                        out.push(code_evidence(
                            script,
                            endpoint.location,
                            format!("{} ({what})", endpoint_detail(endpoint)),
                        ));
                    }
                }
                Hit::Request { .. } => {}
            }
        }
        out
    }
}

/// A list of products with a matcher over their code strings.
#[derive(Debug)]
pub struct SignatureSet {
    /// The products, in file order.
    pub signatures: Vec<Signature>,
    code: Option<AhoCorasick>,
    /// For each code pattern, the product it belongs to.
    code_owner: Vec<usize>,
}

impl SignatureSet {
    /// The set compiled into the binary (`text`, entries under `key`),
    /// parsed once into `cell`. A file that does not parse gives an empty
    /// set, which the unit tests of each rule rule out.
    pub fn compiled(
        cell: &'static OnceLock<SignatureSet>,
        text: &str,
        key: &str,
    ) -> &'static SignatureSet {
        cell.get_or_init(|| {
            Self::parse(text, key).unwrap_or_else(|_| Self {
                signatures: Vec::new(),
                code: None,
                code_owner: Vec::new(),
            })
        })
    }

    /// Reads a signature file whose entries are the array `key`
    /// (`[[recorder]]`, `[[sdk]]`).
    pub fn parse(text: &str, key: &str) -> Result<Self, String> {
        let mut table: BTreeMap<String, Vec<Signature>> =
            toml::from_str(text).map_err(|e| e.to_string())?;
        let signatures = table.remove(key).unwrap_or_default();
        let mut patterns = Vec::new();
        let mut code_owner = Vec::new();
        for (index, signature) in signatures.iter().enumerate() {
            for needle in signature.code.iter().filter(|n| !n.is_empty()) {
                patterns.push(needle.clone());
                code_owner.push(index);
            }
        }
        let code = if patterns.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&patterns).map_err(|e| e.to_string())?)
        };
        Ok(Self {
            signatures,
            code,
            code_owner,
        })
    }

    /// Every product each script (and the page) matches, by script in the
    /// facts' order, then by product.
    pub fn find<'a>(&self, facts: &Facts<'a>) -> Vec<ProductMatch<'a>> {
        let mut found: BTreeMap<(usize, usize), ProductMatch<'a>> = BTreeMap::new();
        let mut order: BTreeMap<String, usize> = BTreeMap::new();
        for (position, script) in facts.scripts.iter().enumerate() {
            order.insert(script.name.clone(), position);
            let mut add = |signature: usize, hit: Hit<'a>| {
                let entry = found
                    .entry((position, signature))
                    .or_insert_with(|| ProductMatch {
                        signature,
                        script_name: script.name.clone(),
                        script: Some(script),
                        hits: Vec::new(),
                    });
                push_bounded(&mut entry.hits, hit);
            };
            if let Some(url) = &script.url {
                for (index, signature) in self.signatures.iter().enumerate() {
                    if let Some(matched) = signature.url_match(url) {
                        add(
                            index,
                            Hit::ScriptUrl {
                                url: url.clone(),
                                matched,
                            },
                        );
                    }
                }
            }
            if let (Some(matcher), Some(source)) = (&self.code, script.source.as_deref()) {
                let mut seen = vec![false; self.code_owner.len()];
                for m in matcher.find_overlapping_iter(source) {
                    let pattern = m.pattern().as_usize();
                    if std::mem::replace(&mut seen[pattern], true) {
                        continue;
                    }
                    add(
                        self.code_owner[pattern],
                        Hit::Code {
                            needle: source[m.start()..m.end()].to_string(),
                            offset: m.start(),
                        },
                    );
                    if seen.iter().all(|s| *s) {
                        break;
                    }
                }
            }
            if let Some(analysis) = &script.analysis {
                for endpoint in &analysis.endpoints {
                    for (index, signature) in self.signatures.iter().enumerate() {
                        let named = endpoint
                            .host
                            .as_deref()
                            .is_some_and(|h| signature.has_host(h))
                            || signature
                                .url_contains
                                .iter()
                                .any(|piece| endpoint.value.contains(piece.as_str()));
                        if named {
                            add(index, Hit::NamedHost(endpoint));
                        }
                    }
                }
            }
        }
        // Requests of the visit, credited to the script that sent them.
        // Senders that are not analysed scripts (the page, unknown code)
        // come after the scripts, in order of appearance.
        let mut others: BTreeMap<String, usize> = BTreeMap::new();
        for request in facts.requests() {
            for (index, signature) in self.signatures.iter().enumerate() {
                let Some(matched) = signature.url_match(&request.url) else {
                    continue;
                };
                let name = facts
                    .request_script(request)
                    .unwrap_or_else(|| "page".to_string());
                let position = match order.get(&name) {
                    Some(&position) => position,
                    None => {
                        let next = facts.scripts.len() + others.len();
                        *others.entry(name.clone()).or_insert(next)
                    }
                };
                let entry = found
                    .entry((position, index))
                    .or_insert_with(|| ProductMatch {
                        signature: index,
                        script_name: name.clone(),
                        script: facts.scripts.get(position),
                        hits: Vec::new(),
                    });
                push_bounded(&mut entry.hits, Hit::Request { request, matched });
            }
        }
        found.into_values().collect()
    }
}

fn push_bounded<'a>(hits: &mut Vec<Hit<'a>>, hit: Hit<'a>) {
    let kind = std::mem::discriminant(&hit);
    if hits
        .iter()
        .filter(|h| std::mem::discriminant(*h) == kind)
        .count()
        < HITS_PER_KIND
    {
        hits.push(hit);
    }
}

/// Parses a signature file and checks that it holds at least `min`
/// entries, each with an `https://` source, a `YYYY-MM-DD` date and
/// something to match on.
#[cfg(test)]
pub(crate) fn assert_sourced(text: &str, key: &str, min: usize) -> SignatureSet {
    let set = SignatureSet::parse(text, key).expect("the signature file parses");
    assert!(
        set.signatures.len() >= min,
        "{} entries",
        set.signatures.len()
    );
    for s in &set.signatures {
        assert!(s.source.starts_with("https://"), "{}", s.name);
        assert_eq!(s.date.len(), 10, "{}", s.name);
        assert!(
            !(s.hosts.is_empty() && s.code.is_empty() && s.url_contains.is_empty()),
            "{}",
            s.name
        );
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_themselves_and_their_subdomains_only() {
        let signature = Signature {
            name: "x".into(),
            vendor: None,
            operator: None,
            kind: None,
            hosts: vec!["hotjar.com".into()],
            url_contains: vec!["/rrweb@".into()],
            code: Vec::new(),
            source: String::new(),
            date: String::new(),
        };
        assert!(signature.has_host("static.hotjar.com"));
        assert!(signature.has_host("hotjar.com"));
        assert!(!signature.has_host("nothotjar.com"));
        assert_eq!(
            signature.url_match("https://cdn.jsdelivr.net/npm/rrweb@2.0.0/dist/rrweb.js"),
            Some("/rrweb@".to_string())
        );
    }
}
