//! The built-in functions and methods that scripts use to assemble or hide
//! strings, applied to values: `atob`, `decodeURIComponent`/`decodeURI`/
//! `unescape`, `String.fromCharCode`/`fromCodePoint`, `String`, `Number`,
//! `parseInt`, `parseFloat`; the string methods (`split`, `slice`,
//! `charCodeAt`, `replace`, …), the array methods (`join`, `reverse`,
//! `concat`, `slice`) and `Number.prototype.toString(radix)`.
//!
//! Each answers [`Value::Unknown`] where JavaScript would throw or where an
//! argument it needs is unknown, and never builds a string or array beyond
//! the caps of [`crate::value`].

use base64::Engine as _;
use oxc_syntax::identifier::is_white_space;
use oxc_syntax::line_terminator::is_line_terminator;

use crate::number::{number_to_string, string_to_number, to_int32, to_uint32};
use crate::steps::{Step, Steps};
use crate::value::{MAX_ARRAY_LEN, MAX_STRING_BYTES, PartialString, Value, join};

/// Calls the global function `name` (`"atob"`, `"String.fromCharCode"`, …)
/// with `args`; `Unknown` for any other name.
pub fn call_global(name: &str, args: &[Value], steps: &mut Steps) -> Value {
    let first = args.first().unwrap_or(&Value::Undefined);
    let first_text = || first.to_partial_string().as_known().map(str::to_owned);
    match name {
        "atob" => {
            let Some(decoded) = first_text().as_deref().and_then(atob) else {
                return Value::Unknown;
            };
            steps.insert(Step::Atob);
            Value::string(decoded)
        }
        "decodeURIComponent" | "decodeURI" | "unescape" => {
            let Some(text) = first_text() else {
                return Value::Unknown;
            };
            let decoded = if name == "unescape" {
                unescape(&text)
            } else {
                decode_uri(&text)
            };
            let Some(decoded) = decoded else {
                return Value::Unknown;
            };
            steps.insert(Step::UriDecode);
            Value::string(decoded)
        }
        "String.fromCharCode" | "String.fromCodePoint" => {
            let mut units: Vec<u16> = Vec::with_capacity(args.len());
            for a in args {
                let Some(n) = a.to_number() else {
                    return Value::Unknown;
                };
                if name == "String.fromCharCode" {
                    units.push(to_uint32(n) as u16);
                } else {
                    match char::from_u32(n as u32) {
                        Some(c) if n >= 0.0 && n.fract() == 0.0 => {
                            units.extend_from_slice(c.encode_utf16(&mut [0; 2]));
                        }
                        // RangeError in JavaScript.
                        _ => return Value::Unknown,
                    }
                }
                if units.len() > MAX_STRING_BYTES {
                    return Value::Unknown;
                }
            }
            steps.insert(Step::FromCharCode);
            Value::string(String::from_utf16_lossy(&units))
        }
        "String" if args.is_empty() => Value::string(""),
        "String" => Value::Str(first.to_partial_string()),
        "Number" if args.is_empty() => Value::Num(0.0),
        "Number" => first.to_number().map_or(Value::Unknown, Value::Num),
        "parseInt" => {
            let radix = match args.get(1) {
                None => Some(0.0),
                Some(r) => r.to_number(),
            };
            match (first_text(), radix) {
                (Some(text), Some(radix)) => {
                    Value::Num(parse_int(text.encode_utf16(), to_int32(radix)))
                }
                _ => Value::Unknown,
            }
        }
        "parseFloat" => first_text().map_or(Value::Unknown, |t| Value::Num(parse_float(&t))),
        _ => Value::Unknown,
    }
}

