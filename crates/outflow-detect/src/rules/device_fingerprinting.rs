//! # device-fingerprinting
//!
//! A script reads many high-entropy properties of the browser and device:
//! together they identify the visitor without any cookie. Reported with a
//! breadth rank from 0 to 3.
//!
//! ## What it detects
//!
//! Per script, the browser attributes it reads (user agent, plugins,
//! installed fonts, screen, time zone, languages, canvas rendering, GPU,
//! audio stack, CPU cores, memory, …), from the code and from the visit.
//! Each attribute has a weight: its entropy in bits as measured by
//! Panopticlick (Eckersley, PETS 2010) and AmIUnique (Laperdrix et al.,
//! IEEE S&P 2016), or a floor weight for attributes those studies did not
//! measure (from FP-Inspector's list of fingerprinting APIs). The weights,
//! each with its source and date, are in
//! `data/detect/fingerprint-weights.toml`. An attribute counts once however
//! many of its APIs are read. Canvas, fonts, WebGL parameters and audio
//! count only when their own rule's evidence holds (a canvas with text read
//! back, a font list probed, …), not for the bare API.
//!
//! ## Why it matters
//!
//! One attribute says little; twenty say who you are. Panopticlick found
//! 83.6% of browsers uniquely identifiable from such reads alone.
//!
//! ## How it decides
//!
//! The score is the sum of the weights of the attributes read, ranked:
//!
//! - rank **3** at [`RANK_3_BITS`] (40) bits or more: severity **medium**;
//! - rank **2** at [`RANK_2_BITS`] (20) bits or more: severity **low**;
//! - rank **1** at [`RANK_1_BITS`] (5) bits or more, rank **0** below: not
//!   reported (a user-agent check, a responsive layout reading the screen).
//!
//! Confidence **high** when reads were recorded during the visit, **medium**
//! from the code only.
//!
//! ## Known false positives
//!
//! Analytics and error-reporting libraries that collect a broad device
//! profile for honest diagnostics reach rank 2; fraud and bot-detection
//! scripts reach rank 3, which is what they do.
//!
//! ## Example
//!
//! ```js
//! const fp = [navigator.userAgent, navigator.languages, screen.width + 'x' + screen.height,
//!   screen.colorDepth, new Date().getTimezoneOffset(), navigator.hardwareConcurrency,
//!   navigator.deviceMemory, navigator.plugins.length, navigator.platform].join('|');
//! ```

use std::collections::BTreeMap;

use outflow_model::{Confidence, Evidence, Finding, Observation, Severity};

use crate::facts::Facts;
use crate::fingerprint::weights::{Attribute, weights};
use crate::fingerprint::{ScriptApis, script_apis};
use crate::rule::Check;
use crate::rules::{
    audio_fingerprinting, canvas_fingerprinting, font_fingerprinting, webgl_fingerprinting,
};

/// Score from which a script ranks 3.
pub const RANK_3_BITS: f64 = 40.0;
/// Score from which a script ranks 2.
pub const RANK_2_BITS: f64 = 20.0;
/// Score from which a script ranks 1.
pub const RANK_1_BITS: f64 = 5.0;

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct DeviceFingerprinting;
    slug: "device-fingerprinting",
    source: "device_fingerprinting.rs",
    thresholds: [RANK_3_BITS, RANK_2_BITS, RANK_1_BITS],
}

impl Check for DeviceFingerprinting {
    fn check(&self, facts: &Facts<'_>) -> Vec<Finding> {
        script_apis(facts)
            .iter()
            .filter_map(|apis| {
                let breadth = breadth(apis);
                let rank = rank(breadth.score);
                (rank >= 2).then(|| self.finding(apis, &breadth, rank))
            })
            .collect()
    }
}

/// What one script reads, weighed.
#[derive(Debug, Default)]
pub(crate) struct Breadth<'w> {
    /// The attributes read, each with the APIs that read it and whether
    /// any of them ran.
    pub attributes: BTreeMap<&'w str, (&'w Attribute, Vec<String>, bool)>,
    /// The sum of their weights, in bits.
    pub score: f64,
}

/// The rank (0-3) of a score.
pub fn rank(score: f64) -> u8 {
    if score >= RANK_3_BITS {
        3
    } else if score >= RANK_2_BITS {
        2
    } else if score >= RANK_1_BITS {
        1
    } else {
        0
    }
}

