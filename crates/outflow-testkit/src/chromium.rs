//! Chromium for the browser tests: found where outflow finds it, required
//! loudly, and run one at a time across test processes.

use std::fs::File;
use std::path::PathBuf;

/// Where outflow starts Chromium (`OUTFLOW_CHROMIUM`, else Debian's path).
pub fn chromium_path() -> PathBuf {
    outflow_capture::chromium_path()
}

/// Fails the test, saying to run scripts/setup, when Chromium is missing: a
/// browser test that passed without a browser would check nothing.
pub fn require_chromium() {
    let path = chromium_path();
    assert!(
        path.is_file(),
        "Chromium is missing at {}: run scripts/setup (it installs Debian's chromium package)",
        path.display()
    );
}

/// One Chromium at a time across test processes: the machine has two cores
/// and parallel browsers would make every wait slower than the test's. The
/// lock is held until the returned file is dropped.
pub fn browser_lock() -> File {
    let path = std::env::temp_dir().join("outflow-capture-tests.lock");
    let file = File::create(&path).expect("creating the test lock file");
    file.lock().expect("locking the test lock file");
    file
}