/// Calls `receiver.method(args)` for the string, array and number methods
/// listed in the module documentation; `Unknown` for any other.
pub fn call_method(receiver: Value, method: &str, args: &[Value], steps: &mut Steps) -> Value {
    if let (Value::Str(s), "concat") = (&receiver, method) {
        // The one method that keeps unknown parts of its arguments.
        let mut out = s.clone();
        for a in args {
            out.append(&a.to_partial_string());
        }
        steps.insert(Step::StringMethod);
        return Value::Str(out);
    }
    if !args.iter().all(Value::is_known) {
        return Value::Unknown;
    }
    let integer = |i: usize| args.get(i).and_then(Value::to_number).map(to_integer);
    match (receiver, method) {
        (Value::Array(items), "join") => {
            let separator = match args.first() {
                None | Some(Value::Undefined) => PartialString::known(","),
                Some(v) => v.to_partial_string(),
            };
            let Some(separator) = separator.as_known() else {
                return Value::Unknown;
            };
            steps.insert(Step::ArrayJoin);
            Value::Str(join(&items, separator))
        }
        (Value::Array(mut items), "reverse") => {
            items.reverse();
            steps.insert(Step::Reverse);
            Value::Array(items)
        }
        (Value::Array(mut items), "concat") => {
            for a in args {
                match a {
                    Value::Array(more) => items.extend(more.iter().cloned()),
                    other => items.push(other.clone()),
                }
                if items.len() > MAX_ARRAY_LEN {
                    return Value::Unknown;
                }
            }
            Value::Array(items)
        }
        (Value::Array(items), "slice") => {
            let len = items.len() as f64;
            let start = relative_index(integer(0).unwrap_or(0.0), len) as usize;
            let end = relative_index(integer(1).unwrap_or(len), len) as usize;
            Value::Array(
                items
                    .get(start..end.max(start))
                    .map(<[Value]>::to_vec)
                    .unwrap_or_default(),
            )
        }
        (Value::Str(s), method) => match s.as_known() {
            Some(text) => string_method(text, method, args, steps),
            None if method == "toString" || method == "valueOf" => Value::Str(s),
            None => Value::Unknown,
        },
        (Value::Num(n), "toString") => match args.first() {
            None | Some(Value::Undefined) => Value::string(number_to_string(n)),
            Some(radix) => radix
                .to_number()
                .and_then(|r| to_radix(n, r))
                .map_or(Value::Unknown, Value::string),
        },
        _ => Value::Unknown,
    }
}

/// The string methods, on a fully known receiver and known arguments.
fn string_method(text: &str, method: &str, args: &[Value], steps: &mut Steps) -> Value {
    let integer = |i: usize| args.get(i).and_then(Value::to_number).map(to_integer);
    let string = |i: usize| args.get(i).and_then(Value::as_str);
    let len = || text.encode_utf16().count() as f64;
    let value = match method {
        "toString" | "valueOf" => return Value::string(text),
        "split" => {
            let limit = match args.get(1) {
                None | Some(Value::Undefined) => u32::MAX,
                Some(l) => l.to_number().map_or(0, to_uint32),
            } as usize;
            let separator = match args.first() {
                None | Some(Value::Undefined) => None,
                Some(v) => match v.to_partial_string().as_known() {
                    Some(s) => Some(s.to_owned()),
                    None => return Value::Unknown,
                },
            };
            let cap = limit.min(MAX_ARRAY_LEN + 1);
            let parts: Vec<Value> = match separator.as_deref() {
                _ if limit == 0 => Vec::new(),
                None => vec![Value::string(text)],
                Some("") => text
                    .encode_utf16()
                    .map(|u| Value::string(String::from_utf16_lossy(&[u])))
                    .take(cap)
                    .collect(),
                Some(separator) => text.split(separator).take(cap).map(Value::string).collect(),
            };
            if parts.len() > MAX_ARRAY_LEN {
                return Value::Unknown;
            }
            steps.insert(Step::Split);
            return Value::Array(parts);
        }
        "toLowerCase" | "toLocaleLowerCase" => Value::string(text.to_lowercase()),
        "toUpperCase" | "toLocaleUpperCase" => Value::string(text.to_uppercase()),
        "trim" => Value::string(text.trim_matches(is_js_space)),
        "trimStart" | "trimLeft" => Value::string(text.trim_start_matches(is_js_space)),
        "trimEnd" | "trimRight" => Value::string(text.trim_end_matches(is_js_space)),
        "slice" => {
            let len = len();
            let start = relative_index(integer(0).unwrap_or(0.0), len);
            let end = relative_index(integer(1).unwrap_or(len), len);
            utf16_slice(text, start, end.max(start))
        }
        "substring" => {
            let len = len();
            let a = integer(0).unwrap_or(0.0).clamp(0.0, len);
            let b = integer(1).unwrap_or(len).clamp(0.0, len);
            utf16_slice(text, a.min(b), a.max(b))
        }
        "substr" => {
            let len = len();
            let start = relative_index(integer(0).unwrap_or(0.0), len);
            let count = integer(1).unwrap_or(len).max(0.0);
            utf16_slice(text, start, (start + count).min(len))
        }
        "charAt" => {
            let i = integer(0).unwrap_or(0.0);
            if i < 0.0 {
                Value::string("")
            } else {
                utf16_slice(text, i, i + 1.0)
            }
        }
        "charCodeAt" => {
            let i = integer(0).unwrap_or(0.0);
            match text.encode_utf16().nth(i as usize) {
                Some(unit) if i >= 0.0 => Value::Num(f64::from(unit)),
                _ => Value::Num(f64::NAN),
            }
        }
        "replace" | "replaceAll" => {
            let (Some(from), Some(to)) = (string(0), string(1)) else {
                return Value::Unknown;
            };
            // `$` patterns in the replacement are rare in obfuscation and
            // would need the full GetSubstitution algorithm: skip them.
            if to.contains('$') {
                return Value::Unknown;
            }
            let out = if method == "replace" {
                text.replacen(from, to, 1)
            } else {
                text.replace(from, to)
            };
            if out.len() > MAX_STRING_BYTES {
                return Value::Unknown;
            }
            Value::string(out)
        }
        "repeat" => {
            let count = integer(0).unwrap_or(0.0);
            if count < 0.0 || text.len() as f64 * count > MAX_STRING_BYTES as f64 {
                return Value::Unknown;
            }
            Value::string(text.repeat(count as usize))
        }
        _ => return Value::Unknown,
    };
    steps.insert(Step::StringMethod);
    value
}

