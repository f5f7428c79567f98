//! Static evaluation: computing values from an expression's literals,
//! operators and built-in calls without running code.
//!
//! One evaluator serves two questions. The analysis asks what a sink's
//! argument may be ([`Evaluator::new`]): whatever cannot be followed
//! becomes an unknown part, so `"https://" + h + "/v1/collect"` still
//! yields its known parts, and operands whose effects are skipped (the
//! first expressions of a sequence, an untested branch) do not matter. The
//! deobfuscator asks what an expression *is*, to write it back as a literal
//! ([`Evaluator::exact`]): there any unknown operand makes the whole
//! expression unknown, and nothing with an effect is skipped.
//!
//! Names come from an [`Environment`]: the scope-resolved binding table of
//! [`crate::bindings`] for the analysis, the deobfuscator's name-keyed
//! constant objects and wrapper parameters for rewriting, or
//! [`Literals`] (nothing but literals).
//!
//! Every evaluation runs under a step budget and a depth limit, and strings
//! and arrays are capped (see [`crate::value`]), so hostile code cannot make
//! evaluation hang or allocate without bound.

use std::borrow::Cow;
use std::marker::PhantomData;

use oxc_ast::ast::{
    Argument, ArrayExpressionElement, BinaryExpression, CallExpression, Expression,
    MemberExpression, TemplateLiteral,
};
use oxc_syntax::operator::{BinaryOperator, LogicalOperator, UnaryOperator};

use crate::bindings::ScopeIndex;
use crate::builtins::{call_global, call_method};
use crate::number::{exponentiate, to_int32, to_uint32};
use crate::steps::{Step, Steps};
use crate::value::{MAX_ARRAY_LEN, PartialString, Value, compare};

/// Nodes visited by one top-level evaluation, at most.
const STEP_BUDGET: u32 = 20_000;
/// Nesting of sub-evaluations, at most (also bounds binding chains):
/// deeper input is left unknown so that hostile nesting cannot exhaust the
/// stack.
pub const MAX_DEPTH: u32 = 200;
/// Names that refer to the global object.
const GLOBAL_OBJECTS: [&str; 4] = ["window", "self", "globalThis", "top"];
/// Longest computed member name followed (`o["a" + "b"]`).
const MAX_MEMBER_NAME: usize = 128;

/// What a name or a property stands for, as an [`Environment`] knows it.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// Not declared by the program: the global of that name (`atob`,
    /// `undefined`, `window`).
    Global,
    /// A value known outright.
    Value(Value),
    /// A constant whose value is `expr` evaluated in `scope`; `binding`
    /// names the binding so that cycles (`const a = b, b = a`) stop.
    Expression {
        /// The initialiser.
        expr: &'a Expression<'a>,
        /// The scope it is evaluated in.
        scope: ScopeIndex,
        /// The binding's number, when it is one.
        binding: Option<u32>,
    },
    /// Nothing known (declared but written, a parameter, not a constant).
    Unknown,
}

/// Where the evaluator looks up names and properties of constant objects.
pub trait Environment<'a> {
    /// What identifier `name`, seen from `scope`, refers to.
    fn identifier(&self, name: &str, scope: ScopeIndex) -> Lookup<'a>;
    /// Property `key` of the constant object `object` (seen from `scope`)
    /// denotes; [`Lookup::Unknown`] when `object` is no such object.
    fn property(&self, object: &Expression<'a>, key: &str, scope: ScopeIndex) -> Lookup<'a>;
}

/// An environment that knows no names and no globals: only literals fold.
pub struct Literals;

impl<'a> Environment<'a> for Literals {
    fn identifier(&self, name: &str, _scope: ScopeIndex) -> Lookup<'a> {
        // `undefined` is the one name obfuscators and packers use for the
        // value itself; nothing here can tell whether any other is shadowed.
        if name == "undefined" {
            Lookup::Global
        } else {
            Lookup::Unknown
        }
    }
    fn property(&self, _object: &Expression<'a>, _key: &str, _scope: ScopeIndex) -> Lookup<'a> {
        Lookup::Unknown
    }
}

/// The result of evaluating an expression.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The value, with unknown parts where needed ([`Value::Unknown`]
    /// whenever anything is unknown, for an exact evaluator).
    pub value: Value,
    /// The steps used to compute it.
    pub steps: Steps,
}

