//! A second, plain DevTools connection to the scanned browser.
//!
//! chromiumoxide resumes every auto-attached worker itself, before a client
//! could enable anything on it, and hands out no handle on those sessions.
//! Workers and pop-ups are therefore attached over a connection of outflow's
//! own: every message is JSON, events keep their session id, and commands
//! are answered by id, each with a time limit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use crate::cdp::CallError;

/// Largest DevTools message read (a script's source comes in one message).
const MESSAGE_LIMIT: usize = 256 * 1024 * 1024;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>>;

/// An event, with the session it came from (`None`: the browser's own).
#[derive(Debug)]
pub(crate) struct Event {
    pub session: Option<String>,
    pub method: String,
    pub params: Value,
}

/// The sending half of the connection; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    outgoing: mpsc::UnboundedSender<String>,
    pending: Pending,
    next_id: Arc<AtomicU64>,
}

/// Connects to the browser's DevTools endpoint. The reading and writing
/// tasks run in `tasks`; events arrive on the returned receiver.
pub(crate) async fn connect(
    url: &str,
    tasks: &mut JoinSet<()>,
) -> Result<(Connection, mpsc::UnboundedReceiver<Event>), String> {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MESSAGE_LIMIT))
        .max_frame_size(Some(MESSAGE_LIMIT));
    let (socket, _) = async_tungstenite::tokio::connect_async_with_config(url, Some(config))
        .await
        .map_err(|e| format!("connecting to {url}: {e}"))?;
    let (mut sink, mut stream) = socket.split();
    let (outgoing, mut to_send) = mpsc::unbounded_channel::<String>();
    let (events_tx, events) = mpsc::unbounded_channel();
    let pending: Pending = Arc::new(Mutex::new(HashMap::new()));

    tasks.spawn(async move {
        while let Some(text) = to_send.recv().await {
            if sink.send(Message::text(text)).await.is_err() {
                break;
            }
        }
    });
    {
        let pending = pending.clone();
        tasks.spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(mut value) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                if let Some(id) = value.get("id").and_then(Value::as_u64) {
                    let waiter = lock(&pending).remove(&id);
                    if let Some(waiter) = waiter {
                        let answer = match value.get_mut("error") {
                            Some(error) => Err(error
                                .get("message")
                                .and_then(Value::as_str)
                                .unwrap_or("error")
                                .to_string()),
                            None => {
                                Ok(value.get_mut("result").map(Value::take).unwrap_or_default())
                            }
                        };
                        let _ = waiter.send(answer);
                    }
                    continue;
                }
                let Some(method) = value.get("method").and_then(Value::as_str) else {
                    continue;
                };
                let event = Event {
                    method: method.to_string(),
                    session: value
                        .get("sessionId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    params: value.get_mut("params").map(Value::take).unwrap_or_default(),
                };
                if events_tx.send(event).is_err() {
                    break;
                }
            }
            // Whoever still waits learns that no answer will come.
            lock(&pending).clear();
        });
    }
    Ok((
        Connection {
            outgoing,
            pending,
            next_id: Arc::new(AtomicU64::new(1)),
        },
        events,
    ))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Connection {
    /// Sends `method` to `session` (`None`: the browser) and waits at most
    /// `limit` for the answer.
    pub(crate) async fn call(
        &self,
        session: Option<&str>,
        method: &'static str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, CallError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        if self.outgoing.send(message.to_string()).is_err() {
            lock(&self.pending).remove(&id);
            return Err(CallError::Failed {
                method,
                message: "the DevTools connection is closed".to_string(),
            });
        }
        let answer = tokio::time::timeout(limit, rx).await;
        match answer {
            Ok(Ok(Ok(result))) => Ok(result),
            Ok(Ok(Err(message))) => Err(CallError::Failed { method, message }),
            Ok(Err(_)) => Err(CallError::Failed {
                method,
                message: "the DevTools connection closed".to_string(),
            }),
            Err(_) => {
                lock(&self.pending).remove(&id);
                Err(CallError::TimedOut {
                    method,
                    seconds: limit.as_secs_f64(),
                })
            }
        }
    }
}
