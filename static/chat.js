/*
 * chat.js - the chat window and the hourglass, live (ui-chat.c).  Without
 * it the chat is a form and a page; with it:
 *   - a message of the other side arrives without a reload (an event
 *     names it; the message is fetched from /chat/<id>, whose access the
 *     server checks and logs) and is announced in a live region;
 *   - sending does not reload the page;
 *   - "is typing" and presence (online, away) both ways, unless the
 *     person switched presence off;
 *   - older messages load when the reader scrolls to the top;
 *   - the hourglass counts the seconds and warns (aria-live) near its end.
 * Text from the server is inserted only as elements of a parsed fragment
 * of our own pages, never as script.
 */
"use strict";
(function () {
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var announce = document.getElementById("chat-announce");
  var typing = document.getElementById("chat-typing");
  var hg = document.getElementById("hourglass");
  var me = log ? parseInt(log.getAttribute("data-me"), 10) : 0;
  var typingTimer = null, lastTyping = 0;

  function token() {
    var f = form || document.querySelector("form input[name=csrf]");
    var i = form ? form.querySelector("input[name=csrf]") : f;
    return i ? i.value : "";
  }

  function post(url, data) {
    var body = new URLSearchParams(data);
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": token(), "X-Requested-With": "fetch" },
      body: body
    });
  }

  function say(region, text) {
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function fragment(html) {
    var doc = new DOMParser().parseFromString("<ol>" + html + "</ol>",
      "text/html");
    return doc.querySelector("li");
  }

  function addMessage(id) {
    if (!log || document.getElementById("c-" + id)) {
      return;
    }
    fetch("/chat/" + id, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        var li = html && fragment(html);
        if (!li || document.getElementById(li.id)) {
          return;
        }
        log.appendChild(document.importNode(li, true));
        log.scrollTop = log.scrollHeight;
        if (!li.classList.contains("mine") && announce) {
          say(announce, announce.getAttribute("data-text") + " " +
            li.getAttribute("data-author") + ": " +
            (li.querySelector(".text, .call") || li).textContent);
        }
        if (typing) {
          typing.textContent = "";
        }
      });
  }

  /* A session started or ended: its line and the form's buttons as the
   * server renders them now. */
  function refreshSession() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var line = doc.querySelector(".chat-session");
        var mine = document.querySelector(".chat-session");
        if (line && mine) {
          mine.textContent = line.textContent;
        }
        var end = doc.querySelector("#chat-form button[value=end]");
        var have = document.querySelector("#chat-form button[value=end]");
        if (have && !end) {
          have.parentNode.removeChild(have);
        }
      });
  }

  /* --- the hourglass ---------------------------------------------------- */
  var hgState = null;

  function fmt(s) {
    s = Math.max(0, Math.floor(s));
    var m = Math.floor(s / 60), r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  /* The state as the page was rendered with it. */
  function hgInit() {
    hg = document.getElementById("hourglass");
    if (!hg) {
      return;
    }
    hgState = { state: hg.getAttribute("data-state"),
      used: parseInt(hg.getAttribute("data-used"), 10) || 0,
      budget: parseInt(hg.getAttribute("data-budget"), 10) || 0,
      at: Date.now(), warned: false, over: false };
    var left = hgState.budget - hgState.used;
    var warn = parseInt(hg.getAttribute("data-warn"), 10) || 120;
    /* A page that already says it does not announce it again. */
    hgState.warned = left <= warn && !!hg.querySelector(".hg-warn");
    hgState.over = left <= 0 && !!hg.querySelector(".hg-warn");
  }

  /* The box as the server renders it now (its buttons change with the
   * state), without reloading the page. */
  function hgRefresh() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("hourglass");
        var was = hgState && hgState.warned;
        if (fresh && hg) {
          hg.replaceWith(document.importNode(fresh, true));
          hgInit();
          var w = hg.querySelector(".hg-warn");
          if (w && !was && hgState.state !== "stopped") {
            say(document.getElementById("hg-announce"), w.textContent);
          }
          hgTick();
        }
      });
  }

  function hgTick() {
    if (!hg || !hgState) {
      return;
    }
    var used = hgState.used;
    if (hgState.state === "running") {
      used += (Date.now() - hgState.at) / 1000;
    }
    var u = hg.querySelector(".hg-used");
    if (u) {
      u.textContent = fmt(used);
    }
    var left = hgState.budget - used;
    var warnAt = parseInt(hg.getAttribute("data-warn"), 10) || 120;
    var region = document.getElementById("hg-announce");
    hg.classList.toggle("warn", hgState.state !== "stopped" &&
      left <= warnAt && left > 0);
    hg.classList.toggle("over", hgState.state !== "stopped" && left <= 0);
    if (hgState.state === "running" && left <= warnAt && left > 0 &&
        !hgState.warned) {
      hgState.warned = true;
      say(region, hg.getAttribute("data-warn-text"));
    }
    if (hgState.state === "running" && left <= 0 && !hgState.over) {
      hgState.over = true;
      say(region, hg.getAttribute("data-over-text"));
    }
  }

  if (hg) {
    hgInit();
    window.setInterval(hgTick, 1000);
  }

  /* --- events ------------------------------------------------------------ */
  document.addEventListener("infuus-live", function (e) {
    var k = e.detail.kind, d = e.detail.data;
    if (k === "chat" && d.id) {
      addMessage(d.id);
    } else if (k === "chat" && d.session) {
      refreshSession();
    } else if (k === "typing" && typing && d.user !== me) {
      typing.textContent = typing.getAttribute("data-text");
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(function () {
        typing.textContent = "";
      }, 6000);
    } else if (k === "timer" && hg) {
      hgRefresh();
    } else if (k === "reload" && log) {
      window.location.reload();
    }
  });

  if (!form) {
    return;
  }
  var box = form.querySelector("textarea");
  var shown = form.getAttribute("data-shown") === "1";

  form.addEventListener("submit", function (e) {
    var action = e.submitter ? e.submitter.value : "send";
    if (action === "end") {
      return; /* an ordinary post: the page shows the session ended */
    }
    e.preventDefault();
    var data = { action: action };
    if (action === "send") {
      if (!box.value.trim()) {
        box.focus();
        return;
      }
      data.body = box.value;
    }
    post(form.getAttribute("action"), data).then(function (r) {
      if (r.ok) {
        if (action === "send") {
          box.value = "";
        }
        box.focus();
      } else {
        form.submit(); /* let the server say why, on its page */
      }
    });
  });

  box.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping > 4000) {
      lastTyping = now;
      post(form.getAttribute("data-typing"), {});
    }
  });

  function presence(state) {
    if (shown) {
      post(form.getAttribute("data-presence"), { state: state });
    }
  }
  presence(document.hidden ? "away" : "online");
  document.addEventListener("visibilitychange", function () {
    presence(document.hidden ? "away" : "online");
  });

  /* Older messages when the reader scrolls to the top. */
  var older = document.getElementById("chat-older");
  if (older && log) {
    var loading = false;
    log.addEventListener("scroll", function () {
      if (log.scrollTop > 20 || loading || !older) {
        return;
      }
      loading = true;
      fetch(older.getAttribute("href"), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var items = doc.querySelectorAll("#chat-log > li");
          var h = log.scrollHeight;
          for (var i = items.length - 1; i >= 0; i--) {
            if (!document.getElementById(items[i].id)) {
              log.insertBefore(document.importNode(items[i], true),
                log.firstChild);
            }
          }
          log.scrollTop = log.scrollHeight - h;
          var next = doc.getElementById("chat-older");
          if (next) {
            older.setAttribute("href", next.getAttribute("href"));
          } else {
            older.parentNode.removeChild(older);
            older = null;
          }
          loading = false;
        });
    });
  }
}());
