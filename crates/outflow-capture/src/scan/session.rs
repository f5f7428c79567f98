//! The visit of the opened page, phase by phase: recording subscribed, the
//! page set up, navigated and settled, its login form filled (and submitted
//! when asked), and what only the end of the visit can read collected.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chromiumoxide::{Browser, Page};
use outflow_model::{Canary, CaptureErrorKind, Cookie, INCOMPLETE_BUSY};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::setup::{attach_workers_and_popups, listen, prepare};
use super::{Problems, ScanOptions};
use crate::cdp::{call, call_browser};
use crate::follow_up::{self, CommandTarget, Shared, lock};
use crate::forms::{self, CanarySet, FillSettings};
use crate::instrumentation::Instrumentation;
use crate::recorder::FollowUp;
use crate::script_elements;
use crate::targets::TargetSettings;

/// Longest wait for a page opened by a followed "log in" link.
const FOLLOW_LOAD_LIMIT: Duration = Duration::from_secs(10);
/// Longest wait for a load after a checkout click whose requests have
/// settled (a click that only posts never loads).
const CLICK_LOAD_LIMIT: Duration = Duration::from_secs(2);

/// How long the settling and form filling after the page timeout may take
/// at most: with [`COLLECT_GRACE`] and the shutdown, what a scan may last
/// beyond `--timeout` (see [`crate::SCAN_GRACE`]).
pub(super) const INTERACTION_GRACE: Duration = Duration::from_secs(15);

/// How long collecting the visit's last records may take at most.
pub(super) const COLLECT_GRACE: Duration = Duration::from_secs(10);

/// How long the page's main thread has to answer a trivial evaluation
/// before it counts as busy.
const BUSY_PROBE: Duration = Duration::from_secs(2);

/// How many times a busy page's script is terminated before the visit goes
/// on regardless.
const BUSY_STOPS: u32 = 3;

/// The longest one busy check lasts: each round a probe and a
/// termination.
pub(super) const BUSY_CHECK_WORST: Duration =
    Duration::from_secs(BUSY_STOPS as u64 * 2 * BUSY_PROBE.as_secs());

/// What the visit found beside the recorder's records.
#[derive(Debug, Default)]
pub(super) struct Visit {
    /// The user agent presented.
    pub user_agent: Option<String>,
    /// Milliseconds from the navigation command to the load event.
    pub load_ms: Option<u64>,
    /// The login form's canaries and submission.
    pub forms: FormsFilled,
    /// The cookie jar at the end, when the browser still answered.
    pub cookies: Option<Vec<Cookie>>,
}

/// The canaries typed into the login form, and whether (and when) it was
/// submitted.
#[derive(Debug, Default)]
pub(super) struct FormsFilled {
    pub canaries: Vec<Canary>,
    pub submitted: bool,
    pub submitted_at_ms: Option<u64>,
}

/// The page being visited, with what is needed to drive and wait on it.
pub(super) struct Session<'a> {
    pub page: &'a Page,
    pub browser: &'a Browser,
    pub recorder: &'a Shared,
    pub gone: &'a AtomicBool,
    pub instrumentation: &'a Instrumentation,
    pub options: &'a ScanOptions,
}

