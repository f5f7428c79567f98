//! Constant values and the native evaluator that folds obfuscator arithmetic
//! (`-0x1*0x1a3+0x2b`, `!![]`, `'ab'+'cd'`) and resolves wrapper arguments
//! without running any of the script's code.

use outflow_js_value::{exponentiate, number_to_string, string_to_number, to_int32, to_uint32};
use oxc_ast::ast::{Argument, BinaryExpression, Expression, LogicalExpression, UnaryExpression};
use oxc_syntax::operator::{BinaryOperator, LogicalOperator, UnaryOperator};

/// Deepest expression the evaluator descends into; deeper input is left alone
/// so that hostile nesting cannot exhaust the stack.
pub const MAX_EVAL_DEPTH: u32 = 200;

/// A JavaScript primitive known at analysis time.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    Str(String),
    /// A number (JavaScript double).
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// An empty array literal `[]`: truthy, `+[]` is 0, `[]+''` is ''.
    EmptyArray,
}

/// Where the evaluator looks up identifiers and `object.key` reads it cannot
/// decide from the expression alone.
pub trait Scope {
    /// The value bound to an identifier, if known.
    fn identifier(&self, name: &str) -> Option<Value>;
    /// The value of `object[key]` for a constant object, if known.
    fn member(&self, object: &str, key: &str) -> Option<Value>;
}

/// A scope that knows nothing: only literals fold.
pub struct NoScope;

impl Scope for NoScope {
    fn identifier(&self, _name: &str) -> Option<Value> {
        None
    }
    fn member(&self, _object: &str, _key: &str) -> Option<Value> {
        None
    }
}

impl Value {
    /// ECMAScript ToBoolean.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Str(s) => !s.is_empty(),
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Bool(b) => *b,
            Value::Undefined | Value::Null => false,
            Value::EmptyArray => true,
        }
    }

    /// ECMAScript ToNumber.
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Str(s) => string_to_number(s),
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Undefined => f64::NAN,
            Value::Null | Value::EmptyArray => 0.0,
        }
    }

    /// ECMAScript ToString.
    pub fn to_js_string(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) => number_to_string(*n),
            Value::Bool(b) => b.to_string(),
            Value::Undefined => "undefined".to_string(),
            Value::Null => "null".to_string(),
            Value::EmptyArray => String::new(),
        }
    }

    fn type_of(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Num(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Undefined => "undefined",
            Value::Null | Value::EmptyArray => "object",
        }
    }

    /// Whether the value can be written back as a literal node.
    pub fn is_literal(&self) -> bool {
        matches!(
            self,
            Value::Str(_) | Value::Num(_) | Value::Bool(_) | Value::Null
        )
    }
}

/// Evaluates an expression made only of literals, known identifiers and
/// constant-object reads. Returns `None` as soon as anything is unknown.
pub fn evaluate(expr: &Expression<'_>, scope: &dyn Scope) -> Option<Value> {
    eval_at(expr, scope, 0)
}

/// Evaluates a binary expression of literals.
pub fn evaluate_binary(b: &BinaryExpression<'_>) -> Option<Value> {
    eval_binary(b, &NoScope, 0)
}

/// Evaluates a call argument (spreads are unknown).
pub fn evaluate_argument(arg: &Argument<'_>, scope: &dyn Scope) -> Option<Value> {
    arg.as_expression().and_then(|e| evaluate(e, scope))
}

