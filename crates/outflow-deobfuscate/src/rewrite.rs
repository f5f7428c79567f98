//! The mutating walk: writes recovered strings over their call sites (keeping
//! the call's span), folds constants, inlines control-flow storage objects
//! and string tables, prunes opaque predicates, unflattens switch
//! dispatchers and drops the removed machinery.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use oxc_allocator::{Allocator, CloneIn, TakeIn, Vec as ArenaVec};
use oxc_ast::ast::{Argument, Expression, IdentifierName, Statement, StaticMemberExpression};
use oxc_ast::builder::AstBuilder;
use oxc_ast_visit::{VisitMut, walk_mut};
use oxc_span::{GetSpan, SPAN, Span};
use oxc_syntax::number::NumberBase;
use oxc_syntax::operator::UnaryOperator;

use crate::Recovered;
use crate::bindings::{Bindings, MAX_WALK_DEPTH, ObjectEntry};
use crate::value::{Value, evaluate};
use outflow_js_value::Literals;

/// What one rewriting walk did.
#[derive(Default, Debug)]
pub struct Counts {
    /// Decoder calls replaced.
    pub strings: usize,
    /// Expressions folded to literals.
    pub folded: usize,
    /// Storage-object reads and calls inlined.
    pub storage: usize,
    /// String-table reads inlined.
    pub table: usize,
    /// Branches removed behind constant tests.
    pub dead_branches: usize,
    /// Switch dispatchers unflattened.
    pub unflattened: usize,
    /// Statements removed (machinery, wrappers, protection helpers).
    pub removed: usize,
    /// Self-defending or debug-protection statements removed.
    pub protection: usize,
    /// `o['k']` turned into `o.k`.
    pub members: usize,
    /// Properties moved back into object literals (transformObjectKeys).
    pub object_keys: usize,
}

impl Counts {
    /// Whether the walk changed anything.
    pub fn changed(&self) -> bool {
        self.strings
            + self.folded
            + self.storage
            + self.table
            + self.dead_branches
            + self.unflattened
            + self.removed
            + self.object_keys
            + self.members
            > 0
    }
}

/// The inputs and results of one walk.
pub struct Rewriter<'a, 'b> {
    builder: AstBuilder<'a>,
    allocator: &'a Allocator,
    strings: &'b HashMap<Span, (String, String)>,
    bindings: &'b Bindings<'a>,
    objects: HashSet<&'a str>,
    tables: HashSet<&'a str>,
    remove: &'b HashSet<Span>,
    /// Nodes now holding a recovered value.
    pub recovered: Vec<Recovered>,
    /// What was done.
    pub counts: Counts,
    depth: u32,
    protection_names: HashSet<String>,
    /// Whether the program holds a protection marker string (see
    /// [`crate::protection::strip`]).
    protection_markers: bool,
    /// `(object, key)` pairs whose values were inlined at a read site.
    pub inlined_keys: HashSet<(&'a str, &'a str)>,
}

/// The key of a member read: a name as written, or a computed value.
enum MemberKey<'a> {
    Name(&'a str),
    Computed(Value),
}

impl MemberKey<'_> {
    /// The property key as a string (`o[1]` reads `o['1']`).
    fn with_str<T>(&self, f: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        match self {
            MemberKey::Name(name) => f(name),
            MemberKey::Computed(value) => f(&value.to_partial_string().render()),
        }
    }
}

impl<'a, 'b> Rewriter<'a, 'b> {
    /// Prepares a walk.
    pub fn new(
        allocator: &'a Allocator,
        strings: &'b HashMap<Span, (String, String)>,
        bindings: &'b Bindings<'a>,
        remove: &'b HashSet<Span>,
    ) -> Self {
        let objects = bindings
            .objects
            .keys()
            .copied()
            .filter(|n| bindings.object_is_inlinable(n))
            .collect();
        let tables = bindings
            .tables
            .keys()
            .copied()
            .filter(|n| bindings.table_is_inlinable(n))
            .collect();
        Rewriter {
            builder: AstBuilder::new(allocator),
            allocator,
            strings,
            bindings,
            objects,
            tables,
            remove,
            recovered: Vec::new(),
            counts: Counts::default(),
            depth: 0,
            protection_names: HashSet::default(),
            protection_markers: crate::protection::MARKERS
                .iter()
                .any(|m| bindings.string_counts.contains_key(m)),
            inlined_keys: HashSet::default(),
        }
    }

