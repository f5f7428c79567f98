//! Deobfuscation for outflow: undoes javascript-obfuscator (obfuscator.io)
//! 4.x and 5.x output and the common packers, in place, in an oxc AST.
//!
//! The contract with the analysis that runs afterwards: every node replaced
//! by a recovered value keeps the span of the expression it replaces (the
//! decoder call site `_0x1a2b(0x1f3, 'abcd')`, the storage-object read, the
//! concatenation of split strings), so findings point into the original
//! source; [`Outcome::recovered`] lists those spans with how each value was
//! recovered.
//!
//! The machinery is found by shape, so code that shows none of the shapes
//! (minified bundles included) is returned untouched after one cheap look at
//! its top-level statements. The script's own code only ever runs inside the
//! QuickJS sandbox of [`sandbox`], under [`Options`]' CPU-time, memory and
//! stack limits; when a script fights it, the outcome carries a
//! "could not decode: <reason>" note and whatever was recovered before.

pub mod bindings;
pub mod control_flow;
pub mod listing;
pub mod native;
pub mod nesting;
pub mod object_keys;
pub mod packers;
pub mod protection;
pub mod rewrite;
pub mod sandbox;
pub mod string_array;
pub mod value;

pub use listing::{ReadError, deobfuscate_input, listing};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::time::Duration;

use oxc_allocator::Allocator;
use oxc_ast::ast::{Expression, Program, Statement};
use oxc_ast_visit::{Visit, VisitMut};
use oxc_span::{SourceType, Span};

use crate::bindings::Bindings;
use crate::rewrite::{Counts, Rewriter};
pub use crate::sandbox::Budget;
use crate::sandbox::Limits;

/// Limits and switches of one deobfuscation.
#[derive(Debug, Clone)]
pub struct Options {
    /// Wall time the whole deobfuscation of one script may take: every
    /// sandbox run (rotation and all decoder calls), every rewriting round
    /// and every decoded layer draw on this one deadline. Default 2 s.
    pub sandbox_cpu_time: Duration,
    /// Bytes of decoded strings the deobfuscation of one script may copy
    /// out of the decoders in all (each distinct string once from the
    /// sandbox, then once per call site it replaces). Default 32 MiB.
    pub max_output_bytes: usize,
    /// Heap the sandbox may use, in bytes. Default 64 MiB.
    pub sandbox_memory_bytes: usize,
    /// Native stack the sandbox may use, in bytes. Default 512 KiB.
    pub sandbox_stack_bytes: usize,
    /// Rewriting rounds (each round can expose more: decoded strings feed
    /// storage objects, which feed dispatchers). Default 8.
    pub max_rounds: u32,
    /// Layers of packed code (`eval(atob(..))` inside `eval(..)`) that
    /// [`deobfuscate_source`] decodes and prints. Default 4.
    pub max_decoded_layers: u32,
    /// How string arrays are decoded. Default [`Engine::Auto`].
    pub engine: Engine,
}

/// How string-array decoders are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// Natively when the decoders and rotator have the obfuscator's known
    /// shapes, else in the sandbox.
    #[default]
    Auto,
    /// Natively only (unknown shapes are reported, not decoded).
    Native,
    /// Always in the sandbox.
    Sandbox,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sandbox_cpu_time: Duration::from_secs(2),
            max_output_bytes: 32 << 20,
            sandbox_memory_bytes: 64 * 1024 * 1024,
            sandbox_stack_bytes: 512 * 1024,
            max_rounds: 8,
            max_decoded_layers: 4,
            engine: Engine::Auto,
        }
    }
}

impl Options {
    /// A fresh budget for one script: [`Options::sandbox_cpu_time`] from now
    /// and [`Options::max_output_bytes`].
    pub fn budget(&self) -> Budget {
        Budget::new(self.sandbox_cpu_time, self.max_output_bytes)
    }

    fn limits(&self, budget: &Budget) -> Limits {
        Limits {
            budget: budget.clone(),
            memory_bytes: self.sandbox_memory_bytes,
            stack_bytes: self.sandbox_stack_bytes,
        }
    }
}

