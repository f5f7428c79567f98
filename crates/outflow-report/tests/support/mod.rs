//! Reports for the output tests: a hand-built one with every kind of
//! evidence, hostile ones built from a payload corpus, and real ones made by
//! the pipeline from the repository's fixtures.

#![allow(dead_code)]

use std::collections::BTreeMap;

use outflow_model::{
    Attribution, Channel, Confidence, Entity, Evidence, Finding, Flag, Flow, InventoryScript,
    LegalNote, Location, Observation, Ownership, Party, Report, Severity, SourceSpan, SourcedFact,
    Summary, Target, TargetKind,
};

pub use outflow_testkit::repo;

fn source(url: &str) -> SourcedFact {
    outflow_testkit::build::sourced(url, "2024-05-01")
}

fn attribution(host: &str, party: Party, entity: Option<(&str, &str, &str)>) -> Attribution {
    let entity = entity.map(|(id, name, country)| Entity {
        id: id.to_string(),
        name: name.to_string(),
        legal_name: None,
        parent: None,
        aliases: Vec::new(),
        country: Some(country.to_string()),
        ownership: (id == "china-mobile").then_some(Ownership::StateOwned),
        category: None,
        sources: vec![source("https://example.org/entity")],
    });
    let country = entity.as_ref().and_then(|e| e.country.clone());
    let flags = if entity.as_ref().is_some_and(|e| e.id == "china-mobile") {
        vec![Flag {
            list: "fcc-covered-list".to_string(),
            list_name: "FCC Covered List".to_string(),
            listed_name: Some("China Mobile International (USA) Inc.".to_string()),
            detail: "Section 214 application denied".to_string(),
            since: Some("2022-03-25".to_string()),
            source: source("https://www.fcc.gov/supplychain/coveredlist"),
        }]
    } else {
        Vec::new()
    };
    let legal_notes = if country.as_deref() == Some("CN") {
        vec![LegalNote {
            country: "CN".to_string(),
            law: "National Intelligence Law (2017), Art. 7".to_string(),
            summary: "Organisations must support state intelligence work.".to_string(),
            source: source("https://example.org/nil"),
        }]
    } else {
        Vec::new()
    };
    Attribution {
        host: host.to_string(),
        registrable_domain: None,
        party,
        entity,
        network: None,
        country,
        country_source: None,
        flags,
        legal_notes,
        notes: Vec::new(),
    }
}

fn span(line: u32, column: u32, length: u32) -> SourceSpan {
    SourceSpan {
        start: Location { line, column },
        end: Location {
            line,
            column: column + length,
        },
        byte_start: 100,
        byte_end: 100 + length,
    }
}

const LOGIN_JS: &str = "https://login.example.com/static/login.min.js";
const LOGIN_SHA: &str = "3f2a9c0d1e4b5a6978877665544332211000ffeeddccbbaa9988776655443322";

