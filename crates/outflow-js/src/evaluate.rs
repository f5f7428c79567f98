//! Static evaluation: computing values from literals without running code.
//!
//! Handles what scripts use to assemble or hide endpoints: string
//! concatenation, template literals, `[…].join`, `split`/`reverse`,
//! `String.fromCharCode`, `atob`, `decodeURIComponent`/`decodeURI`/
//! `unescape`, common string methods, number arithmetic (obfuscators turn
//! numbers into expressions), and constants followed through bindings that
//! are never reassigned and through properties of constant object literals.
//! Whatever cannot be followed becomes an unknown part, so
//! `"https://" + h + "/v1/collect"` still yields its known parts.
//!
//! Every evaluation runs under a step budget and a depth limit, and strings
//! and arrays are capped (see [`crate::value`]), so hostile code cannot make
//! evaluation hang or allocate without bound.

use std::borrow::Cow;

use base64::Engine as _;
use outflow_model::ComputedBy;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, BinaryExpression, CallExpression, Expression,
    MemberExpression, ObjectExpression, ObjectPropertyKind, PropertyKey, PropertyKind,
    TemplateLiteral,
};
use oxc_syntax::operator::{BinaryOperator, LogicalOperator, UnaryOperator};

use crate::bindings::{Bindings, ScopeIndex};
use outflow_js_value::{exponentiate, number_to_string, to_int32, to_uint32};

use crate::value::{MAX_ARRAY_LEN, MAX_STRING_BYTES, PartialString, Value, join};

/// Nodes visited by one top-level evaluation, at most.
const STEP_BUDGET: u32 = 20_000;
/// Nesting of sub-evaluations, at most (also bounds binding chains).
const MAX_DEPTH: u32 = 96;
/// Names that refer to the global object.
const GLOBAL_OBJECTS: [&str; 4] = ["window", "self", "globalThis", "top"];

/// The set of [`ComputedBy`] steps used by an evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Steps(u16);

impl Steps {
    const ALL: [ComputedBy; 12] = [
        ComputedBy::Escape,
        ComputedBy::Concatenation,
        ComputedBy::Template,
        ComputedBy::ArrayJoin,
        ComputedBy::Split,
        ComputedBy::Reverse,
        ComputedBy::FromCharCode,
        ComputedBy::Atob,
        ComputedBy::UriDecode,
        ComputedBy::StringMethod,
        ComputedBy::Binding,
        ComputedBy::Property,
    ];

    fn bit(step: ComputedBy) -> u16 {
        1 << (Self::ALL.iter().position(|s| *s == step).unwrap_or(0) as u16)
    }

    /// Adds a step.
    pub fn insert(&mut self, step: ComputedBy) {
        self.0 |= Self::bit(step);
    }

    /// The steps, in a fixed order.
    pub fn to_vec(self) -> Vec<ComputedBy> {
        let mut out: Vec<ComputedBy> = Vec::new();
        for step in Self::ALL {
            if self.0 & Self::bit(step) != 0 && !out.contains(&step) {
                out.push(step);
            }
        }
        out
    }
}

/// The result of evaluating an expression.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The value, with unknown parts where needed.
    pub value: Value,
    /// The steps used to compute it.
    pub steps: Steps,
}

/// Evaluates expressions of one program against its binding table.
pub struct Evaluator<'b, 'a> {
    bindings: &'b Bindings<'a>,
    budget: u32,
    steps: Steps,
    active: Vec<u32>,
}

impl<'b, 'a> Evaluator<'b, 'a> {
    /// An evaluator over `bindings`.
    pub fn new(bindings: &'b Bindings<'a>) -> Self {
        Self {
            bindings,
            budget: 0,
            steps: Steps::default(),
            active: Vec::new(),
        }
    }

    /// The binding table.
    pub fn bindings(&self) -> &'b Bindings<'a> {
        self.bindings
    }

    /// Evaluates `expr` as seen from `scope`.
    pub fn evaluate(&mut self, expr: &Expression<'a>, scope: ScopeIndex) -> Evaluation {
        self.budget = STEP_BUDGET;
        self.steps = Steps::default();
        self.active.clear();
        let value = self.eval(expr, scope, 0);
        Evaluation {
            value,
            steps: self.steps,
        }
    }

