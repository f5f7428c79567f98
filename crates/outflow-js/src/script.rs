//! Analysing one script: parse, bind, walk, and turn byte ranges into
//! locations.

use outflow_model::{
    ApiUse, Endpoint, Obfuscation, ObfuscationSignal, ParseDiagnostic, Recovery, ScriptAnalysis,
    ScriptInput, SourceSpan,
};
use oxc_allocator::Allocator;
use oxc_span::SourceType;
use sha2::{Digest, Sha256};

use crate::Options;
use crate::analyze::{self, MAX_NESTING, RawEndpoint};
use crate::endpoint::recognise;
use crate::line_index::LineIndex;
use crate::obfuscation::RawSignal;
use outflow_js_value::Bindings;
use outflow_js_value::value::PartialString;

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
    analyze_text(
        ScriptText {
            module: is_module_hint(name),
            ..ScriptText::standalone(name, input, &text, options, 0)
        },
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

/// One script text to analyse and what [`analyze_text`] must know about it.
pub(crate) struct ScriptText<'s> {
    /// The name its analysis carries (`page.html#script[0]`).
    pub name: &'s str,
    /// Where the text came from.
    pub input: ScriptInput,
    /// The script itself.
    pub text: &'s str,
    /// Where the text sits, for locations.
    pub located: Located<'s>,
    /// Whether it is a module; `None` lets the parser decide.
    pub module: Option<bool>,
    /// Limits and switches of the analysis.
    pub options: &'s Options,
    /// Layers of decoded code above this one (0 for a script as read).
    pub depth: u32,
    /// The deobfuscation budget of the script this code was decoded from:
    /// a script and all code decoded from it share one. `None` starts one.
    pub budget: Option<outflow_deobfuscate::Budget>,
}

impl<'s> ScriptText<'s> {
    /// A script that is a whole document by itself (a file, a string of a
    /// JSON document, decoded code), located from its first byte, whose
    /// kind (module or script) the parser decides.
    pub fn standalone(
        name: &'s str,
        input: ScriptInput,
        text: &'s str,
        options: &'s Options,
        depth: u32,
    ) -> Self {
        Self {
            name,
            input,
            text,
            located: Located {
                document: text,
                base: 0,
            },
            module: None,
            options,
            depth,
            budget: None,
        }
    }

    /// The same script drawing on `budget`.
    pub fn with_budget(self, budget: Option<outflow_deobfuscate::Budget>) -> Self {
        Self { budget, ..self }
    }
}

/// Analyses a script's text and pushes its analysis, then those of the code
/// it builds and runs, in four steps: [`parse_and_walk`], [`Pending::collect`]
/// (every byte range that needs a location), [`Pending::fill`] (the
/// analysis, located in one sorted sweep) and [`analyze_decoded`].
pub(crate) fn analyze_text(script: ScriptText<'_>, out: &mut Vec<ScriptAnalysis>) {
    let mut analysis = empty_analysis(&script);
    if let Some(reason) = over_size_limit(script.text, script.options) {
        analysis.skipped = Some(reason);
        out.push(analysis);
        return;
    }
    let allocator = Allocator::default();
    let budget = script.budget.clone().or_else(|| {
        script
            .options
            .deobfuscation
            .as_ref()
            .map(outflow_deobfuscate::Options::budget)
    });
    let walked = parse_and_walk(&allocator, &script, budget.as_ref());
    analysis.module = walked.module;
    let mut ranges = Ranges::at(script.located.base);
    let pending = Pending::collect(walked, script.text, &mut ranges);
    let spans = LineIndex::new(script.located.document).locate_all(&ranges.ranges);
    let evaluated = pending.fill(&mut analysis, &spans);
    let parent = out.len();
    out.push(analysis);
    analyze_decoded(&script, parent, evaluated, &spans, budget.as_ref(), out);
}

/// The analysis of `script` before anything is found in it.
fn empty_analysis(script: &ScriptText<'_>) -> ScriptAnalysis {
    ScriptAnalysis {
        name: script.name.to_owned(),
        input: script.input.clone(),
        sha256: sha256_hex(script.text.as_bytes()),
        size: script.text.len() as u64,
        module: false,
        diagnostics: Vec::new(),
        skipped: None,
        endpoints: Vec::new(),
        api_uses: Vec::new(),
        obfuscation: Obfuscation::default(),
    }
}

/// Why `text` is not analysed, when it is larger than the options allow.
fn over_size_limit(text: &str, options: &Options) -> Option<String> {
    (text.len() > options.max_script_bytes).then(|| {
        format!(
            "{} bytes is over the limit of {} bytes per script (--max-script-bytes)",
            text.len(),
            options.max_script_bytes
        )
    })
}

/// What parsing, deobfuscation and the walk left, owned, so that the
/// program's arena can go before decoded code is analysed.
struct Walked {
    module: bool,
    errors: Vec<crate::parse::SyntaxError>,
    blanked: Vec<(u32, u32)>,
    findings: analyze::Findings,
    outcome: outflow_deobfuscate::Outcome,
}

