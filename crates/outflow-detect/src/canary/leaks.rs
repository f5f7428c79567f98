//! Canaries found in a capture's channels: every request to a third party
//! (URL, each header, body, WebSocket frames sent) and every value a
//! third-party script wrote to `document.cookie` or web storage. A finding
//! lists at most [`MAX_EVIDENCE`] (10) channels and says how many more
//! carried the canary.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use outflow_model::{
    Canary, CanaryKind, Channel, Confidence, CookieSetter, Evidence, Finding, Request, Severity,
    StorageArea,
};
use rayon::prelude::*;

use super::search::{CanaryIndex, Hit};
use crate::facts::{Facts, host_of};

/// How many pieces of evidence one finding lists.
pub(super) const MAX_EVIDENCE: usize = 10;

/// One canary found in one channel.
#[derive(Debug, Clone)]
pub(crate) struct Leak {
    /// Index into the capture's canaries.
    pub canary: usize,
    /// The destination host, or for writes the writing script's host.
    pub host: String,
    /// When it left (request or frame time). For cookie and storage
    /// writes, when the scanner received the record of the write: at most
    /// about 50 ms after it (the instrumentation's batching), so a write
    /// received before submission was made before it. `None` for writes of
    /// captures that did not record it.
    pub time_ms: Option<u64>,
    /// The script responsible, when known.
    pub script: Option<String>,
    /// Whether this is a cookie or storage write rather than a request.
    pub write: bool,
    /// The evidence.
    pub evidence: Evidence,
}

impl Leak {
    /// `hit`, found in `channel` of `request` to `host` sent at `time_ms`
    /// by `script`.
    pub(crate) fn in_request(
        request: &Request,
        host: &str,
        script: Option<&str>,
        channel: &Channel,
        time_ms: u64,
        hit: Hit,
    ) -> Leak {
        Leak {
            canary: hit.canary,
            host: host.to_string(),
            time_ms: Some(time_ms),
            script: script.map(str::to_string),
            write: false,
            evidence: Evidence::Request {
                request_id: request.id.clone(),
                url: request.url.clone(),
                method: request.method.clone(),
                time_ms,
                channel: channel.clone(),
                matched: hit.matched,
                encodings: hit.encodings,
                what: String::new(),
            },
        }
    }
}

/// The index for the capture's canaries, shared by the rules that need it
/// (building it hashes a few hundred thousand chains).
pub(crate) fn index_for(canaries: &[Canary]) -> Arc<CanaryIndex> {
    type Cache = Mutex<Option<(Vec<(CanaryKind, String)>, Arc<CanaryIndex>)>>;
    static CACHE: Cache = Mutex::new(None);
    let key: Vec<(CanaryKind, String)> =
        canaries.iter().map(|c| (c.kind, c.value.clone())).collect();
    if let Ok(cache) = CACHE.lock()
        && let Some((k, index)) = cache.as_ref()
        && *k == key
    {
        return index.clone();
    }
    let index = Arc::new(CanaryIndex::new(canaries));
    if let Ok(mut cache) = CACHE.lock() {
        *cache = Some((key, index.clone()));
    }
    index
}

/// Whether `host` is one of the payment processors the capture allows
/// card data to reach (the domain itself or a subdomain).
pub(crate) fn allowed_processor(facts: &Facts<'_>, host: &str) -> bool {
    let Some(capture) = facts.capture else {
        return false;
    };
    capture.payment_processors.iter().any(|p| {
        let p = p.trim().trim_start_matches('.').to_ascii_lowercase();
        !p.is_empty() && (host == p || host.ends_with(&format!(".{p}")))
    })
}

