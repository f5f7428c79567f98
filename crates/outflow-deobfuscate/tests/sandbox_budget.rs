//! The sandbox is bounded as a whole: array built-ins whose native loops
//! QuickJS does not interrupt cannot spin, heavy work inside a rotation
//! loop ends at the script's one deadline, and what is copied out of the
//! sandbox stays within the script's output budget. No assertion is timed:
//! a hang fails the test through nextest's slow timeout.

use std::path::Path;
use std::time::Duration;

use outflow_deobfuscate::sandbox::{Budget, Limits, MAX_NATIVE_LENGTH, eval_strings};
use outflow_deobfuscate::{Engine, Options, deobfuscate_source};

fn hostile(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/obfuscation/hostile")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn limits(seconds: u64, output_bytes: usize) -> Limits {
    Limits {
        budget: Budget::new(Duration::from_secs(seconds), output_bytes),
        memory_bytes: 64 << 20,
        stack_bytes: 512 << 10,
    }
}

/// Every array built-in, called on an array-like of length 1e15, on one
/// whose `length` getter lies (1 when checked, 1e15 after), and on a real
/// sparse array of the longest length: each call returns (with a result
/// or a RangeError), none spins in native code.
#[test]
fn no_array_built_in_loops_over_a_huge_length() {
    let methods = [
        "join",
        "toString",
        "toLocaleString",
        "fill",
        "copyWithin",
        "reverse",
        "sort",
        "slice",
        "splice",
        "concat",
        "shift",
        "unshift",
        "flat",
        "flatMap",
        "with",
        "toReversed",
        "toSorted",
        "toSpliced",
        "indexOf",
        "lastIndexOf",
        "includes",
        "every",
        "some",
        "forEach",
        "map",
        "filter",
        "reduce",
        "reduceRight",
        "find",
        "findIndex",
        "findLast",
        "findLastIndex",
        "at",
        "push",
        "pop",
    ];
    for method in methods {
        let receivers = [
            "{length: 1e15}".to_string(),
            "(function(){var c=0;return {get length(){return c++<1?1:1e15;}};})()".to_string(),
            "(function(){var a=[];a.length=4294967295;return a;})()".to_string(),
        ];
        for receiver in receivers {
            let code = format!(
                "var r = {receiver}; var out;\n\
                 try {{ Array.prototype.{method}.call(r, function(){{return 0;}}, 0); out = 'returned'; }}\n\
                 catch (e) {{ out = String(e); }}\n[out]"
            );
            let result = eval_strings(&code, &limits(20, 1 << 20));
            assert!(
                matches!(&result, Ok(v) if v.len() == 1),
                "{method} on {receiver}: {result:?}"
            );
        }
    }
}

#[test]
fn array_from_and_spread_concat_are_bounded() {
    for call in [
        "Array.from({length: 1e15})",
        "[].concat({length: 1e15, [Symbol.isConcatSpreadable]: true})",
        "Array.from((function(){var c=0;return {get length(){return c++<1?1:1e15;}};})())",
    ] {
        let code = format!(
            "var out; try {{ {call}; out = 'returned'; }} catch (e) {{ out = String(e); }} [out]"
        );
        let result = eval_strings(&code, &limits(20, 1 << 20));
        assert!(
            matches!(&result, Ok(v) if v.len() == 1),
            "{call}: {result:?}"
        );
    }
}

#[test]
fn arrays_within_the_cap_still_work() {
    let code = format!(
        "var a = new Array({MAX_NATIVE_LENGTH} / 4).fill('a'); var b = [3,1,2].sort().join('-'); \
         [String(a.length), b, Array.from('xy').join(''), [1,[2,[3]]].flat(2).join(','), \
          Array.prototype.slice.call((function(){{return arguments;}})(4,5)).join('')]"
    );
    let result = eval_strings(&code, &limits(60, 1 << 20)).expect("runs");
    assert_eq!(
        result,
        vec![
            Some((MAX_NATIVE_LENGTH / 4).to_string()),
            Some("1-2-3".into()),
            Some("xy".into()),
            Some("1,2,3".into()),
            Some("45".into()),
        ]
    );
}

#[test]
fn one_cached_string_returned_many_times_is_copied_within_the_budget() {
    let budget_bytes = 32 << 20;
    let code =
        "var s = 'x'.repeat(24 << 20); var o = []; for (var i = 0; i < 80; i++) o.push(s); o";
    let result = eval_strings(code, &limits(60, budget_bytes)).expect("runs");
    assert_eq!(result.len(), 80);
    let copied: usize = result
        .iter()
        .flatten()
        .filter(|s| !s.starts_with('\0'))
        .map(String::len)
        .sum();
    assert!(copied <= budget_bytes, "{copied} bytes copied out");
    assert!(
        result
            .iter()
            .flatten()
            .any(|s| s.starts_with("\0output limit")),
        "the entries past the budget say why"
    );
}

#[test]
fn a_spent_budget_runs_nothing() {
    let spent = Limits {
        budget: Budget::new(Duration::ZERO, 1 << 20),
        memory_bytes: 64 << 20,
        stack_bytes: 512 << 10,
    };
    let result = eval_strings("['never']", &spent);
    assert!(result.is_err(), "{result:?}");
}

fn sandboxed(seconds: u64) -> Options {
    Options {
        sandbox_cpu_time: Duration::from_secs(seconds),
        engine: Engine::Sandbox,
        ..Options::default()
    }
}

#[test]
fn heavy_built_ins_in_a_rotation_loop_end_at_the_deadline() {
    let (code, outcome) = deobfuscate_source(&hostile("rotation-heavy-builtin.js"), &sandboxed(1));
    assert!(code.contains("https://plain.example/beacon"), "{code}");
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.starts_with("could not decode") && n.contains("time limit")),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn a_decoder_calling_built_ins_on_huge_lengths_returns() {
    let (code, outcome) = deobfuscate_source(&hostile("builtin-length-bomb.js"), &sandboxed(20));
    assert!(code.contains("https://plain.example/beacon"), "{code}");
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.starts_with("could not decode") && n.contains("cap")),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn a_cached_huge_string_from_many_call_sites_is_capped() {
    let options = Options {
        sandbox_cpu_time: Duration::from_secs(60),
        engine: Engine::Sandbox,
        ..Options::default()
    };
    let (code, outcome) = deobfuscate_source(&hostile("cached-huge-string.js"), &options);
    assert!(
        code.len() < 2 * options.max_output_bytes,
        "{} bytes of output",
        code.len()
    );
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.starts_with("could not decode") && n.contains("output")),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn a_spent_budget_gives_a_note_and_keeps_the_script() {
    let source = hostile("infinite-loop.js");
    let allocator = oxc_allocator::Allocator::default();
    let parsed = oxc_parser::Parser::new(&allocator, &source, oxc_span::SourceType::cjs()).parse();
    let mut program = parsed.program;
    let spent = Budget::new(Duration::ZERO, 1 << 20);
    let outcome = outflow_deobfuscate::deobfuscate_within(
        &allocator,
        &mut program,
        &source,
        &Options::default(),
        &spent,
    );
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.starts_with("could not decode") && n.contains("time budget")),
        "{:?}",
        outcome.notes
    );
}
