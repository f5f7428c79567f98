//! Each rule on synthetic captures: API calls and requests as the browser
//! instrumentation records them. The trigger is reported at medium severity
//! "seen running" with dynamic evidence; the look-alike is not reported at
//! medium or above.

mod fingerprint_common;

use fingerprint_common::{call, capture_with_script, check_capture, request, worst};
use outflow_model::{ApiAccess, ApiCall, Capture, Confidence, Evidence, Observation, Severity};

const SCRIPT: &str = "https://cdn.fp-vendor.test/fp.js";

fn capture(calls: Vec<ApiCall>) -> Capture {
    let mut capture = capture_with_script(SCRIPT);
    capture.api_calls = Some(calls);
    capture
}

fn assert_seen_running(slug: &str, capture: &Capture) {
    let findings = check_capture(slug, capture);
    assert_eq!(
        worst(&findings),
        Some(Severity::Medium),
        "{slug}: {findings:#?}"
    );
    let finding = &findings[0];
    assert!(finding.title.contains("seen running"), "{}", finding.title);
    assert_eq!(finding.script.as_deref(), Some(SCRIPT));
    if !matches!(slug, "session-recording" | "identity-sdk") {
        assert_eq!(finding.confidence, Confidence::High, "{slug}");
        assert!(
            finding.evidence.iter().any(|e| matches!(
                e,
                Evidence::Api {
                    observed: Observation::Dynamic,
                    ..
                }
            )),
            "{slug}: no dynamic evidence"
        );
    }
}

fn assert_quiet(slug: &str, capture: &Capture) {
    let findings = check_capture(slug, capture);
    assert!(
        worst(&findings).is_none_or(|s| s < Severity::Medium),
        "{slug}: {findings:#?}"
    );
}

use ApiAccess::{Call, Construct, Get, Set};

/// What a canvas fingerprinting script is recorded doing: text in two
/// colours on a 240x60 canvas, read back with `toDataURL`.
fn canvas_fingerprint() -> Vec<ApiCall> {
    vec![
        call(SCRIPT, "HTMLCanvasElement.getContext", Call, 1, &["2d"]),
        call(
            SCRIPT,
            "CanvasRenderingContext2D.fillStyle",
            Set,
            2,
            &["#f60", "#069"],
        ),
        call(
            SCRIPT,
            "CanvasRenderingContext2D.fillText",
            Call,
            2,
            &["Cwm fjordbank glyphs vext quiz"],
        ),
        call(
            SCRIPT,
            "HTMLCanvasElement.toDataURL",
            Call,
            1,
            &["240x60 image/png"],
        ),
    ]
}

#[test]
fn canvas() {
    let fingerprint = canvas_fingerprint();
    assert_seen_running("canvas-fingerprinting", &capture(fingerprint.clone()));
    let finding = &check_capture("canvas-fingerprinting", &capture(fingerprint.clone()))[0];
    assert!(
        finding.explanation.contains("240x60"),
        "{}",
        finding.explanation
    );

    // One colour and short text: condition 2 fails.
    let plain = vec![
        call(
            SCRIPT,
            "CanvasRenderingContext2D.fillStyle",
            Set,
            1,
            &["#000"],
        ),
        call(
            SCRIPT,
            "CanvasRenderingContext2D.fillText",
            Call,
            1,
            &["Hello"],
        ),
        call(
            SCRIPT,
            "HTMLCanvasElement.toDataURL",
            Call,
            1,
            &["240x60 image/png"],
        ),
    ];
    assert!(check_capture("canvas-fingerprinting", &capture(plain)).is_empty());
    // An emoji-support check reads one pixel of a small canvas.
    let emoji = vec![
        call(
            SCRIPT,
            "CanvasRenderingContext2D.fillStyle",
            Set,
            2,
            &["#f00", "#00f"],
        ),
        call(
            SCRIPT,
            "CanvasRenderingContext2D.fillText",
            Call,
            1,
            &["\u{1f600}"],
        ),
        call(
            SCRIPT,
            "CanvasRenderingContext2D.getImageData",
            Call,
            1,
            &["16,16 1x1"],
        ),
    ];
    assert!(check_capture("canvas-fingerprinting", &capture(emoji)).is_empty());
    // A 10x10 canvas: condition 1 fails.
    let mut small = fingerprint.clone();
    small[3] = call(
        SCRIPT,
        "HTMLCanvasElement.toDataURL",
        Call,
        1,
        &["10x10 image/png"],
    );
    assert!(check_capture("canvas-fingerprinting", &capture(small)).is_empty());
    // A drawing application listens on its canvas: condition 3 fails.
    assert_quiet(
        "canvas-fingerprinting",
        &fingerprint_with_listeners(&["input on canvas#board"]),
    );
}