/// A report with findings of every severity and every kind of evidence.
pub fn sample_report() -> Report {
    let findings = vec![
        Finding {
            rule: "restricted-destination".to_string(),
            severity: Severity::Critical,
            confidence: Confidence::High,
            title: "Password sent to China Mobile (FCC Covered List)".to_string(),
            explanation: "The login script sent the password canary to a host of China Mobile, an entity on the FCC Covered List.".to_string(),
            script: Some(LOGIN_JS.to_string()),
            destinations: vec!["wap.cmpassport.com".to_string()],
            evidence: vec![
                Evidence::Request {
                    request_id: "1000.42".to_string(),
                    url: "https://wap.cmpassport.com/h5/getMobile?pwd=Canary-Pw-7f3k".to_string(),
                    method: "POST".to_string(),
                    time_ms: 5321,
                    channel: Channel::Url,
                    matched: "Canary-Pw-7f3k".to_string(),
                    encodings: Vec::new(),
                    what: "password canary".to_string(),
                },
                Evidence::Code {
                    script: LOGIN_JS.to_string(),
                    script_id: Some("17".to_string()),
                    sha256: LOGIN_SHA.to_string(),
                    at: span(1, 48211, 52),
                    snippet: "fetch(\"https://wap.cmpassport.com/h5/getMobile\",{method:\"POST\",body:p})".to_string(),
                    detail: "fetch of https://wap.cmpassport.com/h5/getMobile, decoded from string array".to_string(),
                },
            ],
        },
        Finding {
            rule: "latent-endpoint".to_string(),
            severity: Severity::High,
            confidence: Confidence::Medium,
            title: "Code can reach onekey.cmpassport.com, never contacted".to_string(),
            explanation: "The code builds a request to a China Mobile identity host that the visit did not contact.".to_string(),
            script: Some(LOGIN_JS.to_string()),
            destinations: vec!["onekey.cmpassport.com".to_string()],
            evidence: vec![Evidence::Code {
                script: LOGIN_JS.to_string(),
                script_id: Some("17".to_string()),
                sha256: LOGIN_SHA.to_string(),
                at: span(3, 120, 40),
                snippet: "x.open(\"GET\",\"https://onekey.cmpassport.com/api/v1/token\")".to_string(),
                detail: "XMLHttpRequest.open of https://onekey.cmpassport.com/api/v1/token".to_string(),
            }],
        },
        Finding {
            rule: "canvas-fingerprinting".to_string(),
            severity: Severity::Medium,
            confidence: Confidence::Medium,
            title: "Canvas read back after drawing text".to_string(),
            explanation: "The script drew text on a canvas and read the pixels back, a device fingerprint.".to_string(),
            script: Some("https://cdn.tracker.test/fp.js".to_string()),
            destinations: vec!["cdn.tracker.test".to_string()],
            evidence: vec![Evidence::Api {
                script: "https://cdn.tracker.test/fp.js".to_string(),
                api: "HTMLCanvasElement.toDataURL".to_string(),
                count: 3,
                observed: Observation::Dynamic,
                arguments: vec!["280x60".to_string(), "Cwm fjordbank glyphs vext quiz".to_string()],
            }],
        },
        Finding {
            rule: "obfuscated-script".to_string(),
            severity: Severity::Low,
            confidence: Confidence::High,
            title: "Heavily obfuscated login script".to_string(),
            explanation: "String array with rotation and RC4 decoding.".to_string(),
            script: Some(LOGIN_JS.to_string()),
            destinations: Vec::new(),
            evidence: vec![Evidence::Note {
                text: "obfuscation score 0.93: string array, rotation, control-flow flattening".to_string(),
            }],
        },
        Finding {
            rule: "pii-before-submit".to_string(),
            severity: Severity::Info,
            confidence: Confidence::Low,
            title: "E-mail hash stored before submit".to_string(),
            explanation: "A SHA-256 of the e-mail canary was written to localStorage.".to_string(),
            script: None,
            destinations: Vec::new(),
            evidence: vec![Evidence::Request {
                request_id: String::new(),
                url: "https://login.example.com/".to_string(),
                method: "STORAGE".to_string(),
                time_ms: 4100,
                channel: Channel::StorageWrite {
                    area: "local".to_string(),
                    key: "_uid".to_string(),
                },
                matched: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8".to_string(),
                encodings: vec!["sha256".to_string()],
                what: "e-mail canary".to_string(),
            }],
        },
    ];
    let attributions = vec![
        attribution("cdn.tracker.test", Party::Third, None),
        attribution("login.example.com", Party::First, None),
        attribution(
            "onekey.cmpassport.com",
            Party::Third,
            Some(("china-mobile", "China Mobile", "CN")),
        ),
        attribution(
            "wap.cmpassport.com",
            Party::Third,
            Some(("china-mobile", "China Mobile", "CN")),
        ),
        attribution(
            "www.google-analytics.com",
            Party::Third,
            Some(("google", "Google", "US")),
        ),
    ];
    let inventory = vec![
        InventoryScript {
            id: "17".to_string(),
            name: LOGIN_JS.to_string(),
            origin: "external".to_string(),
            host: Some("login.example.com".to_string()),
            party: Some(Party::First),
            size: 48_213,
            sha256: LOGIN_SHA.to_string(),
            obfuscation: 0.93,
            contacts: vec!["wap.cmpassport.com".to_string()],
            names: vec![
                "onekey.cmpassport.com".to_string(),
                "wap.cmpassport.com".to_string(),
            ],
            frame: None,
        },
        InventoryScript {
            id: "18".to_string(),
            name: "https://cdn.tracker.test/fp.js".to_string(),
            origin: "external".to_string(),
            host: Some("cdn.tracker.test".to_string()),
            party: Some(Party::Third),
            size: 9_120,
            sha256: "aa".repeat(32),
            obfuscation: 0.12,
            contacts: vec!["www.google-analytics.com".to_string()],
            names: Vec::new(),
            frame: None,
        },
    ];
    let flows = vec![
        Flow {
            script: "https://cdn.tracker.test/fp.js".to_string(),
            host: "www.google-analytics.com".to_string(),
            requests: 2,
            named_in_code: false,
        },
        Flow {
            script: LOGIN_JS.to_string(),
            host: "onekey.cmpassport.com".to_string(),
            requests: 0,
            named_in_code: true,
        },
        Flow {
            script: LOGIN_JS.to_string(),
            host: "wap.cmpassport.com".to_string(),
            requests: 1,
            named_in_code: true,
        },
        Flow {
            script: "page".to_string(),
            host: "cdn.tracker.test".to_string(),
            requests: 1,
            named_in_code: false,
        },
        Flow {
            script: "page".to_string(),
            host: "login.example.com".to_string(),
            requests: 3,
            named_in_code: false,
        },
    ];
    Report {
        schema_version: outflow_model::SCHEMA_VERSION.to_string(),
        tool_version: "0.1.0".to_string(),
        target: Target {
            kind: TargetKind::Page,
            value: "https://login.example.com/".to_string(),
            persona: Some("us".to_string()),
            final_url: None,
        },
        summary: Summary::of(&findings, 4, 1, 2),
        findings,
        attributions,
        inventory,
        integrity: None,
        flows,
        documents: Vec::new(),
        errors: vec!["Timeout: the page did not finish loading in 30 s".to_string()],
    }
}

