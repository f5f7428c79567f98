//! Code without obfuscation shapes comes back unchanged: the minified
//! bundles installed by scripts/setup (fixtures/npm) and our own fixture
//! sources.

use std::path::Path;

use outflow_deobfuscate::{Options, deobfuscate};
use oxc_allocator::Allocator;
use oxc_span::SourceType;

fn assert_unchanged(path: &Path) {
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/setup to install the npm fixtures",
            path.display()
        )
    });
    let allocator = Allocator::default();
    let before = oxc_parser::Parser::new(&allocator, &source, SourceType::cjs())
        .parse()
        .program;
    let expected = oxc_codegen::Codegen::new().build(&before).code;
    let mut program = oxc_parser::Parser::new(&allocator, &source, SourceType::cjs())
        .parse()
        .program;
    let outcome = deobfuscate(&allocator, &mut program, &source, &Options::default());
    let got = oxc_codegen::Codegen::new().build(&program).code;
    assert!(
        outcome.recovered.is_empty() && outcome.undone.is_empty(),
        "{}: {:?}",
        path.display(),
        outcome
    );
    assert!(got == expected, "{} was changed", path.display());
}

#[test]
fn minified_bundles_pass_through_unchanged() {
    let npm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/npm/node_modules");
    for file in [
        "react-dom/umd/react-dom.production.min.js",
        "three/build/three.module.min.js",
        "lodash/lodash.min.js",
        "chart.js/dist/chart.umd.js",
    ] {
        assert_unchanged(&npm.join(file));
    }
}

#[test]
fn plain_fixture_sources_pass_through_unchanged() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/obfuscation/src");
    for entry in std::fs::read_dir(&src).expect("fixture sources") {
        assert_unchanged(&entry.expect("entry").path());
    }
}