/// Evaluates expressions against an [`Environment`].
pub struct Evaluator<'e, 'a, E: Environment<'a>> {
    env: &'e E,
    exact: bool,
    /// Set, in exact mode, once any sub-expression was unknown.
    incomplete: bool,
    budget: u32,
    steps: Steps,
    active: Vec<u32>,
    _arena: PhantomData<&'a ()>,
}

impl<'e, 'a, E: Environment<'a>> Evaluator<'e, 'a, E> {
    /// An evaluator for analysis: strings keep their known parts.
    pub fn new(env: &'e E) -> Self {
        Self {
            env,
            exact: false,
            incomplete: false,
            budget: 0,
            steps: Steps::default(),
            active: Vec::new(),
            _arena: PhantomData,
        }
    }

    /// An evaluator for rewriting: a value only where the whole
    /// expression is known and evaluating it skips no effect.
    pub fn exact(env: &'e E) -> Self {
        Self {
            exact: true,
            ..Self::new(env)
        }
    }

    /// The environment.
    pub fn environment(&self) -> &'e E {
        self.env
    }

    fn start(&mut self) {
        self.budget = STEP_BUDGET;
        self.steps = Steps::default();
        self.active.clear();
        self.incomplete = false;
    }

    fn finish(&mut self, value: Value) -> Evaluation {
        let value = if self.exact && (self.incomplete || !value.is_known()) {
            Value::Unknown
        } else {
            value
        };
        Evaluation {
            value,
            steps: self.steps,
        }
    }

    /// Evaluates `expr` as seen from `scope`.
    pub fn evaluate(&mut self, expr: &Expression<'a>, scope: ScopeIndex) -> Evaluation {
        self.start();
        let value = self.eval(expr, scope, 0);
        self.finish(value)
    }

    /// Evaluates a binary expression as seen from `scope`.
    pub fn evaluate_binary(&mut self, b: &BinaryExpression<'a>, scope: ScopeIndex) -> Evaluation {
        self.start();
        let value = self.binary(b, scope, 1);
        self.finish(value)
    }

    /// The known name of a member access: `a.b` gives `b`; `a["b" + "c"]`
    /// gives `bc` when the key evaluates fully.
    pub fn member_name(
        &mut self,
        member: &MemberExpression<'a>,
        scope: ScopeIndex,
    ) -> Option<Cow<'a, str>> {
        self.start();
        self.member_key(member, scope, 0)
    }

    /// [`Evaluator::member_name`] inside an evaluation: spends from its
    /// budget and keeps its steps.
    fn member_key(
        &mut self,
        member: &MemberExpression<'a>,
        scope: ScopeIndex,
        depth: u32,
    ) -> Option<Cow<'a, str>> {
        match member {
            MemberExpression::StaticMemberExpression(m) => {
                Some(Cow::Borrowed(m.property.name.as_str()))
            }
            MemberExpression::ComputedMemberExpression(m) => {
                if let Expression::StringLiteral(s) = &m.expression {
                    return Some(Cow::Borrowed(s.value.as_str()));
                }
                let key = self.eval(&m.expression, scope, depth);
                let key = key.to_partial_string();
                key.as_known()
                    .filter(|k| k.len() <= MAX_MEMBER_NAME)
                    .map(|k| Cow::Owned(k.to_owned()))
            }
            MemberExpression::PrivateFieldExpression(_) => None,
        }
    }

    /// The browser global an expression denotes, when it is one: an
    /// unshadowed identifier (`navigator`), a property of the global object
    /// (`window.navigator`, `self["screen"]`), or a constant alias of either.
    pub fn global_name(&mut self, expr: &Expression<'a>, scope: ScopeIndex) -> Option<String> {
        self.start();
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
                match self.env.identifier(name, scope) {
                    Lookup::Global => Some(name.to_owned()),
                    Lookup::Expression { expr, scope, .. } => {
                        self.global_name_at(expr, scope, depth + 1)
                    }
                    Lookup::Value(_) | Lookup::Unknown => None,
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
        self.start();
        self.member_global_at(member, scope, 0)
    }

    fn member_global_at(
        &mut self,
        member: &MemberExpression<'a>,
        scope: ScopeIndex,
        depth: u32,
    ) -> Option<String> {
        let object = self.global_name_at(member.object(), scope, depth + 1)?;
        let name = self.member_key(member, scope, depth + 1)?;
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

    /// Evaluates a sub-expression; in exact mode an unknown result marks
    /// the whole evaluation incomplete.
    fn eval(&mut self, expr: &Expression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        let value = if depth > MAX_DEPTH || !self.spend() {
            Value::Unknown
        } else {
            self.eval_node(expr, scope, depth + 1)
        };
        if self.exact && value == Value::Unknown {
            self.incomplete = true;
        }
        value
    }

    fn eval_node(&mut self, expr: &Expression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        match expr {
            Expression::StringLiteral(s) => {
                if s.raw.is_some_and(|raw| raw.as_str().contains('\\')) {
                    self.steps.insert(Step::Escape);
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
            // The earlier expressions run for their effects, which the
            // analysis may skip but a rewrite may not drop.
            Expression::SequenceExpression(s) if !self.exact => match s.expressions.last() {
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
                unary(u.operator, &operand)
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
                None if self.exact => Value::Unknown,
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
        match self.env.identifier(name, scope) {
            Lookup::Global => match name {
                "undefined" => Value::Undefined,
                "NaN" => Value::Num(f64::NAN),
                "Infinity" => Value::Num(f64::INFINITY),
                _ => Value::Unknown,
            },
            Lookup::Value(value) => value,
            Lookup::Unknown => Value::Unknown,
            Lookup::Expression {
                expr,
                scope,
                binding,
            } => {
                let value = self.follow(expr, scope, binding, depth);
                if value != Value::Unknown {
                    self.steps.insert(Step::Binding);
                }
                value
            }
        }
    }

    /// Evaluates a binding's initialiser, unless that binding is already
    /// being evaluated (a cycle).
    fn follow(
        &mut self,
        expr: &'a Expression<'a>,
        scope: ScopeIndex,
        binding: Option<u32>,
        depth: u32,
    ) -> Value {
        let Some(id) = binding else {
            return self.eval(expr, scope, depth);
        };
        if self.active.contains(&id) {
            return Value::Unknown;
        }
        self.active.push(id);
        let value = self.eval(expr, scope, depth);
        self.active.pop();
        value
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
            self.steps.insert(Step::Template);
        }
        Value::Str(out)
    }

    fn binary(&mut self, b: &BinaryExpression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        let left = self.eval(&b.left, scope, depth);
        let right = self.eval(&b.right, scope, depth);
        let value = binary(b.operator, &left, &right);
        if b.operator == BinaryOperator::Addition && matches!(value, Value::Str(_)) {
            self.steps.insert(Step::Concatenation);
        }
        value
    }

    fn member(&mut self, member: &MemberExpression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        let Some(name) = self.member_key(member, scope, depth) else {
            return Value::Unknown;
        };
        let property = match self.env.property(member.object(), &name, scope) {
            Lookup::Value(value) => value,
            Lookup::Expression {
                expr,
                scope,
                binding,
            } => self.follow(expr, scope, binding, depth),
            Lookup::Global | Lookup::Unknown => Value::Unknown,
        };
        if property != Value::Unknown {
            self.steps.insert(Step::Property);
            return property;
        }
        let object = self.eval(member.object(), scope, depth);
        property_of(&object, &name)
    }

    fn call(&mut self, call: &CallExpression<'a>, scope: ScopeIndex, depth: u32) -> Value {
        let mut args = Vec::with_capacity(call.arguments.len());
        // Global functions: atob(…), String.fromCharCode(…) and friends.
        if let Some(global) = self.global_name_at(&call.callee, scope, 0) {
            if !self.arguments(&call.arguments, scope, depth, &mut args) {
                return Value::Unknown;
            }
            return call_global(&global, &args, &mut self.steps);
        }
        let Some(member) = call.callee.without_parentheses().as_member_expression() else {
            return Value::Unknown;
        };
        let Some(method) = self.member_key(member, scope, depth) else {
            return Value::Unknown;
        };
        let receiver = self.eval(member.object(), scope, depth);
        if !self.arguments(&call.arguments, scope, depth, &mut args) {
            return Value::Unknown;
        }
        call_method(receiver, &method, &args, &mut self.steps)
    }

    /// Evaluates call arguments into `out`; false on a spread.
    fn arguments(
        &mut self,
        arguments: &[Argument<'a>],
        scope: ScopeIndex,
        depth: u32,
        out: &mut Vec<Value>,
    ) -> bool {
        for a in arguments {
            let Some(e) = a.as_expression() else {
                return false;
            };
            out.push(self.eval(e, scope, depth));
        }
        true
    }
}

/// `object[name]` for the values that have properties here: a string's or
/// an array's `length` and indices.
fn property_of(object: &Value, name: &str) -> Value {
    match (object, name) {
        (Value::Str(s), "length") => s.as_known().map_or(Value::Unknown, |t| {
            Value::Num(t.encode_utf16().count() as f64)
        }),
        (Value::Array(items), "length") => Value::Num(items.len() as f64),
        (Value::Array(items), index) => array_index(index)
            .and_then(|i| items.get(i).cloned())
            .unwrap_or(Value::Unknown),
        (Value::Str(s), index) => match (s.as_known(), array_index(index)) {
            (Some(text), Some(i)) => text.encode_utf16().nth(i).map_or(Value::Unknown, |u| {
                Value::string(String::from_utf16_lossy(&[u]))
            }),
            _ => Value::Unknown,
        },
        _ => Value::Unknown,
    }
}

/// A canonical array index (`"0"`, `"12"`, not `"01"` or `"+1"`).
fn array_index(name: &str) -> Option<usize> {
    if name.len() > 1 && name.starts_with('0') || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// A unary operator applied to a value.
pub fn unary(operator: UnaryOperator, operand: &Value) -> Value {
    let number = |f: fn(f64) -> f64| {
        operand
            .to_number()
            .map_or(Value::Unknown, |n| Value::Num(f(n)))
    };
    match operator {
        UnaryOperator::UnaryNegation => number(|n| -n),
        UnaryOperator::UnaryPlus => number(|n| n),
        UnaryOperator::BitwiseNot => number(|n| f64::from(!to_int32(n))),
        UnaryOperator::LogicalNot => operand.truthy().map_or(Value::Unknown, |t| Value::Bool(!t)),
        UnaryOperator::Typeof => operand.type_of().map_or(Value::Unknown, Value::string),
        UnaryOperator::Void => Value::Undefined,
        UnaryOperator::Delete => Value::Unknown,
    }
}

/// A binary operator applied to two values: `+` concatenates when either
/// side is a string or an array (keeping known parts), else adds numbers.
pub fn binary(operator: BinaryOperator, left: &Value, right: &Value) -> Value {
    use std::cmp::Ordering;
    let boolean = |b: Option<bool>| b.map_or(Value::Unknown, Value::Bool);
    match operator {
        BinaryOperator::Addition => {
            let string_like = |v: &Value| matches!(v, Value::Str(_) | Value::Array(_));
            if string_like(left) || string_like(right) {
                let mut out = left.to_partial_string();
                out.append(&right.to_partial_string());
                return Value::Str(out);
            }
        }
        BinaryOperator::StrictEquality => return boolean(left.strict_equals(right)),
        BinaryOperator::StrictInequality => return boolean(left.strict_equals(right).map(|e| !e)),
        BinaryOperator::Equality => return boolean(left.loose_equals(right)),
        BinaryOperator::Inequality => return boolean(left.loose_equals(right).map(|e| !e)),
        BinaryOperator::LessThan => return boolean(compare(left, right, Ordering::is_lt)),
        BinaryOperator::LessEqualThan => return boolean(compare(left, right, Ordering::is_le)),
        BinaryOperator::GreaterThan => return boolean(compare(left, right, Ordering::is_gt)),
        BinaryOperator::GreaterEqualThan => return boolean(compare(left, right, Ordering::is_ge)),
        BinaryOperator::In | BinaryOperator::Instanceof => return Value::Unknown,
        _ => {}
    }
    let (Some(l), Some(r)) = (left.to_number(), right.to_number()) else {
        return Value::Unknown;
    };
    Value::Num(match operator {
        BinaryOperator::Subtraction => l - r,
        BinaryOperator::Multiplication => l * r,
        BinaryOperator::Division => l / r,
        BinaryOperator::Remainder => l % r,
        BinaryOperator::Exponential => exponentiate(l, r),
        BinaryOperator::BitwiseOR => f64::from(to_int32(l) | to_int32(r)),
        BinaryOperator::BitwiseXOR => f64::from(to_int32(l) ^ to_int32(r)),
        BinaryOperator::BitwiseAnd => f64::from(to_int32(l) & to_int32(r)),
        BinaryOperator::ShiftLeft => f64::from(to_int32(l).wrapping_shl(to_uint32(r) & 31)),
        BinaryOperator::ShiftRight => f64::from(to_int32(l).wrapping_shr(to_uint32(r) & 31)),
        BinaryOperator::ShiftRightZeroFill => {
            f64::from(to_uint32(l).wrapping_shr(to_uint32(r) & 31))
        }
        // Addition of two non-strings.
        _ => l + r,
    })
}
#[cfg(test)]
mod tests {
    use super::*;
    use oxc_allocator::Allocator;
    use oxc_ast::ast::Statement;
    use oxc_parser::Parser;
    use oxc_span::SourceType;

    use crate::bindings::Bindings;
    use crate::value::MAX_STRING_BYTES;

    /// Evaluates the expression of the last statement of `source`.
    fn eval(source: &str) -> (String, Vec<Step>) {
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, source, SourceType::cjs()).parse();
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let bindings = Bindings::collect(&parsed.program);
        let Some(Statement::ExpressionStatement(last)) = parsed.program.body.last() else {
            panic!("the last statement must be an expression");
        };
        let mut evaluator = Evaluator::new(&bindings);
        let out = evaluator.evaluate(&last.expression, 1);
        (
            out.value.to_partial_string().render(),
            out.steps.iter().collect(),
        )
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
            ("http".into(), vec![Step::Escape])
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
        assert!(steps.contains(&Step::Binding));
        assert!(steps.contains(&Step::Property));
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

    /// Exact evaluation over literals only, as the deobfuscator folds.
    fn fold(expression: &str) -> Option<Value> {
        let allocator = Allocator::default();
        let expr = Parser::new(&allocator, expression, SourceType::cjs())
            .parse_expression()
            .ok()?;
        let value = Evaluator::exact(&Literals).evaluate(&expr, 0).value;
        (value != Value::Unknown).then_some(value)
    }

    #[test]
    fn folds_obfuscator_arithmetic_and_concatenation() {
        assert_eq!(fold("-0x1*0x1a3+0x2b*0x3+0x2"), Some(Value::Num(-288.0)));
        assert_eq!(fold("!![]"), Some(Value::Bool(true)));
        assert_eq!(fold("![]"), Some(Value::Bool(false)));
        assert_eq!(
            fold("'https://'+'cmpa'+'ssport.com'"),
            Some(Value::string("https://cmpassport.com"))
        );
        assert_eq!(fold("[]+''"), Some(Value::string("")));
        assert_eq!(fold("'a'+0x1"), Some(Value::string("a1")));
        assert_eq!(fold("'abc'==='abc'"), Some(Value::Bool(true)));
        assert_eq!(fold("'abc'!=='abd'"), Some(Value::Bool(true)));
        assert_eq!(fold("0x7fffffff+0x1|0x0"), Some(Value::Num(-2147483648.0)));
        assert_eq!(fold("someGlobal+1"), None);
    }

    /// Where the analysis' and the deobfuscator's evaluators used to
    /// disagree, node decides: `node -e 'console.log("abc" == "abc",
    /// "b" > "a", typeof "x", [] == 0, +[undefined], void 0)'` prints
    /// `true true string true 0 undefined`.
    #[test]
    fn both_evaluators_follow_node() {
        for exact in [false, true] {
            let allocator = Allocator::default();
            let cases = [
                ("'abc' == 'abc'", Value::Bool(true)),
                ("'b' > 'a'", Value::Bool(true)),
                ("typeof 'x'", Value::string("string")),
                ("[] == 0", Value::Bool(true)),
                ("+[undefined]", Value::Num(0.0)),
                ("void 0", Value::Undefined),
            ];
            for (source, expected) in cases {
                let expr = Parser::new(&allocator, source, SourceType::cjs())
                    .parse_expression()
                    .unwrap();
                let mut evaluator = if exact {
                    Evaluator::exact(&Literals)
                } else {
                    Evaluator::new(&Literals)
                };
                assert_eq!(evaluator.evaluate(&expr, 0).value, expected, "{source}");
            }
        }
    }

    /// An exact evaluation skips no effect and keeps no unknown part.
    #[test]
    fn exact_evaluation_is_all_or_nothing() {
        assert_eq!(fold("(f(), 1) + 2"), None);
        assert_eq!(fold("c ? 1 : 1"), None);
        assert_eq!(fold("void f()"), None);
        assert_eq!(fold("'a' + x"), None);
        assert_eq!(fold("[f()].length"), None);
        assert_eq!(fold("'abc'.length + 1"), Some(Value::Num(4.0)));
        assert_eq!(fold("true || f()"), Some(Value::Bool(true)));
    }
}
