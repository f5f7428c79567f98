//! # canvas-fingerprinting
//!
//! A script draws text on a canvas and reads the pixels back: the image
//! differs with the visitor's GPU, drivers, fonts and anti-aliasing, and
//! identifies the device without any cookie.
//!
//! ## What it detects
//!
//! The heuristic of Englehardt & Narayanan ("Online Tracking: A 1-million-
//! site Measurement and Analysis", ACM CCS 2016, section 6.1), per script:
//!
//! 1. the canvas read back is at least [`MIN_CANVAS_SIDE`] (16) pixels wide and
//!    high;
//! 2. text is drawn with at least [`MIN_DISTINCT_CHARS`] (10) distinct
//!    characters, or in at least [`MIN_COLOURS`] (2) colours;
//! 3. the script never calls `save`, `restore` or `addEventListener` on
//!    the canvas (drawing applications do; fingerprinters need not);
//! 4. the image is read back with `toDataURL` (or `toBlob`), or with a
//!    `getImageData` of at least [`MIN_READBACK_SIDE`] (16) x
//!    [`MIN_READBACK_SIDE`] (16) pixels.
//!
//! ## Why it matters
//!
//! Canvas fingerprinting survives cookie clearing and private windows. In
//! 2016 it ran on 14,371 of the top million sites, mostly from third-party
//! trackers.
//!
//! ## How it decides
//!
//! - **Seen running** (a capture's API calls): all four conditions on the
//!   recorded arguments (canvas size at readback, drawn text, fill
//!   colours, `getImageData` size, and for condition 3 the recorded
//!   `CanvasRenderingContext2D.save`/`restore` calls and listeners added
//!   to a `canvas` element, whatever the event). Severity **medium**,
//!   confidence **high**.
//! - A script that drew and read back enough but was seen saving or
//!   restoring a context, or listening to a canvas, is a drawing
//!   application by condition 3: it gets no finding from the visit, and
//!   what its code shows is capped at **low**, low confidence, with the
//!   recorded calls as evidence (an obfuscated script can hide `.save(`
//!   from the code reading below, not from the visit).
//! - **In the code** (static analysis; no argument values): a 2-D
//!   context, text drawing and a readback in one script, the drawing and
//!   the readback within [`CO_LOCATED_BYTES`] (4096) bytes of each other (one
//!   function, in practice), and no `.save(`/`.restore(` call anywhere in
//!   the script. Severity **medium**, confidence **medium**. When string
//!   literals passed to `fillText`/`strokeText` are visible, condition 2 is
//!   checked on them and on the colour literals assigned to `fillStyle`/
//!   `strokeStyle`.
//! - The same APIs spread over a script that also saves and restores the
//!   context (a drawing library) give a **low**, low-confidence finding:
//!   it can read a canvas back, nothing shows it fingerprints.
//!
//! ## Known false positives
//!
//! Image editors and chart exporters that draw a caption and export the
//! picture with `toDataURL` at once, without `save`/`restore`. Canvas
//! emoji-support checks (they draw one or two emoji and read a pixel:
//! below the thresholds).
//!
//! ## Example
//!
//! ```js
//! const c = document.createElement('canvas'); c.width = 240; c.height = 60;
//! const x = c.getContext('2d');
//! x.fillStyle = '#f60'; x.fillRect(100, 1, 62, 20);
//! x.fillStyle = '#069'; x.fillText('Cwm fjordbank glyphs vext quiz', 2, 15);
//! send(c.toDataURL());
//! ```

use outflow_model::{Confidence, Evidence, Observation, Severity};

use crate::evidence::code_evidence;
use crate::fingerprint::source_text::{
    co_located, distinct_chars, literal_assignments, literal_first_arguments, method_calls, span_at,
};
use crate::fingerprint::{ScriptApis, Verdict};

/// Smallest canvas width and height read back (E&N condition 1).
pub const MIN_CANVAS_SIDE: u32 = 16;
/// Fewest distinct characters of drawn text (E&N condition 2).
pub const MIN_DISTINCT_CHARS: usize = 10;
/// Fewest fill colours with text drawn (E&N condition 2).
pub const MIN_COLOURS: usize = 2;
/// Smallest `getImageData` width and height that counts as a readback
/// (E&N condition 4).
pub const MIN_READBACK_SIDE: u32 = 16;
/// Largest distance in the code between text drawing and readback for the
/// static heuristic.
pub const CO_LOCATED_BYTES: u32 = 4096;

const TEXT_APIS: [&str; 2] = [
    "CanvasRenderingContext2D.fillText",
    "CanvasRenderingContext2D.strokeText",
];
const READBACK_APIS: [&str; 4] = [
    "HTMLCanvasElement.toDataURL",
    "HTMLCanvasElement.toBlob",
    "CanvasRenderingContext2D.getImageData",
    "OffscreenCanvas.convertToBlob",
];
const SAVE: &str = "CanvasRenderingContext2D.save";
const RESTORE: &str = "CanvasRenderingContext2D.restore";
/// How listeners appear among the normalised API names.
const LISTENER_PREFIX: &str = "EventTarget.addEventListener(";
/// The recorded calls that show a drawing application.
const DRAWING_APIS: [&str; 2] = [SAVE, RESTORE];
const WHY: &str = "Text drawn on a canvas and read back renders differently on each \
                   GPU, driver and font set: the pixels identify the device without a cookie \
                   (Englehardt & Narayanan, CCS 2016).";

