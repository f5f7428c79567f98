//! What is stored of one scan: the report JSON, and denormalised rows that
//! the statistics count without parsing reports.

use std::collections::{BTreeMap, BTreeSet};

use outflow_model::{Evidence, Party, Report, host_of};

use crate::error::CrawlError;

/// A finding, once per destination (or once with none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingRow {
    /// The rule's slug.
    pub rule: String,
    /// Its severity as in the report (`high`).
    pub severity: String,
    /// A destination host, `""` when the finding names none.
    pub destination: String,
    /// The destination's owner.
    pub entity: Option<String>,
    /// The destination's country.
    pub country: Option<String>,
}

/// A third-party host the page contacted or its code named.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ThirdPartyRow {
    /// The host.
    pub host: String,
    /// Its registrable domain (eTLD+1), the host itself when unknown.
    pub domain: String,
    /// Its owner.
    pub entity: Option<String>,
    /// Its country.
    pub country: Option<String>,
    /// Whether the visit sent requests to it (else only named in code).
    pub contacted: bool,
}

/// Data found leaving the page: one row per piece of request evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeakRow {
    /// The rule that found it.
    pub rule: String,
    /// What was found ("password canary").
    pub what: String,
    /// How it was encoded, outermost first, joined by `+` (`plain` when sent
    /// as is).
    pub encoding: String,
    /// Where it went (host).
    pub destination: String,
    /// The destination's owner.
    pub entity: Option<String>,
    /// The destination's country.
    pub country: Option<String>,
}

/// One scan's result, ready to store.
#[derive(Debug, Clone)]
pub struct ResultRows {
    /// The report, as JSON.
    pub report_json: String,
    /// The report's verdict.
    pub verdict: String,
    /// The highest severity found, if any.
    pub highest: Option<String>,
    /// Milliseconds the scan took.
    pub duration_ms: u64,
    /// Findings by destination.
    pub findings: Vec<FindingRow>,
    /// Third parties.
    pub third_parties: Vec<ThirdPartyRow>,
    /// Leaks.
    pub leaks: Vec<LeakRow>,
    /// The page facts the scan history keeps beside a report
    /// ([`outflow_store::PageFacts`]), as JSON; `None` when not recorded.
    pub facts_json: Option<String>,
}

impl ResultRows {
    /// Derives the rows from a report.
    pub fn from_report(report: &Report, duration_ms: u64) -> Result<Self, CrawlError> {
        let owners: BTreeMap<&str, (Option<String>, Option<String>)> = report
            .attributions
            .iter()
            .map(|a| {
                (
                    a.host.as_str(),
                    (a.entity.as_ref().map(|e| e.name.clone()), a.country.clone()),
                )
            })
            .collect();
        let owner = |host: &str| owners.get(host).cloned().unwrap_or((None, None));
        let severity = |finding: &outflow_model::Finding| {
            serde_json::to_value(finding.severity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };

        let mut findings = BTreeSet::new();
        let mut leaks = BTreeSet::new();
        for finding in &report.findings {
            let destinations: Vec<&str> = if finding.destinations.is_empty() {
                vec![""]
            } else {
                finding.destinations.iter().map(String::as_str).collect()
            };
            for destination in destinations {
                let (entity, country) = owner(destination);
                findings.insert(FindingRow {
                    rule: finding.rule.clone(),
                    severity: severity(finding),
                    destination: destination.to_string(),
                    entity,
                    country,
                });
            }
            for evidence in &finding.evidence {
                if let Evidence::Request {
                    url,
                    encodings,
                    what,
                    ..
                } = evidence
                {
                    let destination = host_of(url).unwrap_or_default();
                    let (entity, country) = owner(&destination);
                    leaks.insert(LeakRow {
                        rule: finding.rule.clone(),
                        what: what.clone(),
                        encoding: if encodings.is_empty() {
                            "plain".to_string()
                        } else {
                            encodings.join("+")
                        },
                        destination,
                        entity,
                        country,
                    });
                }
            }
        }
        let contacted: BTreeSet<&str> = report
            .flows
            .iter()
            .filter(|f| f.requests > 0)
            .map(|f| f.host.as_str())
            .collect();
        let third_parties = report
            .attributions
            .iter()
            .filter(|a| a.party == Party::Third)
            .map(|a| ThirdPartyRow {
                host: a.host.clone(),
                domain: a
                    .registrable_domain
                    .clone()
                    .unwrap_or_else(|| a.host.clone()),
                entity: a.entity.as_ref().map(|e| e.name.clone()),
                country: a.country.clone(),
                contacted: contacted.contains(a.host.as_str()),
            })
            .collect();
        Ok(Self {
            report_json: serde_json::to_string(report)?,
            verdict: report.summary.verdict.clone(),
            highest: report.summary.highest.and_then(|s| {
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
            }),
            duration_ms,
            findings: findings.into_iter().collect(),
            third_parties,
            leaks: leaks.into_iter().collect(),
            facts_json: None,
        })
    }

    /// Keeps the capture's page facts too, for the scan history.
    pub fn with_facts(mut self, facts: &outflow_store::PageFacts) -> Result<Self, CrawlError> {
        self.facts_json = Some(serde_json::to_string(facts)?);
        Ok(self)
    }
}
