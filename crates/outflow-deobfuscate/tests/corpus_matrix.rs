//! The generated corpus (javascript-obfuscator 4.x and 5.x over a matrix of
//! options and seeds, see fixtures/obfuscation/generate-corpus.js): after
//! deobfuscation, every string literal and every property name of the
//! source is back in plain sight, and no string-array decoder call remains.

use std::collections::HashSet;
use std::path::PathBuf;

use outflow_deobfuscate::{Options, deobfuscate};
use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, CallExpression, Expression, ObjectProperty, StaticMemberExpression, StringLiteral,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::SourceType;

fn fixtures() -> PathBuf {
    outflow_testkit::fixture_dir("obfuscation")
}

#[derive(Default)]
struct Names {
    strings: HashSet<String>,
    properties: HashSet<String>,
    decoder_calls: Vec<String>,
}

impl<'a> Visit<'a> for Names {
    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.strings.insert(it.value.to_string());
    }
    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        self.properties.insert(it.property.name.to_string());
        walk::walk_static_member_expression(self, it);
    }
    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        if let oxc_ast::ast::PropertyKey::StaticIdentifier(id) = &it.key {
            self.properties.insert(id.name.to_string());
        }
        walk::walk_object_property(self, it);
    }
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let literal = |a: &Argument<'a>| {
            matches!(a, Argument::NumericLiteral(_) | Argument::StringLiteral(_))
                || matches!(a, Argument::UnaryExpression(u) if matches!(u.argument, Expression::NumericLiteral(_)))
        };
        if let Expression::Identifier(id) = &it.callee
            && id.name.starts_with("_0x")
            && !it.arguments.is_empty()
            && it.arguments.iter().all(literal)
        {
            self.decoder_calls.push(id.name.to_string());
        }
        walk::walk_call_expression(self, it);
    }
}

fn names_of(source: &str) -> Names {
    let allocator = Allocator::default();
    let parsed = oxc_parser::Parser::new(&allocator, source, SourceType::cjs()).parse();
    assert!(!parsed.panicked, "fixture does not parse");
    let mut names = Names::default();
    names.visit_program(&parsed.program);
    names
}

fn corpus_files() -> Vec<PathBuf> {
    outflow_testkit::corpus::obfuscated_files()
}

#[test]
fn every_source_string_and_property_is_recovered_and_no_decoder_call_remains() {
    let files = corpus_files();
    assert!(
        files.len() >= 300,
        "corpus has only {} files: run scripts/setup",
        files.len()
    );
    // Test builds compile QuickJS without optimisation, several times slower
    // than release builds: the CPU limit is raised so that the heavy option
    // set does not hit it (it takes about 0.3 s in a release build).
    let options = Options {
        sandbox_cpu_time: std::time::Duration::from_secs(30),
        ..Options::default()
    };
    let mut failures = Vec::new();
    for path in &files {
        let source_path = fixtures()
            .join("src")
            .join(path.file_name().expect("file name"));
        let source = std::fs::read_to_string(&source_path).expect("fixture source");
        let expected = names_of(&source);
        let plain = std::fs::read_to_string(path).expect("corpus file");
        // Each file as emitted, and wrapped in an IIFE as bundlers ship it.
        let wrapped = format!("(function(){{\n{plain}\n}})();");
        for (obfuscated, how) in [(&plain, ""), (&wrapped, " (in an IIFE)")] {
            let allocator = Allocator::default();
            let parsed = oxc_parser::Parser::new(&allocator, obfuscated, SourceType::cjs()).parse();
            let mut program = parsed.program;
            let outcome = deobfuscate(&allocator, &mut program, obfuscated, &options);
            let mut got = Names::default();
            got.visit_program(&program);
            let known: HashSet<&String> = got.strings.iter().chain(got.properties.iter()).collect();
            let missing: Vec<&String> = expected
                .strings
                .iter()
                .chain(expected.properties.iter())
                .filter(|s| !known.contains(s))
                .collect();
            let name = path
                .strip_prefix(fixtures())
                .unwrap_or(path)
                .display()
                .to_string()
                + how;
            if !missing.is_empty() {
                failures.push(format!(
                    "{name}: missing {missing:?} (notes: {:?})",
                    outcome.notes
                ));
            }
            if !got.decoder_calls.is_empty() {
                failures.push(format!(
                    "{name}: decoder calls remain: {:?}",
                    &got.decoder_calls[..got.decoder_calls.len().min(5)]
                ));
            }
            // The contract with the analysis: a recovered string-array value
            // sits at the decoder call site of the original source.
            for r in &outcome.recovered {
                let text = obfuscated
                    .get(r.span.start as usize..r.span.end as usize)
                    .unwrap_or("");
                let call_site = text.starts_with("_0x") && text.ends_with(')');
                if r.method.starts_with("string array")
                    && !r.method.ends_with("concatenated")
                    && !call_site
                {
                    failures.push(format!(
                        "{name}: recovered span {:?} is not a call site: {text:?}",
                        r.span
                    ));
                    break;
                }
            }
            if outcome.recovered.is_empty() {
                failures.push(format!("{name}: nothing recorded as recovered"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus files failed:\n{}",
        failures.len(),
        files.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
