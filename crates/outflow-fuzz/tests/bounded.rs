//! The bounded fuzz run of the test suite: every target in
//! [`CI_TARGETS`] (or `OUTFLOW_FUZZ_TARGETS`, comma-separated) fuzzed for
//! `OUTFLOW_FUZZ_SECONDS` (default 20) each; any panic, abort, stack
//! overflow, hang or memory blow-up fails the test, naming the saved input.

use std::process::Command;

/// The targets the suite fuzzes by default: every target.
const CI_TARGETS: &[&str] = &["js", "deobfuscate", "har", "canary", "bundle"];

#[test]
fn no_input_crashes_hangs_or_blows_up_memory() {
    let targets: Vec<String> = match std::env::var("OUTFLOW_FUZZ_TARGETS") {
        Ok(list) => list.split(',').map(|s| s.trim().to_string()).collect(),
        Err(_) => CI_TARGETS.iter().map(|s| s.to_string()).collect(),
    };
    let output = Command::new(env!("CARGO_BIN_EXE_outflow-fuzz"))
        .arg("fuzz")
        .args(&targets)
        .output()
        .expect("the fuzzer ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stderr}{stdout}");
    assert!(
        output.status.success(),
        "failing inputs (saved, replay with the command shown):\n{stdout}\n{stderr}"
    );
    for target in &targets {
        assert!(
            stdout.contains(&format!("{target}: ")),
            "{target} not run:\n{stdout}"
        );
    }
}

#[test]
fn a_crashing_input_is_caught_and_saved() {
    // The fuzzer's own failure path, on a target that exists for it: the
    // child dies, the parent survives, reports and saves the input.
    let out = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_outflow-fuzz"))
        .args(["fuzz", "self-test-crash"])
        .env("OUTFLOW_FUZZ_SECONDS", "0")
        .env("OUTFLOW_FUZZ_INPUT_SECONDS", "2")
        .env("OUTFLOW_FUZZ_OUT", out.path())
        .output()
        .expect("the fuzzer ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("crash: aborted"), "{stdout}");
    assert!(stdout.contains("hang: no progress"), "{stdout}");
    let saved = std::fs::read_dir(out.path().join("self-test-crash"))
        .expect("saved")
        .count();
    assert_eq!(saved, 2, "{stdout}");
}
