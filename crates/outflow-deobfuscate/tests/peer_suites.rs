//! The peer deobfuscators' own test suites (fixtures/peer-suites: webcrack's
//! samples and restringer's tests/resources, MIT), scored as the project's
//! goal scores them (fixtures/peer-suites/README.md): the distinct string
//! literals and template chunks of at least 3 characters in the peer's
//! expected output, and how many of them outflow's deobfuscated output holds
//! as string literals; a file whose expected output has none is judged by the
//! names its calls use instead.
//!
//! Not every file is recovered yet, so this is a ratchet: each file's count
//! may only rise, and the files recovered today must stay recovered. When a
//! change recovers more, raise the floor in [`FLOORS`] (the printed table
//! has the new counts).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use outflow_deobfuscate::{Options, deobfuscate_source};
use oxc_allocator::Allocator;
use oxc_ast::ast::{CallExpression, Expression, StringLiteral, TemplateElement};
use oxc_ast_visit::{Visit, walk};
use oxc_span::SourceType;

/// Literals shorter than this are too common to show that decoding worked.
const MIN_LITERAL_CHARS: usize = 3;

/// Per suite and file: the literals (or called names) outflow found at the
/// last raise of the ratchet, and how many the expected output has.
const FLOORS: &[(&str, &str, usize, usize)] = &[
    ("webcrack", "obfuscator.io-calls-transform.js", 6, 6),
    ("webcrack", "obfuscator.io-control-flow-keys.js", 1, 1),
    (
        "webcrack",
        "obfuscator.io-control-flow-partial-keys.js",
        1,
        1,
    ),
    (
        "webcrack",
        "obfuscator.io-control-flow-split-strings.js",
        0,
        1,
    ),
    ("webcrack", "obfuscator.io-control-flow-spread.js", 3, 7),
    (
        "webcrack",
        "obfuscator.io-control-flow-switch-return.js",
        1,
        1,
    ),
    ("webcrack", "obfuscator.io-control-flow.js", 1, 1),
    ("webcrack", "obfuscator.io-decode-external-vars.js", 1, 1),
    ("webcrack", "obfuscator.io-function-wrapper.js", 2, 2),
    ("webcrack", "obfuscator.io-high.js", 0, 1),
    ("webcrack", "obfuscator.io-multi-encoders.js", 0, 1),
    ("webcrack", "obfuscator.io-rotator-unary.js", 1, 1),
    ("webcrack", "obfuscator.io-string-array-undefined.js", 1, 2),
    ("webcrack", "obfuscator.io-var-functions.js", 2, 2),
    ("webcrack", "obfuscator.io.js", 2, 2),
    ("webcrack", "simple-string-array.js", 3, 5),
    ("restringer", "ant.js", 90, 90),
    ("restringer", "caesar.js", 0, 20),
    ("restringer", "ds.js", 390, 429),
    ("restringer", "evalOxd.js", 0, 71),
    ("restringer", "hunter.js", 7, 35),
    ("restringer", "jsfuck.js", 0, 1),
    ("restringer", "localProxies.js", 787, 800),
    ("restringer", "newFunc.js", 40, 41),
    ("restringer", "obfuscatorIo.js", 55, 64),
    ("restringer", "prototypeCalls.js", 87, 101),
    ("restringer", "udu.js", 0, 61),
];

/// The files fully recovered at the last raise of the ratchet: each must stay
/// fully recovered.
const RECOVERED: &[(&str, &str)] = &[
    ("webcrack", "obfuscator.io-calls-transform.js"),
    ("webcrack", "obfuscator.io-control-flow-keys.js"),
    ("webcrack", "obfuscator.io-control-flow-partial-keys.js"),
    ("webcrack", "obfuscator.io-control-flow-switch-return.js"),
    ("webcrack", "obfuscator.io-control-flow.js"),
    ("webcrack", "obfuscator.io-decode-external-vars.js"),
    ("webcrack", "obfuscator.io-function-wrapper.js"),
    ("webcrack", "obfuscator.io-rotator-unary.js"),
    ("webcrack", "obfuscator.io-var-functions.js"),
    ("webcrack", "obfuscator.io.js"),
    ("restringer", "ant.js"),
];

/// How a peer names the expected output of `NAME.js`.
fn expected_name(suite: &str, input: &str) -> String {
    match suite {
        "webcrack" => format!("{input}.snap"),
        _ => format!("{input}-deob.js"),
    }
}

fn suite_dir(suite: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/peer-suites")
        .join(suite)
}

/// The inputs of a suite: every `NAME.js` that is not itself an expected output.
fn inputs(suite: &str) -> Vec<String> {
    let dir = suite_dir(suite);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".js") && !name.ends_with("-deob.js"))
        .collect();
    names.sort();
    names
}

/// What one program holds: its string values (literals and cooked template
/// chunks) and the names its calls use (`f(..)`, `o.f(..)`).
#[derive(Default)]
struct Contents {
    strings: BTreeSet<String>,
    called: BTreeSet<String>,
}

