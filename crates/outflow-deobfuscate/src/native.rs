//! Native decoding of javascript-obfuscator's string array, for the decoder
//! shapes it emits (index shift, then none, base64 with its lower-case-first
//! alphabet, or rc4 over that base64), with the rotation emulated over the
//! rotator's own checksum expression, bounded by the array's length. When any
//! part does not match its known shape, the caller falls back to the sandbox.

use oxc_ast::ast::{AssignmentTarget, BinaryExpression, Expression, Function, Program, Statement};
use oxc_ast_visit::{Visit, walk};
use oxc_syntax::operator::{BinaryOperator, UnaryOperator};

use crate::bindings::Bindings;
use crate::string_array::{Prelude, Resolved, resolve};
use crate::value::{Value, evaluate};
use outflow_js_value::Literals;

const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=";

/// How one decoder turns an array entry into a string.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Plain,
    Base64,
    Rc4,
}

#[derive(Debug, Clone)]
struct Decoder<'a> {
    name: &'a str,
    shift: f64,
    kind: Kind,
}

struct Facts {
    base64: bool,
    byte_loop: bool,
    calls: usize,
}

impl<'a> Visit<'a> for Facts {
    fn visit_string_literal(&mut self, it: &oxc_ast::ast::StringLiteral<'a>) {
        if it.value.as_str() == ALPHABET {
            self.base64 = true;
        }
    }
    fn visit_numeric_literal(&mut self, it: &oxc_ast::ast::NumericLiteral<'a>) {
        if it.value == 256.0 {
            self.byte_loop = true;
        }
    }
    fn visit_binary_expression(&mut self, it: &BinaryExpression<'a>) {
        if crate::value::evaluate_binary(it) == Some(Value::Num(256.0)) {
            self.byte_loop = true;
        }
        walk::walk_binary_expression(self, it);
    }
    fn visit_call_expression(&mut self, it: &oxc_ast::ast::CallExpression<'a>) {
        self.calls += 1;
        walk::walk_call_expression(self, it);
    }
}

fn decoder_function<'s, 'a>(program: &'s Program<'a>, name: &str) -> Option<&'s Function<'a>> {
    crate::string_array::machinery_scope(program)
        .iter()
        .find_map(|s| match s {
            Statement::FunctionDeclaration(f)
                if f.id.as_ref().is_some_and(|id| id.name == name) =>
            {
                Some(&**f)
            }
            _ => None,
        })
}

/// `function D(i, k) { i = i - SHIFT; var arr = A(); ... }`
fn decoder_spec<'a>(program: &Program<'a>, name: &'a str) -> Option<Decoder<'a>> {
    let function = decoder_function(program, name)?;
    let body = function.body.as_ref()?;
    let first_param = match &function.params.items.first()?.pattern {
        oxc_ast::ast::BindingPattern::BindingIdentifier(id) => id.name.as_str(),
        _ => return None,
    };
    let Statement::ExpressionStatement(first) = body.statements.first()? else {
        return None;
    };
    let Expression::AssignmentExpression(assign) = &first.expression else {
        return None;
    };
    let AssignmentTarget::AssignmentTargetIdentifier(target) = &assign.left else {
        return None;
    };
    if target.name != first_param {
        return None;
    }
    let Expression::BinaryExpression(sub) = &assign.right else {
        return None;
    };
    if sub.operator != BinaryOperator::Subtraction
        || !matches!(&sub.left, Expression::Identifier(id) if id.name == first_param)
    {
        return None;
    }
    let Value::Num(shift) = evaluate(&sub.right, &Literals)? else {
        return None;
    };
    let mut facts = Facts {
        base64: false,
        byte_loop: false,
        calls: 0,
    };
    facts.visit_function_body(body);
    let kind = match (facts.base64, facts.byte_loop) {
        (true, true) => Kind::Rc4,
        (true, false) => Kind::Base64,
        // A plain decoder only fetches the entry: one call (the array's).
        (false, _) if facts.calls == 1 && body.statements.len() <= 5 => Kind::Plain,
        _ => return None,
    };
    Some(Decoder { name, shift, kind })
}

/// Position of `c` in [`ALPHABET`].
fn alphabet_index(c: char) -> Option<i64> {
    Some(match c {
        'a'..='z' => c as i64 - 'a' as i64,
        'A'..='Z' => c as i64 - 'A' as i64 + 26,
        '0'..='9' => c as i64 - '0' as i64 + 52,
        '+' => 62,
        '/' => 63,
        '=' => 64,
        _ => return None,
    })
}

