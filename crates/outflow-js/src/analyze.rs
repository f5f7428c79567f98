//! The analysis walk: one pass over a parsed program that finds endpoints,
//! sinks, privacy-relevant API use and obfuscation traces.
//!
//! **Endpoints.** Every *maximal* string-building expression (a literal, a
//! template, a `+` chain, a call of a string function such as `join` or
//! `atob`) is evaluated as a whole ([`outflow_js_value::evaluate`]) and its value
//! checked for destinations ([`crate::endpoint`]); its parts are not
//! reported again. Arrays, members and conditionals are transparent: their
//! elements are parts of an enclosing builder, or maximal themselves.
//! Arguments of sinks (`fetch(u)`, `img.src = u`, …) are evaluated whatever
//! their shape, so a constant defined elsewhere is reported at the call with
//! its sink.
//!
//! **API use.** Member accesses and calls are matched against
//! [`crate::api_catalog`], with common names checked against the browser
//! object they are read from.

use outflow_model::{Access, ComputedBy, Sink, Technique};
use oxc_ast::ast::{
    Argument, ArrayExpression, ArrayExpressionElement, AssignmentExpression, AssignmentTarget,
    BindingIdentifier, CallExpression, Expression, IdentifierReference, MemberExpression,
    NewExpression, StringLiteral,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span};
use oxc_syntax::scope::{ScopeFlags, ScopeId};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::Cell;

use crate::api_catalog::{self, Receiver};
use crate::endpoint::{Recognised, recognise};
use crate::obfuscation::ObfuscationCounters;
use outflow_js_value::Value;
use outflow_js_value::{Bindings, Evaluator, ScopeIndex, ScopeTracker, Step, Steps};

/// Expression nesting followed at most; deeper parts are skipped and
/// reported, so hostile nesting cannot exhaust the stack. The binding
/// collector stops at the same depth, so that both number the same scopes.
pub use outflow_js_value::bindings::MAX_NESTING;

/// Locations kept per API (the count covers all uses).
const MAX_LOCATIONS_PER_API: usize = 20;

/// Endpoints kept per script, at most.
const MAX_ENDPOINTS: usize = 20_000;

/// HTTP methods that mark `x.open(method, url)` as `XMLHttpRequest.open`.
const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// An endpoint before its byte range is turned into a location.
#[derive(Debug, Clone)]
pub struct RawEndpoint {
    /// What was recognised.
    pub found: Recognised,
    /// The sink, if visible.
    pub sink: Option<Sink>,
    /// Evaluation steps.
    pub computed: Vec<ComputedBy>,
    /// Byte range.
    pub range: (u32, u32),
}

