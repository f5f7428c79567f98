//! The value type: what static evaluation knows of a JavaScript value, with
//! the specification's coercions (ToString, ToNumber, ToBoolean, `typeof`)
//! and equalities (`===`, `==`) over it.
//!
//! A string may be known only in part (`"https://" + host + "/v1"` with an
//! unknown host), so that the analysis still reads its known parts; every
//! coercion answers `None` where the unknown part could change the answer.

use crate::number::{number_to_string, string_to_number};

/// The text that stands for a part of a string that could not be resolved.
pub const UNKNOWN_PART: &str = "{*}";

/// Upper bound on the length of any string the evaluator builds, so that
/// `"a".repeat(1e9)` or doubling chains cannot exhaust memory.
pub const MAX_STRING_BYTES: usize = 1 << 20;

/// Upper bound on array lengths built by the evaluator.
pub const MAX_ARRAY_LEN: usize = 1 << 14;

/// A statically evaluated JavaScript value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string, possibly with unknown parts.
    Str(PartialString),
    /// A number.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// An array of values (a fresh object: its identity is not known).
    Array(Vec<Value>),
    /// Anything the evaluator cannot follow.
    Unknown,
}

/// One piece of a [`PartialString`].
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Text known statically.
    Known(String),
    /// Text only known at run time.
    Unknown,
}

/// A string made of known and unknown pieces; adjacent pieces of the same
/// kind are always merged, so equal strings compare equal.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialString {
    repr: Repr,
}

/// A fully known string is one piece (one allocation, the common case in
/// deobfuscation); a string with an unknown part is a list of pieces.
#[derive(Debug, Clone, PartialEq)]
enum Repr {
    /// Always a [`Piece::Known`], possibly empty.
    Text(Piece),
    /// At least one [`Piece::Unknown`], no empty known piece.
    Pieces(Vec<Piece>),
}

impl Default for PartialString {
    fn default() -> Self {
        Self::known(String::new())
    }
}

impl PartialString {
    /// A fully known string.
    pub fn known(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.len() > MAX_STRING_BYTES {
            return Self::unknown();
        }
        Self {
            repr: Repr::Text(Piece::Known(text)),
        }
    }

    /// A string with nothing known about it.
    pub fn unknown() -> Self {
        Self {
            repr: Repr::Pieces(vec![Piece::Unknown]),
        }
    }

    /// The pieces, in order (none for the empty string).
    pub fn pieces(&self) -> &[Piece] {
        match &self.repr {
            Repr::Text(Piece::Known(text)) if text.is_empty() => &[],
            Repr::Text(piece) => std::slice::from_ref(piece),
            Repr::Pieces(pieces) => pieces,
        }
    }

    /// The whole text when every piece is known.
    pub fn as_known(&self) -> Option<&str> {
        match &self.repr {
            Repr::Text(Piece::Known(text)) => Some(text),
            _ => None,
        }
    }

    /// Whether at least one piece is unknown.
    pub fn has_unknown(&self) -> bool {
        matches!(self.repr, Repr::Pieces(_))
    }

    /// Total length of the known pieces in bytes.
    pub fn known_len(&self) -> usize {
        self.pieces()
            .iter()
            .map(|p| match p {
                Piece::Known(t) => t.len(),
                Piece::Unknown => 0,
            })
            .sum()
    }

    /// Appends known text. Returns false (and appends an unknown piece
    /// instead) when the result would exceed [`MAX_STRING_BYTES`].
    pub fn push_known(&mut self, text: &str) -> bool {
        if text.is_empty() {
            return true;
        }
        if self.known_len() + text.len() > MAX_STRING_BYTES {
            self.push_unknown();
            return false;
        }
        match &mut self.repr {
            Repr::Text(Piece::Known(last)) => last.push_str(text),
            Repr::Pieces(pieces) => match pieces.last_mut() {
                Some(Piece::Known(last)) => last.push_str(text),
                _ => pieces.push(Piece::Known(text.to_owned())),
            },
            Repr::Text(Piece::Unknown) => unreachable_text(),
        }
        true
    }

    /// Appends an unknown piece.
    pub fn push_unknown(&mut self) {
        match &mut self.repr {
            Repr::Text(Piece::Known(text)) => {
                let text = std::mem::take(text);
                let mut pieces = Vec::with_capacity(2);
                if !text.is_empty() {
                    pieces.push(Piece::Known(text));
                }
                pieces.push(Piece::Unknown);
                self.repr = Repr::Pieces(pieces);
            }
            Repr::Pieces(pieces) => {
                if !matches!(pieces.last(), Some(Piece::Unknown)) {
                    pieces.push(Piece::Unknown);
                }
            }
            Repr::Text(Piece::Unknown) => unreachable_text(),
        }
    }

    /// Appends another partial string.
    pub fn append(&mut self, other: &PartialString) {
        for piece in other.pieces() {
            match piece {
                Piece::Known(text) => {
                    self.push_known(text);
                }
                Piece::Unknown => self.push_unknown(),
            }
        }
    }

