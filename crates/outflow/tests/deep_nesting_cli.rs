//! `outflow js` and `outflow deobfuscate` on a million levels of nesting of
//! every construct: each exits normally (no SIGABRT from a stack overflow)
//! and says that it did not analyse beyond a nesting limit.

use std::process::Command;

const LEVELS: usize = 1_000_000;

/// (name, text before the levels, one level opening, the middle, one level closing)
const CONSTRUCTS: &[(&str, &str, &str, &str, &str)] = &[
    ("arrays", "x=", "[", "", "]"),
    ("objects", "x=", "{a:", "1", "}"),
    ("parentheses", "x=", "(", "1", ")"),
    ("calls", "x=", "f(", "", ")"),
    ("member chains", "x=a", ".b", "", ""),
    ("unary operators", "x=", "!", "1", ""),
    ("binary operators", "x=", "1+", "1", ""),
    ("template literals", "x=", "`${", "1", "}`"),
    ("functions", "", "function f(){", "", "}"),
    ("blocks", "", "{", "", "}"),
    ("if/else", "", "if(a){}else ", "x;", ""),
    ("ternaries", "x=", "a?b:", "c", ""),
];

#[test]
fn js_and_deobfuscate_survive_a_million_levels_of_each_construct() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, before, open, middle, close) in CONSTRUCTS {
        let path = dir.path().join("deep.js");
        let source = format!(
            "{before}{}{middle}{};\nfetch('https://after.example/');\n",
            open.repeat(LEVELS),
            close.repeat(LEVELS)
        );
        std::fs::write(&path, source).expect("fixture written");
        let path = path.display().to_string();
        for args in [
            vec!["js", "--format", "json", path.as_str()],
            vec!["deobfuscate", path.as_str()],
        ] {
            let output = Command::new(env!("CARGO_BIN_EXE_outflow"))
                .args(&args)
                .output()
                .expect("outflow runs");
            let everything = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                output.status.code().is_some(),
                "{name}, {}: killed by a signal: {}",
                args[0],
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                everything.contains("deeper than"),
                "{name}, {}: no nesting note in {} bytes of output",
                args[0],
                everything.len()
            );
        }
    }
}
