#!/usr/bin/env python3
"""
live_bench.py - the driver of 40-live.sh: many idle event streams on one
node and the chat's post-to-arrival latency.

  live_bench.py --port P --pid PID --password PW --clients N --coaches K
                --streams S --rate R --secs D --convs C --chat-bench EXE
                --tuples FILE

Logs in client@, client2@ .. clientN@ and coach@ .. coachK@ (gen_data's
people), opens up to S streams (/live/t/TID of each client's trajectory,
LIMIT_SSE_PER_USER a client, round-robin) and prints the server's RSS
growth per stream; then closes them and hands C conversations (a client
and their coach, at most LIMIT_SSE_PER_USER a coach) to EXE
(bench/chat_bench, in C: it opens both sides' streams, posts R messages
a second for D seconds and times each to its arrival on the other side's
stream) in FILE.convs, lines "TID UID COOKIE CSRF UID COOKIE CSRF" (the
client's, then the coach's), and passes on its figures.  Writes FILE,
lines "COOKIE CSRF TID" of sixteen sessions for wrk (bench/chat.lua).

Bounded: at most --streams sockets (never more than 10,000), every wait
has a deadline, and it talks only to the server on the loopback (streams
come from source addresses 127.0.0.2.. so the server's per-address
connection limit, LIMIT_CONNECTIONS_PER_IP, is not what is measured).
"""
import argparse
import http.client
import json
import re
import select
import selectors
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

PER_USER = 8            # LIMIT_SSE_PER_USER
PER_ADDR = 500          # below LIMIT_CONNECTIONS_PER_IP (512)
HEARTBEAT = 15          # LIMIT_SSE_HEARTBEAT
DOMAIN = "bench.infuus.test"


def email(who, i):
    return "%s@%s" % (who, DOMAIN) if i == 0 else "%s%d@%s" % (who, i + 1,
                                                               DOMAIN)


class Session:
    def __init__(self, port, addr, pw):
        self.port = port
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/login")
        r = c.getresponse()
        page = r.read().decode()
        jar = {}
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                n, _, val = v.split(";")[0].partition("=")
                jar[n] = val
        m = re.search(r'name="csrf" value="([^"]*)"', page)
        body = urllib.parse.urlencode({"email": addr, "password": pw,
                                       "csrf": m.group(1)})
        c.request("POST", "/login", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join("%s=%s" % kv for kv in jar.items())})
        r = c.getresponse()
        r.read()
        if r.status != 303:
            raise SystemExit("live_bench: log-in of %s answered %d"
                             % (addr, r.status))
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                n, _, val = v.split(";")[0].partition("=")
                jar[n] = val
        self.cookie = jar["infuus_session"]
        self.conn = c
        me = json.loads(self.get("/api/me"))
        self.csrf = me["csrf"]
        self.uid = me["id"]

    def get(self, path):
        for attempt in (0, 1):
            try:
                self.conn.request("GET", path, headers={
                    "Cookie": "infuus_session=" + self.cookie})
                r = self.conn.getresponse()
                return r.read().decode()
            except (http.client.RemoteDisconnected, ConnectionError):
                # Idle past LIMIT_CONN_TIMEOUT while the others logged
                # in (slow on a busy machine): the server closed it.
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30)
        return ""

    def chat(self, tid, text):
        body = urllib.parse.urlencode({"csrf": self.csrf, "action": "send",
                                       "body": text})
        self.conn.request("POST", "/t/%d/chat" % tid, body, {
            "Cookie": "infuus_session=" + self.cookie,
            "Content-Type": "application/x-www-form-urlencoded"})
        r = self.conn.getresponse()
        r.read()
        return r.status


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return 0


