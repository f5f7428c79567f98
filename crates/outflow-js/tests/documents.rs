//! Inputs other than plain scripts: HTML pages, JSON-wrapped bundles,
//! modules, directories.

use outflow_js::{Options, analyze_document, analyze_paths};
use outflow_model::{DocumentFormat, ScriptInput, Sink};

#[test]
fn html_inline_scripts_are_located_in_the_page() {
    let html = "<!doctype html>\n<html><head>\n<script src=\"https://cdn.example.com/lib.js\"></script>\n<script>\n  fetch(\"https://api.example.com/c\");\n</script>\n</head><body><form action=\"https://forms.example.net/post\"></form></body></html>\n";
    let document = analyze_document("page.html", html.as_bytes(), &Options::default());
    assert_eq!(document.format, DocumentFormat::Html);
    assert_eq!(document.scripts.len(), 1);
    assert_eq!(document.scripts[0].name, "page.html#script[0]");
    assert!(matches!(
        document.scripts[0].input,
        ScriptInput::Inline { index: 0, .. }
    ));
    let endpoint = &document.scripts[0].endpoints[0];
    assert_eq!(
        (endpoint.location.start.line, endpoint.location.start.column),
        (5, 9)
    );
    let references: Vec<(&str, Option<Sink>)> = document
        .references
        .iter()
        .map(|r| (r.value.as_str(), r.sink))
        .collect();
    assert_eq!(
        references,
        vec![
            ("https://cdn.example.com/lib.js", Some(Sink::HtmlReference)),
            ("https://forms.example.net/post", Some(Sink::FormAction)),
        ]
    );
}

#[test]
fn json_wrapped_scripts() {
    let json = r#"{"modules": [{"id": 1, "source": "function send(d) { navigator.sendBeacon('https://b.example.com/c', d); }"}], "name": "not code"}"#;
    let document = analyze_document("bundle.json", json.as_bytes(), &Options::default());
    assert_eq!(document.format, DocumentFormat::Json);
    assert_eq!(document.scripts.len(), 1);
    assert!(
        matches!(&document.scripts[0].input, ScriptInput::Json { pointer, .. } if pointer == "/modules/0/source")
    );
    assert_eq!(
        document.scripts[0].endpoints[0].sink,
        Some(Sink::SendBeacon)
    );
}

#[test]
fn es_modules() {
    let source =
        "import x from './x.js';\nexport const u = 'https://m.example.com/';\nawait fetch(u);\n";
    let document = analyze_document("m.mjs", source.as_bytes(), &Options::default());
    assert!(document.scripts[0].module);
    assert!(
        document.scripts[0].diagnostics.is_empty(),
        "{:?}",
        document.scripts[0].diagnostics
    );
    assert!(
        document.scripts[0]
            .endpoints
            .iter()
            .any(|e| e.sink == Some(Sink::Fetch))
    );
}

#[test]
fn directories_are_walked_in_path_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("b.js"), "fetch('https://b.example.com/')").unwrap();
    std::fs::write(
        dir.path().join("sub/a.html"),
        "<script>fetch('https://a.example.com/')</script>",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "https://ignored.example.com/").unwrap();
    let root = dir.path().display().to_string();
    let documents = analyze_paths(
        &[root.clone(), format!("{root}/missing.js")],
        &Options::default(),
    );
    let paths: Vec<String> = documents
        .iter()
        .map(|d| d.path.replace(&root, ""))
        .collect();
    assert_eq!(paths, vec!["/b.js", "/sub/a.html", "/missing.js"]);
    assert!(
        documents[2]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("cannot read"))
    );
}