/// The attributes a script reads and its score.
pub(crate) fn breadth(apis: &ScriptApis<'_>) -> Breadth<'static> {
    let weights = weights();
    let mut out = Breadth::default();
    let mut add = |name: String, ran: bool| {
        for attribute in weights.attributes_of(&name) {
            let entry = out
                .attributes
                .entry(attribute.name.as_str())
                .or_insert_with(|| (attribute, Vec::new(), false));
            if !entry.1.contains(&name) {
                entry.1.push(name.clone());
            }
            entry.2 |= ran;
        }
    };
    for name in apis.names() {
        add(name.to_string(), apis.ran(name));
    }
    // WebGL parameters arrive as getParameter arguments when recorded.
    for parameter in apis.run_arguments("WebGLRenderingContext.getParameter") {
        if parameter.starts_with("UNMASKED_") {
            add(format!("WEBGL_debug_renderer_info.{parameter}"), true);
        }
    }
    let signals = [
        (
            "signal:canvas-text-readback",
            canvas_fingerprinting::assess(apis).filter(|v| v.severity >= Severity::Medium),
        ),
        ("signal:font-probing", font_fingerprinting::assess(apis)),
        (
            "signal:webgl-parameters",
            webgl_fingerprinting::assess(apis),
        ),
        (
            "signal:audio-rendering",
            audio_fingerprinting::assess(apis).filter(|v| v.severity >= Severity::Medium),
        ),
    ];
    for (signal, verdict) in signals {
        if let Some(v) = verdict {
            add(signal.to_string(), v.dynamic);
        }
    }
    out.score = out
        .attributes
        .values()
        .map(|(a, _, _)| a.bits.unwrap_or(0.0))
        .sum();
    out
}

impl DeviceFingerprinting {
    fn finding(&self, apis: &ScriptApis<'_>, breadth: &Breadth<'_>, rank: u8) -> Finding {
        let dynamic = breadth.attributes.values().any(|(_, _, ran)| *ran);
        let mut by_weight: Vec<&(&Attribute, Vec<String>, bool)> =
            breadth.attributes.values().collect();
        by_weight.sort_by(|a, b| {
            b.0.bits
                .partial_cmp(&a.0.bits)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.0.name.cmp(&b.0.name))
        });
        let listed: Vec<String> = by_weight
            .iter()
            .map(|(a, _, _)| format!("{} ({:.1} bits)", a.name, a.bits.unwrap_or(0.0)))
            .collect();
        let mut evidence = vec![Evidence::Note {
            text: format!(
                "breadth score {:.1} bits over {} attributes, rank {rank} of 3: {}",
                breadth.score,
                breadth.attributes.len(),
                listed.join(", ")
            ),
        }];
        for (attribute, names, _) in &by_weight {
            evidence.push(Evidence::Note {
                text: format!(
                    "{}: {:.2} bits; {} ({}, {})",
                    attribute.name,
                    attribute.bits.unwrap_or(0.0),
                    attribute.basis,
                    attribute.source,
                    attribute.date
                ),
            });
            for name in names.iter().filter(|n| !n.starts_with("signal:")).take(2) {
                evidence.extend(apis.evidence(name, &[Observation::Dynamic, Observation::Static]));
            }
        }
        Finding {
            rule: Self::SLUG.to_string(),
            severity: if rank >= 3 {
                Severity::Medium
            } else {
                Severity::Low
            },
            confidence: if dynamic {
                Confidence::High
            } else {
                Confidence::Medium
            },
            title: format!(
                "Device fingerprinting, rank {rank} of 3, by {} ({} attributes, {:.0} bits; {})",
                apis.name,
                breadth.attributes.len(),
                breadth.score,
                if dynamic {
                    "seen running"
                } else {
                    "in the code"
                }
            ),
            explanation: format!(
                "{} reads {} high-entropy attributes of the browser and device, worth {:.1} bits \
                 of identifying information by published measurements: {}. Together they \
                 identify a visitor without a cookie.",
                apis.name,
                breadth.attributes.len(),
                breadth.score,
                listed.join(", ")
            ),
            script: Some(apis.name.clone()),
            destinations: Vec::new(),
            evidence,
        }
    }
}

