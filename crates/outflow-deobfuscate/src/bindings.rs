//! One read-only walk that records, by name, what the rewriting passes need:
//! declarations, references, writes, string-array wrappers and aliases,
//! constant objects (control-flow storage, `stringArrayCallsTransform`
//! argument objects) and string tables.
//!
//! Names are used instead of scope analysis because obfuscators give every
//! binding a unique generated name; every rule below also requires a name to
//! be declared exactly once, so a reused name is simply left alone.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use oxc_allocator::{Allocator, CloneIn};
use oxc_ast::ast::{
    ArrayExpressionElement, AssignmentExpression, AssignmentTarget, BindingIdentifier,
    BindingPattern, ComputedMemberExpression, Expression, Function, IdentifierReference,
    ObjectPropertyKind, PropertyKey, SimpleAssignmentTarget, Statement, StaticMemberExpression,
    UnaryExpression, UpdateExpression, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::{GetSpan, Span};
use oxc_syntax::{operator::UnaryOperator, scope::ScopeFlags};

use outflow_js_value::{Environment, Literals, Lookup, ScopeIndex};

use crate::value::{Value, evaluate};

/// Deepest statement/expression nesting walked; deeper code is not analysed.
pub const MAX_WALK_DEPTH: u32 = 1500;

/// `function w(p0, p1) { return callee(args...) }`: a string-array wrapper
/// candidate (or any one-line forwarding function).
pub struct WrapperDef<'a> {
    /// Parameter names, in order.
    pub params: Vec<&'a str>,
    /// The function called.
    pub callee: &'a str,
    /// The arguments passed on, cloned out of the tree.
    pub args: Vec<Expression<'a>>,
    /// The whole declaration (function declaration or variable declarator).
    pub span: Span,
}

/// A property of a constant object.
pub enum ObjectEntry<'a> {
    /// A primitive value.
    Value(Value),
    /// `function(p...) { return <expr> }`, cloned out of the tree.
    Function {
        params: Vec<&'a str>,
        body: Expression<'a>,
    },
    /// Anything else (the object is then only partly known).
    Other,
}

/// A `var o = { ... }` object literal (plus `o[k] = v` statements right after
/// it, the form left by transformObjectKeys).
pub struct ObjectDef<'a> {
    /// Properties by key.
    pub entries: HashMap<&'a str, ObjectEntry<'a>>,
    /// The declarator.
    pub span: Span,
    /// Spans of the `o[k] = v` statements that belong to its initialisation.
    pub init_statements: Vec<Span>,
}

/// What the walk found.
#[derive(Default)]
pub struct Bindings<'a> {
    /// How many times each name is bound.
    pub declared: HashMap<&'a str, u32>,
    /// Start offsets of every reference to each name.
    pub references: HashMap<&'a str, Vec<u32>>,
    /// Names assigned or updated after their declaration.
    pub written: HashSet<&'a str>,
    /// Names whose properties are written (outside an object's initialisation).
    pub member_written: HashSet<&'a str>,
    /// How many references of each name are the object of a member access.
    pub member_reads: HashMap<&'a str, u32>,
    /// How many references of each name are `name[<number>]`.
    pub index_reads: HashMap<&'a str, u32>,
    /// One-line forwarding functions by name.
    pub wrappers: HashMap<&'a str, WrapperDef<'a>>,
    /// `var a = b` by name, with the declarator span.
    pub aliases: HashMap<&'a str, (&'a str, Span)>,
    /// Object literals by name.
    pub objects: HashMap<&'a str, ObjectDef<'a>>,
    /// How many string literals hold each value.
    pub string_counts: HashMap<&'a str, u32>,
    /// Arrays of string literals by name, with the declarator span.
    pub tables: HashMap<&'a str, (Vec<&'a str>, Span)>,
}

impl<'a> Bindings<'a> {
    /// Walks `statements` (a program body).
    pub fn collect(
        allocator: &'a Allocator,
        statements: &oxc_allocator::Vec<'a, Statement<'a>>,
    ) -> Self {
        Self::collect_reusing(allocator, statements, Bindings::default())
    }

