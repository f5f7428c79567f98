//! Analysis and deobfuscation fold the same expression to the same text,
//! and that text is what JavaScript prints: each expected value is
//! `String(<expression>)` in Node.js. These are the cases where the two
//! crates' earlier conversions disagreed with each other or with
//! JavaScript (numbers from 1e21 up and below 1e-6, integers past 2^53,
//! -0, 32-bit wrap-around, string-to-number prefixes, `**` edge cases).

use oxc_allocator::Allocator;
use oxc_ast::ast::Statement;
use oxc_parser::Parser;
use oxc_span::SourceType;

const CASES: &[(&str, &str)] = &[
    ("1e21", "1e+21"),
    ("-1e21", "-1e+21"),
    ("123456789012345680000", "123456789012345680000"),
    ("2**70", "1.1805916207174113e+21"),
    ("1e-7", "1e-7"),
    ("0.000001", "0.000001"),
    ("1.5e-7", "1.5e-7"),
    ("-0", "0"),
    ("0*-1", "0"),
    ("0/0", "NaN"),
    ("1/0", "Infinity"),
    ("-1/0", "-Infinity"),
    ("0x7fffffff+1|0", "-2147483648"),
    ("0xffffffff|0", "-1"),
    ("-1>>>0", "4294967295"),
    ("2**32+5|0", "5"),
    ("1e21|0", "-559939584"),
    ("(2**53)|0", "0"),
    ("~0xffffffff", "0"),
    ("1<<31", "-2147483648"),
    ("-(2**31)>>>0", "2147483648"),
    ("0.1+0.2", "0.30000000000000004"),
    ("\"0x1f\"*1", "31"),
    ("\" 12 \"-0", "12"),
    ("\"0b11\"*1", "3"),
    ("\"12px\"*1", "NaN"),
    ("1**(0/0)", "NaN"),
    ("(-1)**(1/0)", "NaN"),
];

/// What the analysis's evaluator makes of `"" + (expression)`.
fn analysed(expression: &str) -> String {
    let source = format!("\"\" + ({expression});");
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, &source, SourceType::cjs()).parse();
    let bindings = outflow_js_value::Bindings::collect(&parsed.program);
    let Some(Statement::ExpressionStatement(statement)) = parsed.program.body.last() else {
        panic!("{source} is one expression statement");
    };
    let mut evaluator = outflow_js_value::Evaluator::new(&bindings);
    let value = evaluator.evaluate(&statement.expression, 0).value;
    value.to_partial_string().render()
}

/// What the deobfuscator's constant folding makes of `"" + (expression)`.
fn folded(expression: &str) -> Option<String> {
    let source = format!("\"\" + ({expression})");
    let allocator = Allocator::default();
    let expression = Parser::new(&allocator, &source, SourceType::cjs())
        .parse_expression()
        .ok()?;
    let value = outflow_deobfuscate::value::evaluate(&expression, &outflow_js_value::Literals)?;
    Some(value.to_partial_string().render())
}

#[test]
fn analysis_folds_numbers_as_javascript_prints_them() {
    for &(expression, expected) in CASES {
        assert_eq!(analysed(expression), expected, "\"\" + ({expression})");
    }
}

#[test]
fn deobfuscation_folds_numbers_as_javascript_prints_them() {
    for &(expression, expected) in CASES {
        assert_eq!(
            folded(expression).as_deref(),
            Some(expected),
            "\"\" + ({expression})"
        );
    }
}
