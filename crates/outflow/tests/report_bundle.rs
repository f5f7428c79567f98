//! The evidence bundle end to end: `outflow har --out DIR` writes it,
//! `outflow verify DIR` says the report stands, and tampering with a script
//! or with the report makes it say that it does not.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;

/// The login script: it posts the phone number to China Mobile's identity
/// host, and names a second one it never contacts.
const LOGIN_JS: &str = r#"function login(phone) {
  fetch("https://wap.cmpassport.com/h5/getMobile", { method: "POST", body: phone });
  var token = "https://onekey.cmpassport.com/api/v1/token";
  return token;
}
"#;

/// A HAR recording of a login page that contacts China Mobile.
fn har(page: &str) -> String {
    let script = base64::engine::general_purpose::STANDARD.encode(LOGIN_JS);
    let entry = |url: &str, method: &str, kind: &str, body: &str, content: &str| {
        format!(
            r#"{{"startedDateTime": "2026-11-01T10:00:00.000Z", "time": 5,
              "request": {{"method": "{method}", "url": "{url}", "httpVersion": "http/2.0", "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0{body}}},
              "response": {{"status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": [], "cookies": [], "content": {content}, "redirectURL": "", "headersSize": -1, "bodySize": 0}},
              "cache": {{}}, "timings": {{"send": 0, "wait": 1, "receive": 1}}, "_resourceType": "{kind}", "_initiator": {{"type": "other"}}}}"#
        )
    };
    let entries = [
        entry(
            page,
            "GET",
            "document",
            "",
            r#"{"size": 10, "mimeType": "text/html", "text": "<html></html>"}"#,
        ),
        entry(
            &format!("{page}login.js"),
            "GET",
            "script",
            "",
            &format!(
                r#"{{"size": {}, "mimeType": "application/javascript", "text": "{script}", "encoding": "base64"}}"#,
                LOGIN_JS.len()
            ),
        ),
        entry(
            "https://wap.cmpassport.com/h5/getMobile",
            "POST",
            "fetch",
            r#", "postData": {"mimeType": "text/plain", "text": "phone=+15550100"}"#,
            r#"{"size": 0, "mimeType": "text/plain"}"#,
        ),
    ];
    format!(
        r#"{{"log": {{"version": "1.2", "creator": {{"name": "test", "version": "1"}}, "entries": [{}]}}}}"#,
        entries.join(",")
    )
}

fn outflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("outflow runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Writes HAR files and a bundle of them; returns the bundle folder.
fn bundle(work: &Path, pages: &[&str]) -> PathBuf {
    bundle_with(work, pages, &[])
}

/// [`bundle`] with more options for `outflow har`.
fn bundle_with(work: &Path, pages: &[&str], options: &[&str]) -> PathBuf {
    let mut files = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let path = work.join(format!("visit{i}.har"));
        std::fs::write(&path, har(page)).expect("HAR written");
        files.push(path.display().to_string());
    }
    let out = work.join("bundle");
    let mut args = vec!["har", "--out", out.to_str().expect("utf-8 path")];
    args.extend(options);
    args.extend(files.iter().map(String::as_str));
    let output = outflow(&args);
    assert!(output.status.success(), "outflow har: {}", text(&output));
    out
}

fn verify(dir: &Path) -> Output {
    outflow(&["verify", dir.to_str().expect("utf-8 path")])
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
        .expect("manifest is JSON")
}

#[test]
fn a_good_bundle_stands() {
    let work = tempfile::tempdir().expect("temp dir");
    let dir = bundle(work.path(), &["https://shop.example/"]);
    for file in [
        "manifest.json",
        "capture.json",
        "report.json",
        "report.html",
        "report.sarif",
    ] {
        assert!(dir.join(file).is_file(), "{file} in the bundle");
    }
    let script = outflow_bundle::sha256_hex(LOGIN_JS.as_bytes());
    assert!(
        dir.join(format!("scripts/{script}.js")).is_file(),
        "script kept by hash"
    );
    let body = outflow_bundle::sha256_hex(b"phone=+15550100");
    assert!(
        dir.join(format!("bodies/{body}.bin")).is_file(),
        "request body kept"
    );

    // Every file's hash is in the manifest, and right.
    let manifest = manifest(&dir);
    let files = manifest["files"].as_object().expect("files");
    assert_eq!(files.len(), 6, "{files:?}");
    for (path, hash) in files {
        let bytes = std::fs::read(dir.join(path)).expect("listed file exists");
        assert_eq!(
            outflow_bundle::sha256_hex(&bytes),
            hash.as_str().expect("hash")
        );
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report"))
            .expect("report is JSON");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"restricted-destination"), "{rules:?}");

    let output = verify(&dir);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("the report stands"));
}

#[test]
fn a_tampered_script_is_caught() {
    let work = tempfile::tempdir().expect("temp dir");
    let dir = bundle(work.path(), &["https://shop.example/"]);
    let script = dir.join(format!(
        "scripts/{}.js",
        outflow_bundle::sha256_hex(LOGIN_JS.as_bytes())
    ));
    // The evidence is made to look innocent.
    std::fs::write(&script, "function login() { return 1; }\n").expect("tampered");
    let output = verify(&dir);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let said = text(&output);
    assert!(said.contains("manifest says"), "{said}");
    assert!(said.contains("named by another hash"), "{said}");
    assert!(said.contains("the report does NOT stand"), "{said}");
}

