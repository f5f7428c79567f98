//! Undoes transformObjectKeys: `var o = {}; o['a'] = 1; o.b = f;` becomes
//! `var o = {a: 1, b: f};` when the assigned values do not read `o`.

use oxc_allocator::{GetAllocator, TakeIn};
use oxc_ast::ast::{
    AssignmentTarget, BindingPattern, Expression, IdentifierReference, ObjectPropertyKind,
    PropertyKey, PropertyKind, Statement, StringLiteral,
};
use oxc_ast::builder::AstBuilder;
use oxc_ast_visit::Visit;
use oxc_span::Span;
use oxc_syntax::operator::AssignmentOperator;

use crate::bindings::property_key_name;
use crate::rewrite::is_identifier_name;

struct Mentions<'n> {
    name: &'n str,
    found: bool,
}

impl<'a> Visit<'a> for Mentions<'_> {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if it.name == self.name {
            self.found = true;
        }
    }
}

fn mentions(expr: &Expression<'_>, name: &str) -> bool {
    let mut v = Mentions { name, found: false };
    v.visit_expression(expr);
    v.found
}

/// `o['k'] = v` / `o.k = v` on `object`: the key and the key's span.
fn assigned_key(statement: &Statement<'_>, object: &str) -> Option<(String, Span)> {
    let Statement::ExpressionStatement(es) = statement else {
        return None;
    };
    let Expression::AssignmentExpression(assign) = &es.expression else {
        return None;
    };
    if assign.operator != AssignmentOperator::Assign || mentions(&assign.right, object) {
        return None;
    }
    match &assign.left {
        AssignmentTarget::StaticMemberExpression(m) if matches!(&m.object, Expression::Identifier(id) if id.name == object) => {
            Some((m.property.name.to_string(), m.property.span))
        }
        AssignmentTarget::ComputedMemberExpression(m) if matches!(&m.object, Expression::Identifier(id) if id.name == object) => {
            match &m.expression {
                Expression::StringLiteral(s) => Some((s.value.to_string(), s.span)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Folds the assignments that follow object declarations in `statements`
/// back into the literals; returns how many properties moved.
pub fn fold<'a>(statements: &mut Vec<Statement<'a>>, builder: &AstBuilder<'a>) -> usize {
    let mut moved = 0;
    let mut i = 0;
    while i < statements.len() {
        let object_name = match &statements[i] {
            Statement::VariableDeclaration(d) => match d.declarations.last() {
                Some(last) => match (&last.id, &last.init) {
                    (
                        BindingPattern::BindingIdentifier(id),
                        Some(Expression::ObjectExpression(_)),
                    ) => Some(id.name.as_str()),
                    _ => None,
                },
                None => None,
            },
            _ => None,
        };
        let Some(object_name) = object_name else {
            i += 1;
            continue;
        };
        let j = i + 1;
        while j < statements.len() {
            let Some((key, key_span)) = assigned_key(&statements[j], object_name) else {
                break;
            };
            let Statement::ExpressionStatement(mut es) = statements.remove(j) else {
                break;
            };
            let Expression::AssignmentExpression(assign) = &mut es.expression else {
                break;
            };
            let value = assign.right.take_in(builder);
            let Statement::VariableDeclaration(decl) = &mut statements[i] else {
                break;
            };
            let Some(Expression::ObjectExpression(object)) =
                decl.declarations.last_mut().and_then(|d| d.init.as_mut())
            else {
                break;
            };
            if object.properties.iter().any(|p| matches!(p, ObjectPropertyKind::ObjectProperty(p) if property_key_name(&p.key).as_deref() == Some(key.as_str()))) {
                // A repeated key: put the assignment back, stop here.
                let Expression::AssignmentExpression(assign) = &mut es.expression else { break };
                assign.right = value;
                statements.insert(j, Statement::ExpressionStatement(es));
                break;
            }
            let property_key = if is_identifier_name(&key) {
                PropertyKey::new_static_identifier(
                    key_span,
                    builder.allocator().alloc_str(&key),
                    builder,
                )
            } else {
                PropertyKey::StringLiteral(StringLiteral::boxed(
                    key_span,
                    builder.allocator().alloc_str(&key),
                    None,
                    builder,
                ))
            };
            let span = es.span;
            object
                .properties
                .push(ObjectPropertyKind::new_object_property(
                    span,
                    PropertyKind::Init,
                    property_key,
                    value,
                    false,
                    false,
                    false,
                    builder,
                ));
            moved += 1;
        }
        i += 1;
    }
    moved
}
