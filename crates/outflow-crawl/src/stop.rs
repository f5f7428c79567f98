//! Asking a run to stop: first stop claiming jobs and let the scans in
//! progress finish, then (after a grace period, or on demand) abandon them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

/// Shared between a run and whoever may stop it (a signal handler, a
/// test). Cloning gives another handle on the same state.
#[derive(Debug, Clone)]
pub struct StopHandle {
    inner: Arc<StopState>,
}

#[derive(Debug)]
struct StopState {
    stopping: AtomicBool,
    /// `true` once the scans in progress are to be abandoned; a watch
    /// channel so that a scan started before or after the request sees it.
    abandon: watch::Sender<bool>,
}

impl Default for StopHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl StopHandle {
    /// A handle on which nothing was requested yet.
    pub fn new() -> Self {
        let (abandon, _) = watch::channel(false);
        Self {
            inner: Arc::new(StopState {
                stopping: AtomicBool::new(false),
                abandon,
            }),
        }
    }

    /// Stops claiming jobs; the scans in progress go on to their end.
    pub fn stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
    }

    /// Stops claiming jobs and abandons the scans in progress (their
    /// browsers are closed, their jobs released for another worker).
    pub fn abandon(&self) {
        self.stop();
        self.inner.abandon.send_replace(true);
    }

    /// Whether a stop was requested.
    pub fn is_stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::SeqCst)
    }

    /// Whether the scans in progress are to be abandoned.
    pub fn is_abandoned(&self) -> bool {
        *self.inner.abandon.borrow()
    }

    /// Resolves once [`StopHandle::abandon`] was called (at once when it
    /// already was).
    pub async fn abandoned(&self) {
        let mut receiver = self.inner.abandon.subscribe();
        // The sender lives in `self`, so the channel cannot close while
        // this waits.
        let _ = receiver.wait_for(|abandoned| *abandoned).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_then_abandon() {
        let handle = StopHandle::new();
        let other = handle.clone();
        assert!(!handle.is_stopping() && !handle.is_abandoned());
        other.stop();
        assert!(handle.is_stopping() && !handle.is_abandoned());
        other.abandon();
        assert!(handle.is_abandoned());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        // Already abandoned: resolves at once.
        runtime.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(5), handle.abandoned())
                .await
                .expect("abandoned() resolves once abandoned");
        });
    }

    #[test]
    fn abandoned_wakes_a_waiting_scan() {
        let handle = StopHandle::new();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap();
        let waiting = {
            let handle = handle.clone();
            runtime.spawn(async move { handle.abandoned().await })
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiting.is_finished());
        handle.abandon();
        runtime.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
                .await
                .expect("woken")
                .expect("joined");
        });
    }
}