/// What a deobfuscation did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Nodes of the mutated program that now hold a recovered value.
    pub recovered: Vec<Recovered>,
    /// What was undone, for a header: "string array (rc4, rotated, 3 wrappers)".
    pub undone: Vec<String>,
    /// Partial failures: "could not decode: <reason>".
    pub notes: Vec<String>,
    /// Code produced by packers, for separate analysis.
    pub decoded_scripts: Vec<DecodedScript>,
}

/// A node holding a recovered value, located at the original expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Span of the original expression (e.g. the decoder call) in the source.
    pub span: Span,
    /// How the value was recovered, e.g. "string array, rc4".
    pub method: String,
}

/// Code a packer builds at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedScript {
    /// The decoded code (not itself deobfuscated).
    pub code: String,
    /// How it was produced, e.g. "eval(atob)", "eval(p,a,c,k,e,d)".
    pub how: String,
    /// Span of the call that runs it (`eval(...)`, `document.write(...)`).
    pub at: Span,
}

/// Cheap look at the top level: does the program show any shape we undo?
fn looks_obfuscated(program: &Program<'_>) -> bool {
    if string_array::has_array_function(program) {
        return true;
    }
    // A string table: a top-level array of escaped strings, or of strings
    // under an obfuscator-style name (plain arrays of names are common in
    // minified bundles).
    program.body.iter().any(|s| match s {
        Statement::VariableDeclaration(d) => d.declarations.iter().any(|d| {
            let generated_name = matches!(&d.id, oxc_ast::ast::BindingPattern::BindingIdentifier(id) if id.name.starts_with("_0x"));
            matches!(&d.init, Some(Expression::ArrayExpression(a))
                if a.elements.len() >= 2
                    && a.elements.iter().all(|e| matches!(e, oxc_ast::ast::ArrayExpressionElement::StringLiteral(_)))
                    && (generated_name || a.elements.iter().any(|e| matches!(e,
                        oxc_ast::ast::ArrayExpressionElement::StringLiteral(s)
                            if s.raw.is_some_and(|raw| raw.contains("\\x") || raw.contains("\\u"))))))
        }),
        _ => false,
    })
}

/// Names of the string-array machinery still referenced from outside it.
fn kept_machinery<'a>(
    bindings: &Bindings<'a>,
    prelude: &string_array::Prelude<'a>,
) -> (HashSet<&'a str>, Vec<(&'a str, Span)>) {
    let mut machinery: Vec<(&'a str, Span)> = Vec::new();
    for (name, w) in &bindings.wrappers {
        if string_array::reaches_decoder(bindings, prelude, name)
            && !prelude.decoders.contains(name)
        {
            machinery.push((name, w.span));
        }
    }
    for (name, (_, span)) in &bindings.aliases {
        if string_array::reaches_decoder(bindings, prelude, name)
            && !prelude.decoders.contains(name)
        {
            machinery.push((name, *span));
        }
    }
    let inside = |pos: u32| {
        prelude.contains(pos) || machinery.iter().any(|(_, s)| s.start <= pos && pos < s.end)
    };
    let mut kept: HashSet<&'a str> = HashSet::default();
    let mut stack: Vec<&'a str> = Vec::new();
    for name in prelude
        .decoders
        .iter()
        .copied()
        .chain(machinery.iter().map(|(n, _)| *n))
    {
        if bindings
            .references
            .get(name)
            .is_some_and(|refs| refs.iter().any(|p| !inside(*p)))
        {
            stack.push(name);
        }
    }
    while let Some(name) = stack.pop() {
        if !kept.insert(name) {
            continue;
        }
        if let Some((target, _)) = bindings.aliases.get(name) {
            stack.push(target);
        } else if let Some(w) = bindings.wrappers.get(name) {
            stack.push(w.callee);
        }
    }
    (kept, machinery)
}

/// Deobfuscates `program` in place. `source_text` must be the text it was
/// parsed from (the sandbox runs the decoder's exact source). Never panics;
/// failures are reported in [`Outcome::notes`]. Runs under a fresh
/// [`Options::budget`]; see [`deobfuscate_within`].
pub fn deobfuscate<'a>(
    allocator: &'a Allocator,
    program: &mut Program<'a>,
    source_text: &'a str,
    options: &Options,
) -> Outcome {
    deobfuscate_within(allocator, program, source_text, options, &options.budget())
}

