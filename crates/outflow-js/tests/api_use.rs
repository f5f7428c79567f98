//! Privacy-relevant API use: found where it is, by technique, and not
//! where a common name is used on another object.

use outflow_js::{Options, analyze_script};
use outflow_model::{Access, ScriptInput, Technique};

fn apis(source: &str) -> Vec<(Technique, String, Access, u32)> {
    let scripts = analyze_script(
        "t.js",
        ScriptInput::Stdin,
        source.as_bytes(),
        &Options::default(),
    );
    scripts[0]
        .api_uses
        .iter()
        .map(|a| (a.technique, a.api.clone(), a.access, a.count))
        .collect()
}

fn has(
    found: &[(Technique, String, Access, u32)],
    technique: Technique,
    api: &str,
    access: Access,
) -> bool {
    found
        .iter()
        .any(|(t, a, x, _)| *t == technique && a == api && *x == access)
}

#[test]
fn each_technique() {
    use Access::*;
    use Technique::*;
    let cases: &[(&str, Technique, &str, Access)] = &[
        (
            "c.getContext('2d')",
            Canvas,
            "HTMLCanvasElement.getContext(2d)",
            Call,
        ),
        ("c.toDataURL()", Canvas, "HTMLCanvasElement.toDataURL", Call),
        (
            "ctx.fillText('Cwm fjordbank', 2, 15)",
            Canvas,
            "CanvasRenderingContext2D.fillText",
            Call,
        ),
        (
            "ctx.getImageData(0, 0, 16, 16)",
            Canvas,
            "CanvasRenderingContext2D.getImageData",
            Call,
        ),
        (
            "c.getContext('webgl')",
            Webgl,
            "HTMLCanvasElement.getContext(webgl)",
            Call,
        ),
        (
            "gl.getParameter(e.UNMASKED_RENDERER_WEBGL)",
            Webgl,
            "WebGLRenderingContext.getParameter",
            Call,
        ),
        (
            "gl.getShaderPrecisionFormat(1, 2)",
            Webgl,
            "WebGLRenderingContext.getShaderPrecisionFormat",
            Call,
        ),
        (
            "new OfflineAudioContext(1, 5000, 44100)",
            Audio,
            "OfflineAudioContext",
            Construct,
        ),
        (
            "a.createDynamicsCompressor()",
            Audio,
            "BaseAudioContext.createDynamicsCompressor",
            Call,
        ),
        (
            "b.getChannelData(0)",
            Audio,
            "AudioBuffer.getChannelData",
            Call,
        ),
        (
            "ctx.measureText('mmmmmmmmmmlli')",
            Fonts,
            "CanvasRenderingContext2D.measureText",
            Call,
        ),
        (
            "document.fonts.check('12px Arial')",
            Fonts,
            "FontFaceSet.check",
            Call,
        ),
        (
            "new RTCPeerConnection({})",
            Webrtc,
            "RTCPeerConnection",
            Construct,
        ),
        (
            "pc.createDataChannel('')",
            Webrtc,
            "RTCPeerConnection.createDataChannel",
            Call,
        ),
        (
            "pc.onicecandidate = f",
            Webrtc,
            "RTCPeerConnection.onicecandidate",
            Set,
        ),
        ("navigator.userAgent", Navigator, "Navigator.userAgent", Get),
        (
            "window.navigator.hardwareConcurrency",
            Navigator,
            "Navigator.hardwareConcurrency",
            Get,
        ),
        (
            "self['navigator']['platform']",
            Navigator,
            "Navigator.platform",
            Get,
        ),
        (
            "const n = navigator; n.deviceMemory",
            Navigator,
            "Navigator.deviceMemory",
            Get,
        ),
        (
            "navigator.userAgentData.getHighEntropyValues(['model'])",
            Navigator,
            "NavigatorUAData.getHighEntropyValues",
            Call,
        ),
        ("screen.colorDepth", Screen, "Screen.colorDepth", Get),
        (
            "window.devicePixelRatio",
            Screen,
            "Window.devicePixelRatio",
            Get,
        ),
        (
            "matchMedia('(prefers-color-scheme: dark)')",
            Screen,
            "Window.matchMedia",
            Call,
        ),
        (
            "Intl.DateTimeFormat().resolvedOptions().timeZone",
            Locale,
            "Intl.DateTimeFormat.resolvedOptions",
            Call,
        ),
        (
            "new Date().getTimezoneOffset()",
            Locale,
            "Date.getTimezoneOffset",
            Call,
        ),
        (
            "window.addEventListener('devicemotion', f)",
            Sensors,
            "EventTarget.addEventListener(devicemotion)",
            Listen,
        ),
        ("new Gyroscope()", Sensors, "Gyroscope", Construct),
        (
            "navigator.getBattery()",
            Battery,
            "Navigator.getBattery",
            Call,
        ),
        (
            "b.dischargingTime",
            Battery,
            "BatteryManager.dischargingTime",
            Get,
        ),
        (
            "navigator.mediaDevices.enumerateDevices()",
            MediaDevices,
            "MediaDevices.enumerateDevices",
            Call,
        ),
        (
            "speechSynthesis.getVoices()",
            MediaDevices,
            "SpeechSynthesis.getVoices",
            Call,
        ),
        (
            "localStorage.setItem('k', v)",
            Storage,
            "Window.localStorage",
            Get,
        ),
        (
            "window.sessionStorage.getItem('k')",
            Storage,
            "Window.sessionStorage",
            Get,
        ),
        ("document.cookie = 'a=b'", Cookies, "Document.cookie", Set),
        ("var c = document.cookie", Cookies, "Document.cookie", Get),
        (
            "document.getElementById('pw').value",
            InputValue,
            "HTMLInputElement.value",
            Get,
        ),
        ("e.target.value", InputValue, "HTMLInputElement.value", Get),
        (
            "form.elements.email.value",
            InputValue,
            "HTMLInputElement.value",
            Get,
        ),
        (
            "input.addEventListener('keydown', f)",
            KeyListener,
            "EventTarget.addEventListener(keydown)",
            Listen,
        ),
        (
            "input.addEventListener('blur', f)",
            KeyListener,
            "EventTarget.addEventListener(blur)",
            Listen,
        ),
        ("input.onpaste = f", KeyListener, "HTMLElement.onpaste", Set),
        (
            "form.addEventListener('submit', f)",
            FormSubmit,
            "EventTarget.addEventListener(submit)",
            Listen,
        ),
        (
            "form.onsubmit = f",
            FormSubmit,
            "HTMLFormElement.onsubmit",
            Set,
        ),
        (
            "new MutationObserver(f).observe(document, {subtree: true})",
            MutationObserver,
            "MutationObserver",
            Construct,
        ),
    ];
    for (source, technique, api, access) in cases {
        let found = apis(source);
        assert!(has(&found, *technique, api, *access), "{source}: {found:?}");
    }
}

