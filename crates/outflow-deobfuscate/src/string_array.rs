//! javascript-obfuscator's string array: the array function, its rotator and
//! its decoders, found by shape among the top-level statements, then every
//! call site (through wrappers, aliases and argument objects) decoded in one
//! sandboxed batch that runs the script's own array, rotator and decoder
//! code, verbatim, so that self-defending checks over `toString()` see the
//! compact source they expect.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use oxc_ast::ast::{
    Argument, CallExpression, Expression, Function, Program, Statement, VariableDeclarationKind,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span};

use crate::bindings::{Bindings, MAX_WALK_DEPTH, ObjectScope};
use crate::sandbox::{self, Limits, SandboxError};
use crate::value::{Value, evaluate, evaluate_argument};
use outflow_js_value::number_to_string;

/// Deepest wrapper chain followed (the obfuscator emits at most a handful).
const MAX_CHAIN: u32 = 16;

/// The string array's machinery, by top-level statement.
pub struct Prelude<'a> {
    /// Name of the function returning the array.
    pub array_fn: &'a str,
    /// Names of the decoder functions.
    pub decoders: Vec<&'a str>,
    /// Spans of the statements that make up the machinery, in source order.
    pub statements: Vec<Span>,
    /// What the sandbox runs: spans of the declarations, and of the rotator's
    /// expression (flagged `true`, run in parentheses).
    pub code: Vec<(Span, bool)>,
    /// Encoding read off the decoders' code: "none", "base64", "rc4" or a mix.
    pub encoding: String,
    /// Whether a rotator was found.
    pub rotated: bool,
}

impl Prelude<'_> {
    /// Whether `offset` lies in the machinery.
    pub fn contains(&self, offset: u32) -> bool {
        self.statements
            .iter()
            .any(|s| s.start <= offset && offset < s.end)
    }
}

/// `function A() { var x = ['..', ...]; A = function () { return x; }; return A(); }`
fn array_function_name<'a>(statement: &Statement<'a>) -> Option<&'a str> {
    let Statement::FunctionDeclaration(f) = statement else {
        return None;
    };
    let name = f.id.as_ref()?.name.as_str();
    let body = f.body.as_ref()?;
    let has_array = body.statements.iter().any(|s| match s {
        Statement::VariableDeclaration(d) => d.declarations.iter().any(|d| {
            matches!(&d.init, Some(Expression::ArrayExpression(a))
                if a.elements.iter().all(|e| matches!(e, oxc_ast::ast::ArrayExpressionElement::StringLiteral(_))))
        }),
        _ => false,
    });
    let reassigns_itself = body.statements.iter().any(|s| match s {
        Statement::ExpressionStatement(e) => matches!(&e.expression,
            Expression::AssignmentExpression(a) if matches!(&a.left,
                oxc_ast::ast::AssignmentTarget::AssignmentTargetIdentifier(id) if id.name == name)),
        _ => false,
    });
    (has_array && reassigns_itself).then_some(name)
}

/// Finds calls of one name anywhere below a node.
struct CallsOf<'n> {
    names: &'n [&'n str],
    found: bool,
    depth: u32,
}

impl<'a> Visit<'a> for CallsOf<'_> {
    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.found || self.depth > MAX_WALK_DEPTH {
            return;
        }
        self.depth += 1;
        walk::walk_expression(self, it);
        self.depth -= 1;
    }
    fn visit_identifier_reference(&mut self, it: &oxc_ast::ast::IdentifierReference<'a>) {
        if self.names.contains(&it.name.as_str()) {
            self.found = true;
        }
    }
}

fn mentions<'a>(statement: &Statement<'a>, names: &[&str]) -> bool {
    let mut v = CallsOf {
        names,
        found: false,
        depth: 0,
    };
    v.visit_statement(statement);
    v.found
}

