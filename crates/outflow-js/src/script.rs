//! Analysing one script: parse, bind, walk, and turn byte ranges into
//! locations.

use outflow_model::{
    ApiUse, Endpoint, Obfuscation, ObfuscationSignal, ParseDiagnostic, Recovery, ScriptAnalysis,
    ScriptInput,
};
use oxc_allocator::Allocator;
use oxc_span::SourceType;
use sha2::{Digest, Sha256};

use crate::Options;
use crate::analyze::{self, MAX_NESTING, RawEndpoint};
use crate::bindings::Bindings;
use crate::endpoint::recognise;
use crate::line_index::LineIndex;
use crate::value::PartialString;

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Analyses one script given as bytes. Returns its analysis first, then
/// those of the code it builds and runs (`eval` of a decoded string and the
/// like), each named after its parent.
pub fn analyze_script(
    name: &str,
    input: ScriptInput,
    bytes: &[u8],
    options: &Options,
) -> Vec<ScriptAnalysis> {
    crate::on_analysis_stack(|| analyze_script_here(name, input, bytes, options))
}

/// [`analyze_script`] on the current thread, which must have a large stack.
pub(crate) fn analyze_script_here(
    name: &str,
    input: ScriptInput,
    bytes: &[u8],
    options: &Options,
) -> Vec<ScriptAnalysis> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut located = Located {
        document: &text,
        base: 0,
    };
    analyze_text(
        name,
        input,
        &text,
        &mut located,
        is_module_hint(name),
        options,
        0,
        &mut out,
    );
    if matches!(text, std::borrow::Cow::Owned(_))
        && let Some(first) = out.first_mut()
    {
        first.diagnostics.insert(
            0,
            ParseDiagnostic {
                message: "invalid UTF-8 replaced with U+FFFD before analysis".into(),
                location: None,
            },
        );
        // The hash is of the bytes as read, not of the repaired text.
        first.sha256 = sha256_hex(bytes);
        first.size = bytes.len() as u64;
    }
    out
}

fn is_module_hint(name: &str) -> Option<bool> {
    if name.ends_with(".mjs") {
        Some(true)
    } else if name.ends_with(".cjs") {
        Some(false)
    } else {
        None
    }
}

/// Where a script's text sits: in `document` at byte `base`, so that
/// locations of inline scripts are given in their HTML page.
pub struct Located<'d> {
    /// The whole document text.
    pub document: &'d str,
    /// Byte offset of the script in it.
    pub base: u32,
}

