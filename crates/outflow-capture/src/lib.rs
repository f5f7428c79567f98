//! Capture: what a web page does when it runs, recorded in a real browser or
//! read from a HAR file.
//!
//! [`scan`] launches Debian's Chromium (`/usr/lib/chromium/chromium`, or
//! `OUTFLOW_CHROMIUM`) with a fresh profile, drives it over the DevTools
//! Protocol with chromiumoxide, and records every frame, script (with its
//! source, by SHA-256), request (bodies, initiators, security headers),
//! WebSocket frame, privacy-relevant API call (through an instrumentation
//! script injected before any page script), cookie and storage write. It
//! finds the login or sign-up form, types unique canaries one key at a time
//! and, when asked, submits. [`import_har`] turns a HAR 1.2 file into the
//! same [`Capture`](outflow_model::Capture), with what HAR cannot know marked
//! absent.
//!
//! Problems met during a visit (timeouts, crashes, TLS errors, dialogs) are
//! recorded in the capture beside what was recorded before them; only a
//! browser that cannot start is an error ([`CaptureFailure`]).
//!
//! Script bodies go to memory or, when [`ScanOptions::scripts_dir`] names
//! one, to a folder as `<sha256>.js`; what else is kept of a capture, and
//! where, is `outflow-bundle`'s.

mod canary_values;
mod cdp;
mod checkout;
mod connection;
mod error;
mod fields;
mod follow_up;
mod forms;
mod har;
mod host_map;
mod instrumentation;
mod launch;
mod outcome;
mod page_url;
mod persona;
mod recorder;
mod scan;
mod script_elements;
mod security_headers;
mod stack;
mod targets;

pub use error::CaptureFailure;
pub use forms::TypingPace;
pub use har::{CANNOT_HOLD, HAR_SIZE_LIMIT, HarImport, MAX_ENTRIES, import_har, import_har_file};
pub use host_map::{HostMapping, host_resolver_rules};
pub use launch::{
    BROWSER_USER_ENV, DEFAULT_BROWSER_USER, DEFAULT_CHROMIUM, JS_HEAP_LIMIT_MIB, chromium_path,
};
pub use outcome::capture_failed;
pub use page_url::check_page_url;
pub use persona::Persona;
pub use recorder::BODY_LIMIT;
pub use scan::{SCAN_GRACE, ScanOptions, ScanOutput, scan};
