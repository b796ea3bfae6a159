/*
 * assignment.js - the assignment page, livelier: the client's work is
 * saved on the server every few seconds while they write.  Without this
 * file the "Save and continue later" button does the same; nothing here is
 * inline (the CSP forbids it) and text from the server is only set with
 * textContent.
 */
"use strict";
(function () {
  var SAVE_EVERY = 5000;

  var form = document.getElementById("work-form");
  if (!form) {
    return;
  }
  var body = document.getElementById("f-body");
  var status = document.getElementById("f-draft-status");
  var url = form.getAttribute("data-draft-url");
  var tokenField = form.querySelector('input[name="csrf"]');
  var saved = body ? body.value : "";
  var busy = false;

  if (!body || !url || !tokenField) {
    return;
  }
  function save() {
    if (busy || body.value === saved) {
      return;
    }
    var text = body.value;
    busy = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": tokenField.value
      },
      body: JSON.stringify({ draft: text })
    }).then(function (r) {
      if (!r.ok) {
        throw new Error("HTTP " + r.status);
      }
      return r.json();
    }).then(function (j) {
      saved = text;
      if (status && j && typeof j.message === "string") {
        status.textContent = j.message;
      }
    }).catch(function () {
      /* Keep the text in the page; the next round tries again. */
    }).then(function () {
      busy = false;
    });
  }
  window.setInterval(save, SAVE_EVERY);
  form.addEventListener("submit", function () {
    saved = body.value;
  });
}());
