//! Fixture sites for the crawl tests: one loopback server (the test kit's)
//! answering for every host name, each page after a configurable delay, one
//! host hanging while told to, optionally a tracker host whose script every
//! fifth site loads; and outflow run in its own process group.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use outflow_testkit::server::{Connection, FixtureServer, Reply, Request, response};

/// The site whose page hangs while [`Sites::hang`] is set.
pub const HANGING: &str = "site05.interrupt.test";
/// How long every other page takes to answer, by default.
pub const PAGE_DELAY: Duration = Duration::from_millis(700);

/// A third-party host serving a script (at `/fp.js`, anything else there is
/// an empty pixel), which the page of every fifth site loads.
#[derive(Clone)]
pub struct Tracker {
    /// Its host name, e.g. `cdn.tracker.test`.
    pub host: String,
    /// The script it serves.
    pub script: String,
}

/// What the server answers besides the plain pages.
#[derive(Clone)]
pub struct Serving {
    /// How long every page takes to answer (before [`HANGING`] hangs).
    pub page_delay: Duration,
    /// The tracker host, if any.
    pub tracker: Option<Tracker>,
}

impl Default for Serving {
    fn default() -> Self {
        Self {
            page_delay: PAGE_DELAY,
            tracker: None,
        }
    }
}

/// The loopback server (the test kit's): counts page loads by host.
pub struct Sites {
    /// Where it listens.
    pub addr: SocketAddr,
    visits: Arc<Mutex<BTreeMap<String, u32>>>,
    /// While set, [`HANGING`] does not answer (for two minutes at most).
    pub hang: Arc<AtomicBool>,
    _server: FixtureServer,
}

impl Sites {
    /// Starts the server, with [`HANGING`] hanging, each page after
    /// [`PAGE_DELAY`], no tracker.
    pub fn start() -> Self {
        Self::start_serving(Serving::default())
    }

    /// Starts the server answering as `serving` says, with [`HANGING`]
    /// hanging.
    pub fn start_serving(serving: Serving) -> Self {
        let visits: Arc<Mutex<BTreeMap<String, u32>>> = Arc::default();
        let hang = Arc::new(AtomicBool::new(true));
        let server = {
            let (visits, hang) = (visits.clone(), hang.clone());
            FixtureServer::start(move |request, connection| {
                Reply::Send(answer(request, connection, &serving, &visits, &hang))
            })
        };
        Self {
            addr: server.addr,
            visits,
            hang,
            _server: server,
        }
    }

    /// Page loads by host so far.
    pub fn visits(&self) -> BTreeMap<String, u32> {
        self.visits.lock().unwrap().clone()
    }
}

fn answer(
    request: &Request,
    connection: &Connection,
    serving: &Serving,
    visits: &Mutex<BTreeMap<String, u32>>,
    hang: &AtomicBool,
) -> Vec<u8> {
    let host = request.host();
    let path = request.target.as_str();
    let tracker = serving.tracker.as_ref().filter(|t| t.host == host);
    let (status, kind, content) = if let Some(tracker) = tracker {
        if path.starts_with("/fp.js") {
            ("200 OK", "application/javascript", tracker.script.clone())
        } else {
            ("200 OK", "image/gif", String::new())
        }
    } else if path == "/" {
        *visits.lock().unwrap().entry(host.clone()).or_default() += 1;
        std::thread::sleep(serving.page_delay);
        // Bounded: the test lets it go, or two minutes pass.
        let deadline = Instant::now() + Duration::from_secs(120);
        while host == HANGING
            && hang.load(Ordering::SeqCst)
            && !connection.stopped()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        let script = match &serving.tracker {
            Some(tracker) if site_number(&host).is_multiple_of(5) => {
                format!("<script src=\"http://{}/fp.js\"></script>", tracker.host)
            }
            _ => String::new(),
        };
        (
            "200 OK",
            "text/html; charset=utf-8",
            format!("<!doctype html><title>{host}</title><p>Welcome to {host}.</p>{script}"),
        )
    } else {
        ("404 Not Found", "text/html; charset=utf-8", String::new())
    };
    response(
        status,
        &[("Content-Type", kind), ("Cache-Control", "no-store")],
        content.as_bytes(),
    )
}

/// The number in a fixture host name (`site07.crawl.test` is 7), 1 when
/// there is none.
fn site_number(host: &str) -> usize {
    host.trim_start_matches("site")
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// outflow in its own process group (so that its browsers can be found by
/// group, and so that a signal sent to it reaches it alone); the group is
/// killed if the test ends early. The second field receives the worker id
/// outflow prints first on standard error.
pub struct Group(pub Child, Receiver<String>);

/// How long outflow may take to print its worker id.
const WORKER_ID_LIMIT: Duration = Duration::from_secs(300);

impl Group {
    /// Starts `command` in a new process group, its standard error
    /// forwarded to the test's.
    pub fn spawn(command: &mut Command) -> Self {
        command.process_group(0).stderr(Stdio::piped());
        let mut child = command.spawn().expect("starting outflow");
        let stderr = child.stderr.take().expect("piped stderr");
        let (worker_id, received) = mpsc::channel();
        std::thread::spawn(move || {
            let mut worker_id = Some(worker_id);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("outflow: {line}");
                // "worker ID on DB": only the first such line names it.
                if let Some(id) = line
                    .strip_prefix("worker ")
                    .and_then(|rest| rest.split_whitespace().next())
                    && let Some(sender) = worker_id.take()
                {
                    let _ = sender.send(id.to_string());
                }
            }
        });
        Self(child, received)
    }

    /// The worker id outflow prints first on standard error ("worker ID
    /// on DB"), waiting for it.
    pub fn worker_id(&self) -> String {
        match self.1.recv_timeout(WORKER_ID_LIMIT) {
            Ok(id) => id,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("outflow ended before starting its worker")
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("outflow printed no worker id within {WORKER_ID_LIMIT:?}")
            }
        }
    }

    /// SIGKILL to the whole group: outflow and its Chromiums die at once,
    /// as in a machine crash.
    pub fn kill(&mut self) {
        let killed = Command::new("kill")
            .args(["-s", "KILL", "--"])
            .arg(format!("-{}", self.0.id()))
            .status();
        assert!(
            killed.is_ok_and(|s| s.success()),
            "kill -s KILL -- -{} failed",
            self.0.id()
        );
        let _ = self.0.wait();
    }

    /// Sends signal `name` (`INT`, `TERM`) to outflow alone.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args(["-s", name])
            .arg(self.0.id().to_string())
            .status();
        assert!(
            sent.is_ok_and(|s| s.success()),
            "kill -s {name} {} failed",
            self.0.id()
        );
    }

    /// Waits for the process, failing the test past `limit`.
    pub fn wait_for_exit(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().expect("waiting") {
                return (status, started.elapsed());
            }
            assert!(
                started.elapsed() < limit,
                "outflow did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Processes still in the group (the browsers outflow started), with
    /// their command lines; waits up to `limit` for them to go.
    pub fn leftovers(&self, limit: Duration) -> Vec<String> {
        let group = self.0.id() as i32;
        let deadline = Instant::now() + limit;
        loop {
            let left = processes_in_group(group);
            if left.is_empty() || Instant::now() >= deadline {
                return left;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--"])
            .arg(format!("-{}", self.0.id()))
            .status();
        let _ = self.0.wait();
    }
}

fn processes_in_group(group: i32) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // state, ppid, pgrp: a zombie already exited and is being reaped.
        if fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(group)
            && fields.first() != Some(&"Z")
        {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            found.push(format!(
                "{pid}: {}",
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            ));
        }
    }
    found
}