/// Strings an attacker controls, meant to break out of HTML text,
/// attributes, script and style contexts, or to mislead a reader.
pub const PAYLOADS: &[&str] = &[
    "</script><script>window.__pwned=1</script>",
    "\"><img src=x id=injected onerror=\"window.__pwned=1\">",
    "'><svg onload=window.__pwned=1 class=injected>",
    "javascript:window.__pwned=1",
    "</style><style>body{display:none}</style><b class=injected>x</b>",
    "<iframe srcdoc=\"<script>parent.__pwned=1</script>\" class=injected></iframe>",
    "<!--",
    "]]><![CDATA[<b class=injected>",
    "<a href=\"javascript:window.__pwned=1\" id=injected>click</a>",
    "<meta http-equiv=refresh content=\"0;url=javascript:window.__pwned=1\">",
    "<base href=\"https://evil.test/\">",
    "<link rel=stylesheet href=https://evil.test/x.css class=injected>",
    "{{constructor.constructor('window.__pwned=1')()}}",
    "\u{202e}sj.nigol\u{202c} \u{200b}zero\u{feff}width",
    "\x1b[2J\x1b]0;pwned\x07 escape sequences\r\nnew line",
    "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
    "<svg><script>window.__pwned=1</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1 class=injected>",
];

/// A report whose every string field carries `payload`.
pub fn hostile_report(payload: &str) -> Report {
    let mut report = sample_report();
    let p = |s: &str| format!("{s}{payload}");
    report.target.value = p("https://victim.test/");
    report.target.persona = Some(p("us"));
    report.tool_version = p("0.1.0");
    report.summary.verdict = p("CRITICAL: ");
    report.errors = vec![p("error ")];
    for finding in &mut report.findings {
        finding.rule = p(&finding.rule);
        finding.title = p(&finding.title);
        finding.explanation = p(&finding.explanation);
        finding.script = finding.script.as_ref().map(|s| p(s));
        finding.destinations = finding.destinations.iter().map(|d| p(d)).collect();
        for evidence in &mut finding.evidence {
            match evidence {
                Evidence::Request {
                    request_id,
                    url,
                    method,
                    channel,
                    matched,
                    encodings,
                    what,
                    ..
                } => {
                    *request_id = p(request_id);
                    *url = p(url);
                    *method = p(method);
                    *matched = p(matched);
                    *encodings = vec![p("base64")];
                    *what = p(what);
                    *channel = Channel::Header { name: p("X-Id") };
                }
                Evidence::Code {
                    script,
                    sha256,
                    snippet,
                    detail,
                    ..
                } => {
                    *script = p(script);
                    *sha256 = p(sha256);
                    *snippet = p(snippet);
                    *detail = p(detail);
                }
                Evidence::Api {
                    script,
                    api,
                    arguments,
                    ..
                } => {
                    *script = p(script);
                    *api = p(api);
                    *arguments = vec![p("arg")];
                }
                Evidence::Note { text } => *text = p(text),
            }
        }
    }
    for a in &mut report.attributions {
        a.host = p(&a.host);
        a.country = Some(p("CN"));
        if let Some(entity) = &mut a.entity {
            entity.name = p(&entity.name);
        }
        for flag in &mut a.flags {
            flag.list_name = p(&flag.list_name);
            flag.source.url = p("javascript:window.__pwned=1//");
        }
        for note in &mut a.legal_notes {
            note.law = p(&note.law);
            note.source.url = payload.to_string();
        }
    }
    for script in &mut report.inventory {
        script.name = p(&script.name);
        script.origin = p(&script.origin);
        script.sha256 = p(&script.sha256);
        script.contacts = script.contacts.iter().map(|c| p(c)).collect();
        script.names = script.names.iter().map(|c| p(c)).collect();
    }
    for flow in &mut report.flows {
        flow.script = p(&flow.script);
        flow.host = p(&flow.host);
    }
    // Integrity verdicts: one for a script of the inventory, one for a
    // script the browser blocked (its own table), every string hostile.
    let verdict =
        |name: String, status: outflow_model::IntegrityStatus| outflow_model::ScriptIntegrity {
            name,
            status,
            detail: p("detail "),
            integrity: Some(p("sha384-")),
            served_sha256: p("ab"),
            served_size: 1,
        };
    let mut integrity = vec![verdict(
        p("https://blocked.test/x.js"),
        outflow_model::IntegrityStatus::Mismatch,
    )];
    if let Some(first) = report.inventory.first() {
        integrity.push(verdict(
            first.name.clone(),
            outflow_model::IntegrityStatus::Verified,
        ));
    }
    report.integrity = Some(integrity);
    report
}

