//! A million levels of nesting of every construct: deobfuscation returns
//! with a "nesting deeper than" note and the script as written, never a
//! stack overflow (which would abort the whole process).

use outflow_deobfuscate::{Options, deobfuscate_source};

const LEVELS: usize = 1_000_000;

/// (name, text before the levels, one level opening, the middle, one level closing)
pub const CONSTRUCTS: &[(&str, &str, &str, &str, &str)] = &[
    ("arrays", "x=", "[", "", "]"),
    ("objects", "x=", "{a:", "1", "}"),
    ("parentheses", "x=", "(", "1", ")"),
    ("calls", "x=", "f(", "", ")"),
    ("member chains", "x=a", ".b", "", ""),
    ("computed members", "x=a", "[0]", "", ""),
    ("call chains", "x=f", "()", "", ""),
    ("unary operators", "x=", "!", "1", ""),
    ("unary minus", "x=", "- ", "1", ""),
    ("binary operators", "x=", "1+", "1", ""),
    ("assignments", "", "a=", "1", ""),
    ("exponents", "x=", "2**", "2", ""),
    ("template literals", "x=", "`${", "1", "}`"),
    ("functions", "", "function f(){", "", "}"),
    ("arrow functions", "x=", "()=>", "1", ""),
    ("blocks", "", "{", "", "}"),
    ("if", "", "if(a)", "x;", ""),
    ("if/else", "", "if(a){}else ", "x;", ""),
    ("ternaries", "x=", "a?b:", "c", ""),
    ("new", "x=", "new ", "X", ""),
];

fn nested(before: &str, open: &str, middle: &str, close: &str) -> String {
    format!(
        "fetch('https://before.example/');\n{before}{}{middle}{};\nfetch('https://after.example/');\n",
        open.repeat(LEVELS),
        close.repeat(LEVELS)
    )
}

#[test]
fn a_million_levels_of_each_construct_give_a_note() {
    for (name, before, open, middle, close) in CONSTRUCTS {
        let source = nested(before, open, middle, close);
        let (code, outcome) = deobfuscate_source(&source, &Options::default());
        assert!(
            outcome
                .notes
                .iter()
                .any(|n| n.contains("nested deeper than") || n.contains("nesting deeper than")),
            "{name}: {:?}",
            outcome.notes
        );
        assert!(code.contains("https://after.example/"), "{name}");
    }
}

#[test]
fn nesting_just_under_the_limit_is_deobfuscated() {
    let depth = outflow_deobfuscate::nesting::MAX_NESTING as usize - 10;
    for (name, before, open, middle, close) in CONSTRUCTS {
        let source = format!(
            "{before}{}{middle}{};\nfetch('https://after.example/');\n",
            open.repeat(depth),
            close.repeat(depth)
        );
        let (_, outcome) = deobfuscate_source(&source, &Options::default());
        assert!(
            !outcome
                .notes
                .iter()
                .any(|n| n.contains("nesting deeper than")),
            "{name}: {:?}",
            outcome.notes
        );
    }
}