/// One API's use, before locations are resolved.
#[derive(Debug, Default)]
pub struct RawApiUse {
    /// Uses counted.
    pub count: u32,
    /// First few byte ranges.
    pub ranges: Vec<(u32, u32)>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Endpoints in source order.
    pub endpoints: Vec<RawEndpoint>,
    /// API uses by (technique, api, access).
    pub api_uses: FxHashMap<(Technique, &'static str, Access), RawApiUse>,
    /// Obfuscation counts.
    pub obfuscation: ObfuscationCounters,
    /// Set when nesting went past [`MAX_NESTING`].
    pub too_deep: bool,
    /// Code strings run by `eval`/`Function`, fully known: (code, how, range).
    pub evaluated_code: Vec<(String, &'static str, (u32, u32))>,
}

/// Walks `program` and returns what it found.
pub fn analyze<'a>(program: &oxc_ast::ast::Program<'a>, bindings: &Bindings<'a>) -> Findings {
    let mut analyzer = Analyzer {
        evaluator: Evaluator::new(bindings),
        scopes: ScopeTracker::default(),
        inside_builder: false,
        handled: FxHashSet::default(),
        depth: 0,
        findings: Findings::default(),
    };
    analyzer.findings.obfuscation.scan_text(program.source_text);
    analyzer.visit_program(program);
    analyzer.findings
}

struct Analyzer<'b, 'a> {
    evaluator: Evaluator<'b, 'a, Bindings<'a>>,
    scopes: ScopeTracker,
    /// Inside a string-building expression whose value was reported.
    inside_builder: bool,
    /// Expressions already reported as sink arguments.
    handled: FxHashSet<Span>,
    depth: u32,
    findings: Findings,
}

fn range(span: Span) -> (u32, u32) {
    (span.start, span.end)
}

/// What kind of node an expression is for endpoint reporting.
enum Role {
    /// Produces a string from its parts: reported when maximal.
    Builder,
    /// Passes its parts through (arrays, members, conditionals).
    Transparent,
    /// Anything else: its string parts are maximal on their own.
    Opaque,
}

const STRING_FUNCTIONS: [&str; 20] = [
    "join",
    "concat",
    "split",
    "reverse",
    "replace",
    "replaceAll",
    "slice",
    "substring",
    "substr",
    "toLowerCase",
    "toUpperCase",
    "trim",
    "charAt",
    "repeat",
    "fromCharCode",
    "fromCodePoint",
    "atob",
    "decodeURIComponent",
    "decodeURI",
    "unescape",
];

fn role(expr: &Expression) -> Role {
    match expr {
        Expression::StringLiteral(_) | Expression::TemplateLiteral(_) => Role::Builder,
        Expression::BinaryExpression(b)
            if b.operator == oxc_syntax::operator::BinaryOperator::Addition =>
        {
            Role::Builder
        }
        Expression::CallExpression(call) => {
            let name = match call.callee.without_parentheses() {
                Expression::Identifier(id) => Some(id.name.as_str()),
                Expression::StaticMemberExpression(m) => Some(m.property.name.as_str()),
                _ => None,
            };
            if name.is_some_and(|n| STRING_FUNCTIONS.contains(&n)) {
                Role::Builder
            } else {
                Role::Opaque
            }
        }
        Expression::ArrayExpression(_)
        | Expression::ParenthesizedExpression(_)
        | Expression::ConditionalExpression(_)
        | Expression::LogicalExpression(_)
        | Expression::StaticMemberExpression(_)
        | Expression::ComputedMemberExpression(_) => Role::Transparent,
        _ => Role::Opaque,
    }
}

impl<'b, 'a> Analyzer<'b, 'a> {
    fn scope(&self) -> ScopeIndex {
        self.scopes.current()
    }

    fn global(&mut self, expr: &Expression<'a>) -> Option<String> {
        let scope = self.scope();
        self.evaluator.global_name(expr, scope)
    }

