//! Errors quote their input (a TOML error shows the line it failed on):
//! what reaches the terminal carries no raw escape, carriage return or NUL
//! from a hostile file.

use std::process::Command;

/// A TOML file whose bad line holds an escape sequence, a carriage return
/// and a NUL byte.
const HOSTILE_TOML: &[u8] = b"[[entity]]\nname = \"x\x1b[2J\x1b]0;owned\x07\r\0\n";

fn assert_clean(stderr: &[u8]) {
    let text = String::from_utf8_lossy(stderr);
    assert!(text.starts_with("error: "), "{text}");
    for byte in [0x1b, b'\r', 0, 0x07] {
        assert!(!stderr.contains(&byte), "byte {byte:#x} in {text:?}");
    }
    assert!(text.contains("\\u{1b}"), "shown escaped: {text}");
}

#[test]
fn an_intel_toml_error_is_printed_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.toml"), HOSTILE_TOML).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(["whois", "--intel"])
        .arg(dir.path())
        .arg("example.com")
        .output()
        .expect("ran");
    assert_eq!(output.status.code(), Some(2));
    assert_clean(&output.stderr);
}

#[test]
fn a_policy_toml_error_is_printed_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, HOSTILE_TOML).expect("write");
    let har = dir.path().join("empty.har");
    std::fs::write(&har, r#"{"log": {"version": "1.2", "entries": []}}"#).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .arg("har")
        .arg(&har)
        .arg("--policy")
        .arg(&policy)
        .output()
        .expect("ran");
    assert_eq!(output.status.code(), Some(2));
    assert_clean(&output.stderr);
}
