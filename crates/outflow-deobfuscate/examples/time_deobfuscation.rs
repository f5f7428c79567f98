//! Times deobfuscation of files for scripts/bench-deobfuscate. For each
//! `OBFUSCATED[=SOURCE]` argument it prints one tab-separated line:
//!
//! 1. the file;
//! 2. median ms of outflow-js's analysis of the obfuscated file (parse,
//!    deobfuscate, walk, locate: what `outflow js` does);
//! 3. median ms of the same analysis of SOURCE (`-` without one);
//! 4. median ms of parse + deobfuscate alone;
//! 5. median ms of a bare parse + visit of SOURCE (`-` without one);
//! 6. the number of recovered values;
//! 7. the number of endpoints the analysis of the obfuscated file reports;
//! 8. and 9. the fastest of the runs of 2. and 3. (on a shared machine the
//!    fastest run is the one least disturbed by other work).
//!
//! Each file's measurements alternate between the two inputs so that both
//! see the same machine load.

use std::time::{Duration, Instant};

use outflow_deobfuscate::{Options, deobfuscate};
use outflow_model::ScriptInput;
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

/// Median and fastest run, in milliseconds.
fn median_and_min(mut runs: Vec<Duration>) -> Times {
    runs.sort();
    (
        runs[runs.len() / 2].as_secs_f64() * 1000.0,
        runs[0].as_secs_f64() * 1000.0,
    )
}

fn time_one<F: FnMut() -> usize>(f: &mut F) -> (Duration, usize) {
    let start = Instant::now();
    let out = std::hint::black_box(f());
    (start.elapsed(), out)
}

/// Median and fastest run of one timed function, in milliseconds.
type Times = (f64, f64);

/// Runs `a` and `b` alternately `iterations` times after one warm-up each;
/// returns their (median, fastest) times and `a`'s last result.
fn time_pair<A: FnMut() -> usize, B: FnMut() -> usize>(
    iterations: usize,
    mut a: A,
    mut b: Option<B>,
) -> ((Times, usize), Option<Times>) {
    let mut last = a();
    if let Some(b) = b.as_mut() {
        b();
    }
    let mut runs_a = Vec::with_capacity(iterations);
    let mut runs_b = Vec::with_capacity(iterations);
    for _ in 0..iterations.max(1) {
        let (d, out) = time_one(&mut a);
        runs_a.push(d);
        last = out;
        if let Some(b) = b.as_mut() {
            runs_b.push(time_one(b).0);
        }
    }
    let b_ms = (!runs_b.is_empty()).then(|| median_and_min(runs_b));
    ((median_and_min(runs_a), last), b_ms)
}

fn analyse(name: &str, text: &str) -> usize {
    let options = outflow_js::Options::default();
    outflow_js::analyze_script(name, ScriptInput::Stdin, text.as_bytes(), &options)
        .iter()
        .map(|a| a.endpoints.len())
        .sum()
}

fn parse_and_deobfuscate(text: &str, options: &Options) -> usize {
    let allocator = Allocator::default();
    let mut program = oxc_parser::Parser::new(&allocator, text, SourceType::cjs())
        .parse()
        .program;
    deobfuscate(&allocator, &mut program, text, options)
        .recovered
        .len()
}

fn parse_and_visit(text: &str) -> usize {
    let allocator = Allocator::default();
    let program = oxc_parser::Parser::new(&allocator, text, SourceType::cjs())
        .parse()
        .program;
    let mut count = Count(0);
    count.visit_program(&program);
    count.0
}

fn fmt(ms: Option<f64>) -> String {
    ms.map_or("-".to_string(), |ms| format!("{ms:.3}"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
    let options = Options::default();
    for arg in args {
        let (obfuscated_path, source_path) = match arg.split_once('=') {
            Some((o, s)) => (o.to_string(), Some(s.to_string())),
            None => (arg.clone(), None),
        };
        let Ok(obfuscated) = std::fs::read_to_string(&obfuscated_path) else {
            eprintln!("cannot read {obfuscated_path}");
            continue;
        };
        let source = source_path.and_then(|p| std::fs::read_to_string(p).ok());
        let (((analysis_ms, analysis_min), endpoints), source_analysis) = time_pair(
            iterations,
            || analyse("obfuscated.js", &obfuscated),
            source.as_deref().map(|s| move || analyse("source.js", s)),
        );
        let (((deobfuscate_ms, _), recovered), source_visit) = time_pair(
            iterations,
            || parse_and_deobfuscate(&obfuscated, &options),
            source.as_deref().map(|s| move || parse_and_visit(s)),
        );
        println!(
            "{obfuscated_path}\t{analysis_ms:.3}\t{}\t{deobfuscate_ms:.3}\t{}\t{recovered}\t{endpoints}\t{analysis_min:.3}\t{}",
            fmt(source_analysis.map(|t| t.0)),
            fmt(source_visit.map(|t| t.0)),
            fmt(source_analysis.map(|t| t.1)),
        );
    }
}