    /// [`Bindings::collect`] into the tables of an earlier walk, emptied
    /// first: the rewriting rounds walk the same, shrinking program again
    /// and again, and the tables then need no growing.
    pub fn collect_reusing(
        allocator: &'a Allocator,
        statements: &oxc_allocator::Vec<'a, Statement<'a>>,
        mut reused: Bindings<'a>,
    ) -> Self {
        reused.clear();
        let mut collector = Collector {
            allocator,
            out: reused,
            init_writes: HashSet::default(),
            deferred: Vec::new(),
            depth: 0,
        };
        collector.visit_statements(statements);
        for (name, entries) in std::mem::take(&mut collector.deferred) {
            if let Some(object) = collector.out.objects.get_mut(name) {
                for (key, entry, span) in entries {
                    object.entries.insert(key, entry);
                    object.init_statements.push(span);
                }
            }
        }
        collector.out
    }

    fn clear(&mut self) {
        self.declared.clear();
        self.references.clear();
        self.written.clear();
        self.member_written.clear();
        self.member_reads.clear();
        self.index_reads.clear();
        self.wrappers.clear();
        self.aliases.clear();
        self.objects.clear();
        self.string_counts.clear();
        self.tables.clear();
    }

    /// Whether `name` is bound exactly once and never reassigned.
    pub fn is_constant(&self, name: &str) -> bool {
        self.declared.get(name) == Some(&1) && !self.written.contains(name)
    }

    /// Number of references to `name`.
    pub fn reference_count(&self, name: &str) -> usize {
        self.references.get(name).map_or(0, Vec::len)
    }

    /// Whether every use of object `name` is a read of one of its properties.
    pub fn object_is_inlinable(&self, name: &str) -> bool {
        self.is_constant(name)
            && !self.member_written.contains(name)
            && self.member_reads.get(name).copied().unwrap_or(0) as usize
                == self.reference_count(name)
    }

    /// Whether every use of table `name` is `name[<number>]`.
    pub fn table_is_inlinable(&self, name: &str) -> bool {
        self.is_constant(name)
            && !self.member_written.contains(name)
            && self.index_reads.get(name).copied().unwrap_or(0) as usize
                == self.reference_count(name)
            && self.reference_count(name) > 0
    }
}

/// Resolves `object.key` reads against the constant objects.
pub struct ObjectScope<'b, 'a> {
    /// The walk's findings.
    pub bindings: &'b Bindings<'a>,
    /// Parameter values, for wrapper bodies.
    pub params: &'b [(&'a str, Value)],
    /// The object read last, if readable: a call site passes every argument
    /// out of the same argument object, so its checks are done once.
    last: std::cell::Cell<Option<(&'b str, Option<&'b ObjectDef<'a>>)>>,
}

impl<'b, 'a> ObjectScope<'b, 'a> {
    /// A scope over `bindings`' constant objects and `params`.
    pub fn new(bindings: &'b Bindings<'a>, params: &'b [(&'a str, Value)]) -> Self {
        ObjectScope {
            bindings,
            params,
            last: std::cell::Cell::new(None),
        }
    }

    /// The object `name` when its properties can be read as constants.
    fn readable(&self, name: &str) -> Option<&'b ObjectDef<'a>> {
        if let Some((last, def)) = self.last.get()
            && last == name
        {
            return def;
        }
        let bindings = self.bindings;
        let def = bindings
            .objects
            .get_key_value(name)
            .filter(|_| bindings.is_constant(name) && !bindings.member_written.contains(name));
        self.last
            .set(def.map(|(key, def)| (*key, Some(def))).or(self.last.get()));
        def.map(|(_, def)| def)
    }
}

/// Names are not scope-resolved here (see the module documentation): a
/// wrapper's parameters and the constant objects are all that is known,
/// and of the globals only `undefined`.
impl<'a> Environment<'a> for ObjectScope<'_, 'a> {
    fn identifier(&self, name: &str, scope: ScopeIndex) -> Lookup<'a> {
        match self.params.iter().find(|(p, _)| *p == name) {
            Some((_, v)) => Lookup::Value(v.clone()),
            None => Literals.identifier(name, scope),
        }
    }
    fn property(&self, object: &Expression<'a>, key: &str, _scope: ScopeIndex) -> Lookup<'a> {
        let Expression::Identifier(object) = object else {
            return Lookup::Unknown;
        };
        match self
            .readable(object.name.as_str())
            .and_then(|o| o.entries.get(key))
        {
            Some(ObjectEntry::Value(v)) => Lookup::Value(v.clone()),
            _ => Lookup::Unknown,
        }
    }
}