    fn member_name(&mut self, member: &MemberExpression<'a>) -> Option<std::borrow::Cow<'a, str>> {
        let scope = self.scope();
        self.evaluator.member_name(member, scope)
    }

    /// Evaluates `expr` and records the destinations it names.
    fn report(&mut self, expr: &Expression<'a>, sink: Option<Sink>) {
        if self.findings.endpoints.len() >= MAX_ENDPOINTS {
            return;
        }
        if sink.is_none() && !self.worth_evaluating(expr, 0) {
            return;
        }
        let scope = self.scope();
        let evaluation = self.evaluator.evaluate(expr, scope);
        let values: Vec<Value> = match evaluation.value {
            // A maximal array (e.g. a list of hosts) reports each element at
            // its own place; here the array as a whole is the sink argument.
            Value::Array(items) if sink.is_some() => items,
            other => vec![other],
        };
        for value in values {
            let Value::Str(text) = value else { continue };
            for found in recognise(&text, sink) {
                self.push_endpoint(found, sink, evaluation.steps, range(expr.span()));
            }
        }
    }

    /// Whether a string-building expression could name a destination.
    /// Most literals in a bundle are property names, class names and
    /// messages; only text with a dot, a colon or a slash can name a
    /// destination, and a `+` chain of such parts (`e + "px"`) cannot.
    /// Constants, properties and decoding calls may hide anything, so they
    /// are always evaluated.
    fn worth_evaluating(&self, expr: &Expression<'a>, depth: u32) -> bool {
        if depth > 32 {
            return true;
        }
        let may_name = |text: &str| text.contains(['.', ':', '/']);
        match expr {
            Expression::StringLiteral(s) => may_name(s.value.as_str()),
            Expression::TemplateLiteral(t) => {
                t.quasis
                    .iter()
                    .any(|q| q.value.cooked.as_ref().is_none_or(|c| may_name(c.as_str())))
                    || t.expressions
                        .iter()
                        .any(|e| self.worth_evaluating(e, depth + 1))
            }
            Expression::BinaryExpression(b) => {
                self.worth_evaluating(&b.left, depth + 1)
                    || self.worth_evaluating(&b.right, depth + 1)
            }
            Expression::ParenthesizedExpression(p) => {
                self.worth_evaluating(&p.expression, depth + 1)
            }
            Expression::Identifier(id) => self
                .evaluator
                .environment()
                .resolve(self.scope(), id.name.as_str())
                .is_some_and(|(_, b)| b.constant && b.init.is_some()),
            Expression::StaticMemberExpression(m) => self.worth_evaluating(&m.object, depth + 1),
            Expression::ComputedMemberExpression(m) => self.worth_evaluating(&m.object, depth + 1),
            Expression::CallExpression(_) => true,
            _ => false,
        }
    }

    fn push_endpoint(
        &mut self,
        found: Recognised,
        sink: Option<Sink>,
        steps: Steps,
        range: (u32, u32),
    ) {
        self.findings.endpoints.push(RawEndpoint {
            found,
            sink,
            computed: steps.iter().map(computed_by).collect(),
            range,
        });
    }

    fn report_sink_argument(
        &mut self,
        arguments: &oxc_allocator::Vec<'a, Argument<'a>>,
        index: usize,
        sink: Sink,
    ) {
        if let Some(expr) = arguments.get(index).and_then(Argument::as_expression) {
            self.handled.insert(expr.span());
            self.report(expr, Some(sink));
        }
    }

    fn api(&mut self, technique: Technique, api: &'static str, access: Access, span: Span) {
        let entry = self
            .findings
            .api_uses
            .entry((technique, api, access))
            .or_default();
        entry.count = entry.count.saturating_add(1);
        if entry.ranges.len() < MAX_LOCATIONS_PER_API {
            entry.ranges.push(range(span));
        }
    }

    /// Records catalogue APIs named `name` on `object`.
    fn member_api(&mut self, object: &Expression<'a>, name: &str, access: Access, span: Span) {
        let entries = api_catalog::member(name);
        if entries.is_empty() {
            return;
        }
        let mut receiver: Option<Option<String>> = None;
        for entry in entries {
            let matches = match entry.receiver {
                Receiver::Any => true,
                Receiver::Global(wanted) => {
                    let got = receiver.get_or_insert_with(|| self.global(object));
                    got.as_deref() == Some(wanted)
                }
            };
            if matches {
                self.api(entry.technique, entry.api, access, span);
            }
        }
    }

    /// Records a browser global (`localStorage`, `OfflineAudioContext`).
    fn global_api(&mut self, global: &str, access: Access, span: Span) {
        if let Some(entry) = api_catalog::global(global) {
            self.api(entry.technique, entry.api, access, span);
        }
    }

    /// The kind of element an expression holds, for `x.src = …`.
    fn element_kind(&mut self, expr: &Expression<'a>, depth: u32) -> Option<&'static str> {
        if depth > 4 {
            return None;
        }
        match expr.without_parentheses() {
            Expression::NewExpression(new) => match self.global(&new.callee).as_deref() {
                Some("Image") => Some("img"),
                _ => None,
            },
            Expression::CallExpression(call) => {
                let member = call.callee.without_parentheses().as_member_expression()?;
                if self.member_name(member).as_deref() != Some("createElement") {
                    return None;
                }
                let tag = call.arguments.first()?.as_expression()?;
                let scope = self.scope();
                let tag = self
                    .evaluator
                    .evaluate(tag, scope)
                    .value
                    .to_partial_string();
                match tag.as_known()?.to_ascii_lowercase().as_str() {
                    "img" => Some("img"),
                    "script" => Some("script"),
                    "iframe" => Some("iframe"),
                    "form" => Some("form"),
                    _ => Some("element"),
                }
            }
            Expression::Identifier(id) => {
                let scope = self.scope();
                let (_, binding) = self
                    .evaluator
                    .environment()
                    .resolve(scope, id.name.as_str())?;
                // The element kind does not depend on later writes to other
                // properties, but a rebinding would change it.
                if !binding.constant {
                    return None;
                }
                let init = binding.init?;
                self.element_kind(init, depth + 1)
            }
            _ => None,
        }
    }

    fn src_sink(&mut self, element: &Expression<'a>, property: &str) -> Option<Sink> {
        let kind = self.element_kind(element, 0);
        match (property, kind) {
            ("src", Some("img")) => Some(Sink::ImageSrc),
            ("src", Some("script")) => Some(Sink::ScriptSrc),
            ("src", Some("iframe")) => Some(Sink::IframeSrc),
            ("action", _) => Some(Sink::FormAction),
            ("src" | "href" | "data", _) => Some(Sink::ElementSrc),
            _ => None,
        }
    }

    /// Whether `object.value` reads a form field.
    fn is_field(&mut self, object: &Expression<'a>) -> bool {
        match object.without_parentheses() {
            Expression::CallExpression(call) => {
                let Some(member) = call.callee.without_parentheses().as_member_expression() else {
                    return false;
                };
                matches!(
                    self.member_name(member).as_deref(),
                    Some("getElementById" | "querySelector" | "getElementsByName" | "namedItem")
                )
            }
            Expression::StaticMemberExpression(m) => {
                matches!(
                    m.property.name.as_str(),
                    "target" | "currentTarget" | "srcElement" | "activeElement"
                ) || matches!(&m.object, Expression::StaticMemberExpression(o) if o.property.name == "elements")
            }
            Expression::ComputedMemberExpression(m) => {
                matches!(&m.object, Expression::StaticMemberExpression(o) if o.property.name == "elements")
            }
            _ => false,
        }
    }

    /// Visits what a member expression is made of, without counting the
    /// member itself as a read.
    fn visit_member_parts(&mut self, member: &MemberExpression<'a>) {
        match member {
            MemberExpression::ComputedMemberExpression(m) => {
                self.visit_expression(&m.object);
                self.visit_expression(&m.expression);
            }
            MemberExpression::StaticMemberExpression(m) => self.visit_expression(&m.object),
            MemberExpression::PrivateFieldExpression(m) => self.visit_expression(&m.object),
        }
    }

    fn visit_arguments(&mut self, arguments: &oxc_allocator::Vec<'a, Argument<'a>>) {
        for argument in arguments {
            self.visit_argument(argument);
        }
    }

    /// Code run from a string: `eval(x)`, `Function(x)`, `setTimeout(x)`,
    /// `document.write(x)`. Counts as an obfuscation trace when the string
    /// is computed (for timers and writes: when it is a string at all), and
    /// is kept for analysis when its whole text is known.
    fn dynamic_code(&mut self, how: &'static str, code: Option<&Expression<'a>>, span: Span) {
        let Some(code) = code.map(Expression::without_parentheses) else {
            return;
        };
        if matches!(
            code,
            Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_)
        ) {
            return;
        }
        let literal = matches!(code, Expression::StringLiteral(_));
        let scope = self.scope();
        let value = self.evaluator.evaluate(code, scope).value;
        let is_string = matches!(value, Value::Str(_));
        let always_code = matches!(how, "eval" | "Function");
        if !literal && (always_code || is_string) {
            self.findings.obfuscation.dynamic_code.push(range(span));
        }
        if let Value::Str(text) = value
            && let Some(text) = text.as_known()
            && !text.trim().is_empty()
        {
            self.findings
                .evaluated_code
                .push((text.to_owned(), how, range(span)));
        }
    }
}

impl<'b, 'a> Visit<'a> for Analyzer<'b, 'a> {
    fn enter_scope(&mut self, _flags: ScopeFlags, _scope_id: &Cell<Option<ScopeId>>) {
        self.scopes.enter();
    }

