//! # audio-fingerprinting
//!
//! A script renders a sound it never plays, in an `OfflineAudioContext`,
//! and reads the samples: the output differs with the audio stack and CPU,
//! and identifies the device.
//!
//! ## What it detects
//!
//! The operationalisation of Englehardt & Narayanan (ACM CCS 2016, section
//! 6.4) used by later crawls, per script: an `OfflineAudioContext`, an
//! oscillator (`createOscillator`), a dynamics compressor
//! (`createDynamicsCompressor`) and rendering (`startRendering`). Reading
//! the rendered samples (`getChannelData`, `copyFromChannel`) or the
//! `oncomplete` handler strengthen the evidence.
//!
//! ## Why it matters
//!
//! Audio fingerprints are stable across cookie clearing and private
//! windows; the FingerprintJS library and commercial bot-detection scripts
//! compute one on every visit.
//!
//! ## How it decides
//!
//! - **Seen running**: the offline context was created and the oscillator,
//!   compressor and rendering calls all ran in the script: severity
//!   **medium**, confidence **high**.
//! - **In the code**: all four APIs named, the oscillator, compressor and
//!   rendering calls within [`CO_LOCATED_BYTES`] (4096) bytes of each other (one
//!   function, in practice; the context itself is often looked up once at
//!   the top of a bundle): severity **medium**, confidence **medium**. The
//!   calls spread over a large script (an audio framework that can render
//!   offline and compress): severity **low**, confidence **low**.
//!
//! ## Known false positives
//!
//! Audio applications that bounce a synthesised track offline through a
//! compressor (Tone.js's `Offline` with a `Compressor`): seen running they
//! match the heuristic exactly; their code is spread out, so from the code
//! alone they stay low.
//!
//! ## Example
//!
//! ```js
//! const ctx = new OfflineAudioContext(1, 5000, 44100);
//! const osc = ctx.createOscillator(); osc.type = 'triangle'; osc.frequency.value = 10000;
//! const comp = ctx.createDynamicsCompressor();
//! osc.connect(comp); comp.connect(ctx.destination); osc.start(0);
//! ctx.startRendering().then(b => send(b.getChannelData(0).slice(4500).reduce((a, x) => a + Math.abs(x), 0)));
//! ```

use outflow_model::{Confidence, Observation, Severity};

use crate::fingerprint::source_text::co_located;
use crate::fingerprint::{ScriptApis, Verdict};

/// Largest stretch of code holding all four APIs for the static heuristic.
pub const CO_LOCATED_BYTES: u32 = 4096;

/// The four APIs of the heuristic.
const REQUIRED: [&str; 4] = [
    "OfflineAudioContext",
    "BaseAudioContext.createOscillator",
    "BaseAudioContext.createDynamicsCompressor",
    "OfflineAudioContext.startRendering",
];
/// APIs that read what was rendered.
const READS: [&str; 3] = [
    "AudioBuffer.getChannelData",
    "AudioBuffer.copyFromChannel",
    "OfflineAudioContext.oncomplete",
];
const WHY: &str = "A sound rendered offline and read back differs slightly with the audio \
                   stack and processor: the samples identify the device without a cookie.";

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct AudioFingerprinting;
    slug: "audio-fingerprinting",
    source: "audio_fingerprinting.rs",
    thresholds: [CO_LOCATED_BYTES],
}

crate::rules::technique_rule!(
    AudioFingerprinting,
    "Audio fingerprinting",
    WHY,
    assess,
);

/// The audio verdict on one script, if there is one.
pub(crate) fn assess(apis: &ScriptApis<'_>) -> Option<Verdict> {
    let ran = REQUIRED.iter().all(|a| apis.ran(a));
    let in_code = REQUIRED.iter().all(|a| apis.in_code(a));
    if !ran && !in_code {
        return None;
    }
    let together = in_code
        .then(|| {
            // The context is often looked up once at the top of a bundle
            // (`window.OfflineAudioContext || window.webkitOfflineAudioContext`)
            // and used far below: the three calls are what must sit together.
            let groups: Vec<Vec<u32>> =
                REQUIRED[1..].iter().map(|a| apis.code_offsets(a)).collect();
            co_located(&groups, CO_LOCATED_BYTES)
        })
        .flatten();
    let mut reasons = vec![
        "creates an OfflineAudioContext with an oscillator and a dynamics compressor and renders it"
            .to_string(),
    ];
    let reads: Vec<&str> = READS.iter().copied().filter(|a| apis.seen(a)).collect();
    if !reads.is_empty() {
        reasons.push(format!("reads the result ({})", reads.join(", ")));
    }
    if ran {
        reasons.push("all of it ran during the visit".to_string());
    }
    match together {
        Some((start, end)) => reasons.push(format!(
            "the oscillator, compressor and rendering calls are within {} bytes of each other in the code",
            end - start
        )),
        None if in_code => reasons.push(format!(
            "the oscillator, compressor and rendering calls are spread over more than {CO_LOCATED_BYTES} bytes of code, as in audio frameworks"
        )),
        None => {}
    }
    let (severity, confidence) = if ran {
        (Severity::Medium, Confidence::High)
    } else if together.is_some() {
        (Severity::Medium, Confidence::Medium)
    } else {
        (Severity::Low, Confidence::Low)
    };
    let observed = [Observation::Dynamic, Observation::Static];
    let mut evidence = apis.evidence_of(&REQUIRED, &observed);
    evidence.extend(apis.evidence_of(&READS, &observed));
    Some(Verdict {
        severity,
        confidence,
        dynamic: ran,
        in_code,
        reasons,
        evidence,
    })
}

