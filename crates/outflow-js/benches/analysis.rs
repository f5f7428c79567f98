//! Analysis throughput against a bare oxc parse of the same real-world
//! minified bundles, measured side by side in one run.
//!
//! The bundles come from the npm registry (scripts/setup installs them into
//! fixtures/npm/node_modules). Run: `cargo bench -p outflow-js --bench analysis`.
//! Criterion prints both throughputs per bundle; the ratio of their times is
//! the cost of analysis over parsing (target: at most 2x).

use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use outflow_js::{Options, analyze_script};
use outflow_model::ScriptInput;

const BUNDLES: [&str; 4] = [
    "three/build/three.module.min.js",
    "react-dom/umd/react-dom.production.min.js",
    "chart.js/dist/chart.umd.js",
    "lodash/lodash.min.js",
];

fn bundles() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/npm/node_modules");
    BUNDLES
        .iter()
        .map(|relative| {
            let path = root.join(relative);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}; run scripts/setup first", path.display()));
            (relative.to_string(), text)
        })
        .collect()
}

fn parse_only(text: &str) -> usize {
    let allocator = oxc_allocator::Allocator::default();
    let parsed =
        oxc_parser::Parser::new(&allocator, text, oxc_span::SourceType::unambiguous()).parse();
    parsed.program.body.len()
}

fn bench(c: &mut Criterion) {
    let options = Options::default();
    let mut group = c.benchmark_group("bundle");
    group.sample_size(20);
    for (name, text) in bundles() {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("oxc parse", &name), &text, |b, text| {
            b.iter(|| parse_only(text))
        });
        group.bench_with_input(
            BenchmarkId::new("outflow analysis", &name),
            &text,
            |b, text| {
                b.iter(|| analyze_script(&name, ScriptInput::Stdin, text.as_bytes(), &options))
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
