/*
 * call.js - video and voice calls in the browser (WebRTC), their device
 * check, and the waiting room's live part (src/call, ui-call.c).
 *
 * Media go from browser to browser (or through the TURN relay the server
 * names): never through the server.  The server passes the signalling
 * (offers, answers, ICE candidates): posted to /calls/:id/signal and
 * delivered on the receiver's own event stream (/live/t/:tid, events
 * "call_sig"); "call" events say who joined, waits, left.  In a mesh of
 * up to four, whoever comes into the call (a page that opens in it, or a
 * client let in from the waiting room) offers to everyone already in: its
 * own stream is open by then, so no answer is missed, where an offer to a
 * page still loading could be.  Two offering to each other at once (two
 * pages opening together): the one with the smaller user id keeps its
 * offer, the other takes it.  A peer still missing at a heartbeat is
 * offered to again by the smaller id.  The page beats every few seconds
 * so the server notices a participant who vanished, and when it goes
 * away (closed, reloaded, navigated elsewhere) it says so at once with a
 * beacon (POST /calls/:id/unload, the token in the form: a beacon sets
 * no headers), so its place frees now rather than after the timeout.  A
 * reload's new page finds itself out of the call and joins again, which
 * the server answers with the place it had (LIMIT_CALL_RESUME).
 *
 * Nothing from the server is inserted as HTML other than a parsed page's
 * own elements; names go in as textContent.
 */
