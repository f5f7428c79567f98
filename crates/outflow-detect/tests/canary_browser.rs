//! The canary rules on real Chromium captures: outflow types canaries into a
//! sign-up form (fixtures/detect/sites/leak.site.test) whose third-party
//! script (cdn.leak-vendor.test/leak.js) sends every typed value, before
//! submission, by fetch (body and URL), XMLHttpRequest, sendBeacon, an image
//! and a WebSocket frame, writes some to cookies and localStorage, and on
//! submission posts encoded copies of the form (GET and POST) to hidden
//! frames, each in eleven encodings computed by the page (plain, upper case,
//! last character missing, double URL encoding, base64, hex, SHA-256, base64
//! of SHA-1, SHA-256 of base64, base64 of JSON, gzip). Every (transport,
//! encoding) pair goes to its own host, so a miss is named exactly. The
//! look-alike page runs the same script with random tokens of the same
//! shapes: it must yield no canary finding.
//!
//! Rules run as the product runs them: every rule over the capture, the
//! scripts' bodies, and attributions from the built-in intelligence with the
//! page's final URL as the site. Host names are mapped to the test's own
//! loopback server. Needs Debian's Chromium and the committed fixtures:
//! fails, saying to run scripts/setup, when either is missing.

mod browser_support;
mod fingerprint_common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use browser_support::{fixture_file, sites_root};
use outflow_capture::{ScanOptions, TypingPace};
use outflow_detect::{Facts, host_of};
use outflow_intel::{Intel, IntelOptions, IpDataSource};
use outflow_model::{Attribution, Capture, Channel, Evidence, Finding};
use outflow_testkit::server::{Connection, FixtureServer, Reply, Request, response};
use outflow_testkit::{browser_lock, require_chromium, websocket};

const SITE: &str = "leak.site.test";
const VENDOR: &str = "leak-vendor.test";
const SCRIPT: &str = "http://cdn.leak-vendor.test/leak.js";

/// The encodings leak.js applies (its `ENCODINGS`), in its order.
const ENCODINGS: [&str; 11] = [
    "plain",
    "upper",
    "truncated",
    "uri2",
    "base64",
    "hex",
    "sha256",
    "sha1-base64",
    "sha256-of-base64",
    "json-base64",
    "gzip",
];
/// Transports leak.js uses when a field is left, before submission.
const BEFORE_SUBMIT: [&str; 6] = [
    "fetch-body",
    "fetch-url",
    "xhr",
    "beacon",
    "image",
    "websocket",
];
/// Transports leak.js uses when the form is submitted.
const ON_SUBMIT: [&str; 2] = ["form-get", "form-post"];
/// Encodings leak.js writes to cookies and localStorage (its `STORED`).
const STORED: [&str; 4] = ["plain", "base64", "sha256", "json-base64"];
/// The form's fields (their `name`), as the persona types them.
const FIELDS: [&str; 3] = ["email", "phone", "password"];
const CANARY_RULES: [&str; 3] = [
    "credential-exfiltration",
    "pii-before-submit",
    "keystroke-capture",
];

/// What the server saw: one entry per HTTP request or WebSocket frame.
#[derive(Debug, Clone)]
struct Received {
    host: String,
    what: String,
}

/// A loopback server for `fixtures/detect/sites/<host>/<path>` (GET), the
/// site's own form submission (`POST /login`, answered after a pause so that
/// the script's copies of the form leave first), WebSockets (frames read and
/// logged, never answered), and 204 for everything else. Stops when dropped.
struct Sites {
    server: FixtureServer,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Sites {
    fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let server = FixtureServer::builder()
            .read_timeout(Duration::from_secs(20))
            .start(move |request, connection| answer(request, connection, &log));
        Self { server, received }
    }

