//! What the real-Chromium tests of the detection rules share: a loopback
//! server for `fixtures/detect/sites/<host>/<path>` that every mapped host
//! name reaches (each test says how it answers), the lock that keeps one
//! Chromium at a time across test processes, and a bounded scan that fails
//! saying to run scripts/setup when Chromium is missing.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use outflow_capture::{HostMapping, ScanOptions, chromium_path, scan};
use outflow_model::Capture;

/// Largest request body the server reads.
const MAX_BODY: usize = 1 << 20;

/// The fixture sites, one folder per host name.
pub fn sites_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/detect/sites")
}

/// One HTTP request as the server read it.
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target, query included.
    pub target: String,
    /// Headers by lower-case name (the last of repeated ones).
    pub headers: BTreeMap<String, String>,
    /// The body, at most [`MAX_BODY`] bytes of it.
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value, empty when absent.
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).cloned().unwrap_or_default()
    }

    /// The host name asked for, without its port.
    pub fn host(&self) -> String {
        self.header("host")
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }
}

/// What a test's handler does with a request.
pub enum Reply {
    /// Write these bytes (a whole HTTP response) and read the next request.
    Send(Vec<u8>),
    /// The handler took the connection over (a WebSocket): stop here.
    Done,
}

/// A handler: called for every request, with the connection for handlers
/// that take it over.
type Handler = dyn Fn(Request, &mut BufReader<TcpStream>) -> Reply + Send + Sync;

/// The loopback server. Stops accepting when dropped.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Listens on 127.0.0.1, answering each request with `handler`; an idle
    /// connection is closed after `read_timeout`.
    pub fn start<F>(read_timeout: Duration, handler: F) -> Self
    where
        F: Fn(Request, &mut BufReader<TcpStream>) -> Reply + Send + Sync + 'static,
    {
        let handler: Arc<Handler> = Arc::new(handler);
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let handler = handler.clone();
                        std::thread::spawn(move || serve(stream, read_timeout, &*handler));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self { addr, stop }
    }

    /// Sends host names matching `pattern` (`host` or `*.domain`) here.
    pub fn mapping(&self, pattern: &str) -> HostMapping {
        HostMapping::parse(&format!("{pattern}={}", self.addr)).expect("a host mapping")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(stream: TcpStream, read_timeout: Duration, handler: &Handler) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(read_timeout));
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        match handler(request, &mut reader) {
            Reply::Send(response) => {
                if std::io::Write::write_all(reader.get_mut(), &response).is_err() {
                    return;
                }
            }
            Reply::Done => return,
        }
    }
}

/// The next request on the connection; `None` when it closed or broke off.
fn read_request<S: Read>(reader: &mut BufReader<S>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

/// The fixture file `host` serves at `path` (`/` meaning `/index.html`),
/// with its content type; `None` when there is none or the path climbs out
/// of the host's folder.
pub fn fixture_file(host: &str, path: &str) -> Option<(&'static str, Vec<u8>)> {
    let path = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let safe = Path::new(&path)
        .components()
        .all(|c| !matches!(c, Component::ParentDir));
    let file = sites_root().join(host).join(path.trim_start_matches('/'));
    let bytes = safe.then(|| std::fs::read(&file)).and_then(Result::ok)?;
    let kind = if path.ends_with(".js") {
        "text/javascript"
    } else {
        "text/html; charset=utf-8"
    };
    Some((kind, bytes))
}

/// A whole HTTP/1.1 response with a body, `Content-Length` added.
pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// One Chromium at a time across test processes (the same lock file as
/// outflow-capture's browser tests).
pub fn browser_lock() -> File {
    let path = std::env::temp_dir().join("outflow-capture-tests.lock");
    let file = File::create(&path).expect("creating the test lock file");
    file.lock().expect("locking the test lock file");
    file
}

/// Fails the test, saying to run scripts/setup, when Chromium is missing.
pub fn require_chromium() {
    let chromium = chromium_path();
    assert!(
        chromium.is_file(),
        "Chromium is missing at {}: run scripts/setup (it installs Debian's chromium package)",
        chromium.display()
    );
}

/// Scans `url` in Chromium, failing the test past `limit`; the capture and
/// the script bodies by SHA-256.
pub async fn scan_page(
    url: &str,
    options: &ScanOptions,
    limit: Duration,
) -> (Capture, BTreeMap<String, String>) {
    require_chromium();
    let out = tokio::time::timeout(limit, scan(url, options))
        .await
        .unwrap_or_else(|_| panic!("the scan of {url} did not finish within {limit:?}"))
        .expect("the scan started");
    (out.capture, out.sources)
}
