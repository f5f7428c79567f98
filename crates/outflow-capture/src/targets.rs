//! Workers and pop-up windows, recorded like the page itself.
//!
//! On outflow's own DevTools connection ([`crate::connection`]) the browser
//! auto-attaches every new target, paused before it runs
//! (`waitForDebuggerOnStart`, flat sessions), and so does the scanned page
//! for its dedicated workers. Each pop-up gets what the page got (network,
//! scripts, instrumentation, persona, dialog answers); each worker gets
//! network and script recording. Only then is it let run, so that its first
//! request and its main script are seen. Their events go to the same
//! recorder as the page's, tagged with a [`Scope`].

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use outflow_model::CaptureErrorKind;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use crate::connection::{self, Connection, Event};
use crate::fields::str_of;
use crate::follow_up::{self, CommandTarget, Shared, lock};
use crate::persona::Persona;
use crate::recorder::{BODY_LIMIT, FollowUp, Scope};

/// Most worker and pop-up sessions recorded in one scan; later ones run
/// unrecorded (a page can start workers in a loop).
const MAX_SESSIONS: usize = 256;

/// What a pop-up or worker is set up with.
#[derive(Debug, Clone)]
pub(crate) struct TargetSettings {
    /// The scanned page's target id: its workers are attached through it.
    pub main_target: String,
    /// The instrumentation binding name and script, for pop-ups.
    pub binding: String,
    pub instrumentation: String,
    pub persona: Option<Persona>,
    /// The user agent the page presents, presented by workers and pop-ups
    /// too.
    pub user_agent: Option<String>,
    pub ignore_https_errors: bool,
    pub limit: Duration,
}

/// What an attached target is to the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The scanned page (recorded through chromiumoxide): only its workers
    /// are attached here.
    Main,
    Popup,
    Worker,
    /// Anything else: let run, not recorded.
    Other,
}

struct Attached {
    scope: Option<Scope>,
    follow_tx: Option<mpsc::UnboundedSender<FollowUp>>,
}

/// Connects to `websocket_url` and starts attaching workers and pop-ups.
/// Returns once the browser auto-attaches new targets and the page its
/// workers.
pub(crate) async fn start(
    websocket_url: &str,
    tasks: &mut JoinSet<()>,
    recorder: Shared,
    settings: TargetSettings,
) -> Result<(), String> {
    let (connection, events) = connection::connect(websocket_url, tasks).await?;
    let (ready_tx, ready) = oneshot::channel();
    tasks.spawn(watch(
        connection.clone(),
        events,
        recorder,
        settings.clone(),
        ready_tx,
    ));
    connection
        .call(
            None,
            "Target.setAutoAttach",
            json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
            settings.limit,
        )
        .await
        .map_err(|e| e.to_string())?;
    // The browser attaches the existing page at once.
    ready
        .await
        .map_err(|_| "the page's own workers could not be watched".to_string())
}

/// Attaches every target the browser reports, one event at a time, until
/// the connection closes.
async fn watch(
    connection: Connection,
    mut events: mpsc::UnboundedReceiver<Event>,
    recorder: Shared,
    settings: TargetSettings,
    ready: oneshot::Sender<()>,
) {
    let mut watcher = Watcher {
        connection,
        recorder,
        settings,
        ready: Some(ready),
        running: JoinSet::new(),
        sessions: HashMap::new(),
        popups: HashSet::new(),
        counts: (0, 0),
    };
    while let Some(event) = events.recv().await {
        match event.method.as_str() {
            "Target.attachedToTarget" => watcher.on_attached(&event.params),
            "Target.detachedFromTarget" => {
                // Its follow-up runner ends once the sender is gone.
                watcher.sessions.remove(str_of(&event.params, "sessionId"));
            }
            _ => watcher.forward(&event),
        }
    }
}

/// The state of [`watch`]: the targets attached so far.
struct Watcher {
    connection: Connection,
    recorder: Shared,
    settings: TargetSettings,
    /// Sent once the scanned page itself is attached.
    ready: Option<oneshot::Sender<()>>,
    /// Set-ups and follow-up runners; dropped with the watcher, so they end
    /// too.
    running: JoinSet<()>,
    sessions: HashMap<String, Attached>,
    popups: HashSet<String>,
    /// Pop-ups and workers numbered so far (their script id prefixes).
    counts: (usize, usize),
}

