//! One visit: launch, instrument, navigate, fill, settle, collect, close.
//!
//! [`scan`] reads as its phases: the browser is launched on a throwaway
//! profile, its DevTools connection driven into the recorder, a page opened
//! and visited ([`session`]: set up before it loads ([`setup`]), navigated,
//! its forms filled, its last records collected), the browser shut down, and
//! the recorder's records assembled into the capture.

mod session;
mod setup;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chromiumoxide::error::CdpError;
use chromiumoxide::{Browser, Handler, Page};
use futures::StreamExt;
use outflow_model::{Capture, CaptureErrorKind, CaptureSource};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::process::Child;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::cdp::call_browser;
use crate::error::CaptureFailure;
use crate::follow_up::{Shared, lock};
use crate::forms::TypingPace;
use crate::host_map::HostMapping;
use crate::instrumentation::Instrumentation;
use crate::launch::{LaunchSettings, Launched, chromium_path, launch};
use crate::persona::Persona;
use crate::recorder::{Finished, FollowUp, Recorder, ScriptStore};
use session::{Session, Visit};

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// `--map-host` rules.
    pub mappings: Vec<HostMapping>,
    /// Who the visitor appears to be.
    pub persona: Option<Persona>,
    /// How long the page may take to load before recording goes on without
    /// it.
    pub timeout: Duration,
    /// The network counts as settled after this long without a new or open
    /// request.
    pub quiet: Duration,
    /// Longest wait for the network to settle (long-polling pages never do).
    pub max_settle: Duration,
    /// Limit for each DevTools command.
    pub command_timeout: Duration,
    /// Whether to find the login form and type canaries.
    pub fill_forms: bool,
    /// Whether to submit the form after typing.
    pub submit: bool,
    /// How fast to type.
    pub pace: TypingPace,
    /// Accept invalid TLS certificates.
    pub ignore_https_errors: bool,
    /// Write script bodies here (`<sha256>.js`) instead of keeping them in
    /// memory.
    pub scripts_dir: Option<PathBuf>,
    /// Where the scan's throwaway browser profile is made (the system's
    /// temporary directory when `None`).
    pub profile_parent: Option<PathBuf>,
    /// Start Chromium without its sandbox, for machines where it cannot
    /// start one (no user namespaces): said loudly in the capture.
    pub unsafe_no_sandbox: bool,
    /// Record the page: network, scripts, and the instrumentation's API
    /// calls. Off only to measure a bare load (scripts/bench-scan): the page
    /// is then navigated with nothing but the Page domain enabled.
    pub instrument: bool,
    /// Hosts or domains allowed to receive card data
    /// (`--payment-processor`, the policy file), recorded in the capture.
    pub payment_processors: Vec<String>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            chromium: chromium_path(),
            mappings: Vec::new(),
            persona: None,
            timeout: Duration::from_secs(30),
            quiet: Duration::from_millis(500),
            max_settle: Duration::from_secs(5),
            command_timeout: Duration::from_secs(10),
            fill_forms: true,
            submit: false,
            pace: TypingPace::default(),
            ignore_https_errors: false,
            scripts_dir: None,
            profile_parent: None,
            instrument: true,
            payment_processors: Vec::new(),
            unsafe_no_sandbox: false,
        }
    }
}

/// A capture and, when no `scripts_dir` was given, the script bodies by
/// SHA-256.
#[derive(Debug)]
pub struct ScanOutput {
    /// What the page did.
    pub capture: Capture,
    /// Script bodies by SHA-256 (empty when written to `scripts_dir`).
    pub sources: BTreeMap<String, String>,
    /// Milliseconds from the navigation command to the load event, when it
    /// fired (settle waits and form filling excluded).
    pub load_ms: Option<u64>,
}

/// The longest the shutdown lasts: the version asked (2 s), a polite close
/// (2 s) and exit (3 s), then a kill (5 s) and its exit (5 s).
const SHUTDOWN_WORST: Duration = Duration::from_secs(17);

/// The longest a scan may last beyond its page timeout (`--timeout`), the
/// browser's start (at most 30 s, about 1 s in practice) aside: settling
/// and form filling ([`session::INTERACTION_GRACE`]), collecting the last
/// records ([`session::COLLECT_GRACE`]), two busy-page checks
/// ([`session::BUSY_CHECK_WORST`] each) and the shutdown. A worst case:
/// a page that never loads or runs a busy loop ends about 2 to 5 s after
/// its timeout.
pub const SCAN_GRACE: Duration = Duration::from_secs(
    session::INTERACTION_GRACE.as_secs()
        + session::COLLECT_GRACE.as_secs()
        + 2 * session::BUSY_CHECK_WORST.as_secs()
        + SHUTDOWN_WORST.as_secs(),
);

