//! The published JSON Schema of the report: current with the model types,
//! and every report (hand-built, hostile, and made by the real pipeline)
//! valid against it; two runs on the same input give byte-identical JSON.

mod support;

use support::{PAYLOADS, hostile_report, real_reports, repo, sample_report};

fn generated_schema() -> String {
    let schema = schemars::schema_for!(outflow_model::Report);
    let mut value = serde_json::to_value(&schema).expect("schema serialises");
    value["$id"] = serde_json::json!(
        "https://github.com/outflow-dev/outflow/blob/main/schema/report.schema.json"
    );
    value["description"] = serde_json::json!(format!(
        "An outflow report (--format json, report.json in an evidence bundle), schema_version {}.",
        outflow_model::SCHEMA_VERSION
    ));
    let mut text = serde_json::to_string_pretty(&value).expect("schema prints");
    text.push('\n');
    text
}

#[test]
fn schema_file_is_current() {
    let path = repo().join("schema/report.schema.json");
    let generated = generated_schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("schema written");
    }
    let committed = std::fs::read_to_string(&path).expect("schema/report.schema.json exists");
    assert!(
        committed == generated,
        "schema/report.schema.json is out of date with the model types: regenerate it with \
         UPDATE_SCHEMA=1 cargo nextest run -p outflow-report -E 'test(schema_file_is_current)'"
    );
    assert_eq!(committed, outflow_report::REPORT_SCHEMA);
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(outflow_report::REPORT_SCHEMA).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, json: &str, what: &str) {
    let value: serde_json::Value = serde_json::from_str(json).expect("report is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the schema: {errors:#?}"
    );
}

#[test]
fn reports_match_the_schema() {
    let validator = validator();
    assert_valid(
        &validator,
        &outflow_report::json(&sample_report()),
        "the sample report",
    );
    for payload in PAYLOADS {
        assert_valid(
            &validator,
            &outflow_report::json(&hostile_report(payload)),
            "a hostile report",
        );
    }
    let reals = real_reports();
    assert!(
        reals.iter().any(|r| !r.findings.is_empty()),
        "the real reports have findings to check"
    );
    for report in &reals {
        assert_valid(
            &validator,
            &outflow_report::json(report),
            &report.target.value,
        );
    }
}

#[test]
fn the_schema_rejects_what_is_not_a_report() {
    let validator = validator();
    let mut value = serde_json::to_value(sample_report()).expect("report serialises");
    value["findings"][0]["severity"] = serde_json::json!("catastrophic");
    assert!(!validator.is_valid(&value));
    let mut value = serde_json::to_value(sample_report()).expect("report serialises");
    value.as_object_mut().expect("object").remove("summary");
    assert!(!validator.is_valid(&value));
}

#[test]
fn two_runs_diff_cleanly() {
    let first: Vec<String> = real_reports().iter().map(outflow_report::json).collect();
    let second: Vec<String> = real_reports().iter().map(outflow_report::json).collect();
    assert_eq!(first, second, "the same input gives byte-identical JSON");
    for json in &first {
        let report: outflow_model::Report = serde_json::from_str(json).expect("round trip");
        let hosts: Vec<&str> = report
            .attributions
            .iter()
            .map(|a| a.host.as_str())
            .collect();
        let mut sorted = hosts.clone();
        sorted.sort();
        assert_eq!(hosts, sorted, "attributions sorted by host");
        let mut flows = report.flows.clone();
        flows.sort();
        assert_eq!(report.flows, flows, "flows sorted");
        let severities: Vec<_> = report.findings.iter().map(|f| f.severity).collect();
        let mut by_severity = severities.clone();
        by_severity.sort_by(|a, b| b.cmp(a));
        assert_eq!(severities, by_severity, "findings most severe first");
        let counts: Vec<_> = report.summary.counts.keys().copied().collect();
        assert_eq!(
            counts,
            outflow_model::Severity::ALL.to_vec(),
            "every severity counted"
        );
    }
}
