//! Ctrl-C and SIGTERM for `outflow crawl` and `outflow worker`: the first
//! signal stops claiming jobs and gives the scans in progress a grace
//! period to finish, after which they are abandoned (their browsers
//! closed, their jobs released); a second signal kills this process's
//! browsers and exits at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::error::CrawlError;
use crate::stop::StopHandle;

/// What the signal handlers saw.
#[derive(Debug, Clone, Default)]
pub struct Interrupts {
    /// The first signal received, 0 for none.
    first: Arc<AtomicI32>,
}

impl Interrupts {
    /// The exit code a process stopped by a signal reports: 128 + the
    /// signal's number (130 for Ctrl-C, 143 for SIGTERM), as shells do;
    /// `None` when no signal came.
    pub fn exit_code(&self) -> Option<u8> {
        match self.first.load(Ordering::SeqCst) {
            0 => None,
            signal => u8::try_from(128 + signal).ok(),
        }
    }
}

/// Installs SIGINT and SIGTERM handlers on `runtime` (they are active
/// when this returns). First signal: [`StopHandle::stop`], then
/// [`StopHandle::abandon`] after `grace`. Second signal: every process
/// descended from this one (the browsers) is killed and the process exits
/// with 128 + the first signal's number.
pub fn handle_interrupts(
    runtime: &tokio::runtime::Handle,
    stop: StopHandle,
    grace: Duration,
) -> Result<Interrupts, CrawlError> {
    let _entered = runtime.enter();
    let io = |source| CrawlError::Io {
        what: "installing the Ctrl-C handler".to_string(),
        source,
    };
    let mut interrupt = signal(SignalKind::interrupt()).map_err(io)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(io)?;
    let interrupts = Interrupts::default();
    let first = interrupts.first.clone();
    runtime.spawn(async move {
        let mut received = 0;
        loop {
            let number = tokio::select! {
                Some(()) = interrupt.recv() => libc::SIGINT,
                Some(()) = terminate.recv() => libc::SIGTERM,
                else => return,
            };
            received += 1;
            if received == 1 {
                first.store(number, Ordering::SeqCst);
                eprintln!(
                    "interrupted: no new sites; the {} s grace period lets the scans in progress \
                     finish, then they are abandoned and released (interrupt again to quit now)",
                    grace.as_secs()
                );
                stop.stop();
                let stop = stop.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(grace).await;
                    if !stop.is_abandoned() {
                        eprintln!("grace period over: abandoning the scans in progress");
                    }
                    stop.abandon();
                });
            } else {
                eprintln!(
                    "interrupted again: quitting now (the jobs in progress stay leased until their \
                     lease expires)"
                );
                kill_descendants();
                let code = 128 + first.load(Ordering::SeqCst);
                std::process::exit(code);
            }
        }
    });
    Ok(interrupts)
}

/// SIGKILLs every process descended from this one (found through
/// `/proc/*/stat`'s parent ids): the browsers, which a process exit does
/// not stop by itself.
fn kill_descendants() {
    let me = std::process::id() as i32;
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<i32>().ok())
        else {
            continue;
        };
        if let Some(parent) = parent_of(pid) {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut pending = vec![me];
    while let Some(pid) = pending.pop() {
        for &child in children.get(&pid).map(Vec::as_slice).unwrap_or_default() {
            // SAFETY: kill(2) takes plain integers and touches no memory of
            // this process.
            unsafe {
                libc::kill(child, libc::SIGKILL);
            }
            pending.push(child);
        }
    }
}

/// The parent id from `/proc/PID/stat` (the field after the command
/// name, which may itself contain spaces and parentheses).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_of_self_is_the_real_parent() {
        let me = std::process::id() as i32;
        let parent = parent_of(me).expect("own stat readable");
        assert_eq!(parent, std::os::unix::process::parent_id() as i32);
    }

    #[test]
    fn exit_code_is_128_plus_the_first_signal() {
        let interrupts = Interrupts::default();
        assert_eq!(interrupts.exit_code(), None);
        interrupts.first.store(libc::SIGINT, Ordering::SeqCst);
        assert_eq!(interrupts.exit_code(), Some(130));
        interrupts.first.store(libc::SIGTERM, Ordering::SeqCst);
        assert_eq!(interrupts.exit_code(), Some(143));
    }
}
