//! Times deobfuscation of files for scripts/bench-deobfuscate: for each
//! `OBFUSCATED[=SOURCE]` argument, prints a tab-separated line with the file,
//! the median milliseconds of parse + deobfuscate, the median milliseconds of
//! parse + visit of SOURCE (or `-`), and the number of recovered values.

use std::time::{Duration, Instant};

use outflow_deobfuscate::{Options, deobfuscate};
use oxc_allocator::Allocator;
use oxc_ast::ast::Expression;
use oxc_ast_visit::{Visit, walk};
use oxc_span::SourceType;

struct Count(usize);

impl<'a> Visit<'a> for Count {
    fn visit_expression(&mut self, it: &Expression<'a>) {
        self.0 += 1;
        walk::walk_expression(self, it);
    }
}

fn median(mut runs: Vec<Duration>) -> f64 {
    runs.sort();
    runs[runs.len() / 2].as_secs_f64() * 1000.0
}

fn time<F: FnMut() -> usize>(iterations: usize, mut f: F) -> (f64, usize) {
    let mut last = f();
    let runs = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            last = std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    (median(runs), last)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
    let options = Options::default();
    if std::env::var_os("PROBE_SANDBOX").is_some() {
        let limits = outflow_deobfuscate::sandbox::Limits {
            cpu_time: Duration::from_secs(2),
            memory_bytes: 64 << 20,
            stack_bytes: 512 << 10,
        };
        let (ms, _) = time(iterations, || {
            outflow_deobfuscate::sandbox::eval_strings("[]", limits)
                .map(|v| v.len())
                .unwrap_or(0)
        });
        println!("empty sandbox run: {ms:.3} ms");
    }
    for arg in args {
        let (obfuscated_path, source_path) = match arg.split_once('=') {
            Some((o, s)) => (o.to_string(), Some(s.to_string())),
            None => (arg.clone(), None),
        };
        let Ok(obfuscated) = std::fs::read_to_string(&obfuscated_path) else {
            eprintln!("cannot read {obfuscated_path}");
            continue;
        };
        let (deobfuscate_ms, recovered) = time(iterations, || {
            let allocator = Allocator::default();
            let mut program = oxc_parser::Parser::new(&allocator, &obfuscated, SourceType::cjs())
                .parse()
                .program;
            deobfuscate(&allocator, &mut program, &obfuscated, &options)
                .recovered
                .len()
        });
        let source_ms = source_path
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|source| {
                time(iterations, || {
                    let allocator = Allocator::default();
                    let program = oxc_parser::Parser::new(&allocator, &source, SourceType::cjs())
                        .parse()
                        .program;
                    let mut count = Count(0);
                    count.visit_program(&program);
                    count.0
                })
                .0
            });
        let source_ms = source_ms.map_or("-".to_string(), |ms| format!("{ms:.3}"));
        println!("{obfuscated_path}\t{deobfuscate_ms:.3}\t{source_ms}\t{recovered}");
    }
}

#[allow(dead_code)]
fn probe() {}