class Stream:
    """A stream read without blocking: its bytes are scanned for complete
    events; 'chat' events with an id are handed to on_chat."""

    def __init__(self, port, src, cookie, tid):
        self.tid = tid
        self.buf = b""
        self.ok = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((src, 0))
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(("GET /live/t/%d HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Accept: text/event-stream\r\nCookie: "
                           "infuus_session=%s\r\n\r\n" % (tid, cookie))
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            d = self.sock.recv(4096)
            if not d:
                break
            head += d
        line = head.split(b"\r\n", 1)[0].split()
        self.status = int(line[1]) if len(line) > 1 else 0
        self.buf = head.partition(b"\r\n\r\n")[2]
        self.sock.setblocking(False)

    def read(self):
        try:
            d = self.sock.recv(65536)
        except BlockingIOError:
            return []
        except OSError:
            d = b""
        if not d:
            return None
        self.buf += d
        out = []
        # Chunk framing is skipped: an event's lines never contain a
        # chunk header, and the data is one JSON line.
        while b"\n\n" in self.buf:
            block, _, self.buf = self.buf.partition(b"\n\n")
            ev = {}
            for ln in block.decode(errors="replace").split("\n"):
                k, _, v = ln.partition(":")
                if k in ("event", "data"):
                    ev[k] = v.strip()
            if ev.get("event") == "chat":
                try:
                    data = json.loads(ev.get("data", "null"))
                except ValueError:
                    continue
                if isinstance(data, dict) and "id" in data:
                    out.append(data["id"])
        return out


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def crossnode(a):
    """One conversation over two nodes of one PostgreSQL database: the
    professional posts through node A (--port), the client's stream is
    held on node B (--port-b) with the same session."""
    coach = Session(a.port, a.coach, a.password)
    client = Session(a.port, a.client, a.client_password)
    tid = int(re.search(r'href="/t/(\d+)"', client.get("/t")).group(1))
    st = Stream(a.port_b, "127.0.0.1", client.cookie, tid)
    if st.status != 200:
        raise SystemExit("live_bench: the stream on node B answered %d"
                         % st.status)
    total = int(a.rate * a.secs)
    lat = []
    start = time.monotonic() + 0.5
    for j in range(total):
        d = start + j / a.rate - time.monotonic()
        if d > 0:
            time.sleep(d)
        ts = time.monotonic()
        if coach.chat(tid, "Over twee knopen %d." % j) != 303:
            raise SystemExit("live_bench: a post on node A failed")
        end = ts + 5
        got = []
        while not got and time.monotonic() < end:
            r, _, _ = select.select([st.sock], [], [], end - time.monotonic())
            if r:
                got = st.read()
                if got is None:
                    raise SystemExit("live_bench: node B closed the stream")
        if not got:
            raise SystemExit("live_bench: message %d never reached node B" % j)
        lat.append((time.monotonic() - ts) * 1000.0)
    st.sock.close()
    print("live_bench: %d messages through node A, each on node B: p50 "
          "%.1f, p99 %.1f, max %.1f ms" % (total, pct(lat, 50), pct(lat, 99),
                                           max(lat)))
    print("crossnode_delivery_p50_ms %.1f" % pct(lat, 50))
    print("crossnode_delivery_p99_ms %.1f" % pct(lat, 99))
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "crossnode":
        ap = argparse.ArgumentParser()
        ap.add_argument("mode")
        for o in ("--coach", "--password", "--client", "--client-password"):
            ap.add_argument(o, required=True)
        for o in ("--port", "--port-b"):
            ap.add_argument(o, type=int, required=True)
        ap.add_argument("--rate", type=float, default=20)
        ap.add_argument("--secs", type=float, default=10)
        return crossnode(ap.parse_args())
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--clients", type=int, required=True)
    ap.add_argument("--coaches", type=int, required=True)
    ap.add_argument("--streams", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--secs", type=float, required=True)
    ap.add_argument("--convs", type=int, default=1000)
    ap.add_argument("--chat-bench", required=True)
    ap.add_argument("--tuples", required=True)
    a = ap.parse_args()
    want = min(a.streams, 10000)
    deadline = time.monotonic() + 600

    # Log in, two at a time (argon2id is the cost; two cores).
    clients = [None] * a.clients
    coaches = [None] * a.coaches
    jobs = [("client", i) for i in range(a.clients)] + \
           [("coach", i) for i in range(a.coaches)]
    lock = threading.Lock()
    err = []

    def login_worker():
        while True:
            with lock:
                if not jobs or err:
                    return
                who, i = jobs.pop()
            try:
                s = Session(a.port, email(who, i), a.password)
                if who == "client":
                    m = re.search(r'href="/t/(\d+)"', s.get("/t"))
                    s.tid = int(m.group(1))
                    clients[i] = s
                else:
                    coaches[i] = s
                # 1,250 idle keep-alive connections from 127.0.0.1 would
                # pass LIMIT_CONNECTIONS_PER_IP; the next request opens
                # a new one.
                s.conn.close()
            except BaseException as e:  # noqa: B902 - reported, then exit
                err.append("%s %d: %r" % (who, i, e))
                return
    t0 = time.monotonic()
    ws = [threading.Thread(target=login_worker) for _ in range(3)]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    if err:
        raise SystemExit("live_bench: " + err[0])
    print("live_bench: %d clients and %d coaches logged in in %.1f s"
          % (a.clients, a.coaches, time.monotonic() - t0), flush=True)
    with open(a.tuples, "w") as f:
        for s in clients[:16]:
            f.write("%s %s %d\n" % (s.cookie, s.csrf, s.tid))
    for s in clients:
        s.conn.close()

    # Idle streams (10,000 take a while to open on a busy machine; the
    # log-ins before do not count against their deadline).
    deadline = time.monotonic() + 600
    time.sleep(1)
    before = rss_kib(a.pid)
    streams = []
    refused = {}
    sel = selectors.DefaultSelector()
    k = 0
    while len(streams) < want and k < a.clients * PER_USER:
        if time.monotonic() > deadline:
            break
        s = clients[k % a.clients]
        src = "127.0.0.%d" % (2 + len(streams) // PER_ADDR)
        st = Stream(a.port, src, s.cookie, s.tid)
        k += 1
        if st.status != 200:
            refused[st.status] = refused.get(st.status, 0) + 1
            st.sock.close()
            if st.status == 503 or refused[st.status] > 50:
                break
            continue
        streams.append(st)
        sel.register(st.sock, selectors.EVENT_READ, st)
    n = len(streams)
    # Let the server settle (and everything it sent be read).
    end = time.monotonic() + 3
    while time.monotonic() < end:
        for key, _ in sel.select(0.2):
            if key.data.read() is None:
                sel.unregister(key.fileobj)
    after = rss_kib(a.pid)
    print("live_bench: %d streams open (%s refused after), RSS %d -> %d KiB"
          % (n, ",".join("%d:%d" % kv for kv in refused.items()) or "none",
             before, after), flush=True)
    print("streams %d" % n)
    print("sse_kib_per_stream %.2f" % ((after - before) / max(1, n)))

    # Chat: bench/chat_bench (C, epoll) posts and reads; here only who
    # talks to whom.  The idle streams go, the driver opens its own: both
    # sides of each conversation, the client's and the coach's.
    for st in streams:
        try:
            sel.unregister(st.sock)
        except KeyError:
            pass
        st.sock.close()
    # Which coach is the professional of each trajectory, from their /t;
    # a coach's streams are LIMIT_SSE_PER_USER at most, so as many
    # conversations of theirs (40-live.sh makes one coach for every
    # eight clients).
    coach_of = {}
    for ci, s in enumerate(coaches):
        for m in re.finditer(r'href="/t/(\d+)"', s.get("/t")):
            coach_of.setdefault(int(m.group(1)), ci)
        s.conn.close()
    held = {}
    convs = []
    for c in clients:
        ci = coach_of.get(c.tid)
        if ci is None or held.get(ci, 0) >= PER_USER:
            continue
        held[ci] = held.get(ci, 0) + 1
        convs.append((c, coaches[ci]))
        if len(convs) == a.convs:
            break
    if len(convs) < a.convs:
        print("live_bench: only %d conversations with a coach's stream "
              "free" % len(convs), flush=True)
    if not convs:
        raise SystemExit("live_bench: no conversation with a coach")
    with open(a.tuples + ".convs", "w") as f:
        for c, k in convs:
            f.write("%d %d %s %s %d %s %s\n" % (c.tid, c.uid, c.cookie,
                                                c.csrf, k.uid, k.cookie,
                                                k.csrf))
    # The server notices a closed idle stream at its next heartbeat
    # (LIMIT_SSE_HEARTBEAT, 15 s): until then the 10,000 still count
    # against LIMIT_SSE_PER_NODE, and their ends should not fall into
    # the measurement.
    time.sleep(HEARTBEAT + 2)
    sys.stdout.flush()
    r = subprocess.run([a.chat_bench, "--port", str(a.port), "--convs",
                        a.tuples + ".convs", "--rate", str(a.rate),
                        "--secs", str(a.secs), "--max", str(len(convs))],
                       timeout=a.secs + 180)
    if r.returncode != 0:
        raise SystemExit("live_bench: chat_bench failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
