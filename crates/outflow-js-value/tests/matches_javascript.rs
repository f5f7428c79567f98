//! Every expected value below is what Node.js prints for the same input
//! (`String(n)`, `n|0`, `n>>>0`, `Number(s)`, `a ** b`), including the cases where
//! outflow's two earlier implementations disagreed with it or each other:
//! integers of 2^53 and above, 1e21 and above, numbers below 1e-6, -0, and
//! 32-bit wrap-around. (The unit tests of both earlier implementations
//! moved here.)

use outflow_js_value::{exponentiate, number_to_string, string_to_number, to_int32, to_uint32};

#[test]
fn numbers_print_like_javascript() {
    let cases: &[(f64, &str)] = &[
        (42.0, "42"),
        (100.0, "100"),
        (1.5, "1.5"),
        (-0.5, "-0.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (0.0, "0"),
        (-0.0, "0"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        // Integers at and above 2^53 print their shortest digits, not
        // their exact binary value.
        (9_007_199_254_740_992.0, "9007199254740992"),
        (9_007_199_254_740_994.0, "9007199254740994"),
        (123_456_789_012_345_680_000.0, "123456789012345680000"),
        (1e20, "100000000000000000000"),
        // Exponent form from 1e21 up.
        (1e21, "1e+21"),
        (-1e21, "-1e+21"),
        (1e21 + 131_072.0, "1.0000000000000001e+21"),
        (2f64.powi(70), "1.1805916207174113e+21"),
        (1.5e300, "1.5e+300"),
        (f64::MAX, "1.7976931348623157e+308"),
        // Exponent form below 1e-6.
        (1e-6, "0.000001"),
        (0.000_001_234, "0.000001234"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (123e-20, "1.23e-18"),
        (5e-324, "5e-324"),
    ];
    for &(n, expected) in cases {
        assert_eq!(number_to_string(n), expected, "String({n:e})");
    }
}

#[test]
fn int32_and_uint32_wrap_like_javascript() {
    // (n, n|0, n>>>0)
    let cases: &[(f64, i32, u32)] = &[
        (2_147_483_648.0, -2_147_483_648, 2_147_483_648),
        (4_294_967_296.0, 0, 0),
        (-2_147_483_649.0, 2_147_483_647, 2_147_483_647),
        (4_294_967_301.0, 5, 5),
        (-1.0, -1, 4_294_967_295),
        (4_294_967_295.0, -1, 4_294_967_295),
        (1e21, -559_939_584, 3_735_027_712),
        (-1.9, -1, 4_294_967_295),
        (2.9, 2, 2),
        (9_007_199_254_740_992.0, 0, 0),
        (1e300, 0, 0),
        (f64::NAN, 0, 0),
        (f64::INFINITY, 0, 0),
        (-0.0, 0, 0),
    ];
    for &(n, int32, uint32) in cases {
        assert_eq!(to_int32(n), int32, "{n:e}|0");
        assert_eq!(to_uint32(n), uint32, "{n:e}>>>0");
    }
}

#[test]
fn strings_parse_like_javascript() {
    let cases: &[(&str, f64)] = &[
        (" 0x1f ", 31.0),
        ("0b101", 5.0),
        ("0o17", 15.0),
        ("", 0.0),
        ("  ", 0.0),
        ("\n\t 42 \u{a0}", 42.0),
        ("\u{2028} 7 \u{2029}", 7.0),
        ("Infinity", f64::INFINITY),
        ("-Infinity", f64::NEG_INFINITY),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("+12", 12.0),
    ];
    for &(text, expected) in cases {
        assert_eq!(string_to_number(text), expected, "Number({text:?})");
    }
    for text in ["12px", "infinity", "-0x10", "0x", "1_000", "NaN", "0x1g"] {
        assert!(string_to_number(text).is_nan(), "Number({text:?}) is NaN");
    }
}

#[test]
fn exponentiation_follows_javascript_not_powf() {
    // (base, exponent, String(base ** exponent))
    let cases: &[(f64, f64, &str)] = &[
        (1.0, f64::NAN, "NaN"),
        (-1.0, f64::INFINITY, "NaN"),
        (1.0, f64::NEG_INFINITY, "NaN"),
        (f64::NAN, 0.0, "1"),
        (2.0, 10.0, "1024"),
        (-8.0, 1.0 / 3.0, "NaN"),
        (2.0, -1074.0, "5e-324"),
        (0.0, -1.0, "Infinity"),
        (-0.0, -1.0, "-Infinity"),
    ];
    for &(base, exponent, expected) in cases {
        assert_eq!(
            number_to_string(exponentiate(base, exponent)),
            expected,
            "{base} ** {exponent}"
        );
    }
}
