"""
live.py - black-box tests of live events (issue 10) over real HTTP: a page's
event stream (Server-Sent Events) receives what the other side posts, a
reconnect replays what it missed (Last-Event-ID) or is told to reload, the
stream is refused to those outside the trajectory, one user cannot hold
more than LIMIT_SSE_PER_USER streams, a reader that stops reading is
dropped (and replays), and on PostgreSQL an event posted through one node
reaches a stream held on another.  Imported by run.py.
"""
import json
import re
import socket
import time

from coaching import new_thread, new_trajectory
from lib import Client, Sql, check, demo_logins, eq

PER_USER = 8      # LIMIT_SSE_PER_USER in src/core/limits.h
REPLAY = 256      # LIMIT_EVENT_REPLAY
HEARTBEAT = 15    # LIMIT_SSE_HEARTBEAT


class Stream:
    """One event stream read the way EventSource reads it: a GET with the
    session cookie (and Last-Event-ID), a chunked text/event-stream."""

    def __init__(self, client, path, last_id=None, rcvbuf=None):
        self.raw = b""
        self.text = ""
        self.closed = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", client.server.port))
        self.sock.settimeout(10)
        h = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1",
             "Accept: text/event-stream", "User-Agent: infuus-blackbox/1"]
        if client.jar:
            h.append("Cookie: " + "; ".join(
                "%s=%s" % kv for kv in client.jar.items()))
        if last_id:
            h.append("Last-Event-ID: " + last_id)
        self.sock.sendall(("\r\n".join(h) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.raw:
            if not self._recv():
                break
        head, _, self.raw = self.raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1]) if lines[0] else 0
        self.headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "")
        self.body = b""
        if self.status != 200:
            n = int(self.headers.get("content-length", "0"))
            while len(self.raw) < n and self._recv():
                pass
            self.body = self.raw[:n]
            self.close()

    def _recv(self):
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            d = b""
        if not d:
            self.closed = True
            return False
        self.raw += d
        return True

    def _decode(self):
        if not self.chunked:
            self.text += self.raw.decode()
            self.raw = b""
            return
        while True:
            i = self.raw.find(b"\r\n")
            if i < 0:
                return
            n = int(self.raw[:i].split(b";")[0], 16)
            if len(self.raw) < i + 2 + n + 2:
                return
            self.text += self.raw[i + 2:i + 2 + n].decode()
            self.raw = self.raw[i + 2 + n + 2:]
            if n == 0:
                self.closed = True
                return

    def events(self):
        """The complete events read so far (and consumed): dicts with id,
        event and data (parsed JSON)."""
        self._decode()
        out = []
        while "\n\n" in self.text:
            block, _, self.text = self.text.partition("\n\n")
            ev = {}
            for ln in block.split("\n"):
                if ln.startswith(":") or not ln:
                    continue
                k, _, v = ln.partition(":")
                ev[k] = v[1:] if v.startswith(" ") else v
            if "event" in ev:
                ev["data"] = json.loads(ev.get("data", "null"))
                out.append(ev)
        return out

    def wait(self, pred, timeout=10.0, seen=None):
        """The first event pred accepts, reading up to timeout seconds;
        every event read goes to seen (a list) when given."""
        end = time.time() + timeout
        while time.time() < end:
            for ev in self.events():
                if seen is not None:
                    seen.append(ev)
                if pred(ev):
                    return ev
            if self.closed:
                return None
            self.sock.settimeout(max(0.05, end - time.time()))
            self._recv()
        return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def is_message(thid):
    return lambda ev: (ev.get("event") == "message" and
                       ev["data"].get("thread") == thid)