/// Parses the script, deobfuscates it in place and walks it.
fn parse_and_walk(
    allocator: &Allocator,
    script: &ScriptText<'_>,
    budget: Option<&outflow_deobfuscate::Budget>,
) -> Walked {
    let source_type = match script.module {
        Some(true) => SourceType::mjs(),
        Some(false) => SourceType::cjs(),
        None => SourceType::unambiguous(),
    };
    let mut parsed = crate::parse::parse(allocator, script.text, source_type);
    // Deobfuscation rewrites the program in place; every node it replaces
    // keeps the span of the call site that produced the value, so what the
    // walk below finds is located in the original text.
    let outcome = match (&script.options.deobfuscation, budget) {
        (Some(deobfuscation), Some(budget)) => outflow_deobfuscate::deobfuscate_within(
            allocator,
            &mut parsed.program,
            parsed.text,
            deobfuscation,
            budget,
        ),
        _ => outflow_deobfuscate::Outcome::default(),
    };
    let bindings = Bindings::collect(&parsed.program);
    let findings = analyze::analyze(&parsed.program, &bindings);
    Walked {
        module: parsed.program.source_type.is_module(),
        errors: parsed.errors,
        blanked: parsed.blanked,
        findings,
        outcome,
    }
}

/// Byte ranges waiting for a location, shifted to the document; each is
/// known by its index in the list.
struct Ranges {
    base: u32,
    ranges: Vec<(u32, u32)>,
}

impl Ranges {
    fn at(base: u32) -> Self {
        Self {
            base,
            ranges: Vec::new(),
        }
    }

    /// Adds a range of the script and returns its index.
    fn slot(&mut self, r: (u32, u32)) -> usize {
        self.ranges
            .push((r.0.saturating_add(self.base), r.1.saturating_add(self.base)));
        self.ranges.len() - 1
    }
}

/// Code a script builds and runs: (code, how, index of its range).
type Evaluated = Vec<(String, String, usize)>;

/// Everything found in a script, each with the index of its range in
/// [`Ranges`] in place of a location.
struct Pending {
    errors: Vec<(String, Option<usize>)>,
    blanked_bytes: Option<u32>,
    too_deep: bool,
    notes: Vec<String>,
    endpoints: Vec<(RawEndpoint, usize)>,
    api: Vec<(ApiKey, analyze::RawApiUse, Vec<usize>)>,
    score: f64,
    signals: Vec<(RawSignal, Option<usize>)>,
    evaluated: Evaluated,
    recovered: Vec<((u32, u32), String)>,
}

/// An API use's key: (technique, api, access).
type ApiKey = (
    outflow_model::Technique,
    &'static str,
    outflow_model::Access,
);

impl Pending {
    /// Sorts what `walked` found and registers every range in `ranges`.
    fn collect(walked: Walked, text: &str, ranges: &mut Ranges) -> Self {
        let Walked {
            errors,
            blanked,
            findings,
            outcome,
            ..
        } = walked;
        let errors = errors
            .into_iter()
            .take(50)
            .map(|e| (e.message, e.range.map(|r| ranges.slot(r))))
            .collect();
        let mut raw_endpoints = findings.endpoints;
        raw_endpoints.extend(blanked_endpoints(text, &blanked));
        raw_endpoints.sort_by_key(|e| e.range);
        let endpoints = raw_endpoints
            .into_iter()
            .map(|e| {
                let at = ranges.slot(e.range);
                (e, at)
            })
            .collect();
        let mut api: Vec<_> = findings.api_uses.into_iter().collect();
        api.sort_by(|a, b| (a.0.0, a.0.1, a.0.2).cmp(&(b.0.0, b.0.1, b.0.2)));
        let api = api
            .into_iter()
            .map(|(key, use_)| {
                let at = use_.ranges.iter().map(|r| ranges.slot(*r)).collect();
                (key, use_, at)
            })
            .collect();
        let (score, signals) =
            crate::obfuscation::score_with_undone(&findings.obfuscation, &outcome.undone);
        let signals = signals
            .into_iter()
            .map(|s| {
                let at = s.range.map(|r| ranges.slot(r));
                (s, at)
            })
            .collect();
        let evaluated = decoded_code(outcome.decoded_scripts, findings.evaluated_code, ranges);
        let mut recovered: Vec<((u32, u32), String)> = outcome
            .recovered
            .into_iter()
            .map(|r| ((r.span.start, r.span.end), r.method))
            .collect();
        recovered.sort();
        Self {
            errors,
            blanked_bytes: (!blanked.is_empty()).then(|| blanked.iter().map(|(s, e)| e - s).sum()),
            too_deep: findings.too_deep,
            notes: outcome.notes,
            endpoints,
            api,
            score,
            signals,
            evaluated,
            recovered,
        }
    }

