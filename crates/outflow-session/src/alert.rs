//! Change alerts: a scan compared with the previous scan of its page, the
//! change printed and POSTed to a webhook with retries.

use std::time::Duration;

use outflow_store::{ScanDiff, Store};

use crate::error::{Result, SessionError};

/// Formats of printed changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffFormat {
    /// Readable text.
    #[default]
    Terminal,
    /// JSON.
    Json,
}

/// How changes are announced.
#[derive(Debug, Clone)]
pub struct Alerts<'a> {
    /// POST each change as JSON here.
    pub webhook: Option<&'a str>,
    /// Deliveries tried before a webhook alert is given up.
    pub attempts: u32,
    /// `watch` prints diffs to standard output; `scan` keeps it for its
    /// report and prints them to standard error.
    pub to_stdout: bool,
    /// How diffs are printed.
    pub format: DiffFormat,
}

impl Alerts<'_> {
    /// Compares scan `id` with the previous scan of its page and announces
    /// any change. Returns the diff, when there was a previous scan.
    pub fn compare(&self, store: &Store, id: i64) -> Result<Option<ScanDiff>> {
        let Some(previous) = store.previous(id)? else {
            eprintln!("  first scan of this page: nothing to compare with");
            return Ok(None);
        };
        let diff = outflow_store::diff_scans(&store.scan(previous)?, &store.scan(id)?);
        if diff.is_empty() {
            eprintln!("  no change since scan {previous}");
            return Ok(Some(diff));
        }
        let text = match self.format {
            DiffFormat::Terminal => outflow_report::diff_terminal(&diff),
            DiffFormat::Json => format!("{}\n", to_json(&diff)?),
        };
        if self.to_stdout {
            print!("{text}");
        } else {
            eprint!("{text}");
        }
        if let Some(webhook) = self.webhook {
            let payload = serde_json::json!({
                "event": "outflow.change",
                "url": diff.to.url,
                "diff": &diff,
            });
            deliver(webhook, &payload, self.attempts, Duration::from_secs(1))?;
            eprintln!("  change posted to {webhook}");
        }
        Ok(Some(diff))
    }
}

fn to_json(diff: &ScanDiff) -> Result<String> {
    serde_json::to_string_pretty(diff).map_err(|source| SessionError::Serialise {
        what: "serialising the diff",
        source,
    })
}

/// Fails on a webhook that is not an http(s) URL: before the scans, not
/// after them.
pub fn check_webhook(webhook: &str) -> Result<()> {
    if !(webhook.starts_with("http://") || webhook.starts_with("https://")) {
        return Err(SessionError::Webhook(format!(
            "the webhook must be an http:// or https:// URL, got {webhook:?}"
        )));
    }
    Ok(())
}

/// Longest wait for one webhook delivery.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// Longest back-off between two deliveries.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// POSTs `payload` to `webhook`, trying `attempts` times with a back-off
/// that doubles from `first_delay`; a 2xx answer is a delivery.
pub fn deliver(
    webhook: &str,
    payload: &serde_json::Value,
    attempts: u32,
    first_delay: Duration,
) -> Result<()> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(WEBHOOK_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let body = serde_json::to_vec(payload).map_err(|source| SessionError::Serialise {
        what: "serialising the webhook payload",
        source,
    })?;
    let mut delay = first_delay;
    let mut last_error = String::new();
    for attempt in 1..=attempts {
        let outcome = agent
            .post(webhook)
            .header("content-type", "application/json")
            .header("user-agent", concat!("outflow/", env!("CARGO_PKG_VERSION")))
            .send(&body[..]);
        match outcome {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => last_error = format!("HTTP {}", response.status()),
            Err(error) => last_error = error.to_string(),
        }
        if attempt < attempts {
            eprintln!(
                "  webhook delivery {attempt}/{attempts} failed ({last_error}); retrying in {}s",
                delay.as_secs_f32()
            );
            std::thread::sleep(delay);
            delay = delay.saturating_mul(2).min(MAX_BACKOFF);
        }
    }
    Err(SessionError::Webhook(format!(
        "webhook {webhook}: {attempts} deliveries failed, the last with {last_error}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_must_be_http() {
        assert!(check_webhook("https://hooks.example/x").is_ok());
        assert!(check_webhook("http://127.0.0.1:9/x").is_ok());
        assert!(check_webhook("ftp://hooks.example/x").is_err());
    }

    #[test]
    fn a_closed_port_gives_up_after_its_attempts() {
        // Port 9 (discard) on loopback refuses the connection at once.
        let error = deliver(
            "http://127.0.0.1:9/hook",
            &serde_json::json!({}),
            2,
            Duration::from_millis(1),
        )
        .unwrap_err();
        assert!(error.to_string().contains("2 deliveries failed"), "{error}");
    }
}
