//! A small HTTP/1.1 server for the demo site, on 127.0.0.1 only.
//!
//! It answers by the request's `Host` header: a file of the site when there
//! is one, a 1×1 GIF for other `GET`s (tracking pixels), and `204 No
//! Content` for anything else (beacons, form posts, collectors). Every
//! connection is closed after one answer; reads are bounded in size and
//! time, since the browser runs pages that are hostile by design.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body read (the rest is ignored).
const MAX_BODY_BYTES: usize = 1 << 20;
/// How long a connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

const PIXEL_GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// Why the demo site could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Binding the loopback port failed.
    #[error("starting the demo site on 127.0.0.1: {0}")]
    Bind(#[from] std::io::Error),
}

/// The running demo site; stops when dropped.
pub struct DemoSite {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DemoSite {
    /// Starts serving on an ephemeral port of 127.0.0.1.
    pub fn start() -> Result<Self, ServerError> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        // Non-blocking accepts let the thread notice `stop` promptly.
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("outflow-demo-site".into())
            .spawn(move || accept_loop(listener, stopping))?;
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address every demo host name must be mapped to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for DemoSite {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: TcpListener, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = std::thread::Builder::new()
                    .name("outflow-demo-conn".into())
                    .spawn(move || {
                        if let Err(error) = serve(stream) {
                            tracing::debug!("demo site connection: {error}");
                        }
                    });
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(error) => {
                tracing::warn!("demo site: {error}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut head_bytes = 0usize;
    let mut request_line = String::new();
    head_bytes += reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut host = String::new();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line)?;
        head_bytes += read;
        if read == 0 || line == "\r\n" || line == "\n" || head_bytes > MAX_HEAD_BYTES {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("host") {
                host = value.rsplit_once(':').map_or(value, |(h, _)| h).to_string();
            } else if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().unwrap_or(0);
            }
        }
    }
    // Drain the body so the browser sees its request accepted.
    let mut body = Vec::new();
    let _ = reader
        .by_ref()
        .take(content_length.min(MAX_BODY_BYTES) as u64)
        .read_to_end(&mut body);
    let (status, content_type, bytes): (&str, &str, &[u8]) = match crate::site_file(&host, &target)
    {
        Some(bytes) if method == "GET" || method == "HEAD" => {
            ("200 OK", content_type(&target), bytes)
        }
        _ if method == "GET" => ("200 OK", "image/gif", PIXEL_GIF),
        _ => ("204 No Content", "text/plain", b""),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        bytes.len()
    )?;
    if method != "HEAD" {
        stream.write_all(bytes)?;
    }
    stream.flush()
}

fn content_type(path: &str) -> &'static str {
    let path = path.split(['?', '#']).next().unwrap_or("");
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("gif") => "image/gif",
        Some("json") => "application/json",
        _ if path.ends_with('/') => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(addr: SocketAddr, host: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}:80\r\n\r\n").unwrap();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).unwrap();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn serves_site_files_by_host_and_pixels_otherwise() {
        let site = DemoSite::start().unwrap();
        let page = get(site.addr(), "www.quietgarden.test", "/index.html");
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("Quiet Garden"));
        let pixel = get(site.addr(), "t.adnexus-pixel.test", "/collect?x=1");
        assert!(pixel.contains("image/gif"));
    }

    #[test]
    fn every_page_is_in_the_embedded_site() {
        for page in crate::PAGES {
            let rest = page.url.strip_prefix("http://").unwrap();
            let (host, path) = rest.split_once('/').unwrap();
            assert!(
                crate::site_file(host, &format!("/{path}")).is_some(),
                "{}",
                page.url
            );
        }
    }
}