/// The canaries the credential and personal-data rules report, found in
/// the capture's outbound channels to third parties: card data is left to
/// `card-data-exfiltration`, and billing details sent to an allowed payment
/// processor are what it needs to charge the card.
pub(crate) fn find_leaks(facts: &Facts<'_>) -> Vec<Leak> {
    let Some(capture) = facts.capture else {
        return Vec::new();
    };
    find_all_leaks(facts)
        .into_iter()
        .filter(|l| {
            let Some(canary) = capture.canaries.get(l.canary) else {
                return false;
            };
            let billing = matches!(
                canary.kind,
                CanaryKind::BillingStreet | CanaryKind::BillingPostalCode | CanaryKind::BillingCity
            );
            !(canary.kind.is_card() || billing && allowed_processor(facts, &l.host))
        })
        .collect()
}

/// Every canary found in the capture's outbound channels to third parties.
pub(crate) fn find_all_leaks(facts: &Facts<'_>) -> Vec<Leak> {
    let Some(capture) = facts.capture else {
        return Vec::new();
    };
    if capture.canaries.is_empty() {
        return Vec::new();
    }
    let index = index_for(&capture.canaries);
    if index.is_empty() {
        return Vec::new();
    }
    let mut leaks: Vec<Leak> = capture
        .requests
        .par_iter()
        .flat_map_iter(|request| request_leaks(facts, &index, request))
        .collect();
    leaks.extend(write_leaks(facts, &index));
    leaks
}

fn request_leaks(facts: &Facts<'_>, index: &CanaryIndex, request: &Request) -> Vec<Leak> {
    let Some(host) = host_of(&request.url).filter(|h| facts.is_third_party(h)) else {
        return Vec::new();
    };
    let haystacks = haystacks(request);
    let script = facts.request_script(request);
    let mut leaks = Vec::new();
    for (channel, bytes, time_ms) in haystacks {
        for hit in index.search(&bytes) {
            leaks.push(Leak::in_request(
                request,
                &host,
                script.as_deref(),
                &channel,
                time_ms,
                hit,
            ));
        }
    }
    leaks
}

/// What a request carried out: its URL, each header, the body and the
/// WebSocket frames sent, each with when it left.
pub(crate) fn haystacks(request: &Request) -> Vec<(Channel, Cow<'_, [u8]>, u64)> {
    let mut haystacks: Vec<(Channel, Cow<'_, [u8]>, u64)> = vec![(
        Channel::Url,
        Cow::Borrowed(request.url.as_bytes()),
        request.time_ms,
    )];
    for header in &request.headers {
        haystacks.push((
            Channel::Header {
                name: header.name.clone(),
            },
            Cow::Borrowed(header.value.as_bytes()),
            request.time_ms,
        ));
    }
    if let Some(body) = &request.body {
        haystacks.push((Channel::Body, raw(&body.text, body.base64), request.time_ms));
    }
    // What the third party's answer hands on: a cookie it sets, a URL it
    // redirects to (the value then travels to the next host too).
    for header in request.response.iter().flat_map(|r| &r.security_headers) {
        if header.name.eq_ignore_ascii_case("set-cookie")
            || header.name.eq_ignore_ascii_case("location")
        {
            haystacks.push((
                Channel::Header {
                    name: format!("response {}", header.name),
                },
                Cow::Borrowed(header.value.as_bytes()),
                request.time_ms,
            ));
        }
    }
    for (i, frame) in request.websocket_frames.iter().enumerate() {
        if frame.sent {
            haystacks.push((
                Channel::WebsocketFrame {
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                },
                raw(&frame.payload, frame.opcode == 2),
                frame.time_ms,
            ));
        }
    }
    haystacks
}

/// Base64 payloads (binary bodies and frames) as their raw bytes.
fn raw(text: &str, base64: bool) -> Cow<'_, [u8]> {
    if base64 && let Ok(bytes) = STANDARD.decode(text.trim()) {
        return Cow::Owned(bytes);
    }
    Cow::Borrowed(text.as_bytes())
}

