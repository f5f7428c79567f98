//! A tiny HTTP/1.1 server for fixture sites, on 127.0.0.1 only.
//!
//! Files are served from `fixtures/sites/<host>/<path>`, the host being the
//! request's `Host` header without the port: with `--map-host`, a page can
//! load `http://cdn.tracker.test/t.js` from `fixtures/sites/cdn.tracker.test/t.js`.
//! Every request received is recorded, so tests can check the capture
//! against what really reached the server. Paths `/generate/N` answer with
//! a tiny GIF (for many-request pages); `/slow` never answers; `/loop`
//! redirects to itself; `/events` is a server-sent event stream.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub host: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A running fixture server; stops when dropped.
pub struct FixtureServer {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

impl FixtureServer {
    /// Serves `fixtures/sites` of the workspace on an ephemeral port.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Like [`FixtureServer::start`], over HTTPS with a self-signed
    /// certificate for `hosts` (which no browser trusts).
    pub fn start_tls(hosts: &[&str]) -> Self {
        let names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        let certified =
            rcgen::generate_simple_self_signed(names).expect("a self-signed certificate");
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .expect("server certificate");
        Self::start_with(Some(Arc::new(config)))
    }

    fn start_with(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sites");
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let received = received.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let root = root.clone();
                            let received = received.clone();
                            let stop = stop.clone();
                            let tls = tls.clone();
                            let _ = stream.set_nonblocking(false);
                            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                            std::thread::spawn(move || match tls {
                                None => serve(stream, &root, &received, &stop),
                                Some(config) => {
                                    let Ok(connection) = rustls::ServerConnection::new(config)
                                    else {
                                        return;
                                    };
                                    let stream = rustls::StreamOwned::new(connection, stream);
                                    serve(stream, &root, &received, &stop);
                                }
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
        }
        Self {
            addr,
            received,
            stop,
        }
    }

    /// The `--map-host` value sending `host` here.
    pub fn mapping(&self, host: &str) -> String {
        format!("{host}={}", self.addr)
    }

    /// Requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve<S: Read + Write>(
    stream: S,
    root: &Path,
    received: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
) {
    let mut reader = BufReader::new(stream);
    // Keep-alive: Chromium reuses connections.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or("/").to_string();
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let length: usize = header("content-length").parse().unwrap_or(0).min(16 << 20);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let host = header("host");
        let host = host
            .rsplit_once(':')
            .map(|(h, _)| h.to_string())
            .unwrap_or(host);
        let path = target.split('?').next().unwrap_or("/").to_string();
        received.lock().unwrap().push(Received {
            method: method.clone(),
            host: host.clone(),
            path: target.clone(),
            headers: headers.clone(),
            body,
        });
        if header("upgrade").eq_ignore_ascii_case("websocket") {
            websocket(reader, &header("sec-websocket-key"));
            return;
        }
        if method == "OPTIONS" {
            // A CORS preflight: allow everything.
            let head = "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n\
                        Access-Control-Allow-Methods: POST, GET\r\n\
                        Access-Control-Allow-Headers: content-type\r\nContent-Length: 0\r\n\r\n";
            if reader.get_mut().write_all(head.as_bytes()).is_err() {
                return;
            }
            continue;
        }
        if path == "/events" {
            event_stream(reader);
            return;
        }
        if path == "/slow" {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            return;
        }
        let (status, content_type, extra, content) = respond(root, &host, &path);
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n{extra}\r\n",
            content.len()
        );
        let stream = reader.get_mut();
        if stream.write_all(head.as_bytes()).is_err()
            || stream.write_all(&content).is_err()
            || stream.flush().is_err()
        {
            return;
        }
    }
}

/// A server-sent event stream of three events (a plain message with an id,
/// a named `price` event, and `done`), kept open until the page closes it.
fn event_stream<S: Read + Write>(mut reader: BufReader<S>) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
                Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n";
    let events =
        "id: 1\ndata: hello-stream\n\nevent: price\ndata: {\"v\":42}\n\nevent: done\ndata: bye\n\n";
    let stream = reader.get_mut();
    if stream.write_all(head.as_bytes()).is_err()
        || stream.write_all(events.as_bytes()).is_err()
        || stream.flush().is_err()
    {
        return;
    }
    // Until the browser hangs up (or the read times out).
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
}

/// A WebSocket that answers each text message with `echo:` + the message.
fn websocket<S: Read + Write>(mut reader: BufReader<S>, key: &str) {
    use base64::Engine as _;
    use sha1::{Digest, Sha1};
    let accept = base64::engine::general_purpose::STANDARD.encode(Sha1::digest(
        format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes(),
    ));
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if reader.get_mut().write_all(head.as_bytes()).is_err() {
        return;
    }
    loop {
        let mut first = [0u8; 2];
        if reader.read_exact(&mut first).is_err() {
            return;
        }
        let opcode = first[0] & 0x0f;
        let mut length = u64::from(first[1] & 0x7f);
        if length == 126 {
            let mut ext = [0u8; 2];
            if reader.read_exact(&mut ext).is_err() {
                return;
            }
            length = u64::from(u16::from_be_bytes(ext));
        } else if length == 127 {
            let mut ext = [0u8; 8];
            if reader.read_exact(&mut ext).is_err() {
                return;
            }
            length = u64::from_be_bytes(ext);
        }
        if length > 1 << 20 {
            return;
        }
        let mut mask = [0u8; 4];
        if first[1] & 0x80 != 0 && reader.read_exact(&mut mask).is_err() {
            return;
        }
        let mut payload = vec![0u8; length as usize];
        if reader.read_exact(&mut payload).is_err() {
            return;
        }
        for (i, byte) in payload.iter_mut().enumerate() {
            *byte ^= mask[i % 4];
        }
        if opcode == 8 {
            return;
        }
        if opcode != 1 {
            continue;
        }
        let reply = [b"echo:".as_slice(), &payload].concat();
        if reply.len() > 125 {
            continue;
        }
        let mut frame = vec![0x81, reply.len() as u8];
        frame.extend_from_slice(&reply);
        if reader.get_mut().write_all(&frame).is_err() {
            return;
        }
    }
}

fn respond(root: &Path, host: &str, path: &str) -> (&'static str, &'static str, String, Vec<u8>) {
    if path == "/loop" {
        return (
            "302 Found",
            "text/plain",
            "Location: /loop\r\n".to_string(),
            Vec::new(),
        );
    }
    if path.starts_with("/generate/") || path.ends_with(".gif") || path.starts_with("/pixel") {
        return ("200 OK", "image/gif", String::new(), GIF.to_vec());
    }
    if path.starts_with("/collect") || path.starts_with("/api/") {
        return ("204 No Content", "text/plain", String::new(), Vec::new());
    }
    let mut file = PathBuf::from(root);
    file.push(host);
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            _ => return ("404 Not Found", "text/plain", String::new(), b"no".to_vec()),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let Ok(content) = std::fs::read(&file) else {
        return (
            "404 Not Found",
            "text/plain",
            String::new(),
            b"not found".to_vec(),
        );
    };
    let content_type = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "application/javascript",
        _ => "application/octet-stream",
    };
    let extra = if content_type.starts_with("text/html") && host == "login.site.test" {
        "Content-Security-Policy: default-src * 'unsafe-inline' 'unsafe-eval' data: blob:\r\n\
         X-Content-Type-Options: nosniff\r\nSet-Cookie: session=fixture123; Path=/; HttpOnly\r\n"
            .to_string()
    } else {
        String::new()
    };
    ("200 OK", content_type, extra, content)
}
