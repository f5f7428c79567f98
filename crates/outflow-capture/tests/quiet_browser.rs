//! The browser outflow starts contacts no host the page did not cause.
//!
//! Every host name is mapped to loopback: the fixture site's names to the
//! fixture server, every other name (`*`) to a logging server that records
//! the host each connection asked for (the `Host` header of plain HTTP, the
//! target of a `CONNECT`, the server name of a TLS handshake) and hangs up.
//! A login page is scanned with a password typed and submitted (which is
//! what triggers Chromium's leaked-password check); every host either
//! server saw must be in the capture.

mod support;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use outflow_capture::{HostMapping, ScanOptions, TypingPace, scan};
use outflow_testkit::{browser_lock, require_chromium};

/// A loopback server logging the host every connection names.
struct HostLog {
    port: u16,
    hosts: Arc<Mutex<BTreeSet<String>>>,
    stop: Arc<AtomicBool>,
}

impl HostLog {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let hosts: Arc<Mutex<BTreeSet<String>>> = Arc::default();
        let stop: Arc<AtomicBool> = Arc::default();
        let (log, stopped) = (hosts.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let log = log.clone();
                        std::thread::spawn(move || {
                            let host = requested_host(stream)
                                .unwrap_or_else(|| "<unreadable>".to_string());
                            log.lock().unwrap().insert(host);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        HostLog { port, hosts, stop }
    }

    fn hosts(&self) -> BTreeSet<String> {
        self.hosts.lock().unwrap().clone()
    }
}

impl Drop for HostLog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The host a connection's first bytes name: TLS server name, `CONNECT`
/// target or `Host` header, without the port.
fn requested_host(mut stream: TcpStream) -> Option<String> {
    let _ = stream.set_nonblocking(false);
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = vec![0u8; 16384];
    let mut len = 0;
    while len < buf.len() {
        let n = stream.read(&mut buf[len..]).ok()?;
        if n == 0 {
            break;
        }
        len += n;
        let data = &buf[..len];
        if data[0] == 0x16 {
            if let Some(name) = tls_server_name(data) {
                return Some(name);
            }
        } else if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]);
            let mut lines = head.lines();
            let first = lines.next().unwrap_or_default();
            if let Some(target) = first.strip_prefix("CONNECT ") {
                return Some(strip_port(target.split_whitespace().next()?));
            }
            return lines
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(n, _)| n.eq_ignore_ascii_case("host"))
                })
                .map(|(_, v)| strip_port(v.trim()));
        }
    }
    None
}

fn strip_port(host: &str) -> String {
    host.rsplit_once(':')
        .map_or(host, |(h, _)| h)
        .to_ascii_lowercase()
}

/// The server_name extension of a TLS ClientHello record, once complete.
fn tls_server_name(data: &[u8]) -> Option<String> {
    let record_len = usize::from(u16::from_be_bytes([*data.get(3)?, *data.get(4)?]));
    let hello = data.get(5..5 + record_len)?;
    // handshake type, 3-byte length, version, random
    let mut at = 4 + 2 + 32;
    let session = usize::from(*hello.get(at)?);
    at += 1 + session;
    let suites = usize::from(u16::from_be_bytes([*hello.get(at)?, *hello.get(at + 1)?]));
    at += 2 + suites;
    let compression = usize::from(*hello.get(at)?);
    at += 1 + compression;
    let extensions_end =
        at + 2 + usize::from(u16::from_be_bytes([*hello.get(at)?, *hello.get(at + 1)?]));
    at += 2;
    while at + 4 <= extensions_end {
        let kind = u16::from_be_bytes([*hello.get(at)?, *hello.get(at + 1)?]);
        let len = usize::from(u16::from_be_bytes([
            *hello.get(at + 2)?,
            *hello.get(at + 3)?,
        ]));
        let body = hello.get(at + 4..at + 4 + len)?;
        if kind == 0 {
            // list length (2), name type (1), name length (2), name
            let name_len = usize::from(u16::from_be_bytes([*body.get(3)?, *body.get(4)?]));
            return Some(String::from_utf8_lossy(body.get(5..5 + name_len)?).to_ascii_lowercase());
        }
        at += 4 + len;
    }
    Some("<tls without a server name>".to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_contacts_no_host_the_page_did_not_cause() {
    require_chromium();
    let _lock = browser_lock();
    let server = support::start();
    let log = HostLog::start();
    let site = [
        "login.site.test",
        "cdn.tracker.test",
        "collect.tracker.test",
        "pixel.tracker.test",
        "cmpassport.com",
        "widget.test",
    ];
    let mut mappings: Vec<HostMapping> = site.iter().map(|h| server.host_mapping(h)).collect();
    mappings.push(HostMapping::parse(&format!("*=127.0.0.1:{}", log.port)).unwrap());
    let options = ScanOptions {
        mappings,
        timeout: Duration::from_secs(20),
        submit: true,
        pace: TypingPace {
            max_hold: Duration::from_millis(20),
            max_gap: Duration::from_millis(30),
        },
        ..ScanOptions::default()
    };
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        scan("http://login.site.test/", &options),
    )
    .await
    .expect("the scan finished within two minutes")
    .expect("the scan started");
    let capture = &out.capture;
    assert!(capture.submitted, "the password was submitted");
    assert!(
        capture
            .canaries
            .iter()
            .any(|c| c.kind == outflow_model::CanaryKind::Password),
        "a password was typed"
    );
    let captured: BTreeSet<String> = capture
        .requests
        .iter()
        .filter_map(|r| outflow_model::host_of(&r.url))
        .collect();
    let mut seen = log.hosts();
    seen.extend(server.received().iter().map(|r| strip_port(&r.host())));
    assert!(seen.contains("login.site.test"), "{seen:?}");
    let unexplained: Vec<&String> = seen.iter().filter(|h| !captured.contains(*h)).collect();
    assert!(
        unexplained.is_empty(),
        "the browser contacted hosts the page did not cause (not in the capture): \
         {unexplained:?}; captured: {captured:?}"
    );
}
