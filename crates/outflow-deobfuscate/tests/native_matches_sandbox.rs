//! The native decoders and rotation emulation give exactly what the
//! script's own code gives in the sandbox, on every file of the generated
//! corpus, and cover all of it (no file needs the sandbox).

use std::path::PathBuf;
use std::time::Duration;

use outflow_deobfuscate::{Engine, Options, deobfuscate_source};

fn corpus_files() -> Vec<PathBuf> {
    outflow_testkit::corpus::obfuscated_files()
}

#[test]
fn native_decoding_equals_sandbox_decoding_on_the_corpus() {
    // Debug builds of QuickJS are slow: generous limit (see corpus_matrix.rs).
    let base = Options {
        sandbox_cpu_time: Duration::from_secs(30),
        ..Options::default()
    };
    let native = Options {
        engine: Engine::Native,
        ..base.clone()
    };
    let sandbox = Options {
        engine: Engine::Sandbox,
        ..base
    };
    let files = corpus_files();
    assert!(
        files.len() >= 300,
        "corpus has only {} files: run scripts/setup",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus file");
        let (native_code, native_outcome) = deobfuscate_source(&text, &native);
        let (sandbox_code, sandbox_outcome) = deobfuscate_source(&text, &sandbox);
        if !native_outcome.notes.is_empty() {
            failures.push(format!(
                "{}: native: {:?}",
                path.display(),
                native_outcome.notes
            ));
        } else if native_code != sandbox_code {
            failures.push(format!(
                "{}: native and sandbox outputs differ (sandbox notes {:?})",
                path.display(),
                sandbox_outcome.notes
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files:\n{}",
        failures.len(),
        files.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
