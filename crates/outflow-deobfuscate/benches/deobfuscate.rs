//! Deobfuscating a heavily obfuscated ~34 KB script (javascript-obfuscator
//! 5.x: rc4 string array, rotation, shuffle, index shift, chained function
//! wrappers, split strings, numbers to expressions, object keys,
//! self-defending, control-flow flattening), side by side with the analysis
//! of its unobfuscated source. Inputs come from scripts/setup
//! (fixtures/obfuscation/corpus/bench).
//!
//! The figure to watch is the issue's: outflow-js's analysis of the
//! obfuscated file (which deobfuscates first) over the same analysis of the
//! source (target: at most 20x). Parse + deobfuscate alone and a bare
//! parse + visit of the source are timed too, to see where the time goes.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use outflow_deobfuscate::{Options, deobfuscate};
use outflow_model::ScriptInput;
use oxc_allocator::Allocator;
use oxc_ast::ast::Expression;
use oxc_ast_visit::{Visit, walk};
use oxc_span::SourceType;

fn input(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/obfuscation/corpus/bench")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run scripts/setup to generate the corpus",
            path.display()
        )
    })
}

struct Count(usize);

impl<'a> Visit<'a> for Count {
    fn visit_expression(&mut self, it: &Expression<'a>) {
        self.0 += 1;
        walk::walk_expression(self, it);
    }
}

fn parse_and_visit(source: &str) -> usize {
    let allocator = Allocator::default();
    let program = oxc_parser::Parser::new(&allocator, source, SourceType::cjs())
        .parse()
        .program;
    let mut count = Count(0);
    count.visit_program(&program);
    count.0
}

fn parse_and_deobfuscate(source: &str, options: &Options) -> usize {
    let allocator = Allocator::default();
    let mut program = oxc_parser::Parser::new(&allocator, source, SourceType::cjs())
        .parse()
        .program;
    let outcome = deobfuscate(&allocator, &mut program, source, options);
    outcome.recovered.len()
}

fn analyse(name: &str, text: &str, options: &outflow_js::Options) -> usize {
    outflow_js::analyze_script(name, ScriptInput::Stdin, text.as_bytes(), options)
        .iter()
        .map(|a| a.endpoints.len())
        .sum()
}

fn bench(c: &mut Criterion) {
    let obfuscated = input("heavy.js");
    let source = input("heavy.source.js");
    let options = Options::default();
    let analysis = outflow_js::Options::default();
    assert!(
        parse_and_deobfuscate(&obfuscated, &options) > 0,
        "nothing recovered from the bench input"
    );
    let mut group = c.benchmark_group("heavy-34k");
    group.sample_size(30);
    group.bench_function("source: outflow-js analysis", |b| {
        b.iter(|| analyse("heavy.source.js", black_box(&source), &analysis))
    });
    group.bench_function("obfuscated: outflow-js analysis (deobfuscates)", |b| {
        b.iter(|| analyse("heavy.js", black_box(&obfuscated), &analysis))
    });
    group.bench_function("source: parse + visit", |b| {
        b.iter(|| parse_and_visit(black_box(&source)))
    });
    group.bench_function("obfuscated: parse + deobfuscate", |b| {
        b.iter(|| parse_and_deobfuscate(black_box(&obfuscated), &options))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
