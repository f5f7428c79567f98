//! The evidence bundle's files and manifest: layout for one and several
//! captures, and every way the files can disagree with the manifest.

use outflow_bundle::{AnalysisSettings, Bundle, FileProblem, RenderedReports};

/// A report of `capture`, made by the pipeline without attribution: what
/// the bundle stores needs no particular finding.
fn report_of(capture: &outflow_model::Capture) -> outflow_model::Report {
    let js = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &js,
        intel: None,
        site: None,
        tool_version: "0.1.0",
    };
    let sources = std::collections::BTreeMap::new();
    outflow_pipeline::report_capture(
        capture.clone(),
        outflow_pipeline::Sources::Map(&sources),
        &pipeline,
    )
}

/// A capture with one request body, read from JSON so that fields added
/// later with defaults need no change here.
fn capture(target: &str) -> outflow_model::Capture {
    serde_json::from_value(serde_json::json!({
        "target": target,
        "source": { "kind": "browser", "headless": true },
        "started_at": "2026-11-29T05:00:00Z",
        "duration_ms": 1000,
        "frames": [],
        "scripts": [],
        "requests": [{
            "id": "1",
            "url": "https://collect.test/c",
            "method": "POST",
            "resource_type": "Fetch",
            "headers": [],
            "body": { "text": "aGVsbG8=", "base64": true, "size": 5 },
            "initiator": { "kind": "script" },
            "time_ms": 10
        }],
        "canaries": [],
        "errors": []
    }))
    .expect("a capture")
}

fn add(bundle: &Bundle, name: &str) -> std::path::PathBuf {
    let capture = capture(&format!("https://{name}/"));
    let report = report_of(&capture);
    let mut sources = std::collections::BTreeMap::new();
    sources.insert(
        outflow_bundle::sha256_hex(b"console.log(1)"),
        "console.log(1)".to_string(),
    );
    sources.insert("../../etc/passwd".to_string(), "not a hash".to_string());
    bundle.add_scripts(&sources).expect("scripts written");
    bundle
        .add_capture(
            name,
            &capture,
            &RenderedReports {
                report: &report,
                html: "<!DOCTYPE html>",
                sarif: "{}",
            },
            AnalysisSettings::default(),
            "0.1.0",
        )
        .expect("capture added")
}

#[test]
fn one_capture_at_the_top_then_one_folder_each() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = Bundle::create(dir.path()).expect("bundle");
    let first = add(&bundle, "a.test");
    assert_eq!(first, dir.path().join(""));
    assert!(dir.path().join("capture.json").is_file());
    let body = outflow_bundle::sha256_hex(b"hello");
    assert!(
        dir.path().join(format!("bodies/{body}.bin")).is_file(),
        "base64 body kept as raw bytes"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("scripts"))
            .expect("scripts")
            .count(),
        1,
        "only well-formed hashes name files"
    );
    add(&bundle, "b.test");
    let manifest = bundle.manifest().expect("manifest");
    let paths: Vec<&str> = manifest.captures.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["a.test", "b.test"]);
    assert!(!dir.path().join("capture.json").exists());
    assert!(
        dir.path().join("a.test/bodies").is_dir(),
        "bodies moved along"
    );
    assert!(bundle.check_files(&manifest).expect("checked").is_empty());
    // The same capture again replaces itself.
    add(&bundle, "b.test");
    assert_eq!(bundle.manifest().expect("manifest").captures.len(), 2);
}

#[test]
fn every_disagreement_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = Bundle::create(dir.path()).expect("bundle");
    add(&bundle, "a.test");
    let manifest = bundle.manifest().expect("manifest");
    std::fs::write(dir.path().join("report.sarif"), "changed").expect("write");
    std::fs::remove_file(dir.path().join("report.html")).expect("remove");
    std::fs::write(dir.path().join("extra.txt"), "x").expect("write");
    let script = format!(
        "scripts/{}.js",
        outflow_bundle::sha256_hex(b"console.log(1)")
    );
    std::fs::write(dir.path().join(&script), "console.log(2)").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).expect("symlink");
    let problems = bundle.check_files(&manifest).expect("checked");
    let has = |f: &dyn Fn(&FileProblem) -> bool| problems.iter().any(f);
    assert!(has(
        &|p| matches!(p, FileProblem::Changed { path, .. } if path == "report.sarif")
    ));
    assert!(has(
        &|p| matches!(p, FileProblem::Missing(path) if path == "report.html")
    ));
    assert!(has(
        &|p| matches!(p, FileProblem::Unlisted(path) if path == "extra.txt")
    ));
    assert!(has(
        &|p| matches!(p, FileProblem::MisNamed { path, .. } if *path == script)
    ));
    #[cfg(unix)]
    assert!(has(
        &|p| matches!(p, FileProblem::Refused(why) if why.contains("symbolic link"))
    ));
}

#[test]
fn a_manifest_cannot_point_outside_the_bundle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = Bundle::create(dir.path()).expect("bundle");
    add(&bundle, "a.test");
    let path = dir.path().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    manifest["captures"][0]["path"] = serde_json::json!("../..");
    std::fs::write(&path, serde_json::to_vec(&manifest).expect("JSON")).expect("write");
    assert!(bundle.manifest().is_err());
}
