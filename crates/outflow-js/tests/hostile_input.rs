//! Hostile input: nothing panics, overflows the stack or grows without
//! bound, and what can be extracted still is.

use outflow_js::{Options, analyze_document, analyze_script};
use outflow_model::ScriptInput;

fn analyse(source: &[u8]) -> Vec<outflow_model::ScriptAnalysis> {
    analyze_script(
        "hostile.js",
        ScriptInput::Stdin,
        source,
        &Options::default(),
    )
}

#[test]
fn ten_thousand_nested_parentheses() {
    let depth = 10_000;
    let source = format!(
        "{}fetch(\"https://deep.example.com/\"){}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let out = analyse(source.as_bytes());
    // The parser takes it; the walk stops at its nesting limit and says so.
    assert!(
        out[0]
            .diagnostics
            .iter()
            .any(|d| d.message.contains("deeper than"))
    );
}

#[test]
fn ten_thousand_nested_arrays_calls_and_functions() {
    let depth = 10_000;
    for (open, close) in [("[", "]"), ("f(", ")"), ("function(){", "}"), ("a+(", ")")] {
        let source = format!("x = {}1{};", open.repeat(depth), close.repeat(depth));
        let out = analyse(source.as_bytes());
        assert_eq!(out.len(), 1, "{open}");
    }
}

#[test]
fn deep_nesting_in_strings_concatenation() {
    let source = format!(
        "x = {}\"https://a.example.com/\";",
        "\"a\" + ".repeat(20_000)
    );
    let out = analyse(source.as_bytes());
    assert_eq!(out.len(), 1);
}

#[test]
fn fifty_megabyte_single_line() {
    let statement = "a.b(c,\"https://x.example.com/p\"+d);";
    let mut source = String::with_capacity(50 << 20);
    while source.len() < 50 << 20 {
        source.push_str(statement);
    }
    source.push_str("fetch(\"https://last.example.org/end\");");
    let out = analyse(source.as_bytes());
    let endpoints = &out[0].endpoints;
    assert!(
        endpoints.len() >= 1000,
        "endpoints are capped but many are found"
    );
    assert!(out[0].diagnostics.is_empty());
}

#[test]
fn over_the_size_limit_is_skipped_with_a_note() {
    let options = Options {
        max_script_bytes: 1000,
        ..Options::default()
    };
    let out = analyze_script("big.js", ScriptInput::Stdin, &vec![b' '; 2000], &options);
    assert!(
        out[0]
            .skipped
            .as_deref()
            .is_some_and(|s| s.contains("over the limit"))
    );
}

#[test]
fn invalid_utf8_is_replaced_and_analysed() {
    let mut source = b"fetch(\"https://utf.example.com/\"); var s = \"".to_vec();
    source.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    source.extend_from_slice(b"\";");
    let out = analyse(&source);
    assert_eq!(out[0].endpoints[0].value, "https://utf.example.com/");
    assert!(out[0].diagnostics[0].message.contains("invalid UTF-8"));
    assert_eq!(out[0].size, source.len() as u64);
}

#[test]
fn a_syntax_error_halfway_keeps_both_halves() {
    let source = "fetch(\"https://before.example.com/\");\nvar = = ) ;\nfetch(\"https://after.example.com/\");\n";
    let out = analyse(source.as_bytes());
    let values: Vec<&str> = out[0].endpoints.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(
        values,
        vec!["https://before.example.com/", "https://after.example.com/"]
    );
    assert!(!out[0].diagnostics.is_empty());
    assert_eq!(
        out[0].diagnostics[0].location.map(|l| l.start.line),
        Some(2)
    );
}

#[test]
fn an_unclosed_function_keeps_what_came_before_and_strings_after() {
    let source = "fetch(\"https://before.example.com/\");\nfunction f() {\n  if (x) {\n    send(\"https://inside.example.com/\");\n";
    let out = analyse(source.as_bytes());
    let values: Vec<&str> = out[0].endpoints.iter().map(|e| e.value.as_str()).collect();
    assert!(
        values.contains(&"https://before.example.com/"),
        "{values:?}"
    );
    assert!(
        values.contains(&"https://inside.example.com/"),
        "{values:?}"
    );
}

#[test]
fn empty_file() {
    let out = analyse(b"");
    assert!(out[0].endpoints.is_empty() && out[0].diagnostics.is_empty());
}

#[test]
fn binary_file_is_refused_with_a_reason() {
    let mut bytes = vec![0x7f, b'E', b'L', b'F', 0, 0, 1];
    bytes.extend((0..=255u8).cycle().take(10_000));
    let document = analyze_document("a.out", &bytes, &Options::default());
    assert!(
        document
            .error
            .as_deref()
            .is_some_and(|e| e.contains("binary"))
    );
    assert!(document.scripts.is_empty());
}

#[test]
fn exponential_string_doubling_is_bounded() {
    let mut source = String::from("const a0 = 'https://x.example.com/';");
    for i in 1..60 {
        source.push_str(&format!("const a{i} = a{p} + a{p};", p = i - 1));
    }
    source.push_str("fetch(a59);");
    let out = analyse(source.as_bytes());
    assert!(out[0].endpoints.iter().all(|e| e.value.len() <= 4 << 20));
}

#[test]
fn self_referencing_bindings_terminate() {
    let out = analyse(b"var a = b + 'x', b = a + 'y'; fetch(a); const o = {p: o.p}; fetch(o.p);");
    assert_eq!(out.len(), 1);
}
