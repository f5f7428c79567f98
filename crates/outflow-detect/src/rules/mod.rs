//! The rules, one per file. Each file's module documentation is the rule's
//! documentation page; each file declares its rule once, with
//! [`declare_rule!`], and the list at the end of this file is the only
//! place that names them all.

/// Declares a rule in its own file: the unit struct that implements
/// [`Check`](crate::Check), the slug, the source file (whose module
/// documentation is the rule's page) and the thresholds, the numeric
/// constants the rule decides by, which its documentation states as
/// ``[`NAME`] (value)``. It defines the struct, `Struct::SLUG` and the
/// module's `RULE`, which [`RULES`] lists.
macro_rules! declare_rule {
    (
        $(#[$meta:meta])*
        pub struct $rule:ident;
        slug: $slug:literal,
        source: $source:literal,
        thresholds: [$($threshold:ident),* $(,)?] $(,)?
    ) => {
        $(#[$meta])*
        pub struct $rule;

        impl $rule {
            /// The rule's slug, as findings carry it.
            pub const SLUG: &'static str = $slug;
        }

        /// This rule's declaration, as [`RULES`](crate::RULES) lists it.
        pub const RULE: $crate::rule::Rule = $crate::rule::Rule::declared(
            $slug,
            include_str!($source),
            &[$($crate::rule::Threshold {
                name: stringify!($threshold),
                value: $threshold as f64,
            }),*],
            &$rule,
        );
    };
}
pub(crate) use declare_rule;

/// `impl Check` for a technique rule (canvas, font, WebGL, audio, WebRTC):
/// `$assess` judges each script's API use, from its code and from the
/// visit, and each verdict becomes a finding titled after `$what` and
/// explained with `$why`.
macro_rules! technique_rule {
    ($rule:ident, $what:literal, $why:expr, $assess:expr $(,)?) => {
        impl $crate::rule::Check for $rule {
            fn check(&self, facts: &$crate::facts::Facts<'_>) -> Vec<outflow_model::Finding> {
                $crate::fingerprint::technique_findings(facts, $rule::SLUG, $what, $why, $assess)
            }
        }
    };
}
pub(crate) use technique_rule;

/// The registry, from one list of rule modules: declares each module and
/// lists its `RULE` in [`RULES`], in the list's order.
macro_rules! registry {
    ($($module:ident),+ $(,)?) => {
        $(pub mod $module;)+

        /// Every rule, in the order `outflow rules` lists them.
        pub static RULES: &[$crate::rule::Rule] = &[$($module::RULE),+];
    };
}

registry! {
    restricted_destination,
    latent_endpoint,
    obfuscated_script,
    credential_exfiltration,
    card_data_exfiltration,
    pii_before_submit,
    keystroke_capture,
    session_recording,
    canvas_fingerprinting,
    webgl_fingerprinting,
    audio_fingerprinting,
    font_fingerprinting,
    webrtc_ip_discovery,
    device_fingerprinting,
    identity_sdk,
}

/// The rule with this slug.
pub fn rule(slug: &str) -> Option<&'static crate::rule::Rule> {
    RULES.iter().find(|r| r.slug() == slug)
}
