/*
 * live.js - a page's event stream (Server-Sent Events, src/event): what
 * the other side does arrives without a reload.  The page works the same
 * without this file; a reload shows the same state.
 *
 * The element #live names the stream (data-src) and the last event the
 * page already shows (data-since); the browser's EventSource reconnects
 * by itself and sends Last-Event-ID, so the server replays what was
 * missed, or sends "reload" when it no longer can.  Events carry ids, not
 * text: what is new is fetched through the page's own address (its access
 * is checked and logged there).  Other scripts (chat, timer) listen to
 * the "infuus-live" event on document; nothing from the server is
 * inserted other than as a parsed page's own elements or textContent.
 */
"use strict";
(function () {
  var el = document.getElementById("live");
  if (!el || !window.EventSource || !window.fetch) {
    return;
  }
  var src = el.getAttribute("data-src");
  var since = el.getAttribute("data-since");
  var thread = parseInt(el.getAttribute("data-thread") || "0", 10);
  var es = new EventSource(src + (since ? "?since=" +
    encodeURIComponent(since) : ""));
  var busy = false, again = false;

  function announce(text) {
    /* Emptied first, so the same sentence is announced twice. */
    el.textContent = "";
    window.setTimeout(function () { el.textContent = text; }, 50);
  }

  /* The newest messages as the server renders them now. */
  function refreshMessages(say) {
    var box = document.getElementById("messages");
    if (!box) {
      return;
    }
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("messages");
        if (fresh) {
          box.replaceWith(document.importNode(fresh, true));
          if (say) {
            announce(el.getAttribute("data-new"));
          }
        }
      })
      .catch(function () { /* the next event or a reload will do */ })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refreshMessages(false);
        }
      });
  }

  /* A page whose whole content follows the user's stream (the queue):
   * its main element as the server renders it now, the live region kept. */
  function refreshMain() {
    fetch(window.location.pathname + window.location.search,
      { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main");
        var main = document.getElementById("main");
        if (!fresh || !main) {
          return;
        }
        Array.prototype.slice.call(main.children).forEach(function (c) {
          if (c !== el && c.tagName !== "SCRIPT") {
            main.removeChild(c);
          }
        });
        Array.prototype.slice.call(fresh.children).forEach(function (c) {
          if (c.id !== "live" && c.tagName !== "SCRIPT") {
            main.appendChild(document.importNode(c, true));
          }
        });
        announce(el.getAttribute("data-new"));
      });
  }

  function relay(kind) {
    es.addEventListener(kind, function (e) {
      var data = {};
      try {
        data = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      document.dispatchEvent(new CustomEvent("infuus-live",
        { detail: { kind: kind, data: data } }));
      if (kind === "message" && thread && data.thread === thread) {
        refreshMessages(true);
      }
      if (kind === "read" && thread && data.thread === thread) {
        refreshMessages(false); /* the read marks, as a reload shows */
      }
      if (kind === "reload") {
        refreshMessages(false);
      }
      if (kind === el.getAttribute("data-refresh") || (kind === "reload" &&
          el.getAttribute("data-refresh"))) {
        refreshMain();
      }
    });
  }
  ["message", "reload", "chat", "typing", "presence", "timer", "queue",
    "call", "read"].forEach(relay);
}());
