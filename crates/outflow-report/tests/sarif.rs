//! SARIF 2.1.0 output: valid against the OASIS schema committed in
//! schema/, rules with their documentation, results located in scripts.

mod support;

use support::{PAYLOADS, hostile_report, real_reports, repo, rule_docs, sample_report};

fn validator() -> jsonschema::Validator {
    let path = repo().join("schema/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).expect("schema/sarif-schema-2.1.0.json exists");
    // The official schema's `run.language` pattern has a stray `]` that
    // the validator's meta-schema check rejects as a regex. outflow never
    // writes `language`; the pattern is replaced by its evident intent (a
    // language tag such as `en` or `en-US`) in memory, the file stays as
    // published.
    let broken = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(text.contains(broken), "the known defect is still there");
    let text = text.replace(broken, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, sarif: &str) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");
    assert_uris(&value);
    value
}

/// Every `uri` in the log is a URI reference (RFC 3986 characters only).
fn assert_uris(value: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                if key == "uri" {
                    let uri = child.as_str().expect("uri is a string");
                    assert!(
                        !uri.is_empty()
                            && uri.bytes().all(|b| b.is_ascii_alphanumeric()
                                || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)),
                        "not a URI reference: {uri:?}"
                    );
                }
                assert_uris(child);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(assert_uris),
        _ => {}
    }
}

#[test]
fn sample_report_is_valid_sarif_located_in_scripts() {
    let validator = validator();
    let sarif = outflow_report::sarif(&[sample_report()], &rule_docs());
    let log = assert_valid(&validator, &sarif);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let restricted = rules
        .iter()
        .find(|r| r["id"] == "restricted-destination")
        .expect("documented rule listed");
    assert!(
        restricted["help"]["markdown"]
            .as_str()
            .is_some_and(|h| h.contains("Why it matters")),
        "help text comes from the rule documentation"
    );
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), sample_report().findings.len());
    let first = &results[0];
    assert_eq!(first["ruleId"], "restricted-destination");
    assert_eq!(first["level"], "error");
    let location = &first["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "https://login.example.com/static/login.min.js"
    );
    assert_eq!(location["region"]["startLine"], 1);
    assert_eq!(location["region"]["startColumn"], 48211);
    // Every ruleIndex points at the rule of the same id, also for rules the
    // docs do not list.
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    // A finding with no code evidence is located at its script.
    let api = results
        .iter()
        .find(|r| r["ruleId"] == "canvas-fingerprinting")
        .expect("canvas finding");
    assert_eq!(
        api["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "https://cdn.tracker.test/fp.js"
    );
}

#[test]
fn real_and_hostile_reports_are_valid_sarif() {
    let validator = validator();
    let reals = real_reports();
    let sarif = outflow_report::sarif(&reals, &rule_docs());
    let log = assert_valid(&validator, &sarif);
    let located = log["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .flat_map(|run| run["results"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64())
        .count();
    assert!(located > 0, "findings of the examples are located by line");
    for payload in PAYLOADS {
        assert_valid(
            &validator,
            &outflow_report::sarif(&[hostile_report(payload)], &rule_docs()),
        );
    }
}