fn eval_at(expr: &Expression<'_>, scope: &dyn Scope, depth: u32) -> Option<Value> {
    if depth > MAX_EVAL_DEPTH {
        return None;
    }
    let depth = depth + 1;
    match expr {
        Expression::StringLiteral(s) => Some(Value::Str(s.value.to_string())),
        Expression::NumericLiteral(n) => Some(Value::Num(n.value)),
        Expression::BooleanLiteral(b) => Some(Value::Bool(b.value)),
        Expression::NullLiteral(_) => Some(Value::Null),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => t
            .quasis
            .first()
            .and_then(|q| q.value.cooked.as_ref())
            .map(|c| Value::Str(c.to_string())),
        Expression::ArrayExpression(a) if a.elements.is_empty() => Some(Value::EmptyArray),
        Expression::Identifier(id) => match id.name.as_str() {
            "undefined" => scope.identifier("undefined").or(Some(Value::Undefined)),
            name => scope.identifier(name),
        },
        Expression::ParenthesizedExpression(p) => eval_at(&p.expression, scope, depth),
        Expression::UnaryExpression(u) => eval_unary(u, scope, depth),
        Expression::BinaryExpression(b) => eval_binary(b, scope, depth),
        Expression::LogicalExpression(l) => eval_logical(l, scope, depth),
        Expression::ConditionalExpression(c) => {
            let test = eval_at(&c.test, scope, depth)?;
            if test.truthy() {
                eval_at(&c.consequent, scope, depth)
            } else {
                eval_at(&c.alternate, scope, depth)
            }
        }
        Expression::StaticMemberExpression(m) => {
            let Expression::Identifier(object) = &m.object else {
                return None;
            };
            scope.member(object.name.as_str(), m.property.name.as_str())
        }
        Expression::ComputedMemberExpression(m) => {
            let Expression::Identifier(object) = &m.object else {
                return None;
            };
            let key = eval_at(&m.expression, scope, depth)?.to_js_string();
            scope.member(object.name.as_str(), &key)
        }
        _ => None,
    }
}

fn eval_unary(u: &UnaryExpression<'_>, scope: &dyn Scope, depth: u32) -> Option<Value> {
    let v = eval_at(&u.argument, scope, depth)?;
    Some(match u.operator {
        UnaryOperator::UnaryNegation => Value::Num(-v.to_number()),
        UnaryOperator::UnaryPlus => Value::Num(v.to_number()),
        UnaryOperator::LogicalNot => Value::Bool(!v.truthy()),
        UnaryOperator::BitwiseNot => Value::Num(f64::from(!to_int32(v.to_number()))),
        UnaryOperator::Typeof => Value::Str(v.type_of().to_string()),
        UnaryOperator::Void => Value::Undefined,
        UnaryOperator::Delete => return None,
    })
}

fn strict_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::EmptyArray, Value::EmptyArray) => false,
        _ => a == b,
    }
}

fn loose_equals(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Undefined | Value::Null, Value::Undefined | Value::Null) => true,
        (Value::Undefined | Value::Null, _) | (_, Value::Undefined | Value::Null) => false,
        (Value::EmptyArray, _) | (_, Value::EmptyArray) => return None,
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => a.to_number() == b.to_number(),
    })
}

fn eval_binary(b: &BinaryExpression<'_>, scope: &dyn Scope, depth: u32) -> Option<Value> {
    let l = eval_at(&b.left, scope, depth)?;
    let r = eval_at(&b.right, scope, depth)?;
    let num = |f: fn(f64, f64) -> f64| Some(Value::Num(f(l.to_number(), r.to_number())));
    let int = |f: fn(i32, i32) -> i32| {
        Some(Value::Num(f64::from(f(
            to_int32(l.to_number()),
            to_int32(r.to_number()),
        ))))
    };
    let compare = |f: fn(f64, f64) -> bool| -> Option<Value> {
        if let (Value::Str(x), Value::Str(y)) = (&l, &r) {
            let ord = x.encode_utf16().cmp(y.encode_utf16());
            return Some(Value::Bool(f(ord as i8 as f64, 0.0)));
        }
        Some(Value::Bool(f(l.to_number(), r.to_number())))
    };
    match b.operator {
        BinaryOperator::Addition => {
            let string_like = |v: &Value| matches!(v, Value::Str(_) | Value::EmptyArray);
            if string_like(&l) || string_like(&r) {
                let mut s = l.to_js_string();
                s.push_str(&r.to_js_string());
                Some(Value::Str(s))
            } else {
                num(|x, y| x + y)
            }
        }
        BinaryOperator::Subtraction => num(|x, y| x - y),
        BinaryOperator::Multiplication => num(|x, y| x * y),
        BinaryOperator::Division => num(|x, y| x / y),
        BinaryOperator::Remainder => num(|x, y| x % y),
        BinaryOperator::Exponential => num(exponentiate),
        BinaryOperator::BitwiseOR => int(|x, y| x | y),
        BinaryOperator::BitwiseAnd => int(|x, y| x & y),
        BinaryOperator::BitwiseXOR => int(|x, y| x ^ y),
        BinaryOperator::ShiftLeft => int(|x, y| x.wrapping_shl(y as u32 & 31)),
        BinaryOperator::ShiftRight => int(|x, y| x.wrapping_shr(y as u32 & 31)),
        BinaryOperator::ShiftRightZeroFill => Some(Value::Num(f64::from(
            to_uint32(l.to_number()) >> (to_uint32(r.to_number()) & 31),
        ))),
        BinaryOperator::StrictEquality => Some(Value::Bool(strict_equals(&l, &r))),
        BinaryOperator::StrictInequality => Some(Value::Bool(!strict_equals(&l, &r))),
        BinaryOperator::Equality => loose_equals(&l, &r).map(Value::Bool),
        BinaryOperator::Inequality => loose_equals(&l, &r).map(|e| Value::Bool(!e)),
        BinaryOperator::LessThan => compare(|x, y| x < y),
        BinaryOperator::LessEqualThan => compare(|x, y| x <= y),
        BinaryOperator::GreaterThan => compare(|x, y| x > y),
        BinaryOperator::GreaterEqualThan => compare(|x, y| x >= y),
        BinaryOperator::In | BinaryOperator::Instanceof => None,
    }
}