/// [`canvas_fingerprint`] by a script that also added these listeners.
fn fingerprint_with_listeners(listeners: &[&str]) -> Capture {
    let mut calls = canvas_fingerprint();
    calls.push(call(
        SCRIPT,
        "EventTarget.addEventListener",
        Call,
        listeners.len() as u64,
        listeners,
    ));
    capture(calls)
}

#[test]
fn canvas_saves_and_restores_recorded_exclude_a_drawing_application() {
    let fingerprint = canvas_fingerprint();
    assert_seen_running("canvas-fingerprinting", &capture(fingerprint.clone()));
    for api in [
        "CanvasRenderingContext2D.save",
        "CanvasRenderingContext2D.restore",
    ] {
        let mut app = fingerprint.clone();
        app.push(call(SCRIPT, api, Call, 4, &[]));
        assert!(
            check_capture("canvas-fingerprinting", &capture(app)).is_empty(),
            "{api}"
        );
    }
    // Any event counts on a canvas, not only the watched form events.
    let app = fingerprint_with_listeners(&["mousedown on canvas"]);
    assert!(check_capture("canvas-fingerprinting", &app).is_empty());
    // A listener elsewhere does not.
    let other =
        fingerprint_with_listeners(&["mousedown on document", "click on div#canvas-wrapper"]);
    assert_seen_running("canvas-fingerprinting", &other);
}

#[test]
fn canvas_code_verdict_is_capped_when_the_visit_saw_a_drawing_application() {
    // The static fixture fingerprints by its code (medium); while running,
    // the same script was seen saving the context: low, with that evidence.
    let scripts = fingerprint_common::static_scripts("canvas-trigger.js");
    let mut saved = call(SCRIPT, "CanvasRenderingContext2D.save", Call, 3, &[]);
    saved.script_id = Some(scripts[0].id.clone());
    let mut capture = capture_with_script(SCRIPT);
    capture.api_calls = Some(vec![saved]);
    let medium = fingerprint_common::check_scripts("canvas-fingerprinting", None, &scripts);
    assert_eq!(worst(&medium), Some(Severity::Medium), "{medium:#?}");
    let findings =
        fingerprint_common::check_scripts("canvas-fingerprinting", Some(&capture), &scripts);
    assert_eq!(worst(&findings), Some(Severity::Low), "{findings:#?}");
    assert!(
        findings[0].explanation.contains("saved or restored"),
        "{}",
        findings[0].explanation
    );
    assert!(findings[0].evidence.iter().any(|e| matches!(
        e,
        Evidence::Api { api, observed: Observation::Dynamic, .. } if api == "CanvasRenderingContext2D.save"
    )));
}

#[test]
fn webgl() {
    assert_seen_running(
        "webgl-fingerprinting",
        &capture(vec![
            call(
                SCRIPT,
                "WebGLRenderingContext.getExtension",
                Call,
                1,
                &["WEBGL_debug_renderer_info"],
            ),
            call(
                SCRIPT,
                "WebGL2RenderingContext.getParameter",
                Call,
                2,
                &["UNMASKED_VENDOR_WEBGL", "UNMASKED_RENDERER_WEBGL"],
            ),
            call(
                SCRIPT,
                "WebGLRenderingContext.getSupportedExtensions",
                Call,
                1,
                &[],
            ),
        ]),
    );
    assert!(
        check_capture(
            "webgl-fingerprinting",
            &capture(vec![
                call(
                    SCRIPT,
                    "WebGLRenderingContext.getParameter",
                    Call,
                    3,
                    &["MAX_TEXTURE_SIZE"]
                ),
                call(
                    SCRIPT,
                    "WebGLRenderingContext.getExtension",
                    Call,
                    1,
                    &["OES_texture_float"]
                ),
            ])
        )
        .is_empty()
    );
}

