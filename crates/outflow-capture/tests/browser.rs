//! Scans of fixture sites in a real Chromium, on loopback only.
//!
//! Third-party host names are mapped to the test's own server with
//! `--map-host`, so a page loads "cdn.tracker.test" and "cmpassport.com"
//! without any network. These tests need Debian's Chromium: they fail,
//! saying so, when it is missing (scripts/setup installs it).

mod support;

use std::time::Duration;

use outflow_capture::{
    CaptureFailure, HostMapping, Persona, ScanOptions, ScanOutput, TypingPace, scan,
};
use outflow_model::{
    ApiAccess, CanaryKind, Capture, CaptureErrorKind, CookieSetter, PageEvent, Request,
    ScriptOrigin, StorageArea,
};
use outflow_testkit::{FixtureServer, browser_lock, require_chromium};
use sha2::{Digest, Sha256};

/// Methods the recorder reads leniently when chromiumoxide's types reject
/// them; drift in any other method would be a lost message.
const READ_LENIENTLY: &[&str] = &[
    "Network.requestWillBeSent",
    "Network.requestWillBeSentExtraInfo",
    "Network.responseReceived",
    "Network.responseReceivedExtraInfo",
    "Network.loadingFinished",
    "Network.loadingFailed",
    "Network.webSocketCreated",
    "Network.webSocketFrameSent",
    "Network.webSocketFrameReceived",
    "Network.eventSourceMessageReceived",
    "Page.frameAttached",
    "Page.frameNavigated",
    "Page.loadEventFired",
    "Page.javascriptDialogOpening",
    "Page.windowOpen",
    "Debugger.scriptParsed",
    "Runtime.bindingCalled",
];

fn options(server: &FixtureServer, hosts: &[&str]) -> ScanOptions {
    ScanOptions {
        mappings: hosts
            .iter()
            .map(|h| HostMapping::parse(&server.mapping(h)).unwrap())
            .collect(),
        timeout: Duration::from_secs(20),
        pace: TypingPace {
            max_hold: Duration::from_millis(20),
            max_gap: Duration::from_millis(30),
        },
        ..ScanOptions::default()
    }
}

/// This test process's browser profiles live here, so that the leftover
/// check sees only this test's browsers (other crates' tests scan too).
fn profile_parent() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("outflow-capture-test-{}", std::process::id()))
}

async fn run(url: &str, options: &ScanOptions) -> ScanOutput {
    let mut options = options.clone();
    let parent = profile_parent();
    std::fs::create_dir_all(&parent).expect("creating the profile parent");
    options.profile_parent = Some(parent.clone());
    let watcher = BrowserWatcher::start(&parent);
    let out = tokio::time::timeout(Duration::from_secs(120), scan(url, &options))
        .await
        .expect("the scan finished within two minutes")
        .expect("the scan started");
    watcher.assert_sandboxed();
    if let Some(dir) = std::env::var_os("OUTFLOW_TEST_DUMP") {
        let name = url.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        let path = std::path::Path::new(&dir).join(format!("{name}.json"));
        std::fs::write(path, serde_json::to_string_pretty(&out.capture).unwrap()).unwrap();
    }
    no_lost_messages(&out.capture);
    no_leftover_browsers(&parent);
    // Empty once the browsers are gone; another scan makes it again.
    let _ = std::fs::remove_dir(&parent);
    out
}

/// Watches, while a scan runs, every Chromium process whose command line
/// names the scan's profile parent: none may run without its sandbox, and
/// when the test runs as root none may run as root.
struct BrowserWatcher {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    seen: std::thread::JoinHandle<Vec<(String, u32)>>,
}

