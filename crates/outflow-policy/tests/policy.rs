//! The policy gate on hand-built reports: a compliant page passes, and each
//! kind of breach gives its own clear violation.

use outflow_model::{
    Attribution, Confidence, Entity, Finding, Flag, Flow, InventoryScript, Party, Report, Severity,
    SourcedFact, Summary, Target, TargetKind,
};
use outflow_policy::{Policy, PolicyError, ViolationKind};

use outflow_testkit::build::sha;

fn script(name: &str, origin: &str, party: Party, sha256: &str) -> InventoryScript {
    InventoryScript {
        party: Some(party),
        size: 10,
        ..outflow_testkit::build::inventory_script(name, origin, sha256)
    }
}

fn source() -> SourcedFact {
    outflow_testkit::build::sourced("https://example.org", "2026-01-01")
}

fn attribution(host: &str, entity: (&str, &str), country: &str, flag: Option<&str>) -> Attribution {
    Attribution {
        host: host.into(),
        registrable_domain: None,
        party: Party::Third,
        entity: Some(Entity {
            id: entity.0.into(),
            name: entity.1.into(),
            legal_name: None,
            parent: None,
            aliases: Vec::new(),
            country: Some(country.into()),
            ownership: None,
            category: None,
            sources: vec![source()],
        }),
        network: None,
        country: Some(country.into()),
        country_source: None,
        flags: flag
            .map(|list| Flag {
                list: list.into(),
                list_name: "FCC Covered List".into(),
                listed_name: None,
                detail: "Section 214 application denied".into(),
                since: None,
                source: source(),
            })
            .into_iter()
            .collect(),
        legal_notes: Vec::new(),
        notes: Vec::new(),
    }
}

fn report(with_carrier: bool) -> Report {
    let mut inventory = vec![
        script(
            "https://shop.example/app.js",
            "external",
            Party::First,
            &sha('a'),
        ),
        script(
            "https://js.stripe.com/v3/elements.js",
            "external",
            Party::Third,
            &sha('b'),
        ),
        script(
            "inline:https://shop.example/pay#0",
            "inline",
            Party::Unknown,
            &sha('c'),
        ),
        script(
            "eval:https://shop.example/app.js",
            "eval",
            Party::Unknown,
            &sha('f'),
        ),
    ];
    let mut attributions = vec![attribution(
        "js.stripe.com",
        ("stripe", "Stripe"),
        "US",
        None,
    )];
    let mut flows = vec![
        Flow {
            script: "page".into(),
            host: "shop.example".into(),
            requests: 2,
            named_in_code: false,
        },
        Flow {
            script: "page".into(),
            host: "js.stripe.com".into(),
            requests: 1,
            named_in_code: false,
        },
        // Named in code only: not contacted, not judged.
        Flow {
            script: "https://shop.example/app.js".into(),
            host: "named.only.test".into(),
            requests: 0,
            named_in_code: true,
        },
    ];
    let mut findings = vec![Finding {
        rule: "obfuscated-script".into(),
        severity: Severity::Low,
        confidence: Confidence::Medium,
        title: "minified".into(),
        explanation: String::new(),
        script: None,
        destinations: Vec::new(),
        evidence: Vec::new(),
    }];
    if with_carrier {
        inventory.push(script(
            "https://sdk.cmpassport.com/login.js",
            "external",
            Party::Third,
            &sha('d'),
        ));
        attributions.push(attribution(
            "sdk.cmpassport.com",
            ("china-mobile", "China Mobile"),
            "CN",
            Some("fcc-covered-list"),
        ));
        flows.push(Flow {
            script: "page".into(),
            host: "sdk.cmpassport.com".into(),
            requests: 3,
            named_in_code: false,
        });
        findings.push(Finding {
            rule: "restricted-destination".into(),
            severity: Severity::Critical,
            confidence: Confidence::High,
            title: "traffic to China Mobile".into(),
            explanation: String::new(),
            script: None,
            destinations: vec!["sdk.cmpassport.com".into()],
            evidence: Vec::new(),
        });
    }
    Report {
        schema_version: outflow_model::SCHEMA_VERSION.into(),
        tool_version: "test".into(),
        target: Target {
            kind: TargetKind::Page,
            value: "https://shop.example/pay".into(),
            persona: None,
            final_url: None,
        },
        summary: Summary::of(&findings, 2, 0, inventory.len() as u32),
        findings,
        attributions,
        inventory,
        integrity: None,
        flows,
        documents: Vec::new(),
        errors: Vec::new(),
    }
}