    /// The known name of a member access: `a.b` gives `b`; `a["b" + "c"]`
    /// gives `bc` when the key evaluates fully.
    pub fn member_name(
        &mut self,
        member: &MemberExpression<'a>,
        scope: ScopeIndex,
    ) -> Option<Cow<'a, str>> {
        match member {
            MemberExpression::StaticMemberExpression(m) => {
                Some(Cow::Borrowed(m.property.name.as_str()))
            }
            MemberExpression::ComputedMemberExpression(m) => {
                if let Expression::StringLiteral(s) = &m.expression {
                    return Some(Cow::Borrowed(s.value.as_str()));
                }
                let key = self.evaluate(&m.expression, scope).value;
                let key = key.to_partial_string();
                key.as_known()
                    .filter(|k| k.len() <= 128)
                    .map(|k| Cow::Owned(k.to_owned()))
            }
            MemberExpression::PrivateFieldExpression(_) => None,
        }
    }

    /// The browser global an expression denotes, when it is one: an
    /// unshadowed identifier (`navigator`), a property of the global object
    /// (`window.navigator`, `self["screen"]`), or a constant alias of either.
    pub fn global_name(&mut self, expr: &Expression<'a>, scope: ScopeIndex) -> Option<String> {
        self.global_name_at(expr, scope, 0)
    }

    fn global_name_at(
        &mut self,
        expr: &Expression<'a>,
        scope: ScopeIndex,
        depth: u32,
    ) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match expr.without_parentheses() {
            Expression::Identifier(id) => {
                let name = id.name.as_str();
                match self.bindings.resolve(scope, name) {
                    None => Some(name.to_owned()),
                    Some((_, binding)) if binding.constant => {
                        let init = binding.init?;
                        let init_scope = binding.scope;
                        self.global_name_at(init, init_scope, depth + 1)
                    }
                    Some(_) => None,
                }
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                let member = expr.without_parentheses().as_member_expression()?;
                self.member_global_at(member, scope, depth)
            }
            _ => None,
        }
    }

    /// [`Evaluator::global_name`] of a member expression.
    pub fn member_global(
        &mut self,
        member: &MemberExpression<'a>,
        scope: ScopeIndex,
    ) -> Option<String> {
        self.member_global_at(member, scope, 0)
    }

    fn member_global_at(
        &mut self,
        member: &MemberExpression<'a>,
        scope: ScopeIndex,
        depth: u32,
    ) -> Option<String> {
        let object = self.global_name_at(member.object(), scope, depth + 1)?;
        let name = self.member_name(member, scope)?;
        if GLOBAL_OBJECTS.contains(&object.as_str()) {
            Some(name.into_owned())
        } else if object == "document" && name == "defaultView" {
            Some("window".into())
        } else {
            Some(format!("{object}.{name}"))
        }
    }

    fn spend(&mut self) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        true
    }

    fn eval(&mut self, expr: &Expression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        if depth > MAX_DEPTH || !self.spend() {
            return Value::Unknown;
        }
        let depth = depth + 1;
        match expr {
            Expression::StringLiteral(s) => {
                if s.raw.is_some_and(|raw| raw.as_str().contains('\\')) {
                    self.steps.insert(ComputedBy::Escape);
                }
                if s.lone_surrogates {
                    return Value::Unknown;
                }
                Value::string(s.value.as_str())
            }
            Expression::NumericLiteral(n) => Value::Num(n.value),
            Expression::BooleanLiteral(b) => Value::Bool(b.value),
            Expression::NullLiteral(_) => Value::Null,
            Expression::TemplateLiteral(t) => self.template(t, scope, depth),
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression, scope, depth),
            Expression::SequenceExpression(s) => match s.expressions.last() {
                Some(last) => self.eval(last, scope, depth),
                None => Value::Unknown,
            },
            Expression::Identifier(id) => self.identifier(id.name.as_str(), scope, depth),
            Expression::ArrayExpression(array) => {
                let mut items = Vec::with_capacity(array.elements.len().min(MAX_ARRAY_LEN));
                for element in &array.elements {
                    if items.len() >= MAX_ARRAY_LEN {
                        return Value::Unknown;
                    }
                    match element {
                        ArrayExpressionElement::SpreadElement(_) => return Value::Unknown,
                        ArrayExpressionElement::Elision(_) => items.push(Value::Undefined),
                        other => match other.as_expression() {
                            Some(e) => items.push(self.eval(e, scope, depth)),
                            None => items.push(Value::Unknown),
                        },
                    }
                }
                Value::Array(items)
            }
            Expression::BinaryExpression(b) => self.binary(b, scope, depth),
            Expression::UnaryExpression(u) => {
                let operand = self.eval(&u.argument, scope, depth);
                match u.operator {
                    UnaryOperator::UnaryNegation => operand
                        .to_number()
                        .map_or(Value::Unknown, |n| Value::Num(-n)),
                    UnaryOperator::UnaryPlus => {
                        operand.to_number().map_or(Value::Unknown, Value::Num)
                    }
                    UnaryOperator::LogicalNot => {
                        operand.truthy().map_or(Value::Unknown, |t| Value::Bool(!t))
                    }
                    UnaryOperator::BitwiseNot => operand
                        .to_number()
                        .map_or(Value::Unknown, |n| Value::Num(f64::from(!to_int32(n)))),
                    UnaryOperator::Void => Value::Undefined,
                    _ => Value::Unknown,
                }
            }
            Expression::LogicalExpression(l) => {
                let left = self.eval(&l.left, scope, depth);
                match (l.operator, left.truthy()) {
                    (LogicalOperator::Or, Some(true)) | (LogicalOperator::And, Some(false)) => left,
                    (LogicalOperator::Or, Some(false)) | (LogicalOperator::And, Some(true)) => {
                        self.eval(&l.right, scope, depth)
                    }
                    (LogicalOperator::Coalesce, _) => match left {
                        Value::Null | Value::Undefined => self.eval(&l.right, scope, depth),
                        Value::Unknown => Value::Unknown,
                        known => known,
                    },
                    _ => Value::Unknown,
                }
            }
            Expression::ConditionalExpression(c) => match self.eval(&c.test, scope, depth).truthy()
            {
                Some(true) => self.eval(&c.consequent, scope, depth),
                Some(false) => self.eval(&c.alternate, scope, depth),
                None => {
                    let a = self.eval(&c.consequent, scope, depth);
                    let b = self.eval(&c.alternate, scope, depth);
                    if a == b { a } else { Value::Unknown }
                }
            },
            Expression::CallExpression(call) => self.call(call, scope, depth),
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                match expr.as_member_expression() {
                    Some(member) => self.member(member, scope, depth),
                    None => Value::Unknown,
                }
            }
            _ => Value::Unknown,
        }
    }

    fn identifier(&mut self, name: &str, scope: ScopeIndex, depth: u32) -> Value {
        match self.bindings.resolve(scope, name) {
            None => match name {
                "undefined" => Value::Undefined,
                "NaN" => Value::Num(f64::NAN),
                "Infinity" => Value::Num(f64::INFINITY),
                _ => Value::Unknown,
            },
            Some((id, binding)) => {
                let (Some(init), true) = (binding.init, binding.constant) else {
                    return Value::Unknown;
                };
                if self.active.contains(&id) {
                    return Value::Unknown;
                }
                let init_scope = binding.scope;
                self.active.push(id);
                let value = self.eval(init, init_scope, depth);
                self.active.pop();
                if value != Value::Unknown {
                    self.steps.insert(ComputedBy::Binding);
                }
                value
            }
        }
    }

    fn template(&mut self, t: &TemplateLiteral<'a>, scope: ScopeIndex, depth: u32) -> Value {
        let mut out = PartialString::default();
        for (i, quasi) in t.quasis.iter().enumerate() {
            match &quasi.value.cooked {
                Some(cooked) => {
                    out.push_known(cooked.as_str());
                }
                None => out.push_unknown(),
            }
            if let Some(e) = t.expressions.get(i) {
                out.append(&self.eval(e, scope, depth).to_partial_string());
            }
        }
        if !t.expressions.is_empty() {
            self.steps.insert(ComputedBy::Template);
        }
        Value::Str(out)
    }

    fn binary(&mut self, b: &BinaryExpression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        let left = self.eval(&b.left, scope, depth);
        let right = self.eval(&b.right, scope, depth);
        if b.operator == BinaryOperator::Addition {
            if matches!(left, Value::Str(_) | Value::Array(_))
                || matches!(right, Value::Str(_) | Value::Array(_))
            {
                self.steps.insert(ComputedBy::Concatenation);
                let mut out = left.to_partial_string();
                out.append(&right.to_partial_string());
                return Value::Str(out);
            }
            if left == Value::Unknown || right == Value::Unknown {
                // One side unknown: the result may be a string with an
                // unknown part; keep the known side as text only if it is.
                return Value::Unknown;
            }
        }
        let (Some(l), Some(r)) = (left.to_number(), right.to_number()) else {
            return Value::Unknown;
        };
        let n = match b.operator {
            BinaryOperator::Addition => l + r,
            BinaryOperator::Subtraction => l - r,
            BinaryOperator::Multiplication => l * r,
            BinaryOperator::Division => l / r,
            BinaryOperator::Remainder => l % r,
            BinaryOperator::Exponential => exponentiate(l, r),
            BinaryOperator::BitwiseOR => f64::from(to_int32(l) | to_int32(r)),
            BinaryOperator::BitwiseXOR => f64::from(to_int32(l) ^ to_int32(r)),
            BinaryOperator::BitwiseAnd => f64::from(to_int32(l) & to_int32(r)),
            BinaryOperator::ShiftLeft => {
                f64::from(to_int32(l).wrapping_shl(to_int32(r) as u32 & 31))
            }
            BinaryOperator::ShiftRight => {
                f64::from(to_int32(l).wrapping_shr(to_int32(r) as u32 & 31))
            }
            BinaryOperator::ShiftRightZeroFill => {
                f64::from(to_uint32(l).wrapping_shr(to_uint32(r) & 31))
            }
            BinaryOperator::StrictEquality | BinaryOperator::Equality => {
                return Value::Bool(l == r);
            }
            BinaryOperator::StrictInequality | BinaryOperator::Inequality => {
                return Value::Bool(l != r);
            }
            BinaryOperator::LessThan => return Value::Bool(l < r),
            BinaryOperator::LessEqualThan => return Value::Bool(l <= r),
            BinaryOperator::GreaterThan => return Value::Bool(l > r),
            BinaryOperator::GreaterEqualThan => return Value::Bool(l >= r),
            _ => return Value::Unknown,
        };
        Value::Num(n)
    }

    fn member(&mut self, member: &MemberExpression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        let Some(name) = self.member_name(member, scope) else {
            return Value::Unknown;
        };
        if let Some((object, object_scope)) = self.object_literal(member.object(), scope, depth)
            && let Some(value) = object_property(object, &name)
        {
            let value = self.eval(value, object_scope, depth);
            if value != Value::Unknown {
                self.steps.insert(ComputedBy::Property);
            }
            return value;
        }
        let object = self.eval(member.object(), scope, depth);
        match (&object, name.as_ref()) {
            (Value::Str(s), "length") => s.as_known().map_or(Value::Unknown, |t| {
                Value::Num(t.encode_utf16().count() as f64)
            }),
            (Value::Array(items), "length") => Value::Num(items.len() as f64),
            (Value::Array(items), index) => index
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i).cloned())
                .unwrap_or(Value::Unknown),
            (Value::Str(s), index) => match (s.as_known(), index.parse::<usize>()) {
                (Some(text), Ok(i)) => utf16_slice(text, i as f64, Some(i as f64 + 1.0)),
                _ => Value::Unknown,
            },
            _ => Value::Unknown,
        }
    }

    /// The object literal an expression denotes through constant bindings.
    fn object_literal(
        &mut self,
        expr: &Expression<'a>,
        scope: ScopeIndex,
        depth: u32,
    ) -> Option<(&'a ObjectExpression<'a>, ScopeIndex)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let Expression::Identifier(id) = expr.without_parentheses() else {
            return None;
        };
        let (_, binding) = self.bindings.resolve(scope, id.name.as_str())?;
        if !binding.constant {
            return None;
        }
        match binding.init?.without_parentheses() {
            Expression::ObjectExpression(object) => {
                // SAFETY-free: the binding table holds arena references.
                let object: &'a ObjectExpression<'a> = object;
                Some((object, binding.scope))
            }
            Expression::Identifier(_) => {
                let init = binding.init?;
                self.object_literal(init, binding.scope, depth + 1)
            }
            _ => None,
        }
    }

    fn call(&mut self, call: &CallExpression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        let args: Vec<&Expression<'a>> = call
            .arguments
            .iter()
            .map_while(|a| match a {
                Argument::SpreadElement(_) => None,
                other => other.as_expression(),
            })
            .collect();
        if args.len() != call.arguments.len() {
            return Value::Unknown;
        }
        // Global functions: atob(…), String.fromCharCode(…) and friends.
        if let Some(global) = self.global_name(&call.callee, scope) {
            return self.global_call(&global, &args, scope, depth);
        }
        let Some(member) = call.callee.without_parentheses().as_member_expression() else {
            return Value::Unknown;
        };
        let Some(method) = self.member_name(member, scope) else {
            return Value::Unknown;
        };
        let receiver = self.eval(member.object(), scope, depth);
        let mut values = Vec::with_capacity(args.len());
        for a in &args {
            values.push(self.eval(a, scope, depth));
        }
        self.method_call(receiver, &method, &values)
    }

    fn global_call(
        &mut self,
        global: &str,
        args: &[&Expression<'a>],
        scope: ScopeIndex,
        depth: u32,
    ) -> Value {
        let first = |this: &mut Self| match args.first() {
            Some(a) => this.eval(a, scope, depth),
            None => Value::Undefined,
        };
        match global {
            "atob" => {
                let arg = first(self).to_partial_string();
                let Some(text) = arg.as_known() else {
                    return Value::Unknown;
                };
                match atob(text) {
                    Some(decoded) => {
                        self.steps.insert(ComputedBy::Atob);
                        Value::string(decoded)
                    }
                    None => Value::Unknown,
                }
            }
            "decodeURIComponent" | "decodeURI" | "unescape" => {
                let arg = first(self).to_partial_string();
                let Some(text) = arg.as_known() else {
                    return Value::Unknown;
                };
                let decoded = if global == "unescape" {
                    unescape(text)
                } else {
                    decode_uri(text)
                };
                match decoded {
                    Some(decoded) => {
                        self.steps.insert(ComputedBy::UriDecode);
                        Value::string(decoded)
                    }
                    None => Value::Unknown,
                }
            }
            "String.fromCharCode" | "String.fromCodePoint" => {
                let mut out = String::new();
                let mut units: Vec<u16> = Vec::new();
                for a in args {
                    let Some(n) = self.eval(a, scope, depth).to_number() else {
                        return Value::Unknown;
                    };
                    if global == "String.fromCharCode" {
                        units.push(to_int32(n) as u16);
                    } else {
                        match char::from_u32(n as u32) {
                            Some(c) if n >= 0.0 && n.fract() == 0.0 => out.push(c),
                            _ => return Value::Unknown,
                        }
                    }
                    if units.len() + out.len() > MAX_STRING_BYTES {
                        return Value::Unknown;
                    }
                }
                out.push_str(&String::from_utf16_lossy(&units));
                self.steps.insert(ComputedBy::FromCharCode);
                Value::string(out)
            }
            "String" => Value::Str(first(self).to_partial_string()),
            "Number" | "parseInt" | "parseFloat" => {
                match first(self).to_partial_string().as_known() {
                    Some(text) => parse_number(text, global),
                    None => Value::Unknown,
                }
            }
            _ => Value::Unknown,
        }
    }

    fn method_call(&mut self, receiver: Value, method: &str, args: &[Value]) -> Value {
        let arg_str = |i: usize| args.get(i).map(Value::to_partial_string);
        let arg_num = |i: usize| args.get(i).and_then(Value::to_number);
        match (receiver, method) {
            (Value::Array(items), "join") => {
                let separator = match args.first() {
                    None | Some(Value::Undefined) => PartialString::known(","),
                    Some(v) => v.to_partial_string(),
                };
                let Some(separator) = separator.as_known() else {
                    return Value::Unknown;
                };
                self.steps.insert(ComputedBy::ArrayJoin);
                Value::Str(join(&items, separator))
            }
            (Value::Array(mut items), "reverse") => {
                items.reverse();
                self.steps.insert(ComputedBy::Reverse);
                Value::Array(items)
            }
            (Value::Array(mut items), "concat") => {
                for a in args {
                    match a {
                        Value::Array(more) => items.extend(more.iter().cloned()),
                        other => items.push(other.clone()),
                    }
                    if items.len() > MAX_ARRAY_LEN {
                        return Value::Unknown;
                    }
                }
                Value::Array(items)
            }
            (Value::Array(items), "slice") => {
                let len = items.len() as f64;
                let start = clamp_index(arg_num(0).unwrap_or(0.0), len);
                let end = clamp_index(arg_num(1).unwrap_or(len), len);
                Value::Array(
                    items
                        .get(start..end.max(start))
                        .map(<[Value]>::to_vec)
                        .unwrap_or_default(),
                )
            }
            (Value::Str(s), method) => self.string_method(&s, method, &arg_str, &arg_num),
            (Value::Num(n), "toString") => match arg_num(0) {
                None => Value::string(number_to_string(n)),
                Some(radix) => to_radix(n, radix).map_or(Value::Unknown, Value::string),
            },
            _ => Value::Unknown,
        }
    }

    fn string_method(
        &mut self,
        s: &PartialString,
        method: &str,
        arg_str: &dyn Fn(usize) -> Option<PartialString>,
        arg_num: &dyn Fn(usize) -> Option<f64>,
    ) -> Value {
        if method == "concat" {
            let mut out = s.clone();
            let mut i = 0;
            while let Some(a) = arg_str(i) {
                out.append(&a);
                i += 1;
            }
            self.steps.insert(ComputedBy::StringMethod);
            return Value::Str(out);
        }
        if method == "toString" || method == "valueOf" {
            return Value::Str(s.clone());
        }
        let Some(text) = s.as_known() else {
            return Value::Unknown;
        };
        let value = match method {
            "split" => {
                let Some(separator) = arg_str(0) else {
                    return Value::Array(vec![Value::string(text)]);
                };
                let Some(separator) = separator.as_known().map(str::to_owned) else {
                    return Value::Unknown;
                };
                let parts: Vec<Value> = if separator.is_empty() {
                    text.encode_utf16()
                        .map(|u| Value::string(String::from_utf16_lossy(&[u])))
                        .take(MAX_ARRAY_LEN + 1)
                        .collect()
                } else {
                    text.split(separator.as_str())
                        .take(MAX_ARRAY_LEN + 1)
                        .map(Value::string)
                        .collect()
                };
                if parts.len() > MAX_ARRAY_LEN {
                    return Value::Unknown;
                }
                self.steps.insert(ComputedBy::Split);
                return Value::Array(parts);
            }
            "toLowerCase" | "toLocaleLowerCase" => Value::string(text.to_lowercase()),
            "toUpperCase" | "toLocaleUpperCase" => Value::string(text.to_uppercase()),
            "trim" => Value::string(text.trim()),
            "trimStart" | "trimLeft" => Value::string(text.trim_start()),
            "trimEnd" | "trimRight" => Value::string(text.trim_end()),
            "slice" => {
                let len = text.encode_utf16().count() as f64;
                let start = relative_index(arg_num(0).unwrap_or(0.0), len);
                let end = relative_index(arg_num(1).unwrap_or(len), len);
                utf16_slice(text, start, Some(end.max(start)))
            }
            "substring" => {
                let len = text.encode_utf16().count() as f64;
                let a = arg_num(0).unwrap_or(0.0).clamp(0.0, len);
                let b = arg_num(1).unwrap_or(len).clamp(0.0, len);
                utf16_slice(text, a.min(b), Some(a.max(b)))
            }
            "substr" => {
                let len = text.encode_utf16().count() as f64;
                let start = relative_index(arg_num(0).unwrap_or(0.0), len);
                let count = arg_num(1).unwrap_or(len).max(0.0);
                utf16_slice(text, start, Some((start + count).min(len)))
            }
            "charAt" => {
                let i = arg_num(0).unwrap_or(0.0);
                utf16_slice(text, i, Some(i + 1.0))
            }
            "charCodeAt" => {
                let i = arg_num(0).unwrap_or(0.0);
                match text.encode_utf16().nth(i as usize) {
                    Some(unit) if i >= 0.0 => Value::Num(f64::from(unit)),
                    _ => Value::Num(f64::NAN),
                }
            }
            "replace" | "replaceAll" => {
                let (Some(from), Some(to)) = (arg_str(0), arg_str(1)) else {
                    return Value::Unknown;
                };
                let (Some(from), Some(to)) = (from.as_known(), to.as_known()) else {
                    return Value::Unknown;
                };
                // `$` patterns in the replacement are rare in obfuscation and
                // would need the full GetSubstitution algorithm: skip them.
                if to.contains('$') {
                    return Value::Unknown;
                }
                let out = if method == "replace" {
                    text.replacen(from, to, 1)
                } else {
                    text.replace(from, to)
                };
                if out.len() > MAX_STRING_BYTES {
                    return Value::Unknown;
                }
                Value::string(out)
            }
            "repeat" => {
                let count = arg_num(0).unwrap_or(0.0);
                if count < 0.0 || text.len() as f64 * count > MAX_STRING_BYTES as f64 {
                    return Value::Unknown;
                }
                Value::string(text.repeat(count as usize))
            }
            _ => return Value::Unknown,
        };
        self.steps.insert(ComputedBy::StringMethod);
        value
    }
}

