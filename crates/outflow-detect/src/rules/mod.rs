//! The rules, one per file. Each file's module documentation is the rule's
//! documentation page.

/// `impl Rule` for a technique rule (canvas, font, WebGL, audio, WebRTC):
/// `$assess` judges each script's API use, from its code and from the
/// visit, and each verdict becomes a finding titled after `$what` and
/// explained with `$why`. `$source` is the rule file's own text
/// (`include_str!`), whose module documentation is the rule's page.
macro_rules! technique_rule {
    ($rule:ty, $slug:literal, $source:expr, $what:literal, $why:expr, $assess:expr $(,)?) => {
        impl $crate::rule::Rule for $rule {
            fn slug(&self) -> &'static str {
                $slug
            }

            fn source_file(&self) -> &'static str {
                $source
            }

            fn check(&self, facts: &$crate::facts::Facts<'_>) -> Vec<outflow_model::Finding> {
                $crate::fingerprint::technique_findings(facts, $slug, $what, $why, $assess)
            }
        }
    };
}
pub(crate) use technique_rule;

/// Asserts that a rule's documentation states each named threshold as
/// ``[`NAME`] (value)``, so that the page a user reads keeps the values
/// the code uses.
#[cfg(test)]
macro_rules! assert_thresholds_documented {
    ($rule:expr, $($name:ident),+ $(,)?) => {{
        let doc = $crate::rule::Rule::documentation(&$rule);
        $(
            assert!(
                doc.contains(&format!("[`{}`] ({})", stringify!($name), $name)),
                "{} is not documented with its value",
                stringify!($name)
            );
        )+
    }};
}
#[cfg(test)]
pub(crate) use assert_thresholds_documented;

pub mod audio_fingerprinting;
pub mod canvas_fingerprinting;
pub mod credential_exfiltration;
pub mod device_fingerprinting;
pub mod font_fingerprinting;
pub mod identity_sdk;
pub mod keystroke_capture;
pub mod latent_endpoint;
pub mod obfuscated_script;
pub mod pii_before_submit;
pub mod restricted_destination;
pub mod session_recording;
pub mod webgl_fingerprinting;
pub mod webrtc_ip_discovery;
