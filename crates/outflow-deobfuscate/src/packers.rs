//! Packers: code built at run time and handed to `eval`, `Function` or
//! `document.write`. Payloads are decoded natively (string literals,
//! `atob`, `unescape`, `decodeURIComponent`, `String.fromCharCode`,
//! concatenation, Dean Edwards' `p,a,c,k,e,d`) and returned for separate
//! analysis; nothing of the script runs.

use base64::Engine;
use oxc_ast::ast::{Argument, BindingPattern, CallExpression, Expression, NewExpression};
use oxc_ast_visit::{Visit, walk};
use oxc_span::Span;

use crate::DecodedScript;
use crate::bindings::MAX_WALK_DEPTH;
use crate::value::{Value, evaluate};
use outflow_js_value::Literals;

/// Largest decoded payload kept (bytes).
const MAX_PAYLOAD: usize = 16 * 1024 * 1024;

/// Finds and decodes every packed payload in a program.
pub fn find<'a>(
    program: &oxc_ast::ast::Program<'a>,
    notes: &mut Vec<String>,
) -> Vec<DecodedScript> {
    let mut finder = Finder {
        found: Vec::new(),
        notes,
        depth: 0,
    };
    finder.visit_program(program);
    finder.found
}

struct Finder<'n> {
    found: Vec<DecodedScript>,
    notes: &'n mut Vec<String>,
    depth: u32,
}

fn callee_name(callee: &Expression<'_>) -> Option<String> {
    match callee {
        Expression::Identifier(id) => Some(id.name.to_string()),
        Expression::StaticMemberExpression(m) => {
            let object = match &m.object {
                Expression::Identifier(id) => id.name.as_str(),
                _ => return None,
            };
            Some(format!("{object}.{}", m.property.name))
        }
        Expression::ParenthesizedExpression(p) => callee_name(&p.expression),
        _ => None,
    }
}

/// Whether a callee's last name is that of a sink, checked before the
/// callee's name is built (every call of every script passes here).
fn may_be_sink(callee: &Expression<'_>) -> bool {
    let last = match callee {
        Expression::Identifier(id) => id.name.as_str(),
        Expression::StaticMemberExpression(m) => m.property.name.as_str(),
        Expression::ParenthesizedExpression(p) => return may_be_sink(&p.expression),
        _ => return false,
    };
    matches!(
        last,
        "eval" | "Function" | "write" | "writeln" | "setTimeout" | "setInterval"
    )
}

impl Finder<'_> {
    fn sink(&mut self, name: &str, args: &[Argument<'_>], span: Span) {
        let (payload, sink) = match name {
            "eval" | "window.eval" | "self.eval" | "globalThis.eval" => (args.first(), "eval"),
            "Function" | "window.Function" => (args.last(), "Function"),
            "document.write" | "document.writeln" => (args.first(), "document.write"),
            "setTimeout" | "setInterval" | "window.setTimeout" | "window.setInterval" => (
                args.first().filter(|a| {
                    !matches!(
                        a,
                        Argument::FunctionExpression(_) | Argument::ArrowFunctionExpression(_)
                    )
                }),
                "setTimeout",
            ),
            _ => return,
        };
        let Some(expr) = payload.and_then(Argument::as_expression) else {
            return;
        };
        match decode_payload(expr, 0) {
            Ok(Some((code, how))) => {
                if sink == "document.write"
                    && how == "literal"
                    && !code.to_ascii_lowercase().contains("<script")
                {
                    return;
                }
                if sink == "setTimeout" && how == "literal" {
                    return;
                }
                let how = if how == "literal" {
                    sink.to_string()
                } else {
                    format!("{sink}({how})")
                };
                self.found.push(DecodedScript {
                    code,
                    how,
                    at: span,
                });
            }
            Ok(None) => {}
            Err(reason) => self.notes.push(format!(
                "could not decode: {sink} payload at {}: {reason}",
                span.start
            )),
        }
    }
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.depth > MAX_WALK_DEPTH {
            return;
        }
        self.depth += 1;
        walk::walk_expression(self, it);
        self.depth -= 1;
    }
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if may_be_sink(&it.callee)
            && let Some(name) = callee_name(&it.callee)
        {
            self.sink(&name, &it.arguments, it.span);
        }
        walk::walk_call_expression(self, it);
    }
    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        if may_be_sink(&it.callee)
            && let Some(name) = callee_name(&it.callee)
        {
            self.sink(&name, &it.arguments, it.span);
        }
        walk::walk_new_expression(self, it);
    }
}

