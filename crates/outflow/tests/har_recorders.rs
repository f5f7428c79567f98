//! `outflow har` on recordings made here by the tools people record with,
//! against the same loopback fixture `outflow scan` is checked on: a sign-up
//! page (fixtures/detect/sites/leak.site.test) whose third-party script
//! sends the typed e-mail, phone and password, in eleven encodings, to a
//! host per (transport, encoding) under leak-vendor.test.
//!
//! - Playwright (npm `playwright-core`, fixtures/har-recorders, driving
//!   Debian's Chromium) with `content: embed | omit` and `mode: full |
//!   minimal`;
//! - mitmproxy (`mitmdump --set hardump=FILE`, in .cache/har-recorders/venv)
//!   in front of Chromium.
//!
//! Each HAR, analysed with `--typed`, must give the leak destinations (host
//! and kind of value) that `outflow scan` of the page gives, minus what the
//! variant cannot hold: no HAR holds cookie or storage writes (the scan's
//! "stored by a script" findings) or key presses (`keystroke-capture`), and
//! Playwright's HARs hold binary request bodies as empty text (the gzip
//! bodies of fetch, XMLHttpRequest and sendBeacon); with `content: omit`
//! they also drop every request body but URL-encoded forms' params, and
//! WebSocket messages. mitmproxy's HAR holds everything compared (binary
//! bodies as one character per byte). `--typed-from-forms` must find the same values from the
//! site's own form post. Which rule a leak falls under (before or after
//! submission) is not compared: a HAR has no key presses, so the moment of
//! submission is the first navigation carrying a typed value.
//!
//! The recorders are installed by scripts/setup (setup.d/60-har-recorders.sh).
//! When one is missing the test fails in CI (`CI` set) and is skipped,
//! loudly, elsewhere.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use outflow_testkit::server::{Connection, FixtureServer, Reply, Request, response};
use outflow_testkit::{browser_lock, chromium_path, require_chromium, static_file, websocket};
use serde_json::Value;

const SITE: &str = "leak.site.test";
const VENDOR: &str = "leak-vendor.test";
const EMAIL: &str = "har.recorder.test@example.org";
const PHONE: &str = "2025550147";
const PASSWORD: &str = "Rec0rder-S3cret!";
/// The rules compared. `keystroke-capture` is not: it is judged from when
/// keys were pressed, which no HAR holds.
const CANARY_RULES: [&str; 2] = ["credential-exfiltration", "pii-before-submit"];

fn repo() -> PathBuf {
    outflow_testkit::repo()
}

fn recorders() -> PathBuf {
    repo().join("fixtures/har-recorders")
}

fn mitmdump() -> PathBuf {
    repo().join(".cache/har-recorders/venv/bin/mitmdump")
}