/// Values third-party scripts wrote to cookies or storage.
fn write_leaks(facts: &Facts<'_>, index: &CanaryIndex) -> Vec<Leak> {
    let Some(capture) = facts.capture else {
        return Vec::new();
    };
    let mut writes: Vec<(Channel, &str, &str, &'static str, Option<u64>)> = Vec::new();
    for write in capture.storage_writes.iter().flatten() {
        let channel = match write.area {
            StorageArea::Cookie => Channel::CookieWrite {
                name: write.key.clone(),
            },
            StorageArea::Local | StorageArea::Session => Channel::StorageWrite {
                area: if write.area == StorageArea::Local {
                    "local"
                } else {
                    "session"
                }
                .to_string(),
                key: write.key.clone(),
            },
        };
        let method = if write.area == StorageArea::Cookie {
            "COOKIE"
        } else {
            "STORAGE"
        };
        writes.push((
            channel,
            &write.script_url,
            &write.value,
            method,
            write.time_ms,
        ));
        writes.push((
            channel_for_key(write.area, &write.key),
            &write.script_url,
            &write.key,
            method,
            write.time_ms,
        ));
    }
    for cookie in capture.cookies.iter().flatten() {
        if let CookieSetter::Script { script_url } = &cookie.set_by {
            writes.push((
                Channel::CookieWrite {
                    name: cookie.name.clone(),
                },
                script_url,
                &cookie.value,
                "COOKIE",
                // Read from the browser's jar at the end of the visit.
                None,
            ));
        }
    }
    let mut leaks = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (channel, script_url, value, method, time_ms) in writes {
        let Some(host) = host_of(script_url).filter(|h| facts.is_third_party(h)) else {
            continue;
        };
        for hit in index.search(value.as_bytes()) {
            if !seen.insert((hit.canary, channel.clone())) {
                continue;
            }
            leaks.push(Leak {
                canary: hit.canary,
                host: host.clone(),
                time_ms,
                script: Some(script_url.to_string()),
                write: true,
                evidence: Evidence::Request {
                    request_id: String::new(),
                    url: script_url.to_string(),
                    method: method.to_string(),
                    time_ms: time_ms.unwrap_or(0),
                    channel: channel.clone(),
                    matched: hit.matched,
                    encodings: hit.encodings,
                    what: String::new(),
                },
            });
        }
    }
    leaks
}

fn channel_for_key(area: StorageArea, key: &str) -> Channel {
    match area {
        StorageArea::Cookie => Channel::CookieWrite {
            name: key.to_string(),
        },
        StorageArea::Local | StorageArea::Session => Channel::StorageWrite {
            area: if area == StorageArea::Local {
                "local"
            } else {
                "session"
            }
            .to_string(),
            key: key.to_string(),
        },
    }
}

/// The word for a canary kind in titles.
pub(crate) fn kind_word(kind: CanaryKind) -> &'static str {
    match kind {
        CanaryKind::Email => "E-mail address",
        CanaryKind::Password => "Password",
        CanaryKind::Phone => "Phone number",
        CanaryKind::Username => "User name",
        CanaryKind::Name => "Name",
        CanaryKind::CardNumber => "Card number",
        CanaryKind::CardExpiry => "Card expiry",
        CanaryKind::CardCvv => "Card security code",
        CanaryKind::CardholderName => "Cardholder name",
        CanaryKind::BillingStreet => "Billing street address",
        CanaryKind::BillingPostalCode => "Billing postal code",
        CanaryKind::BillingCity => "Billing city",
    }
}

/// How much a leak of this kind matters: a password to a third party is
/// critical, an e-mail address or phone number high; written to storage
/// (not yet sent), one step lower.
pub(crate) fn severity_of(kind: CanaryKind, write: bool) -> Severity {
    let base = match kind {
        CanaryKind::Password
        | CanaryKind::CardNumber
        | CanaryKind::CardCvv
        | CanaryKind::CardExpiry => Severity::Critical,
        CanaryKind::Email | CanaryKind::Phone | CanaryKind::CardholderName => Severity::High,
        CanaryKind::Username
        | CanaryKind::Name
        | CanaryKind::BillingStreet
        | CanaryKind::BillingPostalCode
        | CanaryKind::BillingCity => Severity::Medium,
    };
    if write {
        match base {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            _ => Severity::Low,
        }
    } else {
        base
    }
}

