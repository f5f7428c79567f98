//! Whole-page scan benchmark, run by scripts/bench-scan.
//!
//! 1. Overhead: the bench fixture page loaded with full recording
//!    (network, scripts, instrumentation) and bare (Page domain only), in
//!    the same Chromium binary, alternately, ROUNDS times each. Two figures:
//!    navigation command to load event as outflow sees it (includes the
//!    browser picking a renderer process), and the page's own
//!    `performance.now()` at its load event (reported by the page to the
//!    fixture server). Launch, settle waits and form filling are excluded.
//!    Prints the medians and their ratios.
//!    Then the worst case: `heavy.html` calls instrumented APIs 20,000 times
//!    in loops and reports how long the loops took.
//! 2. Weight: runs the real `outflow scan` binary (path as the first
//!    argument) on a page making 500 requests and samples its peak resident
//!    memory (VmHWM) until it exits. Chromium's own processes are not
//!    counted: they are not outflow.
//!
//! Everything is served on 127.0.0.1 by the fixture server.

#[path = "../tests/support/mod.rs"]
mod site;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use outflow_capture::{HostMapping, ScanOptions, scan};

const ROUNDS: usize = 7;

fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// The first `*capture.json` file in `dir`, looking `depth` folders down.
fn find_capture(dir: &std::path::Path, depth: usize) -> Option<std::path::PathBuf> {
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            folders.push(path);
        } else if entry
            .file_name()
            .to_string_lossy()
            .ends_with("capture.json")
        {
            return Some(path);
        }
    }
    if depth == 0 {
        return None;
    }
    folders
        .iter()
        .find_map(|folder| find_capture(folder, depth - 1))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let outflow = std::env::args().nth(1);
    let server = site::start();
    let mapping = HostMapping::parse(&server.mapping("bench.site.test")).expect("mapping");
    let base = ScanOptions {
        mappings: vec![mapping],
        fill_forms: false,
        ..ScanOptions::default()
    };
    let url = "http://bench.site.test/";
    // One warm-up of each, so that disk caches favour neither.
    let mut timings: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let mut page_timings: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    for round in 0..=ROUNDS {
        for (slot, instrument) in [(0, false), (1, true)] {
            let options = ScanOptions {
                instrument,
                ..base.clone()
            };
            let out = scan(url, &options).await.expect("scan started");
            let Some(load) = out.load_ms else {
                panic!("the bench page did not load: {:?}", out.capture.errors);
            };
            if instrument {
                let calls = out.capture.api_calls.as_ref().map_or(0, Vec::len);
                assert!(calls > 10, "the instrumented load recorded API calls");
            }
            // The page reports its own load time (µs) in a pixel URL.
            let deadline = Instant::now() + Duration::from_secs(10);
            let page_load = loop {
                let reported = server.received().iter().rev().find_map(|r| {
                    r.target
                        .strip_prefix("/pixel?loaded=")
                        .and_then(|v| v.parse::<u64>().ok())
                });
                if let Some(value) = reported {
                    break value;
                }
                assert!(
                    Instant::now() < deadline,
                    "the bench page never reported its load time"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            server.clear_received();
            if round > 0 {
                timings[slot].push(load);
                page_timings[slot].push(page_load);
            }
        }
    }
    let page_bare = median(&mut page_timings[0]);
    let page_instrumented = median(&mut page_timings[1]);
    println!("page load as the page measures it (performance.now() at load), median of {ROUNDS}:");
    println!("  bare:          {:.1} ms", page_bare as f64 / 1000.0);
    println!(
        "  instrumented:  {:.1} ms",
        page_instrumented as f64 / 1000.0
    );
    println!(
        "  ratio:         {:.2}x  (target <= 1.3x)",
        page_instrumented as f64 / page_bare.max(1) as f64
    );
    let bare = median(&mut timings[0]);
    let instrumented = median(&mut timings[1]);
    println!("page load, navigation to load event, median of {ROUNDS} (same Chromium binary):");
    println!("  bare:          {bare} ms");
    println!("  instrumented:  {instrumented} ms");
    println!(
        "  ratio:         {:.2}x  (target <= 1.3x)",
        instrumented as f64 / bare.max(1) as f64
    );

    let mut loops: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    for round in 0..=ROUNDS {
        for (slot, instrument) in [(0, false), (1, true)] {
            let options = ScanOptions {
                instrument,
                ..base.clone()
            };
            scan("http://bench.site.test/heavy.html", &options)
                .await
                .expect("scan started");
            let deadline = Instant::now() + Duration::from_secs(10);
            let elapsed = loop {
                let reported = server.received().iter().rev().find_map(|r| {
                    r.target
                        .strip_prefix("/pixel?loops=")
                        .and_then(|v| v.parse::<u64>().ok())
                });
                if let Some(value) = reported {
                    break value;
                }
                assert!(Instant::now() < deadline, "the heavy page never reported");
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            server.clear_received();
            if round > 0 {
                loops[slot].push(elapsed);
            }
        }
    }
    let loops_bare = median(&mut loops[0]);
    let loops_instrumented = median(&mut loops[1]);
    println!("worst case: 20,000 instrumented API uses in loops (page-timed), median of {ROUNDS}:");
    println!("  bare:          {:.1} ms", loops_bare as f64 / 1000.0);
    println!(
        "  instrumented:  {:.1} ms",
        loops_instrumented as f64 / 1000.0
    );
    println!(
        "  ratio:         {:.2}x",
        loops_instrumented as f64 / loops_bare.max(1) as f64
    );

    let Some(outflow) = outflow else {
        println!("peak RSS: skipped (pass the outflow binary's path)");
        return;
    };
    let out_dir = tempfile::tempdir().expect("temporary directory");
    let started = Instant::now();
    let mut child = Command::new(&outflow)
        .args([
            "scan",
            "http://many.site.test/",
            "--no-forms",
            "--map-host",
            &server.mapping("many.site.test"),
            "--out",
        ])
        .arg(out_dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting outflow");
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("waiting for outflow") {
            assert!(status.success(), "outflow scan failed: {status}");
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // `--out` is an evidence bundle: `DIR/capture.json`, or one folder per
    // capture (`DIR/<name>/capture.json`); older layouts wrote
    // `DIR/<name>.capture.json`.
    let capture_path = find_capture(out_dir.path(), 2).expect("a capture was written");
    let capture: serde_json::Value =
        serde_json::from_slice(&std::fs::read(capture_path).expect("capture")).expect("JSON");
    let requests = capture["requests"].as_array().map_or(0, Vec::len);
    println!("outflow scan of a page making 500 requests:");
    println!("  requests recorded: {requests}");
    println!("  wall time:         {} ms", started.elapsed().as_millis());
    println!(
        "  peak RSS:          {:.1} MB  (target < 150 MB)",
        peak as f64 / 1024.0
    );
}
