//! The HTML report in a real browser (Debian's Chromium over the DevTools
//! protocol): hostile strings stay text, the page makes no network request,
//! its own script runs under its Content-Security-Policy, the main sections
//! render, and a map of hundreds of hosts stays readable.
//!
//! Set `OUTFLOW_UPDATE_SCREENSHOT=1` to also write the screenshot to
//! docs/report.png (the README's picture), of the report.json named by
//! `OUTFLOW_SCREENSHOT_REPORT` when set.

mod support;

use std::path::Path;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::network::{EnableParams, EventRequestWillBeSent};
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::cdp::js_protocol::runtime::EventExceptionThrown;
use chromiumoxide::page::ScreenshotParams;
use futures::StreamExt;
use outflow_model::{Attribution, Flow, InventoryScript, Party, Report};
use outflow_testkit::{browser_lock, chromium_path, require_chromium};
use sha2::Digest;
use support::{PAYLOADS, hostile_report, repo, sample_report};

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// A headless browser with its event loop running, holding the test kit's
/// browser lock (one Chromium at a time across test processes).
struct Headless {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
    _lock: std::fs::File,
}

impl Headless {
    async fn start() -> Headless {
        require_chromium();
        let lock = browser_lock();
        let profile = tempfile::tempdir().expect("profile dir");
        let mut builder = BrowserConfig::builder()
            .chrome_executable(chromium_path())
            .user_data_dir(profile.path())
            .new_headless_mode()
            .window_size(1440, 1000)
            .viewport(None)
            .request_timeout(Duration::from_secs(30))
            .args([
                "disable-background-networking",
                "disable-component-update",
                "disable-default-apps",
                "disable-sync",
                "no-first-run",
                "disable-dev-shm-usage",
                "allow-file-access-from-files",
            ]);
        if running_as_root() {
            builder = builder.no_sandbox();
        }
        let config = builder.build().expect("browser config");
        let (browser, mut handler) = Browser::launch(config).await.expect("Chromium starts");
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if event.is_err() {
                    break;
                }
            }
        });
        Headless {
            browser,
            handler,
            _profile: profile,
            _lock: lock,
        }
    }

    async fn stop(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

/// What a loaded report shows and did.
#[derive(Debug)]
struct Loaded {
    facts: serde_json::Value,
    requests: Vec<String>,
    exceptions: Vec<String>,
    screenshot: Option<Vec<u8>>,
}

/// Everything the page is checked for, evaluated inside it.
const PROBE: &str = r#"(() => {
  const all = Array.from(document.querySelectorAll('*'));
  const handlers = all.filter(el => Array.from(el.attributes).some(a => /^on/i.test(a.name))).length;
  const badLinks = Array.from(document.querySelectorAll('a[href]'))
    .filter(a => !/^(#|https?:\/\/)/i.test(a.getAttribute('href'))).length;
  const text = s => (document.querySelector(s) || {}).textContent || '';
  return {
    pwned: typeof window.__pwned !== 'undefined' || typeof parent.__pwned !== 'undefined',
    injected: document.querySelectorAll('.injected, #injected').length,
    scripts: document.scripts.length,
    styles: document.querySelectorAll('style').length,
    frames: document.querySelectorAll('iframe, frame, object, embed').length,
    images: document.querySelectorAll('img, image, video, audio, source').length,
    links: document.querySelectorAll('link, base').length,
    metas: document.querySelectorAll('meta').length,
    handlers,
    badLinks,
    edgesDrawn: Number(document.documentElement.getAttribute('data-map-edges') || -1),
    verdict: text('#verdict'),
    nodes: document.querySelectorAll('#flowmap .node').length,
    visibleNodes: Array.from(document.querySelectorAll('#flowmap .node')).filter(n => n.checkVisibility()).length,
    mapHeight: (document.getElementById('flowmap') || {offsetHeight: -1}).offsetHeight,
    findings: document.querySelectorAll('#findings article.finding').length,
    marks: document.querySelectorAll('#findings mark').length,
    codeLines: document.querySelectorAll('#findings pre.code .ln').length,
    inventoryRows: document.querySelectorAll('#scripts tbody tr').length,
    reports: document.querySelectorAll('article.report').length,
    maps: document.querySelectorAll('.flowmap').length,
    mapsWithEdges: Array.from(document.querySelectorAll('.flowmap svg.edges')).filter(s => s.childNodes.length > 0).length,
    indexLinks: Array.from(document.querySelectorAll('table.index a')).map(a => a.getAttribute('href')),
    brokenAnchors: Array.from(document.querySelectorAll("a[href^='#']")).filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length,
    duplicateIds: (() => { const seen = new Set(); let d = 0; for (const el of document.querySelectorAll('[id]')) { if (seen.has(el.id)) d++; seen.add(el.id); } return d; })(),
    countryRows: document.querySelectorAll('#countries tbody tr').length,
    title: document.title,
    bodyText: document.body ? document.body.innerText.length : 0,
  };
})()"#;

async fn load(headless: &Headless, html: &str, dir: &Path, screenshot: bool) -> Loaded {
    let path = dir.join(format!(
        "report-{:x}.html",
        sha2::Sha256::digest(html.as_bytes())
    ));
    std::fs::write(&path, html).expect("report written");
    let url = format!("file://{}", path.display());
    let page = headless
        .browser
        .new_page("about:blank")
        .await
        .expect("new page");
    page.execute(EnableParams::default())
        .await
        .expect("network events");
    let mut requests = page
        .event_listener::<EventRequestWillBeSent>()
        .await
        .expect("request events");
    let mut exceptions = page
        .event_listener::<EventExceptionThrown>()
        .await
        .expect("exception events");
    page.goto(url.as_str()).await.expect("report loads");
    // Give late loads (timers, lazy images, refreshes) a chance to happen.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let facts: serde_json::Value = page
        .evaluate(PROBE)
        .await
        .expect("probe runs")
        .into_value()
        .expect("probe result");
    let shot = if screenshot {
        Some(
            page.screenshot(
                ScreenshotParams::builder()
                    .format(CaptureScreenshotFormat::Png)
                    .full_page(true)
                    .build(),
            )
            .await
            .expect("screenshot"),
        )
    } else {
        None
    };
    let _ = page.close().await;
    let mut seen = Vec::new();
    while let Ok(Some(event)) =
        tokio::time::timeout(Duration::from_millis(50), requests.next()).await
    {
        seen.push(event.request.url.clone());
    }
    let mut thrown = Vec::new();
    while let Ok(Some(event)) =
        tokio::time::timeout(Duration::from_millis(50), exceptions.next()).await
    {
        thrown.push(format!("{:?}", event.exception_details.text));
    }
    Loaded {
        facts,
        // The report itself is the one request allowed.
        requests: seen.into_iter().filter(|u| *u != url).collect(),
        exceptions: thrown,
        screenshot: shot,
    }
}

/// The report without its Content-Security-Policy, so that what is checked
/// is the escaping, not the policy catching a failure of it.
fn without_csp(html: &str) -> String {
    let start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("the report has a CSP meta tag");
    let end = start + html[start..].find('>').expect("tag ends") + 1;
    format!("{}{}", &html[..start], &html[end..])
}

fn assert_inert(loaded: &Loaded, what: &str) {
    let f = &loaded.facts;
    assert_eq!(f["pwned"], false, "{what}: an injected script ran");
    assert_eq!(f["injected"], 0, "{what}: an injected element appeared");
    assert_eq!(f["scripts"], 1, "{what}: only the report's own script");
    assert_eq!(f["styles"], 1, "{what}: only the report's own style sheet");
    assert_eq!(f["frames"], 0, "{what}: an injected frame appeared");
    assert_eq!(f["images"], 0, "{what}: an injected image appeared");
    assert_eq!(f["links"], 0, "{what}: an injected link or base appeared");
    assert_eq!(
        f["handlers"], 0,
        "{what}: an element carries an on* handler"
    );
    assert_eq!(f["badLinks"], 0, "{what}: a link that is not http(s)");
    assert!(
        f["edgesDrawn"].as_i64().unwrap_or(-1) > 0,
        "{what}: the report's own script did not run (CSP hash?): {f}"
    );
    assert!(
        loaded.requests.is_empty(),
        "{what}: network requests {:?}",
        loaded.requests
    );
    assert!(
        loaded.exceptions.is_empty(),
        "{what}: script errors {:?}",
        loaded.exceptions
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_strings_stay_text() {
    let headless = Headless::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    for payload in PAYLOADS {
        let html = outflow_report::html(&hostile_report(payload));
        let loaded = load(&headless, &html, dir.path(), false).await;
        assert_inert(&loaded, &format!("with CSP, payload {payload:?}"));
        assert!(loaded.facts["metas"].as_u64() == Some(4));
        let loaded = load(&headless, &without_csp(&html), dir.path(), false).await;
        assert_inert(&loaded, &format!("without CSP, payload {payload:?}"));
        // The payload is shown to the reader, as text.
        assert!(
            loaded.facts["title"]
                .as_str()
                .is_some_and(|t| t.contains("victim.test")),
            "title shows the target"
        );
    }
    headless.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_sections_render_and_screenshot() {
    let headless = Headless::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let report = sample_report();
    let loaded = load(&headless, &outflow_report::html(&report), dir.path(), true).await;
    assert_inert(&loaded, "the sample report");
    let f = &loaded.facts;
    assert!(
        f["verdict"]
            .as_str()
            .is_some_and(|v| v.contains("CRITICAL: restricted-destination")),
        "verdict shown: {f}"
    );
    assert_eq!(f["findings"], report.findings.len());
    assert!(
        f["marks"].as_u64() >= Some(2),
        "matched bytes highlighted: {f}"
    );
    assert_eq!(f["codeLines"], 2, "code snippets with line numbers");
    assert_eq!(f["inventoryRows"], report.inventory.len());
    assert_eq!(f["countryRows"], 3, "CN, US and unknown: {f}");
    // page, 3 scripts (two + "page"), 5 hosts, 4 owners, 3 countries
    assert_eq!(f["nodes"], 16, "{f}");
    let png = loaded.screenshot.expect("screenshot taken");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(png.len() > 20_000, "the screenshot shows something");
    let out = std::env::temp_dir().join("outflow-report.png");
    std::fs::write(&out, &png).expect("screenshot saved");
    if std::env::var_os("OUTFLOW_UPDATE_SCREENSHOT").is_some() {
        // The README's picture: a real report when one is given (e.g.
        // report.json of `outflow demo --out DIR`), else the sample.
        let png = match std::env::var_os("OUTFLOW_SCREENSHOT_REPORT") {
            Some(path) => {
                let real: Report =
                    serde_json::from_slice(&std::fs::read(path).expect("report.json read"))
                        .expect("a report");
                let shown = load(&headless, &outflow_report::html(&real), dir.path(), true).await;
                assert_inert(&shown, "the README's report");
                shown.screenshot.expect("screenshot taken")
            }
            None => png,
        };
        std::fs::write(repo().join("docs/report.png"), &png).expect("docs/report.png written");
    }
    headless.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_reports_share_one_page() {
    let headless = Headless::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let reports = vec![
        sample_report(),
        hostile_report(PAYLOADS[0]),
        hostile_report(PAYLOADS[PAYLOADS.len() - 1]),
    ];
    let html = outflow_report::html_many(&reports);
    for (html, what) in [
        (html.clone(), "with CSP"),
        (without_csp(&html), "without CSP"),
    ] {
        let loaded = load(&headless, &html, dir.path(), false).await;
        assert_inert(&loaded, &format!("three reports on one page, {what}"));
        let f = &loaded.facts;
        assert_eq!(f["reports"], 3, "{f}");
        assert_eq!(f["maps"], 3, "{f}");
        assert_eq!(f["mapsWithEdges"], 3, "every map wired: {f}");
        assert_eq!(
            f["indexLinks"],
            serde_json::json!(["#r0-summary", "#r1-summary", "#r2-summary"]),
            "{f}"
        );
        assert_eq!(
            f["brokenAnchors"], 0,
            "every in-page link has its target: {f}"
        );
        assert_eq!(f["duplicateIds"], 0, "ids are unique across reports: {f}");
    }
    // One report is the single-report page itself.
    assert_eq!(
        outflow_report::html_many(&reports[..1]),
        outflow_report::html(&reports[0])
    );
    headless.stop().await;
}

/// A page with hundreds of third-party hosts.
fn crowded_report(hosts: usize) -> Report {
    let mut report = sample_report();
    for i in 0..hosts {
        let host = format!("t{i:03}.tracker{}.test", i % 40);
        report.attributions.push(Attribution {
            host: host.clone(),
            registrable_domain: None,
            party: Party::Third,
            entity: None,
            network: None,
            country: Some(["US", "DE", "FR", "NL", "SG"][i % 5].to_string()),
            country_source: None,
            flags: Vec::new(),
            legal_notes: Vec::new(),
            notes: Vec::new(),
        });
        let script = format!("https://cdn{}.test/s.js", i % 60);
        report.flows.push(Flow {
            script: script.clone(),
            host,
            requests: 1 + (i as u32 % 3),
            named_in_code: false,
        });
        if i < 60 {
            report.inventory.push(InventoryScript {
                id: format!("s{i}"),
                name: script,
                origin: "external".to_string(),
                host: None,
                party: Some(Party::Third),
                size: 1000,
                sha256: "ab".repeat(32),
                obfuscation: 0.0,
                contacts: Vec::new(),
                names: Vec::new(),
                frame: None,
            });
        }
    }
    report.attributions.sort_by(|a, b| a.host.cmp(&b.host));
    report.flows.sort();
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_hosts_stay_readable() {
    let headless = Headless::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let loaded = load(
        &headless,
        &outflow_report::html(&crowded_report(400)),
        dir.path(),
        false,
    )
    .await;
    assert_inert(&loaded, "a crowded report");
    let f = &loaded.facts;
    assert!(
        f["nodes"].as_u64() > Some(400),
        "every host is in the map: {f}"
    );
    // Long columns fold: the riskiest nodes show, the rest wait in <details>.
    assert!(
        f["visibleNodes"].as_u64() <= Some(5 * 24 + 5),
        "folded columns: {f}"
    );
    assert!(
        f["mapHeight"].as_u64().is_some_and(|h| h > 0 && h < 2500),
        "the map fits a few screens: {f}"
    );
    headless.stop().await;
}