fn function_of<'s, 'a>(statement: &'s Statement<'a>) -> Option<(&'a str, &'s Function<'a>)> {
    match statement {
        Statement::FunctionDeclaration(f) => Some((f.id.as_ref()?.name.as_str(), f)),
        Statement::VariableDeclaration(d)
            if d.declarations.len() == 1 && d.kind != VariableDeclarationKind::Using =>
        {
            let d = &d.declarations[0];
            let oxc_ast::ast::BindingPattern::BindingIdentifier(id) = &d.id else {
                return None;
            };
            match &d.init {
                Some(Expression::FunctionExpression(f)) => Some((id.name.as_str(), f)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// What a decoder's literals say about its encoding.
struct Literals {
    base64: bool,
    byte_loop: bool,
}

impl<'a> Visit<'a> for Literals {
    fn visit_string_literal(&mut self, it: &oxc_ast::ast::StringLiteral<'a>) {
        if it.value.as_str() == "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="
        {
            self.base64 = true;
        }
    }
    fn visit_binary_expression(&mut self, it: &oxc_ast::ast::BinaryExpression<'a>) {
        // numbersToExpressions writes 256 as arithmetic.
        if crate::value::evaluate_binary(it) == Some(Value::Num(256.0)) {
            self.byte_loop = true;
        }
        walk::walk_binary_expression(self, it);
    }
    fn visit_numeric_literal(&mut self, it: &oxc_ast::ast::NumericLiteral<'a>) {
        // RC4's key schedule walks 256 states.
        if it.value == 256.0 {
            self.byte_loop = true;
        }
    }
}

/// `(function (a, t) {...}(A, 0x12345))`: a call taking the array function
/// itself. Anything else that mentions the array function is not machinery
/// (and so is never run in the sandbox nor removed).
fn is_rotator_call(expr: &Expression<'_>, array_fn: &str) -> bool {
    let mut expr = expr;
    loop {
        match expr {
            Expression::ParenthesizedExpression(p) => expr = &p.expression,
            Expression::UnaryExpression(u) => expr = &u.argument,
            _ => break,
        }
    }
    let Expression::CallExpression(call) = expr else {
        return false;
    };
    call.arguments
        .iter()
        .any(|a| matches!(a, oxc_ast::ast::Argument::Identifier(id) if id.name == array_fn))
}

/// Whether a top-level statement has the array function's shape (the cheap
/// first look at a program).
pub fn has_array_function(program: &Program<'_>) -> bool {
    machinery_scope(program)
        .iter()
        .any(|s| array_function_name(s).is_some())
}

/// The body of an immediately invoked function at the top level
/// (`(function(){...})()`, `!function(){...}()`), where
/// bundlers put obfuscated modules.
fn iife_body<'s, 'a>(statement: &'s Statement<'a>) -> Option<&'s [Statement<'a>]> {
    let Statement::ExpressionStatement(es) = statement else {
        return None;
    };
    let mut expr = &es.expression;
    loop {
        match expr {
            Expression::ParenthesizedExpression(p) => expr = &p.expression,
            Expression::UnaryExpression(u) => expr = &u.argument,
            _ => break,
        }
    }
    let Expression::CallExpression(call) = expr else {
        return None;
    };
    let mut callee = &call.callee;
    while let Expression::ParenthesizedExpression(p) = callee {
        callee = &p.expression;
    }
    match callee {
        Expression::FunctionExpression(f) => f.body.as_ref().map(|b| b.statements.as_slice()),
        _ => None,
    }
}

/// The statement list holding the string-array machinery: the program's
/// top level, or the body of a top-level IIFE when only it has the array
/// function.
pub fn machinery_scope<'s, 'a>(program: &'s Program<'a>) -> &'s [Statement<'a>] {
    if program
        .body
        .iter()
        .any(|s| array_function_name(s).is_some())
    {
        return &program.body;
    }
    program
        .body
        .iter()
        .filter_map(iife_body)
        .find(|body| body.iter().any(|s| array_function_name(s).is_some()))
        .unwrap_or(&program.body)
}

/// Finds the string array machinery among the top-level statements. With
/// `bindings`, a statement mentions the array function when one of its
/// recorded references lies inside it (no walk).
pub fn find_prelude<'a>(
    program: &Program<'a>,
    bindings: Option<&Bindings<'a>>,
) -> Option<Prelude<'a>> {
    let body = machinery_scope(program);
    let (array_index, array_fn) = body
        .iter()
        .enumerate()
        .find_map(|(i, s)| array_function_name(s).map(|n| (i, n)))?;
    let mut statements = vec![body[array_index].span()];
    let mut code = vec![(body[array_index].span(), false)];
    let mut decoders = Vec::new();
    let mut rotated = false;
    for (i, statement) in body.iter().enumerate() {
        let mentioned = match bindings {
            Some(b) => {
                let span = statement.span();
                b.references
                    .get(array_fn)
                    .is_some_and(|refs| refs.iter().any(|p| span.start <= *p && *p < span.end))
            }
            None => mentions(statement, &[array_fn]),
        };
        if i == array_index || !mentioned {
            continue;
        }
        if let Some((name, _)) = function_of(statement) {
            decoders.push(name);
            statements.push(statement.span());
            code.push((statement.span(), false));
        } else if let Statement::ExpressionStatement(es) = statement
            && is_rotator_call(&es.expression, array_fn)
        {
            // The rotator receives the array function as an argument.
            rotated = true;
            statements.push(statement.span());
            code.push((es.expression.span(), true));
        }
    }
    if decoders.is_empty() {
        return None;
    }
    statements.sort_by_key(|s| s.start);
    code.sort_by_key(|(s, _)| s.start);
    let mut encodings = Vec::new();
    for statement in body.iter() {
        if let Some((name, _)) = function_of(statement)
            && decoders.contains(&name)
        {
            let mut literals = Literals {
                base64: false,
                byte_loop: false,
            };
            literals.visit_statement(statement);
            let base64 = literals.base64;
            let rc4 = base64 && literals.byte_loop;
            encodings.push(if rc4 {
                "rc4"
            } else if base64 {
                "base64"
            } else {
                "none"
            });
        }
    }
    encodings.sort_unstable();
    encodings.dedup();
    Some(Prelude {
        array_fn,
        decoders,
        statements,
        code,
        encoding: encodings.join("+"),
        rotated,
    })
}

/// A decoder call, after following wrappers: which decoder, which arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<'a> {
    /// The decoder finally called.
    pub decoder: &'a str,
    /// Its arguments.
    pub args: Vec<Value>,
    /// Wrappers followed to reach it.
    pub wrappers: u32,
}