/// Reports made by the real pipeline: `outflow js` on the shipped
/// examples (an obfuscated carrier login, a packed tracker, a sign-up page)
/// and on the obfuscation corpus' sources.
pub fn real_reports() -> Vec<Report> {
    let intel = outflow_intel::Intel::load(&outflow_intel::IntelOptions::default())
        .expect("the built-in intelligence data loads");
    let js = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &js,
        intel: Some(&intel),
        site: None,
        tool_version: "0.1.0",
    };
    ["fixtures/examples", "fixtures/obfuscation/src"]
        .iter()
        .map(|dir| {
            let path = repo().join(dir);
            assert!(path.is_dir(), "{} is missing", path.display());
            outflow_pipeline::report_files(&[path.display().to_string()], &pipeline)
        })
        .collect()
}

/// Rule documentation as the detection crate would give it.
pub fn rule_docs() -> Vec<outflow_report::RuleDoc> {
    let mut docs: BTreeMap<&str, &str> = BTreeMap::new();
    docs.insert(
        "restricted-destination",
        "Traffic to, or code naming, an entity on a government restriction list.",
    );
    docs.insert(
        "latent-endpoint",
        "Code reaches a host that the visit never contacted.",
    );
    docs.insert(
        "obfuscated-script",
        "A script whose code hides what it does.",
    );
    docs.iter()
        .map(|(slug, summary)| outflow_report::RuleDoc {
            slug: slug.to_string(),
            summary: summary.to_string(),
            documentation: format!("# {slug}\n\n{summary}\n\n## Why it matters\n\nSee the report."),
        })
        .collect()
}