class LiveMixin(Sql):
    """Set-up and helpers for the Live suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        self.client_id = self.client.me()["id"]
        self.tid = new_trajectory(self.coach, self.client_id, "Live")
        self.thid = new_thread(self.coach, self.tid, "Live", "eerste")
        # A trajectory the client has no part in: another of the coach's.
        self.other_tid = new_trajectory(self.coach, self.client_id, "Ander")

    def post(self, who, text, srv=None):
        r = who.post("/threads/%d/messages" % self.thid, {
            "csrf": who.csrf(), "body": text})
        eq(r.status, 303, "posting a message")
        return r

    def stream(self, who, **kw):
        return Stream(who, "/live/t/%d" % self.tid, **kw)

    def test_stream_receives_message_of_other_side(self):
        s = self.stream(self.client)
        try:
            eq(s.status, 200, "opening the trajectory's stream")
            check(s.headers.get("content-type", "").startswith(
                "text/event-stream"), "the stream's type",
                "text/event-stream", s.headers)
            self.post(self.coach, "geheime woorden van de coach")
            ev = s.wait(is_message(self.thid))
            check(ev is not None, "the client's stream gets the coach's "
                  "message without a reload", "an event 'message'", ev)
            check(isinstance(ev["data"].get("id"), int) and
                  "geheime" not in json.dumps(ev),
                  "the event names the message, never its text",
                  "{thread, id, kind}", ev)
        finally:
            s.close()

    def test_stream_headers_events_and_access_log(self):
        """An idle stream holds little of its request (bench/README.md,
        "What an idle stream costs"): what it gives back must not show.
        It carries every security header, keeps delivering after its
        first bytes, and its access-log line, written when it ends, names
        its method, path, status and address."""
        s = self.stream(self.client)
        try:
            eq(s.status, 200, "opening the trajectory's stream")
            for k, v in (("content-security-policy", "default-src 'none'"),
                         ("x-content-type-options", "nosniff"),
                         ("x-frame-options", "DENY"),
                         ("referrer-policy", "same-origin"),
                         ("cache-control", "no-store")):
                check(v in s.headers.get(k, ""), "the stream's " + k, v,
                      s.headers)
            for i in range(3):
                self.post(self.coach, "na de koppen %d" % i)
                ev = s.wait(is_message(self.thid))
                check(ev is not None, "event %d on an answered stream" % i,
                      "an event 'message'", ev)
        finally:
            s.close()
        pat = re.compile(r"http\.access .*method=GET path=/live/t/%d "
                         r"status=200 .*addr=127\.0\.0\.1 " % self.tid)
        # The server notices the closed socket at the next heartbeat
        # (LIMIT_SSE_HEARTBEAT, 15 s at most).
        end = time.time() + 20
        while not pat.search(self.srv.stderr()) and time.time() < end:
            time.sleep(0.1)
        check(pat.search(self.srv.stderr()), "the stream's access-log line "
              "once it ended", "method=GET path=/live/t/%d status=200 "
              "addr=127.0.0.1" % self.tid, self.srv.stderr()[-1500:])

    def test_idle_stream_heartbeat_then_events(self):
        # A heartbeat is written to an idle stream's socket beside MHD
        # (src/http/sse.c), like an event: it arrives, and the stream
        # goes on delivering after it.
        s = self.stream(self.client)
        try:
            eq(s.status, 200, "opening the trajectory's stream")
            end = time.time() + HEARTBEAT + 5
            beat = False
            while time.time() < end and not s.closed:
                s._decode()
                if ":\n\n" in s.text:
                    beat = True
                    break
                s.sock.settimeout(max(0.05, end - time.time()))
                s._recv()
            check(beat, "an idle stream gets a heartbeat",
                  "':' within %d s" % (HEARTBEAT + 5), repr(s.text[-200:]))
            self.post(self.coach, "na de hartslag")
            ev = s.wait(is_message(self.thid))
            check(ev is not None, "the stream delivers after a heartbeat",
                  "an event 'message'", ev)
        finally:
            s.close()

    def test_replay_after_reconnect(self):
        s = self.stream(self.client)
        self.post(self.coach, "voor het wegvallen")
        ev = s.wait(is_message(self.thid))
        check(ev is not None, "an event before the reconnect", "one", ev)
        last = ev["id"]
        s.close()
        # Missed while away:
        self.post(self.coach, "gemist 1")
        self.post(self.client, "gemist 2")
        s = self.stream(self.client, last_id=last)
        try:
            seen = []
            s.wait(lambda e: False, timeout=1.5, seen=seen)
            msgs = [e for e in seen if e["event"] == "message"]
            eq(len(msgs), 2, "events replayed after Last-Event-ID %s (%s)" %
               (last, seen))
            check(all(e["id"] != last for e in msgs), "replay starts after "
                  "the last event seen", "newer ids", msgs)
        finally:
            s.close()
        # An id of another node, or from before a restart: reload.
        s = self.stream(self.client, last_id="00000000deadbeef-5")
        try:
            ev = s.wait(lambda e: True, timeout=3)
            check(ev is not None and ev["event"] == "reload",
                  "a Last-Event-ID the node cannot replay from",
                  "a 'reload' event", ev)
        finally:
            s.close()

    def test_page_mark_misses_nothing(self):
        page = self.client.get("/threads/%d" % self.thid).text
        m = re.search(r'data-src="(/live/t/\d+)" data-since="([^"]+)"', page)
        check(m is not None, "the thread page carries its stream and mark",
              "data-src and data-since", page[:2000])
        self.post(self.coach, "tussen pagina en stroom")
        s = Stream(self.client, "%s?since=%s" % (m.group(1), m.group(2)))
        try:
            ev = s.wait(is_message(self.thid), timeout=3)
            check(ev is not None, "a message posted between rendering the "
                  "page and opening its stream", "replayed", ev)
        finally:
            s.close()

    def test_stream_refused_outside_trajectory(self):
        other = Client(self.srv)
        other.login_ok(*self.srv.users["admin"])
        s = Stream(other, "/live/t/%d" % self.tid)
        check(s.status in (403, 404), "an administrator who takes no part",
              "403 or 404", s.status)
        s = Stream(self.client, "/live/t/999999")
        eq(s.status, 404, "the stream of a trajectory that does not exist")
        s = Stream(self.client, "/live/t/abc")
        eq(s.status, 404, "the stream of a malformed id")
        s = Stream(Client(self.srv), "/live/t/%d" % self.tid)
        check(s.status in (303, 401), "a stream without a session",
              "a redirect to log in", s.status)

    def test_too_many_streams_refused(self):
        held = []
        try:
            for i in range(PER_USER):
                s = self.stream(self.coach)
                eq(s.status, 200, "stream %d of %d" % (i + 1, PER_USER))
                held.append(s)
            s = self.stream(self.coach)
            eq(s.status, 429, "one stream more than LIMIT_SSE_PER_USER")
            check(re.search(r"Too many pages|te veel pagina",
                            s.body.decode(), re.I), "the refusal says why",
                  "Too many pages ...", s.body[-1200:])
            # Another user is not affected.
            s = self.stream(self.client)
            eq(s.status, 200, "another user's stream meanwhile")
            held.append(s)
            held.pop(0).close()
            time.sleep(0.5)  # the server notices the close
            end = time.time() + 5
            while True:
                s = self.stream(self.coach)
                if s.status == 200 or time.time() > end:
                    break
                time.sleep(0.2)
            eq(s.status, 200, "a stream after one was closed")
            held.append(s)
        finally:
            for s in held:
                s.close()

    def test_slow_reader_dropped_then_replays(self):
        s = self.stream(self.client, rcvbuf=4096)
        eq(s.status, 200, "the slow reader's stream")
        first = None
        try:
            # Enough events to pass the queue, the socket's buffers and
            # the replay ring, while this reader reads nothing.
            n = 1100
            for i in range(n):
                self.post(self.coach, "veel %d" % i)
            time.sleep(0.5)
            seen = []
            s.wait(lambda e: False, timeout=5, seen=seen)
            msgs = [e for e in seen if e["event"] == "message"]
            check(s.closed, "a reader that does not read is dropped",
                  "the server ends its stream", "%d events, still open" %
                  len(msgs))
            check(len(msgs) < n, "the dropped stream did not get all",
                  "fewer than %d" % n, len(msgs))
            first = msgs[-1]["id"] if msgs else None
        finally:
            s.close()
        check(self.srv.alive(), "the server after a slow reader", "alive",
              self.srv.stderr()[-2000:])
        # Its reconnect: the gap is past the replay ring, so a reload.
        s = self.stream(self.client, last_id=first)
        try:
            ev = s.wait(lambda e: True, timeout=3)
            check(ev is not None and ev["event"] == "reload",
                  "a reconnect whose gap is no longer kept",
                  "a 'reload' event", ev)
        finally:
            s.close()

    def test_two_nodes_one_database(self):
        if self.backend != "postgres":
            return  # one node on SQLite
        b = self.second_node()
        on_b = Client(b)
        on_b.jar = dict(self.client.jar)  # the same session, other node
        s = Stream(on_b, "/live/t/%d" % self.tid)
        try:
            eq(s.status, 200, "the client's stream on node B")
            t0 = time.time()
            self.post(self.coach, "via node A")
            ev = s.wait(is_message(self.thid), timeout=10)
            check(ev is not None, "a message posted through node A on a "
                  "stream held on node B", "an event 'message'", ev)
            check(time.time() - t0 < 5, "it arrives promptly", "< 5 s",
                  time.time() - t0)
        finally:
            s.close()

    # --- chat ---------------------------------------------------------------

    def chat(self, who, text=None, action="send", tid=None):
        f = {"csrf": who.csrf(), "action": action}
        if text is not None:
            f["body"] = text
        return who.post("/t/%d/chat" % (tid or self.tid), f)

    def test_chat_message_arrives_on_other_side(self):
        s = self.stream(self.client)
        try:
            r = self.chat(self.coach, "hallo vanuit de chat")
            eq(r.status, 303, "posting a chat message")
            ev = s.wait(lambda e: e["event"] == "chat" and "id" in e["data"])
            check(ev is not None, "the client's stream gets the chat "
                  "message", "an event 'chat' with an id", ev)
            check("hallo" not in json.dumps(ev), "the event holds no text",
                  "ids only", ev)
            r = self.client.get("/chat/%d" % ev["data"]["id"])
            eq(r.status, 200, "the client fetches the message")
            check("hallo vanuit de chat" in r.text, "the fragment holds "
                  "the text", "the message", r.text)
        finally:
            s.close()

    def test_chat_window_latest_and_older(self):
        # A trajectory of its own, so the count is known.
        tid = new_trajectory(self.coach, self.client_id, "Veel chat")
        for i in range(55):
            eq(self.chat(self.client if i % 2 else self.coach,
                         "regel %d" % i, tid=tid).status, 303, "chat %d" % i)
        page = self.client.get("/t/%d/chat" % tid).text
        ids = re.findall(r'<li class="chat-msg[^"]*" id="c-(\d+)"', page)
        eq(len(ids), 50, "messages in the chat window")
        m = re.search(r'id="chat-older" href="([^"]+)"', page)
        check(m is not None, "a link to older messages", "chat-older", page)
        older = self.client.get(m.group(1).replace("&amp;", "&")).text
        oids = re.findall(r'<li class="chat-msg[^"]*" id="c-(\d+)"', older)
        eq(len(oids), 5, "the older page")
        check(max(map(int, oids)) < min(map(int, ids)), "older is older",
              "ids below the window's", (oids, ids[:3]))
        # A cursor of another trajectory's chat, and a malformed one.
        r = self.client.get("/t/%d/chat?before=%s" % (self.tid, ids[0]))
        eq(r.status, 404, "a cursor of another chat")
        r = self.client.get("/t/%d/chat?before=x" % tid)
        eq(r.status, 404, "a malformed cursor")

    def test_chat_bad_input(self):
        r = self.chat(self.client, "")
        eq(r.status, 400, "an empty chat message")
        check("Write something" in r.text or "Schrijf" in r.text,
              "the reason next to the form", "Write something first.",
              r.text[-1500:])
        r = self.chat(self.client, "x" * 5000)
        eq(r.status, 413, "a chat message over LIMIT_CHAT_MESSAGE")
        r = self.chat(self.client, None, action="shout")
        eq(r.status, 400, "an unknown action")
        eq(self.client.get("/chat/999999").status, 404, "an unknown chat id")
        eq(self.client.get("/chat/abc").status, 404, "a malformed chat id")
        admin = Client(self.srv)
        admin.login_ok(*self.srv.users["admin"])
        r = self.chat(self.coach, "niet voor de beheerder")
        page = self.coach.get("/t/%d/chat" % self.tid).text
        cid = re.findall(r'id="c-(\d+)"', page)[-1]
        check(admin.get("/chat/%s" % cid).status in (403, 404),
              "a chat message to someone outside the trajectory",
              "403 or 404", None)
        check(admin.get("/t/%d/chat" % self.tid).status in (403, 404),
              "the chat to someone outside", "403 or 404", None)

    def test_chat_call_proposal_typing_presence(self):
        s = self.stream(self.coach)
        try:
            eq(self.chat(self.client, None, action="call_video").status, 303,
               "proposing a video call")
            ev = s.wait(lambda e: e["event"] == "chat" and "id" in e["data"])
            frag = self.coach.get("/chat/%d" % ev["data"]["id"]).text
            check("video" in frag, "the proposal reads as one",
                  "proposes a video call", frag)
            r = self.client.post("/t/%d/chat/typing" % self.tid, {},
                                 headers={"X-CSRF-Token": self.client.csrf()})
            eq(r.status, 204, "typing")
            ev = s.wait(lambda e: e["event"] == "typing")
            eq(ev and ev["data"]["user"], self.client_id, "the typing event")
            r = self.client.post("/t/%d/chat/presence" % self.tid, {
                "csrf": self.client.csrf(), "state": "online"})
            eq(r.status, 204, "presence")
            ev = s.wait(lambda e: e["event"] == "presence")
            check(ev is not None, "presence shown", "an event", ev)
            # Switched off: nothing said.
            self.client.post("/t/%d/chat/presence" % self.tid, {
                "csrf": self.client.csrf(), "shown": "0"})
            self.client.post("/t/%d/chat/presence" % self.tid, {
                "csrf": self.client.csrf(), "state": "away"})
            ev = s.wait(lambda e: e["event"] == "presence", timeout=1.5)
            check(ev is None, "presence switched off by the client",
                  "no presence event", ev)
            self.client.post("/t/%d/chat/presence" % self.tid, {
                "csrf": self.client.csrf(), "shown": "1"})
        finally:
            s.close()

    def test_unread_counts(self):
        self.client.get("/t/%d/chat" % self.tid)  # read all
        self.chat(self.coach, "een")
        self.chat(self.coach, "twee")
        link = re.search(r'<p class="chat-link">.*?</p>',
                         self.client.get("/t/%d" % self.tid).text)
        check(link and re.search(r'class="badge">2 ', link.group(0)),
              "two unread chat messages on the trajectory page", "badge 2",
              link and link.group(0))
        self.client.get("/t/%d/chat" % self.tid)
        link = re.search(r'<p class="chat-link">.*?</p>',
                         self.client.get("/t/%d" % self.tid).text)
        check(link and 'class="badge"' not in link.group(0),
              "none after reading", "no badge", link and link.group(0))

    def test_session_time_recorded_and_corrected(self):
        self.chat(self.client, "begin")
        self.chat(self.coach, "antwoord")
        r = self.chat(self.client, None, action="end")
        eq(r.status, 403, "a client cannot end the session")
        r = self.chat(self.coach, None, action="end")
        eq(r.status, 303, "the professional ends the session")
        r = self.chat(self.coach, None, action="end")
        eq(r.status, 409, "no session left to end")
        page = self.coach.get("/t/%d/activities" % self.tid).text
        kinds = re.findall(r"<tr><td>([^<]+)</td>", page)
        check(any("chat session" in k or "chatsessie" in k for k in kinds)
              and sum(1 for k in kinds if "active" in k or "actief" in k)
              >= 2, "the session and both sides' active minutes",
              "recorded", kinds)
        eq(self.client.get("/t/%d/activities" % self.tid).status, 403,
           "recorded time is the professional's")
        aid = re.findall(r'name="activity" value="(\d+)"', page)[0]
        r = self.coach.post("/t/%d/activities" % self.tid, {
            "csrf": self.coach.csrf(), "activity": aid, "minutes": "25"})
        eq(r.status, 303, "correcting a recorded time")
        page = self.coach.get("/t/%d/activities" % self.tid).text
        check(re.search(r"<td>25 <span class=\"hint\">", page),
              "the corrected time, with the original kept", "25 (recorded "
              "...)", page[-3000:])
        r = self.coach.post("/t/%d/activities" % self.tid, {
            "csrf": self.coach.csrf(), "activity": "999999", "minutes": "5"})
        eq(r.status, 404, "correcting a time that does not exist")

    def test_hourglass_both_sides(self):
        s = self.stream(self.client)
        try:
            r = self.coach.post("/t/%d/timer" % self.tid, {
                "csrf": self.coach.csrf(), "action": "start", "minutes": "0"})
            eq(r.status, 400, "a budget of 0 minutes")
            r = self.coach.post("/t/%d/timer" % self.tid, {
                "csrf": self.coach.csrf(), "action": "start",
                "minutes": "20"})
            eq(r.status, 303, "starting the hourglass")
            ev = s.wait(lambda e: e["event"] == "timer")
            check(ev and ev["data"]["state"] == "running" and
                  ev["data"]["budget"] == 1200, "the client sees it start",
                  "running, 1200 s", ev)
            page = self.client.get("/t/%d/timer" % self.tid).text
            check('data-state="running"' in page and 'aria-live' in page,
                  "the client's timer page", "running, a live region", page)
            r = self.client.post("/t/%d/timer" % self.tid, {
                "csrf": self.client.csrf(), "action": "stop"})
            eq(r.status, 403, "a client cannot stop the hourglass")
            for a, want in (("pause", 303), ("pause", 409),
                            ("resume", 303), ("stop", 303), ("stop", 409)):
                r = self.coach.post("/t/%d/timer" % self.tid, {
                    "csrf": self.coach.csrf(), "action": a})
                eq(r.status, want, "hourglass action %s" % a)
            page = self.coach.get("/t/%d/activities" % self.tid).text
            check("hourglass" in page or "zandloper" in page,
                  "the hourglass's minutes recorded", "an activity", page)
        finally:
            s.close()

    def test_chat_in_export(self):
        self.chat(self.client, "exporteer mij")
        r = self.client.get("/t/%d/export.json" % self.tid)
        eq(r.status, 200, "the export")
        chat = r.json().get("chat")
        check(isinstance(chat, list) and any(
            m["body"] == "exporteer mij" for m in chat),
            "the chat is in the export", "the message", chat)

    def test_read_receipts_only_when_shared(self):
        for share in ("0", "1"):
            r = self.client.post("/t/%d/reads" % self.tid, {
                "csrf": self.client.csrf(), "share": share})
            eq(r.status, 303, "the client sets share=%s" % share)
            s = self.stream(self.coach)
            try:
                self.post(self.coach, "lees je dit? %s" % share)
                # Viewing marks nothing (a GET); the page's form does,
                # posted by its script once the page is seen.
                page = self.client.get("/threads/%d" % self.thid)
                eq(page.status, 200, "the client reads the thread")
                m = re.search(r'action="(/threads/\d+/read)" '
                              r'class="mark-read">.*?name="upto" '
                              r'value="(\d+)"', page.text, re.S)
                check(m, "the mark-as-read form", "present",
                      page.text[-1500:])
                eq(self.client.post(m.group(1), {
                    "csrf": self.client.csrf(), "upto": m.group(2)}).status,
                   303, "the client marks the page read")
                ev = s.wait(lambda e: e["event"] == "read", timeout=2)
                if share == "1":
                    check(ev is not None and
                          ev["data"]["thread"] == self.thid,
                          "a read receipt, shared", "an event 'read'", ev)
                else:
                    check(ev is None, "no read receipt when the client "
                          "does not share them", "none", ev)
            finally:
                s.close()

    def test_queue_changes_reach_the_professional(self):
        s = Stream(self.coach, "/live/me")
        try:
            eq(s.status, 200, "the professional's own stream")
            self.post(self.client, "een vraag voor de wachtrij")
            ev = s.wait(lambda e: e["event"] == "queue")
            check(ev is not None and ev["data"]["thread"] == self.thid,
                  "the queue hears of the client's message",
                  "an event 'queue'", ev)
            page = self.coach.get("/queue").text
            check('data-src="/live/me"' in page, "the queue page opens "
                  "the stream", "data-src=/live/me", page[:1500])
        finally:
            s.close()
        # The client's own stream hears nothing of the queue.
        s = Stream(self.client, "/live/me")
        try:
            self.post(self.client, "nog een")
            ev = s.wait(lambda e: e["event"] == "queue", timeout=1.5)
            check(ev is None, "a client's stream gets no queue events",
                  "none", ev)
        finally:
            s.close()

    def test_chat_search(self):
        self.chat(self.client, "de vuurtoren aan zee")
        self.chat(self.coach, "iets anders")
        page = self.coach.get("/t/%d/chat?q=vuurtoren" % self.tid).text
        hits = re.findall(r'id="hit-(\d+)"', page)
        eq(len(hits), 1, "chat messages found by a word")
        page = self.coach.get("/t/%d/chat?q=onbekendwoord" % self.tid).text
        eq(len(re.findall(r'id="hit-(\d+)"', page)), 0, "nothing found")
        eq(self.coach.get("/t/%d/chat?q=%s" % (self.tid, "x" * 300)).status,
           413, "a query over LIMIT_SEARCH_QUERY")

    def test_chat_in_the_search_and_the_export(self):
        """Chat messages are found by /search for those who take part and
        by nobody else; each trajectory whose chat held a candidate is in
        the access log (one without, not); the printable export holds the
        chat."""
        word = "zeehondenbank"
        eq(self.chat(self.client, "ik zag een %s bij eb" % word).status, 303,
           "a chat message")
        eq(self.chat(self.coach, "iets anders", tid=self.other_tid).status,
           303, "a chat message elsewhere")
        hits = None
        for who, name in ((self.coach, "the professional"),
                          (self.client, "the client")):
            page = who.get("/search?q=" + word).text
            hits = re.findall(r'href="/t/%d/chat\?q=%s#hit-(\d+)"' % (
                self.tid, word), page)
            eq(len(hits), 1, name + " finds the chat message")
            check("bij eb" in page, name + ": the excerpt", "bij eb",
                  page[-2000:])
        page = self.coach.get("/t/%d/chat?q=%s" % (self.tid, word)).text
        check('id="hit-%s"' % hits[0] in page, "the result's link",
              "leads to the hit", page[-2000:])
        self.srv.cli_ok("user", "create", "--email",
                        "live.other@demo.infuus.test", "--name", "Ander",
                        "--org", "demo", "--role", "client",
                        password="live-other-client-pass-1")
        other = Client(self.srv)
        other.login_ok("live.other@demo.infuus.test",
                       "live-other-client-pass-1")
        admin = Client(self.srv)
        admin.login_ok(*self.srv.users["admin"])
        for who, name in ((other, "another client"), (admin, "the admin")):
            r = who.get("/search?q=" + word)
            check(r.status in (200, 403) and "#hit-" not in r.text and
                  "bij eb" not in r.text, name + " finds nothing",
                  "no hit", r.text[-2000:])
        q = ("SELECT COUNT(*) FROM audit_log WHERE kind = 'chat' AND "
             "detail = 'search' AND object_id = %d")
        check(self.sql_one(q % self.tid) >= 2, "the searches in the access "
              "log", "one per search of the trajectory",
              self.sql_one(q % self.tid))
        eq(self.sql_one(q % self.other_tid), 0,
           "a trajectory without a candidate is not opened or logged")
        page = self.client.get("/t/%d/export" % self.tid).text
        check('id="chat"' in page and "ik zag een %s bij eb" % word in page,
              "the printable export holds the chat", word, page[-3000:])

    def test_stop_with_streams_open(self):
        # Runs last: the server must end its (suspended) streams to stop;
        # MHD may not stop with a suspended connection.
        held = [self.stream(self.client), self.stream(self.coach)]
        try:
            for s in held:
                eq(s.status, 200, "an open stream")
            t0 = time.time()
            rc = self.srv.stop(timeout=20)
            eq(rc, 0, "exit status after SIGTERM with streams open")
            check(time.time() - t0 < 8, "the server stops promptly",
                  "< 8 s", time.time() - t0)
            for s in held:
                s.wait(lambda e: False, timeout=2)
                check(s.closed, "each stream is ended", "closed", None)
        finally:
            for s in held:
                s.close()
