//! Self-defending and debug-protection helpers: removed, never run (the
//! self-defending check is a catastrophic-backtracking regex over the
//! code's own `toString()`, the debug protection an endless `debugger`
//! loop). They are recognised by their marker strings once the string array
//! is decoded, then whatever starts them (`_0x5dfe61();`, the IIFE calling
//! the debug protection with `'init'`) goes too.

use rustc_hash::FxHashSet as HashSet;

use oxc_ast::ast::{
    BindingPattern, Expression, IdentifierReference, Statement, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::GetSpan;

use crate::bindings::MAX_WALK_DEPTH;

/// Strings only the obfuscator's protection templates contain.
pub(crate) const MARKERS: &[&str] = &[
    "(((.+)+)+)+$",
    "while (true) {}",
    "debu",
    "function *\\( *\\)",
];

/// Largest statement removed as a helper: the helpers are small, and a
/// program's main closure can hold a marker in live code.
const MAX_HELPER_BYTES: u32 = 4096;

struct Finder<'n> {
    names: &'n HashSet<String>,
    marker: bool,
    reference: bool,
    depth: u32,
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.marker || self.depth > MAX_WALK_DEPTH {
            return;
        }
        self.depth += 1;
        walk::walk_expression(self, it);
        self.depth -= 1;
    }
    fn visit_object_expression(&mut self, _it: &oxc_ast::ast::ObjectExpression<'a>) {
        // Storage objects share strings with live code.
    }
    fn visit_string_literal(&mut self, it: &oxc_ast::ast::StringLiteral<'a>) {
        if MARKERS.contains(&it.value.as_str()) {
            self.marker = true;
        }
    }
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if self.names.contains(it.name.as_str()) {
            self.reference = true;
        }
    }
}

fn scan(statement: &Statement<'_>, names: &HashSet<String>) -> (bool, bool) {
    let mut finder = Finder {
        names,
        marker: false,
        reference: false,
        depth: 0,
    };
    finder.visit_statement(statement);
    (finder.marker, finder.reference)
}

fn scan_declarator(d: &VariableDeclarator<'_>, names: &HashSet<String>) -> (bool, bool) {
    let mut finder = Finder {
        names,
        marker: false,
        reference: false,
        depth: 0,
    };
    finder.visit_variable_declarator(d);
    (finder.marker, finder.reference)
}

/// A statement that only starts something: `name(...)`, `setInterval(...)`,
/// or an immediately invoked function of at most two statements. A
/// program's main closure, which may also mention a helper, is none of these.
fn is_short_starter(expr: &Expression<'_>) -> bool {
    let expr = match expr {
        Expression::ParenthesizedExpression(p) => &p.expression,
        Expression::UnaryExpression(u) => &u.argument,
        other => other,
    };
    let Expression::CallExpression(call) = expr else {
        return false;
    };
    let callee = match &call.callee {
        Expression::ParenthesizedExpression(p) => &p.expression,
        other => other,
    };
    match callee {
        Expression::Identifier(_)
        | Expression::StaticMemberExpression(_)
        | Expression::ComputedMemberExpression(_) => true,
        Expression::FunctionExpression(f) => {
            f.body.as_ref().is_some_and(|b| b.statements.len() <= 2)
        }
        _ => false,
    }
}

/// `controller(this, function () { ... })`: how the self-defending check is
/// set up.
fn is_guarded_call(init: &Expression<'_>) -> bool {
    matches!(init, Expression::CallExpression(c)
        if matches!(c.callee, Expression::Identifier(_))
            && c.arguments.len() == 2
            && matches!(c.arguments[0], oxc_ast::ast::Argument::ThisExpression(_))
            && matches!(c.arguments[1], oxc_ast::ast::Argument::FunctionExpression(_)))
}

/// `var x = function () { var first = true; return function (context, fn) {...} }()`:
/// the obfuscator's call-controller factory, left unused once its callers go.
fn is_call_controller(init: &Expression<'_>) -> bool {
    let call = match init {
        Expression::CallExpression(c) => c,
        Expression::ParenthesizedExpression(p) => match &p.expression {
            Expression::CallExpression(c) => c,
            _ => return false,
        },
        _ => return false,
    };
    let function = match &call.callee {
        Expression::FunctionExpression(f) => f,
        Expression::ParenthesizedExpression(p) => match &p.expression {
            Expression::FunctionExpression(f) => f,
            _ => return false,
        },
        _ => return false,
    };
    let Some(body) = &function.body else {
        return false;
    };
    body.statements.len() == 2
        && matches!(&body.statements[0], Statement::VariableDeclaration(d)
            if d.declarations.len() == 1 && matches!(d.declarations[0].init, Some(Expression::BooleanLiteral(_))))
        && matches!(&body.statements[1], Statement::ReturnStatement(r)
            if matches!(&r.argument, Some(Expression::FunctionExpression(f)) if f.params.items.len() == 2))
}

/// Removes protection helpers from one statement list. `names` carries the
/// removed helpers' names to the lists walked after this one; `unused`
/// tells whether a name has no references left (for the call controller).
/// `markers` tells whether the program holds any of [`MARKERS`] at all:
/// without one, no statement is searched for them.
pub fn strip<'a>(
    statements: Vec<Statement<'a>>,
    names: &mut HashSet<String>,
    unused: &dyn Fn(&str) -> bool,
    markers: bool,
    removed: &mut usize,
) -> Vec<Statement<'a>> {
    // First the helpers themselves, so that their names are known...
    let mut kept = Vec::with_capacity(statements.len());
    for mut statement in statements {
        let small = markers && statement.span().size() <= MAX_HELPER_BYTES;
        let helper_statement = small
            && match &statement {
                // The debug-protection function: an inner function and a try.
                Statement::FunctionDeclaration(f) => {
                    f.body.as_ref().is_some_and(|b| b.statements.len() <= 2)
                }
                Statement::ExpressionStatement(es) => is_short_starter(&es.expression),
                _ => false,
            }
            && scan(&statement, names).0;
        match &mut statement {
            Statement::VariableDeclaration(decl) => {
                let before = decl.declarations.len();
                decl.declarations.retain(|d| {
                    let BindingPattern::BindingIdentifier(id) = &d.id else {
                        return true;
                    };
                    let helper = match &d.init {
                        Some(Expression::ObjectExpression(_)) | None => false,
                        Some(init) => {
                            (markers
                                && is_guarded_call(init)
                                && d.span.size() <= MAX_HELPER_BYTES
                                && scan_declarator(d, names).0)
                                || (is_call_controller(init) && unused(id.name.as_str()))
                        }
                    };
                    if helper {
                        names.insert(id.name.to_string());
                    }
                    !helper
                });
                *removed += before - decl.declarations.len();
                if decl.declarations.is_empty() {
                    continue;
                }
            }
            Statement::FunctionDeclaration(f) if helper_statement => {
                if let Some(id) = &f.id {
                    names.insert(id.name.to_string());
                }
                *removed += 1;
                continue;
            }
            Statement::ExpressionStatement(_) if helper_statement => {
                *removed += 1;
                continue;
            }
            _ => {}
        }
        kept.push(statement);
    }
    if names.is_empty() {
        return kept;
    }
    // ...then the small statements that start them.
    kept.retain(|statement| {
        let starter = matches!(statement, Statement::ExpressionStatement(es) if is_short_starter(&es.expression))
            && statement.span().size() <= MAX_HELPER_BYTES
            && scan(statement, names).1;
        if starter {
            *removed += 1;
        }
        !starter
    });
    kept
}