/// [`deobfuscate`] drawing on `budget`, which the caller shares between a
/// script and the code decoded from it. When the budget runs out the
/// outcome carries "could not decode: <reason>" and keeps what earlier
/// rounds recovered.
pub fn deobfuscate_within<'a>(
    allocator: &'a Allocator,
    program: &mut Program<'a>,
    source_text: &'a str,
    options: &Options,
    budget: &Budget,
) -> Outcome {
    let mut outcome = Outcome::default();
    outcome.decoded_scripts = packers::find(program, &mut outcome.notes);
    // A literal handed to eval or Function is code to analyse, not a packer.
    let mut hows: Vec<String> = outcome
        .decoded_scripts
        .iter()
        .filter(|d| d.how.contains('('))
        .map(|d| format!("packer: {}", d.how))
        .collect();
    hows.dedup();
    outcome.undone.extend(hows);
    if !looks_obfuscated(program) {
        return outcome;
    }
    rewrite::split_top_level_sequences(program, allocator);
    let mut total = Counts::default();
    let mut string_array_summary: Option<String> = None;
    let mut inlined_objects: HashSet<&'a str> = HashSet::default();
    let mut inlined_keys: HashSet<(&'a str, &'a str)> = HashSet::default();
    let mut sandbox_failed = false;
    let mut spare = Bindings::default();
    for round in 0..options.max_rounds.max(1) {
        if let Some(reason) = budget.exhausted() {
            outcome.notes.push(format!(
                "could not decode: {reason} after {round} rewriting rounds; partial results kept"
            ));
            break;
        }
        let bindings =
            Bindings::collect_reusing(allocator, &program.body, std::mem::take(&mut spare));
        let mut strings: HashMap<Span, (String, String)> = HashMap::default();
        let mut remove: HashSet<Span> = HashSet::default();
        if let Some(prelude) = string_array::find_prelude(program, Some(&bindings)) {
            let (kept, machinery) = kept_machinery(&bindings, &prelude);
            if !kept.is_empty() && !sandbox_failed {
                match string_array::decode(
                    program,
                    source_text,
                    &bindings,
                    &prelude,
                    &options.limits(budget),
                    options.engine,
                ) {
                    Ok(decoded) => {
                        if string_array_summary.is_none() && !decoded.strings.is_empty() {
                            let mut parts = vec![prelude.encoding.clone()];
                            if prelude.rotated {
                                parts.push("rotated".into());
                            }
                            if decoded.wrapper_names > 0 {
                                parts.push(format!(
                                    "{} wrappers, chains up to {}",
                                    decoded.wrapper_names, decoded.max_wrappers
                                ));
                            }
                            parts.push(format!("{} call sites", decoded.strings.len()));
                            string_array_summary =
                                Some(format!("string array ({})", parts.join(", ")));
                        }
                        if decoded.unresolved > 0 {
                            outcome.notes.push(format!(
                                "could not decode: {} string-array call sites have arguments only known at run time (at bytes {:?})",
                                decoded.unresolved, decoded.unresolved_at
                            ));
                        }
                        if decoded.over_budget > 0 {
                            outcome.notes.push(format!(
                                "could not decode: {} string-array call sites: output budget of {} bytes used up",
                                decoded.over_budget,
                                budget.output_bytes()
                            ));
                        }
                        if decoded.failed > 0 {
                            let reason = match &decoded.first_error {
                                Some(error) => format!("the decoder threw ({error})"),
                                None => "the decoder returned no string".to_string(),
                            };
                            outcome.notes.push(format!(
                                "could not decode: {} string-array call sites: {reason}",
                                decoded.failed
                            ));
                        }
                        strings = decoded.strings;
                    }
                    Err(error) => {
                        sandbox_failed = true;
                        outcome
                            .notes
                            .push(format!("could not decode: string array: {error}"));
                    }
                }
            }
            for (name, span) in &machinery {
                if !kept.contains(name) {
                    remove.insert(*span);
                }
            }
            if !prelude.decoders.iter().any(|d| kept.contains(d)) {
                remove.extend(prelude.statements.iter().copied());
            }
        }
        // Argument objects and storage objects left without readers.
        for (name, object) in &bindings.objects {
            if bindings.object_is_inlinable(name) && bindings.reference_count(name) > 0 {
                inlined_objects.insert(*name);
            } else if bindings.reference_count(name) == 0
                && bindings.declared.get(name) == Some(&1)
                && (inlined_objects.contains(name) || !object.entries.is_empty())
                && object.entries.iter().all(|(key, entry)| match entry {
                    // Keep objects that may hold a latent endpoint: a string
                    // neither read anywhere nor present elsewhere (an unused
                    // config entry) stays, and so does any code.
                    bindings::ObjectEntry::Value(value::Value::Str(v)) => {
                        // Object entries are evaluated exactly: fully known.
                        let v = v.as_known().unwrap_or_default();
                        key.starts_with("_0x")
                            || inlined_keys.contains(&(*name, *key))
                            || bindings.string_counts.get(v).is_some_and(|n| *n >= 2)
                            || protection::MARKERS.contains(&v)
                    }
                    bindings::ObjectEntry::Value(_) => true,
                    bindings::ObjectEntry::Function { body, .. } => {
                        !bindings::has_string_literal(body)
                    }
                    bindings::ObjectEntry::Other => false,
                })
            {
                remove.insert(object.span);
                remove.extend(object.init_statements.iter().copied());
            }
        }
        let mut rewriter = Rewriter::new(allocator, &strings, &bindings, &remove);
        rewriter.visit_program(program);
        outcome.recovered.extend(rewriter.recovered);
        inlined_keys.extend(rewriter.inlined_keys);
        let counts = rewriter.counts;
        let changed = counts.changed();
        accumulate(&mut total, &counts);
        spare = bindings;
        if !changed {
            break;
        }
    }
    if let Some(summary) = string_array_summary {
        outcome.undone.push(summary);
    }
    describe(&total, &mut outcome.undone);
    keep_live_recoveries(program, &mut outcome.recovered);
    outcome
}

