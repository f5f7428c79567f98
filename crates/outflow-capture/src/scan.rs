//! One visit: launch, instrument, navigate, fill, settle, collect, close.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chromiumoxide::error::CdpError;
use chromiumoxide::{Browser, Page};
use futures::StreamExt;
use outflow_model::{Capture, CaptureErrorKind, CaptureSource};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::cdp::{call, call_browser};
use crate::error::CaptureFailure;
use crate::follow_up::{self, CommandTarget, Shared, lock};
use crate::forms::{self, CanarySet, FillSettings, TypingPace};
use crate::host_map::HostMapping;
use crate::instrumentation::Instrumentation;
use crate::launch::{LaunchSettings, chromium_path, launch};
use crate::persona::Persona;
use crate::recorder::{BODY_LIMIT, FollowUp, Recorder, ScriptStore};
use crate::script_elements;
use crate::targets::{self, TargetSettings};

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
    /// Record the page: network, scripts, and the instrumentation's API
    /// calls. Off only to measure a bare load (scripts/bench-scan): the page
    /// is then navigated with nothing but the Page domain enabled.
    pub instrument: bool,
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

/// Longest wait for a page opened by a followed "log in" link.
const FOLLOW_LOAD_LIMIT: Duration = Duration::from_secs(10);

/// Visits `url` in a fresh Chromium and records what it does. Problems met
/// once the browser runs are recorded in the capture, with everything
/// recorded before them; only a browser that cannot start is an error.
pub async fn scan(url: &str, options: &ScanOptions) -> Result<ScanOutput, CaptureFailure> {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let mut profile = tempfile::Builder::new();
    profile.prefix("outflow-profile-");
    let profile = match &options.profile_parent {
        Some(dir) => profile.tempdir_in(dir),
        None => profile.tempdir(),
    }
    .map_err(|source| CaptureFailure::Io {
        what: "creating a browser profile directory".to_string(),
        source,
    })?;
    if let Some(dir) = &options.scripts_dir {
        std::fs::create_dir_all(dir).map_err(|source| CaptureFailure::Io {
            what: format!("creating {}", dir.display()),
            source,
        })?;
    }
    let settings = LaunchSettings {
        binary: &options.chromium,
        profile: profile.path(),
        mappings: &options.mappings,
        persona: options.persona.as_ref(),
        ignore_https_errors: options.ignore_https_errors,
        command_timeout: options.command_timeout,
    };
    let (mut browser, mut handler) = launch(&settings).await?;

    let instrumentation = Instrumentation::new();
    let store = match &options.scripts_dir {
        Some(dir) => ScriptStore::Dir(dir.clone()),
        None => ScriptStore::Memory(BTreeMap::new()),
    };
    let recorder: Shared = Arc::new(Mutex::new(Recorder::new(
        instrumentation.binding.clone(),
        &instrumentation.source,
        store,
    )));
    let browser_gone = Arc::new(AtomicBool::new(false));
    let (follow_tx, follow_rx) = mpsc::unbounded_channel::<FollowUp>();
    let mut tasks = JoinSet::new();

    // The handler drives the connection. Messages chromiumoxide's types
    // reject come back as errors: they are read leniently, not dropped.
    {
        let recorder = recorder.clone();
        let gone = browser_gone.clone();
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

    let mut capture_errors: Vec<(CaptureErrorKind, String)> = Vec::new();
    let page = match tokio::time::timeout(options.command_timeout, browser.new_page("about:blank"))
        .await
    {
        Ok(Ok(page)) => Some(page),
        Ok(Err(error)) => {
            capture_errors.push((CaptureErrorKind::Launch, format!("opening a page: {error}")));
            None
        }
        Err(_) => {
            capture_errors.push((
                CaptureErrorKind::Launch,
                "opening a page: no answer from Chromium".to_string(),
            ));
            None
        }
    };

    let mut canaries = Vec::new();
    let mut submitted = false;
    let mut submitted_at_ms = None;
    let mut user_agent = None;
    let mut cookies = None;
    let mut load_ms = None;
    if let Some(page) = &page {
        follow_up::spawn(
            &mut tasks,
            CommandTarget::Page(page.clone()),
            recorder.clone(),
            follow_rx,
            options.command_timeout,
        );
        match tokio::time::timeout(
            options.command_timeout,
            listen(&mut tasks, page, &browser, &recorder, &follow_tx),
        )
        .await
        {
            Ok(Ok(())) => {}
            Ok(Err(error)) => capture_errors.push((CaptureErrorKind::Protocol, error)),
            Err(_) => capture_errors.push((
                CaptureErrorKind::Protocol,
                "subscribing to DevTools events: no answer".to_string(),
            )),
        }
        user_agent = prepare(
            page,
            &browser,
            &instrumentation,
            options,
            &mut capture_errors,
        )
        .await;
        if options.instrument {
            attach_workers_and_popups(
                &mut tasks,
                page,
                &browser,
                &recorder,
                TargetSettings {
                    main_target: page.target_id().inner().clone(),
                    binding: instrumentation.binding.clone(),
                    instrumentation: instrumentation.source.clone(),
                    persona: options.persona.clone(),
                    user_agent: user_agent.clone(),
                    ignore_https_errors: options.ignore_https_errors,
                    limit: options.command_timeout,
                },
                &mut capture_errors,
            )
            .await;
        }
        let session = Session {
            page,
            recorder: &recorder,
            gone: &browser_gone,
            options,
            started,
        };
        let (loaded, load_time) = session.navigate(url, &mut capture_errors).await;
        load_ms = load_time;
        if loaded {
            session.settle().await;
            if options.fill_forms && !session.dead() {
                // Typing and submission times on the requests' clock (the
                // recorder's, which starts once the browser is up).
                let clock = lock(&recorder).clock_start();
                let outcome = forms::fill(
                    page,
                    &FillSettings {
                        pace: options.pace,
                        submit: options.submit,
                        command_timeout: options.command_timeout,
                        started: clock,
                    },
                    &CanarySet::new(),
                    || lock(&recorder).expect_load(),
                    async || {
                        // A link to a login page navigates; a button may
                        // only open a dialog: wait for a load, not forever.
                        session.wait_for_load_within(FOLLOW_LOAD_LIMIT).await;
                        session.settle().await;
                    },
                )
                .await;
                capture_errors.extend(outcome.problems);
                canaries = outcome.canaries;
                submitted = outcome.submitted;
                submitted_at_ms = outcome.submitted_at_ms;
                session.settle().await;
                if submitted {
                    // A form may submit by script without navigating.
                    session.wait_for_load_within(FOLLOW_LOAD_LIMIT).await;
                    session.settle().await;
                }
            }
        }
        // The instrumentation hands over its records every 50 ms.
        tokio::time::sleep(Duration::from_millis(150)).await;
        session.wait_for_follow_ups().await;
        if options.instrument && !session.dead() {
            script_elements::collect(page, &recorder, options.command_timeout, loaded).await;
        }
        if !session.dead() {
            cookies = match call_browser(
                &browser,
                "Storage.getCookies",
                json!({}),
                options.command_timeout,
            )
            .await
            {
                Ok(result) => Some(lock(&recorder).cookies_from(&result)),
                Err(error) => {
                    capture_errors.push((CaptureErrorKind::Protocol, error.to_string()));
                    None
                }
            };
        }
    }
    if browser_gone.load(Ordering::SeqCst) {
        capture_errors.push((
            CaptureErrorKind::Crash,
            "Chromium closed the DevTools connection (crashed or was killed); \
             keeping what was recorded"
                .to_string(),
        ));
    }
    let browser_version = match call_browser(
        &browser,
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
    close(&mut browser).await;
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    drop(page);

    let final_url;
    let finished = {
        let recorder = Arc::try_unwrap(recorder)
            .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
            .map_err(|_| ())
            .ok();
        let Some(mut recorder) = recorder else {
            return Err(CaptureFailure::Launch {
                path: options.chromium.clone(),
                message: "internal: the recorder is still shared after the browser closed"
                    .to_string(),
            });
        };
        for (kind, message) in capture_errors {
            recorder.error(kind, message);
        }
        final_url = recorder.main_frame_url();
        recorder.finish()
    };
    let sources = match finished.store {
        ScriptStore::Memory(map) => map,
        ScriptStore::Dir(_) => BTreeMap::new(),
    };
    let capture = Capture {
        target: url.to_string(),
        final_url,
        source: CaptureSource::Browser { headless: true },
        persona: options.persona.as_ref().map(|p| p.name.clone()),
        started_at: outflow_model::timestamp::rfc3339(started_at),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        browser_version,
        user_agent,
        frames: finished.frames,
        scripts: finished.scripts,
        requests: finished.requests,
        api_calls: options.instrument.then_some(finished.api_calls),
        canaries,
        submitted,
        submitted_at_ms,
        cookies,
        storage_writes: options.instrument.then_some(finished.storage_writes),
        events: finished.events,
        script_elements: options.instrument.then_some(finished.script_elements),
        errors: finished.errors,
    };
    drop(profile);
    Ok(ScanOutput {
        capture,
        sources,
        load_ms,
    })
}

/// Subscribes to every event the recorder reads. Typed events are turned
/// back into JSON so that one lenient reader handles them and the drifted
/// ones alike.
async fn listen(
    tasks: &mut JoinSet<()>,
    page: &Page,
    browser: &Browser,
    recorder: &Shared,
    follow_tx: &mpsc::UnboundedSender<FollowUp>,
) -> Result<(), String> {
    use chromiumoxide::cdp::browser_protocol::{browser, inspector, network, page as cdp_page};
    use chromiumoxide::cdp::js_protocol::{debugger, runtime};

    macro_rules! forward {
        ($source:expr, $($event:ty),+ $(,)?) => {$(
            {
                let mut stream = $source
                    .event_listener::<$event>()
                    .await
                    .map_err(|e| format!("subscribing to events: {e}"))?;
                let recorder = recorder.clone();
                let follow_tx = follow_tx.clone();
                tasks.spawn(async move {
                    let method = <$event as chromiumoxide::types::MethodType>::method_id();
                    while let Some(event) = stream.next().await {
                        let Ok(params) = serde_json::to_value(&*event) else { continue };
                        for follow in lock(&recorder).handle(&method, &params) {
                            let _ = follow_tx.send(follow);
                        }
                    }
                });
            }
        )+};
    }
    forward!(
        page,
        network::EventRequestWillBeSent,
        network::EventRequestWillBeSentExtraInfo,
        network::EventResponseReceived,
        network::EventResponseReceivedExtraInfo,
        network::EventLoadingFinished,
        network::EventLoadingFailed,
        network::EventWebSocketCreated,
        network::EventWebSocketFrameSent,
        network::EventWebSocketFrameReceived,
        network::EventEventSourceMessageReceived,
        cdp_page::EventFrameAttached,
        cdp_page::EventFrameNavigated,
        cdp_page::EventLoadEventFired,
        cdp_page::EventJavascriptDialogOpening,
        cdp_page::EventWindowOpen,
        inspector::EventTargetCrashed,
        debugger::EventScriptParsed,
        debugger::EventPaused,
        runtime::EventBindingCalled,
    );
    forward!(browser, browser::EventDownloadWillBegin);
    Ok(())
}

/// Hands the page's workers and its pop-ups over to outflow's own
/// connection ([`crate::targets`]).
async fn attach_workers_and_popups(
    tasks: &mut JoinSet<()>,
    page: &Page,
    browser: &Browser,
    recorder: &Shared,
    settings: TargetSettings,
    errors: &mut Vec<(CaptureErrorKind, String)>,
) {
    // chromiumoxide's own auto-attach would let each worker run before it
    // could be recorded: only outflow's connection attaches them.
    if let Err(error) = call(
        page,
        "Target.setAutoAttach",
        json!({"autoAttach": false, "waitForDebuggerOnStart": false, "flatten": true}),
        settings.limit,
    )
    .await
    {
        errors.push((CaptureErrorKind::Protocol, error.to_string()));
    }
    let limit = settings.limit;
    let started = tokio::time::timeout(
        limit,
        targets::start(
            browser.websocket_address(),
            tasks,
            recorder.clone(),
            settings,
        ),
    )
    .await;
    let problem = match started {
        Ok(Ok(())) => return,
        Ok(Err(error)) => error,
        Err(_) => "no answer".to_string(),
    };
    errors.push((
        CaptureErrorKind::Protocol,
        format!("attaching workers and pop-ups: {problem}; their requests are not recorded"),
    ));
}

/// Sets up the page before it loads anything: domains, persona, binding and
/// instrumentation. Returns the user agent presented.
async fn prepare(
    page: &Page,
    browser: &Browser,
    instrumentation: &Instrumentation,
    options: &ScanOptions,
    errors: &mut Vec<(CaptureErrorKind, String)>,
) -> Option<String> {
    let limit = options.command_timeout;
    let mut steps: Vec<(&'static str, Value)> = vec![("Page.enable", json!({}))];
    if options.instrument {
        steps.extend([(
            "Network.enable",
            json!({"maxPostDataSize": BODY_LIMIT, "maxTotalBufferSize": 32 * 1024 * 1024, "maxResourceBufferSize": 4 * 1024 * 1024}),
        ),
        ("Runtime.enable", json!({})),
            // Crashes are reported on the page session.
            ("Inspector.enable", json!({})),
        ]);
        steps.extend([
            ("Debugger.enable", json!({})),
            // Anti-debugging `debugger;` loops must not stop the page.
            ("Debugger.setSkipAllPauses", json!({"skip": true})),
            ("Debugger.setAsyncCallStackDepth", json!({"maxDepth": 8})),
            (
                "Runtime.addBinding",
                json!({"name": instrumentation.binding}),
            ),
            (
                "Page.addScriptToEvaluateOnNewDocument",
                json!({"source": instrumentation.source}),
            ),
        ]);
        steps.extend(script_elements::setup_steps());
    }
    if options.ignore_https_errors {
        steps.push((
            "Security.setIgnoreCertificateErrors",
            json!({"ignore": true}),
        ));
    }
    if let Some(persona) = &options.persona {
        steps.extend([
            ("Emulation.setTimezoneOverride", json!({"timezoneId": persona.timezone})),
            ("Emulation.setLocaleOverride", json!({"locale": persona.locale})),
            (
                "Emulation.setGeolocationOverride",
                json!({"latitude": persona.latitude, "longitude": persona.longitude, "accuracy": 50}),
            ),
        ]);
    }
    for (method, params) in steps {
        if let Err(error) = call(page, method, params, limit).await {
            errors.push((CaptureErrorKind::Protocol, error.to_string()));
        }
    }
    let mut browser_steps = vec![(
        "Browser.setDownloadBehavior",
        json!({"behavior": "deny", "eventsEnabled": true}),
    )];
    if options.persona.is_some() {
        browser_steps.push((
            "Browser.grantPermissions",
            json!({"permissions": ["geolocation"]}),
        ));
    }
    for (method, params) in browser_steps {
        if let Err(error) = call_browser(browser, method, params, limit).await {
            errors.push((CaptureErrorKind::Protocol, error.to_string()));
        }
    }
    // Headless Chromium names itself in the user agent; sites can cloak on
    // it. Present the regular product name, with the persona's languages.
    let version = call_browser(browser, "Browser.getVersion", json!({}), limit)
        .await
        .ok()?;
    let agent = version
        .get("userAgent")
        .and_then(Value::as_str)?
        .replace("HeadlessChrome/", "Chrome/");
    let mut params = json!({"userAgent": agent});
    if let Some(persona) = &options.persona {
        // Chromium derives navigator.languages from this list and adds the
        // q-values to the header itself.
        params["acceptLanguage"] = json!(persona.languages.join(","));
    }
    if let Err(error) = call(page, "Network.setUserAgentOverride", params, limit).await {
        errors.push((CaptureErrorKind::Protocol, error.to_string()));
    }
    Some(agent)
}

/// The page being visited, with what is needed to wait on it.
struct Session<'a> {
    page: &'a Page,
    recorder: &'a Shared,
    gone: &'a AtomicBool,
    options: &'a ScanOptions,
    started: Instant,
}

impl Session<'_> {
    fn dead(&self) -> bool {
        self.gone.load(Ordering::SeqCst) || lock(self.recorder).crashed()
    }

    /// Navigates and waits for the load event; returns whether the page
    /// loaded (possibly late, possibly partly), and how long the load event
    /// took when it fired.
    async fn navigate(
        &self,
        url: &str,
        errors: &mut Vec<(CaptureErrorKind, String)>,
    ) -> (bool, Option<u64>) {
        lock(self.recorder).expect_load();
        let sent = Instant::now();
        // A renderer that crashes never answers the navigation: stop waiting
        // as soon as the crash is known.
        let result = tokio::select! {
            result = call(
                self.page,
                "Page.navigate",
                json!({"url": url}),
                self.options.timeout,
            ) => result,
            () = self.until_dead() => return (false, None),
        };
        match result {
            Ok(answer) => {
                if let Some(text) = answer
                    .get("errorText")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                {
                    errors.push(classify_navigation_error(url, text, self.options));
                    return (false, None);
                }
            }
            Err(error) => {
                errors.push((
                    CaptureErrorKind::Timeout,
                    format!(
                        "{url}: the navigation did not answer: {error}; keeping what was recorded"
                    ),
                ));
                return (false, None);
            }
        }
        let fired = self.wait_for_load().await;
        let load_ms = fired.then(|| u64::try_from(sent.elapsed().as_millis()).unwrap_or(u64::MAX));
        if !fired && !self.dead() {
            errors.push((
                CaptureErrorKind::Timeout,
                format!(
                    "{url}: the page did not finish loading within {:.0} s; keeping what was recorded",
                    self.options.timeout.as_secs_f64()
                ),
            ));
            let _ = call(
                self.page,
                "Page.stopLoading",
                json!({}),
                self.options.command_timeout,
            )
            .await;
        }
        (!self.dead(), load_ms)
    }

    /// Returns once the browser or the page's renderer is gone.
    async fn until_dead(&self) {
        while !self.dead() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the load event, at most the page timeout from now.
    async fn wait_for_load(&self) -> bool {
        self.wait_for_load_within(self.options.timeout).await
    }

    /// Waits for the load event, at most `limit` (and the page timeout).
    async fn wait_for_load_within(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit.min(self.options.timeout);
        while Instant::now() < deadline {
            if lock(self.recorder).load_fired() {
                return true;
            }
            if self.dead() {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// Waits until no request has been open or started for the quiet time,
    /// at most `max_settle`.
    async fn settle(&self) {
        let deadline = Instant::now() + self.options.max_settle;
        let quiet = u64::try_from(self.options.quiet.as_millis()).unwrap_or(u64::MAX);
        while Instant::now() < deadline && !self.dead() {
            let (open, last, now) = {
                let recorder = lock(self.recorder);
                let (open, last) = recorder.network_state();
                (open, last, recorder.now_ms())
            };
            if open == 0 && now.saturating_sub(last) >= quiet {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for pending bodies and script sources, at most one command
    /// timeout.
    async fn wait_for_follow_ups(&self) {
        let deadline = Instant::now() + self.options.command_timeout;
        while Instant::now() < deadline && !self.dead() {
            if lock(self.recorder).outstanding == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = self.started;
    }
}

fn classify_navigation_error(
    url: &str,
    text: &str,
    options: &ScanOptions,
) -> (CaptureErrorKind, String) {
    if text.contains("ERR_CERT") || text.contains("SSL") {
        let hint = if options.ignore_https_errors {
            ""
        } else {
            " (use --ignore-https-errors to scan anyway)"
        };
        (
            CaptureErrorKind::Tls,
            format!("{url}: TLS certificate rejected: {text}{hint}"),
        )
    } else if text.contains("ERR_TOO_MANY_REDIRECTS") {
        (
            CaptureErrorKind::RedirectLoop,
            format!("{url}: redirect loop ({text})"),
        )
    } else if text.contains("ERR_TIMED_OUT") {
        (CaptureErrorKind::Timeout, format!("{url}: {text}"))
    } else {
        (
            CaptureErrorKind::Navigation,
            format!("{url}: the page could not be loaded: {text}"),
        )
    }
}

/// Closes the browser: politely, then by force. Never hangs.
async fn close(browser: &mut Browser) {
    let polite = tokio::time::timeout(Duration::from_secs(5), browser.close()).await;
    let exited = match polite {
        Ok(Ok(_)) => tokio::time::timeout(Duration::from_secs(5), browser.wait())
            .await
            .is_ok(),
        _ => false,
    };
    if !exited {
        let _ = tokio::time::timeout(Duration::from_secs(5), browser.kill()).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), browser.wait()).await;
    }
}
