//! What the Chromium tests of history, watch, policy and integrity share:
//! a loopback site that serves a fixture folder (and a webhook receiver) on
//! the test kit's server, and running the outflow binary.

#![allow(dead_code)] // Each test file uses its own part of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use outflow_testkit::{FixtureServer, Reply, Request, response, static_file};

pub fn fixtures() -> PathBuf {
    outflow_testkit::fixture_dir("watch")
}

/// One request as a loopback server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The target without its query.
    pub path: String,
    pub body: Vec<u8>,
}

/// A loopback site: serves `<root>/<host>/<path>` with the headers of
/// `<root>/headers.txt`, or answers `/hook` with 500 for the first
/// `failures` requests and 204 after. One request per connection.
pub struct Server {
    pub addr: std::net::SocketAddr,
    root: Arc<Mutex<PathBuf>>,
    server: FixtureServer,
}

impl Server {
    pub fn start(root: PathBuf, failures: usize) -> Server {
        let root = Arc::new(Mutex::new(root));
        let hooks = AtomicUsize::new(0);
        let serving = root.clone();
        let server = FixtureServer::start(move |request, _| {
            let root = serving.lock().unwrap().clone();
            Reply::Close(answer(request, &root, &hooks, failures))
        });
        Server {
            addr: server.addr,
            root,
            server,
        }
    }

    pub fn mapping(&self, host: &str) -> String {
        self.server.mapping(host)
    }

    pub fn switch_to(&self, root: PathBuf) {
        *self.root.lock().unwrap() = root;
    }

    pub fn received(&self) -> Vec<Received> {
        self.server
            .received()
            .into_iter()
            .map(|r| Received {
                path: r.path().to_string(),
                body: r.body,
            })
            .collect()
    }
}

fn answer(request: &Request, root: &Path, hooks: &AtomicUsize, failures: usize) -> Vec<u8> {
    const CLOSE: (&str, &str) = ("Connection", "close");
    let path = request.path();
    if path == "/hook" {
        return if hooks.fetch_add(1, Ordering::SeqCst) < failures {
            response("500 Internal Server Error", &[CLOSE], b"down")
        } else {
            response("204 No Content", &[CLOSE], b"")
        };
    }
    if path.contains("..") {
        return response("400 Bad Request", &[CLOSE], b"");
    }
    let host = request.host();
    let Some(file) = static_file(root, &host, path) else {
        return response("404 Not Found", &[CLOSE], b"not found");
    };
    let listed = std::fs::read_to_string(root.join("headers.txt")).unwrap_or_default();
    let key = format!("{host}{path}");
    let mut headers = vec![CLOSE, ("Content-Type", file.content_type)];
    headers.extend(
        listed
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(at, _)| *at == key)
            .filter_map(|(_, header)| header.split_once(':'))
            .map(|(name, value)| (name, value.trim())),
    );
    response("200 OK", &headers, &file.bytes)
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