/// The key of a property, when static.
pub fn property_key_name(key: &PropertyKey<'_>) -> Option<String> {
    match key {
        PropertyKey::StaticIdentifier(id) => Some(id.name.to_string()),
        PropertyKey::StringLiteral(s) => Some(s.value.to_string()),
        PropertyKey::NumericLiteral(n) => Some(outflow_js_value::number_to_string(n.value)),
        _ => None,
    }
}

/// [`property_key_name`] borrowed from the tree (numeric keys, rare, are
/// printed into the arena).
pub fn property_key_str<'a>(key: &PropertyKey<'a>, allocator: &'a Allocator) -> Option<&'a str> {
    match key {
        PropertyKey::StaticIdentifier(id) => Some(id.name.as_str()),
        PropertyKey::StringLiteral(s) => Some(s.value.as_str()),
        PropertyKey::NumericLiteral(n) => {
            Some(allocator.alloc_str(&outflow_js_value::number_to_string(n.value)))
        }
        _ => None,
    }
}

fn simple_params<'a>(function: &Function<'a>) -> Option<Vec<&'a str>> {
    if function.params.rest.is_some() {
        return None;
    }
    function
        .params
        .items
        .iter()
        .map(|p| match &p.pattern {
            BindingPattern::BindingIdentifier(id) if p.initializer.is_none() => {
                Some(id.name.as_str())
            }
            _ => None,
        })
        .collect()
}

/// The single returned expression of `function(...) { return <expr>; }`.
pub fn single_return<'f, 'a>(function: &'f Function<'a>) -> Option<&'f Expression<'a>> {
    let body = function.body.as_ref()?;
    if body.statements.len() != 1 || !body.directives.is_empty() {
        return None;
    }
    match &body.statements[0] {
        Statement::ReturnStatement(r) => r.argument.as_ref(),
        _ => None,
    }
}

/// The returned expression of a wrapper: `return callee(...)`, optionally
/// after declarations of argument objects (`var o = {_0x1: 0x11d};`, from
/// stringArrayCallsTransform).
fn wrapper_return<'f, 'a>(function: &'f Function<'a>) -> Option<&'f Expression<'a>> {
    let body = function.body.as_ref()?;
    let (last, leading) = body.statements.split_last()?;
    let objects_only = leading.iter().all(|s| {
        matches!(s, Statement::VariableDeclaration(d)
            if d.declarations.iter().all(|d| matches!(d.init, Some(Expression::ObjectExpression(_)))))
    });
    if !objects_only || leading.len() > 4 {
        return None;
    }
    match last {
        Statement::ReturnStatement(r) => r.argument.as_ref(),
        _ => None,
    }
}

/// Properties assigned right after an object's declaration, with the span
/// of each assignment statement.
type DeferredEntries<'a> = Vec<(&'a str, ObjectEntry<'a>, Span)>;

struct Collector<'a> {
    allocator: &'a Allocator,
    out: Bindings<'a>,
    init_writes: HashSet<Span>,
    deferred: Vec<(&'a str, DeferredEntries<'a>)>,
    depth: u32,
}

