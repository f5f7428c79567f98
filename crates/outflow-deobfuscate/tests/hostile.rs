//! Scripts that fight the sandbox (fixtures/obfuscation/hostile): each ends
//! with a "could not decode" note naming the limit, within a small multiple
//! of the CPU limit, without panicking; the rest of the script is kept.

use std::path::Path;
use std::time::Duration;

use outflow_deobfuscate::{Options, deobfuscate_source};

fn hostile(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/obfuscation/hostile")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tight() -> Options {
    Options {
        sandbox_cpu_time: Duration::from_millis(300),
        sandbox_memory_bytes: 16 * 1024 * 1024,
        ..Options::default()
    }
}

fn run(name: &str) -> (String, outflow_deobfuscate::Outcome) {
    let source = hostile(name);
    let (code, outcome) = deobfuscate_source(&source, &tight());
    assert!(
        code.contains("https://plain.example/beacon"),
        "{name}: the rest of the script was lost:\n{code}"
    );
    assert!(
        outcome.recovered.is_empty(),
        "{name}: nothing can have been recovered: {:?}",
        outcome.recovered
    );
    (code, outcome)
}

fn note_with(outcome: &outflow_deobfuscate::Outcome, needle: &str) -> bool {
    outcome
        .notes
        .iter()
        .any(|n| n.starts_with("could not decode") && n.contains(needle))
}

#[test]
fn an_endless_decoder_is_stopped_by_the_cpu_limit() {
    let (_, outcome) = run("infinite-loop.js");
    assert!(note_with(&outcome, "time limit"), "{:?}", outcome.notes);
}

#[test]
fn an_endless_allocation_is_stopped_by_the_memory_limit() {
    let (_, outcome) = run("huge-allocation.js");
    assert!(
        note_with(&outcome, "out of memory") || note_with(&outcome, "memory limit"),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn endless_recursion_is_stopped_by_the_stack_limit() {
    let (_, outcome) = run("deep-recursion.js");
    assert!(
        note_with(&outcome, "call stack") || note_with(&outcome, "stack limit"),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn a_regex_bomb_is_stopped_by_the_interrupt_handler() {
    let (_, outcome) = run("regex-bomb.js");
    assert!(note_with(&outcome, "time limit"), "{:?}", outcome.notes);
}

#[test]
fn a_rotator_that_never_settles_is_stopped() {
    let (_, outcome) = run("rotation-never-matches.js");
    assert!(note_with(&outcome, "time limit"), "{:?}", outcome.notes);
}

#[test]
fn the_sandbox_offers_no_host_objects() {
    let source = hostile("sandbox-escape.js");
    let (code, outcome) = deobfuscate_source(&source, &tight());
    assert!(!code.contains("host reachable"), "{code}");
    assert!(
        code.contains("https://cmpassport.com/a"),
        "{code}\n{:?}",
        outcome.notes
    );
}

#[test]
fn deep_nesting_neither_panics_nor_overflows() {
    // The decoder shape wrapped around an expression nested far deeper than
    // the walkers go.
    let mut source = hostile("infinite-loop.js").replace("while(!![]){_0x5d++;}", "");
    let depth = 3000;
    source.push_str("var deep=");
    source.push_str(&"[".repeat(depth));
    source.push_str(&"]".repeat(depth));
    source.push(';');
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || deobfuscate_source(&source, &tight()))
        .expect("thread");
    let (code, outcome) = handle.join().expect("no panic");
    // This decoder returns the array entry as stored.
    assert!(
        code.contains("fetch(\"aHR0cHM6Ly9jbXBhc3Nwb3J0LmNvbS9h\")"),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn garbage_input_is_returned_with_a_note() {
    let (code, outcome) = deobfuscate_source("function ((( {{{ ", &Options::default());
    assert!(!outcome.notes.is_empty());
    assert!(code.contains("((("));
}

#[test]
fn truncated_and_corrupted_obfuscated_files_never_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/obfuscation/corpus");
    assert!(
        corpus.join(".stamp").exists(),
        "the obfuscated corpus is missing: run scripts/setup"
    );
    for set in [
        "v4/rc4-wrappers-function-chained-5",
        "v5/heavy",
        "v5/control-flow",
        "v4/self-defending",
    ] {
        let path = corpus.join(set).join("seed-7/carrier-login.js");
        let text = std::fs::read_to_string(&path).expect("corpus file");
        for step in 1..24 {
            // Cut at a character boundary near step/24 of the file...
            let mut cut = text.len() * step / 24;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let _ = deobfuscate_source(&text[..cut], &tight());
            // ...and flip a byte in the middle of the string array or code.
            let mut bytes = text.clone().into_bytes();
            let at = bytes.len() * step / 24;
            bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
            let corrupted = String::from_utf8_lossy(&bytes).into_owned();
            let _ = deobfuscate_source(&corrupted, &tight());
        }
    }
}