impl Watcher {
    /// A target attached (paused when new): classified, given a scope and
    /// a follow-up runner when recorded, set up and let run.
    fn on_attached(&mut self, params: &Value) {
        let session = str_of(params, "sessionId").to_string();
        let info = params.get("targetInfo").cloned().unwrap_or_default();
        let waiting = params.get("waitingForDebugger").and_then(Value::as_bool) == Some(true);
        if session.is_empty() {
            return;
        }
        let kind = self.kind_of(&info, waiting);
        let scope = self.scope_for(kind, &info);
        let follow_tx = scope.as_ref().map(|_| self.run_follow_ups(&session));
        // Only recorded targets are remembered: a page that starts
        // workers in a loop cannot grow this past the limit.
        if scope.is_some() {
            self.sessions
                .insert(session.clone(), Attached { scope, follow_tx });
        }
        self.set_up(kind, session, str_of(&info, "url").to_string());
        // Reap finished set-ups so the set does not grow without
        // bound.
        while self.running.try_join_next().is_some() {}
    }

    /// What the target of `info` is to the scan; pop-ups and workers past
    /// [`MAX_SESSIONS`] run unrecorded.
    fn kind_of(&self, info: &Value, waiting: bool) -> Kind {
        let settings = &self.settings;
        let target_id = str_of(info, "targetId");
        let opener = str_of(info, "openerId");
        let kind = match str_of(info, "type") {
            "page" if target_id == settings.main_target => Kind::Main,
            // A page opened by the scanned page or one of its pop-ups;
            // pages that existed before the scan are not paused.
            "page" if opener == settings.main_target || self.popups.contains(opener) || waiting => {
                Kind::Popup
            }
            "worker" | "shared_worker" | "service_worker" => Kind::Worker,
            _ => Kind::Other,
        };
        if matches!(kind, Kind::Popup | Kind::Worker) && self.sessions.len() >= MAX_SESSIONS {
            lock(&self.recorder).error(
                CaptureErrorKind::Limit,
                format!(
                    "more than {MAX_SESSIONS} workers and pop-ups: {} runs unrecorded",
                    str_of(info, "url")
                ),
            );
            return Kind::Other;
        }
        kind
    }

    /// The scope a recorded target's events are tagged with, numbered in
    /// the order targets attach.
    fn scope_for(&mut self, kind: Kind, info: &Value) -> Option<Scope> {
        match kind {
            Kind::Popup => {
                self.counts.0 += 1;
                self.popups.insert(str_of(info, "targetId").to_string());
                Some(Scope::Popup {
                    prefix: format!("p{}", self.counts.0),
                })
            }
            Kind::Worker => {
                self.counts.1 += 1;
                Some(Scope::Worker {
                    prefix: format!("w{}", self.counts.1),
                    url: str_of(info, "url").to_string(),
                })
            }
            Kind::Main | Kind::Other => None,
        }
    }

    /// Starts running the recorder's follow-ups on `session`; returns
    /// where to send them.
    fn run_follow_ups(&mut self, session: &str) -> mpsc::UnboundedSender<FollowUp> {
        let (tx, rx) = mpsc::unbounded_channel();
        follow_up::spawn(
            &mut self.running,
            CommandTarget::Session {
                connection: self.connection.clone(),
                session: session.to_string(),
            },
            self.recorder.clone(),
            rx,
            self.settings.limit,
        );
        tx
    }

