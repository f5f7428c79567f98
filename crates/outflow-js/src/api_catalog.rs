//! The privacy-relevant browser APIs outflow looks for, by technique.
//!
//! Sources: the fingerprinting API lists of OpenWPM
//! (`js_instrumentation_collections/fingerprinting.json`), DuckDuckGo's
//! Tracker Radar collector (`collectors/APICalls/breakpoints.js`) and
//! FP-Inspector (`potential_fingerprinting_APIs.md`), plus the APIs session
//! recorders and skimmers use to read forms.
//!
//! A member name that only one API has (`toDataURL`, `getChannelData`) is
//! matched on any receiver. A common name (`platform`, `width`, `cookie`) is
//! matched only on the browser object it belongs to (`navigator`, `screen`,
//! `document`), resolved through `window.`, `self.` and constant aliases.

use std::sync::OnceLock;

use outflow_model::Technique;
use rustc_hash::FxHashMap;

/// What the receiver of a member must be for the member to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    /// Any object: the member name is distinctive on its own.
    Any,
    /// The named browser object, e.g. `navigator` or `document.fonts`.
    Global(&'static str),
}

/// One API of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct ApiEntry {
    /// The technique it serves.
    pub technique: Technique,
    /// Interface and member, as reported.
    pub api: &'static str,
    /// The receiver it needs.
    pub receiver: Receiver,
}

const fn any(technique: Technique, api: &'static str) -> ApiEntry {
    ApiEntry {
        technique,
        api,
        receiver: Receiver::Any,
    }
}

const fn on(technique: Technique, receiver: &'static str, api: &'static str) -> ApiEntry {
    ApiEntry {
        technique,
        api,
        receiver: Receiver::Global(receiver),
    }
}

use Technique::{
    Audio, Battery, Canvas, Cookies, FormSubmit, KeyListener, Locale, MediaDevices,
    MutationObserver, Navigator, Screen, Sensors, Storage, Webgl, Webrtc,
};