/// Problems met during the visit, recorded in the capture at the end.
type Problems = Vec<(CaptureErrorKind, String)>;

/// Visits `url` in a fresh Chromium and records what it does. Problems met
/// once the browser runs are recorded in the capture, with everything
/// recorded before them; only a browser that cannot start is an error.
pub async fn scan(url: &str, options: &ScanOptions) -> Result<ScanOutput, CaptureFailure> {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let profile = make_profile(options)?;
    make_scripts_dir(options)?;
    let Launched {
        mut browser,
        handler,
        mut process,
        notes,
    } = launch(&launch_settings(options, profile.path())).await?;

    let instrumentation = Instrumentation::new();
    let recorder = new_recorder(&instrumentation, options);
    let browser_gone = Arc::new(AtomicBool::new(false));
    let (follow_tx, follow_rx) = mpsc::unbounded_channel::<FollowUp>();
    let mut tasks = JoinSet::new();
    drive_connection(&mut tasks, handler, &recorder, &browser_gone, &follow_tx);

    let mut problems: Problems = notes
        .into_iter()
        .map(|note| (CaptureErrorKind::Launch, note))
        .collect();
    let page = open_page(&browser, options, &mut problems).await;
    let visit = match &page {
        Some(page) => {
            let session = Session {
                page,
                browser: &browser,
                recorder: &recorder,
                gone: &browser_gone,
                instrumentation: &instrumentation,
                options,
            };
            session
                .visit(url, &mut tasks, &follow_tx, follow_rx, &mut problems)
                .await
        }
        None => Visit::default(),
    };
    let browser_version = shut_down(
        &mut browser,
        &mut process,
        &mut tasks,
        &browser_gone,
        &mut problems,
    )
    .await;
    drop(page);

    let (finished, final_url) = finish_recording(recorder, problems, options)?;
    let provenance = Provenance {
        started_at,
        started,
        final_url,
        browser_version,
    };
    let output = assemble(url, options, provenance, visit, finished);
    drop(profile);
    Ok(output)
}

/// Makes the scan's throwaway browser profile (removed when dropped).
fn make_profile(options: &ScanOptions) -> Result<TempDir, CaptureFailure> {
    let mut profile = tempfile::Builder::new();
    profile.prefix("outflow-profile-");
    match &options.profile_parent {
        Some(dir) => profile.tempdir_in(dir),
        None => profile.tempdir(),
    }
    .map_err(|source| CaptureFailure::Io {
        what: "creating a browser profile directory".to_string(),
        source,
    })
}

/// Makes the directory script bodies are written to, when one is asked for.
fn make_scripts_dir(options: &ScanOptions) -> Result<(), CaptureFailure> {
    if let Some(dir) = &options.scripts_dir {
        std::fs::create_dir_all(dir).map_err(|source| CaptureFailure::Io {
            what: format!("creating {}", dir.display()),
            source,
        })?;
    }
    Ok(())
}

/// The launch settings the options ask for, on the profile at `profile`.
fn launch_settings<'a>(options: &'a ScanOptions, profile: &'a Path) -> LaunchSettings<'a> {
    LaunchSettings {
        binary: &options.chromium,
        profile,
        mappings: &options.mappings,
        persona: options.persona.as_ref(),
        ignore_https_errors: options.ignore_https_errors,
        command_timeout: options.command_timeout,
        unsafe_no_sandbox: options.unsafe_no_sandbox,
    }
}

/// A recorder keeping script bodies where the options say.
fn new_recorder(instrumentation: &Instrumentation, options: &ScanOptions) -> Shared {
    let store = match &options.scripts_dir {
        Some(dir) => ScriptStore::Dir(dir.clone()),
        None => ScriptStore::Memory(BTreeMap::new()),
    };
    Arc::new(Mutex::new(Recorder::new(
        instrumentation.binding.clone(),
        &instrumentation.source,
        store,
    )))
}

/// Drives the DevTools connection until it closes, then sets `gone`.
/// Messages chromiumoxide's types reject come back as errors: they are read
/// leniently, not dropped.
fn drive_connection(
    tasks: &mut JoinSet<()>,
    mut handler: Handler,
    recorder: &Shared,
    gone: &Arc<AtomicBool>,
    follow_tx: &mpsc::UnboundedSender<FollowUp>,
) {
    let recorder = recorder.clone();
    let gone = gone.clone();
    let follow_tx = follow_tx.clone();
    tasks.spawn(async move {
        while let Some(message) = handler.next().await {
            match message {
                Ok(()) => {}
                Err(CdpError::InvalidMessage(text, _)) => {
                    for follow in lock(&recorder).handle_unparsed(&text) {
                        let _ = follow_tx.send(follow);
                    }
                }
                Err(CdpError::Ws(_)) | Err(CdpError::ChannelSendError(_)) => break,
                Err(error) => tracing::debug!("DevTools handler: {error}"),
            }
        }
        gone.store(true, Ordering::SeqCst);
    });
}

