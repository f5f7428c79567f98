//! The list of every rule.

use crate::rule::Rule;
use crate::rules;

/// Every rule, in the order `outflow rules` lists them.
pub static RULES: &[&dyn Rule] = &[
    &rules::restricted_destination::RestrictedDestination,
    &rules::latent_endpoint::LatentEndpoint,
    &rules::obfuscated_script::ObfuscatedScript,
    &rules::credential_exfiltration::CredentialExfiltration,
    &rules::pii_before_submit::PiiBeforeSubmit,
    &rules::keystroke_capture::KeystrokeCapture,
    &rules::session_recording::SessionRecording,
    &rules::canvas_fingerprinting::CanvasFingerprinting,
    &rules::webgl_fingerprinting::WebglFingerprinting,
    &rules::audio_fingerprinting::AudioFingerprinting,
    &rules::font_fingerprinting::FontFingerprinting,
    &rules::webrtc_ip_discovery::WebrtcIpDiscovery,
    &rules::device_fingerprinting::DeviceFingerprinting,
    &rules::identity_sdk::IdentitySdk,
];

/// The rule with this slug.
pub fn rule(slug: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.slug() == slug)
}