/// Members, keyed by their name (the part after the last dot of `api`).
const MEMBERS: &[ApiEntry] = &[
    // Canvas
    any(Canvas, "HTMLCanvasElement.toDataURL"),
    any(Canvas, "HTMLCanvasElement.toBlob"),
    any(Canvas, "CanvasRenderingContext2D.getImageData"),
    any(Canvas, "CanvasRenderingContext2D.fillText"),
    any(Canvas, "CanvasRenderingContext2D.strokeText"),
    any(Canvas, "CanvasRenderingContext2D.isPointInPath"),
    any(Canvas, "CanvasRenderingContext2D.globalCompositeOperation"),
    any(Canvas, "CanvasRenderingContext2D.textBaseline"),
    any(Canvas, "OffscreenCanvas.convertToBlob"),
    // WebGL
    any(Webgl, "WebGLRenderingContext.getParameter"),
    any(Webgl, "WebGLRenderingContext.getSupportedExtensions"),
    any(Webgl, "WebGLRenderingContext.getExtension"),
    any(Webgl, "WebGLRenderingContext.getShaderPrecisionFormat"),
    any(Webgl, "WebGLRenderingContext.getContextAttributes"),
    any(Webgl, "WebGLRenderingContext.readPixels"),
    any(Webgl, "WEBGL_debug_renderer_info.UNMASKED_VENDOR_WEBGL"),
    any(Webgl, "WEBGL_debug_renderer_info.UNMASKED_RENDERER_WEBGL"),
    on(Webgl, "navigator", "Navigator.gpu"),
    // Audio
    any(Audio, "BaseAudioContext.createOscillator"),
    any(Audio, "BaseAudioContext.createDynamicsCompressor"),
    any(Audio, "BaseAudioContext.createAnalyser"),
    any(Audio, "OfflineAudioContext.startRendering"),
    any(Audio, "AudioBuffer.getChannelData"),
    any(Audio, "AudioBuffer.copyFromChannel"),
    any(Audio, "AnalyserNode.getFloatFrequencyData"),
    any(Audio, "AudioContext.baseLatency"),
    // Fonts
    any(Technique::Fonts, "CanvasRenderingContext2D.measureText"),
    on(Technique::Fonts, "document.fonts", "FontFaceSet.check"),
    // WebRTC
    any(Webrtc, "RTCPeerConnection.createDataChannel"),
    any(Webrtc, "RTCPeerConnection.createOffer"),
    any(Webrtc, "RTCPeerConnection.setLocalDescription"),
    any(Webrtc, "RTCPeerConnection.onicecandidate"),
    any(Webrtc, "RTCPeerConnection.localDescription"),
    // Navigator
    on(Navigator, "navigator", "Navigator.userAgent"),
    on(Navigator, "navigator", "Navigator.userAgentData"),
    any(Navigator, "NavigatorUAData.getHighEntropyValues"),
    on(Navigator, "navigator", "Navigator.platform"),
    on(Navigator, "navigator", "Navigator.oscpu"),
    on(Navigator, "navigator", "Navigator.productSub"),
    on(Navigator, "navigator", "Navigator.vendor"),
    on(Navigator, "navigator", "Navigator.vendorSub"),
    on(Navigator, "navigator", "Navigator.appVersion"),
    on(Navigator, "navigator", "Navigator.appName"),
    on(Navigator, "navigator", "Navigator.buildID"),
    on(Navigator, "navigator", "Navigator.language"),
    on(Navigator, "navigator", "Navigator.languages"),
    on(Navigator, "navigator", "Navigator.hardwareConcurrency"),
    on(Navigator, "navigator", "Navigator.deviceMemory"),
    on(Navigator, "navigator", "Navigator.maxTouchPoints"),
    on(Navigator, "navigator", "Navigator.plugins"),
    on(Navigator, "navigator", "Navigator.mimeTypes"),
    on(Navigator, "navigator", "Navigator.pdfViewerEnabled"),
    on(Navigator, "navigator", "Navigator.doNotTrack"),
    on(Navigator, "navigator", "Navigator.cpuClass"),
    on(Navigator, "navigator", "Navigator.connection"),
    on(Navigator, "navigator", "Navigator.cookieEnabled"),
    on(Navigator, "navigator", "Navigator.webdriver"),
    on(Navigator, "navigator", "Navigator.getGamepads"),
    on(Navigator, "navigator", "Navigator.keyboard"),
    on(Navigator, "navigator", "Navigator.geolocation"),
    on(Navigator, "navigator.permissions", "Permissions.query"),
    on(Navigator, "navigator.storage", "StorageManager.estimate"),
    any(Navigator, "Keyboard.getLayoutMap"),
    // Screen
    on(Screen, "screen", "Screen.width"),
    on(Screen, "screen", "Screen.height"),
    on(Screen, "screen", "Screen.availWidth"),
    on(Screen, "screen", "Screen.availHeight"),
    on(Screen, "screen", "Screen.availTop"),
    on(Screen, "screen", "Screen.availLeft"),
    on(Screen, "screen", "Screen.colorDepth"),
    on(Screen, "screen", "Screen.pixelDepth"),
    on(Screen, "screen", "Screen.orientation"),
    // Locale
    any(Locale, "Intl.DateTimeFormat.resolvedOptions"),
    any(Locale, "Date.getTimezoneOffset"),
    // Sensors
    any(Sensors, "Window.ondevicemotion"),
    any(Sensors, "Window.ondeviceorientation"),
    // Battery
    on(Battery, "navigator", "Navigator.getBattery"),
    any(Battery, "BatteryManager.chargingTime"),
    any(Battery, "BatteryManager.dischargingTime"),
    // Media devices
    any(MediaDevices, "MediaDevices.enumerateDevices"),
    any(MediaDevices, "MediaDevices.getUserMedia"),
    any(MediaDevices, "MediaDevices.getDisplayMedia"),
    any(MediaDevices, "SpeechSynthesis.getVoices"),
    on(MediaDevices, "navigator", "Navigator.mediaDevices"),
    // Cookies
    on(Cookies, "document", "Document.cookie"),
    // Listeners set as properties
    any(KeyListener, "HTMLElement.onkeydown"),
    any(KeyListener, "HTMLElement.onkeyup"),
    any(KeyListener, "HTMLElement.onkeypress"),
    any(KeyListener, "HTMLElement.oninput"),
    any(KeyListener, "HTMLElement.onpaste"),
    any(FormSubmit, "HTMLFormElement.onsubmit"),
    any(FormSubmit, "HTMLFormElement.requestSubmit"),
];

