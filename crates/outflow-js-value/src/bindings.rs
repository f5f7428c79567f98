//! The binding table: which names are constants, and what they hold.
//!
//! A first walk over the program records every declared name per scope,
//! with its initialiser, and every write to a name. A binding is constant
//! when it is `const`, or a `let`/`var` that is never written after its
//! declaration. Static evaluation follows only constant bindings, so that
//! `const host = "cmpassport.com"; fetch("https://" + host)` resolves, but a
//! variable that the code later changes does not.
//!
//! Scopes are numbered in the order the walk enters them (oxc's own
//! `enter_scope` hooks, so the scopes are oxc_semantic's). The analysis walk
//! enters them in the same order ([`ScopeTracker`]), so both agree on the
//! numbers without oxc_semantic's full analysis, which costs about as much
//! as parsing itself and answers far more than constancy needs.
//!
//! The table is the analysis' [`Environment`]: a name resolves to its
//! constant initialiser, an undeclared name is the global, and `o.k` reads
//! property `k` of a constant object literal.

use oxc_ast::ast::{
    AssignmentTargetPropertyIdentifier, BindingIdentifier, BindingPattern, Class, Expression,
    Function, ObjectExpression, ObjectPropertyKind, PropertyKey, PropertyKind,
    SimpleAssignmentTarget, VariableDeclaration, VariableDeclarationKind, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_syntax::scope::{ScopeFlags, ScopeId};
use rustc_hash::FxHashMap;
use std::cell::Cell;

use crate::evaluate::{Environment, Lookup};
use crate::number::number_to_string;

/// Expression and statement nesting the collector follows at most, and the
/// analysis walk too (`outflow_js::analyze` uses this constant): past it
/// nothing is collected, so hostile nesting cannot exhaust the stack, and
/// both walks count scopes the same way.
pub const MAX_NESTING: u32 = 1500;

/// Constant aliases followed from a name to the object literal it holds
/// (`const a = {…}, b = a;`), at most.
const MAX_ALIAS_HOPS: u32 = 96;

/// Index of a scope in a [`Bindings`] table.
pub type ScopeIndex = u32;

/// Numbers scopes in the order a walk enters them.
#[derive(Debug)]
pub struct ScopeTracker {
    stack: Vec<ScopeIndex>,
    next: ScopeIndex,
}

impl Default for ScopeTracker {
    fn default() -> Self {
        Self {
            stack: vec![0],
            next: 1,
        }
    }
}

impl ScopeTracker {
    /// The innermost scope.
    pub fn current(&self) -> ScopeIndex {
        *self.stack.last().unwrap_or(&0)
    }

    /// Enters a new scope and returns (new, parent).
    pub fn enter(&mut self) -> (ScopeIndex, ScopeIndex) {
        let parent = self.current();
        let index = self.next;
        self.next = self.next.saturating_add(1);
        self.stack.push(index);
        (index, parent)
    }

    /// Leaves the innermost scope.
    pub fn leave(&mut self) {
        if self.stack.len() > 1 {
            self.stack.pop();
        }
    }
}

/// A declared name.
#[derive(Debug)]
pub struct Binding<'a> {
    /// The scope the name is declared in.
    pub scope: ScopeIndex,
    /// The value it is declared with, when it has one.
    pub init: Option<&'a Expression<'a>>,
    /// Whether the binding never changes after its declaration.
    pub constant: bool,
}

#[derive(Debug, Clone, Copy)]
struct Scope {
    parent: ScopeIndex,
    function: bool,
}

/// Every binding of a program, by scope and name.
#[derive(Debug, Default)]
pub struct Bindings<'a> {
    scopes: Vec<Scope>,
    by_name: FxHashMap<(ScopeIndex, &'a str), u32>,
    bindings: Vec<Binding<'a>>,
}

impl<'a> Bindings<'a> {
    /// Walks `program` and builds its binding table.
    pub fn collect(program: &oxc_ast::ast::Program<'a>) -> Self {
        let mut collector = Collector {
            table: Bindings {
                scopes: vec![Scope {
                    parent: 0,
                    function: true,
                }],
                ..Default::default()
            },
            tracker: ScopeTracker::default(),
            kind: None,
            writes: Vec::new(),
            depth: 0,
        };
        collector.visit_program(program);
        let writes = std::mem::take(&mut collector.writes);
        let mut table = collector.table;
        for (scope, name) in writes {
            if let Some(id) = table.resolve_id(scope, name) {
                table.bindings[id as usize].constant = false;
            }
        }
        table
    }