fn policy() -> Policy {
    Policy::parse(
        &format!(
            r#"
fail_on = "high"
require_sri = true

[hosts]
allow = ["shop.example", "*.shop.example", "js.stripe.com"]

[entities]
forbid = ["china-mobile"]

[countries]
allow = ["US"]

[flags]
forbid = ["fcc-covered-list"]

[[scripts]]
url = "https://shop.example/*"
justification = "our checkout"

[[scripts]]
url = "inline:https://shop.example/pay#*"
sha256 = "{c}"
justification = "bootstraps the payment form"

[[scripts]]
url = "https://js.stripe.com/v3/*"
sha256 = "{b}"
justification = "card form (Stripe Elements)"
authorised_by = "security@shop.example"
"#,
            b = sha('b'),
            c = sha('c')
        ),
        "policy.toml",
    )
    .expect("valid policy")
}

#[test]
fn a_compliant_page_passes() {
    assert_eq!(policy().evaluate(&report(false)), Vec::new());
}

#[test]
fn each_breach_is_its_own_violation() {
    let violations = policy().evaluate(&report(true));
    let kinds: Vec<(ViolationKind, &str)> = violations
        .iter()
        .map(|v| (v.kind, v.subject.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (ViolationKind::HostNotAllowed, "sdk.cmpassport.com"),
            (ViolationKind::ForbiddenEntity, "sdk.cmpassport.com"),
            (ViolationKind::CountryNotAllowed, "sdk.cmpassport.com"),
            (ViolationKind::ForbiddenFlag, "sdk.cmpassport.com"),
            (
                ViolationKind::UnauthorisedScript,
                "https://sdk.cmpassport.com/login.js"
            ),
            (
                ViolationKind::IntegrityNotPinned,
                "https://sdk.cmpassport.com/login.js"
            ),
            (ViolationKind::Finding, "restricted-destination"),
        ]
    );
    let messages: Vec<&str> = violations.iter().map(|v| v.message.as_str()).collect();
    assert_eq!(
        messages[1],
        "contacted sdk.cmpassport.com, owned by forbidden entity China Mobile (entities.forbid \"china-mobile\")"
    );
    assert_eq!(
        messages[3],
        "contacted sdk.cmpassport.com, whose owner is on FCC Covered List (Section 214 application denied; flags.forbid \"fcc-covered-list\")"
    );
    assert_eq!(
        messages[6],
        "finding at or above high: [critical] restricted-destination: traffic to China Mobile"
    );
    // The SRI message gives the integrity value to use: base64 of the digest.
    assert!(
        messages[5].contains("integrity=\"sha256-3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d0=\""),
        "{}",
        messages[5]
    );
}

#[test]
fn a_changed_pinned_script_is_a_hash_mismatch() {
    let mut report = report(false);
    report.inventory[1].sha256 = sha('9');
    let violations = policy().evaluate(&report);
    let kinds: Vec<ViolationKind> = violations.iter().map(|v| v.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ViolationKind::ScriptHashMismatch,
            ViolationKind::IntegrityNotPinned
        ]
    );
    assert!(violations[0].message.contains(&sha('9')));
}

#[test]
fn an_empty_policy_allows_everything() {
    let policy = Policy::parse("", "empty.toml").unwrap();
    assert!(policy.evaluate(&report(true)).is_empty());
}