#[test]
fn common_names_on_other_objects_do_not_count() {
    for source in [
        "const navigator = {}; navigator.userAgent",
        "box.width; el.height; options.platform; item.vendor",
        "function f(screen) { return screen.width; }",
        "x.value",
        "button.addEventListener('click', f)",
        "obj.cookie = 1",
    ] {
        assert!(apis(source).is_empty(), "{source}: {:?}", apis(source));
    }
}

#[test]
fn counts_and_locations() {
    let scripts = analyze_script(
        "t.js",
        ScriptInput::Stdin,
        b"navigator.userAgent;\nnavigator.userAgent;\n  navigator.userAgent;",
        &Options::default(),
    );
    let ua = &scripts[0].api_uses[0];
    assert_eq!(ua.count, 3);
    let places: Vec<(u32, u32)> = ua
        .locations
        .iter()
        .map(|l| (l.start.line, l.start.column))
        .collect();
    assert_eq!(places, vec![(1, 1), (2, 1), (3, 3)]);
}

#[test]
fn obfuscated_member_names_are_resolved() {
    let found = apis(
        "navigator['user' + 'Agent']; window[atob('bmF2aWdhdG9y')][['plat', 'form'].join('')]",
    );
    assert!(has(
        &found,
        Technique::Navigator,
        "Navigator.userAgent",
        Access::Get
    ));
    assert!(has(
        &found,
        Technique::Navigator,
        "Navigator.platform",
        Access::Get
    ));
}
