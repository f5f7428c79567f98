//! The report formats from the command line: SARIF and HTML on standard
//! output, colour only when asked.

use std::process::{Command, Output};

fn examples() -> String {
    format!("{}/../../fixtures/examples", env!("CARGO_MANIFEST_DIR"))
}

fn outflow(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_outflow"));
    command.args(args).env_remove("NO_COLOR");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("outflow runs")
}

#[test]
fn sarif_of_the_examples_has_rules_and_located_results() {
    let output = outflow(&["js", "--format", "sarif", &examples()], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(
        rules.len(),
        outflow_detect::RULES.len(),
        "every rule documented"
    );
    assert!(
        rules
            .iter()
            .all(|r| r["help"]["text"].as_str().is_some_and(|h| !h.is_empty()))
    );
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    assert!(results.iter().any(|r| {
        let location = &r["locations"][0]["physicalLocation"];
        location["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with(".js"))
            && location["region"]["startLine"].is_u64()
    }));
}

#[test]
fn html_of_the_examples_is_one_self_contained_page() {
    let output = outflow(&["js", "--format", "html", &examples()], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains("src=\""), "nothing loaded from elsewhere");
}

#[test]
fn colour_only_when_asked() {
    let plain = outflow(&["js", "--format", "terminal", &examples()], &[]);
    assert!(!plain.stdout.contains(&0x1b), "no colour into a pipe");
    let har = format!(
        "{}/../outflow-capture/tests/data/login.har",
        env!("CARGO_MANIFEST_DIR")
    );
    let always = outflow(&["har", "--color", "always", &har], &[("NO_COLOR", "1")]);
    assert!(
        always.status.success(),
        "{}",
        String::from_utf8_lossy(&always.stderr)
    );
    assert!(
        always.stdout.contains(&0x1b),
        "--color always wins over NO_COLOR"
    );
    let never = outflow(&["har", "--color", "never", &har], &[]);
    assert!(!never.stdout.contains(&0x1b));
}