impl BrowserWatcher {
    fn start(parent: &std::path::Path) -> Self {
        let parent = parent.to_string_lossy().into_owned();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let seen = std::thread::spawn(move || {
            let mut seen: std::collections::BTreeMap<String, (String, u32)> = Default::default();
            loop {
                let done = stopped.load(std::sync::atomic::Ordering::SeqCst);
                for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
                    let pid = entry.file_name().to_string_lossy().into_owned();
                    if !pid.bytes().all(|b| b.is_ascii_digit()) {
                        continue;
                    }
                    let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                        continue;
                    };
                    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                    if !(cmdline.contains("chromium") && cmdline.contains(&parent)) {
                        continue;
                    }
                    let uid = std::fs::read_to_string(entry.path().join("status"))
                        .ok()
                        .and_then(|s| {
                            s.lines()
                                .find(|l| l.starts_with("Uid:"))
                                .and_then(|l| l.split_whitespace().nth(2))
                                .and_then(|u| u.parse().ok())
                        })
                        .unwrap_or(u32::MAX);
                    seen.insert(pid, (cmdline, uid));
                }
                if done {
                    return seen.into_values().collect();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        BrowserWatcher { stop, seen }
    }

    fn assert_sandboxed(self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let seen = self.seen.join().expect("the watcher ran");
        assert!(!seen.is_empty(), "no browser process of the scan was seen");
        let root = std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
        for (cmdline, uid) in &seen {
            assert!(
                !cmdline.contains("--no-sandbox") && !cmdline.contains("--disable-setuid-sandbox"),
                "a scan's browser ran without its sandbox: {cmdline}"
            );
            assert!(
                !root || *uid != 0,
                "a scan's browser ran as root: {cmdline}"
            );
        }
    }
}

/// Every Chromium a scan starts runs with a profile in `parent`; none may
/// outlive the scan (its helpers get a moment to notice).
fn no_leftover_browsers(parent: &std::path::Path) {
    let parent = parent.to_string_lossy().into_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let leftover: Vec<String> = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            })
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .filter(|c| c.contains("chromium") && c.contains(&parent))
            .collect();
        if leftover.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Chromium processes outlived the scan: {leftover:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn no_lost_messages(capture: &Capture) {
    for error in &capture.errors {
        assert_ne!(
            error.kind,
            CaptureErrorKind::Protocol,
            "a DevTools problem: {}",
            error.message
        );
        if error.kind == CaptureErrorKind::ProtocolDrift {
            assert!(
                READ_LENIENTLY
                    .iter()
                    .any(|m| error.message.contains(&format!(" {m} "))),
                "a message outflow cannot read failed to parse: {}",
                error.message
            );
        }
    }
}

fn find(capture: &Capture, what: impl Fn(&Request) -> bool) -> Vec<&Request> {
    capture.requests.iter().filter(|r| what(r)).collect()
}

fn body(request: &Request) -> &str {
    let body = request.body.as_ref().expect("the request has a body");
    assert!(!body.base64 && !body.truncated);
    &body.text
}

fn fixture_sha256(path: &str) -> String {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/sites")
        .join(path);
    hex::encode(Sha256::digest(std::fs::read(file).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_page_capture() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let opts = options(
        &server,
        &[
            "login.site.test",
            "cdn.tracker.test",
            "collect.tracker.test",
            "pixel.tracker.test",
            "cmpassport.com",
            "widget.test",
        ],
    );
    let out = run("http://login.site.test/", &opts).await;
    let capture = &out.capture;
    let tracker = "http://cdn.tracker.test/t.js";

    // The document, with its security headers and the real request headers.
    let document = find(capture, |r| {
        r.url == "http://login.site.test/" && r.resource_type == "Document"
    });
    assert_eq!(document.len(), 1);
    let response = document[0].response.as_ref().expect("document answered");
    assert_eq!(response.status, 200);
    assert!(
        response
            .security_headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("content-security-policy"))
    );
    assert!(
        response
            .security_headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("set-cookie")
                && h.value.starts_with("session=fixture123"))
    );

    // The tracker, loaded by the parser, with the headers sent on the wire
    // (Host is only in requestWillBeSentExtraInfo, the event whose drift
    // chromiumoxide 0.9.1 cannot parse).
    let script = find(capture, |r| r.url == tracker);
    assert_eq!(script.len(), 1);
    assert_eq!(script[0].resource_type, "Script");
    assert_eq!(script[0].initiator.kind, "parser");
    assert!(
        script[0]
            .headers
            .iter()
            .any(|h| h.name == "Host" && h.value == "cdn.tracker.test"),
        "wire headers missing: {:?}",
        script[0].headers
    );
    // A same-site request carries the cookies, as sent.
    let native = find(capture, |r| {
        r.url.starts_with("http://login.site.test/pixel?native=")
    });
    assert_eq!(native.len(), 1);
    assert!(
        native[0].headers.iter().any(
            |h| h.name.eq_ignore_ascii_case("cookie") && h.value.contains("session=fixture123")
        ),
        "cookie header missing: {:?}",
        native[0].headers
    );

    // The load beacon: a Ping with its JSON body, initiated by the tracker.
    let load = find(capture, |r| {
        r.url == "http://collect.tracker.test/collect?ev=load"
    });
    assert_eq!(load.len(), 1);
    assert_eq!(load[0].method, "POST");
    assert_eq!(load[0].resource_type, "Ping");
    let sent: serde_json::Value = serde_json::from_str(body(load[0])).unwrap();
    assert!(sent["tz"].is_string());
    assert!(sent["ua"].as_str().unwrap().contains("Chrome/"));
    assert!(!sent["ua"].as_str().unwrap().contains("Headless"));
    assert_eq!(load[0].initiator.url.as_deref(), Some(tracker));

    // The SDK's Blob POST: its body is fetched separately.
    let verify = find(capture, |r| r.url == "http://cmpassport.com/api/verify");
    assert_eq!(verify.len(), 1);
    assert_eq!(verify[0].method, "POST");
    let sent: serde_json::Value = serde_json::from_str(body(verify[0])).unwrap();
    assert_eq!(sent["sdk"], "cm-one-tap");
    assert!(sent["renderer"].is_number());
    assert_eq!(
        verify[0].initiator.url.as_deref(),
        Some("http://cmpassport.com/sdk.js")
    );

    // Canaries: an e-mail and a password, typed key by key, then blurred.
    let email = capture
        .canaries
        .iter()
        .find(|c| c.kind == CanaryKind::Email)
        .expect("an e-mail canary");
    assert!(email.value.ends_with("@example.com"));
    assert_eq!(email.field, "input[type=email][name=email]#email");
    assert!(
        capture
            .canaries
            .iter()
            .any(|c| c.kind == CanaryKind::Password)
    );
    assert!(!capture.submitted);

    // The blur beacon carries the canary and one keydown per character; the
    // pixel carries it in its URL. Both are attributed to the tracker
    // through the stack (the initiator has no URL of its own).
    let blur = find(capture, |r| {
        r.url == "http://collect.tracker.test/collect?ev=blur"
    });
    assert_eq!(blur.len(), 1, "one blur beacon");
    let sent: serde_json::Value = serde_json::from_str(body(blur[0])).unwrap();
    assert_eq!(sent["email"], email.value.as_str());
    // One keydown per character, plus the Tab that moved focus away.
    assert_eq!(sent["keys"], email.value.chars().count() + 1);
    assert_eq!(blur[0].initiator.url.as_deref(), Some(tracker));
    let pixel_url = format!(
        "http://pixel.tracker.test/pixel.gif?e={}",
        email.value.replace('@', "%40")
    );
    let pixel = find(capture, |r| r.url == pixel_url);
    assert_eq!(pixel.len(), 1, "the pixel with the canary");
    assert_eq!(pixel[0].resource_type, "Image");
    assert_eq!(pixel[0].initiator.url.as_deref(), Some(tracker));
    assert!(pixel[0].initiator.stack.iter().any(|f| f.url == tracker));

    // The server saw the same bodies.
    let received = server.received();
    assert!(received.iter().any(|r| r.target == "/collect?ev=blur"
        && String::from_utf8_lossy(&r.body).contains(&email.value)));

    // Scripts: external by URL with the file's hash, inline, and eval'd.
    let external = capture
        .scripts
        .iter()
        .find(|s| matches!(&s.origin, ScriptOrigin::External { url } if url == tracker))
        .expect("the tracker script");
    assert_eq!(external.sha256, fixture_sha256("cdn.tracker.test/t.js"));
    assert!(out.sources.contains_key(&external.sha256));
    assert!(capture.scripts.iter().any(|s| matches!(
        &s.origin,
        ScriptOrigin::Inline { document, index: 0, .. } if document == "http://login.site.test/"
    )));
    let eval = capture
        .scripts
        .iter()
        .find(
            |s| matches!(&s.origin, ScriptOrigin::Eval { parent_url: Some(u), .. } if u == tracker),
        )
        .expect("the eval'd snippet");
    assert!(out.sources[&eval.sha256].contains("navigator.platform"));
    // outflow's own instrumentation is not listed as a page script.
    assert!(!out.sources.values().any(|s| s.contains("toStringWrapper")));

    // API calls, attributed to the calling script.
    let calls = capture.api_calls.as_ref().expect("API calls recorded");
    let call = |url: &str, api: &str, access: ApiAccess| {
        calls
            .iter()
            .find(|c| c.script_url == url && c.api == api && c.access == access)
            .unwrap_or_else(|| {
                panic!(
                    "no {api} ({access:?}) from {url}; have {:#?}",
                    calls
                        .iter()
                        .map(|c| (&c.script_url, &c.api))
                        .collect::<Vec<_>>()
                )
            })
    };
    let to_data_url = call(tracker, "HTMLCanvasElement.toDataURL", ApiAccess::Call);
    assert_eq!(to_data_url.arguments, vec!["220x30 image/png".to_string()]);
    assert_eq!(to_data_url.script_id.as_deref(), Some(external.id.as_str()));
    assert_eq!(to_data_url.first_stack[0].url, tracker);
    assert_eq!(to_data_url.first_stack[0].at.line, 13);
    let fill = call(
        tracker,
        "CanvasRenderingContext2D.fillText",
        ApiAccess::Call,
    );
    assert_eq!(
        fill.arguments,
        vec!["Cwm fjordbank glyphs vext quiz".to_string()]
    );
    assert_eq!(
        call(tracker, "CanvasRenderingContext2D.font", ApiAccess::Set).arguments,
        vec!["14px Arial".to_string()]
    );
    call(tracker, "Navigator.userAgent", ApiAccess::Get);
    call(tracker, "Navigator.hardwareConcurrency", ApiAccess::Get);
    call(tracker, "Screen.width", ApiAccess::Get);
    call(
        tracker,
        "Intl.DateTimeFormat.resolvedOptions",
        ApiAccess::Call,
    );
    call(tracker, "Navigator.sendBeacon", ApiAccess::Call);
    let listeners = call(tracker, "EventTarget.addEventListener", ApiAccess::Call);
    assert!(
        listeners
            .arguments
            .contains(&"keydown on input[type=email][name=email]#email".to_string())
    );
    assert!(
        listeners
            .arguments
            .contains(&"blur on input[type=email][name=email]#email".to_string())
    );
    let read = call(tracker, "HTMLInputElement.value", ApiAccess::Get);
    assert_eq!(
        read.arguments,
        vec!["input[type=email][name=email]#email".to_string()]
    );
    assert_eq!(
        read.count, 1,
        "outflow's own typing reads no value in the page's world"
    );
    call(
        "http://cmpassport.com/sdk.js",
        "HTMLCanvasElement.getContext",
        ApiAccess::Call,
    );
    let sdk = "http://cmpassport.com/sdk.js";
    assert_eq!(
        call(sdk, "OfflineAudioContext", ApiAccess::Construct).arguments,
        vec!["1,5000,44100".to_string()]
    );
    call(sdk, "BaseAudioContext.createOscillator", ApiAccess::Call);
    call(
        sdk,
        "BaseAudioContext.createDynamicsCompressor",
        ApiAccess::Call,
    );
    assert_eq!(
        call(sdk, "RTCPeerConnection", ApiAccess::Construct).arguments,
        vec!["iceServers=0".to_string()]
    );
    assert_eq!(
        call(sdk, "RTCPeerConnection.createDataChannel", ApiAccess::Call).arguments,
        vec!["probe".to_string()]
    );
    assert_eq!(
        call(tracker, "MutationObserver.observe", ApiAccess::Call).arguments,
        vec!["document childList,subtree".to_string()]
    );
    call(tracker, "MutationObserver", ApiAccess::Construct);
    call(
        "http://login.site.test/",
        "Navigator.userAgent",
        ApiAccess::Get,
    );
    let frame_probe = calls
        .iter()
        .find(|c| {
            c.api == "HTMLCanvasElement.toDataURL"
                && c.script_url == "http://widget.test/frame.html"
        })
        .expect("the cross-origin frame is instrumented too");
    assert_eq!(
        frame_probe.frame_url.as_deref(),
        Some("http://widget.test/frame.html")
    );
    assert!(
        capture
            .frames
            .iter()
            .any(|f| f.url == "http://widget.test/frame.html" && f.parent_id.is_some())
    );

    // Wrappers pass the page's own native-code checks.
    assert_eq!(
        find(capture, |r| r
            .url
            .starts_with("http://login.site.test/pixel?native="))
        .first()
        .map(|r| r.url.as_str()),
        Some("http://login.site.test/pixel?native=true")
    );

    // Storage and cookies, with who wrote them.
    let writes = capture.storage_writes.as_ref().unwrap();
    assert!(writes.iter().any(|w| w.area == StorageArea::Local
        && w.key == "trk_id"
        && w.value == "abc123"
        && w.script_url == tracker));
    assert!(writes.iter().any(|w| w.area == StorageArea::Cookie
        && w.key == "fp_seen"
        && w.script_url == "http://login.site.test/"));
    let cookies = capture.cookies.as_ref().unwrap();
    let session = cookies
        .iter()
        .find(|c| c.name == "session")
        .expect("session cookie");
    assert!(session.http_only);
    assert!(
        matches!(&session.set_by, CookieSetter::Http { request_id } if *request_id == document[0].id)
    );
    let seen = cookies
        .iter()
        .find(|c| c.name == "fp_seen")
        .expect("script cookie");
    assert!(
        matches!(&seen.set_by, CookieSetter::Script { script_url } if script_url == "http://login.site.test/")
    );

    assert!(
        capture
            .browser_version
            .as_deref()
            .unwrap_or_default()
            .contains("Chrome/")
    );
    assert_eq!(
        capture.final_url.as_deref(),
        Some("http://login.site.test/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_sends_the_form() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(
        &server,
        &[
            "login.site.test",
            "cdn.tracker.test",
            "collect.tracker.test",
            "pixel.tracker.test",
            "cmpassport.com",
            "widget.test",
        ],
    );
    opts.submit = true;
    let out = run("http://login.site.test/", &opts).await;
    let capture = &out.capture;
    assert!(capture.submitted);
    let password = capture
        .canaries
        .iter()
        .find(|c| c.kind == CanaryKind::Password)
        .unwrap();
    let post = find(capture, |r| r.url == "http://login.site.test/api/login");
    assert_eq!(post.len(), 1);
    assert_eq!(post[0].method, "POST");
    assert!(body(post[0]).contains(&format!("password={}", password.value.replace('!', "%21"))));
    // Typing, submission and request times are on one clock: the POST left
    // after the key press that submitted the form, the canaries before it.
    let submitted_at = capture.submitted_at_ms.expect("a submission time");
    assert!(
        post[0].time_ms >= submitted_at,
        "the form's POST at {} ms precedes its submission at {submitted_at} ms",
        post[0].time_ms
    );
    for canary in &capture.canaries {
        assert!(
            canary.typed_at_ms < submitted_at,
            "{canary:?} typed after the submission at {submitted_at} ms"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_chinese_login_link_into_shadow_dom_fields() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let opts = options(&server, &["home.site.test"]);
    let out = run("http://home.site.test/", &opts).await;
    let capture = &out.capture;
    let phone = capture
        .canaries
        .iter()
        .find(|c| c.kind == CanaryKind::Phone)
        .expect("a phone canary");
    assert_eq!(phone.frame_url, "http://home.site.test/login.html");
    assert_eq!(phone.field, "input[type=tel][name=mobile]#mobile");
    assert!(
        capture
            .canaries
            .iter()
            .any(|c| c.kind == CanaryKind::Password)
    );
    // The change event fired on blur and the page sent the value.
    let sent = format!("http://home.site.test/pixel?m={}", phone.value);
    assert_eq!(find(capture, |r| r.url == sent).len(), 1);
    assert_eq!(
        capture.final_url.as_deref(),
        Some("http://home.site.test/login.html")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personas_change_what_the_page_sees() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut seen = Vec::new();
    for name in ["us", "cn"] {
        let mut opts = options(&server, &["persona.site.test"]);
        opts.persona = Some(Persona::builtin(name).unwrap());
        opts.fill_forms = false;
        let out = run("http://persona.site.test/", &opts).await;
        assert_eq!(out.capture.persona.as_deref(), Some(name));
        let report = find(&out.capture, |r| {
            r.url.starts_with("http://persona.site.test/pixel?tz=")
        });
        assert_eq!(report.len(), 1);
        let document = find(&out.capture, |r| r.resource_type == "Document")[0].clone();
        let language = document
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("accept-language"))
            .map(|h| h.value.clone())
            .unwrap_or_default();
        seen.push((report[0].url.clone(), language));
    }
    assert_eq!(
        seen[0].0,
        "http://persona.site.test/pixel?tz=America%2FNew_York&lang=en-US&langs=en-US%2Cen"
    );
    assert_eq!(
        seen[1].0,
        "http://persona.site.test/pixel?tz=Asia%2FShanghai&lang=zh-CN&langs=zh-CN%2Czh"
    );
    assert_eq!(seen[0].1, "en-US,en;q=0.9");
    assert_eq!(seen[1].1, "zh-CN,zh;q=0.9");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_run_and_popups_and_downloads_are_recorded() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["worker.site.test"]);
    opts.fill_forms = false;
    let out = run("http://worker.site.test/", &opts).await;
    let capture = &out.capture;
    // The worker was not left waiting for a debugger: it ran and answered.
    assert_eq!(
        find(capture, |r| r.url
            == "http://worker.site.test/pixel?worker=answered")
        .len(),
        1,
        "requests: {:?}",
        capture.requests.iter().map(|r| &r.url).collect::<Vec<_>>()
    );
    assert!(
        server
            .received()
            .iter()
            .any(|r| r.target == "/api/from-worker")
    );
    assert!(capture.events.iter().any(|e| matches!(
        e,
        PageEvent::Popup { url } if url == "http://worker.site.test/popup.html"
    )));
    assert!(
        capture.events.iter().any(|e| matches!(
            e,
            PageEvent::Download { url, suggested_filename }
                if url == "http://worker.site.test/file.bin" && suggested_filename == "setup.bin"
        )),
        "events: {:?}",
        capture.events
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apis_borrowed_from_a_blank_frame_are_recorded() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["blank.site.test"]);
    opts.fill_forms = false;
    let out = run("http://blank.site.test/", &opts).await;
    let calls = out.capture.api_calls.as_ref().unwrap();
    let call = calls
        .iter()
        .find(|c| c.api == "HTMLCanvasElement.toDataURL")
        .unwrap_or_else(|| panic!("no toDataURL in {calls:#?}"));
    assert_eq!(call.script_url, "http://blank.site.test/");
    assert_eq!(call.arguments, vec!["33x17 image/png".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_frames_and_preflights_are_recorded() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["live.site.test", "api.live.test"]);
    opts.fill_forms = false;
    let out = run("http://live.site.test/", &opts).await;
    let capture = &out.capture;
    let socket = find(capture, |r| r.url == "ws://live.site.test/socket");
    assert_eq!(
        socket.len(),
        1,
        "requests: {:?}",
        capture
            .requests
            .iter()
            .map(|r| (&r.url, &r.resource_type))
            .collect::<Vec<_>>()
    );
    assert_eq!(socket[0].resource_type, "WebSocket");
    assert_eq!(
        socket[0].initiator.url.as_deref(),
        Some("http://live.site.test/")
    );
    let frames: Vec<(bool, &str)> = socket[0]
        .websocket_frames
        .iter()
        .map(|f| (f.sent, f.payload.as_str()))
        .collect();
    assert_eq!(
        frames,
        [(true, "hello-socket"), (false, "echo:hello-socket")]
    );
    let post = find(capture, |r| {
        r.url == "http://api.live.test/api/json" && r.method == "POST"
    });
    assert_eq!(post.len(), 1);
    assert_eq!(body(post[0]), r#"{"preflighted":true}"#);
    let preflight = find(capture, |r| {
        r.url == "http://api.live.test/api/json" && r.method == "OPTIONS"
    });
    assert_eq!(preflight.len(), 1, "the preflight is its own request");
    assert_eq!(preflight[0].resource_type, "Preflight");
    // Attributed to the script whose fetch needed it.
    assert_eq!(preflight[0].initiator.kind, "preflight");
    assert_eq!(
        preflight[0].initiator.url.as_deref(),
        Some("http://live.site.test/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialogs_are_answered_and_recorded() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["dialog.site.test"]);
    opts.fill_forms = false;
    let out = run("http://dialog.site.test/", &opts).await;
    assert!(out.capture.events.iter().any(|e| matches!(
        e,
        PageEvent::Dialog { dialog_type, message, .. } if dialog_type == "alert" && message == "hello from the fixture"
    )));
    // The page went on after the dialog.
    assert_eq!(
        find(&out.capture, |r| r.url
            == "http://dialog.site.test/pixel?after=alert")
        .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_loads_times_out_with_partial_results() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["slow.site.test"]);
    opts.timeout = Duration::from_secs(3);
    opts.fill_forms = false;
    let out = run("http://slow.site.test/slow", &opts).await;
    let capture = &out.capture;
    assert!(
        capture
            .errors
            .iter()
            .any(|e| e.kind == CaptureErrorKind::Timeout),
        "errors: {:?}",
        capture.errors
    );
    // What happened before the timeout is kept.
    assert_eq!(
        find(capture, |r| r.url == "http://slow.site.test/slow").len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_busy_past_the_timeout_keeps_its_scripts_and_is_incomplete() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["busy.site.test"]);
    opts.timeout = Duration::from_secs(3);
    let out = run("http://busy.site.test/", &opts).await;
    let capture = &out.capture;
    eprintln!(
        "busy page: scan took {} ms with a {} s page timeout",
        capture.duration_ms,
        opts.timeout.as_secs()
    );
    assert!(
        capture
            .errors
            .iter()
            .any(|e| e.kind == CaptureErrorKind::Timeout
                && e.message.starts_with(outflow_model::INCOMPLETE_BUSY)),
        "errors: {:?}",
        capture.errors
    );
    // Both scripts whose text was served are recorded with their text,
    // the spinning one included.
    for (name, text) in [
        ("http://busy.site.test/flood.js", "/generate/"),
        (
            "http://busy.site.test/spin.js",
            "collect.tracker.test/exfil",
        ),
    ] {
        let script = capture
            .scripts
            .iter()
            .find(|s| matches!(&s.origin, ScriptOrigin::External { url } if url == name))
            .unwrap_or_else(|| panic!("{name} recorded: {:?}", capture.scripts));
        let source = out
            .sources
            .get(&script.sha256)
            .unwrap_or_else(|| panic!("{name}: its source was read and kept"));
        assert!(source.contains(text), "{name}: {source}");
    }
    // The flood's requests were seen.
    assert!(
        capture
            .requests
            .iter()
            .filter(|r| r.url.contains("/generate/"))
            .count()
            > 100,
        "requests: {}",
        capture.requests.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_is_reported_with_its_hops() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["loop.site.test"]);
    opts.fill_forms = false;
    let out = run("http://loop.site.test/loop", &opts).await;
    let capture = &out.capture;
    assert!(
        capture
            .errors
            .iter()
            .any(|e| e.kind == CaptureErrorKind::RedirectLoop),
        "errors: {:?}",
        capture.errors
    );
    let hops = find(capture, |r| r.url == "http://loop.site.test/loop");
    assert!(hops.len() > 10, "each hop is recorded: {}", hops.len());
    assert_eq!(
        hops[1].redirected_from.as_deref(),
        Some(hops[0].id.as_str())
    );
    assert_eq!(hops[0].response.as_ref().map(|r| r.status), Some(302));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renderer_crash_is_reported() {
    require_chromium();
    let _lock = browser_lock();
    let opts = ScanOptions {
        fill_forms: false,
        timeout: Duration::from_secs(10),
        ..ScanOptions::default()
    };
    // Chromium's debug URL that crashes the page's renderer on purpose.
    let out = run("chrome://crash", &opts).await;
    assert!(
        out.capture
            .errors
            .iter()
            .any(|e| e.kind == CaptureErrorKind::Crash),
        "errors: {:?}",
        out.capture.errors
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_errors_are_reported_unless_ignored() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start_tls(&["tls.site.test"]);
    let mut opts = options(&server, &["tls.site.test"]);
    opts.fill_forms = false;
    let out = run("https://tls.site.test/", &opts).await;
    let error = out
        .capture
        .errors
        .iter()
        .find(|e| e.kind == CaptureErrorKind::Tls)
        .unwrap_or_else(|| panic!("no TLS error: {:?}", out.capture.errors));
    assert!(
        error.message.contains("--ignore-https-errors"),
        "{}",
        error.message
    );
    assert!(
        find(&out.capture, |r| r.url
            == "https://tls.site.test/pixel?tls=1")
        .is_empty()
    );

    opts.ignore_https_errors = true;
    let out = run("https://tls.site.test/", &opts).await;
    assert!(
        !out.capture
            .errors
            .iter()
            .any(|e| e.kind == CaptureErrorKind::Tls)
    );
    assert_eq!(
        find(&out.capture, |r| r.url
            == "https://tls.site.test/pixel?tls=1")
        .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_page_is_reported() {
    require_chromium();
    let _lock = browser_lock();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = ScanOptions {
        fill_forms: false,
        timeout: Duration::from_secs(10),
        ..ScanOptions::default()
    };
    let out = run(&format!("http://127.0.0.1:{port}/"), &opts).await;
    let error = out
        .capture
        .errors
        .iter()
        .find(|e| e.kind == CaptureErrorKind::Navigation)
        .expect("a navigation error");
    assert!(
        error.message.contains("ERR_CONNECTION_REFUSED"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_missing_chromium_says_how_to_install_it() {
    let opts = ScanOptions {
        chromium: "/nonexistent/chromium".into(),
        ..ScanOptions::default()
    };
    let error = scan("http://127.0.0.1:9/", &opts).await.unwrap_err();
    assert!(matches!(error, CaptureFailure::ChromiumMissing { .. }));
    assert!(error.to_string().contains("apt-get install chromium"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_and_popups_are_recorded_like_the_page() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(
        &server,
        &[
            "workers.site.test",
            "collect.tracker.test",
            "pixel.tracker.test",
        ],
    );
    opts.fill_forms = false;
    let out = run("http://workers.site.test/", &opts).await;
    let capture = &out.capture;
    let urls = || {
        capture
            .requests
            .iter()
            .map(|r| (&r.url, &r.worker_url, &r.initiator.kind))
            .collect::<Vec<_>>()
    };

    // The dedicated worker's own request: body, worker and initiator.
    let dedicated = "http://workers.site.test/dedicated.js";
    let sent = find(capture, |r| {
        r.url == "http://collect.tracker.test/collect?from=dedicated-worker"
    });
    assert_eq!(sent.len(), 1, "requests: {:?}", urls());
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].resource_type, "Fetch");
    assert_eq!(body(sent[0]), "dedicated-secret");
    assert_eq!(sent[0].worker_url.as_deref(), Some(dedicated));
    assert_eq!(sent[0].initiator.url.as_deref(), Some(dedicated));
    assert!(sent[0].initiator.stack.iter().any(|f| f.url == dedicated
        && f.function == "send"
        && f.script_id.as_deref().is_some_and(|id| id.starts_with('w'))));
    assert_eq!(sent[0].frame_id, None, "a worker has no frame");
    // Its main script, kept by hash, and the initiator's script id points
    // at it.
    let script = capture
        .scripts
        .iter()
        .find(|s| matches!(&s.origin, ScriptOrigin::Worker { url } if url == dedicated))
        .unwrap_or_else(|| panic!("no worker script in {:#?}", capture.scripts));
    assert_eq!(
        script.sha256,
        fixture_sha256("workers.site.test/dedicated.js")
    );
    assert!(out.sources.contains_key(&script.sha256));
    assert_eq!(
        sent[0].initiator.script_id.as_deref(),
        Some(script.id.as_str())
    );
    // The worker ran after being set up: the page heard back.
    assert_eq!(
        find(capture, |r| r.url
            == "http://workers.site.test/pixel?dedicated=sent")
        .len(),
        1,
        "requests: {:?}",
        urls()
    );

    // The shared worker likewise.
    let shared = "http://workers.site.test/shared.js";
    let sent = find(capture, |r| {
        r.url == "http://collect.tracker.test/collect?from=shared-worker"
    });
    assert_eq!(sent.len(), 1, "requests: {:?}", urls());
    assert_eq!(body(sent[0]), "shared-secret");
    assert_eq!(sent[0].worker_url.as_deref(), Some(shared));
    assert!(
        capture
            .scripts
            .iter()
            .any(|s| matches!(&s.origin, ScriptOrigin::Worker { url } if url == shared))
    );

    // The pop-up: its document, then its third-party pixel, issued by its
    // parser from its own top frame, which is marked as a pop-up.
    let popup_url = "http://workers.site.test/popup.html";
    assert!(capture.events.iter().any(|e| matches!(
        e,
        PageEvent::Popup { url } if url == popup_url
    )));
    let frame = capture
        .frames
        .iter()
        .find(|f| f.url == popup_url)
        .unwrap_or_else(|| panic!("no pop-up frame in {:#?}", capture.frames));
    assert!(frame.popup);
    assert_eq!(frame.parent_id, None);
    let main = &capture.frames[0];
    assert_eq!(main.url, "http://workers.site.test/");
    assert!(!main.popup);
    let document = find(capture, |r| r.url == popup_url);
    assert_eq!(document.len(), 1, "requests: {:?}", urls());
    assert_eq!(document[0].resource_type, "Document");
    let pixel = find(capture, |r| {
        r.url == "http://pixel.tracker.test/pixel.gif?from=popup"
    });
    assert_eq!(pixel.len(), 1, "requests: {:?}", urls());
    assert_eq!(pixel[0].resource_type, "Image");
    assert_eq!(pixel[0].initiator.kind, "parser");
    assert_eq!(pixel[0].initiator.url.as_deref(), Some(popup_url));
    assert_eq!(pixel[0].frame_id.as_deref(), Some(frame.id.as_str()));
    assert_eq!(pixel[0].worker_url, None);
    // The pop-up is instrumented too.
    let calls = capture.api_calls.as_ref().unwrap();
    let probe = calls
        .iter()
        .find(|c| c.api == "HTMLCanvasElement.toDataURL")
        .unwrap_or_else(|| panic!("no toDataURL in {calls:#?}"));
    assert_eq!(probe.script_url, popup_url);
    assert_eq!(probe.frame_url.as_deref(), Some(popup_url));
    assert_eq!(probe.arguments, vec!["21x9 image/png".to_string()]);
    // The main frame is still the page's.
    assert_eq!(
        capture.final_url.as_deref(),
        Some("http://workers.site.test/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_source_messages_are_recorded() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["sse.site.test", "stream.tracker.test"]);
    opts.fill_forms = false;
    let out = run("http://sse.site.test/", &opts).await;
    let capture = &out.capture;
    let stream = find(capture, |r| r.url == "http://stream.tracker.test/events");
    assert_eq!(stream.len(), 1, "one stream, not reconnected");
    assert_eq!(stream[0].resource_type, "EventSource");
    assert_eq!(
        stream[0].initiator.url.as_deref(),
        Some("http://sse.site.test/")
    );
    assert_eq!(stream[0].response.as_ref().map(|r| r.status), Some(200));
    let messages: Vec<(&str, Option<&str>, &str)> = stream[0]
        .event_source_messages
        .iter()
        .map(|m| {
            (
                m.event_name.as_str(),
                m.event_id.as_deref(),
                m.data.as_str(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            ("message", Some("1"), "hello-stream"),
            ("price", Some("1"), r#"{"v":42}"#),
            ("done", Some("1"), "bye"),
        ]
    );
    // The page received the same.
    assert_eq!(
        find(capture, |r| r.url
            == "http://sse.site.test/pixel?sse=hello-stream%7C%7B%22v%22%3A42%7D")
        .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirm_prompt_and_beforeunload_are_answered() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let mut opts = options(&server, &["dialogs.site.test"]);
    opts.submit = true;
    let out = run("http://dialogs.site.test/", &opts).await;
    let capture = &out.capture;
    let dialogs: Vec<(&str, &str)> = capture
        .events
        .iter()
        .filter_map(|e| match e {
            PageEvent::Dialog {
                dialog_type,
                message,
                url,
            } => {
                assert_eq!(url, "http://dialogs.site.test/");
                Some((dialog_type.as_str(), message.as_str()))
            }
            _ => None,
        })
        .collect();
    // Chromium does not pass a page's beforeunload text on.
    assert_eq!(
        dialogs,
        [
            ("confirm", "continue?"),
            ("prompt", "your name?"),
            ("beforeunload", "")
        ]
    );
    // Accepted: confirm said yes, prompt gave its default.
    assert_eq!(
        find(capture, |r| r.url
            == "http://dialogs.site.test/pixel?confirm=true&prompt=fixture-default")
        .len(),
        1
    );
    // Leaving the page was allowed: the form was sent.
    assert!(capture.submitted);
    let post = find(capture, |r| r.url == "http://dialogs.site.test/api/login");
    assert_eq!(post.len(), 1);
    assert_eq!(post[0].method, "POST");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_worker_is_recorded() {
    require_chromium();
    let _lock = browser_lock();
    // Service workers need a secure origin: HTTPS, its certificate accepted
    // with --ignore-https-errors.
    let server = support::start_tls(&["sw.site.test", "collect.tracker.test"]);
    let mut opts = options(&server, &["sw.site.test", "collect.tracker.test"]);
    opts.fill_forms = false;
    opts.ignore_https_errors = true;
    let out = run("https://sw.site.test/", &opts).await;
    let capture = &out.capture;
    let worker = "https://sw.site.test/sw.js";
    assert_eq!(
        find(capture, |r| r.url
            == "https://sw.site.test/pixel?sw=registered")
        .len(),
        1,
        "requests: {:?}",
        capture.requests.iter().map(|r| &r.url).collect::<Vec<_>>()
    );
    let sent = find(capture, |r| {
        r.url == "https://collect.tracker.test/collect?from=service-worker"
    });
    assert_eq!(
        sent.len(),
        1,
        "requests: {:?}",
        capture
            .requests
            .iter()
            .map(|r| (&r.url, &r.worker_url))
            .collect::<Vec<_>>()
    );
    assert_eq!(body(sent[0]), "service-secret");
    assert_eq!(sent[0].worker_url.as_deref(), Some(worker));
    let script = capture
        .scripts
        .iter()
        .find(|s| matches!(&s.origin, ScriptOrigin::Worker { url } if url == worker))
        .unwrap_or_else(|| panic!("no service worker script in {:#?}", capture.scripts));
    assert_eq!(script.sha256, fixture_sha256("sw.site.test/sw.js"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_an_english_sign_in_link_to_a_form_in_an_iframe() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let opts = options(&server, &["signin.site.test", "auth.widget.test"]);
    let out = run("http://signin.site.test/", &opts).await;
    let capture = &out.capture;
    assert_eq!(
        capture.final_url.as_deref(),
        Some("http://signin.site.test/account/login.html")
    );
    let form = "http://auth.widget.test/form.html";
    let email = capture
        .canaries
        .iter()
        .find(|c| c.kind == CanaryKind::Email)
        .unwrap_or_else(|| {
            panic!(
                "no e-mail canary: {:?} {:?}",
                capture.canaries, capture.errors
            )
        });
    assert_eq!(email.frame_url, form);
    assert_eq!(email.field, "input[type=email][name=user]#user");
    let password = capture
        .canaries
        .iter()
        .find(|c| c.kind == CanaryKind::Password)
        .expect("a password canary");
    assert_eq!(password.frame_url, form);
    // The iframe's own script sent the typed value, from the iframe.
    let sent = format!(
        "http://auth.widget.test/pixel?u={}",
        email.value.replace('@', "%40")
    );
    let pixel = find(capture, |r| r.url == sent);
    assert_eq!(pixel.len(), 1);
    let frame = capture
        .frames
        .iter()
        .find(|f| f.url == form)
        .expect("the iframe is a frame");
    assert!(frame.parent_id.is_some());
    assert_eq!(pixel[0].frame_id.as_deref(), Some(frame.id.as_str()));
    assert_eq!(pixel[0].initiator.url.as_deref(), Some(form));
}
