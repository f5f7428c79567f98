//! # webgl-fingerprinting
//!
//! A script reads the graphics card's identity and capabilities through
//! WebGL: the unmasked vendor and renderer strings, the supported
//! extensions, shader precisions and implementation limits.
//!
//! ## What it detects
//!
//! Per script, these signals (from the code and from the visit):
//!
//! - **unmasked identity**: `UNMASKED_VENDOR_WEBGL` or
//!   `UNMASKED_RENDERER_WEBGL` read through the `WEBGL_debug_renderer_info`
//!   extension (the GPU model, e.g. "ANGLE (NVIDIA GeForce RTX 3060 …)");
//! - **extensions**: `getSupportedExtensions`;
//! - **shader precision**: `getShaderPrecisionFormat`;
//! - **parameters**: at least [`MIN_PARAMETERS`] (8) distinct `getParameter`
//!   reads (recorded), or as many `getParameter` places in the code;
//! - **context attributes**: `getContextAttributes`;
//! - **pixels read back**: `readPixels` (a rendered scene hashed).
//!
//! ## Why it matters
//!
//! The renderer string alone carries 3.4 bits of identifying information
//! and the vendor 2.1 (AmIUnique, IEEE S&P 2016); with extensions and
//! limits, WebGL separates devices that share a user agent.
//!
//! ## How it decides
//!
//! - The unmasked identity plus at least [`MIN_OTHER_SIGNALS`] (1) other
//!   signal: severity **medium**.
//! - The unmasked identity alone, or at least [`ENGINE_SIGNALS`] (3) other
//!   signals without it: severity **low**. 3-D engines (three.js, Babylon,
//!   map libraries) read extensions, precisions and limits to choose their
//!   rendering paths; they rarely need the GPU's name.
//! - Confidence **high** when the signals were recorded during the visit,
//!   **medium** from the code only.
//!
//! ## Known false positives
//!
//! GPU-capability checks in games and video players that log the renderer
//! string for bug reports; WebGL diagnostics pages.
//!
//! ## Example
//!
//! ```js
//! const gl = document.createElement('canvas').getContext('webgl');
//! const info = gl.getExtension('WEBGL_debug_renderer_info');
//! const gpu = gl.getParameter(info.UNMASKED_RENDERER_WEBGL);
//! const ext = gl.getSupportedExtensions();
//! ```

use outflow_model::{Confidence, Observation, Severity};

use crate::fingerprint::{ScriptApis, Verdict};

/// Distinct parameters read that count as a parameter sweep.
pub const MIN_PARAMETERS: usize = 8;
/// Other signals needed beside the unmasked identity for medium severity.
pub const MIN_OTHER_SIGNALS: usize = 1;
/// Other signals that, without the unmasked identity, give a low finding.
pub const ENGINE_SIGNALS: usize = 3;

const UNMASKED: [&str; 2] = [
    "WEBGL_debug_renderer_info.UNMASKED_VENDOR_WEBGL",
    "WEBGL_debug_renderer_info.UNMASKED_RENDERER_WEBGL",
];
const GET_PARAMETER: &str = "WebGLRenderingContext.getParameter";
const GET_EXTENSION: &str = "WebGLRenderingContext.getExtension";
const WHY: &str = "The GPU's name, extensions and limits separate devices that share a \
                   browser and operating system, and stay the same after cookies are cleared.";

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct WebglFingerprinting;
    slug: "webgl-fingerprinting",
    source: "webgl_fingerprinting.rs",
    thresholds: [MIN_PARAMETERS, MIN_OTHER_SIGNALS, ENGINE_SIGNALS],
}

crate::rules::technique_rule!(
    WebglFingerprinting,
    "WebGL fingerprinting",
    WHY,
    assess,
);

/// The WebGL verdict on one script, if there is one.
pub(crate) fn assess(apis: &ScriptApis<'_>) -> Option<Verdict> {
    let mut dynamic = false;
    let mut in_code = false;
    let mut note = |ran: bool, code: bool| {
        dynamic |= ran;
        in_code |= code;
        ran || code
    };
    let parameters_run = apis.run_arguments(GET_PARAMETER);
    let unmasked_run = parameters_run.iter().any(|p| p.starts_with("UNMASKED_"))
        || apis
            .run_arguments(GET_EXTENSION)
            .contains(&"WEBGL_debug_renderer_info");
    let unmasked_code = UNMASKED.iter().any(|a| apis.in_code(a));
    let unmasked = note(unmasked_run, unmasked_code);
    let mut others: Vec<String> = Vec::new();
    for (api, label) in [
        (
            "WebGLRenderingContext.getSupportedExtensions",
            "lists the supported extensions",
        ),
        (
            "WebGLRenderingContext.getShaderPrecisionFormat",
            "reads shader precision formats",
        ),
        (
            "WebGLRenderingContext.getContextAttributes",
            "reads the context attributes",
        ),
        (
            "WebGLRenderingContext.readPixels",
            "reads rendered pixels back",
        ),
    ] {
        if note(apis.ran(api), apis.in_code(api)) {
            others.push(label.to_string());
        }
    }
    let parameter_places = apis
        .get(GET_PARAMETER)
        .map_or(0, |f| f.code.iter().map(|u| u.count as usize).sum());
    if note(
        parameters_run.len() >= MIN_PARAMETERS,
        parameter_places >= MIN_PARAMETERS,
    ) {
        others.push(format!(
            "reads {} parameters",
            parameters_run.len().max(parameter_places)
        ));
    }
    let severity = if unmasked && others.len() >= MIN_OTHER_SIGNALS {
        Severity::Medium
    } else if unmasked || others.len() >= ENGINE_SIGNALS {
        Severity::Low
    } else {
        return None;
    };
    let mut reasons = Vec::new();
    if unmasked {
        reasons
            .push("reads the unmasked GPU vendor/renderer (WEBGL_debug_renderer_info)".to_string());
    } else {
        reasons.push("never reads the unmasked GPU vendor or renderer".to_string());
    }
    reasons.extend(others);
    let observed = [Observation::Dynamic, Observation::Static];
    let mut evidence = apis.evidence_of(&UNMASKED, &observed);
    evidence.extend(apis.evidence_of(
        &[
            GET_EXTENSION,
            GET_PARAMETER,
            "WebGLRenderingContext.getSupportedExtensions",
            "WebGLRenderingContext.getShaderPrecisionFormat",
            "WebGLRenderingContext.getContextAttributes",
            "WebGLRenderingContext.readPixels",
        ],
        &observed,
    ));
    Some(Verdict {
        severity,
        confidence: match (dynamic, severity) {
            (true, _) => Confidence::High,
            (false, Severity::Medium) => Confidence::Medium,
            _ => Confidence::Low,
        },
        dynamic,
        in_code,
        reasons,
        evidence,
    })
}

