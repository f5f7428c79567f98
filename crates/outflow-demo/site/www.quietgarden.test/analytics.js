/* Quiet Garden's own, cookie-less page counter: one beacon to its own site. */
(function () {
  var payload = JSON.stringify({ path: location.pathname, ref: document.referrer ? 'yes' : 'no' });
  navigator.sendBeacon('/collect', payload);
})();
