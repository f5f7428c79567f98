//! # font-fingerprinting
//!
//! A script finds out which fonts are installed by measuring text in one
//! font after another: the list of fonts identifies the device.
//!
//! ## What it detects
//!
//! - **Seen running**, the heuristic of Englehardt & Narayanan (ACM CCS
//!   2016, section 6.2): a canvas context's `font` set to at least
//!   [`MIN_FONTS`] (50) distinct values and `measureText` called at least
//!   [`MIN_MEASURE_CALLS`] (50) times on the same text; or `document.fonts.check`
//!   asked about at least [`MIN_FONTS`] (50) distinct fonts; or, the same
//!   probe done with CSS (a `span` whose `style.fontFamily` is set to one
//!   font after another and measured each time), elements' `offsetWidth`
//!   or `offsetHeight` read while they were rendered in at least
//!   [`MIN_FONTS`] (50) distinct font families. The capture records, with
//!   each measurement, the element's computed `font-family`: however the
//!   font was set (the `fontFamily` or `font` style property, `cssText`, a
//!   class), the measurement is where it shows.
//! - **In the code**: the script names at least [`MIN_NAMED_FONTS`] (30)
//!   distinct installed-font families (from outflow's list of the fonts
//!   that ship with Windows, macOS, Linux and office suites,
//!   `data/detect/fonts.toml`) and measures rendered text (`measureText`,
//!   `document.fonts.check`, or `offsetWidth`/`offsetHeight`/
//!   `getBoundingClientRect` of an element).
//!
//! ## Why it matters
//!
//! The set of installed fonts carries about 13.9 bits of identifying
//! information (Panopticlick, PETS 2010): it reflects the operating
//! system, its language packs and the applications installed.
//!
//! ## How it decides
//!
//! Either condition gives severity **medium**; confidence **high** when
//! seen running, **medium** from the code. When the calls were recorded
//! with more distinct texts than kept, the same-text count is a lower
//! bound: `measureText` calls divided by distinct texts.
//!
//! ## Known false positives
//!
//! Font managers and design tools that preview every installed font;
//! font-loading libraries name a handful of fonts, well under the
//! thresholds.
//!
//! ## Example
//!
//! ```js
//! const fonts = ['Arial', 'Calibri', 'Cambria', /* … 50 more … */];
//! for (const f of fonts) { ctx.font = `72px ${f}, monospace`;
//!   widths[f] = ctx.measureText('mmmmmmmmmmlli').width; }
//! ```

use outflow_model::{Confidence, Evidence, Observation, Severity};

use crate::evidence::code_evidence;
use crate::fingerprint::fonts::named_fonts;
use crate::fingerprint::source_text::span_at;
use crate::fingerprint::{ScriptApis, Verdict};

/// Distinct fonts set or checked (E&N).
pub const MIN_FONTS: usize = 50;
/// `measureText` calls on one text (E&N).
pub const MIN_MEASURE_CALLS: u64 = 50;
/// Distinct known font families named in the code for the static
/// heuristic.
pub const MIN_NAMED_FONTS: usize = 30;

const FONT: &str = "CanvasRenderingContext2D.font";
const MEASURE: &str = "CanvasRenderingContext2D.measureText";
const CHECK: &str = "FontFaceSet.check";
/// Element measurements, recorded with the element's font family.
const ELEMENT_SIZES: [&str; 2] = ["HTMLElement.offsetWidth", "HTMLElement.offsetHeight"];
/// Lexical signs of measuring an element's rendered text.
const ELEMENT_MEASURES: [&str; 3] = ["offsetWidth", "offsetHeight", "getBoundingClientRect"];
const WHY: &str = "The fonts installed on a computer reflect its operating system, language \
                   packs and applications; measured one by one, they identify the device.";

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct FontFingerprinting;
    slug: "font-fingerprinting",
    source: "font_fingerprinting.rs",
    thresholds: [MIN_FONTS, MIN_MEASURE_CALLS, MIN_NAMED_FONTS],
}

crate::rules::technique_rule!(
    FontFingerprinting,
    "Font fingerprinting",
    WHY,
    assess,
);

/// The font verdict on one script, if there is one.
pub(crate) fn assess(apis: &ScriptApis<'_>) -> Option<Verdict> {
    let mut reasons = Vec::new();
    let mut evidence: Vec<Evidence> = Vec::new();
    // Seen running.
    let fonts_set = apis.run_arguments(FONT).len();
    let texts = apis.run_arguments(MEASURE).len().max(1) as u64;
    let same_text_calls = apis.run_count(MEASURE) / texts;
    let canvas_probe = fonts_set >= MIN_FONTS && same_text_calls >= MIN_MEASURE_CALLS;
    let fonts_checked = apis.run_arguments(CHECK).len();
    let check_probe = fonts_checked >= MIN_FONTS;
    let mut measured_families: Vec<&str> = ELEMENT_SIZES
        .iter()
        .flat_map(|api| apis.run_arguments(api))
        .filter(|family| !family.trim().is_empty())
        .collect();
    measured_families.sort_unstable();
    measured_families.dedup();
    let css_probe = measured_families.len() >= MIN_FONTS;
    let dynamic = canvas_probe || check_probe || css_probe;
    if canvas_probe {
        reasons.push(format!(
            "set the canvas font to {fonts_set} distinct values and measured the same text at least {same_text_calls} times"
        ));
    }
    if check_probe {
        reasons.push(format!(
            "asked document.fonts.check about {fonts_checked} fonts"
        ));
    }
    if css_probe {
        let measurements: u64 = ELEMENT_SIZES.iter().map(|a| apis.run_count(a)).sum();
        reasons.push(format!(
            "measured elements {measurements} times while they were rendered in {} distinct font families",
            measured_families.len()
        ));
    }
    if dynamic {
        evidence.extend(apis.evidence_of(&[FONT, MEASURE, CHECK], &[Observation::Dynamic]));
        evidence.extend(apis.evidence_of(&ELEMENT_SIZES, &[Observation::Dynamic]));
    }
    // In the code.
    let mut in_code = false;
    if let Some(source) = apis.source() {
        let named = named_fonts(source);
        let measures: Vec<&str> = [MEASURE, CHECK]
            .iter()
            .filter(|a| apis.in_code(a))
            .map(|a| a.rsplit('.').next().unwrap_or(a))
            .chain(
                ELEMENT_MEASURES
                    .iter()
                    .copied()
                    .filter(|m| source.contains(m)),
            )
            .collect();
        if named.len() >= MIN_NAMED_FONTS && !measures.is_empty() {
            in_code = true;
            let sample: Vec<&str> = named.keys().take(8).map(String::as_str).collect();
            reasons.push(format!(
                "the code names {} installed-font families ({}, …) and measures rendered text ({})",
                named.len(),
                sample.join(", "),
                measures.join(", ")
            ));
            if let (Some(script), Some(first)) = (apis.script, named.values().min()) {
                evidence.push(code_evidence(
                    script,
                    span_at(source, *first, first + 1),
                    format!("start of a list of {} font families", named.len()),
                ));
            }
            evidence.extend(apis.evidence_of(&[MEASURE, CHECK], &[Observation::Static]));
        }
    }
    if !dynamic && !in_code {
        return None;
    }
    Some(Verdict {
        severity: Severity::Medium,
        confidence: if dynamic {
            Confidence::High
        } else {
            Confidence::Medium
        },
        dynamic,
        in_code,
        reasons,
        evidence,
    })
}