#[test]
fn a_tampered_report_is_caught_even_with_a_forged_manifest() {
    let work = tempfile::tempdir().expect("temp dir");
    let dir = bundle(work.path(), &["https://shop.example/"]);
    let path = dir.join("report.json");
    let mut report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("report")).expect("JSON");
    // Drop the worst finding.
    report["findings"]
        .as_array_mut()
        .expect("findings")
        .remove(0);
    let forged = serde_json::to_vec_pretty(&report).expect("JSON");
    std::fs::write(&path, &forged).expect("tampered");

    let output = verify(&dir);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("report.json: sha256"),
        "{}",
        text(&output)
    );

    // The manifest rewritten to match: the hashes agree, the evidence does not.
    let mut manifest = manifest(&dir);
    manifest["files"]["report.json"] = serde_json::json!(outflow_bundle::sha256_hex(&forged));
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest).expect("JSON"),
    )
    .expect("manifest forged");
    let output = verify(&dir);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let said = text(&output);
    assert!(said.contains("files: 6 listed, 0 problem(s)"), "{said}");
    assert!(
        said.contains("found in the evidence, missing from the report"),
        "{said}"
    );
}

#[test]
fn several_captures_get_one_folder_each() {
    let work = tempfile::tempdir().expect("temp dir");
    let dir = bundle(
        work.path(),
        &["https://shop.example/", "https://other.example/"],
    );
    let manifest = manifest(&dir);
    let folders: Vec<&str> = manifest["captures"]
        .as_array()
        .expect("captures")
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect();
    assert_eq!(folders, ["visit0", "visit1"]);
    for folder in folders {
        assert!(dir.join(folder).join("capture.json").is_file());
        assert!(dir.join(folder).join("report.html").is_file());
    }
    assert!(
        !dir.join("capture.json").exists(),
        "nothing left at the top"
    );
    let output = verify(&dir);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn an_unreadable_bundle_is_an_error() {
    let work = tempfile::tempdir().expect("temp dir");
    let output = verify(&work.path().join("missing"));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn hostile_file_names_cannot_drive_the_terminal() {
    let work = tempfile::tempdir().expect("temp dir");
    let dir = bundle(work.path(), &["https://shop.example/"]);
    std::fs::write(dir.join("x\x1b]0;pwned\x07\x1b[2J.js"), "x").expect("hostile file");
    let output = verify(&dir);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(!output.stdout.contains(&0x1b), "{}", text(&output));
    assert!(text(&output).contains("not in the manifest"));
}

/// An entity file of the user's own: the shop belongs to a named owner.
const SHOP_OWNER: &str = r#"
[[entity]]
id = "test-shop-owner"
name = "Test Shop Owner"
country = "GB"
ownership = "private"
domains = ["shop.example"]
sources = [{ url = "https://registry.test/shop", date = "2026-11-29" }]
"#;

#[test]
fn a_bundle_carries_the_options_its_reports_were_made_with() {
    let work = tempfile::tempdir().expect("temp dir");
    let intel = work.path().join("my-intel");
    std::fs::create_dir(&intel).expect("intel folder");
    std::fs::write(intel.join("shop.toml"), SHOP_OWNER).expect("entity file");
    let plain = bundle_with(work.path(), &["https://shop.example/"], &[]);
    std::fs::rename(&plain, work.path().join("plain")).expect("kept aside");
    let plain = work.path().join("plain");
    let dir = bundle_with(
        work.path(),
        &["https://shop.example/"],
        &[
            "--first-party",
            "cmpassport.com",
            "--intel",
            intel.to_str().expect("utf-8 path"),
        ],
    );
    let report = |dir: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report"))
            .expect("report is JSON")
    };
    // The options changed the report: otherwise this test proves nothing.
    assert_ne!(report(&plain)["findings"], report(&dir)["findings"]);
    assert_ne!(report(&plain)["attributions"], report(&dir)["attributions"]);

    let manifest = manifest(&dir);
    let analysis = &manifest["captures"][0]["analysis"];
    assert_eq!(
        analysis["first_party"],
        serde_json::json!(["cmpassport.com"])
    );
    let copy = analysis["intel_dirs"][0].as_str().expect("an intel copy");
    assert!(copy.starts_with("intel/"), "{copy}");
    assert_eq!(
        std::fs::read_to_string(dir.join(copy).join("shop.toml")).expect("copied"),
        SHOP_OWNER
    );
    assert!(
        manifest["files"][format!("{copy}/shop.toml")].is_string(),
        "the copy is hashed in the manifest"
    );

    // No option needed, and none from outside the bundle: the original
    // folder is gone.
    std::fs::remove_dir_all(&intel).expect("original removed");
    let output = verify(&dir);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("the report stands"),
        "{}",
        text(&output)
    );

    // Another owner in the copy: the files no longer match the manifest.
    std::fs::write(
        dir.join(copy).join("shop.toml"),
        SHOP_OWNER.replace("Test Shop Owner", "Someone Else"),
    )
    .expect("tampered");
    let output = verify(&dir);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("shop.toml"), "{}", text(&output));
}