/// Opens the page the visit happens in; a browser that opens none is
/// recorded as a launch problem.
async fn open_page(
    browser: &Browser,
    options: &ScanOptions,
    problems: &mut Problems,
) -> Option<Page> {
    match tokio::time::timeout(options.command_timeout, browser.new_page("about:blank")).await {
        Ok(Ok(page)) => Some(page),
        Ok(Err(error)) => {
            problems.push((CaptureErrorKind::Launch, format!("opening a page: {error}")));
            None
        }
        Err(_) => {
            problems.push((
                CaptureErrorKind::Launch,
                "opening a page: no answer from Chromium".to_string(),
            ));
            None
        }
    }
}

/// Notes a browser that went away, asks its version, closes it (never
/// hanging) and stops every task that fed the recorder. Returns the
/// browser's version, when it still answered.
async fn shut_down(
    browser: &mut Browser,
    process: &mut Child,
    tasks: &mut JoinSet<()>,
    gone: &AtomicBool,
    problems: &mut Problems,
) -> Option<String> {
    if gone.load(Ordering::SeqCst) {
        problems.push((
            CaptureErrorKind::Crash,
            "Chromium closed the DevTools connection (crashed or was killed); \
             keeping what was recorded"
                .to_string(),
        ));
    }
    let browser_version = match call_browser(
        browser,
        "Browser.getVersion",
        json!({}),
        Duration::from_secs(2),
    )
    .await
    {
        Ok(version) => version
            .get("product")
            .and_then(Value::as_str)
            .map(str::to_string),
        Err(_) => None,
    };
    close(browser, process).await;
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    browser_version
}

/// Takes the recorder back from the tasks that shared it, records the
/// visit's problems in it, and finishes it. Returns its records and the
/// main frame's final URL.
fn finish_recording(
    recorder: Shared,
    problems: Problems,
    options: &ScanOptions,
) -> Result<(Finished, Option<String>), CaptureFailure> {
    let recorder = Arc::try_unwrap(recorder)
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .map_err(|_| ())
        .ok();
    let Some(mut recorder) = recorder else {
        return Err(CaptureFailure::Launch {
            path: options.chromium.clone(),
            message: "internal: the recorder is still shared after the browser closed".to_string(),
        });
    };
    for (kind, message) in problems {
        recorder.error(kind, message);
    }
    let final_url = recorder.main_frame_url();
    Ok((recorder.finish(), final_url))
}

/// When and how the browser was seen: what the capture says of the visit
/// beside the page's own records.
struct Provenance {
    started_at: SystemTime,
    started: Instant,
    final_url: Option<String>,
    browser_version: Option<String>,
}

/// The capture and the script bodies, from the recorder's records and what
/// the visit found.
fn assemble(
    url: &str,
    options: &ScanOptions,
    provenance: Provenance,
    visit: Visit,
    finished: Finished,
) -> ScanOutput {
    let sources = match finished.store {
        ScriptStore::Memory(map) => map,
        ScriptStore::Dir(_) => BTreeMap::new(),
    };
    let capture = Capture {
        target: url.to_string(),
        final_url: provenance.final_url,
        source: CaptureSource::Browser { headless: true },
        persona: options.persona.as_ref().map(|p| p.name.clone()),
        started_at: outflow_model::timestamp::rfc3339(provenance.started_at),
        duration_ms: u64::try_from(provenance.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        browser_version: provenance.browser_version,
        user_agent: visit.user_agent,
        frames: finished.frames,
        scripts: finished.scripts,
        requests: finished.requests,
        api_calls: options.instrument.then_some(finished.api_calls),
        canaries: visit.forms.canaries,
        submitted: visit.forms.submitted,
        submitted_at_ms: visit.forms.submitted_at_ms,
        cookies: visit.cookies,
        storage_writes: options.instrument.then_some(finished.storage_writes),
        events: finished.events,
        script_elements: options.instrument.then_some(finished.script_elements),
        errors: finished.errors,
        payment_processors: options.payment_processors.clone(),
    };
    ScanOutput {
        capture,
        sources,
        load_ms: visit.load_ms,
    }
}

/// Closes the browser: politely, then by force. Never hangs.
async fn close(browser: &mut Browser, process: &mut Child) {
    let polite = tokio::time::timeout(Duration::from_secs(2), browser.close()).await;
    let exited = match polite {
        Ok(Ok(_)) => tokio::time::timeout(Duration::from_secs(3), process.wait())
            .await
            .is_ok(),
        _ => false,
    };
    if !exited {
        let _ = tokio::time::timeout(Duration::from_secs(5), process.kill()).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), process.wait()).await;
    }
}
