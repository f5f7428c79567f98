//! Cost of saving and diffing scans, against the cost of serialising the
//! same report to JSON (the baseline every save pays anyway): read the
//! ratio of `save` to `serialise`, not the absolute times.
//!
//! `cargo bench -p outflow-store`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use outflow_model::{
    Confidence, Finding, Flow, InventoryScript, Party, Report, Severity, Summary, Target,
    TargetKind,
};
use outflow_store::{Destination, Directive, PageFacts, Store, diff_scans};

/// A busy page: 200 scripts, 300 flows, 30 findings, 120 origins.
fn page(version: u8) -> (Report, PageFacts) {
    let inventory: Vec<InventoryScript> = (0..200)
        .map(|i| InventoryScript {
            id: i.to_string(),
            name: format!("https://cdn{}.example/lib{i}.js", i % 40),
            origin: "external".into(),
            host: Some(format!("cdn{}.example", i % 40)),
            party: Some(Party::Third),
            size: 40_000,
            sha256: format!(
                "{:064x}",
                i * 7 + usize::from(version) * (i % 10 == 0) as usize
            ),
            obfuscation: 0.1,
            contacts: vec![format!("t{}.example", i % 60)],
            names: Vec::new(),
            frame: None,
        })
        .collect();
    let findings: Vec<Finding> = (0..30)
        .map(|i| Finding {
            rule: "latent-endpoint".into(),
            severity: Severity::Low,
            confidence: Confidence::Medium,
            title: format!("code names t{i}.example"),
            explanation: "x".repeat(300),
            script: Some(format!("https://cdn{i}.example/lib{i}.js")),
            destinations: vec![format!("t{i}.example")],
            evidence: Vec::new(),
        })
        .collect();
    let flows = (0..300)
        .map(|i| Flow {
            script: format!("https://cdn{}.example/lib{i}.js", i % 40),
            host: format!("t{}.example", i % 60),
            requests: 1,
            named_in_code: false,
        })
        .collect();
    let report = Report {
        schema_version: outflow_model::SCHEMA_VERSION.into(),
        tool_version: "bench".into(),
        target: Target {
            kind: TargetKind::Page,
            value: "https://busy.example/".into(),
            persona: None,
            final_url: None,
        },
        summary: Summary::of(&findings, 100, 30, 200),
        findings,
        attributions: Vec::new(),
        inventory,
        integrity: None,
        flows,
        documents: Vec::new(),
        errors: Vec::new(),
    };
    let destinations = (0..120)
        .map(|i| Destination {
            origin: format!("https://t{i}.example"),
            host: format!("t{i}.example"),
            directive: if i % 2 == 0 {
                Directive::ConnectSrc
            } else {
                Directive::ScriptSrc
            },
            requests: 3,
        })
        .collect();
    let facts = PageFacts {
        integrity: None,
        started_at: "2026-11-29T00:00:00Z".into(),
        security_headers: Some(
            [(
                "content-security-policy".to_string(),
                "default-src 'self'".to_string(),
            )]
            .into(),
        ),
        destinations,
    };
    (report, facts)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("bench.db")).unwrap();
    let (report, facts) = page(0);
    let (changed, changed_facts) = page(1);
    let a = store.save(&report, &facts).unwrap();
    let b = store.save(&changed, &changed_facts).unwrap();
    let mut group = c.benchmark_group("store");
    group.bench_function("serialise (baseline)", |bench| {
        bench.iter(|| serde_json::to_string(black_box(&report)).unwrap())
    });
    group.bench_function("save", |bench| {
        bench.iter(|| store.save(black_box(&report), black_box(&facts)).unwrap())
    });
    group.bench_function("load two and diff", |bench| {
        bench.iter(|| diff_scans(&store.scan(a).unwrap(), &store.scan(b).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
