//! Running the recorder's follow-ups (bodies, script sources, dialog
//! answers) against the target whose event asked for them.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chromiumoxide::Page;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::cdp::{CallError, call};
use crate::connection::Connection;
use crate::recorder::{FollowUp, Recorder};

/// The recorder, shared by the tasks that feed it.
pub(crate) type Shared = Arc<Mutex<Recorder>>;

/// Locks the recorder. A panic while holding the lock leaves
/// consistent-enough data: keep it.
pub(crate) fn lock(recorder: &Shared) -> MutexGuard<'_, Recorder> {
    recorder
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where a follow-up's command goes.
#[derive(Debug, Clone)]
pub(crate) enum CommandTarget {
    /// The scanned page, through chromiumoxide.
    Page(Page),
    /// A worker or pop-up session on outflow's own connection.
    Session {
        connection: Connection,
        session: String,
    },
}

impl CommandTarget {
    async fn call(
        &self,
        method: &'static str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, CallError> {
        match self {
            CommandTarget::Page(page) => call(page, method, params, limit).await,
            CommandTarget::Session {
                connection,
                session,
            } => connection.call(Some(session), method, params, limit).await,
        }
    }
}

/// Runs follow-ups for `target` as they come on `follow_rx`, each with its
/// own time limit, until the channel closes.
pub(crate) fn spawn(
    tasks: &mut JoinSet<()>,
    target: CommandTarget,
    recorder: Shared,
    mut follow_rx: mpsc::UnboundedReceiver<FollowUp>,
    limit: Duration,
) {
    tasks.spawn(async move {
        let mut running = JoinSet::new();
        while let Some(follow) = follow_rx.recv().await {
            running.spawn(run(target.clone(), recorder.clone(), follow, limit));
            // Reap finished ones so the set does not grow without bound.
            while running.try_join_next().is_some() {}
        }
        while running.join_next().await.is_some() {}
    });
}

async fn run(target: CommandTarget, recorder: Shared, follow: FollowUp, limit: Duration) {
    match follow {
        FollowUp::PostData { request_id } => {
            let result = target
                .call(
                    "Network.getRequestPostData",
                    json!({"requestId": request_id}),
                    limit,
                )
                .await
                .map_err(|e| e.to_string())
                .map(|v| post_data_bytes(&v));
            lock(&recorder).on_post_data(&request_id, result);
        }
        FollowUp::ScriptSource { script_id, key } => {
            let result = target
                .call(
                    "Debugger.getScriptSource",
                    json!({"scriptId": script_id}),
                    limit,
                )
                .await
                .map_err(|e| e.to_string())
                .and_then(|v| {
                    v.get("scriptSource")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| "no source in the answer".to_string())
                });
            lock(&recorder).on_script_source(&key, result);
        }
        FollowUp::AnswerDialog { prompt_text } => {
            let _ = target
                .call(
                    "Page.handleJavaScriptDialog",
                    json!({"accept": true, "promptText": prompt_text}),
                    limit,
                )
                .await;
        }
        FollowUp::Resume => {
            let _ = target.call("Debugger.resume", json!({}), limit).await;
        }
    }
}

fn post_data_bytes(result: &Value) -> Vec<u8> {
    let data = result
        .get("postData")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if result.get("base64Encoded").and_then(Value::as_bool) == Some(true) {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap_or_else(|_| data.as_bytes().to_vec())
    } else {
        data.as_bytes().to_vec()
    }
}
