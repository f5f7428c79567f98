//! A bundle of live Chromium scans (the demo pages) verifies offline: the
//! reports recomputed from the bundle alone equal the ones written.

use std::process::Command;

#[test]
fn demo_scans_bundle_and_verify() {
    assert!(
        std::path::Path::new("/usr/lib/chromium/chromium").exists(),
        "Chromium is missing: run scripts/setup"
    );
    let out = tempfile::tempdir().expect("a temporary folder");
    let dir = out.path().join("bundle");
    let scan = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(["demo", "--format", "json", "--out"])
        .arg(&dir)
        .output()
        .expect("outflow runs");
    assert!(
        scan.status.success(),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
            .expect("JSON");
    let captures = manifest["captures"].as_array().expect("captures");
    assert!(captures.len() > 1, "one folder per page and persona");
    for capture in captures {
        let folder = dir.join(capture["path"].as_str().expect("path"));
        for file in ["capture.json", "report.json", "report.html", "report.sarif"] {
            assert!(folder.join(file).is_file(), "{}/{file}", folder.display());
        }
    }
    let verify = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .arg("verify")
        .arg(&dir)
        .output()
        .expect("outflow runs");
    let said = String::from_utf8_lossy(&verify.stdout);
    assert_eq!(verify.status.code(), Some(0), "{said}");
    assert!(said.contains("the report stands"), "{said}");
}