/// The obfuscator's base64: its alphabet, unknown characters skipped, bytes
/// through `decodeURIComponent` (invalid UTF-8 throws there, so fails here).
fn base64(input: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(input.len() * 3 / 4);
    let mut count: i64 = 0;
    let mut bits: i64 = 0;
    for c in input.chars() {
        let Some(v) = alphabet_index(c) else {
            continue;
        };
        bits = if count % 4 != 0 { bits * 64 + v } else { v };
        let emit = count % 4 != 0;
        count += 1;
        if emit {
            bytes.push((255 & (bits >> ((-2 * count) & 6))) as u8);
        }
    }
    String::from_utf8(bytes).ok()
}

/// RC4 key schedules by key: the rotator decodes the same few keys against
/// every rotation.
type Schedules = rustc_hash::FxHashMap<String, [u8; 256]>;

fn schedule(key: &str) -> Option<[u8; 256]> {
    let key: Vec<u16> = key.encode_utf16().collect();
    if key.is_empty() {
        return None;
    }
    let mut s = [0u8; 256];
    for (i, v) in s.iter_mut().enumerate() {
        *v = i as u8;
    }
    let mut j: usize = 0;
    for i in 0..256usize {
        j = (j + s[i] as usize + key[i % key.len()] as usize) % 256;
        s.swap(i, j);
    }
    Some(s)
}

/// The schedule of `key`, computed once per key.
fn schedule_for<'s>(key: &str, schedules: &'s mut Schedules) -> Option<&'s [u8; 256]> {
    if !schedules.contains_key(key) {
        schedules.insert(key.to_string(), schedule(key)?);
    }
    schedules.get(key)
}

/// RC4 over UTF-16 code units, one unit at a time: the rotator's
/// `parseInt` only needs the first few.
struct Rc4Units<'d> {
    data: std::slice::Iter<'d, u16>,
    s: [u8; 256],
    i: usize,
    j: usize,
}

impl<'d> Rc4Units<'d> {
    fn new(data: &'d [u16], schedule: &[u8; 256]) -> Self {
        Rc4Units {
            data: data.iter(),
            s: *schedule,
            i: 0,
            j: 0,
        }
    }
}

impl Iterator for Rc4Units<'_> {
    type Item = u16;
    fn next(&mut self) -> Option<u16> {
        let unit = *self.data.next()?;
        self.i = (self.i + 1) % 256;
        self.j = (self.j + self.s[self.i] as usize) % 256;
        self.s.swap(self.i, self.j);
        let k = self.s[(self.s[self.i] as usize + self.s[self.j] as usize) % 256];
        Some(unit ^ u16::from(k))
    }
}

/// The string array's entries, with each entry's base64 decoding (as
/// UTF-16 code units) made once, on first use: the rotator reads every
/// entry under every rotation it tries, and the call sites read them again.
struct Entries<'s> {
    raw: Vec<&'s str>,
    /// `None`: not decoded yet; `Some(None)`: not valid base64 of UTF-8.
    units: Vec<Option<Option<Vec<u16>>>>,
}

impl<'s> Entries<'s> {
    fn new(raw: Vec<&'s str>) -> Self {
        let units = vec![None; raw.len()];
        Entries { raw, units }
    }

    fn len(&self) -> usize {
        self.raw.len()
    }

    fn units(&mut self, index: usize) -> Option<&[u16]> {
        let slot = &mut self.units[index];
        if slot.is_none() {
            *slot = Some(base64(self.raw[index]).map(|s| s.encode_utf16().collect()));
        }
        slot.as_ref().and_then(|u| u.as_deref())
    }

    /// Position in the rotated array of the entry a decoder call reads.
    fn position(&self, rotation: usize, decoder: &Decoder<'_>, args: &[Value]) -> Option<usize> {
        let index = args.first()?.to_number()? - decoder.shift;
        if index.is_nan() || index < 0.0 || index.fract() != 0.0 || index as usize >= self.len() {
            return None;
        }
        Some((index as usize + rotation) % self.len())
    }
}

fn rc4_key(args: &[Value]) -> Option<&str> {
    args.get(1)?.as_str()
}

fn decode_one(
    entries: &mut Entries<'_>,
    rotation: usize,
    decoder: &Decoder<'_>,
    args: &[Value],
    schedules: &mut Schedules,
) -> Option<String> {
    let position = entries.position(rotation, decoder, args)?;
    match decoder.kind {
        Kind::Plain => Some(entries.raw[position].to_string()),
        Kind::Base64 => String::from_utf16(entries.units(position)?).ok(),
        Kind::Rc4 => {
            let schedule = schedule_for(rc4_key(args)?, schedules)?;
            let out: Vec<u16> = Rc4Units::new(entries.units(position)?, schedule).collect();
            String::from_utf16(&out).ok()
        }
    }
}