impl<'a> Collector<'a> {
    fn wrapper_from(&self, function: &Function<'a>, span: Span) -> Option<WrapperDef<'a>> {
        let params = simple_params(function)?;
        let Expression::CallExpression(call) = wrapper_return(function)? else {
            return None;
        };
        let Expression::Identifier(callee) = &call.callee else {
            return None;
        };
        let builder = oxc_ast::builder::AstBuilder::new(self.allocator);
        // Folded once here, the arguments' numbersToExpressions arithmetic
        // is not redone at every call site that goes through the wrapper.
        let args = call
            .arguments
            .iter()
            .map(|a| {
                a.as_expression().map(|e| {
                    let mut arg = e.clone_in(self.allocator);
                    crate::value::fold_arithmetic(&mut arg, &builder, 0);
                    arg
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(WrapperDef {
            params,
            callee: callee.name.as_str(),
            args,
            span,
        })
    }

    fn object_entry(&self, value: &Expression<'a>) -> ObjectEntry<'a> {
        if let Some(v) = evaluate(value, &Literals) {
            return ObjectEntry::Value(v);
        }
        if let Expression::FunctionExpression(f) = value
            && let (Some(params), Some(body)) = (simple_params(f), single_return(f))
        {
            return ObjectEntry::Function {
                params,
                body: body.clone_in(self.allocator),
            };
        }
        ObjectEntry::Other
    }

    fn declarator(&mut self, d: &VariableDeclarator<'a>) {
        let BindingPattern::BindingIdentifier(id) = &d.id else {
            return;
        };
        let name = id.name.as_str();
        match &d.init {
            Some(Expression::Identifier(target)) => {
                self.out
                    .aliases
                    .insert(name, (target.name.as_str(), d.span));
            }
            Some(Expression::FunctionExpression(f)) => {
                if let Some(w) = self.wrapper_from(f, d.span) {
                    self.out.wrappers.insert(name, w);
                }
            }
            Some(Expression::ObjectExpression(o)) => {
                let mut entries =
                    HashMap::with_capacity_and_hasher(o.properties.len(), Default::default());
                for p in &o.properties {
                    if let ObjectPropertyKind::ObjectProperty(p) = p
                        && let Some(key) = property_key_str(&p.key, self.allocator)
                    {
                        let entry = if p.method || p.kind != oxc_ast::ast::PropertyKind::Init {
                            ObjectEntry::Other
                        } else {
                            self.object_entry(&p.value)
                        };
                        entries.insert(key, entry);
                    }
                }
                self.out.objects.insert(
                    name,
                    ObjectDef {
                        entries,
                        span: d.span,
                        init_statements: Vec::new(),
                    },
                );
            }
            Some(Expression::ArrayExpression(a)) if !a.elements.is_empty() => {
                let strings: Option<Vec<&'a str>> = a
                    .elements
                    .iter()
                    .map(|e| match e {
                        ArrayExpressionElement::StringLiteral(s) => Some(s.value.as_str()),
                        _ => None,
                    })
                    .collect();
                if let Some(strings) = strings {
                    self.out.tables.insert(name, (strings, d.span));
                }
            }
            _ => {}
        }
    }

    /// transformObjectKeys turns `var o = {a: 1}` into `var o = {}; o['a'] = 1;`.
    fn scan_object_initialisers(&mut self, statements: &oxc_allocator::Vec<'a, Statement<'a>>) {
        let mut i = 0;
        while i < statements.len() {
            let Statement::VariableDeclaration(decl) = &statements[i] else {
                i += 1;
                continue;
            };
            let Some(last) = decl.declarations.last() else {
                i += 1;
                continue;
            };
            let (BindingPattern::BindingIdentifier(id), Some(Expression::ObjectExpression(_))) =
                (&last.id, &last.init)
            else {
                i += 1;
                continue;
            };
            let name = id.name.as_str();
            let mut j = i + 1;
            let mut found = Vec::new();
            while let Some(Statement::ExpressionStatement(es)) = statements.get(j) {
                let Expression::AssignmentExpression(assign) = &es.expression else {
                    break;
                };
                let Some((object, key)) = member_target(&assign.left, self.allocator) else {
                    break;
                };
                if object != name
                    || assign.operator != oxc_syntax::operator::AssignmentOperator::Assign
                {
                    break;
                }
                let _ = key;
                found.push((es.span, assign.span));
                j += 1;
            }
            for (_, assign_span) in &found {
                self.init_writes.insert(*assign_span);
            }
            if !found.is_empty() {
                // Merged into the object once its declarator has been seen.
                self.pending_initialisers(name, &statements[i + 1..j]);
            }
            i = j.max(i + 1);
        }
    }

    fn pending_initialisers(&mut self, name: &'a str, statements: &[Statement<'a>]) {
        let mut entries = Vec::new();
        for s in statements {
            if let Statement::ExpressionStatement(es) = s
                && let Expression::AssignmentExpression(assign) = &es.expression
                && let Some((_, key)) = member_target(&assign.left, self.allocator)
            {
                entries.push((key, self.object_entry(&assign.right), es.span));
            }
        }
        self.deferred.push((name, entries));
    }
}

/// `o['k']` / `o.k` as an assignment target: (object name, key).
fn member_target<'a>(
    target: &AssignmentTarget<'a>,
    allocator: &'a Allocator,
) -> Option<(&'a str, &'a str)> {
    match target {
        AssignmentTarget::ComputedMemberExpression(m) => {
            let Expression::Identifier(o) = &m.object else {
                return None;
            };
            let key = match &m.expression {
                Expression::StringLiteral(s) => s.value.as_str(),
                other => {
                    allocator.alloc_str(&evaluate(other, &Literals)?.to_partial_string().render())
                }
            };
            Some((o.name.as_str(), key))
        }
        AssignmentTarget::StaticMemberExpression(m) => {
            let Expression::Identifier(o) = &m.object else {
                return None;
            };
            Some((o.name.as_str(), m.property.name.as_str()))
        }
        _ => None,
    }
}

impl<'a> Visit<'a> for Collector<'a> {
    fn visit_statements(&mut self, it: &oxc_allocator::Vec<'a, Statement<'a>>) {
        self.scan_object_initialisers(it);
        walk::walk_statements(self, it);
    }

    fn visit_statement(&mut self, it: &Statement<'a>) {
        if self.depth > MAX_WALK_DEPTH {
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

    fn visit_string_literal(&mut self, it: &oxc_ast::ast::StringLiteral<'a>) {
        *self.out.string_counts.entry(it.value.as_str()).or_default() += 1;
    }

    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        *self.out.declared.entry(it.name.as_str()).or_default() += 1;
    }

    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        self.out
            .references
            .entry(it.name.as_str())
            .or_default()
            .push(it.span.start);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        self.declarator(it);
        walk::walk_variable_declarator(self, it);
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        if let Some(id) = &it.id
            && it.is_declaration()
            && let Some(w) = self.wrapper_from(it, it.span)
        {
            self.out.wrappers.insert(id.name.as_str(), w);
        }
        walk::walk_function(self, it, flags);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        match &it.left {
            AssignmentTarget::AssignmentTargetIdentifier(id) => {
                self.out.written.insert(id.name.as_str());
            }
            target => {
                if let Some(object) = target_object(target)
                    && !self.init_writes.contains(&it.span)
                {
                    self.out.member_written.insert(object);
                }
            }
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_update_expression(&mut self, it: &UpdateExpression<'a>) {
        match &it.argument {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => {
                self.out.written.insert(id.name.as_str());
            }
            SimpleAssignmentTarget::ComputedMemberExpression(m) => {
                if let Expression::Identifier(o) = &m.object {
                    self.out.member_written.insert(o.name.as_str());
                }
            }
            SimpleAssignmentTarget::StaticMemberExpression(m) => {
                if let Expression::Identifier(o) = &m.object {
                    self.out.member_written.insert(o.name.as_str());
                }
            }
            _ => {}
        }
        walk::walk_update_expression(self, it);
    }

    fn visit_unary_expression(&mut self, it: &UnaryExpression<'a>) {
        if it.operator == UnaryOperator::Delete
            && let Some(m) = it.argument.as_member_expression()
            && let Expression::Identifier(o) = m.object()
        {
            self.out.member_written.insert(o.name.as_str());
        }
        walk::walk_unary_expression(self, it);
    }

    fn visit_computed_member_expression(&mut self, it: &ComputedMemberExpression<'a>) {
        if let Expression::Identifier(o) = &it.object {
            *self.out.member_reads.entry(o.name.as_str()).or_default() += 1;
            if let Expression::NumericLiteral(_) = &it.expression {
                *self.out.index_reads.entry(o.name.as_str()).or_default() += 1;
            }
        }
        walk::walk_computed_member_expression(self, it);
    }

    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        if let Expression::Identifier(o) = &it.object {
            *self.out.member_reads.entry(o.name.as_str()).or_default() += 1;
        }
        walk::walk_static_member_expression(self, it);
    }
}

fn target_object<'a>(target: &AssignmentTarget<'a>) -> Option<&'a str> {
    let object = match target {
        AssignmentTarget::ComputedMemberExpression(m) => &m.object,
        AssignmentTarget::StaticMemberExpression(m) => &m.object,
        _ => return None,
    };
    match object {
        Expression::Identifier(o) => Some(o.name.as_str()),
        _ => None,
    }
}

/// The span of a statement, for removal bookkeeping.
pub fn statement_span(statement: &Statement<'_>) -> Span {
    statement.span()
}

/// Whether an expression contains a string literal (storage functions such
/// as `a + b` or `a(b)` do not; code that names an endpoint does).
pub fn has_string_literal(expr: &Expression<'_>) -> bool {
    struct Finder(bool);
    impl<'a> Visit<'a> for Finder {
        fn visit_string_literal(&mut self, _it: &oxc_ast::ast::StringLiteral<'a>) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_expression(expr);
    finder.0
}