/// The value of property `name` in an object literal, when the literal
/// defines it plainly. Spreads and computed keys could override it: then
/// nothing is claimed.
fn object_property<'a>(object: &'a ObjectExpression<'a>, name: &str) -> Option<&'a Expression<'a>> {
    let mut found = None;
    for property in &object.properties {
        match property {
            ObjectPropertyKind::SpreadProperty(_) => return None,
            ObjectPropertyKind::ObjectProperty(p) => {
                let key = match &p.key {
                    PropertyKey::StaticIdentifier(id) => Some(id.name.as_str().to_owned()),
                    PropertyKey::StringLiteral(s) => Some(s.value.as_str().to_owned()),
                    PropertyKey::NumericLiteral(n) => Some(number_to_string(n.value)),
                    _ if p.computed => return None,
                    _ => None,
                };
                if key.as_deref() == Some(name) {
                    found = (p.kind == PropertyKind::Init && !p.method).then_some(&p.value);
                }
            }
        }
    }
    found
}

fn relative_index(i: f64, len: f64) -> f64 {
    if i < 0.0 {
        (len + i).max(0.0)
    } else {
        i.min(len)
    }
}

fn clamp_index(i: f64, len: f64) -> usize {
    relative_index(i, len) as usize
}

/// `text.slice(start, end)` in UTF-16 code units.
fn utf16_slice(text: &str, start: f64, end: Option<f64>) -> Value {
    if start.is_nan() || start < 0.0 {
        return Value::Unknown;
    }
    let units: Vec<u16> = text.encode_utf16().collect();
    let start = (start as usize).min(units.len());
    let end = end
        .map_or(units.len(), |e| (e.max(0.0) as usize).min(units.len()))
        .max(start);
    Value::string(String::from_utf16_lossy(&units[start..end]))
}