    fn literal(&self, value: &Value, span: Span) -> Option<Expression<'a>> {
        Some(match value {
            Value::Str(s) => Expression::new_string_literal(
                span,
                self.allocator.alloc_str(s.as_known()?),
                None,
                &self.builder,
            ),
            Value::Bool(b) => Expression::new_boolean_literal(span, *b, &self.builder),
            Value::Null => Expression::new_null_literal(span, &self.builder),
            Value::Num(n) if n.is_finite() => {
                let magnitude = Expression::new_numeric_literal(
                    span,
                    n.abs(),
                    None,
                    NumberBase::Decimal,
                    &self.builder,
                );
                if n.is_sign_negative() && *n != 0.0 {
                    Expression::new_unary_expression(
                        span,
                        UnaryOperator::UnaryNegation,
                        magnitude,
                        &self.builder,
                    )
                } else {
                    magnitude
                }
            }
            _ => return None,
        })
    }

    /// The entry `key` of constant object `object`, with the key as stored.
    fn object_value(&self, object: &str, key: &str) -> Option<(&'a str, &'b ObjectEntry<'a>)> {
        let (key, entry) = self
            .bindings
            .objects
            .get(object)?
            .entries
            .get_key_value(key)?;
        Some((*key, entry))
    }

    /// `o['k']` / `o.k` where `o` is an inlinable object or table.
    fn member_parts(&self, expr: &Expression<'a>) -> Option<(&'a str, MemberKey<'a>)> {
        let (object, property) = match expr {
            Expression::ComputedMemberExpression(m) => (&m.object, None),
            Expression::StaticMemberExpression(m) => (&m.object, Some(m.property.name.as_str())),
            _ => return None,
        };
        let Expression::Identifier(id) = object else {
            return None;
        };
        let name = id.name.as_str();
        if !self.objects.contains(name) && !self.tables.contains(name) {
            return None;
        }
        let key = match (property, expr) {
            (Some(property), _) => MemberKey::Name(property),
            (None, Expression::ComputedMemberExpression(m)) => match &m.expression {
                Expression::StringLiteral(s) => MemberKey::Name(s.value.as_str()),
                other => MemberKey::Computed(evaluate(other, &Literals)?),
            },
            _ => return None,
        };
        Some((name, key))
    }

    fn replace_expression(&mut self, expr: &mut Expression<'a>, mark: usize) {
        let span = expr.span();
        // A decoder call site.
        if let Expression::CallExpression(call) = expr
            && let Some((s, method)) = self.strings.get(&call.span)
        {
            *expr = Expression::new_string_literal(
                span,
                self.allocator.alloc_str(s),
                None,
                &self.builder,
            );
            self.recovered.truncate(mark);
            self.recovered.push(Recovered {
                span,
                method: method.clone(),
            });
            self.counts.strings += 1;
            return;
        }
        // A call through a control-flow storage object: `o['k'](a, b)`.
        if let Expression::CallExpression(call) = expr
            && let Some((object, key)) = self.member_parts(&call.callee)
            && self.objects.contains(object)
            && let Some((_, ObjectEntry::Function { params, body })) =
                key.with_str(|k| self.object_value(object, k))
            && call
                .arguments
                .iter()
                .all(|a| !matches!(a, Argument::SpreadElement(_)))
        {
            let mut args: Vec<Expression<'a>> = call
                .arguments
                .iter_mut()
                .map(|a| a.to_expression_mut().take_in(&self.builder))
                .collect();
            let mut inlined = body.clone_in(self.allocator);
            let mut substitute = Substitute {
                params,
                args: &mut args,
                allocator: self.allocator,
                builder: AstBuilder::new(self.allocator),
            };
            substitute.visit_expression(&mut inlined);
            set_root_span(&mut inlined, span);
            *expr = wrap_parenthesis(inlined, &self.builder);
            self.counts.storage += 1;
            return;
        }
        // A read of a storage object's value or of a string table.
        if let Some((object, key)) = self.member_parts(expr) {
            if self.objects.contains(object)
                && let Some((stored_key, ObjectEntry::Value(v))) =
                    key.with_str(|k| self.object_value(object, k))
                && let Some(lit) = self.literal(v, span)
            {
                *expr = lit;
                self.inlined_keys.insert((object, stored_key));
                if matches!(v, Value::Str(_)) {
                    self.recovered.truncate(mark);
                    self.recovered.push(Recovered {
                        span,
                        method: "control-flow storage object".into(),
                    });
                }
                self.counts.storage += 1;
                return;
            }
            if self.tables.contains(object)
                && let MemberKey::Computed(Value::Num(n)) = key
                && n >= 0.0
                && n.fract() == 0.0
                && let Some((table, _)) = self.bindings.tables.get(object)
                && let Some(s) = table.get(n as usize)
            {
                *expr = Expression::new_string_literal(
                    span,
                    self.allocator.alloc_str(s),
                    None,
                    &self.builder,
                );
                self.recovered.truncate(mark);
                self.recovered.push(Recovered {
                    span,
                    method: "string table".into(),
                });
                self.counts.table += 1;
                return;
            }
        }
        // Constant folding of obfuscator arithmetic and concatenation.
        if matches!(
            expr,
            Expression::BinaryExpression(_)
                | Expression::UnaryExpression(_)
                | Expression::LogicalExpression(_)
                | Expression::ConditionalExpression(_)
                | Expression::ParenthesizedExpression(_)
        ) && !is_plain_negative(expr)
            && crate::value::may_fold(expr)
            && let Some(v) = evaluate(expr, &Literals)
            && let Some(lit) = self.literal(&v, span)
        {
            let methods: Vec<String> = self.recovered.drain(mark..).map(|r| r.method).collect();
            *expr = lit;
            self.counts.folded += 1;
            if !methods.is_empty() && matches!(v, Value::Str(_)) {
                let mut unique: Vec<String> = Vec::new();
                for m in methods {
                    if !unique.contains(&m) {
                        unique.push(m);
                    }
                }
                let mut method = unique.join(" + ");
                method.push_str(", concatenated");
                self.recovered.push(Recovered { span, method });
            }
            return;
        }
        // `o['key']` → `o.key` for readability.
        if let Expression::ComputedMemberExpression(m) = expr
            && let Expression::StringLiteral(key) = &m.expression
            && is_identifier_name(key.value.as_str())
        {
            let name = self.allocator.alloc_str(key.value.as_str());
            let property = IdentifierName::new(key.span, name, &self.builder);
            let object = m.object.take_in(&self.builder);
            let optional = m.optional;
            *expr = Expression::StaticMemberExpression(StaticMemberExpression::boxed(
                span,
                object,
                property,
                optional,
                &self.builder,
            ));
            self.counts.members += 1;
        }
    }
}

