//! Undoes control-flow flattening: a dispatcher
//! `var o = '3|0|2|1'.split('|'), i = 0; while (true) { switch (o[i++]) { case '0': ...; continue; ... } break; }`
//! becomes the case bodies in dispatch order.

use oxc_allocator::TakeIn;
use oxc_ast::ast::{BindingPattern, Expression, Statement, SwitchCase, UpdateOperator};
use oxc_ast::builder::AstBuilder;
use oxc_ast_visit::Visit;

/// The most cases a dispatcher may list (far above what the obfuscator emits).
const MAX_CASES: usize = 10_000;

/// `'3|0|2'.split('|')` → the labels.
fn dispatch_order(expr: &Expression<'_>) -> Option<Vec<String>> {
    let Expression::CallExpression(call) = expr else {
        return None;
    };
    let (object, property) = match &call.callee {
        Expression::StaticMemberExpression(m) => (&m.object, m.property.name.as_str()),
        Expression::ComputedMemberExpression(m) => match &m.expression {
            Expression::StringLiteral(s) => (&m.object, s.value.as_str()),
            _ => return None,
        },
        _ => return None,
    };
    let Expression::StringLiteral(order) = object else {
        return None;
    };
    if property != "split" || call.arguments.len() != 1 {
        return None;
    }
    let separator = match call.arguments[0].as_expression() {
        Some(Expression::StringLiteral(s)) => s.value.as_str(),
        _ => return None,
    };
    if separator.is_empty() {
        return None;
    }
    let labels: Vec<String> = order.value.split(separator).map(str::to_string).collect();
    (labels.len() <= MAX_CASES).then_some(labels)
}

/// Finds `(order name, counter name, order)` in a declaration.
fn dispatcher_declaration<'a>(
    statement: &Statement<'a>,
) -> Option<(&'a str, Option<&'a str>, Vec<String>)> {
    let Statement::VariableDeclaration(decl) = statement else {
        return None;
    };
    let mut order = None;
    let mut counter = None;
    for d in &decl.declarations {
        let BindingPattern::BindingIdentifier(id) = &d.id else {
            continue;
        };
        match &d.init {
            Some(init) if order.is_none() => {
                if let Some(labels) = dispatch_order(init) {
                    order = Some((id.name.as_str(), labels));
                } else if matches!(init, Expression::NumericLiteral(n) if n.value == 0.0) {
                    counter = Some(id.name.as_str());
                }
            }
            Some(Expression::NumericLiteral(n)) if n.value == 0.0 => {
                counter = Some(id.name.as_str())
            }
            _ => {}
        }
    }
    order.map(|(name, labels)| (name, counter, labels))
}

struct LoopControl {
    found: bool,
}

impl<'a> Visit<'a> for LoopControl {
    fn visit_continue_statement(&mut self, _it: &oxc_ast::ast::ContinueStatement<'a>) {
        self.found = true;
    }
    fn visit_break_statement(&mut self, _it: &oxc_ast::ast::BreakStatement<'a>) {
        self.found = true;
    }
    fn visit_function(
        &mut self,
        _it: &oxc_ast::ast::Function<'a>,
        _flags: oxc_syntax::scope::ScopeFlags,
    ) {
    }
    fn visit_arrow_function_expression(&mut self, _it: &oxc_ast::ast::ArrowFunctionExpression<'a>) {
    }
}