fn parse_number(text: &str, how: &str) -> Value {
    let text = text.trim();
    let parsed = match how {
        "parseInt" => {
            let digits: String = text
                .char_indices()
                .take_while(|&(i, c)| c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+')))
                .map(|(_, c)| c)
                .collect();
            digits.parse::<f64>().ok()
        }
        _ => text.parse::<f64>().ok(),
    };
    Value::Num(parsed.unwrap_or(f64::NAN))
}

fn to_radix(n: f64, radix: f64) -> Option<String> {
    if !(2.0..=36.0).contains(&radix) || n.fract() != 0.0 || n.abs() > 9.0e15 {
        return None;
    }
    let radix = radix as u32;
    let negative = n < 0.0;
    let mut v = n.abs() as u64;
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((v % u64::from(radix)) as u32, radix)?);
        v /= u64::from(radix);
        if v == 0 {
            break;
        }
    }
    if negative {
        digits.push('-');
    }
    Some(digits.iter().rev().collect())
}

/// `atob`: forgiving base64 (whitespace removed, padding optional) to a
/// Latin-1 string, as browsers decode it.
pub fn atob(text: &str) -> Option<String> {
    let cleaned: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let trimmed = cleaned.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()?;
    Some(bytes.iter().map(|&b| char::from(b)).collect())
}