fn eval_logical(l: &LogicalExpression<'_>, scope: &dyn Scope, depth: u32) -> Option<Value> {
    let left = eval_at(&l.left, scope, depth)?;
    match l.operator {
        LogicalOperator::And => {
            if left.truthy() {
                eval_at(&l.right, scope, depth)
            } else {
                Some(left)
            }
        }
        LogicalOperator::Or => {
            if left.truthy() {
                Some(left)
            } else {
                eval_at(&l.right, scope, depth)
            }
        }
        LogicalOperator::Coalesce => {
            if matches!(left, Value::Undefined | Value::Null) {
                eval_at(&l.right, scope, depth)
            } else {
                Some(left)
            }
        }
    }
}

/// Whether `expr` is arithmetic over numeric literals only (what
/// numbersToExpressions writes): its value is the same in every scope.
fn is_pure_arithmetic(expr: &Expression<'_>, depth: u32) -> bool {
    if depth > MAX_EVAL_DEPTH {
        return false;
    }
    match expr {
        Expression::NumericLiteral(_) => true,
        Expression::ParenthesizedExpression(p) => is_pure_arithmetic(&p.expression, depth + 1),
        Expression::UnaryExpression(u) => {
            matches!(
                u.operator,
                UnaryOperator::UnaryNegation | UnaryOperator::UnaryPlus | UnaryOperator::BitwiseNot
            ) && is_pure_arithmetic(&u.argument, depth + 1)
        }
        Expression::BinaryExpression(b) => {
            is_pure_arithmetic(&b.left, depth + 1) && is_pure_arithmetic(&b.right, depth + 1)
        }
        _ => false,
    }
}

/// Replaces the pure numeric arithmetic inside `expr` by its value (a
/// literal, negated when negative), so that an expression evaluated many
/// times (a wrapper's arguments, once per call site) does its constant part
/// once. NaN, infinities and -0, which have no literal, are left as written.
pub fn fold_arithmetic<'a>(
    expr: &mut Expression<'a>,
    builder: &oxc_ast::builder::AstBuilder<'a>,
    depth: u32,
) {
    if depth > MAX_EVAL_DEPTH {
        return;
    }
    if !matches!(expr, Expression::NumericLiteral(_)) && is_pure_arithmetic(expr, 0) {
        if let Some(Value::Num(n)) = evaluate(expr, &NoScope)
            && n.is_finite()
            && !(n == 0.0 && n.is_sign_negative())
        {
            use oxc_span::GetSpan;
            let span = expr.span();
            let magnitude = Expression::new_numeric_literal(
                span,
                n.abs(),
                None,
                oxc_syntax::number::NumberBase::Decimal,
                builder,
            );
            *expr = if n < 0.0 {
                Expression::new_unary_expression(
                    span,
                    UnaryOperator::UnaryNegation,
                    magnitude,
                    builder,
                )
            } else {
                magnitude
            };
        }
        return;
    }
    match expr {
        Expression::ParenthesizedExpression(p) => {
            fold_arithmetic(&mut p.expression, builder, depth + 1)
        }
        Expression::UnaryExpression(u) => fold_arithmetic(&mut u.argument, builder, depth + 1),
        Expression::BinaryExpression(b) => {
            fold_arithmetic(&mut b.left, builder, depth + 1);
            fold_arithmetic(&mut b.right, builder, depth + 1);
        }
        Expression::ConditionalExpression(c) => {
            fold_arithmetic(&mut c.test, builder, depth + 1);
            fold_arithmetic(&mut c.consequent, builder, depth + 1);
            fold_arithmetic(&mut c.alternate, builder, depth + 1);
        }
        Expression::LogicalExpression(l) => {
            fold_arithmetic(&mut l.left, builder, depth + 1);
            fold_arithmetic(&mut l.right, builder, depth + 1);
        }
        _ => {}
    }
}