    /// Writes the findings, located by `spans`, into `analysis`; returns
    /// the code the script builds and runs.
    fn fill(self, analysis: &mut ScriptAnalysis, spans: &[SourceSpan]) -> Evaluated {
        analysis.diagnostics.extend(
            self.errors
                .into_iter()
                .map(|(message, at)| ParseDiagnostic {
                    message,
                    location: at.map(|i| spans[i]),
                }),
        );
        if let Some(bytes) = self.blanked_bytes {
            analysis.diagnostics.push(ParseDiagnostic {
                message: format!("{bytes} bytes could not be parsed; their string literals were scanned for endpoints"),
                location: None,
            });
        }
        if self.too_deep {
            analysis.diagnostics.push(ParseDiagnostic {
                message: format!(
                    "expressions nested deeper than {MAX_NESTING} levels were not analysed"
                ),
                location: None,
            });
        }
        for note in self.notes {
            analysis.diagnostics.push(ParseDiagnostic {
                message: note,
                location: None,
            });
        }
        let recovered = self.recovered;
        analysis.endpoints = self
            .endpoints
            .into_iter()
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
        analysis.api_uses = self
            .api
            .into_iter()
            .map(|((technique, api, access), use_, slots)| ApiUse {
                technique,
                api: api.to_owned(),
                access,
                count: use_.count,
                locations: slots.into_iter().map(|i| spans[i]).collect(),
            })
            .collect();
        analysis.obfuscation = Obfuscation {
            score: self.score,
            signals: self
                .signals
                .into_iter()
                .map(|(s, at)| ObfuscationSignal {
                    kind: s.kind,
                    weight: s.weight,
                    detail: s.detail,
                    location: at.map(|i| spans[i]),
                })
                .collect(),
        };
        self.evaluated
    }
}

/// Endpoints named by string literals of the regions the parser had to
/// leave out.
fn blanked_endpoints(text: &str, blanked: &[(u32, u32)]) -> Vec<RawEndpoint> {
    let mut out = Vec::new();
    for &(start, end) in blanked {
        for (literal_range, value) in
            crate::lexical::string_literals(text, start as usize, end as usize)
        {
            for found in recognise(&PartialString::known(value), None) {
                out.push(RawEndpoint {
                    found,
                    sink: None,
                    computed: Vec::new(),
                    range: literal_range,
                });
            }
        }
    }
    out
}

/// Code built at run time: what the deobfuscator unpacked and what the walk
/// resolved (`eval` of a known string), each once.
fn decoded_code(
    unpacked: Vec<outflow_deobfuscate::DecodedScript>,
    resolved: Vec<(String, &'static str, (u32, u32))>,
    ranges: &mut Ranges,
) -> Evaluated {
    let mut seen_code = std::collections::HashSet::new();
    let mut evaluated = Vec::new();
    for decoded in unpacked {
        if seen_code.insert(decoded.code.clone()) {
            let at = ranges.slot((decoded.at.start, decoded.at.end));
            evaluated.push((decoded.code, decoded.how, at));
        }
    }
    for (code, how, r) in resolved {
        if seen_code.insert(code.clone()) {
            let at = ranges.slot(r);
            evaluated.push((code, how.to_owned(), at));
        }
    }
    evaluated
}

/// Analyses the code the script at `out[parent]` builds and runs, up to
/// the options' depth; HTML it writes adds destinations to the parent.
fn analyze_decoded(
    script: &ScriptText<'_>,
    parent: usize,
    evaluated: Evaluated,
    spans: &[SourceSpan],
    budget: Option<&outflow_deobfuscate::Budget>,
    out: &mut Vec<ScriptAnalysis>,
) {
    if script.depth >= script.options.max_decoded_depth {
        return;
    }
    let parent_name = script.name;
    for (n, (code, how, i)) in evaluated.into_iter().enumerate() {
        let at = spans[i];
        let label: String = how
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let child_name = format!("{parent_name}#{label}[{n}]");
        let writes_html = how.starts_with("document.write");
        let input = ScriptInput::Decoded {
            parent: parent_name.to_owned(),
            how: if how.contains('(') {
                how.clone()
            } else {
                format!("{how}(…)")
            },
            at,
        };
        let mut decoded = Vec::new();
        if writes_html {
            // Tags written into the page (`<script src>`, `<img src>`) are
            // destinations of the writing script, located at the write.
            let references = crate::input::analyze_html_text(
                &child_name,
                &code,
                script.options,
                script.depth + 1,
                &mut decoded,
                Some(input),
                budget,
            );
            out[parent]
                .endpoints
                .extend(references.into_iter().map(|mut r| {
                    r.location = at;
                    r
                }));
        } else {
            analyze_text(
                ScriptText::standalone(&child_name, input, &code, script.options, script.depth + 1)
                    .with_budget(budget.cloned()),
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
