//! The fuzz loop: inputs are made in batches, written to a folder, and
//! run by a child process (`outflow-fuzz run TARGET FILE…`) that says
//! which input it starts before each one. The child runs under
//! `RLIMIT_AS` (memory) and `RLIMIT_CPU`, and a watchdog kills it when an
//! input makes no progress within the per-input time limit. A child that
//! dies (a panic, an abort, a stack overflow, an allocation refused by the
//! memory limit, a CPU-limit signal) or is killed by the watchdog is a
//! [`Failure`] of the input it had started, which is saved.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::mutate::{Rng, mutate};
use crate::targets::Target;

/// How long and how hard to fuzz.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Wall time per target (`OUTFLOW_FUZZ_SECONDS`, default 20).
    pub seconds: u64,
    /// Time one input may take before it counts as a hang
    /// (`OUTFLOW_FUZZ_INPUT_SECONDS`, default 20).
    pub input_seconds: u64,
    /// Address-space limit of the child, MiB (`OUTFLOW_FUZZ_MEMORY_MB`,
    /// default 4096).
    pub memory_mb: u64,
    /// Longest input made (`OUTFLOW_FUZZ_MAX_LEN`, default 16384).
    pub max_len: usize,
    /// Inputs per child (`OUTFLOW_FUZZ_BATCH`, default 50).
    pub batch: usize,
    /// The generator's seed (`OUTFLOW_FUZZ_SEED`, default: the clock).
    pub seed: u64,
    /// Where failing inputs are saved (`OUTFLOW_FUZZ_OUT`, default
    /// `target/fuzz-failures`), one folder per target.
    pub out: PathBuf,
}

impl Settings {
    /// The settings from the environment, defaults for what is not set.
    pub fn from_env() -> Settings {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        };
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Settings {
            seconds: number("OUTFLOW_FUZZ_SECONDS", 20),
            input_seconds: number("OUTFLOW_FUZZ_INPUT_SECONDS", 20),
            memory_mb: number("OUTFLOW_FUZZ_MEMORY_MB", 4096),
            max_len: number("OUTFLOW_FUZZ_MAX_LEN", 16384) as usize,
            batch: number("OUTFLOW_FUZZ_BATCH", 50).max(1) as usize,
            seed: number("OUTFLOW_FUZZ_SEED", clock),
            out: std::env::var_os("OUTFLOW_FUZZ_OUT")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-failures")
                }),
        }
    }
}

/// How an input failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The child died: a panic (exit 101), an abort or stack overflow
    /// (SIGABRT, SIGSEGV), memory refused under the limit, the CPU limit.
    Crash,
    /// No progress within the per-input time limit.
    Hang,
}

/// One failing input.
#[derive(Debug, Clone)]
pub struct Failure {
    /// How it failed.
    pub kind: FailureKind,
    /// How the child ended (exit code or signal), or the time limit.
    pub detail: String,
    /// The saved input: replay with `outflow-fuzz run TARGET PATH`.
    pub input: PathBuf,
}

/// What a run of one target did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The target.
    pub target: &'static str,
    /// Inputs run to their end.
    pub inputs: usize,
    /// The seeds, which are run first, unmutated.
    pub seeds: usize,
    /// The failing inputs.
    pub failures: Vec<Failure>,
}