    /// The text with unknown parts written as [`UNKNOWN_PART`].
    pub fn render(&self) -> String {
        let mut out = String::new();
        for piece in self.pieces() {
            match piece {
                Piece::Known(text) => out.push_str(text),
                Piece::Unknown => out.push_str(UNKNOWN_PART),
            }
        }
        out
    }
}

/// `Repr::Text` only ever holds known text (every constructor ensures it);
/// a cold no-op keeps the impossible arm from panicking on any input.
#[cold]
fn unreachable_text() {}

impl Value {
    /// A fully known string value.
    pub fn string(text: impl Into<String>) -> Self {
        Value::Str(PartialString::known(text))
    }

    /// The text of a fully known string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => s.as_known(),
            _ => None,
        }
    }

    /// The text of a fully known string value, taken out.
    pub fn into_string(self) -> Option<String> {
        match self {
            Value::Str(PartialString {
                repr: Repr::Text(Piece::Known(text)),
            }) => Some(text),
            _ => None,
        }
    }

    /// Whether nothing in the value is unknown (an array's elements
    /// included).
    pub fn is_known(&self) -> bool {
        match self {
            Value::Str(s) => !s.has_unknown(),
            Value::Array(items) => items.iter().all(Value::is_known),
            Value::Unknown => false,
            _ => true,
        }
    }

    /// JavaScript's `ToString`, where it can be computed. Arrays join with
    /// commas; unknown values become an unknown piece.
    pub fn to_partial_string(&self) -> PartialString {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) => PartialString::known(number_to_string(*n)),
            Value::Bool(b) => PartialString::known(b.to_string()),
            Value::Null => PartialString::known("null"),
            Value::Undefined => PartialString::known("undefined"),
            Value::Array(items) => join(items, ","),
            Value::Unknown => PartialString::unknown(),
        }
    }

    /// JavaScript's `ToNumber`, where it can be computed. An array is
    /// first turned into its string (`+[5]` is 5, `+[null]` is 0, `+[1,2]`
    /// is NaN), as ToPrimitive does.
    pub fn to_number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Null => Some(0.0),
            Value::Undefined => Some(f64::NAN),
            Value::Str(s) => s.as_known().map(string_to_number),
            Value::Array(items) => join(items, ",").as_known().map(string_to_number),
            Value::Unknown => None,
        }
    }

    /// JavaScript's `ToBoolean`, where known: a string with a known
    /// non-empty part is truthy whatever the rest.
    pub fn truthy(&self) -> Option<bool> {
        match self {
            Value::Str(s) => match s.as_known() {
                Some(text) => Some(!text.is_empty()),
                None => (s.known_len() > 0).then_some(true),
            },
            Value::Num(n) => Some(*n != 0.0 && !n.is_nan()),
            Value::Bool(b) => Some(*b),
            Value::Null | Value::Undefined => Some(false),
            Value::Array(_) => Some(true),
            Value::Unknown => None,
        }
    }

    /// `typeof`, where known.
    pub fn type_of(&self) -> Option<&'static str> {
        Some(match self {
            Value::Str(_) => "string",
            Value::Num(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Undefined => "undefined",
            Value::Null | Value::Array(_) => "object",
            Value::Unknown => return None,
        })
    }

    /// `===` (IsStrictlyEqual), where known. Two arrays are equal only if
    /// they are the same object, which a value does not say.
    pub fn strict_equals(&self, other: &Value) -> Option<bool> {
        Some(match (self, other) {
            (Value::Unknown, _) | (_, Value::Unknown) => return None,
            (Value::Str(x), Value::Str(y)) => x.as_known()? == y.as_known()?,
            (Value::Num(x), Value::Num(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Null, Value::Null) | (Value::Undefined, Value::Undefined) => true,
            (Value::Array(_), Value::Array(_)) => return None,
            _ => false,
        })
    }

    /// `==` (IsLooselyEqual), where known: `null == undefined`, booleans
    /// and strings compared as numbers against numbers, arrays as their
    /// strings against primitives.
    pub fn loose_equals(&self, other: &Value) -> Option<bool> {
        match (self, other) {
            (Value::Unknown, _) | (_, Value::Unknown) => None,
            (Value::Null | Value::Undefined, Value::Null | Value::Undefined) => Some(true),
            (Value::Null | Value::Undefined, _) | (_, Value::Null | Value::Undefined) => {
                Some(false)
            }
            (Value::Array(_), Value::Array(_)) => None,
            (Value::Array(items), primitive) | (primitive, Value::Array(items)) => {
                Value::Str(join(items, ",")).loose_equals(primitive)
            }
            (Value::Str(_), Value::Str(_)) => self.strict_equals(other),
            _ => Some(self.to_number()? == other.to_number()?),
        }
    }

    /// IsLessThan for `<`, `>`, `<=`, `>=`: strings (arrays become strings)
    /// compare by UTF-16 code units, everything else as numbers. `None`
    /// when unknown or when a NaN makes every comparison false
    /// ([`compare`] answers those).
    fn ordering(&self, other: &Value) -> Option<Option<std::cmp::Ordering>> {
        let primitive = |v: &Value| match v {
            Value::Array(items) => Value::Str(join(items, ",")),
            other => other.clone(),
        };
        let (x, y) = (primitive(self), primitive(other));
        if let (Value::Str(a), Value::Str(b)) = (&x, &y) {
            let (a, b) = (a.as_known()?, b.as_known()?);
            return Some(Some(a.encode_utf16().cmp(b.encode_utf16())));
        }
        Some(x.to_number()?.partial_cmp(&y.to_number()?))
    }
}

