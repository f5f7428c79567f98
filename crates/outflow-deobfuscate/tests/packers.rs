//! The packers (fixtures/obfuscation/packers): each payload is decoded
//! natively and handed back for separate analysis; string tables are inlined
//! at their read sites.

use std::path::Path;

use outflow_deobfuscate::{Options, deobfuscate, deobfuscate_source};
use oxc_allocator::Allocator;
use oxc_span::SourceType;

fn packer(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/obfuscation/packers")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn decoded(name: &str) -> Vec<outflow_deobfuscate::DecodedScript> {
    let (_, outcome) = deobfuscate_source(&packer(name), &Options::default());
    outcome.decoded_scripts
}

#[test]
fn dean_edwards_packer_is_unpacked_natively() {
    let scripts = decoded("dean-edwards.js");
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    assert_eq!(
        scripts[0].code,
        r#"navigator.sendBeacon("https://log.cmpassport.com/log/logReport","payload");"#
    );
    assert_eq!(scripts[0].how, "eval(p,a,c,k,e,d)");
}

#[test]
fn eval_of_atob_is_decoded() {
    let scripts = decoded("eval-atob.js");
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    assert_eq!(
        scripts[0].code,
        "fetch('https://www.cmpassport.com/unisdk/rsapi/getPrePhonescrip');"
    );
    assert_eq!(scripts[0].how, "eval(atob)");
    let source = packer("eval-atob.js");
    let at = scripts[0].at;
    assert!(source[at.start as usize..at.end as usize].starts_with("eval(atob("));
}

#[test]
fn function_constructor_payload_is_decoded() {
    let scripts = decoded("function-constructor.js");
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    assert_eq!(
        scripts[0].code,
        r#"new WebSocket("wss://ingest.replaytrack.io/v2/stream")"#
    );
    assert_eq!(scripts[0].how, "Function(decodeURIComponent)");
}

#[test]
fn document_write_of_a_script_tag_is_decoded() {
    let scripts = decoded("document-write.js");
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    assert!(
        scripts[0]
            .code
            .contains(r#"<script src="https://fp.devicecheck-cdn.com/api/v3/collect.js">"#)
    );
    assert_eq!(scripts[0].how, "document.write(unescape)");
}

#[test]
fn hex_string_table_reads_are_inlined_at_their_spans() {
    let source = packer("hex-table.js");
    let allocator = Allocator::default();
    let mut program = oxc_parser::Parser::new(&allocator, &source, SourceType::cjs())
        .parse()
        .program;
    let outcome = deobfuscate(&allocator, &mut program, &source, &Options::default());
    let code = oxc_codegen::Codegen::new().build(&program).code;
    assert!(
        code.contains(
            r#"navigator.sendBeacon("https://log.cmpassport.com/log", navigator.userAgent)"#
        ),
        "{code}"
    );
    assert_eq!(outcome.recovered.len(), 3, "{:?}", outcome.recovered);
    for r in &outcome.recovered {
        let text = &source[r.span.start as usize..r.span.end as usize];
        assert!(
            text.starts_with("_0xa1b2["),
            "recovered span {text:?} is not the read site"
        );
        assert_eq!(r.method, "string table");
    }
}
