//! `outflow crawl` stopped by Ctrl-C (SIGINT sent to the outflow process
//! alone, so that outflow itself must close its browsers): it stops
//! claiming, lets the scans in progress finish within the grace period or
//! abandons them, releases their leases, leaves no Chromium behind, exits
//! 130; a restart scans exactly the sites that were left, each once. A
//! second Ctrl-C quits at once.
//!
//! Fixture sites: one loopback server answers for every host name; each
//! page is answered after a short delay so that scans are in progress when
//! the signal comes, and one site (`site05`) hangs until the test lets it
//! go, so that its scan outlives the grace period.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const SITES: usize = 12;
/// The site whose page hangs while [`Sites::hang`] is set.
const HANGING: &str = "site05.interrupt.test";
/// How long every other page takes to answer.
const PAGE_DELAY: Duration = Duration::from_millis(700);

fn site(i: usize) -> String {
    format!("site{i:02}.interrupt.test")
}

/// The loopback server: counts page loads by host.
struct Sites {
    addr: SocketAddr,
    visits: Arc<Mutex<BTreeMap<String, u32>>>,
    hang: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Sites {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let sites = Self {
            addr,
            visits: Arc::default(),
            hang: Arc::new(AtomicBool::new(true)),
            stop: Arc::default(),
        };
        let (visits, hang, stop) = (sites.visits.clone(), sites.hang.clone(), sites.stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (visits, hang, stop) = (visits.clone(), hang.clone(), stop.clone());
                        std::thread::spawn(move || serve(stream, &visits, &hang, &stop));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        sites
    }

    fn visits(&self) -> BTreeMap<String, u32> {
        self.visits.lock().unwrap().clone()
    }
}

impl Drop for Sites {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(
    stream: TcpStream,
    visits: &Mutex<BTreeMap<String, u32>>,
    hang: &AtomicBool,
    stop: &AtomicBool,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut host = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "host" => host = value.trim().split(':').next().unwrap_or("").to_string(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length.min(1 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, content) = if path == "/" {
            *visits.lock().unwrap().entry(host.clone()).or_default() += 1;
            std::thread::sleep(PAGE_DELAY);
            // Bounded: the test lets it go, or two minutes pass.
            let deadline = Instant::now() + Duration::from_secs(120);
            while host == HANGING
                && hang.load(Ordering::SeqCst)
                && !stop.load(Ordering::SeqCst)
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            (
                "200 OK",
                format!("<!doctype html><title>{host}</title><p>Welcome to {host}.</p>"),
            )
        } else {
            ("404 Not Found", String::new())
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\r\n",
            content.len()
        );
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(content.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// outflow in its own process group (so that its browsers can be found by
/// group, and so that a signal sent to it reaches it alone); the group is
/// killed if the test ends early.
struct Group(Child);

impl Group {
    fn spawn(command: &mut Command) -> Self {
        command.process_group(0).stderr(Stdio::piped());
        let mut child = command.spawn().expect("starting outflow");
        let stderr = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("outflow: {line}");
            }
        });
        Self(child)
    }

    fn signal(&self, name: &str) {
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
    fn wait_for_exit(&mut self, limit: Duration) -> (ExitStatus, Duration) {
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
    fn leftovers(&self, limit: Duration) -> Vec<String> {
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

fn outflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
}

fn status(db: &str, name: &str) -> Value {
    try_status(db, name).unwrap_or_else(|error| panic!("crawl status failed: {error}"))
}

/// The crawl's status, or why it could not be read (the crawl may not be
/// created yet).
fn try_status(db: &str, name: &str) -> Result<Value, String> {
    let output = outflow()
        .args(["crawl", "status", "--json", "--db", db, "--name", name])
        .output()
        .expect("running outflow crawl status");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())
}

fn write_input(dir: &Path) -> String {
    let path = dir.join("sites.txt");
    let text: String = (1..=SITES)
        .map(|i| format!("http://{}/\n", site(i)))
        .collect();
    std::fs::write(&path, text).expect("writing the input");
    path.display().to_string()
}

/// A crawl command; `lease` long enough that a job left leased would stall
/// the restart far past the test's limits.
fn crawl(db: &str, input: &str, sites: &Sites, grace: u64) -> Command {
    let mut command = outflow();
    command.args(["crawl", "--db", db, "--name", "interrupt", "--input", input]);
    command.args(["--concurrency", "2", "--lease", "600", "--retry-delay", "1"]);
    command.args([
        "--timeout",
        "30",
        "--site-timeout",
        "90",
        "--no-forms",
        "--no-intel",
    ]);
    command.args(["--grace", &grace.to_string()]);
    command.args(["--map-host", &format!("*.interrupt.test={}", sites.addr)]);
    command
}

/// Waits until `done` sites are stored and the hanging site is being
/// scanned.
fn wait_for_hang(db: &str, done: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let status = match try_status(db, "interrupt") {
            Ok(status) => status,
            Err(error) => {
                assert!(Instant::now() < deadline, "no crawl status: {error}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let stored = status["counts"]["done"].as_u64().unwrap_or(0);
        let hanging = status["jobs"].as_array().expect("jobs").iter().any(|job| {
            job["state"] == "running" && job["url"].as_str().is_some_and(|u| u.contains(HANGING))
        });
        if stored >= done && hanging {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "never {done} done with {HANGING} in progress: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn by_url(status: &Value) -> BTreeMap<String, Value> {
    status["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|job| (job["url"].as_str().expect("url").to_string(), job.clone()))
        .collect()
}

#[test]
fn ctrl_c_releases_leases_closes_browsers_and_a_restart_finishes_the_rest() {
    let sites = Sites::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write_input(dir.path());
    let db = dir.path().join("crawl.db").display().to_string();

    let mut first = Group::spawn(&mut crawl(&db, &input, &sites, 3));
    wait_for_hang(&db, 3);
    first.signal("INT");
    let (exit, took) = first.wait_for_exit(Duration::from_secs(60));
    assert_eq!(exit.code(), Some(130), "Ctrl-C must exit 130: {exit}");
    // The grace period (3 s) and closing the browsers; far less than the
    // 90 s the hanging scan would take, or the 600 s lease.
    assert!(took < Duration::from_secs(30), "exit took {took:?}");
    let left = first.leftovers(Duration::from_secs(10));
    assert!(
        left.is_empty(),
        "processes left behind after Ctrl-C: {left:#?}"
    );

    let stopped = status(&db, "interrupt");
    let jobs = by_url(&stopped);
    let done_before: BTreeSet<String> = jobs
        .iter()
        .filter(|(_, job)| job["state"] == "done")
        .map(|(url, _)| url.clone())
        .collect();
    assert!(
        done_before.len() >= 3 && done_before.len() < SITES,
        "{stopped}"
    );
    for (url, job) in &jobs {
        assert_ne!(
            job["state"], "running",
            "a lease was left after Ctrl-C: {job}"
        );
        assert_ne!(job["state"], "failed", "{job}");
        if job["state"] == "pending" {
            assert_eq!(
                job["attempts"], 0,
                "an interrupted attempt must not count: {url}: {job}"
            );
        }
    }
    let hanging = &jobs[&format!("http://{HANGING}/")];
    assert_eq!(
        hanging["state"], "pending",
        "the abandoned scan's site goes back to the queue: {hanging}"
    );
    assert_eq!(hanging["results"], 0, "{hanging}");

    // The restart scans what was left, at once (nothing waits for a lease).
    sites.hang.store(false, Ordering::SeqCst);
    let visits_before = sites.visits();
    let mut second = Group::spawn(&mut crawl(&db, &input, &sites, 3));
    let (exit, _) = second.wait_for_exit(Duration::from_secs(300));
    assert!(exit.success(), "the restarted crawl failed: {exit}");
    let finished = status(&db, "interrupt");
    let visits_after = sites.visits();
    for (url, job) in by_url(&finished) {
        assert_eq!(job["state"], "done", "{job}");
        assert_eq!(job["results"], 1, "not exactly one result: {job}");
        let host = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let before = visits_before.get(&host).copied().unwrap_or(0);
        let after = visits_after.get(&host).copied().unwrap_or(0);
        if done_before.contains(&url) {
            assert_eq!(
                after, before,
                "{url} was stored before Ctrl-C and scanned again"
            );
        } else {
            assert_eq!(
                after,
                before + 1,
                "{url} must be scanned exactly once by the restart"
            );
        }
    }
}

#[test]
fn second_ctrl_c_quits_at_once_without_leaving_browsers() {
    let sites = Sites::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write_input(dir.path());
    let db = dir.path().join("crawl.db").display().to_string();

    // A grace period longer than the test's limits: only the second Ctrl-C
    // can end the run in time.
    let mut run = Group::spawn(&mut crawl(&db, &input, &sites, 600));
    wait_for_hang(&db, 1);
    run.signal("INT");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        run.0.try_wait().expect("waiting").is_none(),
        "the first Ctrl-C must wait for the scans in progress"
    );
    run.signal("INT");
    let (exit, took) = run.wait_for_exit(Duration::from_secs(30));
    assert_eq!(exit.code(), Some(130), "{exit}");
    assert!(
        took < Duration::from_secs(10),
        "the second Ctrl-C took {took:?}"
    );
    let left = run.leftovers(Duration::from_secs(10));
    assert!(
        left.is_empty(),
        "processes left behind after a second Ctrl-C: {left:#?}"
    );
}
