//! The deobfuscator's use of the shared value semantics
//! (`outflow-js-value`): exact evaluation (a value only where the whole
//! expression is known and skips no effect), over the deobfuscator's
//! name-keyed scopes, plus the folding of pure numeric arithmetic that the
//! wrappers' arguments get once instead of at every call site.

use outflow_js_value::evaluate::MAX_DEPTH;
use outflow_js_value::{Environment, Evaluator, Literals};
use oxc_ast::ast::{Argument, BinaryExpression, Expression};
use oxc_syntax::operator::UnaryOperator;

pub use outflow_js_value::Value;

/// Deepest expression the folding helpers descend into: the evaluator's.
pub const MAX_EVAL_DEPTH: u32 = MAX_DEPTH;

/// Evaluates an expression made only of literals, known identifiers and
/// constant-object reads. Returns `None` as soon as anything is unknown.
pub fn evaluate<'a>(expr: &Expression<'a>, env: &impl Environment<'a>) -> Option<Value> {
    known(Evaluator::exact(env).evaluate(expr, 0).value)
}

/// Evaluates a binary expression of literals.
pub fn evaluate_binary<'a>(b: &BinaryExpression<'a>) -> Option<Value> {
    known(Evaluator::exact(&Literals).evaluate_binary(b, 0).value)
}

/// Evaluates a call argument (spreads are unknown).
pub fn evaluate_argument<'a>(arg: &Argument<'a>, env: &impl Environment<'a>) -> Option<Value> {
    arg.as_expression().and_then(|e| evaluate(e, env))
}

fn known(value: Value) -> Option<Value> {
    (value != Value::Unknown).then_some(value)
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
        if let Some(Value::Num(n)) = evaluate(expr, &Literals)
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
