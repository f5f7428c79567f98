//! Number ↔ string conversions and the 32-bit integer views of a number.

use oxc_ecmascript::{StringToNumber, ToInt32, ToUint32};
use oxc_syntax::identifier::is_white_space;
use oxc_syntax::line_terminator::is_line_terminator;
use oxc_syntax::number::ToJsString;

/// Number::toString(10): `42`, `1.5`, `1e+21`, `1e-7`, `NaN`, `-Infinity`;
/// negative zero prints as `0`.
pub fn number_to_string(n: f64) -> String {
    if n == 0.0 {
        // The digit generator keeps the sign of -0; the specification drops it.
        return "0".to_owned();
    }
    if !n.is_finite() {
        // Spelled here: the digit generator's names depend on its features.
        return match (n.is_nan(), n > 0.0) {
            (true, _) => "NaN",
            (false, true) => "Infinity",
            (false, false) => "-Infinity",
        }
        .to_owned();
    }
    n.to_js_string()
}

/// StringToNumber: whitespace and line terminators around the text are
/// ignored, `0x`/`0o`/`0b` prefixes read in their radix, the empty string is
/// 0, and anything else that is not a decimal literal is NaN.
pub fn string_to_number(text: &str) -> f64 {
    // oxc trims only the start; the specification trims both ends.
    text.trim_end_matches(|c| is_white_space(c) || is_line_terminator(c))
        .string_to_number()
}

/// ToInt32: the number truncated and wrapped modulo 2³² into the signed
/// range; NaN and infinities are 0.
pub fn to_int32(n: f64) -> i32 {
    n.to_int_32()
}

/// ToUint32: the number truncated and wrapped modulo 2³²; NaN and
/// infinities are 0.
pub fn to_uint32(n: f64) -> u32 {
    n.to_uint_32()
}

/// Number::exponentiate (`**`): `powf` except where the specification
/// differs, a NaN exponent and a base of ±1 raised to ±Infinity, all NaN.
pub fn exponentiate(base: f64, exponent: f64) -> f64 {
    if exponent.is_nan() || (base.abs() == 1.0 && exponent.is_infinite()) {
        return f64::NAN;
    }
    base.powf(exponent)
}
