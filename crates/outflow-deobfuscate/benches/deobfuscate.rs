//! Deobfuscating a heavily obfuscated ~34 KB script (javascript-obfuscator
//! 5.x: rc4 string array, rotation, shuffle, index shift, chained function
//! wrappers, split strings, numbers to expressions, object keys,
//! self-defending, control-flow flattening) against a bare parse and visit
//! of its source. Inputs come from scripts/setup (fixtures/obfuscation/corpus/bench).
//! The ratio of the two is the figure to watch (target: at most 20x).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use outflow_deobfuscate::{Options, deobfuscate};
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

fn bench(c: &mut Criterion) {
    let obfuscated = input("heavy.js");
    let source = input("heavy.source.js");
    let options = Options::default();
    assert!(
        parse_and_deobfuscate(&obfuscated, &options) > 0,
        "nothing recovered from the bench input"
    );
    let mut group = c.benchmark_group("heavy-34k");
    group.sample_size(20);
    group.bench_function("source: parse + visit", |b| {
        b.iter(|| parse_and_visit(black_box(&source)))
    });
    group.bench_function("obfuscated: parse + visit", |b| {
        b.iter(|| parse_and_visit(black_box(&obfuscated)))
    });
    group.bench_function("obfuscated: parse + deobfuscate", |b| {
        b.iter(|| parse_and_deobfuscate(black_box(&obfuscated), &options))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