    /// The binding that `name` refers to from `scope`, if the program
    /// declares it (None for globals).
    pub fn resolve(&self, scope: ScopeIndex, name: &str) -> Option<(u32, &Binding<'a>)> {
        let id = self.resolve_id(scope, name)?;
        Some((id, &self.bindings[id as usize]))
    }

    /// Whether `name` seen from `scope` is the global of that name (no
    /// declaration of the program shadows it).
    pub fn is_global(&self, scope: ScopeIndex, name: &str) -> bool {
        self.resolve_id(scope, name).is_none()
    }

    fn resolve_id(&self, mut scope: ScopeIndex, name: &str) -> Option<u32> {
        // Bounded by the number of scopes: parents always have lower indices.
        loop {
            if let Some(&id) = self.by_name.get(&(scope, name)) {
                return Some(id);
            }
            let parent = self.scopes.get(scope as usize)?.parent;
            if parent == scope {
                return None;
            }
            scope = parent;
        }
    }

    fn function_scope(&self, mut scope: ScopeIndex) -> ScopeIndex {
        while let Some(s) = self.scopes.get(scope as usize) {
            if s.function || s.parent == scope {
                return scope;
            }
            scope = s.parent;
        }
        0
    }

    fn declare(
        &mut self,
        scope: ScopeIndex,
        name: &'a str,
        init: Option<&'a Expression<'a>>,
        constant: bool,
    ) {
        match self.by_name.get(&(scope, name)) {
            // A redeclaration (`var a = 1; var a = 2;`, or a parameter
            // redeclared with `var`) is a write as far as constancy goes.
            Some(&id) => {
                let existing = &mut self.bindings[id as usize];
                if init.is_some() || existing.init.is_some() {
                    existing.constant = false;
                }
                if existing.init.is_none() {
                    existing.init = init;
                }
            }
            None => {
                let id = u32::try_from(self.bindings.len()).unwrap_or(u32::MAX);
                self.bindings.push(Binding {
                    scope,
                    init,
                    constant,
                });
                self.by_name.insert((scope, name), id);
            }
        }
    }
}

impl<'a> Bindings<'a> {
    /// The object literal `expr` denotes through constant bindings, with
    /// the scope it is declared in.
    fn object_literal(
        &self,
        expr: &Expression<'a>,
        mut scope: ScopeIndex,
    ) -> Option<(&'a ObjectExpression<'a>, ScopeIndex)> {
        let mut expr = expr.without_parentheses();
        for _ in 0..MAX_ALIAS_HOPS {
            let Expression::Identifier(id) = expr else {
                return None;
            };
            let (_, binding) = self.resolve(scope, id.name.as_str())?;
            if !binding.constant {
                return None;
            }
            let init: &'a Expression<'a> = binding.init?;
            match init.without_parentheses() {
                Expression::ObjectExpression(object) => return Some((object, binding.scope)),
                next => {
                    expr = next;
                    scope = binding.scope;
                }
            }
        }
        None
    }
}

impl<'a> Environment<'a> for Bindings<'a> {
    fn identifier(&self, name: &str, scope: ScopeIndex) -> Lookup<'a> {
        match self.resolve(scope, name) {
            None => Lookup::Global,
            Some((id, binding)) => match (binding.init, binding.constant) {
                (Some(init), true) => Lookup::Expression {
                    expr: init,
                    scope: binding.scope,
                    binding: Some(id),
                },
                _ => Lookup::Unknown,
            },
        }
    }

    fn property(&self, object: &Expression<'a>, key: &str, scope: ScopeIndex) -> Lookup<'a> {
        match self.object_literal(object, scope) {
            Some((literal, scope)) => match object_property(literal, key) {
                Some(expr) => Lookup::Expression {
                    expr,
                    scope,
                    binding: None,
                },
                None => Lookup::Unknown,
            },
            None => Lookup::Unknown,
        }
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
                let matches = match &p.key {
                    PropertyKey::StaticIdentifier(id) => id.name == name,
                    PropertyKey::StringLiteral(s) => s.value == name,
                    PropertyKey::NumericLiteral(n) => number_to_string(n.value) == name,
                    _ if p.computed => return None,
                    _ => false,
                };
                if matches {
                    found = (p.kind == PropertyKind::Init && !p.method).then_some(&p.value);
                }
            }
        }
    }
    found
}

struct Collector<'a> {
    table: Bindings<'a>,
    tracker: ScopeTracker,
    kind: Option<VariableDeclarationKind>,
    writes: Vec<(ScopeIndex, &'a str)>,
    /// Expression and statement nesting, bounded like the analysis walk's
    /// (same limit, same counting), so that both number the same scopes.
    depth: u32,
}