fn has_loop_control(statements: &[Statement<'_>]) -> bool {
    let mut v = LoopControl { found: false };
    for s in statements {
        v.visit_statement(s);
    }
    v.found
}

/// The switch of `while (true) { switch (order[counter++]) {...} break; }`.
fn dispatcher_loop<'s, 'a>(
    statement: &'s mut Statement<'a>,
    order: &str,
    counter: Option<&str>,
) -> Option<&'s mut oxc_allocator::Vec<'a, SwitchCase<'a>>> {
    let body = match statement {
        Statement::WhileStatement(w) if matches!(&w.test, Expression::BooleanLiteral(b) if b.value) => {
            &mut w.body
        }
        Statement::ForStatement(f) if f.test.is_none() && f.update.is_none() => &mut f.body,
        _ => return None,
    };
    let Statement::BlockStatement(block) = body else {
        return None;
    };
    if block.body.len() != 2
        || !matches!(&block.body[1], Statement::BreakStatement(b) if b.label.is_none())
    {
        return None;
    }
    let Statement::SwitchStatement(switch) = &mut block.body[0] else {
        return None;
    };
    let Expression::ComputedMemberExpression(m) = &switch.discriminant else {
        return None;
    };
    if !matches!(&m.object, Expression::Identifier(id) if id.name == order) {
        return None;
    }
    let Expression::UpdateExpression(u) = &m.expression else {
        return None;
    };
    if u.prefix || u.operator != UpdateOperator::Increment {
        return None;
    }
    if let (Some(counter), oxc_ast::ast::SimpleAssignmentTarget::AssignmentTargetIdentifier(id)) =
        (counter, &u.argument)
        && id.name != counter
    {
        return None;
    }
    Some(&mut switch.cases)
}

/// Rewrites every dispatcher in `statements` in place; counts them.
pub fn unflatten<'a>(
    statements: &mut Vec<Statement<'a>>,
    builder: &AstBuilder<'a>,
    count: &mut usize,
) {
    let mut i = 0;
    while i + 1 < statements.len() {
        let Some((order_name, counter, labels)) = dispatcher_declaration(&statements[i]) else {
            i += 1;
            continue;
        };
        let Some(cases) = dispatcher_loop(&mut statements[i + 1], order_name, counter) else {
            i += 1;
            continue;
        };
        // Every case must end in `continue` (or leave the function) and use no
        // other loop control, and every dispatched label must exist.
        let mut bodies: Vec<(String, Vec<Statement<'a>>)> = Vec::new();
        let mut valid = true;
        for case in cases.iter() {
            let Some(Expression::StringLiteral(label)) = &case.test else {
                valid = false;
                break;
            };
            let consequent = &case.consequent;
            let body_len = match consequent.last() {
                Some(Statement::ContinueStatement(c)) if c.label.is_none() => consequent.len() - 1,
                Some(Statement::ReturnStatement(_) | Statement::ThrowStatement(_)) => {
                    consequent.len()
                }
                _ => {
                    valid = false;
                    break;
                }
            };
            if has_loop_control(&consequent[..body_len]) {
                valid = false;
                break;
            }
            bodies.push((label.value.to_string(), Vec::new()));
        }
        if !valid
            || !labels
                .iter()
                .all(|l| bodies.iter().filter(|(b, _)| b == l).count() == 1)
        {
            i += 1;
            continue;
        }
        for (case, (_, body)) in cases.iter_mut().zip(bodies.iter_mut()) {
            let taken = case.consequent.take_in(builder);
            for s in taken {
                if !matches!(&s, Statement::ContinueStatement(_)) {
                    body.push(s);
                }
            }
        }
        let mut flat = Vec::new();
        for label in &labels {
            if let Some(position) = bodies.iter().position(|(b, _)| b == label) {
                flat.append(&mut bodies[position].1);
            }
        }
        // Drop the dispatcher's variables, keep any other declarator.
        if let Statement::VariableDeclaration(decl) = &mut statements[i] {
            decl.declarations.retain(|d| {
                !matches!(&d.id, BindingPattern::BindingIdentifier(id)
                    if id.name == order_name || Some(id.name.as_str()) == counter)
            });
        }
        let keep_declaration = matches!(&statements[i], Statement::VariableDeclaration(d) if !d.declarations.is_empty());
        let inserted = flat.len();
        let start = if keep_declaration { i + 1 } else { i };
        statements.splice(start..i + 2, flat);
        *count += 1;
        i = start + inserted;
    }
}