/// Decodes a payload expression: `Ok(None)` when it is not a static
/// payload, `Err` when it is one that fails to decode.
fn decode_payload(expr: &Expression<'_>, depth: u32) -> Result<Option<(String, String)>, String> {
    if depth > 64 {
        return Ok(None);
    }
    match expr {
        Expression::StringLiteral(_)
        | Expression::TemplateLiteral(_)
        | Expression::BinaryExpression(_) => {
            if let Some(s) = evaluate(expr, &Literals).and_then(Value::into_string) {
                return Ok(Some((s, "literal".into())));
            }
            if let Expression::BinaryExpression(b) = expr
                && b.operator == oxc_syntax::operator::BinaryOperator::Addition
            {
                let left = decode_payload(&b.left, depth + 1)?;
                let right = decode_payload(&b.right, depth + 1)?;
                if let (Some((l, lh)), Some((r, rh))) = (left, right) {
                    let how = if lh == "literal" { rh } else { lh };
                    return Ok(Some((l + &r, how)));
                }
            }
            Ok(None)
        }
        Expression::ParenthesizedExpression(p) => decode_payload(&p.expression, depth + 1),
        Expression::CallExpression(call) => {
            if let Some(unpacked) = unpack_dean_edwards(call)? {
                return Ok(Some((unpacked, "p,a,c,k,e,d".into())));
            }
            let Some(name) = callee_name(&call.callee) else {
                return Ok(None);
            };
            let inner = || -> Result<Option<(String, String)>, String> {
                match call.arguments.first().and_then(Argument::as_expression) {
                    Some(e) => decode_payload(e, depth + 1),
                    None => Ok(None),
                }
            };
            let nest = |how: &str, inner_how: &str| {
                if inner_how == "literal" {
                    how.to_string()
                } else {
                    format!("{how}({inner_how})")
                }
            };
            match name.as_str() {
                "atob" | "window.atob" => {
                    let Some((text, how)) = inner()? else {
                        return Ok(None);
                    };
                    let cleaned: String =
                        text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(
                            cleaned.trim_end_matches('=').to_string()
                                + &"=".repeat((4 - cleaned.trim_end_matches('=').len() % 4) % 4),
                        )
                        .map_err(|e| format!("invalid base64: {e}"))?;
                    // atob yields one character per byte (Latin-1).
                    Ok(Some((
                        bytes.iter().map(|b| char::from(*b)).collect(),
                        nest("atob", &how),
                    )))
                }
                "unescape" | "decodeURIComponent" | "decodeURI" => {
                    let Some((text, how)) = inner()? else {
                        return Ok(None);
                    };
                    Ok(Some((
                        percent_decode(&text, name == "unescape")?,
                        nest(&name, &how),
                    )))
                }
                "String.fromCharCode" => {
                    let mut args = Vec::with_capacity(call.arguments.len());
                    for a in &call.arguments {
                        let Some(v) = a.as_expression().and_then(|e| evaluate(e, &Literals)) else {
                            return Ok(None);
                        };
                        args.push(v);
                    }
                    let decoded = outflow_js_value::builtins::call_global(
                        "String.fromCharCode",
                        &args,
                        &mut outflow_js_value::Steps::default(),
                    );
                    let Some(out) = decoded.into_string() else {
                        return Ok(None);
                    };
                    if out.len() > MAX_PAYLOAD {
                        return Err("payload too large".into());
                    }
                    Ok(Some((out, "String.fromCharCode".into())))
                }
                _ => Ok(None),
            }
        }
        _ => Ok(None),
    }
}

fn percent_decode(text: &str, latin1: bool) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut chars = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if latin1 && bytes.get(i + 1) == Some(&b'u') {
                let hex = text.get(i + 2..i + 6).ok_or("truncated %u escape")?;
                let code = u32::from_str_radix(hex, 16).map_err(|_| "invalid %u escape")?;
                flush(&mut out, &mut chars, latin1)?;
                chars.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                i += 6;
                continue;
            }
            if let Some(hex) = text.get(i + 1..i + 3)
                && let Ok(b) = u8::from_str_radix(hex, 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        flush(&mut out, &mut chars, latin1)?;
        let c = text[i..].chars().next().ok_or("invalid text")?;
        chars.push(c);
        i += c.len_utf8();
    }
    flush(&mut out, &mut chars, latin1)?;
    Ok(chars)
}