impl Session<'_> {
    /// The whole visit of `url`, its phases in order. Problems are noted in
    /// `problems`; nothing stops the visit but a page that is gone.
    pub(super) async fn visit(
        &self,
        url: &str,
        tasks: &mut JoinSet<()>,
        follow_tx: &mpsc::UnboundedSender<FollowUp>,
        follow_rx: mpsc::UnboundedReceiver<FollowUp>,
        problems: &mut Problems,
    ) -> Visit {
        let mut visit = Visit::default();
        self.subscribe(tasks, follow_tx, follow_rx, problems).await;
        visit.user_agent = prepare(
            self.page,
            self.browser,
            self.instrumentation,
            self.options,
            problems,
        )
        .await;
        if self.options.instrument {
            self.attach_targets(tasks, visit.user_agent.clone(), problems)
                .await;
        }
        let started = Instant::now();
        let (loaded, load_ms) = self.navigate(url, problems).await;
        visit.load_ms = load_ms;
        let busy = !self.dead() && self.stop_if_busy(problems).await;
        if loaded && !busy {
            // Settling and filling end at the page timeout plus a grace,
            // wherever they are: what was recorded is kept.
            let limit =
                (self.options.timeout + INTERACTION_GRACE).saturating_sub(started.elapsed());
            let interaction = async {
                self.settle().await;
                if self.options.fill_forms && !self.dead() {
                    visit.forms = self.fill_forms(problems).await;
                }
            };
            if tokio::time::timeout(limit, interaction).await.is_err() {
                problems.push((
                    CaptureErrorKind::Timeout,
                    format!(
                        "{url}: settling and form filling were cut {} s after the page timeout; \
                         keeping what was recorded",
                        INTERACTION_GRACE.as_secs()
                    ),
                ));
                self.stop_if_busy(problems).await;
            }
        }
        let mut collected = None;
        if tokio::time::timeout(COLLECT_GRACE, async {
            collected = self.collect(loaded, problems).await;
        })
        .await
        .is_err()
        {
            problems.push((
                CaptureErrorKind::Timeout,
                format!(
                    "collecting the last records was cut after {} s; keeping what was recorded",
                    COLLECT_GRACE.as_secs()
                ),
            ));
        }
        visit.cookies = collected;
        visit
    }

    /// Runs the recorder's follow-ups on the page and feeds it every event
    /// of the page.
    async fn subscribe(
        &self,
        tasks: &mut JoinSet<()>,
        follow_tx: &mpsc::UnboundedSender<FollowUp>,
        follow_rx: mpsc::UnboundedReceiver<FollowUp>,
        problems: &mut Problems,
    ) {
        let options = self.options;
        follow_up::spawn(
            tasks,
            CommandTarget::Page(self.page.clone()),
            self.recorder.clone(),
            follow_rx,
            options.command_timeout,
        );
        match tokio::time::timeout(
            options.command_timeout,
            listen(tasks, self.page, self.browser, self.recorder, follow_tx),
        )
        .await
        {
            Ok(Ok(())) => {}
            Ok(Err(error)) => problems.push((CaptureErrorKind::Protocol, error)),
            Err(_) => problems.push((
                CaptureErrorKind::Protocol,
                "subscribing to DevTools events: no answer".to_string(),
            )),
        }
    }

    /// Hands the page's workers and pop-ups over to outflow's own
    /// connection, set up like the page.
    async fn attach_targets(
        &self,
        tasks: &mut JoinSet<()>,
        user_agent: Option<String>,
        problems: &mut Problems,
    ) {
        let options = self.options;
        attach_workers_and_popups(
            tasks,
            self.page,
            self.browser,
            self.recorder,
            TargetSettings {
                main_target: self.page.target_id().inner().clone(),
                binding: self.instrumentation.binding.clone(),
                instrumentation: self.instrumentation.source.clone(),
                persona: options.persona.clone(),
                user_agent,
                ignore_https_errors: options.ignore_https_errors,
                limit: options.command_timeout,
            },
            problems,
        )
        .await;
    }

    /// Finds the login or sign-up form, types canaries into it (following
    /// a "log in" link first when there is none), and submits it when
    /// asked; waits for the network to settle after each step.
    async fn fill_forms(&self, problems: &mut Problems) -> FormsFilled {
        let options = self.options;
        let recorder = self.recorder;
        // Typing and submission times on the requests' clock (the
        // recorder's, which starts once the browser is up).
        let clock = lock(recorder).clock_start();
        let outcome = forms::fill(
            self.page,
            &FillSettings {
                pace: options.pace,
                submit: options.submit,
                command_timeout: options.command_timeout,
                started: clock,
                deadline: Instant::now() + options.timeout,
            },
            &CanarySet::new(),
            || lock(recorder).expect_load(),
            async || {
                // A link to a login page navigates; a button may
                // only open a dialog: wait for a load, not forever.
                self.wait_for_load_within(FOLLOW_LOAD_LIMIT).await;
                self.settle().await;
            },
            async || {
                // A checkout click may navigate to the next step, or
                // only post and show more of the page: wait for the
                // network, then briefly for a load.
                self.settle().await;
                if self.wait_for_load_within(CLICK_LOAD_LIMIT).await {
                    self.settle().await;
                }
            },
        )
        .await;
        problems.extend(outcome.problems);
        self.settle().await;
        if outcome.submitted {
            // A form may submit by script without navigating.
            self.wait_for_load_within(FOLLOW_LOAD_LIMIT).await;
            self.settle().await;
        }
        FormsFilled {
            canaries: outcome.canaries,
            submitted: outcome.submitted,
            submitted_at_ms: outcome.submitted_at_ms,
        }
    }

    /// What only the end of the visit can read: the instrumentation's last
    /// records, pending bodies and sources, the `<script src>` elements and
    /// their served bodies, and the cookie jar (returned).
    async fn collect(&self, loaded: bool, problems: &mut Problems) -> Option<Vec<Cookie>> {
        let options = self.options;
        // The instrumentation hands over its records every 50 ms.
        tokio::time::sleep(Duration::from_millis(150)).await;
        self.wait_for_follow_ups().await;
        if options.instrument && !self.dead() {
            script_elements::collect(self.page, self.recorder, options.command_timeout, loaded)
                .await;
        }
        if self.dead() {
            return None;
        }
        match call_browser(
            self.browser,
            "Storage.getCookies",
            json!({}),
            options.command_timeout,
        )
        .await
        {
            Ok(result) => Some(lock(self.recorder).cookies_from(&result)),
            Err(error) => {
                problems.push((CaptureErrorKind::Protocol, error.to_string()));
                None
            }
        }
    }

    /// Whether the page's main thread is still running script (a busy
    /// loop, a flood of requests): then its script is terminated (the
    /// termination is served off the main thread), so that the sources and
    /// records still pending can be read, and the capture is marked
    /// [`INCOMPLETE_BUSY`]. Returns whether it was busy.
    async fn stop_if_busy(&self, problems: &mut Problems) -> bool {
        let mut busy = false;
        for _ in 0..BUSY_STOPS {
            let probe = call(
                self.page,
                "Runtime.evaluate",
                // Named like outflow's other injected code, so that the
                // recorder does not take the probe for a page script.
                json!({"expression": "0\n//# sourceURL=outflow:busy-probe", "returnByValue": true}),
                BUSY_PROBE,
            )
            .await;
            if probe.is_ok() || self.dead() {
                break;
            }
            busy = true;
            let _ = call(
                self.page,
                "Runtime.terminateExecution",
                json!({}),
                BUSY_PROBE,
            )
            .await;
        }
        if busy {
            problems.push((
                CaptureErrorKind::Timeout,
                format!(
                    "{INCOMPLETE_BUSY}: the page's script was still running when the page \
                     timeout ({:.0} s) passed and was stopped; every script and request seen \
                     until then is recorded and analysed statically, what the page would have \
                     done next is not",
                    self.options.timeout.as_secs_f64()
                ),
            ));
        }
        busy
    }

    fn dead(&self) -> bool {
        self.gone.load(Ordering::SeqCst) || lock(self.recorder).crashed()
    }

    /// Navigates and waits for the load event; returns whether the page
    /// loaded (possibly late, possibly partly), and how long the load event
    /// took when it fired.
    async fn navigate(&self, url: &str, errors: &mut Problems) -> (bool, Option<u64>) {
        lock(self.recorder).expect_load();
        let sent = Instant::now();
        // One deadline for the navigation's answer and the load event.
        let deadline = sent + self.options.timeout;
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
        let fired = self
            .wait_for_load_within(deadline.saturating_duration_since(Instant::now()))
            .await;
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