/// `parseInt(decoder(args))`, decoding no more of the entry than
/// `parseInt` reads.
fn parse_int_of_call(
    entries: &mut Entries<'_>,
    rotation: usize,
    decoder: &Decoder<'_>,
    args: &[Value],
    schedules: &mut Schedules,
) -> Option<f64> {
    let position = entries.position(rotation, decoder, args)?;
    Some(match decoder.kind {
        Kind::Plain => parse_int_units(entries.raw[position].encode_utf16()),
        Kind::Base64 => parse_int_units(entries.units(position)?.iter().copied()),
        Kind::Rc4 => {
            let schedule = schedule_for(rc4_key(args)?, schedules)?;
            parse_int_units(Rc4Units::new(entries.units(position)?, schedule))
        }
    })
}

/// JavaScript's `parseInt(s)` (radix 10, or 16 after `0x`).
#[cfg(test)]
fn parse_int(s: &str) -> f64 {
    parse_int_units(s.encode_utf16())
}

/// JavaScript's `parseInt` (radix 10, or 16 after `0x`) over UTF-16 code
/// units, reading only as far as the number goes.
fn parse_int_units(units: impl Iterator<Item = u16>) -> f64 {
    outflow_js_value::builtins::parse_int(units, 0)
}

/// The rotator's checksum: `-parseInt(D(..))/1 + parseInt(w(..))/2 * ...`.
enum Checksum<'a> {
    Number(f64),
    ParseInt(Resolved<'a>),
    Negate(Box<Checksum<'a>>),
    Binary(BinaryOperator, Box<Checksum<'a>>, Box<Checksum<'a>>),
}

fn checksum<'a>(
    expr: &Expression<'a>,
    bindings: &Bindings<'a>,
    prelude: &Prelude<'a>,
    depth: u32,
) -> Option<Checksum<'a>> {
    if depth > 64 {
        return None;
    }
    Some(match expr {
        Expression::NumericLiteral(n) => Checksum::Number(n.value),
        Expression::ParenthesizedExpression(p) => {
            return checksum(&p.expression, bindings, prelude, depth + 1);
        }
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::UnaryNegation => {
            Checksum::Negate(Box::new(checksum(
                &u.argument,
                bindings,
                prelude,
                depth + 1,
            )?))
        }
        Expression::BinaryExpression(b)
            if matches!(
                b.operator,
                BinaryOperator::Addition
                    | BinaryOperator::Subtraction
                    | BinaryOperator::Multiplication
                    | BinaryOperator::Division
            ) =>
        {
            Checksum::Binary(
                b.operator,
                Box::new(checksum(&b.left, bindings, prelude, depth + 1)?),
                Box::new(checksum(&b.right, bindings, prelude, depth + 1)?),
            )
        }
        Expression::CallExpression(call) => {
            if !matches!(&call.callee, Expression::Identifier(id) if id.name == "parseInt")
                || call.arguments.len() != 1
            {
                return None;
            }
            let Some(Expression::CallExpression(inner)) = call.arguments[0].as_expression() else {
                return None;
            };
            let Expression::Identifier(callee) = &inner.callee else {
                return None;
            };
            let scope = crate::bindings::ObjectScope::new(bindings, &[]);
            let args = inner
                .arguments
                .iter()
                .map(|a| a.as_expression().and_then(|e| evaluate(e, &scope)))
                .collect::<Option<Vec<_>>>()?;
            Checksum::ParseInt(resolve(bindings, prelude, callee.name.as_str(), args, 0)?)
        }
        _ => return None,
    })
}