crate::rules::declare_rule! {
    /// The rule; see the module documentation.
    pub struct CanvasFingerprinting;
    slug: "canvas-fingerprinting",
    source: "canvas_fingerprinting.rs",
    thresholds: [
        MIN_CANVAS_SIDE,
        MIN_DISTINCT_CHARS,
        MIN_COLOURS,
        MIN_READBACK_SIDE,
        CO_LOCATED_BYTES,
    ],
}

crate::rules::technique_rule!(
    CanvasFingerprinting,
    "Canvas fingerprinting",
    WHY,
    assess,
);

/// The canvas verdict on one script, if there is one.
pub(crate) fn assess(apis: &ScriptApis<'_>) -> Option<Verdict> {
    let drawing_app = drawing_application(apis);
    let dynamic = if drawing_app.is_empty() {
        assess_dynamic(apis)
    } else {
        None
    };
    let mut code = assess_code(apis);
    if let Some(c) = code.as_mut()
        && !drawing_app.is_empty()
    {
        c.severity = c.severity.min(Severity::Low);
        c.confidence = Confidence::Low;
        c.reasons.push(format!(
            "but while the page ran it {}, as drawing applications do",
            drawing_app.join(" and ")
        ));
        let listeners = canvas_listener_apis(apis);
        let listeners: Vec<&str> = listeners.iter().map(String::as_str).collect();
        c.evidence
            .extend(apis.evidence_of(&DRAWING_APIS, &[Observation::Dynamic]));
        c.evidence
            .extend(apis.evidence_of(&listeners, &[Observation::Dynamic]));
    }
    match (dynamic, code) {
        (Some(mut d), Some(c)) => {
            d.in_code = c.severity >= Severity::Medium;
            if d.in_code {
                d.reasons.extend(c.reasons);
                d.evidence.extend(c.evidence);
            }
            Some(d)
        }
        (Some(d), None) => Some(d),
        (None, code) => code,
    }
}

/// What the script was seen doing that drawing applications do and
/// fingerprinting scripts need not (E&N condition 3), in words; empty when
/// nothing was recorded.
fn drawing_application(apis: &ScriptApis<'_>) -> Vec<String> {
    let mut done = Vec::new();
    let saves = apis.run_count(SAVE) + apis.run_count(RESTORE);
    if saves > 0 {
        done.push(format!("saved or restored a 2-D context {saves} times"));
    }
    let listeners: Vec<&str> = canvas_listener_apis(apis)
        .iter()
        .flat_map(|api| apis.run_arguments(api))
        .filter(|a| on_canvas(a))
        .collect();
    if !listeners.is_empty() {
        done.push(format!("listened to a canvas ({})", listeners.join(", ")));
    }
    done
}

/// The listener APIs (`EventTarget.addEventListener(mousedown)`) recorded
/// with a canvas element as target.
fn canvas_listener_apis(apis: &ScriptApis<'_>) -> Vec<String> {
    apis.names()
        .filter(|n| n.starts_with(LISTENER_PREFIX))
        .filter(|n| apis.run_arguments(n).iter().any(|a| on_canvas(a)))
        .map(str::to_string)
        .collect()
}

/// Whether a recorded listener (`"mousedown on canvas#board"`) is on a
/// canvas element.
fn on_canvas(listener: &str) -> bool {
    listener.split_once(" on ").is_some_and(|(_, target)| {
        target == "canvas" || target.starts_with("canvas[") || target.starts_with("canvas#")
    })
}

/// `WxH` at the start of an argument summary, or after a space.
fn size_in(text: &str) -> Option<(u32, u32)> {
    text.split([' ', ',']).find_map(|part| {
        let (w, h) = part.split_once('x')?;
        Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
    })
}