    fn leave_scope(&mut self) {
        self.scopes.leave();
    }

    fn visit_expression(&mut self, expr: &Expression<'a>) {
        if self.depth >= MAX_NESTING {
            self.findings.too_deep = true;
            return;
        }
        self.depth += 1;
        let saved = self.inside_builder;
        match role(expr) {
            Role::Builder => {
                if !saved && !self.handled.contains(&expr.span()) {
                    self.report(expr, None);
                }
                self.inside_builder = true;
            }
            Role::Transparent => {}
            Role::Opaque => self.inside_builder = false,
        }
        walk::walk_expression(self, expr);
        self.inside_builder = saved;
        self.depth -= 1;
    }

    fn visit_statement(&mut self, stmt: &oxc_ast::ast::Statement<'a>) {
        if self.depth >= MAX_NESTING {
            self.findings.too_deep = true;
            return;
        }
        self.depth += 1;
        let saved = self.inside_builder;
        self.inside_builder = false;
        walk::walk_statement(self, stmt);
        self.inside_builder = saved;
        self.depth -= 1;
    }

    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.findings.obfuscation.string_literal(
            it.raw.map(|r| r.as_str()),
            it.value.as_str(),
            range(it.span),
        );
    }

    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        self.findings
            .obfuscation
            .identifier(it.name.as_str(), range(it.span));
        let name = it.name.as_str();
        if api_catalog::global(name).is_some()
            && self.evaluator.environment().is_global(self.scope(), name)
        {
            self.global_api(name, Access::Get, it.span);
        }
    }

    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        self.findings
            .obfuscation
            .identifier(it.name.as_str(), range(it.span));
    }

    fn visit_array_expression(&mut self, it: &ArrayExpression<'a>) {
        let strings = it
            .elements
            .iter()
            .filter(|e| matches!(e, ArrayExpressionElement::StringLiteral(_)))
            .count();
        if strings == it.elements.len() && strings >= crate::obfuscation::STRING_ARRAY_MIN_STRINGS {
            let largest = &mut self.findings.obfuscation.largest_string_array;
            if largest.is_none_or(|(n, _)| strings > n) {
                *largest = Some((strings, range(it.span)));
            }
        }
        walk::walk_array_expression(self, it);
    }

    fn visit_member_expression(&mut self, it: &MemberExpression<'a>) {
        // Reached only for reads: calls and writes visit their member's
        // parts themselves ([`Analyzer::visit_member_parts`]).
        let span = it.span();
        if let Some(name) = self.member_name(it) {
            // `window.localStorage`, `self.devicePixelRatio`.
            if api_catalog::global(&name).is_some() {
                let scope = self.scope();
                if let Some(global) = self.evaluator.member_global(it, scope) {
                    self.global_api(&global, Access::Get, span);
                }
            }
            self.member_api(it.object(), &name, Access::Get, span);
            if name == "value" && self.is_field(it.object()) {
                self.api(
                    Technique::InputValue,
                    "HTMLInputElement.value",
                    Access::Get,
                    span,
                );
            }
        }
        walk::walk_member_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        let callee = it.callee.without_parentheses();
        let global = self.global(callee);
        // Decoder candidates: `_0x1a2b(0x1f3)` or `_0x1a2b(0x1f3, 'key')`.
        if let Expression::Identifier(id) = callee
            && matches!(it.arguments.first(), Some(Argument::NumericLiteral(_)))
            && it.arguments.len() <= 2
        {
            let entry = self
                .findings
                .obfuscation
                .numeric_calls
                .entry(id.name.as_str().to_owned())
                .or_insert((0, range(it.span)));
            entry.0 += 1;
        }
        match global.as_deref() {
            Some("fetch") => self.report_sink_argument(&it.arguments, 0, Sink::Fetch),
            Some("navigator.sendBeacon") => {
                self.report_sink_argument(&it.arguments, 0, Sink::SendBeacon)
            }
            Some("open") => self.report_sink_argument(&it.arguments, 0, Sink::WindowOpen),
            Some(
                "location.assign"
                | "location.replace"
                | "document.location.assign"
                | "document.location.replace",
            ) => self.report_sink_argument(&it.arguments, 0, Sink::Location),
            Some("importScripts") => {
                for i in 0..it.arguments.len() {
                    self.report_sink_argument(&it.arguments, i, Sink::ImportScripts);
                }
            }
            Some("eval") => self.dynamic_code(
                "eval",
                it.arguments.first().and_then(Argument::as_expression),
                it.span,
            ),
            Some("Function") => self.dynamic_code(
                "Function",
                it.arguments.last().and_then(Argument::as_expression),
                it.span,
            ),
            Some("setTimeout" | "setInterval") => {
                self.dynamic_code(
                    "setTimeout",
                    it.arguments.first().and_then(Argument::as_expression),
                    it.span,
                );
            }
            Some(name) => self.global_api(name, Access::Call, it.span),
            None => {}
        }
        if let Some(member) = callee.as_member_expression() {
            let name = self.member_name(member);
            let object = member.object();
            match name.as_deref() {
                Some("sendBeacon") if global.is_none() => {
                    self.report_sink_argument(&it.arguments, 0, Sink::SendBeacon)
                }
                Some("open") if global.as_deref() != Some("open") && it.arguments.len() >= 2 => {
                    let scope = self.scope();
                    let method = it.arguments[0]
                        .as_expression()
                        .map(|m| self.evaluator.evaluate(m, scope).value.to_partial_string());
                    let is_http = method.as_ref().is_some_and(|m| {
                        m.as_known()
                            .is_none_or(|t| HTTP_METHODS.contains(&t.to_ascii_uppercase().as_str()))
                    });
                    if is_http {
                        self.report_sink_argument(&it.arguments, 1, Sink::XhrOpen);
                    }
                }
                Some("postMessage") => {
                    self.report_sink_argument(&it.arguments, 1, Sink::PostMessage)
                }
                Some("write" | "writeln") if self.global(object).as_deref() == Some("document") => {
                    self.dynamic_code(
                        "document.write",
                        it.arguments.first().and_then(Argument::as_expression),
                        it.span,
                    );
                }
                Some("setAttribute") => {
                    let scope = self.scope();
                    let attribute =
                        it.arguments
                            .first()
                            .and_then(Argument::as_expression)
                            .map(|a| {
                                self.evaluator
                                    .evaluate(a, scope)
                                    .value
                                    .to_partial_string()
                                    .as_known()
                                    .map(str::to_ascii_lowercase)
                            });
                    if let Some(Some(attribute)) = attribute
                        && let Some(sink) = self.src_sink(object, &attribute)
                    {
                        self.report_sink_argument(&it.arguments, 1, sink);
                    }
                }
                Some("getContext") => {
                    let scope = self.scope();
                    if let Some(kind) = it.arguments.first().and_then(Argument::as_expression) {
                        let kind = self
                            .evaluator
                            .evaluate(kind, scope)
                            .value
                            .to_partial_string();
                        if let Some((technique, api)) =
                            kind.as_known().and_then(api_catalog::context)
                        {
                            self.api(technique, api, Access::Call, it.span);
                        }
                    }
                }
                Some("addEventListener") => {
                    let scope = self.scope();
                    if let Some(event) = it.arguments.first().and_then(Argument::as_expression) {
                        let event = self
                            .evaluator
                            .evaluate(event, scope)
                            .value
                            .to_partial_string();
                        if let Some((technique, api)) =
                            event.as_known().and_then(api_catalog::event)
                        {
                            self.api(technique, api, Access::Listen, it.span);
                        }
                    }
                }
                Some("split") => {
                    if let Expression::StringLiteral(s) = object.without_parentheses()
                        && is_dispatcher(s.value.as_str())
                    {
                        self.findings.obfuscation.dispatchers.push(range(it.span));
                    }
                }
                Some(name) => {
                    let name = name.to_owned();
                    self.member_api(object, &name, Access::Call, member.span());
                }
                None => {}
            }
        }
        // The callee is a call, not a read: its parts are visited, not it.
        match it.callee.without_parentheses().as_member_expression() {
            Some(member) => self.visit_member_parts(member),
            None => self.visit_expression(&it.callee),
        }
        self.visit_arguments(&it.arguments);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        if let Some(global) = self.global(&it.callee) {
            match global.as_str() {
                "WebSocket" => self.report_sink_argument(&it.arguments, 0, Sink::WebSocket),
                "EventSource" => self.report_sink_argument(&it.arguments, 0, Sink::EventSource),
                "Worker" | "SharedWorker" => {
                    self.report_sink_argument(&it.arguments, 0, Sink::Worker)
                }
                "Request" => self.report_sink_argument(&it.arguments, 0, Sink::Fetch),
                "Function" => self.dynamic_code(
                    "Function",
                    it.arguments.last().and_then(Argument::as_expression),
                    it.span,
                ),
                _ => {}
            }
            self.global_api(&global, Access::Construct, it.span);
        }
        match it.callee.without_parentheses().as_member_expression() {
            Some(member) => self.visit_member_parts(member),
            None => self.visit_expression(&it.callee),
        }
        self.visit_arguments(&it.arguments);
    }

    fn visit_import_expression(&mut self, it: &oxc_ast::ast::ImportExpression<'a>) {
        self.handled.insert(it.source.span());
        self.report(&it.source, Some(Sink::DynamicImport));
        walk::walk_import_expression(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        let member = match &it.left {
            AssignmentTarget::StaticMemberExpression(_)
            | AssignmentTarget::ComputedMemberExpression(_) => it.left.as_member_expression(),
            _ => None,
        };
        let mut sink = None;
        if let Some(member) = member {
            let object = member.object();
            if let Some(name) = self.member_name(member) {
                sink = match name.as_ref() {
                    "location" => match self.global(object).as_deref() {
                        Some("window" | "document" | "self" | "top") => Some(Sink::Location),
                        _ => None,
                    },
                    "href"
                        if matches!(
                            self.global(object).as_deref(),
                            Some("location" | "document.location")
                        ) =>
                    {
                        Some(Sink::Location)
                    }
                    "src" | "href" | "action" | "data" => self.src_sink(object, &name),
                    _ => None,
                };
                self.member_api(object, &name, Access::Set, member.span());
            }
        } else if let AssignmentTarget::AssignmentTargetIdentifier(id) = &it.left
            && id.name == "location"
            && self
                .evaluator
                .environment()
                .is_global(self.scope(), "location")
        {
            sink = Some(Sink::Location);
        }
        if let Some(sink) = sink {
            self.handled.insert(it.right.span());
            self.report(&it.right, Some(sink));
        }
        // A written member is not a read: visit its parts only.
        match member {
            Some(member) => self.visit_member_parts(member),
            None => self.visit_assignment_target(&it.left),
        }
        self.visit_expression(&it.right);
    }
}

/// `"3|1|0|2"`: digits separated by pipes, as control-flow flattening
/// dispatchers are written.
fn is_dispatcher(text: &str) -> bool {
    text.contains('|')
        && text
            .split('|')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// The report's name for an evaluation step.
fn computed_by(step: Step) -> ComputedBy {
    match step {
        Step::Escape => ComputedBy::Escape,
        Step::Concatenation => ComputedBy::Concatenation,
        Step::Template => ComputedBy::Template,
        Step::ArrayJoin => ComputedBy::ArrayJoin,
        Step::Split => ComputedBy::Split,
        Step::Reverse => ComputedBy::Reverse,
        Step::FromCharCode => ComputedBy::FromCharCode,
        Step::Atob => ComputedBy::Atob,
        Step::UriDecode => ComputedBy::UriDecode,
        Step::StringMethod => ComputedBy::StringMethod,
        Step::Binding => ComputedBy::Binding,
        Step::Property => ComputedBy::Property,
    }
}
