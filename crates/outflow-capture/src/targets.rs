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

async fn watch(
    connection: Connection,
    mut events: mpsc::UnboundedReceiver<Event>,
    recorder: Shared,
    settings: TargetSettings,
    ready: oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    // Dropped with this task: the set-ups and follow-up runners end too.
    let mut running = JoinSet::new();
    let mut sessions: HashMap<String, Attached> = HashMap::new();
    let mut popups: HashSet<String> = HashSet::new();
    let mut counts = (0usize, 0usize);
    while let Some(event) = events.recv().await {
        match event.method.as_str() {
            "Target.attachedToTarget" => {
                let session = str_of(&event.params, "sessionId").to_string();
                let info = event.params.get("targetInfo").cloned().unwrap_or_default();
                let waiting = event
                    .params
                    .get("waitingForDebugger")
                    .and_then(Value::as_bool)
                    == Some(true);
                if session.is_empty() {
                    continue;
                }
                let target_id = str_of(&info, "targetId").to_string();
                let opener = str_of(&info, "openerId");
                let mut kind = match str_of(&info, "type") {
                    "page" if target_id == settings.main_target => Kind::Main,
                    // A page opened by the scanned page or one of its pop-ups;
                    // pages that existed before the scan are not paused.
                    "page"
                        if opener == settings.main_target || popups.contains(opener) || waiting =>
                    {
                        Kind::Popup
                    }
                    "worker" | "shared_worker" | "service_worker" => Kind::Worker,
                    _ => Kind::Other,
                };
                if matches!(kind, Kind::Popup | Kind::Worker) && sessions.len() >= MAX_SESSIONS {
                    lock(&recorder).error(
                        CaptureErrorKind::Limit,
                        format!(
                            "more than {MAX_SESSIONS} workers and pop-ups: {} runs unrecorded",
                            str_of(&info, "url")
                        ),
                    );
                    kind = Kind::Other;
                }
                let scope = match kind {
                    Kind::Popup => {
                        counts.0 += 1;
                        popups.insert(target_id);
                        Some(Scope::Popup {
                            prefix: format!("p{}", counts.0),
                        })
                    }
                    Kind::Worker => {
                        counts.1 += 1;
                        Some(Scope::Worker {
                            prefix: format!("w{}", counts.1),
                            url: str_of(&info, "url").to_string(),
                        })
                    }
                    Kind::Main | Kind::Other => None,
                };
                let follow_tx = scope.as_ref().map(|_| {
                    let (tx, rx) = mpsc::unbounded_channel();
                    follow_up::spawn(
                        &mut running,
                        CommandTarget::Session {
                            connection: connection.clone(),
                            session: session.clone(),
                        },
                        recorder.clone(),
                        rx,
                        settings.limit,
                    );
                    tx
                });
                // Only recorded targets are remembered: a page that starts
                // workers in a loop cannot grow this past the limit.
                if scope.is_some() {
                    sessions.insert(session.clone(), Attached { scope, follow_tx });
                }
                let steps = set_up_steps(kind, &settings);
                let connection = connection.clone();
                let recorder = recorder.clone();
                let limit = settings.limit;
                let url = str_of(&info, "url").to_string();
                let ready = if kind == Kind::Main {
                    ready.take()
                } else {
                    None
                };
                let recorded = matches!(kind, Kind::Popup | Kind::Worker);
                if recorded {
                    lock(&recorder).target_starting();
                }
                running.spawn(async move {
                    for (method, params) in steps {
                        if let Err(error) =
                            connection.call(Some(&session), method, params, limit).await
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
                // Reap finished set-ups so the set does not grow without
                // bound.
                while running.try_join_next().is_some() {}
            }
            "Target.detachedFromTarget" => {
                // Its follow-up runner ends once the sender is gone.
                sessions.remove(str_of(&event.params, "sessionId"));
            }
            _ => {
                let Some(attached) = event.session.as_ref().and_then(|s| sessions.get(s)) else {
                    continue;
                };
                let (Some(scope), Some(follow_tx)) = (&attached.scope, &attached.follow_tx) else {
                    continue;
                };
                for follow in lock(&recorder).handle_in(scope, &event.method, &event.params) {
                    let _ = follow_tx.send(follow);
                }
            }
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