/// ToIntegerOrInfinity: NaN is 0, everything else truncated.
fn to_integer(n: f64) -> f64 {
    if n.is_nan() { 0.0 } else { n.trunc() }
}

/// A relative index (`slice`'s): negative counts from the end; clamped to
/// `0..=len`.
fn relative_index(i: f64, len: f64) -> f64 {
    if i < 0.0 {
        (len + i).max(0.0)
    } else {
        i.min(len)
    }
}

/// WhiteSpace or LineTerminator: what `trim` removes.
fn is_js_space(c: char) -> bool {
    is_white_space(c) || is_line_terminator(c)
}

/// `text.slice(start, end)` in UTF-16 code units, both already in
/// `0..=len`.
fn utf16_slice(text: &str, start: f64, end: f64) -> Value {
    let start = start.max(0.0) as usize;
    let units: Vec<u16> = text.encode_utf16().collect();
    let start = start.min(units.len());
    let end = (end.max(0.0) as usize).min(units.len()).max(start);
    Value::string(String::from_utf16_lossy(&units[start..end]))
}

/// `parseInt(text, radix)` over UTF-16 code units, reading only as far as
/// the number goes (the deobfuscator decodes no more of a string than
/// that). `radix` is the argument after ToInt32: 0 means 10, or 16 after a
/// `0x` prefix.
pub fn parse_int(units: impl Iterator<Item = u16>, radix: i32) -> f64 {
    let as_char = |u: u16| char::from_u32(u32::from(u));
    let mut units = units.peekable();
    while units
        .peek()
        .and_then(|u| as_char(*u))
        .is_some_and(is_js_space)
    {
        units.next();
    }
    let mut sign = 1.0;
    match units.peek().and_then(|u| as_char(*u)) {
        Some('-') => {
            sign = -1.0;
            units.next();
        }
        Some('+') => {
            units.next();
        }
        _ => {}
    }
    let (mut radix, strip_prefix) = match radix {
        0 => (10, true),
        16 => (16, true),
        2..=36 => (radix as u32, false),
        _ => return f64::NAN,
    };
    let mut value = 0f64;
    let mut any = false;
    if strip_prefix && units.peek().and_then(|u| as_char(*u)) == Some('0') {
        units.next();
        if matches!(units.peek().and_then(|u| as_char(*u)), Some('x' | 'X')) {
            units.next();
            radix = 16;
        } else {
            any = true;
        }
    }
    for unit in units {
        let Some(digit) = as_char(unit).and_then(|c| c.to_digit(radix)) else {
            break;
        };
        value = value * f64::from(radix) + f64::from(digit);
        any = true;
    }
    if any { sign * value } else { f64::NAN }
}

/// `parseFloat`: the longest prefix (after white space) that is a decimal
/// literal or `Infinity`, NaN when there is none.
pub fn parse_float(text: &str) -> f64 {
    let text = text.trim_start_matches(is_js_space);
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    if rest.starts_with("Infinity") {
        return sign * f64::INFINITY;
    }
    let bytes = rest.as_bytes();
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int = digits(0);
    let mut end = int;
    let mut any = int > 0;
    if bytes.get(end) == Some(&b'.') {
        let frac = digits(end + 1);
        if frac > 0 || any {
            end += 1 + frac;
            any |= frac > 0;
        }
    }
    if !any {
        return f64::NAN;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let signed = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        let exponent = digits(end + 1 + signed);
        if exponent > 0 {
            end += 1 + signed + exponent;
        }
    }
    string_to_number(&rest[..end]) * sign
}