/// Whether `expr` evaluates to nothing known whatever its parts: what
/// [`evaluate`] gives up on at once without a scope. Lets the rewriting walk
/// skip folding attempts that cannot succeed.
pub fn never_constant(expr: &Expression<'_>) -> bool {
    match expr {
        Expression::Identifier(id) => id.name != "undefined",
        Expression::ArrayExpression(a) => !a.elements.is_empty(),
        Expression::TemplateLiteral(t) => !t.expressions.is_empty(),
        Expression::CallExpression(_)
        | Expression::NewExpression(_)
        | Expression::ThisExpression(_)
        | Expression::ObjectExpression(_)
        | Expression::FunctionExpression(_)
        | Expression::ArrowFunctionExpression(_)
        | Expression::AssignmentExpression(_)
        | Expression::UpdateExpression(_)
        | Expression::SequenceExpression(_)
        | Expression::ChainExpression(_)
        | Expression::AwaitExpression(_)
        | Expression::YieldExpression(_)
        | Expression::ClassExpression(_)
        | Expression::TaggedTemplateExpression(_)
        | Expression::RegExpLiteral(_)
        | Expression::BigIntLiteral(_)
        | Expression::StaticMemberExpression(_)
        | Expression::ComputedMemberExpression(_)
        | Expression::PrivateFieldExpression(_) => true,
        _ => false,
    }
}

/// Whether [`evaluate`] without a scope may fold `expr`: false when an
/// operand it must evaluate is [`never_constant`].
pub fn may_fold(expr: &Expression<'_>) -> bool {
    match expr {
        Expression::BinaryExpression(b) => !never_constant(&b.left) && !never_constant(&b.right),
        Expression::LogicalExpression(l) => !never_constant(&l.left),
        Expression::ConditionalExpression(c) => !never_constant(&c.test),
        Expression::UnaryExpression(u) => !never_constant(&u.argument),
        Expression::ParenthesizedExpression(p) => !never_constant(&p.expression),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxc_allocator::Allocator;
    use oxc_span::SourceType;

    fn fold(expression: &str) -> Option<Value> {
        let allocator = Allocator::default();
        let expr = oxc_parser::Parser::new(&allocator, expression, SourceType::cjs())
            .parse_expression()
            .ok()?;
        evaluate(&expr, &NoScope)
    }

    #[test]
    fn folds_obfuscator_arithmetic_and_concatenation() {
        assert_eq!(fold("-0x1*0x1a3+0x2b*0x3+0x2"), Some(Value::Num(-288.0)));
        assert_eq!(fold("!![]"), Some(Value::Bool(true)));
        assert_eq!(fold("![]"), Some(Value::Bool(false)));
        assert_eq!(
            fold("'https://'+'cmpa'+'ssport.com'"),
            Some(Value::Str("https://cmpassport.com".into()))
        );
        assert_eq!(fold("[]+''"), Some(Value::Str(String::new())));
        assert_eq!(fold("'a'+0x1"), Some(Value::Str("a1".into())));
        assert_eq!(fold("'abc'==='abc'"), Some(Value::Bool(true)));
        assert_eq!(fold("'abc'!=='abd'"), Some(Value::Bool(true)));
        assert_eq!(fold("0x7fffffff+0x1|0x0"), Some(Value::Num(-2147483648.0)));
        assert_eq!(fold("someGlobal+1"), None);
    }
}