    /// Sets the target up in the background and lets it run; the scanned
    /// page's own set-up signals `ready`.
    fn set_up(&mut self, kind: Kind, session: String, url: String) {
        let steps = set_up_steps(kind, &self.settings);
        let connection = self.connection.clone();
        let recorder = self.recorder.clone();
        let limit = self.settings.limit;
        let ready = if kind == Kind::Main {
            self.ready.take()
        } else {
            None
        };
        let recorded = matches!(kind, Kind::Popup | Kind::Worker);
        if recorded {
            lock(&recorder).target_starting();
        }
        self.running.spawn(async move {
            for (method, params) in steps {
                if let Err(error) = connection.call(Some(&session), method, params, limit).await
                    && kind != Kind::Other
                {
                    // A worker that already ended cannot be set up;
                    // that is no loss.
                    let message = error.to_string();
                    if !message.contains("not found") && !message.contains("closed") {
                        lock(&recorder).error(
                            CaptureErrorKind::Protocol,
                            format!("setting up {url}: {message}"),
                        );
                    }
                }
            }
            if recorded {
                lock(&recorder).target_started();
            }
            if let Some(ready) = ready {
                let _ = ready.send(());
            }
        });
    }

    /// Any other event of a recorded target: to the recorder, tagged with
    /// the target's scope.
    fn forward(&self, event: &Event) {
        let Some(attached) = event.session.as_ref().and_then(|s| self.sessions.get(s)) else {
            return;
        };
        let (Some(scope), Some(follow_tx)) = (&attached.scope, &attached.follow_tx) else {
            return;
        };
        for follow in lock(&self.recorder).handle_in(scope, &event.method, &event.params) {
            let _ = follow_tx.send(follow);
        }
    }
}

/// The commands that set a target up, ending with the one that lets it run.
fn set_up_steps(kind: Kind, settings: &TargetSettings) -> Vec<(&'static str, Value)> {
    let auto_attach = (
        "Target.setAutoAttach",
        // Service and shared workers are attached once, by the browser's
        // own auto-attach: a second paused session would hold them.
        json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true,
               "filter": [{"type": "service_worker", "exclude": true},
                          {"type": "shared_worker", "exclude": true}, {}]}),
    );
    let network = (
        "Network.enable",
        json!({"maxPostDataSize": BODY_LIMIT, "maxTotalBufferSize": 32 * 1024 * 1024, "maxResourceBufferSize": 4 * 1024 * 1024}),
    );
    let debugger = [
        ("Debugger.enable", json!({})),
        ("Debugger.setSkipAllPauses", json!({"skip": true})),
        ("Debugger.setAsyncCallStackDepth", json!({"maxDepth": 8})),
    ];
    let mut user_agent = settings
        .user_agent
        .as_ref()
        .map(|agent| json!({"userAgent": agent}));
    if let (Some(params), Some(persona)) = (user_agent.as_mut(), &settings.persona) {
        params["acceptLanguage"] = json!(persona.languages.join(","));
    }
    let mut steps = Vec::new();
    match kind {
        Kind::Main => steps.push(auto_attach),
        Kind::Worker => {
            steps.push(network);
            steps.extend(debugger);
            if let Some(params) = user_agent {
                steps.push(("Network.setUserAgentOverride", params));
            }
            steps.push(auto_attach);
        }
        Kind::Popup => {
            steps.extend([
                ("Page.enable", json!({})),
                network,
                ("Runtime.enable", json!({})),
            ]);
            steps.extend(debugger);
            steps.extend([
                ("Runtime.addBinding", json!({"name": settings.binding})),
                (
                    "Page.addScriptToEvaluateOnNewDocument",
                    json!({"source": settings.instrumentation}),
                ),
            ]);
            if settings.ignore_https_errors {
                steps.push((
                    "Security.setIgnoreCertificateErrors",
                    json!({"ignore": true}),
                ));
            }
            if let Some(persona) = &settings.persona {
                steps.extend([
                    (
                        "Emulation.setTimezoneOverride",
                        json!({"timezoneId": persona.timezone}),
                    ),
                    (
                        "Emulation.setLocaleOverride",
                        json!({"locale": persona.locale}),
                    ),
                    (
                        "Emulation.setGeolocationOverride",
                        json!({"latitude": persona.latitude, "longitude": persona.longitude, "accuracy": 50}),
                    ),
                ]);
            }
            if let Some(params) = user_agent {
                steps.push(("Network.setUserAgentOverride", params));
            }
            steps.push(auto_attach);
        }
        Kind::Other => {}
    }
    steps.push(("Runtime.runIfWaitingForDebugger", json!({})));
    steps
}
