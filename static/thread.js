/*
 * thread.js - the thread page, livelier: the draft is saved on the server
 * every few seconds while writing, the writing assistant's panel follows
 * the draft, a selected passage of a message can be quoted, and older
 * messages load into the page.  Every one
 * of these works without this file (the "Check my draft" button, the
 * "Quote" links, the "Older messages" link); nothing here is inline (the CSP forbids it) and text from
 * the server is only ever set with textContent.
 */
"use strict";
(function () {
  var SAVE_EVERY = 5000;     /* ms between draft saves while typing */
  var ANALYSE_AFTER = 1500;  /* ms of quiet before the assistant looks */

  function csrf(form) {
    var f = form.querySelector('input[name="csrf"]');
    return f ? f.value : "";
  }

  function postJSON(url, token, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": token
      },
      body: JSON.stringify(data)
    }).then(function (r) {
      if (!r.ok) {
        throw new Error("HTTP " + r.status);
      }
      return r.json();
    });
  }

  function draftSaver(form, body) {
    var url = form.getAttribute("data-draft-url");
    var status = document.getElementById("f-draft-status");
    var saved = body.value;
    var busy = false;

    if (!url) {
      return;
    }
    function save() {
      if (busy || body.value === saved) {
        return;
      }
      var text = body.value;
      busy = true;
      postJSON(url, csrf(form), { draft: text }).then(function (j) {
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
    /* Sending deletes the draft on the server; do not save it again. */
    form.addEventListener("submit", function () {
      saved = body.value;
    });
  }

  function assistant(form, body) {
    var panel = document.getElementById("assistant");
    var timer = null;
    var last = null;

    if (!panel) {
      return;
    }
    var url = panel.getAttribute("data-url");
    var list = panel.querySelector("ul.hints");
    if (!url || !list) {
      return;
    }
    function show(hints) {
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      hints.forEach(function (h) {
        var li = document.createElement("li");
        li.className = "hint-" + (/^(ok|hint|info)$/.test(h["class"]) ?
          h["class"] : "info");
        li.textContent = String(h.text);
        list.appendChild(li);
      });
    }
    function analyse() {
      var text = body.value;
      if (text === last) {
        return;
      }
      last = text;
      postJSON(url, csrf(form), { draft: text }).then(function (j) {
        if (j && Array.isArray(j.hints)) {
          show(j.hints);
        }
      }).catch(function () {
        /* The panel keeps what it showed; hints never block sending. */
      });
    }
    body.addEventListener("input", function () {
      if (timer) {
        window.clearTimeout(timer);
      }
      timer = window.setTimeout(analyse, ANALYSE_AFTER);
    });
    if (body.value.trim() !== "") {
      analyse();
    }
  }

  /* "Quote selection": a button per message; the selected words of that
   * message go into the quote field, with the message as their source. */
  function quoting(form) {
    var quoteOf = document.getElementById("f-quote-of");
    var quote = document.getElementById("f-quote");
    var field = form.querySelector(".quote-field");
    var label = form.getAttribute("data-quote-label") || "Quote selection";

    if (!quoteOf || !quote || !field) {
      return function () {};
    }
    function addButton(art) {
      var actions = art.querySelector(".actions");
      if (!actions) {
        return;
      }
      var b = document.createElement("button");
      b.type = "button";
      b.className = "quote-selection secondary";
      b.textContent = label;
      b.addEventListener("click", function () {
        var sel = window.getSelection();
        var text = sel ? String(sel).trim() : "";
        var bodyEl = art.querySelector(".version.current .body") ||
          art.querySelector(".body");
        if (text === "" || !bodyEl || !sel.anchorNode ||
            !bodyEl.contains(sel.anchorNode)) {
          /* Nothing selected in this message: quote all of it, to
           * shorten by hand. */
          text = bodyEl ? bodyEl.textContent.trim() : "";
        }
        quoteOf.value = art.getAttribute("data-mid");
        quote.value = text.replace(/\s+/g, " ").slice(0, 2000);
        field.hidden = false;
        quote.focus();
      });
      actions.appendChild(document.createTextNode(" "));
      actions.appendChild(b);
    }
    Array.prototype.forEach.call(
      document.querySelectorAll("article.msg[data-mid]"), addButton);
    /* An emptied quote quotes nothing. */
    quote.addEventListener("input", function () {
      if (quote.value.trim() === "") {
        quoteOf.value = "";
      }
    });
    return addButton;
  }

  /* "Older messages": the link opens the page before the oldest message
   * shown (?before=, a cursor).  Here that page is fetched instead, as
   * the server renders it, and its messages are put above the ones shown;
   * the link then takes the next cursor, or goes when there is nothing
   * older.  It happens when the reader presses the link (focus moves to
   * the first message loaded) or scrolls up to it (focus stays where it
   * is); either way the live region says how many came.  The fetched page
   * is parsed, never run: DOMParser documents execute no scripts. */
  function olderMessages(added) {
    var list = document.getElementById("messages");
    var status = document.getElementById("older-status");
    var busy = false;
    var lastY = window.pageYOffset;

    if (!list || !status || !window.fetch || !window.DOMParser ||
        !document.getElementById("older-link")) {
      return;
    }
    function say(text) {
      /* A change of text is what a live region announces. */
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = text;
      }, 50);
    }
    function load(pressed) {
      var a = document.getElementById("older-link");
      if (!a || busy) {
        return;
      }
      busy = true;
      fetch(a.href, {
        credentials: "same-origin",
        headers: { "Accept": "text/html" }
      }).then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.text();
      }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var arts = doc.querySelectorAll("#messages > article.msg");
        var next = doc.getElementById("older-link");
        var holder = a.parentNode;
        var first = holder.nextElementSibling;
        var top = first ? first.getBoundingClientRect().top : 0;
        var news = [];

        Array.prototype.forEach.call(arts, function (art) {
          if (art.id && document.getElementById(art.id)) {
            return;
          }
          var n = document.importNode(art, true);
          /* A correction shown on its own below (its message was not
           * on the page) now shows inside its message: one copy. */
          Array.prototype.forEach.call(n.querySelectorAll("[id]"),
            function (el) {
              var other = document.getElementById(el.id);
              if (other && other.matches && other.matches("article.msg")) {
                if (other === first) {
                  first = other.nextElementSibling;
                }
                other.parentNode.removeChild(other);
              }
            });
          list.insertBefore(n, first);
          added(n);
          news.push(n);
        });
        if (next) {
          a.href = next.getAttribute("href");
        } else {
          holder.parentNode.removeChild(holder);
        }
        /* Keep what the reader was looking at where it was. */
        if (first) {
          window.scrollBy(0, first.getBoundingClientRect().top - top);
        }
        lastY = window.pageYOffset;
        if (pressed && news.length > 0) {
          news[0].setAttribute("tabindex", "-1");
          news[0].focus();
        } else if (pressed && !next && first) {
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
        say((status.getAttribute("data-loaded") || "%d")
          .replace("%d", String(news.length)));
      }).catch(function () {
        say(status.getAttribute("data-failed") || "");
      }).then(function () {
        busy = false;
      });
    }
    list.addEventListener("click", function (e) {
      var a = e.target.closest ? e.target.closest("#older-link") : null;
      if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) {
        return;
      }
      e.preventDefault();
      load(true);
    });
    /* Scrolling up to the link loads the older page too; arriving at the
     * top of the page (where the link is) does not, only scrolling up. */
    window.addEventListener("scroll", function () {
      var y = window.pageYOffset;
      var a = document.getElementById("older-link");
      var up = y < lastY;
      lastY = y;
      if (!up || !a) {
        return;
      }
      var box = a.getBoundingClientRect();
      if (box.bottom > -200 && box.top < window.innerHeight) {
        load(false);
      }
    }, { passive: true });
  }

  /* Viewing marks nothing on the server (a GET changes nothing): once the
   * page is really shown, post its "Mark as read" form in the background
   * and take the button away. */
  function markRead() {
    var form = document.querySelector("form.mark-read");

    if (!form) {
      return;
    }
    function send() {
      if (document.visibilityState !== "visible" || form.hidden) {
        return;
      }
      form.hidden = true;
      fetch(form.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf(form) },
        body: new URLSearchParams(new FormData(form))
      }).then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
      }).catch(function () {
        form.hidden = false; /* the button still works */
      });
    }
    document.addEventListener("visibilitychange", send);
    send();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("composer-form");
    var body = document.getElementById("f-body");
    var added = function () {};

    markRead();
    if (form && body) {
      draftSaver(form, body);
      assistant(form, body);
      added = quoting(form);
    }
    /* A closed trajectory has no composer; its older messages load all
     * the same. */
    olderMessages(added);
  });
})();
