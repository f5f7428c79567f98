//! Running `outflow whois` in the whois tests.

use std::process::{Command, Output};

/// `outflow whois ARGS --no-ip-data`, without colour. Lookups stay by
/// name: the IP datasets are not needed.
pub fn whois(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
        .arg("whois")
        .args(args)
        .arg("--no-ip-data")
        .env("NO_COLOR", "1")
        .output()
        .expect("outflow runs")
}

/// The standard output of a run that must have succeeded.
pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "outflow whois failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}
