//! What the Chromium tests of history, watch, policy and integrity share:
//! a loopback site that serves a fixture folder (and a webhook receiver),
//! the browser lock, and running the outflow binary.

#![allow(dead_code)] // Each test file uses its own part of it.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/watch")
}

/// One request as a loopback server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub body: Vec<u8>,
}

/// A loopback HTTP/1.1 server: serves `<root>/<host>/<path>` with the
/// headers of `<root>/headers.txt`, or answers `/hook` with 500 for the
/// first `failures` requests and 204 after. One request per connection.
pub struct Server {
    pub addr: SocketAddr,
    root: Arc<Mutex<PathBuf>>,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(root: PathBuf, failures: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().unwrap();
        let root = Arc::new(Mutex::new(root));
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let hooks = Arc::new(AtomicUsize::new(0));
        {
            let (root, received, stop) = (root.clone(), received.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (root, received, hooks) =
                                (root.clone(), received.clone(), hooks.clone());
                            std::thread::spawn(move || {
                                let root = root.lock().unwrap().clone();
                                serve(stream, &root, &received, &hooks, failures);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
        }
        Server {
            addr,
            root,
            received,
            stop,
        }
    }

    pub fn mapping(&self, host: &str) -> String {
        format!("{host}={}", self.addr)
    }

    pub fn switch_to(&self, root: PathBuf) {
        *self.root.lock().unwrap() = root;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

pub fn serve(
    stream: TcpStream,
    root: &Path,
    received: &Mutex<Vec<Received>>,
    hooks: &AtomicUsize,
    failures: usize,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (mut host, mut length) = (String::new(), 0usize);
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
            match name.trim().to_ascii_lowercase().as_str() {
                "host" => host = value.trim().split(':').next().unwrap_or("").to_string(),
                "content-length" => length = value.trim().parse().unwrap_or(0).min(1 << 20),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let path = target.split('?').next().unwrap_or("/").to_string();
    received.lock().unwrap().push(Received {
        path: path.clone(),
        body,
    });
    let mut stream = reader.into_inner();
    let answer = |stream: &mut TcpStream, status: &str, headers: &[String], body: &[u8]| {
        let mut head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        for header in headers {
            head.push_str(header);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    if path == "/hook" {
        if hooks.fetch_add(1, Ordering::SeqCst) < failures {
            answer(&mut stream, "500 Internal Server Error", &[], b"down");
        } else {
            answer(&mut stream, "204 No Content", &[], b"");
        }
        return;
    }
    let file = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    if file.contains("..") {
        answer(&mut stream, "400 Bad Request", &[], b"");
        return;
    }
    match std::fs::read(root.join(&host).join(file.trim_start_matches('/'))) {
        Ok(bytes) => {
            let kind = if file.ends_with(".js") {
                "application/javascript"
            } else {
                "text/html"
            };
            let mut headers = vec![format!("Content-Type: {kind}")];
            let listed = std::fs::read_to_string(root.join("headers.txt")).unwrap_or_default();
            let key = format!("{host}{path}");
            headers.extend(
                listed
                    .lines()
                    .filter_map(|l| l.split_once(' '))
                    .filter(|(at, _)| *at == key)
                    .map(|(_, header)| header.to_string()),
            );
            answer(&mut stream, "200 OK", &headers, &bytes);
        }
        Err(_) => answer(&mut stream, "404 Not Found", &[], b"not found"),
    }
}

/// One Chromium at a time across test processes (shared with the capture
/// tests' lock): two cores.
pub fn browser_lock() -> File {
    let path = std::env::temp_dir().join("outflow-capture-tests.lock");
    let file = File::create(&path).expect("creating the test lock file");
    file.lock().expect("locking the test lock file");
    file
}

pub fn require_chromium() {
    let path = outflow_capture::chromium_path();
    assert!(
        path.is_file(),
        "Chromium is missing at {}: run scripts/setup (it installs Debian's chromium package)",
        path.display()
    );
}

pub fn outflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
        .args(args)
        .env_remove("OUTFLOW_DB")
        .output()
        .expect("outflow runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// `outflow scan URL --db DB --no-intel --no-forms --timeout 20` with the
/// site's hosts mapped to `site`, then `extra`.
pub fn scan(site: &Server, hosts: &[&str], url: &str, db: &str, extra: &[&str]) -> Output {
    let mut args: Vec<String> = [
        "scan",
        url,
        "--db",
        db,
        "--no-intel",
        "--no-forms",
        "--timeout",
        "20",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for host in hosts {
        args.extend(["--map-host".to_string(), site.mapping(host)]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    outflow(&args)
}
