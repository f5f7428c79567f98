//! `outflow js` end to end on the shipped examples: the obfuscated carrier
//! login is decoded, and its hosts are attributed to China Mobile.

use std::process::Command;

fn examples() -> String {
    format!("{}/../../fixtures/examples", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn json_report_of_the_examples() {
    let output = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(["js", "--format", "json", &examples()])
        .output()
        .expect("outflow runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(report["schema_version"], outflow_model::SCHEMA_VERSION);

    let documents = report["documents"].as_array().expect("documents");
    let login = documents
        .iter()
        .find(|d| {
            d["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("carrier-login.obfuscated.js"))
        })
        .expect("the obfuscated login is analysed");
    let endpoints = login["scripts"][0]["endpoints"]
        .as_array()
        .expect("endpoints");
    let fetch = endpoints
        .iter()
        .find(|e| e["sink"] == "fetch")
        .expect("the hidden fetch is found");
    assert_eq!(
        fetch["value"],
        "https://www.cmpassport.com/unisdk/rsapi/getPrePhonescrip"
    );
    assert!(
        fetch["recovery"]["method"].is_string(),
        "marked as recovered by deobfuscation"
    );

    let attributions = report["attributions"].as_array().expect("attributions");
    let cmpassport = attributions
        .iter()
        .find(|a| a["host"] == "www.cmpassport.com")
        .expect("cmpassport.com is attributed");
    assert_eq!(cmpassport["entity"]["name"], "China Mobile");
    assert_eq!(cmpassport["country"], "CN");
    assert!(
        cmpassport["flags"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
}

#[test]
fn terminal_report_names_the_owner_and_an_unreadable_input_exits_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(["js", &examples(), "/nonexistent/outflow-test.js"])
        .output()
        .expect("outflow runs");
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("China Mobile (CN, state-owned)"), "{text}");
    assert!(
        text.contains("cannot read /nonexistent/outflow-test.js"),
        "{text}"
    );
}