/// Browser globals (constructors and objects), by name.
const GLOBALS: &[(&str, ApiEntry)] = &[
    ("OffscreenCanvas", any(Canvas, "OffscreenCanvas")),
    ("OfflineAudioContext", any(Audio, "OfflineAudioContext")),
    (
        "webkitOfflineAudioContext",
        any(Audio, "OfflineAudioContext"),
    ),
    ("AudioContext", any(Audio, "AudioContext")),
    ("webkitAudioContext", any(Audio, "AudioContext")),
    ("RTCPeerConnection", any(Webrtc, "RTCPeerConnection")),
    ("webkitRTCPeerConnection", any(Webrtc, "RTCPeerConnection")),
    ("mozRTCPeerConnection", any(Webrtc, "RTCPeerConnection")),
    ("devicePixelRatio", any(Screen, "Window.devicePixelRatio")),
    ("matchMedia", any(Screen, "Window.matchMedia")),
    ("DeviceMotionEvent", any(Sensors, "DeviceMotionEvent")),
    (
        "DeviceOrientationEvent",
        any(Sensors, "DeviceOrientationEvent"),
    ),
    ("Accelerometer", any(Sensors, "Accelerometer")),
    ("Gyroscope", any(Sensors, "Gyroscope")),
    ("Magnetometer", any(Sensors, "Magnetometer")),
    (
        "AbsoluteOrientationSensor",
        any(Sensors, "AbsoluteOrientationSensor"),
    ),
    (
        "speechSynthesis",
        any(MediaDevices, "Window.speechSynthesis"),
    ),
    ("localStorage", any(Storage, "Window.localStorage")),
    ("sessionStorage", any(Storage, "Window.sessionStorage")),
    ("indexedDB", any(Storage, "Window.indexedDB")),
    ("openDatabase", any(Storage, "Window.openDatabase")),
    (
        "MutationObserver",
        any(MutationObserver, "MutationObserver"),
    ),
    (
        "WebKitMutationObserver",
        any(MutationObserver, "MutationObserver"),
    ),
];

/// Event names whose listeners matter, with the API name reported.
const EVENTS: &[(&str, Technique, &str)] = &[
    (
        "keydown",
        KeyListener,
        "EventTarget.addEventListener(keydown)",
    ),
    ("keyup", KeyListener, "EventTarget.addEventListener(keyup)"),
    (
        "keypress",
        KeyListener,
        "EventTarget.addEventListener(keypress)",
    ),
    ("input", KeyListener, "EventTarget.addEventListener(input)"),
    (
        "change",
        KeyListener,
        "EventTarget.addEventListener(change)",
    ),
    ("blur", KeyListener, "EventTarget.addEventListener(blur)"),
    (
        "focusout",
        KeyListener,
        "EventTarget.addEventListener(focusout)",
    ),
    ("paste", KeyListener, "EventTarget.addEventListener(paste)"),
    ("submit", FormSubmit, "EventTarget.addEventListener(submit)"),
    (
        "devicemotion",
        Sensors,
        "EventTarget.addEventListener(devicemotion)",
    ),
    (
        "deviceorientation",
        Sensors,
        "EventTarget.addEventListener(deviceorientation)",
    ),
    (
        "icecandidate",
        Webrtc,
        "EventTarget.addEventListener(icecandidate)",
    ),
];

fn members() -> &'static FxHashMap<&'static str, Vec<ApiEntry>> {
    static MAP: OnceLock<FxHashMap<&'static str, Vec<ApiEntry>>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map: FxHashMap<&'static str, Vec<ApiEntry>> = FxHashMap::default();
        for entry in MEMBERS {
            let member = entry.api.rsplit('.').next().unwrap_or(entry.api);
            map.entry(member).or_default().push(*entry);
        }
        map
    })
}

/// The catalogue entries for a member name.
pub fn member(name: &str) -> &'static [ApiEntry] {
    members().get(name).map_or(&[], Vec::as_slice)
}

fn globals() -> &'static FxHashMap<&'static str, ApiEntry> {
    static MAP: OnceLock<FxHashMap<&'static str, ApiEntry>> = OnceLock::new();
    MAP.get_or_init(|| GLOBALS.iter().copied().collect())
}

/// The catalogue entry for a browser global.
pub fn global(name: &str) -> Option<&'static ApiEntry> {
    globals().get(name)
}

/// The technique and API name of a listener for `event`.
pub fn event(name: &str) -> Option<(Technique, &'static str)> {
    EVENTS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, t, a)| (*t, *a))
}

/// The technique and API of `getContext(kind)`.
pub fn context(kind: &str) -> Option<(Technique, &'static str)> {
    match kind {
        "2d" => Some((Canvas, "HTMLCanvasElement.getContext(2d)")),
        "webgl" | "experimental-webgl" | "webgl2" | "experimental-webgl2" => {
            Some((Webgl, "HTMLCanvasElement.getContext(webgl)"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_name_is_unambiguous_per_receiver() {
        for (name, entries) in members() {
            for (i, a) in entries.iter().enumerate() {
                for b in &entries[i + 1..] {
                    assert_ne!(
                        a.receiver, b.receiver,
                        "{name} is listed twice for one receiver"
                    );
                }
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(member("toDataURL")[0].technique, Canvas);
        assert_eq!(
            member("userAgent")[0].receiver,
            Receiver::Global("navigator")
        );
        assert!(member("push").is_empty());
        assert_eq!(
            global("OfflineAudioContext").map(|e| e.technique),
            Some(Audio)
        );
        assert_eq!(event("keydown").map(|e| e.0), Some(KeyListener));
        assert_eq!(context("webgl2").map(|e| e.0), Some(Webgl));
    }
}
