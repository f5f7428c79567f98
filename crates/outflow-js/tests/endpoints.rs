//! Every sink and every static-evaluation form, each with the exact
//! endpoints it must yield.

use outflow_js::{Options, analyze_script};
use outflow_model::{ComputedBy, EndpointKind, ScriptInput, Sink};

/// (value, kind, sink, computed steps) of every endpoint found, in order.
fn endpoints(source: &str) -> Vec<(String, EndpointKind, Option<Sink>, Vec<ComputedBy>)> {
    let scripts = analyze_script(
        "test.js",
        ScriptInput::Stdin,
        source.as_bytes(),
        &Options::default(),
    );
    scripts[0]
        .endpoints
        .iter()
        .map(|e| (e.value.clone(), e.kind, e.sink, e.computed.clone()))
        .collect()
}

fn one(source: &str) -> (String, EndpointKind, Option<Sink>, Vec<ComputedBy>) {
    let mut all = endpoints(source);
    assert_eq!(
        all.len(),
        1,
        "expected one endpoint in {source:?}, got {all:?}"
    );
    all.remove(0)
}

use ComputedBy as C;
use EndpointKind as K;

#[test]
fn every_sink() {
    let cases: &[(&str, K, Sink)] = &[
        (r#"fetch("https://a.example.com/x")"#, K::Url, Sink::Fetch),
        (
            r#"window.fetch("https://a.example.com/x")"#,
            K::Url,
            Sink::Fetch,
        ),
        (
            r#"new Request("https://a.example.com/x")"#,
            K::Url,
            Sink::Fetch,
        ),
        (
            r#"var x = new XMLHttpRequest(); x.open("POST", "https://a.example.com/x")"#,
            K::Url,
            Sink::XhrOpen,
        ),
        (
            r#"navigator.sendBeacon("https://a.example.com/x", d)"#,
            K::Url,
            Sink::SendBeacon,
        ),
        (
            r#"new WebSocket("wss://a.example.com/x")"#,
            K::WebSocket,
            Sink::WebSocket,
        ),
        (
            r#"new EventSource("https://a.example.com/x")"#,
            K::EventSource,
            Sink::EventSource,
        ),
        (
            r#"new Image().src = "https://a.example.com/x""#,
            K::Url,
            Sink::ImageSrc,
        ),
        (
            r#"const img = document.createElement("img"); img.src = "https://a.example.com/x""#,
            K::Url,
            Sink::ImageSrc,
        ),
        (
            r#"const s = document.createElement("script"); s.src = "https://a.example.com/x""#,
            K::Url,
            Sink::ScriptSrc,
        ),
        (
            r#"const f = document.createElement("iframe"); f.src = "https://a.example.com/x""#,
            K::Url,
            Sink::IframeSrc,
        ),
        (
            r#"const s = document.createElement("script"); s.setAttribute("src", "https://a.example.com/x")"#,
            K::Url,
            Sink::ScriptSrc,
        ),
        (
            r#"link.href = "https://a.example.com/x""#,
            K::Url,
            Sink::ElementSrc,
        ),
        (
            r#"document.forms[0].action = "https://a.example.com/x""#,
            K::Url,
            Sink::FormAction,
        ),
        (
            r#"location = "https://a.example.com/x""#,
            K::Url,
            Sink::Location,
        ),
        (
            r#"window.location = "https://a.example.com/x""#,
            K::Url,
            Sink::Location,
        ),
        (
            r#"location.href = "https://a.example.com/x""#,
            K::Url,
            Sink::Location,
        ),
        (
            r#"location.assign("https://a.example.com/x")"#,
            K::Url,
            Sink::Location,
        ),
        (
            r#"window.location.replace("https://a.example.com/x")"#,
            K::Url,
            Sink::Location,
        ),
        (
            r#"window.open("https://a.example.com/x")"#,
            K::Url,
            Sink::WindowOpen,
        ),
        (
            r#"import("https://a.example.com/x")"#,
            K::Url,
            Sink::DynamicImport,
        ),
        (
            r#"importScripts("https://a.example.com/x")"#,
            K::Url,
            Sink::ImportScripts,
        ),
        (
            r#"parent.postMessage(data, "https://a.example.com")"#,
            K::Url,
            Sink::PostMessage,
        ),
        (
            r#"new Worker("https://a.example.com/x")"#,
            K::Url,
            Sink::Worker,
        ),
    ];
    for (source, kind, sink) in cases {
        let (_, found_kind, found_sink, _) = one(source);
        assert_eq!((found_kind, found_sink), (*kind, Some(*sink)), "{source}");
    }
}

#[test]
fn relative_urls_in_sinks_are_paths() {
    assert_eq!(
        one(r#"fetch("/api/collect")"#),
        ("/api/collect".into(), K::Path, Some(Sink::Fetch), vec![])
    );
    assert!(endpoints(r#"parent.postMessage(data, "*")"#).is_empty());
    assert!(
        endpoints(r#"var a = "/api/collect""#).is_empty(),
        "a path outside a sink says nothing"
    );
}

#[test]
fn a_constant_reaches_its_sink() {
    let found = endpoints(
        r#"const u = "https://a.example.com/x";
function send(d) { navigator.sendBeacon(u, d); }"#,
    );
    assert_eq!(
        found,
        vec![
            ("https://a.example.com/x".into(), K::Url, None, vec![]),
            (
                "https://a.example.com/x".into(),
                K::Url,
                Some(Sink::SendBeacon),
                vec![C::Binding]
            ),
        ]
    );
}

#[test]
fn every_static_evaluation_form() {
    let cases: &[(&str, &str, &[ComputedBy])] = &[
        (
            r#"x = "https://" + "a.example.com" + "/c""#,
            "https://a.example.com/c",
            &[C::Concatenation],
        ),
        (
            r#"x = `https://${"a.example.com"}/c`"#,
            "https://a.example.com/c",
            &[C::Template],
        ),
        (
            r#"x = ["https://", "a.example.com", "/c"].join("")"#,
            "https://a.example.com/c",
            &[C::ArrayJoin],
        ),
        (
            r#"x = "c/moc.elpmaxe.a//:sptth".split("").reverse().join("")"#,
            "https://a.example.com/c",
            &[C::ArrayJoin, C::Split, C::Reverse],
        ),
        (
            "x = String.fromCharCode(104,116,116,112,115,58,47,47,97,46,99,110)",
            "https://a.cn",
            &[C::FromCharCode],
        ),
        (
            r#"x = atob("aHR0cHM6Ly9hLmV4YW1wbGUuY29tL2M=")"#,
            "https://a.example.com/c",
            &[C::Atob],
        ),
        (
            r#"x = decodeURIComponent("https%3A%2F%2Fa.example.com%2Fc")"#,
            "https://a.example.com/c",
            &[C::UriDecode],
        ),
        (
            r#"x = "\x68\x74\x74\x70\x73://a.example.com/c""#,
            "https://a.example.com/c",
            &[C::Escape],
        ),
        (
            r#"x = "\u0068ttps://a.example.com/c""#,
            "https://a.example.com/c",
            &[C::Escape],
        ),
        (
            r#"x = "\150ttps://a.example.com/c""#,
            "https://a.example.com/c",
            &[C::Escape],
        ),
        (
            r#"const h = "a.example.com"; let p = "/c"; function f() { return "https://" + h + p; }"#,
            "https://a.example.com/c",
            &[C::Concatenation, C::Binding],
        ),
        (
            r#"const cfg = { host: "a.example.com" }; x = "https://" + cfg.host + "/c""#,
            "https://a.example.com/c",
            &[C::Concatenation, C::Property],
        ),
    ];
    for (source, value, steps) in cases {
        let found = endpoints(source);
        let last = found
            .last()
            .unwrap_or_else(|| panic!("nothing found in {source}"));
        assert_eq!(last.0, *value, "{source}");
        assert_eq!(last.3, steps.to_vec(), "{source}");
    }
}

#[test]
fn reassigned_bindings_stay_unknown() {
    let found = endpoints(r#"let h = "a.example.com"; h = pick(); x = "https://" + h + "/c";"#);
    let last = found.last().unwrap();
    assert_eq!(last.0, "https://{*}/c");
    assert_eq!(last.1, K::Url);
}

#[test]
fn patterns_keep_their_known_parts() {
    let scripts = analyze_script(
        "t.js",
        ScriptInput::Stdin,
        br#"fetch("https://" + region + ".cmpassport.com/v1/collect")"#,
        &Options::default(),
    );
    let endpoint = &scripts[0].endpoints[0];
    assert_eq!(endpoint.value, "https://{*}.cmpassport.com/v1/collect");
    assert!(endpoint.pattern);
    assert_eq!(endpoint.host.as_deref(), Some("cmpassport.com"));
    assert_eq!(endpoint.sink, Some(Sink::Fetch));
}

#[test]
fn hosts_and_addresses() {
    assert_eq!(one(r#"var h = "cmpassport.com""#).1, K::Host);
    assert_eq!(one(r#"var h = "203.0.113.7""#).1, K::Ip);
    assert_eq!(one(r#"var h = "http://[2001:db8::7]:8080/x""#).1, K::Url);
    assert!(
        endpoints(r#"var a = "window.navigator", b = "app.js", c = "data:text/html,x""#).is_empty()
    );
}

#[test]
fn locations_are_line_and_utf16_column() {
    let scripts = analyze_script(
        "t.js",
        ScriptInput::Stdin,
        "// é\nvar é = 1; fetch(\"https://a.example.com/\");\n".as_bytes(),
        &Options::default(),
    );
    let location = scripts[0].endpoints[0].location;
    assert_eq!((location.start.line, location.start.column), (2, 18));
}

#[test]
fn code_run_from_strings_is_analysed() {
    let scripts = analyze_script(
        "t.js",
        ScriptInput::Stdin,
        br#"eval(atob("ZmV0Y2goImh0dHBzOi8vaGlkZGVuLmV4YW1wbGUuY29tL2MiKQ=="));"#,
        &Options::default(),
    );
    assert_eq!(scripts.len(), 2);
    assert_eq!(scripts[1].name, "t.js#eval[0]");
    let endpoint = &scripts[1].endpoints[0];
    assert_eq!(
        (endpoint.value.as_str(), endpoint.sink),
        ("https://hidden.example.com/c", Some(Sink::Fetch))
    );
    assert!(matches!(scripts[1].input, ScriptInput::Decoded { .. }));

    let written = analyze_script(
        "t.js",
        ScriptInput::Stdin,
        br#"document.write('<script src="https://w.example.com/s.js"></' + 'script>');"#,
        &Options::default(),
    );
    assert!(written[0].endpoints.iter().any(|e| e.value == "https://w.example.com/s.js" && e.sink == Some(Sink::HtmlReference)));
}