/// Follows aliases and wrappers from a call of `name` with `args` to the
/// decoder call it amounts to.
pub fn resolve<'a>(
    bindings: &Bindings<'a>,
    prelude: &Prelude<'a>,
    name: &'a str,
    args: Vec<Value>,
    depth: u32,
) -> Option<Resolved<'a>> {
    if depth > MAX_CHAIN || !bindings.is_constant(name) {
        return None;
    }
    if prelude.decoders.contains(&name) {
        return Some(Resolved {
            decoder: name,
            args,
            wrappers: depth,
        });
    }
    if let Some((target, _)) = bindings.aliases.get(name) {
        return resolve(bindings, prelude, target, args, depth + 1);
    }
    let wrapper = bindings.wrappers.get(name)?;
    // The arguments move into the parameters: no copy per chain level.
    let mut args = args.into_iter();
    let params: Vec<(&'a str, Value)> = wrapper
        .params
        .iter()
        .map(|p| (*p, args.next().unwrap_or(Value::Undefined)))
        .collect();
    let scope = ObjectScope::new(bindings, &params);
    let next = wrapper
        .args
        .iter()
        .map(|e| evaluate(e, &scope))
        .collect::<Option<Vec<_>>>()?;
    resolve(bindings, prelude, wrapper.callee, next, depth + 1)
}

/// Whether `name` leads to a decoder through aliases and wrappers.
pub fn reaches_decoder(bindings: &Bindings<'_>, prelude: &Prelude<'_>, name: &str) -> bool {
    let mut current = name;
    for _ in 0..MAX_CHAIN {
        if prelude.decoders.contains(&current) {
            return true;
        }
        if let Some((target, _)) = bindings.aliases.get(current) {
            current = target;
        } else if let Some(w) = bindings.wrappers.get(current) {
            current = w.callee;
        } else {
            return false;
        }
    }
    false
}

