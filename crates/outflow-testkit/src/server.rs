//! One loopback HTTP/1.1 fixture server for every test that loads pages.
//!
//! It listens on 127.0.0.1 only, on an ephemeral port; tests send the pages'
//! host names there with `--map-host`. Each connection is read request by
//! request (Chromium keeps connections alive) and each request is answered by
//! the test's handler, which sees the request and the connection (for the
//! handlers that take it over: WebSockets, event streams, hanging pages).
//! Every request is logged for the test to read back. Over TLS, the
//! certificate is self-signed for the hosts given (no browser trusts it).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Largest request body read (the rest of a longer one is not read, and the
/// connection is then out of step and closes).
const MAX_BODY: usize = 16 << 20;

/// Most requests the log keeps: a page that loops on a beacon must not
/// exhaust the test's memory.
const MAX_LOGGED: usize = 100_000;

/// How long an idle connection stays open, unless the test says otherwise.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// One HTTP request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target, query included.
    pub target: String,
    /// Headers in the order sent, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, at most 16 MiB of it.
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value (the last of repeated ones), empty when absent.
    pub fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The host name asked for, without its port.
    pub fn host(&self) -> String {
        let host = self.header("host");
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name.to_string(),
            _ => host,
        }
    }

    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }
}

/// What a handler does with a request.
pub enum Reply {
    /// Write these bytes (a whole HTTP response) and read the next request.
    Send(Vec<u8>),
    /// Write these bytes and close the connection.
    Close(Vec<u8>),
    /// The handler took the connection over (a WebSocket, an event stream):
    /// the connection closes.
    Done,
}

/// Plain TCP or TLS, for the connection.
trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// One client connection, buffered for reading, as handlers see it.
pub struct Connection {
    reader: BufReader<Box<dyn Stream>>,
    stop: Arc<AtomicBool>,
}

impl Connection {
    /// Whether the server was dropped: handlers that hold a connection open
    /// (pages that never answer) end when it is.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

impl Read for Connection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

impl Write for Connection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.reader.get_mut().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.reader.get_mut().flush()
    }
}

/// A handler: called for every request, on that connection's thread.
type Handler = dyn Fn(&Request, &mut Connection) -> Reply + Send + Sync;

/// The running server; stops accepting when dropped.
pub struct FixtureServer {
    /// Where it listens.
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

/// How a [`FixtureServer`] starts: idle timeout and TLS.
pub struct Builder {
    read_timeout: Duration,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Builder {
    /// Closes a connection idle for `timeout` (10 s by default).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Speaks HTTPS, with a self-signed certificate for `hosts`.
    pub fn tls(mut self, hosts: &[&str]) -> Self {
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
        self.tls = Some(Arc::new(config));
        self
    }

    /// Listens on 127.0.0.1, answering each request with `handler`.
    pub fn start<F>(self, handler: F) -> FixtureServer
    where
        F: Fn(&Request, &mut Connection) -> Reply + Send + Sync + 'static,
    {
        let handler: Arc<Handler> = Arc::new(handler);
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let server = FixtureServer {
            addr,
            log: Arc::default(),
            stop: Arc::default(),
        };
        let (log, stop) = (server.log.clone(), server.stop.clone());
        let (read_timeout, tls) = (self.read_timeout, self.tls);
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (handler, log, stop, tls) =
                            (handler.clone(), log.clone(), stop.clone(), tls.clone());
                        std::thread::spawn(move || {
                            let Some(stream) = open(stream, read_timeout, tls) else {
                                return;
                            };
                            let mut connection = Connection {
                                reader: BufReader::new(stream),
                                stop,
                            };
                            serve(&mut connection, &*handler, &log);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        server
    }
}

impl FixtureServer {
    /// A plain HTTP server with a 10 s idle timeout; see [`Builder`] for more.
    pub fn builder() -> Builder {
        Builder {
            read_timeout: READ_TIMEOUT,
            tls: None,
        }
    }

    /// Plain HTTP, 10 s idle timeout, answering with `handler`.
    pub fn start<F>(handler: F) -> Self
    where
        F: Fn(&Request, &mut Connection) -> Reply + Send + Sync + 'static,
    {
        Self::builder().start(handler)
    }

    /// The `--map-host` value sending host names matching `pattern` (`host`
    /// or `*.domain`) here.
    pub fn mapping(&self, pattern: &str) -> String {
        format!("{pattern}={}", self.addr)
    }

    /// [`FixtureServer::mapping`], parsed as a scan option.
    #[cfg(feature = "browser")]
    pub fn host_mapping(&self, pattern: &str) -> outflow_capture::HostMapping {
        outflow_capture::HostMapping::parse(&self.mapping(pattern)).expect("a host mapping")
    }

    /// Requests received so far, in the order read.
    pub fn received(&self) -> Vec<Request> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// Forgets the requests received so far (between rounds of a benchmark).
    pub fn clear_received(&self) {
        if let Ok(mut log) = self.log.lock() {
            log.clear();
        }
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn open(
    stream: TcpStream,
    read_timeout: Duration,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Option<Box<dyn Stream>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(read_timeout));
    match tls {
        None => Some(Box::new(stream)),
        Some(config) => {
            let connection = rustls::ServerConnection::new(config).ok()?;
            Some(Box::new(rustls::StreamOwned::new(connection, stream)))
        }
    }
}

fn serve(connection: &mut Connection, handler: &Handler, log: &Mutex<Vec<Request>>) {
    while let Some(request) = read_request(&mut connection.reader) {
        if let Ok(mut log) = log.lock()
            && log.len() < MAX_LOGGED
        {
            log.push(request.clone());
        }
        match handler(&request, connection) {
            Reply::Send(response) => {
                if connection.write_all(&response).is_err() || connection.flush().is_err() {
                    return;
                }
            }
            Reply::Close(response) => {
                let _ = connection.write_all(&response);
                let _ = connection.flush();
                return;
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
    let mut headers = Vec::new();
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
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    let length = request
        .header("content-length")
        .parse::<usize>()
        .unwrap_or(0)
        .min(MAX_BODY);
    request.body = vec![0; length];
    reader.read_exact(&mut request.body).ok()?;
    Some(request)
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

/// A fixture file: `<root>/<host>/<path>`, with its content type.
pub struct StaticFile {
    /// `text/html; charset=utf-8`, `application/javascript`, or
    /// `application/octet-stream`, by extension.
    pub content_type: &'static str,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The file `host` serves at `path` from `root` (a folder per host name; a
/// folder or a path ending in `/` meaning its `index.html`); `None` when
/// there is none or the path climbs out of the host's folder.
pub fn static_file(root: &Path, host: &str, path: &str) -> Option<StaticFile> {
    let mut file = PathBuf::from(root);
    file.push(host);
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            _ => return None,
        }
    }
    if path.ends_with('/') || file.is_dir() {
        file.push("index.html");
    }
    let bytes = std::fs::read(&file).ok()?;
    let content_type = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "application/javascript",
        _ => "application/octet-stream",
    };
    Some(StaticFile {
        content_type,
        bytes,
    })
}
