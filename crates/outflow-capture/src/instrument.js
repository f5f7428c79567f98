// outflow's in-page instrumentation. Injected by Page.addScriptToEvaluateOnNewDocument,
// so it runs in every frame before any script of the page. It wraps the
// privacy-relevant APIs, records each use with the caller's stack, aggregates
// identical uses, and streams batches to the scanner through a CDP binding
// whose name is random per scan (replaced below before injection).
//
// Rules this file keeps:
// - Every built-in it relies on is captured before the page can replace it.
// - Wrappers look native: same name and length, `toString` answers with the
//   original's native source, constructors stay `instanceof`-compatible.
// - The stack depth from a wrapper to `stackText` is always three frames
//   (stackText, note, wrapper); the scanner drops those three.
// - Nothing here throws into the page: every recording step is guarded.
(function () {
  'use strict';
  const BINDING = '__OUTFLOW_BINDING__';
  const g = globalThis;
  const send = g[BINDING];
  if (typeof send !== 'function') return;
  // The page should not find the binding: keep a private reference only.
  try { delete g[BINDING]; } catch (e) { /* non-configurable: leave it */ }

  const R = Reflect;
  const apply = R.apply;
  const construct = R.construct;
  const O = Object;
  const defineProperty = O.defineProperty;
  const getOwnPropertyDescriptor = O.getOwnPropertyDescriptor;
  const ProxyCtor = Proxy;
  const ErrorCtor = Error;
  const StringCtor = String;
  const MapCtor = Map;
  const WeakMapCtor = WeakMap;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapClear = Map.prototype.clear;
  const mapForEach = Map.prototype.forEach;
  const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size').get;
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const strSlice = String.prototype.slice;
  const strToLower = String.prototype.toLowerCase;
  const regexTest = RegExp.prototype.test;
  const jsonStringify = JSON.stringify;
  const setTimeoutOrig = g.setTimeout;
  const addListenerOrig = g.EventTarget && EventTarget.prototype.addEventListener;
  const getAttributeOrig = g.Element && Element.prototype.getAttribute;
  const tagNameGetter = g.Element && getOwnPropertyDescriptor(Element.prototype, 'tagName').get;
  const getComputedStyleOrig = g.getComputedStyle;
  const getPropertyValueOrig = g.CSSStyleDeclaration && CSSStyleDeclaration.prototype.getPropertyValue;
  const locationObject = g.location;
  // href is unforgeable: an own accessor of each Location object, which the
  // page cannot redefine.
  const hrefDescriptor = locationObject && getOwnPropertyDescriptor(locationObject, 'href');
  const hrefGetter = hrefDescriptor ? hrefDescriptor.get : null;

  const ARG_LIMIT = 200;
  const STACKED_PER_API = 300;
  const MAX_DISTINCT = 20000;
  const FLUSH_AT = 500;

  let busy = false;
  let scheduled = false;
  let distinct = 0;
  let dropped = 0;
  const perApi = new MapCtor();
  const pending = new MapCtor();

  function cut(value) {
    let s;
    try { s = typeof value === 'string' ? value : StringCtor(value); } catch (e) { s = '?'; }
    return s.length > ARG_LIMIT ? apply(strSlice, s, [0, ARG_LIMIT]) : s;
  }

  function frameUrl() {
    try { return hrefGetter ? apply(hrefGetter, locationObject, []) : ''; } catch (e) { return ''; }
  }

  function stackText() {
    let limit, prepare, text = '';
    try {
      limit = ErrorCtor.stackTraceLimit;
      prepare = ErrorCtor.prepareStackTrace;
      ErrorCtor.stackTraceLimit = 11;
      ErrorCtor.prepareStackTrace = undefined;
    } catch (e) { /* a page froze Error: take what V8 gives */ }
    try { text = new ErrorCtor().stack; } catch (e) { text = ''; }
    try {
      ErrorCtor.stackTraceLimit = limit;
      ErrorCtor.prepareStackTrace = prepare;
    } catch (e) { /* see above */ }
    return typeof text === 'string' ? text : '';
  }

  function flush() {
    scheduled = false;
    if (apply(mapSize, pending, []) === 0 && dropped === 0) return;
    const records = [];
    apply(mapForEach, pending, [function (record) { records[records.length] = record; }]);
    apply(mapClear, pending, []);
    const batch = { u: frameUrl(), r: records, d: dropped };
    dropped = 0;
    try { apply(send, g, [jsonStringify(batch)]); } catch (e) { /* the scan is over */ }
  }

  function schedule() {
    if (apply(mapSize, pending, []) >= FLUSH_AT) { flush(); return; }
    if (scheduled) return;
    scheduled = true;
    try { apply(setTimeoutOrig, g, [flush, 50]); } catch (e) { scheduled = false; }
  }

  function note(api, access, arg) {
    if (busy) return;
    busy = true;
    try {
      const seen = (apply(mapGet, perApi, [api]) || 0) + 1;
      apply(mapSet, perApi, [api, seen]);
      const stack = seen <= STACKED_PER_API ? stackText() : '';
      const key = api + '\u0001' + access + '\u0001' + arg + '\u0001' + stack;
      const record = apply(mapGet, pending, [key]);
      if (record) {
        record[4] += 1;
      } else if (distinct < MAX_DISTINCT) {
        distinct += 1;
        apply(mapSet, pending, [key, [api, access, arg, stack, 1]]);
      } else {
        dropped += 1;
      }
      schedule();
    } catch (e) {
      /* never break the page */
    } finally {
      busy = false;
    }
  }

  // toString masking: wrappers answer with their original's native source.
  const originals = new WeakMapCtor();
  const nativeToString = Function.prototype.toString;
  function mask(wrapper, original) {
    apply(weakSet, originals, [wrapper, original]);
    return wrapper;
  }
  const toStringWrapper = {
    toString() {
      const original = apply(weakGet, originals, [this]);
      return apply(nativeToString, original !== undefined ? original : this, []);
    },
  }.toString;
  mask(toStringWrapper, nativeToString);
  defineProperty(Function.prototype, 'toString', {
    value: toStringWrapper, writable: true, enumerable: false, configurable: true,
  });

  function summarise(summary, self, args) {
    if (!summary) return '';
    try {
      const value = summary(self, args);
      return value === null ? null : cut(value);
    } catch (e) {
      return '';
    }
  }

  function wrapMethod(target, name, api, summary) {
    if (!target) return;
    const descriptor = getOwnPropertyDescriptor(target, name);
    if (!descriptor || typeof descriptor.value !== 'function') return;
    const original = descriptor.value;
    const wrapper = {
      [name](...args) {
        const arg = summarise(summary, this, args);
        if (arg !== null) note(api, 'call', arg);
        return apply(original, this, args);
      },
    }[name];
    defineProperty(wrapper, 'length', { value: original.length });
    descriptor.value = mask(wrapper, original);
    defineProperty(target, name, descriptor);
  }

  function wrapGetter(target, name, api, summary) {
    if (!target) return;
    const descriptor = getOwnPropertyDescriptor(target, name);
    if (!descriptor || typeof descriptor.get !== 'function') return;
    const original = descriptor.get;
    const getter = getOwnPropertyDescriptor({
      get [name]() {
        const arg = summarise(summary, this, []);
        if (arg !== null) note(api, 'get', arg);
        return apply(original, this, []);
      },
    }, name).get;
    descriptor.get = mask(getter, original);
    defineProperty(target, name, descriptor);
  }

  function wrapSetter(target, name, api, summary) {
    if (!target) return;
    const descriptor = getOwnPropertyDescriptor(target, name);
    if (!descriptor || typeof descriptor.set !== 'function') return;
    const original = descriptor.set;
    const setter = getOwnPropertyDescriptor({
      set [name](value) {
        const arg = summarise(summary, this, [value]);
        if (arg !== null) note(api, 'set', arg);
        return apply(original, this, [value]);
      },
    }, name).set;
    descriptor.set = mask(setter, original);
    defineProperty(target, name, descriptor);
  }

  function wrapConstructor(owner, name, api, summary) {
    const descriptor = getOwnPropertyDescriptor(owner, name);
    if (!descriptor || typeof descriptor.value !== 'function') return;
    const original = descriptor.value;
    const proxy = new ProxyCtor(original, {
      construct(target, args, newTarget) {
        const arg = summarise(summary, null, args);
        if (arg !== null) note(api, 'construct', arg);
        return construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    mask(proxy, original);
    descriptor.value = proxy;
    defineProperty(owner, name, descriptor);
    const prototype = original.prototype;
    if (prototype) {
      const ctor = getOwnPropertyDescriptor(prototype, 'constructor');
      if (ctor && ctor.value === original) {
        ctor.value = proxy;
        defineProperty(prototype, 'constructor', ctor);
      }
    }
  }

  function attribute(element, name) {
    try { return apply(getAttributeOrig, element, [name]); } catch (e) { return null; }
  }

  function describeElement(element) {
    let tag = '';
    try { tag = apply(strToLower, apply(tagNameGetter, element, []), []); } catch (e) { return '?'; }
    let out = tag;
    const type = attribute(element, 'type');
    const name = attribute(element, 'name');
    const id = attribute(element, 'id');
    if (type) out += '[type=' + cut(type) + ']';
    if (name) out += '[name=' + cut(name) + ']';
    if (id) out += '#' + cut(id);
    return out;
  }

  function isCanvas(target) {
    try { return apply(strToLower, apply(tagNameGetter, target, []), []) === 'canvas'; } catch (e) { return false; }
  }

  // The font family an element is rendered in: measuring one element in
  // font after font is how CSS font probes enumerate installed fonts.
  // Chromium keeps `style.fontFamily` as a named property of each style
  // object, which no prototype wrapper sees; the measurement is where the
  // family shows, however it was set (style property, cssText, a class).
  function renderedFontFamily(element) {
    if (!getComputedStyleOrig || !getPropertyValueOrig) return '';
    const style = apply(getComputedStyleOrig, g, [element]);
    return apply(getPropertyValueOrig, style, ['font-family']);
  }

  function describeTarget(target) {
    if (target === g) return 'window';
    if (g.Document && target instanceof g.Document) return 'document';
    if (g.Element && target instanceof g.Element) return describeElement(target);
    try { return O.prototype.toString.call(target); } catch (e) { return '?'; }
  }

  const SENSITIVE_NAME = /pass|pwd|user|login|mail|phone|mobile|tel|account|card|cc-|cvv|cvc|ssn|otp|code/i;
  function sensitiveField(element) {
    const type = apply(strToLower, StringCtor(attribute(element, 'type') || 'text'), []);
    if (type === 'password' || type === 'email' || type === 'tel') return true;
    const words = (attribute(element, 'name') || '') + ' ' + (attribute(element, 'id') || '') + ' ' +
      (attribute(element, 'autocomplete') || '') + ' ' + (attribute(element, 'placeholder') || '');
    return apply(regexTest, SENSITIVE_NAME, [words]);
  }

  const WATCHED_EVENTS = {
    __proto__: null,
    keydown: 1, keyup: 1, keypress: 1, input: 1, beforeinput: 1, change: 1, blur: 1,
    focusout: 1, focus: 1, focusin: 1, submit: 1, paste: 1, copy: 1, cut: 1,
    devicemotion: 1, deviceorientation: 1, icecandidate: 1,
  };

  const first = (self, args) => args[0];
  const canvasSize = (canvas) => canvas.width + 'x' + canvas.height;
  const WEBGL_NAMES = {
    __proto__: null,
    7936: 'VENDOR', 7937: 'RENDERER', 7938: 'VERSION', 35724: 'SHADING_LANGUAGE_VERSION',
    37445: 'UNMASKED_VENDOR_WEBGL', 37446: 'UNMASKED_RENDERER_WEBGL', 3379: 'MAX_TEXTURE_SIZE',
  };

  // Canvas.
  if (g.HTMLCanvasElement) {
    const p = HTMLCanvasElement.prototype;
    wrapMethod(p, 'getContext', 'HTMLCanvasElement.getContext', first);
    wrapMethod(p, 'toDataURL', 'HTMLCanvasElement.toDataURL',
      (self, args) => canvasSize(self) + ' ' + (args[0] || 'image/png'));
    wrapMethod(p, 'toBlob', 'HTMLCanvasElement.toBlob', (self) => canvasSize(self));
  }
  if (g.CanvasRenderingContext2D) {
    const p = CanvasRenderingContext2D.prototype;
    wrapMethod(p, 'getImageData', 'CanvasRenderingContext2D.getImageData',
      (self, args) => args[0] + ',' + args[1] + ' ' + args[2] + 'x' + args[3]);
    wrapMethod(p, 'fillText', 'CanvasRenderingContext2D.fillText', first);
    wrapMethod(p, 'strokeText', 'CanvasRenderingContext2D.strokeText', first);
    wrapMethod(p, 'measureText', 'CanvasRenderingContext2D.measureText', first);
    wrapMethod(p, 'isPointInPath', 'CanvasRenderingContext2D.isPointInPath', null);
    // Drawing applications save and restore the context; the canvas
    // fingerprinting heuristic excludes scripts that do.
    wrapMethod(p, 'save', 'CanvasRenderingContext2D.save', null);
    wrapMethod(p, 'restore', 'CanvasRenderingContext2D.restore', null);
    wrapSetter(p, 'font', 'CanvasRenderingContext2D.font', first);
    wrapSetter(p, 'fillStyle', 'CanvasRenderingContext2D.fillStyle', first);
    wrapSetter(p, 'globalCompositeOperation', 'CanvasRenderingContext2D.globalCompositeOperation', first);
  }
  if (g.OffscreenCanvas) wrapConstructor(g, 'OffscreenCanvas', 'OffscreenCanvas', (s, a) => a[0] + 'x' + a[1]);

  // WebGL.
  for (const name of ['WebGLRenderingContext', 'WebGL2RenderingContext']) {
    if (!g[name]) continue;
    const p = g[name].prototype;
    wrapMethod(p, 'getParameter', name + '.getParameter', (s, a) => WEBGL_NAMES[a[0]] || a[0]);
    wrapMethod(p, 'getExtension', name + '.getExtension', first);
    wrapMethod(p, 'getSupportedExtensions', name + '.getSupportedExtensions', null);
    wrapMethod(p, 'getShaderPrecisionFormat', name + '.getShaderPrecisionFormat', null);
    wrapMethod(p, 'getContextAttributes', name + '.getContextAttributes', null);
    wrapMethod(p, 'readPixels', name + '.readPixels', (s, a) => a[2] + 'x' + a[3]);
  }
  if (g.Navigator) wrapGetter(Navigator.prototype, 'gpu', 'Navigator.gpu', null);

  // Audio.
  wrapConstructor(g, 'OfflineAudioContext', 'OfflineAudioContext', (s, a) =>
    a.length === 1 && a[0] && typeof a[0] === 'object'
      ? a[0].numberOfChannels + ',' + a[0].length + ',' + a[0].sampleRate
      : a[0] + ',' + a[1] + ',' + a[2]);
  wrapConstructor(g, 'AudioContext', 'AudioContext', null);
  if (g.BaseAudioContext) {
    const p = BaseAudioContext.prototype;
    wrapMethod(p, 'createOscillator', 'BaseAudioContext.createOscillator', null);
    wrapMethod(p, 'createDynamicsCompressor', 'BaseAudioContext.createDynamicsCompressor', null);
    wrapMethod(p, 'createAnalyser', 'BaseAudioContext.createAnalyser', null);
    wrapGetter(p, 'sampleRate', 'BaseAudioContext.sampleRate', null);
    wrapGetter(p, 'destination', 'BaseAudioContext.destination', null);
  }
  if (g.OfflineAudioContext) {
    wrapMethod(OfflineAudioContext.prototype, 'startRendering', 'OfflineAudioContext.startRendering', null);
    wrapSetter(OfflineAudioContext.prototype, 'oncomplete', 'OfflineAudioContext.oncomplete', () => '');
  }
  if (g.AudioContext) wrapGetter(AudioContext.prototype, 'baseLatency', 'AudioContext.baseLatency', null);
  if (g.AudioBuffer) {
    wrapMethod(AudioBuffer.prototype, 'getChannelData', 'AudioBuffer.getChannelData', first);
    wrapMethod(AudioBuffer.prototype, 'copyFromChannel', 'AudioBuffer.copyFromChannel', null);
  }
  if (g.AnalyserNode) {
    wrapMethod(AnalyserNode.prototype, 'getFloatFrequencyData', 'AnalyserNode.getFloatFrequencyData', null);
    wrapMethod(AnalyserNode.prototype, 'getByteFrequencyData', 'AnalyserNode.getByteFrequencyData', null);
  }
  if (g.AudioNode) wrapGetter(AudioNode.prototype, 'channelCount', 'AudioNode.channelCount', null);
  if (g.AudioDestinationNode) {
    wrapGetter(AudioDestinationNode.prototype, 'maxChannelCount', 'AudioDestinationNode.maxChannelCount', null);
  }

  // Fonts.
  if (g.FontFaceSet) wrapMethod(FontFaceSet.prototype, 'check', 'FontFaceSet.check', first);
  if (g.HTMLElement) {
    wrapGetter(HTMLElement.prototype, 'offsetWidth', 'HTMLElement.offsetWidth', renderedFontFamily);
    wrapGetter(HTMLElement.prototype, 'offsetHeight', 'HTMLElement.offsetHeight', renderedFontFamily);
  }

  // WebRTC.
  wrapConstructor(g, 'RTCPeerConnection', 'RTCPeerConnection', (s, a) =>
    a[0] && a[0].iceServers ? 'iceServers=' + a[0].iceServers.length : '');
  if (g.RTCPeerConnection) {
    const p = RTCPeerConnection.prototype;
    wrapMethod(p, 'createDataChannel', 'RTCPeerConnection.createDataChannel', first);
    wrapMethod(p, 'createOffer', 'RTCPeerConnection.createOffer', null);
    wrapMethod(p, 'setLocalDescription', 'RTCPeerConnection.setLocalDescription', null);
    // A connection given a remote description talks to a real peer.
    wrapMethod(p, 'setRemoteDescription', 'RTCPeerConnection.setRemoteDescription', null);
    wrapGetter(p, 'localDescription', 'RTCPeerConnection.localDescription', null);
    wrapSetter(p, 'onicecandidate', 'RTCPeerConnection.onicecandidate', () => '');
  }

  // Navigator, battery, media devices, permissions, voices.
  if (g.Navigator) {
    const p = Navigator.prototype;
    for (const name of ['userAgent', 'userAgentData', 'platform', 'oscpu', 'productSub', 'vendor',
      'appVersion', 'buildID', 'languages', 'language', 'hardwareConcurrency', 'deviceMemory',
      'maxTouchPoints', 'plugins', 'mimeTypes', 'pdfViewerEnabled', 'doNotTrack', 'cpuClass',
      'connection', 'webdriver', 'cookieEnabled', 'geolocation', 'mediaDevices', 'keyboard']) {
      wrapGetter(p, name, 'Navigator.' + name, null);
    }
    wrapMethod(p, 'getBattery', 'Navigator.getBattery', null);
    wrapMethod(p, 'getGamepads', 'Navigator.getGamepads', null);
    wrapMethod(p, 'sendBeacon', 'Navigator.sendBeacon', first);
  }
  if (g.BatteryManager) {
    for (const name of ['level', 'charging', 'chargingTime', 'dischargingTime']) {
      wrapGetter(BatteryManager.prototype, name, 'BatteryManager.' + name, null);
    }
  }
  if (g.MediaDevices) {
    wrapMethod(MediaDevices.prototype, 'enumerateDevices', 'MediaDevices.enumerateDevices', null);
    wrapMethod(MediaDevices.prototype, 'getUserMedia', 'MediaDevices.getUserMedia', null);
  }
  if (g.Permissions) wrapMethod(Permissions.prototype, 'query', 'Permissions.query', (s, a) => a[0] && a[0].name);
  if (g.Keyboard) wrapMethod(Keyboard.prototype, 'getLayoutMap', 'Keyboard.getLayoutMap', null);
  if (g.StorageManager) wrapMethod(StorageManager.prototype, 'estimate', 'StorageManager.estimate', null);
  if (g.SpeechSynthesis) wrapMethod(SpeechSynthesis.prototype, 'getVoices', 'SpeechSynthesis.getVoices', null);
  if (g.Geolocation) {
    wrapMethod(Geolocation.prototype, 'getCurrentPosition', 'Geolocation.getCurrentPosition', null);
    wrapMethod(Geolocation.prototype, 'watchPosition', 'Geolocation.watchPosition', null);
  }

  // Screen and CSS media queries.
  if (g.Screen) {
    for (const name of ['width', 'height', 'availWidth', 'availHeight', 'availLeft', 'availTop',
      'colorDepth', 'pixelDepth', 'orientation']) {
      wrapGetter(Screen.prototype, name, 'Screen.' + name, null);
    }
  }
  wrapGetter(g, 'devicePixelRatio', 'Window.devicePixelRatio', null);
  wrapMethod(g, 'matchMedia', 'Window.matchMedia', first);

  // Locale and time zone.
  if (g.Intl && Intl.DateTimeFormat) {
    wrapMethod(Intl.DateTimeFormat.prototype, 'resolvedOptions', 'Intl.DateTimeFormat.resolvedOptions', null);
  }
  wrapMethod(Date.prototype, 'getTimezoneOffset', 'Date.getTimezoneOffset', null);

  // Sensors.
  for (const name of ['Accelerometer', 'Gyroscope', 'Magnetometer', 'AbsoluteOrientationSensor',
    'RelativeOrientationSensor', 'LinearAccelerationSensor', 'GravitySensor', 'AmbientLightSensor']) {
    wrapConstructor(g, name, name, null);
  }
  wrapSetter(g, 'ondevicemotion', 'Window.ondevicemotion', () => '');
  wrapSetter(g, 'ondeviceorientation', 'Window.ondeviceorientation', () => '');

  // Form fields: value reads of sensitive fields, listeners, observers.
  const valueRead = (self) => (sensitiveField(self) ? describeElement(self) : null);
  if (g.HTMLInputElement) wrapGetter(HTMLInputElement.prototype, 'value', 'HTMLInputElement.value', valueRead);
  if (g.HTMLTextAreaElement) {
    wrapGetter(HTMLTextAreaElement.prototype, 'value', 'HTMLTextAreaElement.value', valueRead);
  }
  wrapConstructor(g, 'FormData', 'FormData', (s, a) => (a[0] ? describeElement(a[0]) : ''));
  if (g.EventTarget) {
    wrapMethod(EventTarget.prototype, 'addEventListener', 'EventTarget.addEventListener', (self, args) => {
      const type = StringCtor(args[0]);
      // Any listener on a canvas: drawing applications listen to their
      // canvas, fingerprinting scripts need not (the canvas heuristic).
      if (!WATCHED_EVENTS[type] && !isCanvas(self)) return null;
      return type + ' on ' + describeTarget(self);
    });
  }
  const label = (self) => describeTarget(self);
  for (const name of ['onkeydown', 'onkeyup', 'onkeypress', 'oninput', 'onbeforeinput', 'onchange', 'onblur',
    'onpaste', 'onsubmit']) {
    if (g.HTMLElement) wrapSetter(HTMLElement.prototype, name, 'HTMLElement.' + name, label);
    if (g.Document) wrapSetter(Document.prototype, name, 'Document.' + name, label);
  }
  // Window's handlers are own accessors of the global object.
  for (const name of ['onkeydown', 'onkeyup', 'onkeypress', 'oninput', 'onbeforeinput', 'onpaste']) {
    wrapSetter(g, name, 'Window.' + name, label);
  }
  wrapConstructor(g, 'MutationObserver', 'MutationObserver', null);
  if (g.MutationObserver) {
    wrapMethod(MutationObserver.prototype, 'observe', 'MutationObserver.observe', (self, args) => {
      const options = args[1] ? O.keys(args[1]).join(',') : '';
      return describeTarget(args[0]) + ' ' + options;
    });
  }

  // Storage and cookies written by scripts.
  if (g.Storage) {
    wrapMethod(Storage.prototype, 'setItem', 'Storage.setItem', (self, args) => {
      let area = 'local';
      try { if (self === g.sessionStorage) area = 'session'; } catch (e) { /* opaque origin */ }
      return jsonStringify([area, cut(args[0]), cut(args[1])]);
    });
  }
  if (g.Document) wrapSetter(Document.prototype, 'cookie', 'Document.cookie', first);

  // Hand over whatever is pending before the document goes away.
  if (addListenerOrig) {
    try { apply(addListenerOrig, g, ['pagehide', flush, true]); } catch (e) { /* no window */ }
  }
})();