/// The checksum under one rotation; `None` when it cannot equal the
/// target: a decoder call fails (the rotator's `catch` rotates again) or a
/// `parseInt` is NaN (NaN survives every operator of the expression), so
/// most wrong rotations stop at their first call.
fn run_checksum(
    c: &Checksum<'_>,
    entries: &mut Entries<'_>,
    rotation: usize,
    decoders: &[Decoder<'_>],
    schedules: &mut Schedules,
) -> Option<f64> {
    Some(match c {
        Checksum::Number(n) => *n,
        Checksum::Negate(inner) => -run_checksum(inner, entries, rotation, decoders, schedules)?,
        Checksum::Binary(op, l, r) => {
            let l = run_checksum(l, entries, rotation, decoders, schedules)?;
            let r = run_checksum(r, entries, rotation, decoders, schedules)?;
            match op {
                BinaryOperator::Addition => l + r,
                BinaryOperator::Subtraction => l - r,
                BinaryOperator::Multiplication => l * r,
                _ => l / r,
            }
        }
        Checksum::ParseInt(call) => {
            let decoder = decoders.iter().find(|d| d.name == call.decoder)?;
            let n = parse_int_of_call(entries, rotation, decoder, &call.args, schedules)?;
            if n.is_nan() {
                return None;
            }
            n
        }
    })
}

/// `(function (A, TARGET) { var arr = A(); while (true) { try { var v = CHECKSUM; if (v === TARGET) break; ... } catch (e) {...} } }(A, TARGET))`
fn rotation<'a>(
    program: &Program<'a>,
    bindings: &Bindings<'a>,
    prelude: &Prelude<'a>,
    entries: &mut Entries<'_>,
    decoders: &[Decoder<'a>],
    schedules: &mut Schedules,
) -> Option<usize> {
    let rotator = crate::string_array::machinery_scope(program)
        .iter()
        .find_map(|s| match s {
            Statement::ExpressionStatement(es)
                if prelude.statements.contains(&oxc_span::GetSpan::span(s)) =>
            {
                Some(&es.expression)
            }
            _ => None,
        })?;
    let mut call = rotator;
    while let Expression::ParenthesizedExpression(p) = call {
        call = &p.expression;
    }
    let Expression::CallExpression(call) = call else {
        return None;
    };
    let mut callee = &call.callee;
    while let Expression::ParenthesizedExpression(p) = callee {
        callee = &p.expression;
    }
    let Expression::FunctionExpression(function) = callee else {
        return None;
    };
    if !matches!(call.arguments.first().and_then(|a| a.as_expression()), Some(Expression::Identifier(id)) if id.name == prelude.array_fn)
    {
        return None;
    }
    let Value::Num(target) = evaluate(call.arguments.get(1)?.as_expression()?, &Literals)? else {
        return None;
    };
    let body = function.body.as_ref()?;
    let Some(Statement::WhileStatement(w)) = body
        .statements
        .iter()
        .find(|s| matches!(s, Statement::WhileStatement(_)))
    else {
        return None;
    };
    let Statement::BlockStatement(block) = &w.body else {
        return None;
    };
    let Some(Statement::TryStatement(t)) = block.body.first() else {
        return None;
    };
    let Some(Statement::VariableDeclaration(d)) = t.block.body.first() else {
        return None;
    };
    let init = d.declarations.first()?.init.as_ref()?;
    let checksum = checksum(init, bindings, prelude, 0)?;
    (0..entries.len())
        .find(|r| run_checksum(&checksum, entries, *r, decoders, schedules) == Some(target))
}

fn array_entries<'a>(program: &Program<'a>, prelude: &Prelude<'a>) -> Option<Vec<&'a str>> {
    let function = decoder_function(program, prelude.array_fn)?;
    function
        .body
        .as_ref()?
        .statements
        .iter()
        .find_map(|s| match s {
            Statement::VariableDeclaration(d) => {
                d.declarations.iter().find_map(|d| match &d.init {
                    Some(Expression::ArrayExpression(a)) => a
                        .elements
                        .iter()
                        .map(|e| match e {
                            oxc_ast::ast::ArrayExpressionElement::StringLiteral(s) => {
                                Some(s.value.as_str())
                            }
                            _ => None,
                        })
                        .collect(),
                    _ => None,
                })
            }
            _ => None,
        })
}

/// Decodes `calls` natively, or `None` when some part of the machinery is
/// not a known shape (the caller then uses the sandbox). Individual calls
/// that fail come back as `None` entries.
pub fn decode_all<'a>(
    program: &Program<'a>,
    bindings: &Bindings<'a>,
    prelude: &Prelude<'a>,
    calls: &[&Resolved<'a>],
) -> Option<Vec<Option<String>>> {
    let mut entries = Entries::new(array_entries(program, prelude)?);
    let decoders = prelude
        .decoders
        .iter()
        .map(|d| decoder_spec(program, d))
        .collect::<Option<Vec<_>>>()?;
    let mut schedules = Schedules::default();
    let rotation = if prelude.rotated {
        rotation(
            program,
            bindings,
            prelude,
            &mut entries,
            &decoders,
            &mut schedules,
        )?
    } else {
        0
    };
    let results: Vec<Option<String>> = calls
        .iter()
        .map(|c| {
            decoders
                .iter()
                .find(|d| d.name == c.decoder)
                .and_then(|d| decode_one(&mut entries, rotation, d, &c.args, &mut schedules))
        })
        .collect();
    // A miss here means a shape this emulation gets wrong: let the sandbox decide.
    results.iter().all(Option::is_some).then_some(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_uses_the_lower_case_first_alphabet() {
        // Standard "YWJj" is "abc"; the obfuscator swaps the letter cases.
        assert_eq!(base64("ywjJ").as_deref(), Some("abc"));
        // UTF-8 goes through decodeURIComponent.
        assert_eq!(base64("W6i").as_deref(), Some("\u{e2}"));
        // Invalid UTF-8 throws in JavaScript: no value here.
        assert_eq!(base64("/W"), None);
    }

    #[test]
    fn parse_int_reads_the_leading_number() {
        assert_eq!(parse_int("3487125dOjXYz"), 3487125.0);
        assert_eq!(parse_int("  -12ab"), -12.0);
        assert_eq!(parse_int("0x1F"), 31.0);
        assert!(parse_int("abc").is_nan());
    }
}
