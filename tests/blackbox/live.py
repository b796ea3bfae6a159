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
import os
import re
import shutil
import socket
import time

from coaching import form_fields, location_id
from lib import Client, Server, check, eq

PER_USER = 8      # LIMIT_SSE_PER_USER in src/core/limits.h
REPLAY = 256      # LIMIT_EVENT_REPLAY


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


class LiveMixin:
    """Set-up and helpers for the Live suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        u = self.srv.users
        self.coach = Client(self.srv)
        self.coach.login_ok(*u["professional"])
        self.client = Client(self.srv)
        self.client.login_ok(*u["client"])
        self.client_id = self.client.me()["id"]
        page = self.coach.get("/t/new").text
        f = form_fields(page, "/t")
        f["client"] = str(self.client_id)
        f["title"] = "Live"
        self.tid = location_id(self.coach.post("/t", f), "/t/")
        r = self.coach.post("/t/%d/threads" % self.tid, {
            "csrf": self.coach.csrf(), "subject": "Live",
            "body": "eerste"})
        self.thid = location_id(r, "/threads/")
        # A trajectory the client has no part in: another of the coach's.
        f = form_fields(self.coach.get("/t/new").text, "/t")
        f["client"] = str(self.client_id)
        f["title"] = "Ander"
        self.other_tid = location_id(self.coach.post("/t", f), "/t/")

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
            check(re.search(r"Too many pages|Te veel pagina",
                            s.body.decode()), "the refusal says why",
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
        wd = os.path.join(self.workdir, "node-b")
        b = Server(self.backend, wd, pg=self.pg, demo=False)
        os.makedirs(b.data, mode=0o700, exist_ok=True)
        shutil.copy(os.path.join(self.srv.data, "master.key"),
                    os.path.join(b.data, "master.key"))
        self.servers.append(b)
        b.start()
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