#[test]
fn invalid_policies_are_refused_with_the_reason() {
    let unknown = Policy::parse("fail_onn = \"high\"", "p.toml").unwrap_err();
    assert!(matches!(unknown, PolicyError::Parse { .. }));
    assert!(unknown.to_string().contains("fail_onn"), "{unknown}");
    let bad_hash = Policy::parse(
        "[[scripts]]\nurl = \"x\"\nsha256 = \"abc\"\njustification = \"y\"",
        "p.toml",
    )
    .unwrap_err();
    assert!(
        bad_hash.to_string().contains("64 hexadecimal digits"),
        "{bad_hash}"
    );
    let no_reason =
        Policy::parse("[[scripts]]\nurl = \"x\"\njustification = \" \"", "p.toml").unwrap_err();
    assert!(no_reason.to_string().contains("justification is empty"));
    let severity = Policy::parse("fail_on = \"severe\"", "p.toml").unwrap_err();
    assert!(matches!(severity, PolicyError::Parse { .. }));
}

fn verdict(name: &str, status: outflow_policy::IntegrityStatus) -> outflow_policy::ScriptIntegrity {
    outflow_policy::ScriptIntegrity {
        name: name.into(),
        status,
        detail: format!("it is {status}"),
        integrity: None,
        served_sha256: sha('9'),
        served_size: 1,
    }
}

#[test]
fn require_sri_judges_recorded_integrity() {
    use outflow_policy::IntegrityStatus;
    let policy = Policy::parse("require_sri = true\n", "test").unwrap();
    let stripe = "https://js.stripe.com/v3/elements.js";
    let with = |integrity: Option<&[outflow_policy::ScriptIntegrity]>| {
        let mut report = report(false);
        report.integrity = integrity.map(<[_]>::to_vec);
        report
    };
    let gate = |integrity: &[outflow_policy::ScriptIntegrity]| -> Vec<(ViolationKind, String)> {
        policy
            .evaluate(&with(Some(integrity)))
            .into_iter()
            .map(|v| (v.kind, v.message))
            .collect()
    };
    // Verified: nothing to say. First-party scripts are not asked.
    assert!(gate(&[verdict(stripe, IntegrityStatus::Verified)]).is_empty());
    // Without a verdict, without integrity, or unverifiable: not verified.
    for integrity in [
        vec![],
        vec![verdict(stripe, IntegrityStatus::None)],
        vec![verdict(stripe, IntegrityStatus::Unverifiable)],
    ] {
        let violations = gate(&integrity);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].0, ViolationKind::IntegrityNotVerified);
        assert!(
            violations[0].1.starts_with(&format!(
                "third-party script {stripe} has no verified integrity: "
            )),
            "{}",
            violations[0].1
        );
        assert!(violations[0].1.ends_with(&format!(
            "serve it with integrity=\"{}\" crossorigin=\"anonymous\"",
            outflow_policy::sri_value(&sha('b')).unwrap()
        )));
    }
    // A script the browser blocked is in no inventory: reported from its
    // verdict, with its party when its host is attributed.
    let violations = gate(&[
        verdict(stripe, IntegrityStatus::Verified),
        verdict("https://js.stripe.com/v2/old.js", IntegrityStatus::Mismatch),
        verdict("https://shop.example/blocked.js", IntegrityStatus::Mismatch),
    ]);
    assert_eq!(
        violations,
        vec![
            (
                ViolationKind::IntegrityMismatch,
                "third-party script https://js.stripe.com/v2/old.js failed its integrity check: it is mismatch".to_string()
            ),
            (
                ViolationKind::IntegrityMismatch,
                "script https://shop.example/blocked.js failed its integrity check: it is mismatch".to_string()
            ),
        ]
    );
    // Without recorded integrity (a HAR file), a hash pinned in the policy
    // stands in.
    let old = policy.evaluate(&with(None));
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].kind, ViolationKind::IntegrityNotPinned);
    // Without require_sri, integrity is not judged.
    let lax = Policy::default();
    assert!(
        lax.evaluate(&with(Some(&[verdict(stripe, IntegrityStatus::Mismatch)])))
            .is_empty()
    );
}