/// The relational operators' answer: `test` of the ordering, false when a
/// NaN leaves the operands unordered, `None` when unknown.
pub fn compare(left: &Value, right: &Value, test: fn(std::cmp::Ordering) -> bool) -> Option<bool> {
    Some(left.ordering(right)?.is_some_and(test))
}

/// `Array.prototype.join`: `null` and `undefined` elements become empty.
pub fn join(items: &[Value], separator: &str) -> PartialString {
    let mut out = PartialString::default();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_known(separator);
        }
        match item {
            Value::Null | Value::Undefined => {}
            other => out.append(&other.to_partial_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_merge_and_render() {
        let mut s = PartialString::known("https://");
        s.push_unknown();
        s.push_unknown();
        s.push_known("/v1");
        s.push_known("/collect");
        assert_eq!(s.pieces().len(), 3);
        assert_eq!(s.render(), "https://{*}/v1/collect");
        assert!(s.has_unknown());
        let mut empty = PartialString::default();
        assert!(empty.pieces().is_empty());
        empty.push_unknown();
        assert_eq!(empty, PartialString::unknown());
    }

    #[test]
    fn strings_are_capped() {
        let mut s = PartialString::known("x".repeat(MAX_STRING_BYTES));
        assert!(!s.push_known("y"));
        assert!(s.has_unknown());
    }

    #[test]
    fn join_skips_null_and_undefined() {
        let items = [Value::string("a"), Value::Null, Value::Num(1.0)];
        assert_eq!(join(&items, "-").as_known(), Some("a--1"));
    }

    /// `node -e 'console.log(+[5], +["5"], +[null], +[undefined], +[1,2], +[])'`
    /// prints `5 5 0 0 NaN 0`.
    #[test]
    fn arrays_convert_to_numbers_through_their_strings() {
        let array = |items: Vec<Value>| Value::Array(items).to_number();
        assert_eq!(array(vec![Value::Num(5.0)]), Some(5.0));
        assert_eq!(array(vec![Value::string("5")]), Some(5.0));
        assert_eq!(array(vec![Value::Null]), Some(0.0));
        assert_eq!(array(vec![Value::Undefined]), Some(0.0));
        assert!(
            array(vec![Value::Num(1.0), Value::Num(2.0)])
                .unwrap()
                .is_nan()
        );
        assert_eq!(array(vec![]), Some(0.0));
    }

    /// `node -e 'console.log("abc"=="abc", [] == "", [] == 0, [] == false,
    /// "1" == 1, null == 0, null == undefined, "b" > "a", "10" < "9", [2] > 1)'`
    /// prints `true true true true true false true true true true`.
    #[test]
    fn equality_and_order_follow_node() {
        let s = Value::string;
        let empty = Value::Array(vec![]);
        assert_eq!(s("abc").loose_equals(&s("abc")), Some(true));
        assert_eq!(s("abc").strict_equals(&s("abc")), Some(true));
        assert_eq!(empty.loose_equals(&s("")), Some(true));
        assert_eq!(empty.loose_equals(&Value::Num(0.0)), Some(true));
        assert_eq!(empty.loose_equals(&Value::Bool(false)), Some(true));
        assert_eq!(s("1").loose_equals(&Value::Num(1.0)), Some(true));
        assert_eq!(Value::Null.loose_equals(&Value::Num(0.0)), Some(false));
        assert_eq!(Value::Null.loose_equals(&Value::Undefined), Some(true));
        assert_eq!(
            compare(&s("b"), &s("a"), std::cmp::Ordering::is_gt),
            Some(true)
        );
        assert_eq!(
            compare(&s("10"), &s("9"), std::cmp::Ordering::is_lt),
            Some(true)
        );
        let two = Value::Array(vec![Value::Num(2.0)]);
        assert_eq!(
            compare(&two, &Value::Num(1.0), std::cmp::Ordering::is_gt),
            Some(true)
        );
        let nan = Value::Num(f64::NAN);
        assert_eq!(compare(&nan, &nan, std::cmp::Ordering::is_le), Some(false));
        assert_eq!(s("a").strict_equals(&Value::Unknown), None);
    }
}
