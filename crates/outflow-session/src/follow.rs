//! What `scan` and `har` do with their reports besides printing them: save
//! them in the history, announce changes since the previous scan, and
//! check the policy.

use std::path::PathBuf;

use outflow_model::Report;
use outflow_store::PageFacts;

use crate::alert::{Alerts, DiffFormat, check_webhook};
use crate::error::Result;
use crate::gate::{load_policy, policy_gate};
use crate::history::open_store;

/// Deliveries tried for each alert of `scan` and `har`.
const FOLLOW_UP_ATTEMPTS: u32 = 5;

/// The history, policy and alert options of `scan` and `har`.
#[derive(Debug, Clone, Default)]
pub struct FollowOptions {
    /// The history database (default: the per-user one).
    pub db: Option<PathBuf>,
    /// The policy file of the CI gate.
    pub policy: Option<PathBuf>,
    /// Save each report and print its changes since the page's previous
    /// saved scan (standard error).
    pub alert_on_change: bool,
    /// With `alert_on_change`: POST each change as JSON here.
    pub webhook: Option<String>,
    /// Save every report.
    pub save: bool,
    /// Whether saving was asked for (`--save`, `--db`): then a database
    /// that cannot be opened is an error; saving by default only warns, so
    /// that a scan on a read-only home still reports.
    pub save_asked: bool,
}

impl FollowOptions {
    /// Fails now on a typo in the policy or the webhook, not after the
    /// scans.
    pub fn check(&self) -> Result<()> {
        if let Some(path) = &self.policy {
            load_policy(path)?;
        }
        if let Some(webhook) = &self.webhook {
            check_webhook(webhook)?;
        }
        Ok(())
    }

    /// Saves the reports (with the facts of their captures; `None` for a
    /// capture that is not saved), prints the changes since the previous
    /// scan of each page when asked, and checks the policy. Returns whether
    /// the policy was violated.
    pub fn follow_up(&self, reports: &[Report], facts: &[Option<PageFacts>]) -> Result<bool> {
        let policy = self.policy.as_deref().map(load_policy).transpose()?;
        if let Some(webhook) = &self.webhook {
            check_webhook(webhook)?;
        }
        if self.save || self.alert_on_change {
            let mut store = match open_store(self.db.as_deref()) {
                Ok(store) => store,
                Err(error) if !(self.save_asked || self.alert_on_change) => {
                    eprintln!(
                        "warning: not saved in the history ({}); --no-save silences this",
                        chain(&error)
                    );
                    return Ok(policy_gate(policy.as_ref(), reports));
                }
                Err(error) => return Err(error),
            };
            let alerts = Alerts {
                webhook: self.webhook.as_deref(),
                attempts: FOLLOW_UP_ATTEMPTS,
                to_stdout: false,
                format: DiffFormat::Terminal,
            };
            for (report, facts) in reports.iter().zip(facts) {
                let Some(facts) = facts else {
                    eprintln!("not saved: {} could not be loaded", report.target.value);
                    continue;
                };
                let id = store.save(report, facts)?;
                eprintln!("saved {} as scan {id}", report.target.value);
                if self.alert_on_change {
                    alerts.compare(&store, id)?;
                }
            }
        }
        Ok(policy_gate(policy.as_ref(), reports))
    }
}

/// An error with its causes, `: `-separated (as `{:#}` of the command
/// line's errors prints them).
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