"use strict";
(function () {
  function $(id) { return document.getElementById(id); }

  document.documentElement.classList.add("js");

  function say(el, text) {
    if (!el) {
      return;
    }
    el.textContent = "";
    window.setTimeout(function () { el.textContent = text; }, 50);
  }

  function mediaError(err, box) {
    if (err && (err.name === "NotAllowedError" ||
        err.name === "SecurityError")) {
      return box.getAttribute("data-refused") ||
        box.getAttribute("data-t-refused");
    }
    return box.getAttribute("data-nodevice") ||
      box.getAttribute("data-t-refused");
  }

  /* --- the device check ------------------------------------------- */

  function deviceCheck(box) {
    var result = $("dc-result"), meter = $("dc-level"), preview = $("dc-video");
    var stream = null, ctx = null;

    function level(s) {
      var AC = window.AudioContext || window.webkitAudioContext;
      if (!AC || !s.getAudioTracks().length) {
        return;
      }
      ctx = ctx || new AC();
      var src = ctx.createMediaStreamSource(s);
      var an = ctx.createAnalyser();
      var buf = new Uint8Array(an.fftSize);
      src.connect(an);
      (function tick() {
        an.getByteTimeDomainData(buf);
        var peak = 0;
        for (var i = 0; i < buf.length; i++) {
          peak = Math.max(peak, Math.abs(buf[i] - 128));
        }
        meter.value = Math.min(100, Math.round(peak * 100 / 128));
        window.requestAnimationFrame(tick);
      })();
    }

    $("dc-start").addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say(result, box.getAttribute("data-nodevice"));
        return;
      }
      navigator.mediaDevices.getUserMedia({ audio: true, video: true })
        .catch(function (err) {
          if (err && err.name === "NotAllowedError") {
            throw err;
          }
          /* No camera: voice only. */
          return navigator.mediaDevices.getUserMedia({ audio: true })
            .then(function (s) {
              say(result, box.getAttribute("data-voice"));
              box.setAttribute("data-media", "voice");
              return s;
            });
        })
        .then(function (s) {
          stream = s;
          preview.srcObject = s;
          level(s);
          if (box.getAttribute("data-media") !== "voice") {
            box.setAttribute("data-media", "video");
            say(result, box.getAttribute("data-ok"));
          }
        })
        .catch(function (err) {
          box.setAttribute("data-media", "refused");
          say(result, mediaError(err, box));
        });
    });
    $("dc-speaker").addEventListener("click", function () {
      var AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) {
        return;
      }
      ctx = ctx || new AC();
      var osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 440;
      gain.gain.value = 0.1;
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 1);
    });
    window.addEventListener("pagehide", function () {
      if (stream) {
        stream.getTracks().forEach(function (t) { t.stop(); });
      }
    });
  }

  /* --- the call ------------------------------------------------------ */

  function call(box) {
    var id = parseInt(box.getAttribute("data-call"), 10);
    var tid = box.getAttribute("data-tid");
    var me = parseInt(box.getAttribute("data-me"), 10);
    var csrf = box.getAttribute("data-csrf");
    var video = box.getAttribute("data-video") === "1";
    var status = $("call-status"), announce = $("call-announce");
    var relay = /[?&]relay=1(&|$)/.test(window.location.search);
    var state = box.getAttribute("data-state");
    var iceServers = [];
    var local = null, ready = null;
    var peers = {};        /* user id -> {pc, queue, remote} */
    var offered = false;   /* offers made on coming in */
    var names = {};
    var beat = null, es = null, joinedNow = null;
    /* Settled once this page is in the call with its media and TURN
     * credentials: signals wait for it. */
    var joined = new Promise(function (res) { joinedNow = res; });
    var api = window.infuusCall = { peers: peers, me: me, state: state };
    /* A form of this page (leave, end, join) is on its way: it says
     * itself what happens, no beacon. */
    var submitting = false;
    /* Who else was in at the last look (user id -> true). */
    var lastIn = {};
    var UNLOAD = "infuus-call-unload";

    function post(path, obj) {
      return fetch("/calls/" + id + path, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json",
          "X-CSRF-Token": csrf, "X-Requested-With": "fetch" },
        body: JSON.stringify(obj || {})
      });
    }

    function signal(to, type, data) {
      return post("/signal", { to: to, type: type, data: data })
        .catch(function () { /* a timeout or a reload mends it */ });
    }

    function text(k) { return box.getAttribute("data-t-" + k) || ""; }

    /* Did this page's own previous load (a reload, a quick way back) just
     * leave by its beacon?  Asked once: the answer is used up. */
    function justUnloaded() {
      var m = null;
      try {
        m = JSON.parse(window.sessionStorage.getItem(UNLOAD) || "null");
        window.sessionStorage.removeItem(UNLOAD);
      } catch (err) { return false; }
      return !!m && m.call === id && Date.now() - m.at < 10000;
    }

    /* Back in after the beacon: the server gives the place back. */
    function rejoin() {
      fetch("/calls/" + id + "/join", { method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch" } })
        .then(function () { window.location.reload(); })
        .catch(function () { window.location.reload(); });
    }

    /* Camera and microphone; on refusal the call goes on receiving. */
    function media() {
      if (ready) {
        return ready;
      }
      var md = navigator.mediaDevices;
      if (!md || !md.getUserMedia) {
        ready = Promise.resolve(null);
        return ready;
      }
      ready = md.getUserMedia({ audio: true, video: video })
        .catch(function (err) {
          if (!video || (err && err.name === "NotAllowedError")) {
            throw err;
          }
          return md.getUserMedia({ audio: true }).then(function (s) {
            say(status, text("voice"));
            return s;
          });
        })
        .then(function (s) {
          local = s;
          var self = $("call-self");
          if (self) {
            self.srcObject = s;
          }
          return s;
        })
        .catch(function (err) {
          say(status, mediaError(err, box));
          box.setAttribute("data-media", "refused");
          return null;
        });
      return ready;
    }

    function tile(uid) {
      var v = $("call-v-" + uid);
      if (!v) {
        var fig = document.createElement("figure");
        fig.id = "call-f-" + uid;
        v = document.createElement("video");
        v.id = "call-v-" + uid;
        v.autoplay = true;
        v.playsInline = true;
        var cap = document.createElement("figcaption");
        cap.textContent = names[uid] || "";
        v.setAttribute("aria-label", names[uid] || "");
        fig.appendChild(v);
        fig.appendChild(cap);
        ($("call-videos") || box).appendChild(fig);
      }
      return v;
    }

    function closePeer(uid) {
      var p = peers[uid];
      if (p) {
        p.pc.close();
        delete peers[uid];
      }
      var f = $("call-f-" + uid);
      if (f) {
        f.parentNode.removeChild(f);
      }
    }

    function newPeer(uid) {
      closePeer(uid);
      var cfg = { iceServers: iceServers };
      if (relay) {
        cfg.iceTransportPolicy = "relay";
      }
      var pc = new RTCPeerConnection(cfg);
      var p = { pc: pc, queue: [], remote: false };
      peers[uid] = p;
      if (local) {
        local.getTracks().forEach(function (t) { pc.addTrack(t, local); });
      }
      if (!local || !local.getAudioTracks().length) {
        pc.addTransceiver("audio", { direction: "recvonly" });
      }
      if (video && (!local || !local.getVideoTracks().length)) {
        pc.addTransceiver("video", { direction: "recvonly" });
      }
      pc.onicecandidate = function (e) {
        if (e.candidate) {
          signal(uid, "ice", e.candidate.toJSON());
        }
      };
      pc.ontrack = function (e) {
        var v = tile(uid);
        if (v.srcObject !== e.streams[0]) {
          v.srcObject = e.streams[0] || new MediaStream([e.track]);
        }
      };
      return p;
    }

    /* Someone in without a working connection to this page. */
    function missing() {
      return Object.keys(lastIn).some(function (u) {
        var p = peers[u];
        return !p || p.pc.connectionState === "failed" ||
          p.pc.connectionState === "closed";
      });
    }

    function flush(p) {
      p.remote = true;
      p.queue.forEach(function (c) {
        p.pc.addIceCandidate(c).catch(function () {});
      });
      p.queue = [];
    }

    function offer(uid) {
      var p = newPeer(uid);
      p.pc.createOffer()
        .then(function (o) { return p.pc.setLocalDescription(o); })
        .then(function () {
          signal(uid, "offer", { type: "offer", sdp: p.pc.localDescription.sdp });
        })
        .catch(function () { /* replaced meanwhile */ });
    }

    function ignore() { /* a description for a connection replaced since */ }

    function onSignal(d) {
      var from = d.from, p = peers[from];
      if (d.type === "offer") {
        if (p && p.pc.signalingState === "have-local-offer" && me < from) {
          return; /* both offered: ours stands, they take it */
        }
        var early = p && !p.remote ? p.queue : [];
        p = newPeer(from);
        p.queue = early;
        p.pc.setRemoteDescription(d.data)
          .then(function () { flush(p); return p.pc.createAnswer(); })
          .then(function (a) { return p.pc.setLocalDescription(a); })
          .then(function () {
            signal(from, "answer", { type: "answer", sdp: p.pc.localDescription.sdp });
          })
          .catch(ignore);
      } else if (d.type === "answer" && p) {
        p.pc.setRemoteDescription(d.data).then(function () { flush(p); })
          .catch(ignore);
      } else if (d.type === "ice" && p) {
        if (p.remote) {
          p.pc.addIceCandidate(d.data).catch(function () {});
        } else {
          p.queue.push(d.data);
        }
      } else if (d.type === "ice") {
        /* Before the offer: kept until it comes. */
        p = newPeer(from);
        p.queue.push(d.data);
      }
    }

    function stopAll(why) {
      Object.keys(peers).forEach(function (u) { closePeer(u); });
      if (local) {
        local.getTracks().forEach(function (t) { t.stop(); });
      }
      if (beat) {
        window.clearInterval(beat);
        beat = null;
      }
      if (why) {
        say(status, why);
      }
    }

    /* The participants list as the server renders it now. */
    function refreshList() {
      fetch(window.location.pathname, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("call-people");
          var old = $("call-people");
          if (fresh && old) {
            old.replaceWith(document.importNode(fresh, true));
          }
        });
    }

    /* recover: also offer to whoever is in without a connection (at a
     * heartbeat: an offer or answer that was lost). */
    function refresh(recover) {
      return fetch("/calls/" + id + "/state", { credentials: "same-origin",
        headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          var was = state;
          state = s.ended ? "ended" : s.state;
          api.state = state;
          box.setAttribute("data-state", state);
          s.participants.forEach(function (p) { names[p.user] = p.name; });
          if ((state === "left" || state === "none") && !s.ended &&
              justUnloaded()) {
            /* The beacon of this page's reload came after the page. */
            rejoin();
            return;
          }
          if (state === "ended" || state === "left" || state === "none") {
            stopAll(text(state === "ended" ? "ended" : "left"));
            refreshList();
            return;
          }
          if (state === "waiting") {
            return;
          }
          if (was !== "in") {
            /* Just let in: the video area and the controls. */
            say(status, text("in"));
            Array.prototype.forEach.call(box.querySelectorAll(".in-call"),
              function (el) { el.hidden = false; });
          }
          iceServers = s.iceServers || [];
          return media().then(function () {
            joinedNow();
            var inNow = lastIn = {}, first = !offered;
            offered = true;
            s.participants.forEach(function (p) {
              if (p.user === me || p.state !== "in") {
                return;
              }
              inNow[p.user] = true;
              var have = peers[p.user];
              if (first || (recover && me < p.user && (!have ||
                  have.pc.connectionState === "failed"))) {
                offer(p.user);
              }
            });
            Object.keys(peers).forEach(function (u) {
              if (!inNow[u]) {
                closePeer(u);
              }
            });
          });
        })
        .catch(function () { /* the next event tries again */ });
    }

    if (!window.EventSource || !window.fetch || !window.RTCPeerConnection) {
      return;
    }
    es = new EventSource("/live/t/" + tid + "?since=" +
      encodeURIComponent(box.getAttribute("data-since") || ""));
    es.addEventListener("call", function (e) {
      var d;
      try { d = JSON.parse(e.data); } catch (err) { return; }
      if (d.call !== id) {
        return;
      }
      if (d.user && d.user !== me) {
        var who = names[d.user] || "";
        if (d.state === "in") {
          say(announce, who + " " + text("joined"));
        } else if (d.state === "left") {
          say(announce, who + " " + text("gone"));
        } else if (d.state === "waiting") {
          say(announce, who + " " + text("knock"));
        }
      }
      refreshList();
      refresh();
    });
    es.addEventListener("call_sig", function (e) {
      var d;
      try { d = JSON.parse(e.data); } catch (err) { return; }
      if (d.call !== id) {
        return;
      }
      /* Only who is in receives signals (the server sees to it); this
       * page may not know yet that it was let in. */
      joined.then(function () { onSignal(d); });
    });
    es.addEventListener("reload", function () { refreshList(); refresh(); });

    /* Letting in from the list without leaving the page. */
    box.addEventListener("submit", function (e) {
      var f = e.target;
      if (!/\/admit$/.test(f.getAttribute("action") || "")) {
        submitting = true;
        return;
      }
      e.preventDefault();
      fetch(f.getAttribute("action"), { method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch" },
        body: new URLSearchParams(new FormData(f)) })
        .then(function () { refreshList(); });
    });

    var mute = $("call-mute"), cam = $("call-camera");
    if (mute) {
      mute.addEventListener("click", function () {
        var on = mute.getAttribute("aria-pressed") !== "true";
        mute.setAttribute("aria-pressed", on ? "true" : "false");
        mute.textContent = text(on ? "unmute" : "mute");
        if (local) {
          local.getAudioTracks().forEach(function (t) { t.enabled = !on; });
        }
      });
    }
    if (cam) {
      if (!video) {
        cam.hidden = true;
      }
      cam.addEventListener("click", function () {
        var off = cam.getAttribute("aria-pressed") !== "true";
        cam.setAttribute("aria-pressed", off ? "true" : "false");
        cam.textContent = text(off ? "camon" : "camoff");
        if (local) {
          local.getVideoTracks().forEach(function (t) { t.enabled = !off; });
        }
      });
    }

    /* The page goes away: leave now (the Leave button's form still
     * works without script, and says it itself). */
    window.addEventListener("pagehide", function () {
      if (submitting || (state !== "in" && state !== "waiting") ||
          !navigator.sendBeacon) {
        return;
      }
      var body = new URLSearchParams();
      body.set("csrf", csrf);
      navigator.sendBeacon("/calls/" + id + "/unload", body);
      try {
        window.sessionStorage.setItem(UNLOAD, JSON.stringify({ call: id,
          at: Date.now() }));
      } catch (err) { /* no storage: a reload joins by hand */ }
      state = "left";
    });
    /* Back from the back-forward cache: the beacon was sent, so what
     * this page shows is old. */
    window.addEventListener("pageshow", function (e) {
      if (e.persisted) {
        window.location.reload();
      }
    });
    if ((state === "left" || state === "none") && justUnloaded()) {
      /* This page's reload, its beacon first: join again (the same
       * address after, with its query). */
      rejoin();
      return;
    }

    if (state === "in" || state === "waiting") {
      beat = window.setInterval(function () {
        /* Each look at the call's state is a read of the client's data
         * in the access log: looked at when the beat says something
         * changed or a connection is missing, not at every beat. */
        post("/beat").then(function (r) {
          return r.json().catch(function () { return {}; })
            .then(function (b) {
              if (r.status === 410 || b.state !== state || missing()) {
                refresh(r.status !== 410);
              }
            });
        }).catch(function () {});
      }, parseInt(box.getAttribute("data-beat"), 10) * 1000 || 10000);
    }
    if (state === "in") {
      refresh();
    }
  }

  var dc = $("device-check");
  if (dc) {
    deviceCheck(dc);
  }
  var c = $("call");
  if (c) {
    call(c);
  }
})();