#[test]
fn audio() {
    assert_seen_running(
        "audio-fingerprinting",
        &capture(vec![
            call(
                SCRIPT,
                "OfflineAudioContext",
                Construct,
                1,
                &["1,5000,44100"],
            ),
            call(SCRIPT, "BaseAudioContext.createOscillator", Call, 1, &[]),
            call(
                SCRIPT,
                "BaseAudioContext.createDynamicsCompressor",
                Call,
                1,
                &[],
            ),
            call(SCRIPT, "OfflineAudioContext.startRendering", Call, 1, &[]),
            call(SCRIPT, "AudioBuffer.getChannelData", Call, 1, &["0"]),
        ]),
    );
    // A live synthesiser: no offline rendering.
    assert!(
        check_capture(
            "audio-fingerprinting",
            &capture(vec![
                call(SCRIPT, "AudioContext", Construct, 1, &[]),
                call(SCRIPT, "BaseAudioContext.createOscillator", Call, 12, &[]),
                call(
                    SCRIPT,
                    "BaseAudioContext.createDynamicsCompressor",
                    Call,
                    1,
                    &[]
                ),
            ])
        )
        .is_empty()
    );
}

#[test]
fn fonts() {
    let fonts: Vec<String> = (0..60)
        .map(|i| format!("72px \"Font {i}\", monospace"))
        .collect();
    let fonts: Vec<&str> = fonts.iter().map(String::as_str).collect();
    assert_seen_running(
        "font-fingerprinting",
        &capture(vec![
            call(SCRIPT, "CanvasRenderingContext2D.font", Set, 61, &fonts),
            call(
                SCRIPT,
                "CanvasRenderingContext2D.measureText",
                Call,
                61,
                &["mmmmmmmmmmlli"],
            ),
        ]),
    );
    // The CSS probe: one span measured in font after font.
    let families: Vec<String> = (0..60)
        .map(|i| format!("\"Font {i}\", monospace"))
        .collect();
    let families: Vec<&str> = families.iter().map(String::as_str).collect();
    let css = capture(vec![
        call(SCRIPT, "HTMLElement.offsetWidth", Get, 61, &families),
        call(SCRIPT, "HTMLElement.offsetHeight", Get, 61, &families),
    ]);
    assert_seen_running("font-fingerprinting", &css);
    let finding = &check_capture("font-fingerprinting", &css)[0];
    assert!(
        finding.explanation.contains("60 distinct font families"),
        "{}",
        finding.explanation
    );
    // A layout measured 2,000 times in the page's three families.
    let layout = capture(vec![
        call(
            SCRIPT,
            "HTMLElement.offsetWidth",
            Get,
            1000,
            &["Georgia, serif", "monospace", "\"Times New Roman\""],
        ),
        call(
            SCRIPT,
            "HTMLElement.offsetHeight",
            Get,
            1000,
            &["", "Georgia, serif"],
        ),
    ]);
    assert!(check_capture("font-fingerprinting", &layout).is_empty());
    let checked: Vec<String> = (0..55).map(|i| format!("12px \"Font {i}\"")).collect();
    let checked: Vec<&str> = checked.iter().map(String::as_str).collect();
    assert_seen_running(
        "font-fingerprinting",
        &capture(vec![call(SCRIPT, "FontFaceSet.check", Call, 55, &checked)]),
    );
    // A text layout engine: few fonts, many different texts measured.
    let texts: Vec<String> = (0..120).map(|i| format!("word {i}")).collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert!(
        check_capture(
            "font-fingerprinting",
            &capture(vec![
                call(
                    SCRIPT,
                    "CanvasRenderingContext2D.font",
                    Set,
                    3,
                    &["14px Arial", "bold 14px Arial"]
                ),
                call(
                    SCRIPT,
                    "CanvasRenderingContext2D.measureText",
                    Call,
                    240,
                    &texts
                ),
            ])
        )
        .is_empty()
    );
}