fn accumulate(total: &mut Counts, round: &Counts) {
    total.strings += round.strings;
    total.folded += round.folded;
    total.storage += round.storage;
    total.table += round.table;
    total.dead_branches += round.dead_branches;
    total.unflattened += round.unflattened;
    total.removed += round.removed;
    total.protection += round.protection;
    total.members += round.members;
    total.object_keys += round.object_keys;
}

fn describe(total: &Counts, undone: &mut Vec<String>) {
    let mut push = |n: usize, what: &str| {
        if n > 0 {
            undone.push(format!("{what} ({n})"));
        }
    };
    push(total.table, "string table reads inlined");
    push(
        total.folded,
        "constant expressions folded (numbers to expressions, split strings)",
    );
    push(total.storage, "control-flow storage objects inlined");
    push(
        total.unflattened,
        "control-flow flattening undone (dispatchers)",
    );
    push(
        total.dead_branches,
        "dead-code branches removed (opaque predicates)",
    );
    push(
        total.protection,
        "self-defending / debug-protection helpers removed",
    );
    push(
        total.object_keys,
        "object keys moved back into literals (transform object keys)",
    );
    push(total.members, "computed member keys written as properties");
}

/// Keeps only the recoveries whose node is still in the final program (a
/// later fold can absorb an earlier one).
fn keep_live_recoveries(program: &Program<'_>, recovered: &mut Vec<Recovered>) {
    struct Literals(HashSet<Span>, u32);
    impl<'a> Visit<'a> for Literals {
        fn visit_expression(&mut self, it: &Expression<'a>) {
            if self.1 > bindings::MAX_WALK_DEPTH {
                return;
            }
            self.1 += 1;
            oxc_ast_visit::walk::walk_expression(self, it);
            self.1 -= 1;
        }
        fn visit_string_literal(&mut self, it: &oxc_ast::ast::StringLiteral<'a>) {
            self.0.insert(it.span);
        }
        // `o['key']` written as `o.key` keeps the recovered key's span.
        fn visit_identifier_name(&mut self, it: &oxc_ast::ast::IdentifierName<'a>) {
            self.0.insert(it.span);
        }
    }
    let mut literals = Literals(HashSet::default(), 0);
    literals.visit_program(program);
    let mut seen = HashSet::default();
    recovered.retain(|r| literals.0.contains(&r.span) && seen.insert(r.span));
    recovered.sort_by_key(|r| (r.span.start, r.span.end));
}

