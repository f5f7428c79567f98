//! The evaluation corpus (fixtures/eval/labels.toml) meets its targets:
//! every positive found by each of its expected rules, no hard negative
//! flagged at medium severity or above by any rule, and every hand-written
//! fixture classified as labelled.

use std::path::Path;

use outflow_eval::{EvalError, Labels, Role, evaluate};

fn corpus() -> (Labels, outflow_eval::Evaluation) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/eval/labels.toml");
    let labels = Labels::load(&path).expect("fixtures/eval/labels.toml");
    let options = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &options,
        intel: None,
        site: None,
        tool_version: "test",
    };
    match evaluate(&labels, &pipeline) {
        Ok(evaluation) => (labels, evaluation),
        Err(EvalError::MissingSamples(missing)) => panic!(
            "the evaluation corpus is not installed ({} missing): run scripts/setup",
            missing.len()
        ),
        Err(error) => panic!("{error}"),
    }
}

#[test]
fn the_corpus_meets_its_targets() {
    let (labels, evaluation) = corpus();
    let text = evaluation.render(&labels);
    println!("{text}");
    assert!(
        evaluation.missed_positives(&labels).is_empty(),
        "positives missed:\n{text}"
    );
    assert!(
        evaluation.flagged_hard_negatives().is_empty(),
        "hard negatives flagged:\n{text}"
    );
    for matrix in &evaluation.rules {
        let fixture_errors: Vec<&String> = matrix
            .false_positives
            .iter()
            .chain(&matrix.false_negatives)
            .filter(|name| {
                labels
                    .samples
                    .iter()
                    .any(|s| &s.name == *name && s.role == Role::Fixture)
            })
            .collect();
        assert!(
            fixture_errors.is_empty(),
            "{}: fixtures misclassified {fixture_errors:?}\n{text}",
            matrix.rule
        );
    }
    // Every positive and hard negative was judged on every fingerprinting
    // rule, so the matrices are about the whole corpus.
    let judged = evaluation
        .rules
        .iter()
        .find(|m| m.rule == "canvas-fingerprinting")
        .expect("canvas-fingerprinting is judged");
    assert_eq!(
        judged.true_positives.len()
            + judged.false_positives.len()
            + judged.false_negatives.len()
            + judged.true_negatives.len(),
        labels
            .samples
            .iter()
            .filter(|s| {
                s.expected
                    .iter()
                    .chain(&s.not_expected)
                    .any(|r| r == "canvas-fingerprinting")
            })
            .count()
    );
}

/// A temporary corpus folder holding only a labels file.
fn corpus_with_labels(name: &str, labels: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("outflow-eval-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("labels.toml"), labels).unwrap();
    dir
}

#[test]
fn missing_samples_are_an_error_naming_the_setup_script() {
    let dir = corpus_with_labels(
        "missing",
        "[[sample]]\nname = 'gone'\npath = 'gone.js'\nrole = 'positive'\nexpected = ['canvas-fingerprinting']\n",
    );
    let labels = Labels::load(&dir).unwrap();
    let options = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &options,
        intel: None,
        site: None,
        tool_version: "test",
    };
    let error = evaluate(&labels, &pipeline).unwrap_err();
    assert!(error.to_string().contains("scripts/setup"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_rule_the_labels_name_must_be_a_declared_rule() {
    let dir = corpus_with_labels(
        "unknown",
        "[[sample]]\nname = 'typo'\npath = 'typo.js'\nrole = 'positive'\nexpected = ['canvas-fingerprinting', 'canvas-fingerprintng']\n",
    );
    let error = Labels::load(&dir).unwrap_err();
    assert!(
        matches!(&error, outflow_eval::EvalError::UnknownRules { rules, .. } if rules == &["canvas-fingerprintng"]),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