/// What a WebRTC IP-discovery script is recorded doing: a data channel,
/// an offer, and a candidate handler.
fn ip_discovery() -> Vec<ApiCall> {
    vec![
        call(SCRIPT, "RTCPeerConnection", Construct, 1, &["iceServers=1"]),
        call(
            SCRIPT,
            "RTCPeerConnection.createDataChannel",
            Call,
            1,
            &[""],
        ),
        call(SCRIPT, "RTCPeerConnection.onicecandidate", Set, 1, &[]),
        call(SCRIPT, "RTCPeerConnection.createOffer", Call, 1, &[]),
    ]
}

#[test]
fn webrtc() {
    assert_seen_running("webrtc-ip-discovery", &capture(ip_discovery()));
    // Media-only offer without a data channel or candidate reads.
    assert!(
        check_capture(
            "webrtc-ip-discovery",
            &capture(vec![
                call(SCRIPT, "RTCPeerConnection", Construct, 1, &[]),
                call(SCRIPT, "RTCPeerConnection.createOffer", Call, 1, &[]),
                call(
                    SCRIPT,
                    "RTCPeerConnection.setLocalDescription",
                    Call,
                    1,
                    &[]
                ),
            ])
        )
        .is_empty()
    );
    // A real peer: the remote description set while the page ran.
    let mut peer = ip_discovery();
    peer.push(call(
        SCRIPT,
        "RTCPeerConnection.setRemoteDescription",
        Call,
        1,
        &[],
    ));
    let findings = check_capture("webrtc-ip-discovery", &capture(peer));
    assert_eq!(worst(&findings), Some(Severity::Low), "{findings:#?}");
    assert!(
        findings[0].explanation.contains("remote description"),
        "{}",
        findings[0].explanation
    );
}