    /// The requests and frames that reached `host`.
    fn got(&self, host: &str) -> Vec<String> {
        self.received
            .lock()
            .map(|r| {
                r.iter()
                    .filter(|x| x.host == host)
                    .map(|x| x.what.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn log(received: &Mutex<Vec<Received>>, host: &str, what: String) {
    if let Ok(mut r) = received.lock()
        && r.len() < 100_000
    {
        r.push(Received {
            host: host.to_string(),
            what,
        });
    }
}

fn answer(
    request: &Request,
    connection: &mut Connection,
    received: &Mutex<Vec<Received>>,
) -> Reply {
    let host = request.host();
    log(
        received,
        &host,
        format!("{} {}", request.method, request.target),
    );
    if request.header("upgrade").eq_ignore_ascii_case("websocket") {
        websocket(
            connection,
            &request.header("sec-websocket-key"),
            &host,
            received,
        );
        return Reply::Done;
    }
    let path = request.path();
    Reply::Send(if request.method == "GET" {
        match fixture_file(&host, path) {
            Some((kind, bytes)) => response(
                "200 OK",
                &[("Content-Type", kind), ("Cache-Control", "no-store")],
                &bytes,
            ),
            // Pixels and anything else a collector is asked for.
            None => response("204 No Content", &[], b""),
        }
    } else if request.method == "POST" && host == SITE && path == "/login" {
        // The site's own submission: answered late, as a real login is.
        std::thread::sleep(Duration::from_millis(400));
        response(
            "200 OK",
            &[("Content-Type", "text/html; charset=utf-8")],
            b"<!doctype html><title>Welcome</title><p>Welcome.",
        )
    } else {
        response(
            "204 No Content",
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Headers", "content-type"),
            ],
            b"",
        )
    })
}

/// Accepts the upgrade, then logs each frame the page sends until it closes.
fn websocket(connection: &mut Connection, key: &str, host: &str, received: &Mutex<Vec<Received>>) {
    if !websocket::accept(connection, key) {
        return;
    }
    while let Some(frame) = websocket::read_frame(connection) {
        if frame.opcode == websocket::CLOSE {
            return;
        }
        log(received, host, format!("frame opcode {}", frame.opcode));
    }
}

fn require_inputs() {
    require_chromium();
    for file in [
        "leak.site.test/index.html",
        "leak.site.test/lookalike.html",
        "cdn.leak-vendor.test/leak.js",
    ] {
        let path = sites_root().join(file);
        assert!(
            path.is_file(),
            "fixture {} is missing: restore fixtures/detect/sites from git and run scripts/setup",
            path.display()
        );
    }
}

/// Scans `page` of the site, typing canaries and submitting the form.
async fn capture_of(page: &str, sites: &Sites) -> (Capture, BTreeMap<String, String>) {
    require_inputs();
    let options = ScanOptions {
        mappings: vec![
            sites.server.host_mapping(SITE),
            sites.server.host_mapping(&format!("*.{VENDOR}")),
        ],
        quiet: Duration::from_millis(800),
        timeout: Duration::from_secs(30),
        fill_forms: true,
        submit: true,
        // Gaps of at least 40 ms between keys: what the page sends when a
        // field is left is recorded well before the key press that submits.
        pace: TypingPace {
            max_hold: Duration::from_millis(40),
            max_gap: Duration::from_millis(160),
        },
        ..ScanOptions::default()
    };
    let url = format!("http://{SITE}/{page}");
    let (capture, sources) =
        browser_support::scan_page(&url, &options, Duration::from_secs(180)).await;
    let typed: BTreeSet<&str> = capture.canaries.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        capture.canaries.len(),
        FIELDS.len(),
        "the persona typed into {typed:?}; errors: {:#?}",
        capture.errors
    );
    assert!(capture.submitted, "not submitted: {:#?}", capture.errors);
    (capture, sources)
}

/// Every rule over the capture, as the product's pipeline runs them: script
/// bodies, and hosts attributed by the built-in intelligence with the
/// page's final URL as the site.
fn findings(capture: &Capture, sources: &BTreeMap<String, String>) -> Vec<Finding> {
    let scripts = fingerprint_common::capture_scripts(capture, sources);
    let intel = Intel::load(&IntelOptions {
        ip_data: IpDataSource::Disabled,
        ..IntelOptions::default()
    })
    .expect("built-in intelligence");
    let site_url = capture.final_url.clone().unwrap_or(capture.target.clone());
    let site = intel.site(&site_url);
    let attributions: BTreeMap<String, Attribution> = capture
        .requests
        .iter()
        .filter_map(|r| host_of(&r.url))
        .collect::<BTreeSet<String>>()
        .into_iter()
        .map(|host| {
            let attribution = intel.lookup_for_site(&host, Some(&site));
            (host, attribution)
        })
        .collect();
    outflow_detect::detect(&Facts {
        capture: Some(capture),
        scripts: &scripts,
        attributions: &attributions,
    })
}

/// The field a canary finding's evidence names (`... typed into
/// input[type=email][name=email]`).
fn field_of(what: &str) -> Option<&'static str> {
    FIELDS
        .into_iter()
        .find(|f| what.contains(&format!("[name={f}]")))
}

/// (rule, destination host, field) of every request leak, and (rule, key,
/// field) of every cookie or storage write, in the findings.
#[derive(Default)]
struct Found {
    sent: BTreeSet<(String, String, &'static str)>,
    stored: BTreeSet<(String, String, &'static str)>,
}

fn found(findings: &[Finding]) -> Found {
    let mut out = Found::default();
    for finding in findings {
        if !["credential-exfiltration", "pii-before-submit"].contains(&finding.rule.as_str()) {
            continue;
        }
        for evidence in &finding.evidence {
            let Evidence::Request { channel, what, .. } = evidence else {
                continue;
            };
            let Some(field) = field_of(what) else {
                continue;
            };
            match channel {
                Channel::CookieWrite { name } => {
                    out.stored
                        .insert((finding.rule.clone(), format!("cookie {name}"), field));
                }
                Channel::StorageWrite { area, key } => {
                    out.stored
                        .insert((finding.rule.clone(), format!("{area} {key}"), field));
                }
                _ => {
                    for host in &finding.destinations {
                        out.sent.insert((finding.rule.clone(), host.clone(), field));
                    }
                }
            }
        }
    }
    out
}

fn host(transport: &str, encoding: &str) -> String {
    format!("{encoding}.{transport}.{VENDOR}")
}

fn stored_key(area: &str, field: &str, encoding: &str) -> String {
    format!("{area} lv_{field}_{}", encoding.replace('-', "_"))
}

/// What the capture holds for `host`: requests, bodies, frames sent.
fn captured(capture: &Capture, host: &str) -> String {
    let requests: Vec<_> = capture
        .requests
        .iter()
        .filter(|r| host_of(&r.url).as_deref() == Some(host))
        .collect();
    let bodies = requests.iter().filter(|r| r.body.is_some()).count();
    let frames: usize = requests
        .iter()
        .map(|r| r.websocket_frames.iter().filter(|f| f.sent).count())
        .sum();
    format!(
        "{} request(s) captured, {bodies} with a body, {frames} frame(s) sent",
        requests.len()
    )
}

/// The confusion matrix: one row per transport, one column per encoding,
/// each cell the number of fields found out of those sent.
fn matrix(rows: &[(String, Vec<usize>)]) -> String {
    let mut out = format!("{:<16}", "transport");
    for encoding in ENCODINGS {
        out.push_str(&format!(" {encoding:>16}"));
    }
    out.push('\n');
    for (transport, cells) in rows {
        out.push_str(&format!("{transport:<16}"));
        for (i, _) in ENCODINGS.iter().enumerate() {
            let cell = cells
                .get(i)
                .filter(|&&n| n != usize::MAX)
                .map_or("-".to_string(), |n| format!("{n}/{}", FIELDS.len()));
            out.push_str(&format!(" {cell:>16}"));
        }
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transport_and_encoding_of_a_typed_canary_is_found_and_classified() {
    let _lock = browser_lock();
    let sites = Sites::start();
    let (capture, sources) = capture_of("", &sites).await;
    let findings = findings(&capture, &sources);
    let found = found(&findings);
    let mut misses = Vec::new();
    let mut rows = Vec::new();

    for (transports, rule, wrong) in [
        (
            &BEFORE_SUBMIT[..],
            "pii-before-submit",
            "credential-exfiltration",
        ),
        (
            &ON_SUBMIT[..],
            "credential-exfiltration",
            "pii-before-submit",
        ),
    ] {
        for transport in transports {
            let mut cells = Vec::new();
            for encoding in ENCODINGS {
                let host = host(transport, encoding);
                let mut hits = 0;
                for field in FIELDS {
                    let right = found
                        .sent
                        .contains(&(rule.to_string(), host.clone(), field));
                    let misfiled = found
                        .sent
                        .contains(&(wrong.to_string(), host.clone(), field));
                    if right {
                        hits += 1;
                    } else {
                        misses.push(format!(
                            "{transport} x {encoding} x {field}: no {rule} finding for {host}{} \
                             (server got {:?}; {})",
                            if misfiled {
                                format!(" (reported as {wrong} instead)")
                            } else {
                                String::new()
                            },
                            sites.got(&host),
                            captured(&capture, &host)
                        ));
                    }
                    if right && misfiled {
                        misses.push(format!(
                            "{transport} x {encoding} x {field}: also reported as {wrong}"
                        ));
                    }
                }
                cells.push(hits);
            }
            rows.push((transport.to_string(), cells));
        }
    }

    // leak.js writes when a field is left, before submission: the writes'
    // times (when the scanner received them) put them before it.
    for area in ["cookie", "local"] {
        let mut cells = Vec::new();
        for encoding in ENCODINGS {
            if !STORED.contains(&encoding) {
                cells.push(usize::MAX);
                continue;
            }
            let mut hits = 0;
            for field in FIELDS {
                let key = stored_key(area, field, encoding);
                let filed = |rule: &str| {
                    found
                        .stored
                        .contains(&(rule.to_string(), key.clone(), field))
                };
                if filed("credential-exfiltration") {
                    misses.push(format!(
                        "{area} write x {encoding} x {field}: {key} filed as a leak on submission"
                    ));
                } else if filed("pii-before-submit") {
                    hits += 1;
                } else {
                    let writes: Vec<String> = capture
                        .storage_writes
                        .iter()
                        .flatten()
                        .map(|w| format!("{:?} {} by {}", w.area, w.key, w.script_url))
                        .collect();
                    misses.push(format!(
                        "{area} write x {encoding} x {field}: {key} not reported; writes recorded: {writes:?}"
                    ));
                }
            }
            cells.push(hits);
        }
        rows.push((format!("{area} write"), cells));
    }
    let table = matrix(&rows);
    eprintln!("canaries found (fields found / typed), per transport and encoding:\n{table}");

    // The site's own submission is no leak.
    let own: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.destinations.iter().any(|d| d == SITE))
        .collect();
    assert!(
        own.is_empty(),
        "the site's own form submission is reported: {own:#?}"
    );
    assert!(
        misses.is_empty(),
        "{} of {} cases missed:\n{}\n\n{table}",
        misses.len(),
        (BEFORE_SUBMIT.len() + ON_SUBMIT.len()) * ENCODINGS.len() * FIELDS.len()
            + 2 * STORED.len() * FIELDS.len(),
        misses.join("\n")
    );

    let keystrokes = findings
        .iter()
        .find(|f| f.rule == "keystroke-capture")
        .unwrap_or_else(|| {
            panic!(
                "keystroke-capture not reported; rules: {:?}",
                findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
            )
        });
    assert_eq!(
        keystrokes.script.as_deref(),
        Some(SCRIPT),
        "{keystrokes:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookalike_sending_random_tokens_the_same_ways_yields_no_canary_finding() {
    let _lock = browser_lock();
    let sites = Sites::start();
    let (capture, sources) = capture_of("lookalike.html", &sites).await;

    // The look-alike did use every transport: otherwise no finding would
    // prove nothing.
    let mut silent = Vec::new();
    for transport in BEFORE_SUBMIT.iter().chain(&ON_SUBMIT) {
        for encoding in ENCODINGS {
            let host = host(transport, encoding);
            let requests: Vec<_> = capture
                .requests
                .iter()
                .filter(|r| host_of(&r.url).as_deref() == Some(host.as_str()))
                .collect();
            let carried = match *transport {
                "websocket" => requests
                    .iter()
                    .any(|r| r.websocket_frames.iter().any(|f| f.sent)),
                _ => !requests.is_empty(),
            };
            if !carried {
                silent.push(format!("{host}: {}", captured(&capture, &host)));
            }
        }
    }
    let writes = capture.storage_writes.iter().flatten().count();
    assert!(
        silent.is_empty() && writes >= 2 * STORED.len() * FIELDS.len(),
        "the look-alike did not send everything: {silent:#?}; {writes} writes"
    );

    let flagged: Vec<Finding> = findings(&capture, &sources)
        .into_iter()
        .filter(|f| CANARY_RULES.contains(&f.rule.as_str()))
        .collect();
    let by_host: BTreeMap<String, usize> = flagged.iter().fold(BTreeMap::new(), |mut m, f| {
        *m.entry(f.destinations.join(",")).or_default() += 1;
        m
    });
    eprintln!(
        "look-alike: {} canary finding(s) over {} hosts",
        flagged.len(),
        by_host.len()
    );
    assert!(
        flagged.is_empty(),
        "{} false positive(s) on the look-alike (by host: {by_host:?}): {flagged:#?}",
        flagged.len()
    );
}
