/*
 * active.js - a professional's active time on a page (issue 13, time
 * accounting): seconds in which the page has the focus and something was
 * typed, clicked or scrolled in the last 60 seconds, posted every 30
 * seconds to the address in #active-time's data-url.  Idle time with the
 * page open counts nothing; without JavaScript nothing is counted.  What
 * was typed in a text field makes the time "write", else "read".
 */
(function () {
  'use strict';
  var tag = document.getElementById('active-time');
  if (!tag || !window.fetch) {
    return;
  }
  var url = tag.getAttribute('data-url');
  var token = tag.getAttribute('data-csrf');
  var lastInput = 0;
  var wrote = false;
  var seconds = 0;
  var IDLE = 60000;

  function input(e) {
    lastInput = Date.now();
    if (e && e.type === 'input') {
      wrote = true;
    }
  }
  ['keydown', 'mousedown', 'pointerdown', 'wheel', 'scroll',
   'touchstart', 'input'].forEach(function (t) {
    document.addEventListener(t, input, { passive: true, capture: true });
  });

  function post() {
    if (seconds < 1) {
      return;
    }
    var n = Math.min(seconds, 60);
    var body = 'seconds=' + n + '&what=' + (wrote ? 'write' : 'read');
    seconds = 0;
    wrote = false;
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      keepalive: true,
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-CSRF-Token': token
      },
      body: body
    }).catch(function () {});
  }

  setInterval(function () {
    if (document.hasFocus() && document.visibilityState === 'visible' &&
        Date.now() - lastInput < IDLE) {
      seconds += 1;
    }
  }, 1000);
  setInterval(post, 30000);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') {
      post();
    }
  });
}());