/// Fuzzes `target` for `settings.seconds`, running inputs with the
/// fuzzer's own executable `exe`.
pub fn fuzz(exe: &Path, target: &'static Target, settings: &Settings) -> std::io::Result<Outcome> {
    let seeds: Vec<Vec<u8>> = (target.seeds)()
        .into_iter()
        .map(|mut s| {
            s.truncate(settings.max_len);
            s
        })
        .collect();
    let mut outcome = Outcome {
        target: target.name,
        inputs: 0,
        seeds: seeds.len(),
        failures: Vec::new(),
    };
    let mut rng = Rng::new(settings.seed);
    let work = tempfile_dir(target.name)?;
    let deadline = Instant::now() + Duration::from_secs(settings.seconds);
    let mut pending: Vec<Vec<u8>> = seeds.clone();
    let mut first = true;
    while first || Instant::now() < deadline {
        first = false;
        // The seeds first, in batches, then mutations.
        let batch: Vec<Vec<u8>> = if pending.is_empty() {
            (0..settings.batch)
                .map(|_| {
                    let base = if seeds.is_empty() {
                        &[][..]
                    } else {
                        &seeds[rng.below(seeds.len())][..]
                    };
                    mutate(&mut rng, base, &seeds, target.tokens, settings.max_len)
                })
                .collect()
        } else {
            let take = pending.len().min(settings.batch);
            pending.drain(..take).collect()
        };
        let ran = run_batch(exe, target, &batch, &work, settings, &mut outcome)?;
        outcome.inputs += ran;
        if !pending.is_empty() && Instant::now() >= deadline {
            // The seeds always run whole.
            first = true;
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(outcome)
}

/// Runs `batch` in children until every input has run: after a failure a
/// new child goes on with the next input. Returns how many inputs ran.
fn run_batch(
    exe: &Path,
    target: &Target,
    batch: &[Vec<u8>],
    work: &Path,
    settings: &Settings,
    outcome: &mut Outcome,
) -> std::io::Result<usize> {
    let mut paths = Vec::new();
    for (index, input) in batch.iter().enumerate() {
        let path = work.join(format!("{index:05}.bin"));
        std::fs::write(&path, input)?;
        paths.push(path);
    }
    let mut next = 0;
    while next < paths.len() {
        match run_child(exe, target, &paths[next..], settings)? {
            ChildEnd::Done => {
                return Ok(paths.len());
            }
            ChildEnd::Failed {
                index,
                kind,
                detail,
            } => {
                let input = &batch[next + index];
                let saved = save(settings, target, kind, input)?;
                outcome.failures.push(Failure {
                    kind,
                    detail,
                    input: saved,
                });
                next += index + 1;
            }
        }
    }
    Ok(paths.len())
}

enum ChildEnd {
    Done,
    Failed {
        index: usize,
        kind: FailureKind,
        detail: String,
    },
}

fn run_child(
    exe: &Path,
    target: &Target,
    paths: &[PathBuf],
    settings: &Settings,
) -> std::io::Result<ChildEnd> {
    let mut command = Command::new(exe);
    command
        .arg("run")
        .arg(target.name)
        .args(paths)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let memory = settings.memory_mb.saturating_mul(1024 * 1024);
    let cpu = settings
        .input_seconds
        .saturating_mul(paths.len() as u64)
        .saturating_add(5);
    limit(&mut command, memory, cpu);
    let mut child = command.spawn()?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines, progress) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut started: Option<usize> = None;
    let mut finished = 0usize;
    let limit = Duration::from_secs(settings.input_seconds);
    let end = loop {
        match progress.recv_timeout(limit) {
            Ok(line) => {
                if let Some(index) = line.strip_prefix("start ") {
                    started = index.parse().ok();
                } else if line.starts_with("done ") {
                    finished += 1;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break None,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // The child we started, by its handle.
                let _ = child.kill();
                break Some(ChildEnd::Failed {
                    index: started.unwrap_or(0),
                    kind: FailureKind::Hang,
                    detail: format!("no progress in {} s", settings.input_seconds),
                });
            }
        }
    };
    let status = child.wait()?;
    let _ = reader.join();
    if let Some(end) = end {
        return Ok(end);
    }
    if status.success() && finished == paths.len() {
        return Ok(ChildEnd::Done);
    }
    Ok(ChildEnd::Failed {
        index: started.unwrap_or(0),
        kind: FailureKind::Crash,
        detail: describe(&status),
    })
}

/// The child's end in words: its exit code or signal.
fn describe(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(101), _) => "panicked (exit 101)".to_string(),
        (Some(code), _) => format!("exit {code}"),
        (_, Some(libc::SIGABRT)) => {
            "aborted (SIGABRT: abort, stack overflow or memory refused)".to_string()
        }
        (_, Some(libc::SIGSEGV)) => "SIGSEGV (stack overflow or memory fault)".to_string(),
        (_, Some(libc::SIGXCPU)) => "CPU limit (SIGXCPU)".to_string(),
        (_, Some(libc::SIGKILL)) => "killed (SIGKILL)".to_string(),
        (_, Some(signal)) => format!("signal {signal}"),
        (None, None) => "ended".to_string(),
    }
}

/// Sets the child's address-space and CPU limits before it runs.
fn limit(command: &mut Command, memory: u64, cpu_seconds: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only setrlimit runs, which is
    // async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(move || {
            let set = |resource, value: u64| {
                let limit = libc::rlimit {
                    rlim_cur: value as libc::rlim_t,
                    rlim_max: value as libc::rlim_t,
                };
                if libc::setrlimit(resource, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            };
            set(libc::RLIMIT_AS, memory)?;
            set(libc::RLIMIT_CPU, cpu_seconds)?;
            // No core files for every crash found.
            set(libc::RLIMIT_CORE, 0)
        });
    }
}

/// Saves a failing input as `<out>/<target>/<kind>-<sha256 prefix>.bin`.
fn save(
    settings: &Settings,
    target: &Target,
    kind: FailureKind,
    input: &[u8],
) -> std::io::Result<PathBuf> {
    let dir = settings.out.join(target.name);
    std::fs::create_dir_all(&dir)?;
    let kind = match kind {
        FailureKind::Crash => "crash",
        FailureKind::Hang => "hang",
    };
    let hash = hex::encode(Sha256::digest(input));
    let path = dir.join(format!("{kind}-{}.bin", &hash[..16]));
    std::fs::write(&path, input)?;
    Ok(path)
}

/// A fresh folder for one target's batches.
fn tempfile_dir(name: &str) -> std::io::Result<PathBuf> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("outflow-fuzz-{name}-"))
        .tempdir()?;
    Ok(dir.keep())
}

/// The child's side: runs each file through `target`, saying `start N`
/// before and `done N` after each on stdout.
pub fn run_files(target: &Target, paths: &[PathBuf]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout();
    for (index, path) in paths.iter().enumerate() {
        let input = std::fs::read(path)?;
        writeln!(stdout, "start {index}")?;
        stdout.flush()?;
        (target.run)(&input);
        writeln!(stdout, "done {index}")?;
        stdout.flush()?;
    }
    Ok(())
}
