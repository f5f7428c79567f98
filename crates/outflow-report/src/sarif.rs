//! SARIF 2.1.0, so that findings show in code-scanning tools (GitHub code
//! scanning, IDE SARIF viewers).
//!
//! One run per report. Rules carry their documentation as help text; each
//! result is located in a script: the artifact is the script's URL (or local
//! path) and the region is the line and column of the strongest
//! [`Evidence::Code`]. Columns count UTF-16 code units, as the model does
//! (`columnKind: utf16CodeUnits`).

use std::collections::BTreeMap;

use outflow_model::{Evidence, Finding, Report, Severity};
use serde_json::{Value, json};

/// The schema a SARIF file declares (the OASIS standard's, errata 01).
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where outflow is documented, for SARIF's `informationUri`.
const INFORMATION_URI: &str = "https://github.com/outflow-dev/outflow";

/// A rule's documentation, as the detection crate declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDoc {
    /// The stable slug, e.g. `restricted-destination`.
    pub slug: String,
    /// One sentence.
    pub summary: String,
    /// The full documentation (Markdown).
    pub documentation: String,
}

/// Reports as one SARIF 2.1.0 log (one run per report).
pub fn sarif(reports: &[Report], rules: &[RuleDoc]) -> String {
    let runs: Vec<Value> = reports.iter().map(|r| run(r, rules)).collect();
    let log = json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": runs,
    });
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn run(report: &Report, docs: &[RuleDoc]) -> Value {
    // Every documented rule, then any rule a finding names that the docs
    // lack (a report from a newer version), so every ruleIndex resolves.
    let mut rules: Vec<Value> = docs.iter().map(rule_descriptor).collect();
    let mut index: BTreeMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.slug.as_str(), i))
        .collect();
    for finding in &report.findings {
        if !index.contains_key(finding.rule.as_str()) {
            index.insert(&finding.rule, rules.len());
            rules.push(json!({
                "id": finding.rule,
                "shortDescription": { "text": finding.rule },
                "defaultConfiguration": { "level": level(finding.severity) },
            }));
        }
    }
    let mut artifacts = Artifacts::new(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            result(
                f,
                index.get(f.rule.as_str()).copied(),
                report,
                &mut artifacts,
            )
        })
        .collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "outflow",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "columnKind": "utf16CodeUnits",
        "results": results,
        "artifacts": artifacts.list,
        "properties": {
            "target": report.target,
            "verdict": report.summary.verdict,
            "schemaVersion": report.schema_version,
        }
    });
    if !report.errors.is_empty() {
        let notifications: Vec<Value> = report
            .errors
            .iter()
            .map(|e| json!({ "level": "warning", "message": { "text": e } }))
            .collect();
        run["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": notifications,
        }]);
    }
    run
}

fn rule_descriptor(doc: &RuleDoc) -> Value {
    let default_level = "warning";
    json!({
        "id": doc.slug,
        "name": pascal_case(&doc.slug),
        "shortDescription": { "text": doc.summary },
        "fullDescription": { "text": doc.summary },
        "help": { "text": doc.documentation, "markdown": doc.documentation },
        "defaultConfiguration": { "level": default_level },
        "properties": { "tags": ["privacy", "security"] },
    })
}

/// SARIF's level for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` (a CVSS-like score).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn result(
    finding: &Finding,
    rule_index: Option<usize>,
    report: &Report,
    artifacts: &mut Artifacts,
) -> Value {
    let mut message = finding.title.clone();
    if !finding.explanation.is_empty() {
        message.push_str("\n\n");
        message.push_str(&finding.explanation);
    }
    let mut locations: Vec<Value> = Vec::new();
    let mut related: Vec<Value> = Vec::new();
    for evidence in &finding.evidence {
        if let Evidence::Code {
            script,
            sha256,
            at,
            snippet,
            detail,
            ..
        } = evidence
        {
            let artifact = artifacts.index(script, sha256);
            let location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri_of(script), "index": artifact },
                    "region": {
                        "startLine": at.start.line.max(1),
                        "startColumn": at.start.column.max(1),
                        "endLine": at.end.line.max(at.start.line).max(1),
                        "endColumn": at.end.column.max(1),
                        "snippet": { "text": snippet },
                    }
                },
                "message": { "text": detail },
            });
            if locations.is_empty() {
                locations.push(location);
            } else {
                let mut location = location;
                location["id"] = json!(related.len());
                related.push(location);
            }
        }
    }
    if locations.is_empty() {
        // No code location: the script responsible, else the page.
        let place = finding
            .script
            .clone()
            .unwrap_or_else(|| report.target.value.clone());
        let artifact = artifacts.index(&place, "");
        locations.push(json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri_of(&place), "index": artifact }
            }
        }));
    }
    let mut result = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": { "text": message },
        "locations": locations,
        "partialFingerprints": { "outflowFinding/v1": fingerprint(finding) },
        "properties": {
            "severity": finding.severity,
            "confidence": finding.confidence,
            "security-severity": security_severity(finding.severity),
            "destinations": finding.destinations,
            "evidence": finding.evidence,
        }
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    if !related.is_empty() {
        result["relatedLocations"] = json!(related);
    }
    result
}

