//! # webrtc-ip-discovery
//!
//! A script opens a WebRTC connection to nobody, to read the ICE
//! candidates: the visitor's local and public IP addresses, even behind a
//! proxy or VPN.
//!
//! ## What it detects
//!
//! The heuristic of Englehardt & Narayanan (ACM CCS 2016, section 6.3), per
//! script: `createDataChannel` and `createOffer` on an `RTCPeerConnection`,
//! and the candidates read through `onicecandidate` (property or
//! `addEventListener('icecandidate')`) or `localDescription`.
//!
//! ## Why it matters
//!
//! The candidates carry IP addresses the page could not otherwise see: the
//! address on the local network, and the public address of a visitor
//! using a proxy. Trackers use them to link visits; fraud scripts to
//! unmask VPN users.
//!
//! ## How it decides
//!
//! - The three calls seen running, or named in the code.
//! - A peer connection that is never given a remote description
//!   (`setRemoteDescription` neither recorded during the visit nor called
//!   in the script's code) talks to no peer: severity **medium**;
//!   confidence **high** when seen running, **medium** from the code.
//! - When the script does call `setRemoteDescription` (a real WebRTC
//!   application: calls, file transfer, games), seen running or in its
//!   code, severity **low** and confidence **low**: it gathers the same
//!   candidates for an honest reason.
//!
//! ## Known false positives
//!
//! Connectivity tests (speed tests, video-call pre-flight checks) that
//! gather candidates without connecting.
//!
//! ## Example
//!
//! ```js
//! const pc = new RTCPeerConnection({ iceServers: [] });
//! pc.createDataChannel('');
//! pc.onicecandidate = e => e.candidate && send(e.candidate.candidate);
//! pc.createOffer().then(o => pc.setLocalDescription(o));
//! ```

use outflow_model::{Confidence, Observation, Severity};

use crate::fingerprint::source_text::method_calls;
use crate::fingerprint::{ScriptApis, Verdict};

const DATA_CHANNEL: &str = "RTCPeerConnection.createDataChannel";
const OFFER: &str = "RTCPeerConnection.createOffer";
const SET_REMOTE: &str = "RTCPeerConnection.setRemoteDescription";
const CANDIDATE_READS: [&str; 3] = [
    "RTCPeerConnection.onicecandidate",
    "EventTarget.addEventListener(icecandidate)",
    "RTCPeerConnection.localDescription",
];
const WHY: &str = "ICE candidates carry the visitor's local and public IP addresses, which \
                   the page cannot otherwise read, even behind a proxy or VPN.";

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct WebrtcIpDiscovery;
    slug: "webrtc-ip-discovery",
    source: "webrtc_ip_discovery.rs",
    thresholds: [],
}

crate::rules::technique_rule!(
    WebrtcIpDiscovery,
    "WebRTC local IP discovery",
    WHY,
    assess,
);

/// The WebRTC verdict on one script, if there is one.
pub(crate) fn assess(apis: &ScriptApis<'_>) -> Option<Verdict> {
    let ran =
        apis.ran(DATA_CHANNEL) && apis.ran(OFFER) && CANDIDATE_READS.iter().any(|a| apis.ran(a));
    let in_code = apis.in_code(DATA_CHANNEL)
        && apis.in_code(OFFER)
        && CANDIDATE_READS.iter().any(|a| apis.in_code(a));
    if !ran && !in_code {
        return None;
    }
    let remote_run = apis.run_count(SET_REMOTE);
    let remote = apis
        .source()
        .map(|s| method_calls(s, "setRemoteDescription"));
    let peer = remote_run > 0 || remote.is_some_and(|n| n > 0);
    let mut reasons =
        vec!["creates a data channel and an offer, and reads the ICE candidates".to_string()];
    match remote {
        _ if remote_run > 0 => reasons.push(format!(
            "set a remote description {remote_run} time(s) while the page ran, as a real WebRTC application does"
        )),
        None if ran => reasons.push(
            "never set a remote description while the page ran: no peer was connected"
                .to_string(),
        ),
        Some(0) => {
            reasons.push("never sets a remote description: no peer is ever connected".to_string())
        }
        Some(n) => reasons.push(format!(
            "sets a remote description {n} time(s), as a real WebRTC application does"
        )),
        None => reasons
            .push("the script's code was not available to check for a remote peer".to_string()),
    }
    let (severity, confidence) = match (peer, ran) {
        (true, _) => (Severity::Low, Confidence::Low),
        (false, true) => (Severity::Medium, Confidence::High),
        (false, false) => (Severity::Medium, Confidence::Medium),
    };
    let observed = [Observation::Dynamic, Observation::Static];
    let mut evidence = apis.evidence_of(&["RTCPeerConnection", DATA_CHANNEL, OFFER], &observed);
    evidence.extend(apis.evidence_of(&CANDIDATE_READS, &observed));
    evidence.extend(apis.evidence_of(
        &["RTCPeerConnection.setLocalDescription", SET_REMOTE],
        &observed,
    ));
    Some(Verdict {
        severity,
        confidence,
        dynamic: ran,
        in_code,
        reasons,
        evidence,
    })
}