/// `decodeURIComponent`: percent-decoding of UTF-8; fails like the browser
/// on malformed sequences.
fn decode_uri(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `unescape`: `%XX` as Latin-1 and `%uXXXX` as UTF-16 code units.
fn unescape(text: &str) -> Option<String> {
    let mut units: Vec<u16> = Vec::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '%' {
            let hex = |from: usize, len: usize| -> Option<u16> {
                let s: String = chars.get(from..from + len)?.iter().collect();
                u16::from_str_radix(&s, 16).ok()
            };
            if chars.get(i + 1) == Some(&'u')
                && let Some(unit) = hex(i + 2, 4)
            {
                units.push(unit);
                i += 6;
                continue;
            }
            if let Some(byte) = hex(i + 1, 2) {
                units.push(byte);
                i += 3;
                continue;
            }
        }
        let mut buffer = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut buffer));
        i += 1;
    }
    Some(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxc_allocator::Allocator;
    use oxc_ast::ast::Statement;
    use oxc_parser::Parser;
    use oxc_span::SourceType;

    /// Evaluates the expression of the last statement of `source`.
    fn eval(source: &str) -> (String, Vec<ComputedBy>) {
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, source, SourceType::cjs()).parse();
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let bindings = Bindings::collect(&parsed.program);
        let Some(Statement::ExpressionStatement(last)) = parsed.program.body.last() else {
            panic!("the last statement must be an expression");
        };
        let mut evaluator = Evaluator::new(&bindings);
        let out = evaluator.evaluate(&last.expression, 1);
        (out.value.to_partial_string().render(), out.steps.to_vec())
    }

    #[test]
    fn concatenation_and_templates() {
        assert_eq!(eval(r#""https://" + "a.com" + "/x";"#).0, "https://a.com/x");
        assert_eq!(eval(r#"`https://${"a"}.com/${h}`;"#).0, "https://a.com/{*}");
        assert_eq!(
            eval(r#""https://" + h + "/v1/collect";"#).0,
            "https://{*}/v1/collect"
        );
    }

    #[test]
    fn string_tricks_used_to_hide_urls() {
        assert_eq!(
            eval(r#"["ht", "tps://", "a.cn"].join("");"#).0,
            "https://a.cn"
        );
        assert_eq!(
            eval(r#""nc.a//:sptth".split("").reverse().join("");"#).0,
            "https://a.cn"
        );
        assert_eq!(eval("String.fromCharCode(104, 0x74, 116, 112);").0, "http");
        assert_eq!(eval(r#"atob("aHR0cHM6Ly9hLmNu");"#).0, "https://a.cn");
        assert_eq!(
            eval(r#"window.atob("aHR0cHM6Ly9hLmNu");"#).0,
            "https://a.cn"
        );
        assert_eq!(
            eval(r#"decodeURIComponent("https%3A%2F%2Fa.cn");"#).0,
            "https://a.cn"
        );
        assert_eq!(eval(r#"unescape("%u0068ttp");"#).0, "http");
        assert_eq!(
            eval(r#"("\x68\u0074\164p");"#),
            ("http".into(), vec![ComputedBy::Escape])
        );
        assert_eq!(eval(r#""HTTPS://A.CN".toLowerCase();"#).0, "https://a.cn");
        assert_eq!(eval(r#""xhttps://a.cnx".slice(1, -1);"#).0, "https://a.cn");
        assert_eq!(eval(r#""https://".concat("a", ".cn");"#).0, "https://a.cn");
    }

    #[test]
    fn constants_are_followed_through_bindings_and_properties() {
        let (value, steps) =
            eval(r#"const h = "a.cn"; const cfg = { path: "/x" }; "https://" + h + cfg.path;"#);
        assert_eq!(value, "https://a.cn/x");
        assert!(steps.contains(&ComputedBy::Binding));
        assert!(steps.contains(&ComputedBy::Property));
    }

    #[test]
    fn reassigned_bindings_are_unknown() {
        assert_eq!(
            eval(r#"let h = "a.cn"; h = other; "https://" + h;"#).0,
            "https://{*}"
        );
    }

    #[test]
    fn shadowed_globals_are_not_evaluated() {
        assert_eq!(eval(r#"const atob = (x) => x; atob("aHR0cA==");"#).0, "{*}");
    }

    #[test]
    fn numbers_to_expressions() {
        assert_eq!(eval("-0x1 * 0x2 + 0x3 * 0x4;").0, "10");
        assert_eq!(eval("!![];").0, "true");
    }

    #[test]
    fn cycles_and_blow_ups_are_bounded() {
        assert_eq!(eval("const a = b; const b = a; a;").0, "{*}");
        let mut doubling = String::from("const a0 = 'xxxxxxxxxxxxxxxx';");
        for i in 1..40 {
            doubling.push_str(&format!("const a{i} = a{p} + a{p};", p = i - 1));
        }
        doubling.push_str("a39;");
        let (value, _) = eval(&doubling);
        assert!(value.len() <= MAX_STRING_BYTES + 8);
    }
}