/// Analyses `text` and pushes its analysis, then those of decoded code.
#[allow(clippy::too_many_arguments)]
pub(crate) fn analyze_text(
    name: &str,
    input: ScriptInput,
    text: &str,
    located: &mut Located<'_>,
    module: Option<bool>,
    options: &Options,
    depth: u32,
    out: &mut Vec<ScriptAnalysis>,
) {
    let mut analysis = ScriptAnalysis {
        name: name.to_owned(),
        input,
        sha256: sha256_hex(text.as_bytes()),
        size: text.len() as u64,
        module: false,
        diagnostics: Vec::new(),
        skipped: None,
        endpoints: Vec::new(),
        api_uses: Vec::new(),
        obfuscation: Obfuscation::default(),
    };
    if text.len() > options.max_script_bytes {
        analysis.skipped = Some(format!(
            "{} bytes is over the limit of {} bytes per script (--max-script-bytes)",
            text.len(),
            options.max_script_bytes
        ));
        out.push(analysis);
        return;
    }
    let allocator = Allocator::default();
    let source_type = match module {
        Some(true) => SourceType::mjs(),
        Some(false) => SourceType::cjs(),
        None => SourceType::unambiguous(),
    };
    let mut parsed = crate::parse::parse(&allocator, text, source_type);
    // Deobfuscation rewrites the program in place; every node it replaces
    // keeps the span of the call site that produced the value, so what the
    // walk below finds is located in the original text.
    let outcome = match &options.deobfuscation {
        Some(deobfuscation) => outflow_deobfuscate::deobfuscate(
            &allocator,
            &mut parsed.program,
            parsed.text,
            deobfuscation,
        ),
        None => outflow_deobfuscate::Outcome::default(),
    };
    analysis.module = parsed.program.source_type.is_module();
    let bindings = Bindings::collect(&parsed.program);
    let findings = analyze::analyze(&parsed.program, &bindings);

    // Everything located in one sorted sweep.
    let index = LineIndex::new(located.document);
    let base = located.base;
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    let mut slot = |r: (u32, u32)| {
        ranges.push((r.0.saturating_add(base), r.1.saturating_add(base)));
        ranges.len() - 1
    };
    let error_slots: Vec<(String, Option<usize>)> = parsed
        .errors
        .iter()
        .take(50)
        .map(|e| (e.message.clone(), e.range.map(&mut slot)))
        .collect();
    let mut raw_endpoints = findings.endpoints;
    // Strings of regions the parser had to leave out.
    for &(start, end) in &parsed.blanked {
        for (literal_range, value) in
            crate::lexical::string_literals(text, start as usize, end as usize)
        {
            for found in recognise(&PartialString::known(value), None) {
                raw_endpoints.push(RawEndpoint {
                    found,
                    sink: None,
                    computed: Vec::new(),
                    range: literal_range,
                });
            }
        }
    }
    raw_endpoints.sort_by_key(|e| e.range);
    let endpoint_slots: Vec<usize> = raw_endpoints.iter().map(|e| slot(e.range)).collect();
    let mut api: Vec<_> = findings.api_uses.into_iter().collect();
    api.sort_by(|a, b| (a.0.0, a.0.1, a.0.2).cmp(&(b.0.0, b.0.1, b.0.2)));
    let api_slots: Vec<Vec<usize>> = api
        .iter()
        .map(|(_, use_)| use_.ranges.iter().map(|r| slot(*r)).collect())
        .collect();
    let (score, signals) =
        crate::obfuscation::score_with_undone(&findings.obfuscation, &outcome.undone);
    let signal_slots: Vec<Option<usize>> = signals.iter().map(|s| s.range.map(&mut slot)).collect();
    // Code built at run time: what the walk resolved (`eval` of a known
    // string) and what the deobfuscator unpacked, each once.
    let mut seen_code = std::collections::HashSet::new();
    let mut evaluated: Vec<(String, String, usize)> = Vec::new();
    for decoded in outcome.decoded_scripts {
        if seen_code.insert(decoded.code.clone()) {
            evaluated.push((
                decoded.code,
                decoded.how,
                slot((decoded.at.start, decoded.at.end)),
            ));
        }
    }
    for (code, how, r) in findings.evaluated_code {
        if seen_code.insert(code.clone()) {
            evaluated.push((code, how.to_owned(), slot(r)));
        }
    }
    let mut recovered: Vec<((u32, u32), String)> = outcome
        .recovered
        .into_iter()
        .map(|r| ((r.span.start, r.span.end), r.method))
        .collect();
    recovered.sort();
    let spans = index.locate_all(&ranges);

    analysis.diagnostics.extend(
        error_slots
            .into_iter()
            .map(|(message, at)| ParseDiagnostic {
                message,
                location: at.map(|i| spans[i]),
            }),
    );
    if !parsed.blanked.is_empty() {
        let bytes: u32 = parsed.blanked.iter().map(|(s, e)| e - s).sum();
        analysis.diagnostics.push(ParseDiagnostic {
            message: format!("{bytes} bytes could not be parsed; their string literals were scanned for endpoints"),
            location: None,
        });
    }
    if findings.too_deep {
        analysis.diagnostics.push(ParseDiagnostic {
            message: format!(
                "expressions nested deeper than {MAX_NESTING} levels were not analysed"
            ),
            location: None,
        });
    }
    for note in &outcome.notes {
        analysis.diagnostics.push(ParseDiagnostic {
            message: note.clone(),
            location: None,
        });
    }
    analysis.endpoints = raw_endpoints
        .into_iter()
        .zip(endpoint_slots)
        .map(|(e, i)| Endpoint {
            recovery: recovery_within(&recovered, e.range),
            value: e.found.value,
            kind: e.found.kind,
            host: e.found.host,
            pattern: e.found.pattern,
            sink: e.sink,
            computed: e.computed,
            location: spans[i],
        })
        .collect();
    analysis.api_uses = api
        .into_iter()
        .zip(api_slots)
        .map(|(((technique, api, access), use_), slots)| ApiUse {
            technique,
            api: api.to_owned(),
            access,
            count: use_.count,
            locations: slots.into_iter().map(|i| spans[i]).collect(),
        })
        .collect();
    let obfuscation = Obfuscation {
        score,
        signals: signals
            .into_iter()
            .zip(signal_slots)
            .map(|(s, at)| ObfuscationSignal {
                kind: s.kind,
                weight: s.weight,
                detail: s.detail,
                location: at.map(|i| spans[i]),
            })
            .collect(),
    };
    analysis.obfuscation = obfuscation;
    let parent_name = analysis.name.clone();
    let parent = out.len();
    out.push(analysis);

    if depth >= options.max_decoded_depth {
        return;
    }
    for (n, (code, how, i)) in evaluated.into_iter().enumerate() {
        let at = spans[i];
        let label: String = how
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let child_name = format!("{parent_name}#{label}[{n}]");
        let writes_html = how.starts_with("document.write");
        let input = ScriptInput::Decoded {
            parent: parent_name.clone(),
            how: if how.contains('(') {
                how.clone()
            } else {
                format!("{how}(…)")
            },
            at,
        };
        let mut child_located = Located {
            document: &code,
            base: 0,
        };
        let mut decoded = Vec::new();
        if writes_html {
            // Tags written into the page (`<script src>`, `<img src>`) are
            // destinations of the writing script, located at the write.
            let references = crate::input::analyze_html_text(
                &child_name,
                &code,
                options,
                depth + 1,
                &mut decoded,
                Some(input),
            );
            out[parent]
                .endpoints
                .extend(references.into_iter().map(|mut r| {
                    r.location = at;
                    r
                }));
        } else {
            analyze_text(
                &child_name,
                input,
                &code,
                &mut child_located,
                None,
                options,
                depth + 1,
                &mut decoded,
            );
        }
        // Decoded code is shown for what it reveals: `Function("return
        // this")` reveals nothing and would only add noise.
        out.extend(
            decoded
                .into_iter()
                .filter(|s| !s.endpoints.is_empty() || !s.api_uses.is_empty()),
        );
    }
}

/// How deobfuscation recovered a value inside `range`, if it did: the
/// method of the first recovered node the range contains.
fn recovery_within(recovered: &[((u32, u32), String)], range: (u32, u32)) -> Option<Recovery> {
    let first = recovered.partition_point(|((start, _), _)| *start < range.0);
    recovered[first..]
        .iter()
        .take_while(|((start, _), _)| *start < range.1)
        .find(|((_, end), _)| *end <= range.1)
        .map(|(_, method)| Recovery {
            method: method.clone(),
        })
}