/// A stable identity of a finding across runs (FNV-1a of its key), so that
/// code-scanning tools track it instead of reopening it.
fn fingerprint(finding: &Finding) -> String {
    let (rule, script, destinations, title) = finding.key();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [rule, script, destinations, title] {
        for byte in part.bytes().chain([0u8]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The run's artifacts: each script once, with its SHA-256 when known.
struct Artifacts {
    list: Vec<Value>,
    by_name: BTreeMap<String, usize>,
    sizes: BTreeMap<String, (u64, String)>,
}

impl Artifacts {
    fn new(report: &Report) -> Self {
        let sizes = report
            .inventory
            .iter()
            .map(|s| (s.name.clone(), (s.size, s.sha256.clone())))
            .collect();
        Artifacts {
            list: Vec::new(),
            by_name: BTreeMap::new(),
            sizes,
        }
    }

    fn index(&mut self, name: &str, sha256: &str) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        let mut artifact = json!({ "location": { "uri": uri_of(name) } });
        let known = self.sizes.get(name);
        let hash = if sha256.is_empty() {
            known.map(|(_, h)| h.as_str()).unwrap_or("")
        } else {
            sha256
        };
        if !hash.is_empty() {
            artifact["hashes"] = json!({ "sha-256": hash });
        }
        if let Some((size, _)) = known {
            artifact["length"] = json!(size);
        }
        let i = self.list.len();
        self.list.push(artifact);
        self.by_name.insert(name.to_string(), i);
        i
    }
}

/// A script name as a URI reference: URLs as they are (with anything
/// outside URI syntax percent-encoded), absolute paths as `file://` URIs,
/// relative paths as relative references.
pub fn uri_of(name: &str) -> String {
    let has_scheme = name
        .split_once(':')
        .is_some_and(|(scheme, _)| is_scheme(scheme) && scheme.len() > 1);
    if has_scheme {
        percent_encode(name, true)
    } else if name.starts_with('/') {
        format!("file://{}", percent_encode(name, false))
    } else {
        percent_encode(name, false)
    }
}

fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn percent_encode(text: &str, keep_query: bool) -> String {
    // Brackets are legal only around an IPv6 host, in the authority.
    let authority = text.find("://").map(|at| {
        let start = at + 3;
        let end = text[start..]
            .find(['/', '?', '#'])
            .map_or(text.len(), |e| start + e);
        start..end
    });
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, &byte) in bytes.iter().enumerate() {
        let escaped_already = byte == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let bracket_in_host =
            b"[]".contains(&byte) && authority.as_ref().is_some_and(|range| range.contains(&i));
        let keep = byte.is_ascii_alphanumeric()
            || b"-._~/:@!$&'()*+,;=".contains(&byte)
            || (keep_query && (b"?#".contains(&byte) || escaped_already || bracket_in_host));
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn pascal_case(slug: &str) -> String {
    slug.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_for_urls_and_paths() {
        assert_eq!(uri_of("https://a.test/x.js?v=1"), "https://a.test/x.js?v=1");
        assert_eq!(uri_of("/tmp/my file.js"), "file:///tmp/my%20file.js");
        assert_eq!(uri_of("src/a b.js"), "src/a%20b.js");
        assert_eq!(uri_of("C:x"), "C:x");
        assert_eq!(uri_of("https://a.test/\"<x>"), "https://a.test/%22%3Cx%3E");
        assert_eq!(
            uri_of("https://[::1]:8080/a[0]%41%zz"),
            "https://[::1]:8080/a%5B0%5D%41%25zz"
        );
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            pascal_case("restricted-destination"),
            "RestrictedDestination"
        );
    }
}
