//! Values that static evaluation computes from literals, possibly with
//! unknown parts.

use outflow_js_value::{number_to_string, string_to_number};

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
    /// An array of values.
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
/// kind are always merged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PartialString {
    pieces: Vec<Piece>,
}

impl PartialString {
    /// A fully known string.
    pub fn known(text: impl Into<String>) -> Self {
        let mut s = Self::default();
        s.push_known(&text.into());
        s
    }

    /// A string with nothing known about it.
    pub fn unknown() -> Self {
        Self {
            pieces: vec![Piece::Unknown],
        }
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// The whole text when every piece is known.
    pub fn as_known(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Known(text)] => Some(text),
            _ => None,
        }
    }

    /// Whether at least one piece is unknown.
    pub fn has_unknown(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Unknown))
    }

    /// Total length of the known pieces in bytes.
    pub fn known_len(&self) -> usize {
        self.pieces
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
        match self.pieces.last_mut() {
            Some(Piece::Known(last)) => last.push_str(text),
            _ => self.pieces.push(Piece::Known(text.to_owned())),
        }
        true
    }

    /// Appends an unknown piece.
    pub fn push_unknown(&mut self) {
        if !matches!(self.pieces.last(), Some(Piece::Unknown)) {
            self.pieces.push(Piece::Unknown);
        }
    }

    /// Appends another partial string.
    pub fn append(&mut self, other: &PartialString) {
        for piece in &other.pieces {
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
        for piece in &self.pieces {
            match piece {
                Piece::Known(text) => out.push_str(text),
                Piece::Unknown => out.push_str(UNKNOWN_PART),
            }
        }
        out
    }
}

impl Value {
    /// A fully known string value.
    pub fn string(text: impl Into<String>) -> Self {
        Value::Str(PartialString::known(text))
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

    /// JavaScript's `ToNumber`, where it can be computed.
    pub fn to_number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::Null => Some(0.0),
            Value::Undefined => Some(f64::NAN),
            Value::Str(s) => s.as_known().map(string_to_number),
            Value::Array(items) if items.is_empty() => Some(0.0),
            Value::Array(items) if items.len() == 1 => items[0].to_number(),
            Value::Array(_) => Some(f64::NAN),
            Value::Unknown => None,
        }
    }

    /// JavaScript truthiness, where known.
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
}
