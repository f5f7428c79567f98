//! Every rule's declaration against its documentation: the page a user
//! reads with `outflow rules SLUG` states each threshold the code decides
//! by, with the value the code uses.
//!
//! The convention: a rule's documentation names a threshold by its
//! constant, in brackets, followed by its value in parentheses, as in
//! ``[`MIN_DISTINCT_CHARS`] (10)``; the rule's `declare_rule!` lists the
//! constant under `thresholds`, which exports its value. Every numeric
//! constant of a rule's file is a threshold.

use std::collections::BTreeSet;

use outflow_detect::{RULES, Rule};

/// Integer and floating-point types a rule's constant can have.
const NUMERIC_TYPES: [&str; 12] = [
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "f32", "f64",
];

/// Each ``[`NAME`]`` of a documentation whose name is a constant's
/// (upper case), with the text in parentheses after it, if any.
fn mentions(doc: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find("[`") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find("`]") else {
            break;
        };
        let name = &rest[..end];
        rest = &rest[end + 2..];
        let is_constant = name.starts_with(|c: char| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !is_constant {
            continue;
        }
        let after = rest.trim_start();
        let value = after
            .strip_prefix('(')
            .and_then(|v| v.find(')').map(|close| v[..close].to_string()));
        out.push((name.to_string(), value));
    }
    out
}

/// The names of the numeric constants a rule's source file defines (at any
/// visibility), from lines such as `pub const MIN_FONTS: usize = 50;`.
fn numeric_constants(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub "))
                .unwrap_or(line);
            let (name, rest) = line.strip_prefix("const ")?.split_once(':')?;
            let ty = rest.split_once('=')?.0.trim();
            NUMERIC_TYPES.contains(&ty).then(|| name.trim().to_string())
        })
        .collect()
}

/// What is wrong with one rule's thresholds, one line each.
fn threshold_problems(rule: &Rule) -> Vec<String> {
    let doc = rule.documentation();
    let mentioned = mentions(&doc);
    let declared: BTreeSet<&str> = rule.thresholds().iter().map(|t| t.name).collect();
    let mut problems = Vec::new();
    for threshold in rule.thresholds() {
        let stated: Vec<&Option<String>> = mentioned
            .iter()
            .filter(|(name, _)| name == threshold.name)
            .map(|(_, value)| value)
            .collect();
        if stated.is_empty() {
            problems.push(format!(
                "{} is not documented: state it as [`{}`] ({})",
                threshold.name, threshold.name, threshold.value
            ));
        }
        for value in stated {
            match value.as_deref().map(|v| v.trim().parse::<f64>()) {
                Some(Ok(v)) if v == threshold.value => {}
                Some(Ok(v)) => problems.push(format!(
                    "{} is documented as ({v}) but is {}",
                    threshold.name, threshold.value
                )),
                _ => problems.push(format!(
                    "{} is named without its value: write [`{}`] ({})",
                    threshold.name, threshold.name, threshold.value
                )),
            }
        }
    }
    for (name, _) in &mentioned {
        if !declared.contains(name.as_str()) {
            problems.push(format!(
                "the documentation names [`{name}`], which the declaration does not list"
            ));
        }
    }
    for name in numeric_constants(rule.source_file()) {
        if !declared.contains(name.as_str()) {
            problems.push(format!(
                "the constant {name} is not a declared threshold (list it in declare_rule!)"
            ));
        }
    }
    problems
}

#[test]
fn every_threshold_is_documented_with_the_value_of_its_constant() {
    let problems: Vec<String> = RULES
        .iter()
        .flat_map(|rule| {
            threshold_problems(rule)
                .into_iter()
                .map(|p| format!("{}: {p}", rule.slug()))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_changed_value_and_an_undocumented_constant_are_caught() {
    let canvas = outflow_detect::rule("canvas-fingerprinting").expect("the canvas rule");
    let doc = canvas.documentation();
    assert!(mentions(&doc).contains(&("MIN_DISTINCT_CHARS".to_string(), Some("10".to_string()))));
    let changed = doc.replace("[`MIN_DISTINCT_CHARS`] (10)", "[`MIN_DISTINCT_CHARS`] (12)");
    assert!(
        mentions(&changed).contains(&("MIN_DISTINCT_CHARS".to_string(), Some("12".to_string())))
    );
    assert!(
        mentions("the score reaches [`OBFUSCATED_SCORE`].")
            .contains(&("OBFUSCATED_SCORE".to_string(), None))
    );
    assert!(mentions("see [`Facts`] (the inputs)").is_empty());
    assert_eq!(
        numeric_constants(
            "pub const A: usize = 1;\nconst B: f64 = 0.5;\nconst C: &str = \"x\";\n    pub(crate) const D: u64 = 2;"
        ),
        ["A", "B", "D"].map(String::from).into_iter().collect()
    );
}

#[test]
fn each_rule_is_declared_once_with_its_own_file() {
    let mut slugs = BTreeSet::new();
    for rule in RULES {
        assert!(
            slugs.insert(rule.slug()),
            "{} is declared twice",
            rule.slug()
        );
        let doc = rule.documentation();
        assert_eq!(
            doc.lines().next(),
            Some(format!("# {}", rule.slug()).as_str()),
            "{}: the source file's documentation is another rule's",
            rule.slug()
        );
        assert!(
            rule.source_file()
                .contains(&format!("slug: \"{}\",", rule.slug())),
            "{}: the source file does not declare the rule",
            rule.slug()
        );
        assert!(
            std::ptr::eq(
                outflow_detect::rule(rule.slug()).expect("found by slug"),
                rule
            ),
            "{}",
            rule.slug()
        );
    }
}

#[test]
fn every_file_under_rules_is_a_declared_rule() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .expect("src/rules")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".rs") && name != "mod.rs")
        .collect();
    files.sort();
    let mut declared: Vec<String> = RULES
        .iter()
        .map(|rule| format!("{}.rs", rule.slug().replace('-', "_")))
        .collect();
    declared.sort();
    assert_eq!(files, declared);
}