/// Parses `source_text` as a classic script, deobfuscates it and prints it
/// with oxc_codegen. Packed layers are decoded, deobfuscated and appended
/// (up to [`Options::max_decoded_layers`]), each after a comment line.
/// Code that does not parse is returned as is, with a note, and so is code
/// nested deeper than [`nesting::MAX_NESTING`] levels. Runs on a thread
/// with [`nesting::STACK_BYTES`] of stack, under one [`Options::budget`] for
/// the script and all its layers.
pub fn deobfuscate_source(source_text: &str, options: &Options) -> (String, Outcome) {
    let budget = options.budget();
    nesting::on_large_stack(|| deobfuscate_source_within(source_text, options, &budget))
}

fn deobfuscate_source_within(
    source_text: &str,
    options: &Options,
    budget: &Budget,
) -> (String, Outcome) {
    if let Some((start, _)) = nesting::deep_region(source_text, nesting::MAX_NESTING) {
        let outcome = Outcome {
            notes: vec![format!(
                "could not decode: nesting deeper than {} levels (at byte {start}): not analysed beyond; the script is shown as written",
                nesting::MAX_NESTING
            )],
            ..Outcome::default()
        };
        return (source_text.to_string(), outcome);
    }
    let allocator = Allocator::default();
    let parsed = oxc_parser::Parser::new(&allocator, source_text, SourceType::cjs()).parse();
    if parsed.panicked {
        let outcome = Outcome {
            notes: vec!["could not decode: the script does not parse".into()],
            ..Outcome::default()
        };
        return (source_text.to_string(), outcome);
    }
    let mut program = parsed.program;
    let mut outcome = deobfuscate_within(&allocator, &mut program, source_text, options, budget);
    if nesting::ast_deeper_than(&program, nesting::MAX_NESTING) {
        // Printing recurses once per level of a left-deep chain too.
        outcome.notes.push(format!(
            "could not decode: expressions nested deeper than {} levels: not printed; the script is shown as written",
            nesting::MAX_NESTING
        ));
        return (source_text.to_string(), outcome);
    }
    if !parsed.diagnostics.is_empty() {
        outcome.notes.push(format!(
            "the script has {} syntax errors; deobfuscated what parsed",
            parsed.diagnostics.len()
        ));
    }
    let mut code = oxc_codegen::Codegen::new().build(&program).code;
    if options.max_decoded_layers > 0 {
        let inner = Options {
            max_decoded_layers: options.max_decoded_layers - 1,
            ..options.clone()
        };
        for script in &outcome.decoded_scripts {
            if script.how.starts_with("document.write") {
                // HTML, not JavaScript: shown as it would be written.
                code.push_str(&format!(
                    "\n/* ---- HTML written by {} at byte {} ----\n",
                    script.how, script.at.start
                ));
                code.push_str(&script.code.replace("*/", "*\\/"));
                code.push_str("\n*/\n");
                continue;
            }
            let (decoded, nested) = deobfuscate_source_within(&script.code, &inner, budget);
            code.push_str(&format!(
                "\n// ---- code decoded from {} at byte {} ----\n",
                script.how, script.at.start
            ));
            code.push_str(&decoded);
            for note in nested.notes {
                outcome
                    .notes
                    .push(format!("in code decoded from {}: {note}", script.how));
            }
            for undone in nested.undone {
                outcome
                    .undone
                    .push(format!("in code decoded from {}: {undone}", script.how));
            }
        }
    }
    (code, outcome)
}