fn flush(bytes: &mut Vec<u8>, out: &mut String, latin1: bool) -> Result<(), String> {
    if bytes.is_empty() {
        return Ok(());
    }
    if latin1 {
        out.extend(bytes.iter().map(|b| char::from(*b)));
    } else {
        out.push_str(std::str::from_utf8(bytes).map_err(|_| "invalid UTF-8 in percent escapes")?);
    }
    bytes.clear();
    Ok(())
}

/// `(function(p,a,c,k,e,d){...})('payload', 62, 120, 'w0|w1|...'.split('|'), 0, {})`
fn unpack_dean_edwards(call: &CallExpression<'_>) -> Result<Option<String>, String> {
    let function = match &call.callee {
        Expression::FunctionExpression(f) => f,
        Expression::ParenthesizedExpression(p) => match &p.expression {
            Expression::FunctionExpression(f) => f,
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let names: Vec<&str> = function
        .params
        .items
        .iter()
        .filter_map(|p| match &p.pattern {
            BindingPattern::BindingIdentifier(id) => Some(id.name.as_str()),
            _ => None,
        })
        .collect();
    if names != ["p", "a", "c", "k", "e", "d"] && names != ["p", "a", "c", "k", "e", "r"]
        || call.arguments.len() < 4
    {
        return Ok(None);
    }
    let arg = |i: usize| {
        call.arguments
            .get(i)
            .and_then(Argument::as_expression)
            .and_then(|e| evaluate(e, &Literals))
    };
    let (Some(payload), Some(radix), Some(count)) = (
        arg(0).and_then(Value::into_string),
        arg(1).and_then(|v| v.to_number()),
        arg(2).and_then(|v| v.to_number()),
    ) else {
        return Err("p,a,c,k,e,d arguments are not literals".into());
    };
    let words: Vec<String> = match call.arguments.get(3).and_then(Argument::as_expression) {
        Some(Expression::CallExpression(split)) => {
            let object = match &split.callee {
                Expression::StaticMemberExpression(m) if m.property.name == "split" => &m.object,
                _ => return Err("p,a,c,k,e,d word list is not a split string".into()),
            };
            let (Some(list), Some(sep)) = (
                evaluate(object, &Literals).and_then(Value::into_string),
                split
                    .arguments
                    .first()
                    .and_then(Argument::as_expression)
                    .and_then(|e| evaluate(e, &Literals))
                    .and_then(Value::into_string),
            ) else {
                return Err("p,a,c,k,e,d word list is not a literal".into());
            };
            if sep.is_empty() {
                return Err("empty separator".into());
            }
            list.split(sep.as_str()).map(str::to_string).collect()
        }
        _ => return Err("p,a,c,k,e,d word list is not a split string".into()),
    };
    if !(2.0..=62.0).contains(&radix) || radix.fract() != 0.0 {
        return Err(format!("unsupported p,a,c,k,e,d radix {radix}"));
    }
    let radix = radix as u64;
    let limit = (count.max(0.0) as usize).min(words.len());
    let mut out = String::with_capacity(payload.len() * 2);
    let mut word = String::new();
    let emit = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        match decode_word(word, radix) {
            Some(i) if (i as usize) < limit && !words[i as usize].is_empty() => {
                out.push_str(&words[i as usize])
            }
            _ => out.push_str(word),
        }
        word.clear();
    };
    for c in payload.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            emit(&mut word, &mut out);
            out.push(c);
        }
        if out.len() > MAX_PAYLOAD {
            return Err("payload too large".into());
        }
    }
    emit(&mut word, &mut out);
    Ok(Some(out))
}

/// The index a packed word stands for, if it is one `e(c)` can produce.
fn decode_word(word: &str, radix: u64) -> Option<u64> {
    let mut value: u64 = 0;
    for c in word.chars() {
        let digit = match c {
            '0'..='9' => c as u64 - '0' as u64,
            'a'..='z' => c as u64 - 'a' as u64 + 10,
            'A'..='Z' if radix > 36 => c as u64 - 'A' as u64 + 36,
            _ => return None,
        };
        if digit >= radix {
            return None;
        }
        value = value.checked_mul(radix)?.checked_add(digit)?;
    }
    // e(c) never writes leading zeros.
    (word == "0" || !word.starts_with('0')).then_some(value)
}