impl<'a> Visit<'a> for Contents {
    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.strings.insert(it.value.to_string());
    }
    fn visit_template_element(&mut self, it: &TemplateElement<'a>) {
        if let Some(cooked) = &it.value.cooked {
            self.strings.insert(cooked.to_string());
        }
    }
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        match it.callee.without_parentheses() {
            Expression::Identifier(id) => {
                self.called.insert(id.name.to_string());
            }
            Expression::StaticMemberExpression(member) => {
                self.called.insert(member.property.name.to_string());
            }
            _ => {}
        }
        walk::walk_call_expression(self, it);
    }
}

/// Parses as a classic script, else as a module (webcrack's snapshots use
/// both), and collects the contents.
fn contents(source: &str) -> Contents {
    for source_type in [SourceType::cjs(), SourceType::mjs()] {
        let allocator = Allocator::default();
        let parsed = oxc_parser::Parser::new(&allocator, source, source_type).parse();
        if parsed.panicked || !parsed.diagnostics.is_empty() {
            continue;
        }
        let mut found = Contents::default();
        found.visit_program(&parsed.program);
        return found;
    }
    panic!("does not parse as a script or a module:\n{source}");
}

/// One file's score: what the expected output holds, and how much of it
/// outflow's output has.
struct Score {
    file: String,
    judged_by: &'static str,
    found: usize,
    total: usize,
    missing: Vec<String>,
}

fn score(suite: &str, input: &str) -> Score {
    let dir = suite_dir(suite);
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let expected = contents(&read(&expected_name(suite, input)));
    let (code, _) = deobfuscate_source(&read(input), &Options::default());
    let output = contents(&code);
    let literals: Vec<&String> = expected
        .strings
        .iter()
        .filter(|s| s.chars().count() >= MIN_LITERAL_CHARS)
        .collect();
    let (judged_by, wanted, have): (_, Vec<&String>, _) = if literals.is_empty() {
        ("calls", expected.called.iter().collect(), &output.called)
    } else {
        ("literals", literals, &output.strings)
    };
    let missing: Vec<String> = wanted
        .iter()
        .filter(|w| !have.contains(w.as_str()))
        .map(|w| w.to_string())
        .collect();
    Score {
        file: input.to_string(),
        judged_by,
        found: wanted.len() - missing.len(),
        total: wanted.len(),
        missing,
    }
}

/// Scores every file of `suite`, prints the table and checks the ratchet.
fn check_suite(suite: &'static str) {
    // Deep expressions (jsfuck) recurse in the parser and the visitors; a
    // debug build needs more than the test thread's stack.
    let scores = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            inputs(suite)
                .iter()
                .map(|input| score(suite, input))
                .collect::<Vec<_>>()
        })
        .unwrap()
        .join()
        .unwrap();
    println!("{suite}: file, judged by, found / total, missing (first 5)");
    for s in &scores {
        let mark = if s.found == s.total { "recovered" } else { "" };
        println!(
            "  {:<48} {:<8} {:>4} / {:<4} {:<9} {:?}",
            s.file,
            s.judged_by,
            s.found,
            s.total,
            mark,
            s.missing
                .iter()
                .take(5)
                .map(|m| m.chars().take(60).collect::<String>())
                .collect::<Vec<_>>()
        );
    }
    let recovered = scores.iter().filter(|s| s.found == s.total).count();
    println!("{suite}: {recovered} of {} files recovered", scores.len());

    let mut failures = Vec::new();
    for s in &scores {
        match FLOORS
            .iter()
            .find(|(floor_suite, file, ..)| *floor_suite == suite && *file == s.file)
        {
            None => failures.push(format!("{}: not in FLOORS", s.file)),
            Some((_, _, floor, total)) => {
                if s.total != *total {
                    failures.push(format!(
                        "{}: the expected output has {} items, FLOORS says {total}",
                        s.file, s.total
                    ));
                }
                if s.found < *floor {
                    failures.push(format!(
                        "{}: {} of {} found, down from {floor}; missing {:?}",
                        s.file, s.found, s.total, s.missing
                    ));
                }
            }
        }
    }
    for (_, file) in RECOVERED.iter().filter(|(s, _)| *s == suite) {
        match scores.iter().find(|s| s.file == *file) {
            None => failures.push(format!("{file}: listed as recovered but not in the suite")),
            Some(s) if s.found < s.total => failures.push(format!(
                "{file}: no longer recovered ({} of {}); missing {:?}",
                s.found, s.total, s.missing
            )),
            Some(_) => {}
        }
    }
    assert!(failures.is_empty(), "{suite}:\n{}", failures.join("\n"));
}

#[test]
fn webcrack_samples_do_not_regress() {
    check_suite("webcrack");
}

#[test]
fn restringer_resources_do_not_regress() {
    check_suite("restringer");
}