fn assess_dynamic(apis: &ScriptApis<'_>) -> Option<Verdict> {
    let readback_sizes: Vec<(&str, (u32, u32))> = READBACK_APIS
        .iter()
        .flat_map(|api| {
            apis.run_arguments(api)
                .into_iter()
                .filter_map(move |a| size_in(a).map(|s| (*api, s)))
        })
        .collect();
    let big = |(w, h): (u32, u32), min: u32| w >= min && h >= min;
    let readback = readback_sizes.iter().find(|(api, size)| {
        if api.ends_with("getImageData") {
            big(*size, MIN_READBACK_SIDE) && big(*size, MIN_CANVAS_SIDE)
        } else {
            big(*size, MIN_CANVAS_SIDE)
        }
    })?;
    let texts: Vec<&str> = TEXT_APIS
        .iter()
        .flat_map(|api| apis.run_arguments(api))
        .collect();
    if !TEXT_APIS.iter().any(|api| apis.ran(api)) {
        return None;
    }
    let richest = texts.iter().map(|t| distinct_chars(t)).max().unwrap_or(0);
    let colours = apis
        .run_arguments("CanvasRenderingContext2D.fillStyle")
        .len();
    if richest < MIN_DISTINCT_CHARS && colours < MIN_COLOURS {
        return None;
    }
    let mut reasons = vec![format!(
        "read back a {}x{} canvas with {}",
        readback.1.0,
        readback.1.1,
        readback.0.rsplit('.').next().unwrap_or(readback.0)
    )];
    if richest >= MIN_DISTINCT_CHARS {
        reasons.push(format!("drew text with {richest} distinct characters"));
    }
    if colours >= MIN_COLOURS {
        reasons.push(format!("used {colours} fill colours"));
    }
    reasons.push("never saved or restored the context nor listened to the canvas".to_string());
    let mut evidence = apis.evidence_of(&READBACK_APIS, &[Observation::Dynamic]);
    evidence.extend(apis.evidence_of(&TEXT_APIS, &[Observation::Dynamic]));
    evidence.extend(apis.evidence_of(
        &[
            "CanvasRenderingContext2D.fillStyle",
            "HTMLCanvasElement.getContext(2d)",
        ],
        &[Observation::Dynamic],
    ));
    Some(Verdict {
        severity: Severity::Medium,
        confidence: Confidence::High,
        dynamic: true,
        in_code: false,
        reasons,
        evidence,
    })
}

fn assess_code(apis: &ScriptApis<'_>) -> Option<Verdict> {
    let has_context =
        apis.in_code("HTMLCanvasElement.getContext(2d)") || apis.in_code("OffscreenCanvas");
    let draws = TEXT_APIS.iter().any(|a| apis.in_code(a));
    let reads = READBACK_APIS.iter().any(|a| apis.in_code(a));
    if !(has_context && draws && reads) {
        return None;
    }
    let text_offsets: Vec<u32> = TEXT_APIS
        .iter()
        .flat_map(|a| apis.code_offsets(a))
        .collect();
    let read_offsets: Vec<u32> = READBACK_APIS
        .iter()
        .flat_map(|a| apis.code_offsets(a))
        .collect();
    let together = co_located(&[text_offsets, read_offsets], CO_LOCATED_BYTES);
    let source = apis.source();
    let saves = source.map_or(0, |s| method_calls(s, "save") + method_calls(s, "restore"));
    let literal_texts: Vec<&str> = source.map_or_else(Vec::new, |s| {
        TEXT_APIS
            .iter()
            .flat_map(|a| literal_first_arguments(s, a.rsplit('.').next().unwrap_or(a)))
            .collect()
    });
    let richest_literal = literal_texts.iter().map(|t| distinct_chars(t)).max();
    let mut colours: Vec<&str> = source.map_or_else(Vec::new, |s| {
        literal_assignments(s, "fillStyle")
            .into_iter()
            .chain(literal_assignments(s, "strokeStyle"))
            .collect()
    });
    colours.sort_unstable();
    colours.dedup();
    // Condition 2 visibly fails only when every drawn text the code shows is
    // poor and fewer than two colours are set.
    let poor_literal_only =
        richest_literal.is_some_and(|d| d < MIN_DISTINCT_CHARS) && colours.len() < MIN_COLOURS;
    let strong = together.is_some() && saves == 0 && !poor_literal_only;
    let mut reasons =
        vec!["the code gets a 2-D canvas context, draws text and reads the image back".to_string()];
    let mut evidence: Vec<Evidence> = Vec::new();
    if let (Some((start, end)), Some(script), Some(source)) = (together, apis.script, source) {
        reasons.push(format!(
            "the drawing and the readback are {} bytes apart",
            end - start
        ));
        let start = start as usize;
        evidence.push(code_evidence(
            script,
            span_at(source, start, start + 1),
            "text drawn on a canvas close to where the canvas is read back".to_string(),
        ));
    }
    if let Some(d) = richest_literal {
        reasons.push(format!(
            "the drawn text literal has {d} distinct characters"
        ));
    }
    if saves == 0 {
        reasons.push("the script never saves or restores a context".to_string());
    } else {
        reasons.push(format!(
            "but the script saves/restores a context {saves} times, as drawing libraries do"
        ));
    }
    if together.is_none() {
        reasons.push(format!(
            "and the drawing and readback are more than {CO_LOCATED_BYTES} bytes apart"
        ));
    }
    evidence.extend(apis.evidence_of(&READBACK_APIS, &[Observation::Static]));
    evidence.extend(apis.evidence_of(&TEXT_APIS, &[Observation::Static]));
    Some(Verdict {
        severity: if strong {
            Severity::Medium
        } else {
            Severity::Low
        },
        confidence: if strong {
            Confidence::Medium
        } else {
            Confidence::Low
        },
        dynamic: false,
        in_code: true,
        reasons,
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::size_in;

    #[test]
    fn sizes_are_read_from_argument_summaries() {
        assert_eq!(size_in("240x60 image/png"), Some((240, 60)));
        assert_eq!(size_in("0,0 16x16"), Some((16, 16)));
        assert_eq!(size_in("image/png"), None);
        assert_eq!(size_in("NaNxundefined"), None);
    }
}