/// Whether `tool` can run: in CI it must; elsewhere a missing tool skips
/// the test with a loud message.
fn available(tool: &str, path: &Path) -> bool {
    if path.exists() {
        return true;
    }
    let message = format!(
        "{tool} is missing at {}: run scripts/setup (setup.d/60-har-recorders.sh)",
        path.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("\n!!! SKIPPED: {message}\n");
    false
}

/// The fixture server: the sites' files, the site's own form post
/// answered late, WebSocket frames read, 204 for the rest.
fn server() -> FixtureServer {
    let root = repo().join("fixtures/detect/sites");
    FixtureServer::builder()
        .read_timeout(Duration::from_secs(20))
        .start(move |request: &Request, connection: &mut Connection| {
            let host = request.host();
            if request.header("upgrade").eq_ignore_ascii_case("websocket") {
                if websocket::accept(connection, &request.header("sec-websocket-key")) {
                    while let Some(frame) = websocket::read_frame(connection) {
                        if frame.opcode == websocket::CLOSE {
                            break;
                        }
                    }
                }
                return Reply::Done;
            }
            let path = request.path();
            Reply::Send(if request.method == "GET" {
                match static_file(&root, &host, path) {
                    Some(file) => response(
                        "200 OK",
                        &[
                            ("Content-Type", file.content_type),
                            ("Cache-Control", "no-store"),
                        ],
                        &file.bytes,
                    ),
                    None => response("204 No Content", &[], b""),
                }
            } else if request.method == "POST" && host == SITE && path == "/login" {
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
        })
}

fn port_of(server: &FixtureServer) -> String {
    let mapping = server.mapping("x");
    mapping.rsplit(':').next().unwrap_or_default().to_string()
}

fn outflow(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(args)
        .env("OUTFLOW_DB", repo().join(".cache/har-recorders-test.db"))
        .output()
        .expect("running outflow");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "outflow {args:?} gave no JSON report ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (destination host, kind of value) of every leak a canary rule reports
/// through a request (not a cookie or storage write).
fn leaks(report: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for finding in report["findings"].as_array().into_iter().flatten() {
        let rule = finding["rule"].as_str().unwrap_or_default();
        if !CANARY_RULES.contains(&rule) {
            continue;
        }
        let title = finding["title"].as_str().unwrap_or_default();
        if title.contains("stored by") {
            continue;
        }
        let kind = title.split(' ').next().unwrap_or_default().to_lowercase();
        for host in finding["destinations"].as_array().into_iter().flatten() {
            out.insert((host.as_str().unwrap_or_default().to_string(), kind.clone()));
        }
    }
    out
}

fn scan_leaks(server: &FixtureServer) -> BTreeSet<(String, String)> {
    let site = server.mapping(SITE);
    let vendor = server.mapping(&format!("*.{VENDOR}"));
    let report = outflow(&[
        "scan",
        &format!("http://{SITE}/"),
        "--map-host",
        &site,
        "--map-host",
        &vendor,
        "--submit",
        "--format",
        "json",
    ]);
    leaks(&report)
}

/// Runs the Playwright recorder; `proxy` sends the visit through mitmdump.
fn record(port: &str, har: &Path, content: &str, mode: &str, proxy: Option<&str>) {
    let mut command = Command::new("node");
    command
        .current_dir(recorders())
        .arg("record.js")
        .arg(format!("http://{SITE}/"))
        .arg(har)
        .args([content, mode])
        .env("FIXTURE_PORT", port)
        .env("CHROMIUM", chromium_path())
        .env("TYPED_EMAIL", EMAIL)
        .env("TYPED_PHONE", PHONE)
        .env("TYPED_PASSWORD", PASSWORD);
    if let Some(proxy) = proxy {
        command.env("HAR_PROXY", proxy);
    }
    let out = command.output().expect("running node");
    assert!(
        out.status.success(),
        "the Playwright recorder failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn har_leaks(har: &Path, extra: &[&str]) -> BTreeSet<(String, String)> {
    let path = har.to_string_lossy();
    let mut args = vec!["har", path.as_ref(), "--format", "json"];
    args.extend_from_slice(extra);
    leaks(&outflow(&args))
}

fn typed() -> Vec<String> {
    vec![
        format!("--typed=email={EMAIL}"),
        format!("--typed=phone={PHONE}"),
        format!("--typed=password={PASSWORD}"),
    ]
}

/// Checks the HAR's leaks against the scan's, less the hosts `lost`
/// says the variant cannot hold.
fn compare(
    what: &str,
    scan: &BTreeSet<(String, String)>,
    har: &BTreeSet<(String, String)>,
    lost: impl Fn(&str) -> bool,
) {
    let expected: BTreeSet<_> = scan.iter().filter(|(h, _)| !lost(h)).cloned().collect();
    let missing: Vec<_> = expected.difference(har).collect();
    let extra: Vec<_> = har.difference(scan).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} leaks expected, {} found; missing {missing:?}; not in the scan {extra:?}",
        expected.len(),
        har.len()
    );
}

/// What Playwright cannot hold: it writes binary request bodies (the gzip
/// bodies sent by fetch, XMLHttpRequest and sendBeacon) as empty text.
fn binary_body_host(host: &str) -> bool {
    ["gzip.fetch-body.", "gzip.xhr.", "gzip.beacon."]
        .iter()
        .any(|prefix| host.starts_with(prefix))
}

/// What Playwright's `content: omit` cannot hold besides: request bodies
/// other than URL-encoded forms (kept as `params`), and WebSocket messages.
fn omitted_content_host(host: &str) -> bool {
    binary_body_host(host)
        || [".fetch-body.", ".beacon.", ".websocket."]
            .iter()
            .any(|part| host.contains(part))
}

struct Mitmdump(Child);

impl Drop for Mitmdump {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts mitmdump writing `har` on exit; stops it (SIGINT, so that it
/// writes the HAR) with [`stop`].
fn start_mitmdump(port: &str, har: &Path) -> (Mitmdump, String) {
    let listen = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(mitmdump())
        .args(["--listen-host", "127.0.0.1", "--listen-port"])
        .arg(listen.to_string())
        .arg("-s")
        .arg(recorders().join("loopback.py"))
        .arg("--set")
        .arg(format!("hardump={}", har.display()))
        .args(["--set", "connection_strategy=lazy", "-q"])
        .env("FIXTURE_PORT", port)
        .stdout(Stdio::null())
        .spawn()
        .expect("starting mitmdump");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", listen)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "mitmdump did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (Mitmdump(child), format!("http://127.0.0.1:{listen}"))
}

/// Asks mitmdump to exit (SIGINT, as Ctrl-C: it writes the HAR then),
/// again every two seconds, since a signal that lands while it is busy can
/// be lost; kills it after a minute (the HAR check then fails).
fn stop(mut proxy: Mitmdump) {
    let pid = proxy.0.id().to_string();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        for _ in 0..20 {
            if proxy.0.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn recorded_hars_give_the_scans_leaks() {
    require_chromium();
    let playwright = recorders().join("node_modules/playwright-core");
    let have_playwright = available("playwright-core", &playwright);
    let have_mitmdump = available("mitmdump", &mitmdump());
    if !have_playwright {
        return;
    }
    let _lock = browser_lock();
    let server = server();
    let port = port_of(&server);
    // Kept after the run, to be looked at when the test fails.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("har-recorders");
    std::fs::create_dir_all(&dir).expect("a folder for the HARs");
    let scan = scan_leaks(&server);
    assert!(
        scan.len() >= 40,
        "the scan itself found only {} leaks: {scan:?}",
        scan.len()
    );
    let typed = typed();
    let typed: Vec<&str> = typed.iter().map(String::as_str).collect();
    for (content, mode) in [
        ("embed", "full"),
        ("omit", "full"),
        ("embed", "minimal"),
        ("omit", "minimal"),
    ] {
        let har = dir.join(format!("playwright-{content}-{mode}.har"));
        record(&port, &har, content, mode, None);
        let found = har_leaks(&har, &typed);
        let lost = if content == "omit" {
            omitted_content_host
        } else {
            binary_body_host
        };
        compare(
            &format!("Playwright {content}/{mode} with --typed"),
            &scan,
            &found,
            lost,
        );
        if (content, mode) == ("embed", "full") {
            let from_forms = har_leaks(&har, &["--typed-from-forms"]);
            compare(
                "Playwright embed/full with --typed-from-forms",
                &scan,
                &from_forms,
                binary_body_host,
            );
        }
    }
    if have_mitmdump {
        let har = dir.join("mitmproxy.har");
        let (proxy, address) = start_mitmdump(&port, &har);
        record(&port, &har, "omit", "full", Some(&address));
        stop(proxy);
        assert!(har.is_file(), "mitmdump wrote no HAR");
        let found = har_leaks(&har, &typed);
        compare("mitmproxy with --typed", &scan, &found, |_| false);
    }
}