struct CallSites<'b, 'a> {
    bindings: &'b Bindings<'a>,
    prelude: &'b Prelude<'a>,
    sites: Vec<(Span, Resolved<'a>)>,
    unresolved: usize,
    unresolved_at: Vec<u32>,
    reaches: HashMap<&'a str, bool>,
    depth: u32,
}

impl<'a> Visit<'a> for CallSites<'_, 'a> {
    fn visit_statement(&mut self, it: &Statement<'a>) {
        if self.depth > MAX_WALK_DEPTH || self.prelude.statements.contains(&it.span()) {
            return;
        }
        self.depth += 1;
        walk::walk_statement(self, it);
        self.depth -= 1;
    }
    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.depth > MAX_WALK_DEPTH {
            return;
        }
        self.depth += 1;
        walk::walk_expression(self, it);
        self.depth -= 1;
    }
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if let Expression::Identifier(callee) = &it.callee {
            let name = callee.name.as_str();
            let reaches = match self.reaches.get(name) {
                Some(known) => *known,
                None => {
                    let known = reaches_decoder(self.bindings, self.prelude, name);
                    self.reaches.insert(name, known);
                    known
                }
            };
            if reaches {
                let scope = ObjectScope::new(self.bindings, &[]);
                let args = it
                    .arguments
                    .iter()
                    .map(|a: &Argument<'a>| evaluate_argument(a, &scope))
                    .collect::<Option<Vec<_>>>();
                match args.and_then(|args| resolve(self.bindings, self.prelude, name, args, 0)) {
                    Some(r) => self.sites.push((it.span, r)),
                    // Calls inside wrapper bodies forward parameters: not call sites.
                    None if !self.inside_wrapper(it.span) => {
                        self.unresolved += 1;
                        if self.unresolved_at.len() < 5 {
                            self.unresolved_at.push(it.span.start);
                        }
                    }
                    None => {}
                }
            }
        }
        walk::walk_call_expression(self, it);
    }
}

impl CallSites<'_, '_> {
    fn inside_wrapper(&self, span: Span) -> bool {
        self.bindings
            .wrappers
            .values()
            .any(|w| w.span.start <= span.start && span.end <= w.span.end)
    }
}

/// The decoded call sites of one round.
pub struct Decoded {
    /// Call span → (decoded string, method).
    pub strings: HashMap<Span, (String, String)>,
    /// Call sites whose arguments could not be known statically.
    pub unresolved: usize,
    /// Byte offsets of the first unresolved call sites.
    pub unresolved_at: Vec<u32>,
    /// Call sites the decoder returned no string for.
    pub failed: usize,
    /// Call sites left undecoded because the script's output budget ran out.
    pub over_budget: usize,
    /// What the decoder threw first, if it threw (stack overflow, out of
    /// memory, a trap).
    pub first_error: Option<String>,
    /// Most wrappers seen in a chain.
    pub max_wrappers: u32,
    /// Distinct wrapper and alias names that were followed.
    pub wrapper_names: usize,
}

fn js_value(v: &Value) -> String {
    match v {
        // Exact evaluation gives only known strings; an unknown part would
        // print as its placeholder text.
        Value::Str(s) => sandbox::js_string_literal(&s.render()),
        // `NaN` and `Infinity` are globals, and exponent forms are literals.
        Value::Num(n) => number_to_string(*n),
        Value::Bool(b) => b.to_string(),
        Value::Undefined => "undefined".into(),
        Value::Null => "null".into(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(js_value).collect();
            format!("[{}]", items.join(","))
        }
        // Never given by exact evaluation.
        Value::Unknown => "undefined".into(),
    }
}

/// Identifies a decoder call by its decoder and exact argument values.
fn call_key(r: &Resolved<'_>) -> String {
    let mut key = String::from(r.decoder);
    for a in &r.args {
        key.push('\u{0}');
        match a {
            Value::Str(s) => {
                key.push('s');
                key.push_str(&s.render());
            }
            Value::Num(n) => {
                key.push('n');
                key.push_str(&n.to_bits().to_string());
            }
            other => key.push_str(&js_value(other)),
        }
    }
    key
}