fn is_plain_negative(expr: &Expression<'_>) -> bool {
    matches!(expr, Expression::UnaryExpression(u)
        if u.operator == UnaryOperator::UnaryNegation && matches!(u.argument, Expression::NumericLiteral(_)))
}

/// Whether `s` can be written as `o.s`.
pub fn is_identifier_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c == '$' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c == '$' || c.is_ascii_alphanumeric())
}

fn set_root_span(expr: &mut Expression<'_>, span: Span) {
    use oxc_span::GetSpanMut;
    *expr.span_mut() = span;
}

fn wrap_parenthesis<'a>(expr: Expression<'a>, builder: &AstBuilder<'a>) -> Expression<'a> {
    match expr {
        Expression::BinaryExpression(_) | Expression::LogicalExpression(_) => {
            let span = expr.span();
            Expression::new_parenthesized_expression(span, expr, builder)
        }
        other => other,
    }
}

/// Replaces parameter references in a cloned storage function body.
struct Substitute<'s, 'a> {
    params: &'s [&'a str],
    args: &'s mut Vec<Expression<'a>>,
    allocator: &'a Allocator,
    builder: AstBuilder<'a>,
}

impl<'a> VisitMut<'a> for Substitute<'_, 'a> {
    fn visit_expression(&mut self, it: &mut Expression<'a>) {
        if let Expression::Identifier(id) = it
            && let Some(i) = self.params.iter().position(|p| *p == id.name.as_str())
        {
            *it = match self.args.get(i) {
                Some(arg) => wrap_parenthesis(arg.clone_in(self.allocator), &self.builder),
                None => Expression::new_void_0(SPAN, &self.builder),
            };
            return;
        }
        walk_mut::walk_expression(self, it);
    }
}

impl<'a> VisitMut<'a> for Rewriter<'a, '_> {
    fn visit_expression(&mut self, it: &mut Expression<'a>) {
        if self.depth > MAX_WALK_DEPTH {
            return;
        }
        self.depth += 1;
        let mark = self.recovered.len();
        walk_mut::walk_expression(self, it);
        self.replace_expression(it, mark);
        self.depth -= 1;
    }

    fn visit_statement(&mut self, it: &mut Statement<'a>) {
        if self.depth > MAX_WALK_DEPTH {
            return;
        }
        self.depth += 1;
        walk_mut::walk_statement(self, it);
        self.depth -= 1;
        // Opaque predicates: `if ('abc' === 'abc') { live } else { dead }`.
        if let Statement::IfStatement(s) = it
            && let Some(test) = literal_truthiness(&s.test)
        {
            let span = s.span;
            let branch = if test {
                Some(s.consequent.take_in(&self.builder))
            } else {
                s.alternate.take()
            };
            *it = branch.unwrap_or_else(|| Statement::new_empty_statement(span, &self.builder));
            self.counts.dead_branches += 1;
        }
    }