/// `Number.prototype.toString(radix)` for integers (what obfuscators
/// print); `None` for fractions, huge numbers and bad radixes.
fn to_radix(n: f64, radix: f64) -> Option<String> {
    if !(2.0..=36.0).contains(&radix) || n.fract() != 0.0 || n.abs() > 9.0e15 {
        return None;
    }
    let radix = radix as u32;
    let negative = n < 0.0;
    let mut v = n.abs() as u64;
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((v % u64::from(radix)) as u32, radix)?);
        v /= u64::from(radix);
        if v == 0 {
            break;
        }
    }
    if negative {
        digits.push('-');
    }
    Some(digits.iter().rev().collect())
}

/// `atob`: forgiving base64 (whitespace removed, padding optional) to a
/// Latin-1 string, as browsers decode it.
pub fn atob(text: &str) -> Option<String> {
    let cleaned: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let trimmed = cleaned.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()?;
    Some(bytes.iter().map(|&b| char::from(b)).collect())
}

/// `decodeURIComponent`: percent-decoding of UTF-8; fails like the browser
/// on malformed sequences.
pub fn decode_uri(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `unescape`: `%XX` as Latin-1 and `%uXXXX` as UTF-16 code units.
fn unescape(text: &str) -> Option<String> {
    let mut units: Vec<u16> = Vec::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '%' {
            let hex = |from: usize, len: usize| -> Option<u16> {
                let s: String = chars.get(from..from + len)?.iter().collect();
                u16::from_str_radix(&s, 16).ok()
            };
            if chars.get(i + 1) == Some(&'u')
                && let Some(unit) = hex(i + 2, 4)
            {
                units.push(unit);
                i += 6;
                continue;
            }
            if let Some(byte) = hex(i + 1, 2) {
                units.push(byte);
                i += 3;
                continue;
            }
        }
        let mut buffer = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut buffer));
        i += 1;
    }
    Some(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_int_str(s: &str, radix: i32) -> f64 {
        parse_int(s.encode_utf16(), radix)
    }

    /// `node -e 'console.log(parseInt("0x1F"), parseInt("  -12ab"),
    /// parseInt("ff", 16), parseInt("12", 1), parseInt("0x1F", 10),
    /// parseFloat("2.5abc"), parseFloat(" -.5e3x"), parseFloat("Infinityx"))'`
    /// prints `31 -12 255 NaN 0 2.5 -500 Infinity`.
    #[test]
    fn number_parsing_follows_node() {
        assert_eq!(parse_int_str("3487125dOjXYz", 0), 3487125.0);
        assert_eq!(parse_int_str("0x1F", 0), 31.0);
        assert_eq!(parse_int_str("  -12ab", 0), -12.0);
        assert_eq!(parse_int_str("ff", 16), 255.0);
        assert!(parse_int_str("12", 1).is_nan());
        assert_eq!(parse_int_str("0x1F", 10), 0.0);
        assert!(parse_int_str("abc", 0).is_nan());
        assert_eq!(parse_float("2.5abc"), 2.5);
        assert_eq!(parse_float(" -.5e3x"), -500.0);
        assert_eq!(parse_float("Infinityx"), f64::INFINITY);
        assert!(parse_float(".e1").is_nan());
    }

    /// `node -e 'console.log(Number(""), Number("0x10"), Number(true),
    /// "abc".charCodeAt(NaN), "a,b,c".split(",", 2), "abc".split(undefined),
    /// "\ufeff a ".trim().length)'` prints `0 16 1 97 [ 'a', 'b' ] [ 'abc' ] 1`.
    #[test]
    fn conversions_and_methods_follow_node() {
        let mut steps = Steps::default();
        let s = Value::string;
        assert_eq!(call_global("Number", &[s("")], &mut steps), Value::Num(0.0));
        assert_eq!(
            call_global("Number", &[s("0x10")], &mut steps),
            Value::Num(16.0)
        );
        assert_eq!(
            call_global("Number", &[Value::Bool(true)], &mut steps),
            Value::Num(1.0)
        );
        let nan = Value::Num(f64::NAN);
        assert_eq!(
            call_method(s("abc"), "charCodeAt", &[nan], &mut steps),
            Value::Num(97.0)
        );
        assert_eq!(
            call_method(s("a,b,c"), "split", &[s(","), Value::Num(2.0)], &mut steps),
            Value::Array(vec![s("a"), s("b")])
        );
        assert_eq!(
            call_method(s("abc"), "split", &[Value::Undefined], &mut steps),
            Value::Array(vec![s("abc")])
        );
        assert_eq!(
            call_method(s("\u{feff} a "), "trim", &[], &mut steps),
            s("a")
        );
        assert_eq!(
            call_method(s("abc"), "charAt", &[Value::Unknown], &mut steps),
            Value::Unknown
        );
    }
}
