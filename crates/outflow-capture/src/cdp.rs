//! DevTools commands sent as plain JSON, each with a time limit.
//!
//! chromiumoxide's generated command types match an older protocol than the
//! installed Chromium; a renamed or retyped field in a response would make a
//! typed command fail as a whole. Commands here are sent by name with JSON
//! parameters and their results read leniently, field by field, so protocol
//! drift costs at most the one field that moved.

use std::borrow::Cow;
use std::time::Duration;

use chromiumoxide::types::{Command, Method, MethodId};
use chromiumoxide::{Browser, Page};
use serde::Serialize;
use serde_json::{Value, json};

/// A DevTools command given by method name and JSON parameters.
#[derive(Debug, Clone)]
pub(crate) struct RawCommand {
    method: &'static str,
    params: Value,
}

impl RawCommand {
    pub(crate) fn new(method: &'static str, params: Value) -> Self {
        Self { method, params }
    }
}

impl Serialize for RawCommand {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.params.serialize(serializer)
    }
}

impl Method for RawCommand {
    fn identifier(&self) -> MethodId {
        Cow::Borrowed(self.method)
    }
}

impl Command for RawCommand {
    type Response = Value;
}

/// Why a DevTools command gave no result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CallError {
    /// The browser answered with an error, or the connection failed.
    #[error("{method}: {message}")]
    Failed {
        method: &'static str,
        message: String,
    },
    /// No answer within the limit.
    #[error("{method}: no answer within {seconds:.1} s")]
    TimedOut { method: &'static str, seconds: f64 },
}

/// Sends `method` to the page's session and waits at most `limit`.
pub(crate) async fn call(
    page: &Page,
    method: &'static str,
    params: Value,
    limit: Duration,
) -> Result<Value, CallError> {
    let sent = async {
        let response = page.execute(RawCommand::new(method, params)).await;
        response.map(|r| r.result).map_err(|e| e.to_string())
    };
    within(method, limit, sent).await
}

/// Sends `method` to the browser's own session and waits at most `limit`.
pub(crate) async fn call_browser(
    browser: &Browser,
    method: &'static str,
    params: Value,
    limit: Duration,
) -> Result<Value, CallError> {
    let sent = async {
        let response = browser.execute(RawCommand::new(method, params)).await;
        response.map(|r| r.result).map_err(|e| e.to_string())
    };
    within(method, limit, sent).await
}

/// The answer to a sent command, or why there is none within `limit`.
async fn within(
    method: &'static str,
    limit: Duration,
    sent: impl std::future::Future<Output = Result<Value, String>>,
) -> Result<Value, CallError> {
    match tokio::time::timeout(limit, sent).await {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(message)) => Err(CallError::Failed { method, message }),
        Err(_) => Err(CallError::TimedOut {
            method,
            seconds: limit.as_secs_f64(),
        }),
    }
}

/// Evaluates `expression` in a fresh isolated world named `world` of
/// `frame_id` (the page's own scripts cannot see or touch it); returns the
/// world's context and the value.
pub(crate) async fn in_isolated_world(
    page: &Page,
    frame_id: &str,
    world: &str,
    expression: &str,
    limit: Duration,
) -> Result<(i64, Value), String> {
    let world = call(
        page,
        "Page.createIsolatedWorld",
        json!({"frameId": frame_id, "worldName": world}),
        limit,
    )
    .await
    .map_err(|e| e.to_string())?;
    let context = world
        .get("executionContextId")
        .and_then(Value::as_i64)
        .ok_or("no execution context for the frame")?;
    let value = evaluate(page, context, expression, limit).await?;
    Ok((context, value))
}

/// Evaluates `expression` in execution context `context`, by value; an
/// exception is an error with its description.
pub(crate) async fn evaluate(
    page: &Page,
    context: i64,
    expression: &str,
    limit: Duration,
) -> Result<Value, String> {
    let result = call(
        page,
        "Runtime.evaluate",
        json!({"expression": expression, "contextId": context, "returnByValue": true, "awaitPromise": false}),
        limit,
    )
    .await
    .map_err(|e| e.to_string())?;
    if let Some(exception) = result.get("exceptionDetails") {
        let text = exception
            .get("exception")
            .and_then(|e| e.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("exception");
        return Err(text.chars().take(300).collect());
    }
    Ok(result
        .get("result")
        .and_then(|r| r.get("value"))
        .cloned()
        .unwrap_or(Value::Null))
}