    fn visit_statements(&mut self, it: &mut ArenaVec<'a, Statement<'a>>) {
        // Protection helpers go before the walk, top-down, so that a helper's
        // name is known when the lists inside other functions are walked.
        let old = std::mem::replace(it, ArenaVec::new_in(&self.builder));
        let mut kept: Vec<Statement<'a>> = Vec::with_capacity(old.len());
        for mut statement in old {
            if self.remove.contains(&statement.span()) {
                self.counts.removed += 1;
                continue;
            }
            if let Statement::VariableDeclaration(decl) = &mut statement {
                let before = decl.declarations.len();
                decl.declarations.retain(|d| !self.remove.contains(&d.span));
                if decl.declarations.len() != before {
                    self.counts.removed += before - decl.declarations.len();
                    if decl.declarations.is_empty() {
                        continue;
                    }
                }
            }
            kept.push(statement);
        }
        let bindings = self.bindings;
        let unused = |name: &str| bindings.reference_count(name) == 0;
        let mut protection = 0;
        let kept = crate::protection::strip(
            kept,
            &mut self.protection_names,
            &unused,
            self.protection_markers,
            &mut protection,
        );
        self.counts.protection += protection;
        self.counts.removed += protection;
        let mut kept = split_sequences(kept, &self.builder);
        it.extend(kept.drain(..));
        walk_mut::walk_statements(self, it);
        let mut after: Vec<Statement<'a>> = std::mem::replace(it, ArenaVec::new_in(&self.builder))
            .into_iter()
            .collect();
        crate::control_flow::unflatten(&mut after, &self.builder, &mut self.counts.unflattened);
        self.counts.object_keys += crate::object_keys::fold(&mut after, &self.builder);
        it.extend(after);
    }
}

fn literal_truthiness(expr: &Expression<'_>) -> Option<bool> {
    match expr {
        Expression::BooleanLiteral(b) => Some(b.value),
        Expression::StringLiteral(_)
        | Expression::NumericLiteral(_)
        | Expression::NullLiteral(_) => evaluate(expr, &Literals).and_then(|v| v.truthy()),
        _ => None,
    }
}

/// `a(), b(), c();` at statement level becomes three statements: the
/// obfuscator's compact output merges the rotator with the code after it.
pub fn split_sequences<'a>(
    statements: Vec<Statement<'a>>,
    builder: &AstBuilder<'a>,
) -> Vec<Statement<'a>> {
    let mut out = Vec::with_capacity(statements.len());
    for statement in statements {
        match statement {
            Statement::ExpressionStatement(mut es) if is_sequence(&es.expression) => {
                let mut expression = es.expression.take_in(builder);
                while let Expression::ParenthesizedExpression(p) = expression {
                    expression = p.unbox().expression;
                }
                let Expression::SequenceExpression(sequence) = expression else {
                    out.push(Statement::new_expression_statement(
                        es.span, expression, builder,
                    ));
                    continue;
                };
                for expression in sequence.unbox().expressions {
                    let span = expression.span();
                    out.push(Statement::new_expression_statement(
                        span, expression, builder,
                    ));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Splits the program's top-level statement sequences (see [`split_sequences`]).
pub fn split_top_level_sequences<'a>(
    program: &mut oxc_ast::ast::Program<'a>,
    allocator: &'a Allocator,
) {
    let builder = AstBuilder::new(allocator);
    split_list(&mut program.body, &builder);
    // Bundlers wrap obfuscated modules in an IIFE: its body is where the
    // machinery then lives (see `string_array::machinery_scope`).
    for statement in program.body.iter_mut() {
        if let Some(body) = iife_body_mut(statement) {
            split_list(body, &builder);
        }
    }
}

fn split_list<'a>(list: &mut ArenaVec<'a, Statement<'a>>, builder: &AstBuilder<'a>) {
    if !list
        .iter()
        .any(|s| matches!(s, Statement::ExpressionStatement(es) if is_sequence(&es.expression)))
    {
        return;
    }
    let old = std::mem::replace(list, ArenaVec::new_in(builder));
    list.extend(split_sequences(old.into_iter().collect(), builder));
}

fn iife_body_mut<'s, 'a>(
    statement: &'s mut Statement<'a>,
) -> Option<&'s mut ArenaVec<'a, Statement<'a>>> {
    let Statement::ExpressionStatement(es) = statement else {
        return None;
    };
    let mut expr = &mut es.expression;
    loop {
        match expr {
            Expression::ParenthesizedExpression(p) => expr = &mut p.expression,
            Expression::UnaryExpression(u) => expr = &mut u.argument,
            _ => break,
        }
    }
    let Expression::CallExpression(call) = expr else {
        return None;
    };
    let mut callee = &mut call.callee;
    while let Expression::ParenthesizedExpression(p) = callee {
        callee = &mut p.expression;
    }
    match callee {
        Expression::FunctionExpression(f) => f.body.as_mut().map(|b| &mut b.statements),
        _ => None,
    }
}

fn is_sequence(expr: &Expression<'_>) -> bool {
    match expr {
        Expression::SequenceExpression(_) => true,
        Expression::ParenthesizedExpression(p) => is_sequence(&p.expression),
        _ => false,
    }
}