impl<'a> Visit<'a> for Collector<'a> {
    fn visit_expression(&mut self, it: &oxc_ast::ast::Expression<'a>) {
        if self.depth >= MAX_NESTING {
            return;
        }
        self.depth += 1;
        walk::walk_expression(self, it);
        self.depth -= 1;
    }

    fn visit_statement(&mut self, it: &oxc_ast::ast::Statement<'a>) {
        if self.depth >= MAX_NESTING {
            return;
        }
        self.depth += 1;
        walk::walk_statement(self, it);
        self.depth -= 1;
    }

    fn enter_scope(&mut self, flags: ScopeFlags, _scope_id: &Cell<Option<ScopeId>>) {
        let (index, parent) = self.tracker.enter();
        debug_assert_eq!(index as usize, self.table.scopes.len());
        self.table.scopes.push(Scope {
            parent,
            function: flags.intersects(ScopeFlags::Function | ScopeFlags::Top),
        });
    }

    fn leave_scope(&mut self) {
        self.tracker.leave();
    }

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        let saved = self.kind.replace(it.kind);
        walk::walk_variable_declaration(self, it);
        self.kind = saved;
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let BindingPattern::BindingIdentifier(id) = &it.id {
            let kind = self.kind.unwrap_or(VariableDeclarationKind::Var);
            let scope = match kind {
                VariableDeclarationKind::Var => self.table.function_scope(self.tracker.current()),
                _ => self.tracker.current(),
            };
            let init = it.init.as_ref().map(|e| self.alloc(e));
            // `let x;` written later is caught by the write pass; `const` and
            // initialised bindings start constant.
            let name = self.alloc(id).name.as_str();
            self.table.declare(scope, name, init, true);
            if let Some(init) = &it.init {
                self.visit_expression(init);
            }
        } else {
            walk::walk_variable_declarator(self, it);
        }
    }

    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        // Parameters, destructured names, catch parameters, function and
        // class names, imports: declared without a known value.
        let name = self.alloc(it).name.as_str();
        let scope = match self.kind {
            Some(VariableDeclarationKind::Var) => self.table.function_scope(self.tracker.current()),
            _ => self.tracker.current(),
        };
        self.table.declare(scope, name, None, true);
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        // A declaration's name belongs to the enclosing scope.
        if it.is_declaration()
            && let Some(id) = &it.id
        {
            let name = self.alloc(id).name.as_str();
            let scope = self.table.function_scope(self.tracker.current());
            self.table.declare(scope, name, None, true);
        }
        let saved = self.kind.take();
        walk::walk_function(self, it, flags);
        self.kind = saved;
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        let saved = self.kind.take();
        walk::walk_class(self, it);
        self.kind = saved;
    }

    fn visit_simple_assignment_target(&mut self, it: &SimpleAssignmentTarget<'a>) {
        if let SimpleAssignmentTarget::AssignmentTargetIdentifier(id) = it {
            let name = self.alloc(id).name.as_str();
            self.writes.push((self.tracker.current(), name));
        }
        walk::walk_simple_assignment_target(self, it);
    }

    fn visit_assignment_target_property_identifier(
        &mut self,
        it: &AssignmentTargetPropertyIdentifier<'a>,
    ) {
        let name = self.alloc(it).binding.name.as_str();
        self.writes.push((self.tracker.current(), name));
        walk::walk_assignment_target_property_identifier(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxc_allocator::Allocator;
    use oxc_parser::Parser;
    use oxc_span::SourceType;

    fn constants(source: &str, name: &str) -> Option<bool> {
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, source, SourceType::mjs()).parse();
        let table = Bindings::collect(&parsed.program);
        // Look the name up from the innermost scope the table has.
        let last = u32::try_from(table.scopes.len() - 1).unwrap();
        table.resolve(last, name).map(|(_, b)| b.constant)
    }

    #[test]
    fn const_and_unwritten_let_are_constant() {
        assert_eq!(constants("const a = 1;", "a"), Some(true));
        assert_eq!(constants("let a = 1; use(a);", "a"), Some(true));
    }

    #[test]
    fn written_bindings_are_not_constant() {
        assert_eq!(constants("let a = 1; a = 2;", "a"), Some(false));
        assert_eq!(constants("var a = 1; a++;", "a"), Some(false));
        assert_eq!(constants("var a = 1; var a = 2;", "a"), Some(false));
        assert_eq!(constants("let a = 1; ({a} = o);", "a"), Some(false));
        assert_eq!(
            constants("let a = 1; function f() { a += 'x'; }", "a"),
            Some(false)
        );
    }

    #[test]
    fn globals_are_not_bindings() {
        assert_eq!(constants("fetch(x);", "fetch"), None);
    }
}