pub(crate) fn channel_word(channel: &Channel) -> String {
    match channel {
        Channel::Url => "URL".to_string(),
        Channel::Header { name } => format!("{name} header"),
        Channel::Body => "body".to_string(),
        Channel::WebsocketFrame { .. } => "WebSocket frame".to_string(),
        Channel::CookieWrite { name } => format!("cookie {name}"),
        Channel::StorageWrite { area, key } => format!("{area}Storage key {key}"),
    }
}

/// One finding per canary and destination, from the leaks a rule keeps.
/// `when` completes the title ("before the form was submitted").
pub(crate) fn findings(
    rule: &str,
    facts: &Facts<'_>,
    leaks: Vec<Leak>,
    when: &str,
    explanation_when: &str,
) -> Vec<Finding> {
    let Some(capture) = facts.capture else {
        return Vec::new();
    };
    let mut groups: BTreeMap<(usize, String, bool), Vec<Leak>> = BTreeMap::new();
    for leak in leaks {
        groups
            .entry((leak.canary, leak.host.clone(), leak.write))
            .or_default()
            .push(leak);
    }
    let mut out = Vec::new();
    for ((canary_index, host, write), mut group) in groups {
        let Some(canary) = capture.canaries.get(canary_index) else {
            continue;
        };
        group.sort_by_key(|l| (l.time_ms, l.evidence_key()));
        let first = &group[0];
        let (channel, encodings) = match &first.evidence {
            Evidence::Request {
                channel, encodings, ..
            } => (channel_word(channel), encodings.clone()),
            _ => (String::new(), Vec::new()),
        };
        let how = if encodings.is_empty() {
            "as typed".to_string()
        } else {
            encodings.join(" of ")
        };
        let owner = facts
            .attribution(&host)
            .and_then(|a| a.entity.as_ref())
            .map(|e| format!(" ({})", e.name))
            .unwrap_or_default();
        let kind = kind_word(canary.kind);
        let title = if write {
            format!("{kind} canary stored by a script from {host}{owner} {when}")
        } else {
            format!("{kind} canary sent to {host}{owner} {when} ({how}, in the {channel})")
        };
        let count = group.len();
        let what = format!("{} canary typed into {}", kind.to_lowercase(), canary.field);
        let mut evidence: Vec<Evidence> = group
            .iter()
            .take(MAX_EVIDENCE)
            .map(|l| {
                let mut e = l.evidence.clone();
                if let Evidence::Request { what: w, .. } = &mut e {
                    w.clone_from(&what);
                }
                e
            })
            .collect();
        if count > MAX_EVIDENCE {
            evidence.push(Evidence::Note {
                text: format!(
                    "{} more channels carried it; the first {MAX_EVIDENCE} are listed",
                    count - MAX_EVIDENCE
                ),
            });
        }
        let explanation = if write {
            format!(
                "The value outflow typed into {field} was written to a cookie or web storage \
                 by a script served from {host}, a third party, {explanation_when}. What a \
                 third-party script stores it can read back and send later. Found {how}.",
                field = canary.field,
            )
        } else {
            format!(
                "The value outflow typed into {field} left the page for {host}, which is not \
                 the site itself, {explanation_when}. It was found {how}, in {count} place(s); \
                 each piece of evidence gives the request, where in it, the exact text, and \
                 the encodings to undo to get back the typed value.",
                field = canary.field,
            )
        };
        out.push(Finding {
            rule: rule.to_string(),
            severity: severity_of(canary.kind, write),
            confidence: Confidence::High,
            title,
            explanation,
            script: group.iter().find_map(|l| l.script.clone()),
            destinations: vec![host],
            evidence,
        });
    }
    out
}

impl Leak {
    fn evidence_key(&self) -> String {
        match &self.evidence {
            Evidence::Request {
                request_id,
                channel,
                ..
            } => format!("{request_id} {channel:?}"),
            _ => String::new(),
        }
    }
}