#[test]
fn device() {
    let mut calls: Vec<ApiCall> = [
        "Navigator.userAgent",
        "Navigator.platform",
        "Navigator.languages",
        "Navigator.plugins",
        "Navigator.hardwareConcurrency",
        "Navigator.deviceMemory",
        "Navigator.maxTouchPoints",
        "Screen.width",
        "Screen.colorDepth",
        "Window.devicePixelRatio",
    ]
    .iter()
    .map(|api| call(SCRIPT, api, Get, 1, &[]))
    .collect();
    calls.push(call(SCRIPT, "Date.getTimezoneOffset", Call, 1, &[]));
    calls.push(call(
        SCRIPT,
        "Intl.DateTimeFormat.resolvedOptions",
        Call,
        1,
        &[],
    ));
    assert_seen_running("device-fingerprinting", &capture(calls));
    let findings = check_capture(
        "device-fingerprinting",
        &capture(vec![
            call(SCRIPT, "Navigator.userAgent", Get, 3, &[]),
            call(SCRIPT, "Screen.width", Get, 1, &[]),
            call(SCRIPT, "Window.devicePixelRatio", Get, 1, &[]),
        ]),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn session_recording_behaviour() {
    let recorder = "https://cdn.replay-vendor.test/r.js";
    let mut trigger = capture_with_script(recorder);
    trigger.api_calls = Some(vec![
        call(recorder, "MutationObserver", Construct, 1, &[]),
        call(
            recorder,
            "MutationObserver.observe",
            Call,
            1,
            &["document childList,subtree,attributes,characterData"],
        ),
        call(
            recorder,
            "EventTarget.addEventListener",
            Call,
            3,
            &["input on document", "keydown on document"],
        ),
    ]);
    trigger.requests = (0..4)
        .map(|i| {
            request(
                &format!("r{i}"),
                "https://rec.replay-vendor.test/upload",
                recorder,
                1000 + i * 1500,
                Some("{\"events\":[]}"),
            )
        })
        .collect();
    let findings = check_capture("session-recording", &trigger);
    assert_eq!(worst(&findings), Some(Severity::Medium), "{findings:#?}");
    assert!(findings[0].title.contains("seen running"));
    assert_eq!(findings[0].destinations, ["rec.replay-vendor.test"]);
    // A lazy loader observes one gallery, not the document, and listens to
    // no input.
    let mut lookalike = trigger.clone();
    lookalike.api_calls = Some(vec![call(
        recorder,
        "MutationObserver.observe",
        Call,
        1,
        &["div#gallery childList,subtree"],
    )]);
    assert!(check_capture("session-recording", &lookalike).is_empty());
    // Two uploads in half a second are not a periodic stream.
    let mut burst = trigger;
    burst.requests.truncate(2);
    burst.requests[1].time_ms = burst.requests[0].time_ms + 500;
    assert!(check_capture("session-recording", &burst).is_empty());
}

#[test]
fn session_recording_product_by_traffic() {
    let hotjar = "https://static.hotjar.com/c/hotjar-1234567.js?sv=6";
    let mut capture = capture_with_script(hotjar);
    capture.requests.push(request(
        "1",
        "https://in.hotjar.com/api/v2/client/sites/1234567/visit-data?sv=7",
        hotjar,
        1200,
        Some("{}"),
    ));
    assert_seen_running_with(&capture, "session-recording", hotjar, "Hotjar");
}

#[test]
fn identity_sdk_by_traffic() {
    let login = "https://shop.test/static/login.js";
    let mut capture = capture_with_script(login);
    capture.requests.push(request(
        "9",
        "https://wap.cmpassport.com/openapi/wabpGetUseInfo",
        login,
        800,
        Some("{\"appId\":\"1\"}"),
    ));
    let findings = check_capture("identity-sdk", &capture);
    assert_eq!(worst(&findings), Some(Severity::Medium), "{findings:#?}");
    assert!(findings[0].title.contains("contacted during the visit"));
    assert_eq!(findings[0].destinations, ["wap.cmpassport.com"]);
    assert!(
        findings[0]
            .evidence
            .iter()
            .any(|e| matches!(e, Evidence::Request { request_id, .. } if request_id == "9"))
    );
    // The site's own passport service is nobody's SDK.
    let mut own = capture_with_script(login);
    own.requests.push(request(
        "9",
        "https://passport.shop.test/api/sms-code",
        login,
        800,
        Some("{}"),
    ));
    assert!(check_capture("identity-sdk", &own).is_empty());
}

fn assert_seen_running_with(capture: &Capture, slug: &str, script: &str, product: &str) {
    let findings = check_capture(slug, capture);
    assert_eq!(worst(&findings), Some(Severity::Medium), "{findings:#?}");
    assert!(
        findings[0].title.contains(product) && findings[0].title.contains("seen running"),
        "{}",
        findings[0].title
    );
    assert_eq!(findings[0].script.as_deref(), Some(script));
    assert_eq!(findings[0].confidence, Confidence::High);
}

#[test]
fn hostile_arguments_do_not_panic() {
    let junk = [
        "",
        "x",
        "NaNxNaN",
        "99999999999x1",
        "\u{0}",
        "é\u{1f600}",
        ",,,, xx x",
        "16x",
        "x16",
    ];
    let apis = [
        "HTMLCanvasElement.toDataURL",
        "CanvasRenderingContext2D.getImageData",
        "CanvasRenderingContext2D.fillText",
        "HTMLCanvasElement.getContext",
        "EventTarget.addEventListener",
        "WebGLRenderingContext.getParameter",
        "MutationObserver.observe",
        "CanvasRenderingContext2D.font",
    ];
    let calls: Vec<ApiCall> = apis
        .iter()
        .map(|api| call(SCRIPT, api, Call, u64::MAX, &junk))
        .collect();
    let capture = capture(calls);
    for rule in outflow_detect::RULES {
        let _ = check_capture(rule.slug(), &capture);
    }
}