/// The script's machinery, verbatim, then one batch over all calls.
fn sandbox_program(source: &str, prelude: &Prelude<'_>, unique: &[&Resolved<'_>]) -> String {
    let mut calls = String::from("[");
    for (i, r) in unique.iter().enumerate() {
        if i > 0 {
            calls.push(',');
        }
        let args: Vec<String> = r.args.iter().map(js_value).collect();
        calls.push_str(&format!(
            "[{},[{}]]",
            sandbox::js_string_literal(r.decoder),
            args.join(",")
        ));
    }
    calls.push(']');
    let mut program_text = String::new();
    for (span, is_expression) in &prelude.code {
        let text = source
            .get(span.start as usize..span.end as usize)
            .unwrap_or("");
        if *is_expression {
            program_text.push_str(";(");
            program_text.push_str(text);
            program_text.push_str(");\n");
        } else {
            program_text.push_str(text);
            program_text.push('\n');
        }
    }
    let table: Vec<String> = prelude
        .decoders
        .iter()
        .map(|d| format!("{}:{d}", sandbox::js_string_literal(d)))
        .collect();
    program_text.push_str(&format!(
        ";(function(){{var c={calls};var f={{{}}};var o=[];for(var i=0;i<c.length;i++){{try{{var v=f[c[i][0]].apply(null,c[i][1]);o.push(typeof v==='string'?v:null);}}catch(e){{o.push('\\u0000'+String(e));}}}}return o;}})()",
        table.join(",")
    ));
    program_text
}

/// Decodes every call site of the prelude's decoders in one sandbox run.
pub fn decode<'a>(
    program: &Program<'a>,
    source: &str,
    bindings: &Bindings<'a>,
    prelude: &Prelude<'a>,
    limits: &Limits,
    engine: crate::Engine,
) -> Result<Decoded, SandboxError> {
    let mut visitor = CallSites {
        bindings,
        prelude,
        sites: Vec::new(),
        unresolved: 0,
        unresolved_at: Vec::new(),
        reaches: HashMap::default(),
        depth: 0,
    };
    visitor.visit_program(program);
    let mut unique: Vec<&Resolved<'_>> = Vec::new();
    let mut index_of: Vec<usize> = Vec::with_capacity(visitor.sites.len());
    let mut seen: HashMap<String, usize> = HashMap::default();
    for (_, r) in &visitor.sites {
        let next = unique.len();
        let index = *seen.entry(call_key(r)).or_insert(next);
        if index == next {
            unique.push(r);
        }
        index_of.push(index);
    }
    let native = match engine {
        crate::Engine::Sandbox => None,
        _ => crate::native::decode_all(program, bindings, prelude, &unique),
    };
    let (results, method) = match native {
        Some(results) => (results, format!("string array, {}", prelude.encoding)),
        None if engine == crate::Engine::Native => {
            return Err(SandboxError::Script(
                "the decoder is not a shape decoded natively".into(),
            ));
        }
        None => (
            sandbox::eval_strings(&sandbox_program(source, prelude, &unique), limits)?,
            format!("string array, {} (sandbox)", prelude.encoding),
        ),
    };
    let mut strings = HashMap::default();
    let mut failed = 0;
    let mut over_budget = 0;
    let mut first_error: Option<String> = None;
    let mut max_wrappers = 0;
    for ((span, r), index) in visitor.sites.iter().zip(index_of) {
        max_wrappers = max_wrappers.max(r.wrappers);
        match results.get(index).and_then(Option::as_ref) {
            Some(s) if s.starts_with('\u{0}') => {
                failed += 1;
                if first_error.is_none() {
                    first_error = Some(s.chars().skip(1).take(200).collect());
                }
            }
            // Each call site gets its own copy: it counts.
            Some(s) if !limits.budget.spend_output(s.len()) => over_budget += 1,
            Some(s) => {
                strings.insert(*span, (s.clone(), method.clone()));
            }
            None => failed += 1,
        }
    }
    let wrapper_names: HashSet<&str> = bindings
        .wrappers
        .keys()
        .chain(bindings.aliases.keys())
        .filter(|n| !prelude.decoders.contains(n) && reaches_decoder(bindings, prelude, n))
        .copied()
        .collect();
    Ok(Decoded {
        strings,
        unresolved: visitor.unresolved,
        unresolved_at: visitor.unresolved_at,
        failed,
        over_budget,
        first_error,
        max_wrappers,
        wrapper_names: wrapper_names.len(),
    })
}
