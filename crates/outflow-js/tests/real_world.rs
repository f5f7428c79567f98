//! Real libraries from the npm registry (installed by scripts/setup into
//! fixtures/npm/node_modules): fingerprinting libraries must show their
//! techniques, ordinary libraries must not.

use std::path::PathBuf;

use outflow_js::{Options, analyze_document};
use outflow_model::Technique;

fn library(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/npm/node_modules")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: run scripts/setup to install the npm fixtures",
            path.display()
        )
    })
}

fn techniques(relative: &str) -> Vec<Technique> {
    let document = analyze_document(relative, &library(relative), &Options::default());
    let mut found: Vec<Technique> = document
        .scripts
        .iter()
        .flat_map(|s| s.api_uses.iter().map(|a| a.technique))
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn fingerprintjs_probes_canvas_webgl_audio_and_navigator() {
    let found = techniques("@fingerprintjs/fingerprintjs/dist/fp.min.js");
    for technique in [
        Technique::Canvas,
        Technique::Webgl,
        Technique::Audio,
        Technique::Navigator,
        Technique::Screen,
    ] {
        assert!(
            found.contains(&technique),
            "{technique:?} missing from {found:?}"
        );
    }
}

#[test]
fn clientjs_probes_canvas_and_navigator() {
    let found = techniques("clientjs/dist/client.base.min.js");
    for technique in [Technique::Canvas, Technique::Navigator, Technique::Screen] {
        assert!(
            found.contains(&technique),
            "{technique:?} missing from {found:?}"
        );
    }
}

#[test]
fn lodash_probes_nothing() {
    assert_eq!(techniques("lodash/lodash.min.js"), vec![]);
}

#[test]
fn minified_bundles_do_not_look_obfuscated() {
    for bundle in [
        "lodash/lodash.min.js",
        "react-dom/umd/react-dom.production.min.js",
        "chart.js/dist/chart.umd.js",
    ] {
        let document = analyze_document(bundle, &library(bundle), &Options::default());
        let score = document.scripts[0].obfuscation.score;
        assert!(
            score < 0.3,
            "{bundle} scored {score}: {:?}",
            document.scripts[0].obfuscation.signals
        );
    }
}
