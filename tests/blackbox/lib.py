"""
lib.py - the harness of the black-box tests: the infuus server as a
process, a throw-away PostgreSQL database, a real SMTP server on loopback,
an HTTP client with a cookie jar, raw sockets for what http.client will not
send, TOTP codes, and a load helper that records acknowledged writes.

Python 3 standard library only (the SMTP server is Debian's
python3-aiosmtpd, run as a separate process).  Everything here talks to
127.0.0.1 only.
"""
import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import mailbox
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("INFUUS_TOP") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("INFUUS_BUILD") or os.path.join(TOP, "build")
BIN = os.path.join(BUILD, "infuus")

os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer",
                   "SUMMARY: AddressSanitizer")


class Failure(Exception):
    """A test's expectation that did not hold: what was expected, what came."""

    def __init__(self, what, expected, got):
        super().__init__(what)
        self.what = what
        self.expected = expected
        self.got = got

    def __str__(self):
        return "%s\n      expected: %s\n      got:      %s" % (
            self.what, self.expected, _short(self.got))


def _short(v, n=600):
    s = v if isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + "... (%d chars)" % len(s)


def check(cond, what, expected, got):
    if not cond:
        raise Failure(what, expected, got)


def eq(got, expected, what):
    if got != expected:
        raise Failure(what, repr(expected), repr(got))


def status_in(resp, codes, what):
    if resp.status not in codes:
        raise Failure(what, "status %s" % " or ".join(map(str, codes)),
                      "status %s %s; body: %s" % (
                          resp.status, resp.header("location") or "",
                          resp.text[:300]))


def says(text, en, nl):
    """The page says it, in English or Dutch (pages follow the reader's
    language)."""
    return en in text or nl in text


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


# --- PostgreSQL -------------------------------------------------------------

class Postgres:
    """The database URL from INFUUS_TEST_PG, or a cluster of our own made
    with tests/pg-cluster when that variable is empty."""

    def __init__(self):
        self.url = os.environ.get("INFUUS_TEST_PG", "")
        self.own_dir = None
        if not self.url:
            self.own_dir = tempfile.mkdtemp(prefix="infuus-bb-pg.")
            os.chmod(self.own_dir, 0o755)
            out = subprocess.run(
                ["sh", os.path.join(TOP, "tests", "pg-cluster"), "start",
                 os.path.join(self.own_dir, "pg")],
                capture_output=True, text=True, timeout=120)
            if out.returncode != 0:
                raise RuntimeError("could not start PostgreSQL: " + out.stderr)
            self.url = out.stdout.strip().splitlines()[-1]

    def reset(self):
        out = subprocess.run(
            ["psql", self.url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
             "DROP SCHEMA public CASCADE; CREATE SCHEMA public"],
            capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("could not reset %s: %s" % (self.url, out.stderr))

    def sql(self, query):
        out = subprocess.run(["psql", self.url, "-q", "-At", "-c", query],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("psql: " + out.stderr)
        return out.stdout

    def close(self):
        if self.own_dir:
            subprocess.run(["sh", os.path.join(TOP, "tests", "pg-cluster"),
                            "stop", os.path.join(self.own_dir, "pg")],
                           capture_output=True, timeout=120)
            shutil.rmtree(self.own_dir, ignore_errors=True)


# --- SMTP --------------------------------------------------------------------

def _python_with_aiosmtpd():
    for py in (sys.executable, "/usr/bin/python3", "python3"):
        try:
            if subprocess.run([py, "-c", "import aiosmtpd"],
                              capture_output=True, timeout=30).returncode == 0:
                return py
        except OSError:
            continue
    return None


class Smtp:
    """A real SMTP server on loopback (aiosmtpd's Mailbox handler): every
    message lands in a Maildir, with the envelope recipients in X-RcptTo."""

    def __init__(self, workdir):
        py = _python_with_aiosmtpd()
        if py is None:
            raise RuntimeError("python3-aiosmtpd is not installed")
        self.port = free_port()
        self.dir = os.path.join(workdir, "maildir")
        self.log = open(os.path.join(workdir, "smtp.log"), "w")
        self.proc = subprocess.Popen(
            [py, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % self.port,
             "-c", "aiosmtpd.handlers.Mailbox", self.dir],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port, 20):
            self.stop()
            raise RuntimeError("the SMTP server did not start")

    def messages(self):
        if not os.path.isdir(os.path.join(self.dir, "new")):
            return []
        box = mailbox.Maildir(self.dir, factory=None, create=False)
        msgs = [box[k] for k in box.keys()]
        msgs.sort(key=lambda m: m.get_date())
        return msgs

    def wait(self, n, timeout=10.0):
        """At least n messages (or what arrived by the timeout)."""
        end = time.time() + timeout
        while time.time() < end:
            msgs = self.messages()
            if len(msgs) >= n:
                return msgs
            time.sleep(0.05)
        return self.messages()

    def clear(self):
        for sub in ("new", "cur"):
            d = os.path.join(self.dir, sub)
            if os.path.isdir(d):
                for f in os.listdir(d):
                    os.unlink(os.path.join(d, f))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def mail_rcpt(msg):
    return (msg.get("X-RcptTo") or msg.get("X-RcptTos") or msg.get("To") or "")


def mail_text(msg):
    """The decoded text/plain body (and the subject, for searching)."""
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() == "multipart":
            continue
        data = part.get_payload(decode=True) or b""
        parts.append(data.decode(part.get_content_charset() or "utf-8",
                                 "replace"))
    return "\n".join(parts)


# --- the server ----------------------------------------------------------------

DEMO_LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+password:\s+(\S+)\s*$")


class Server:
    """One infuus process.  Keep its data dir (and, on PostgreSQL, its
    database) to restart it on the same data."""

    def __init__(self, backend, workdir, pg=None, sets=None, demo=True):
        self.backend = backend
        self.workdir = workdir
        self.data = os.path.join(workdir, "data")
        self.pg = pg
        self.sets = dict(sets or {})
        self.demo = demo
        self.proc = None
        self.port = None
        self.users = {}      # role -> (email, password), from the demo lines
        self.starts = 0
        self.killed = False
        self.exit_problems = []  # filled by stop()

    def db_flags(self):
        f = ["--data", self.data]
        if self.backend == "postgres":
            f += ["--database", self.pg.url]
        return f

    def start(self, port=None, fresh=False):
        if fresh and self.backend == "postgres":
            self.pg.reset()
        # XXX: with a postgres:// database infuus does not create the data
        # dir that holds its master key (it only does for SQLite).
        os.makedirs(self.data, mode=0o700, exist_ok=True)
        self.port = port or free_port()
        self.starts += 1
        self.killed = False
        tag = "%d" % self.starts
        self.out_path = os.path.join(self.workdir, "serve%s.out" % tag)
        self.err_path = os.path.join(self.workdir, "serve%s.err" % tag)
        cmd = [BIN, "serve", "--listen", "127.0.0.1:%d" % self.port]
        cmd += self.db_flags()
        if self.demo:
            cmd.append("--demo")
        for k, v in self.sets.items():
            cmd += ["--set", "%s=%s" % (k, v)]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdout=open(self.out_path, "w"),
                                     stderr=open(self.err_path, "w"),
                                     stdin=subprocess.DEVNULL)
        end = time.time() + 60
        while time.time() < end:
            out = self.stdout()
            if "Infuus is running" in out:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("infuus serve exited with %s:\n%s\n%s" % (
                    self.proc.returncode, out, self.stderr()[-3000:]))
            time.sleep(0.05)
        else:
            raise RuntimeError("infuus serve did not say it runs within 60 s")
        if not wait_port(self.port, 10):
            raise RuntimeError("infuus does not accept connections on %d" %
                               self.port)
        for line in out.splitlines():
            m = DEMO_LINE.match(line)
            if m:
                self.users[m.group(1)] = (m.group(2), m.group(3))
        return self

    def stdout(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def alive(self):
        return (not self.killed and self.proc is not None and
                self.proc.poll() is None)

    def sanitizer_reports(self):
        err = self.stderr()
        return [m for m in SANITIZER_MARKS if m in err]

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit status and records problems
        (non-zero exit, not stopping in time, sanitizer reports)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.exit_problems.append(
                    "did not stop within %d s of SIGTERM" % timeout)
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        if rc != 0:
            self.exit_problems.append("exit status %s after SIGTERM" % rc)
        for m in self.sanitizer_reports():
            self.exit_problems.append("stderr has '%s'" % m)
        self.proc = None
        return rc

    def kill(self):
        """SIGKILL: a crash.  Sanitizer reports up to now still count."""
        self.killed = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for m in self.sanitizer_reports():
            self.exit_problems.append("stderr has '%s'" % m)
        self.proc = None

    def cli(self, *args, password=None, timeout=60):
        env = dict(os.environ)
        if password is not None:
            env["INFUUS_PASSWORD"] = password
        else:
            env.pop("INFUUS_PASSWORD", None)
        return subprocess.run([BIN] + list(args) + self.db_flags(), env=env,
                              capture_output=True, text=True, timeout=timeout)

    def cli_ok(self, *args, password=None):
        out = self.cli(*args, password=password)
        if out.returncode != 0:
            raise RuntimeError("infuus %s failed (%d): %s%s" % (
                " ".join(args), out.returncode, out.stdout, out.stderr))
        return out.stdout

    def sqlite_path(self):
        return os.path.join(self.data, "infuus.db")

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)


# --- the server's database, read directly --------------------------------

def sql_one(srv, query):
    """The first column of the first row of query on srv's database, as
    SQLite gives it; on PostgreSQL a number (0 for an empty answer)."""
    if srv.backend == "sqlite":
        db = sqlite3.connect(srv.sqlite_path(), timeout=10)
        try:
            return db.execute(query).fetchone()[0]
        finally:
            db.close()
    return int(srv.pg.sql(query).strip() or 0)


def sql_text(srv, query):
    """The first column of the first row of query as text on either
    backend: "" for no row or NULL."""
    if srv.backend != "sqlite":
        return srv.pg.sql(query).strip()
    db = sqlite3.connect(srv.sqlite_path(), timeout=10)
    try:
        row = db.execute(query).fetchone()
    finally:
        db.close()
    return "" if row is None or row[0] is None else str(row[0])


class Sql:
    """Mixed into a suite: its server's (self.srv) database, read
    directly."""

    def sql_one(self, query):
        return sql_one(self.srv, query)

    def sql_text(self, query):
        return sql_text(self.srv, query)


def not_in_plain_text(srv, table, column, word, texts):
    """Nothing readable at rest: on PostgreSQL, word is not in
    table.column; on SQLite, none of texts, each (bytes, what), is in the
    database file or its write-ahead log after a checkpoint."""
    if srv.backend != "sqlite":
        rows = srv.pg.sql("SELECT count(*) FROM %s WHERE "
                          "position('%s' in encode(%s, 'escape'))"
                          " > 0" % (table, word, column))
        check(rows.strip().endswith("0"), "%s.%s" % (table, column),
              "no plain text", rows)
        return
    db = srv.sqlite_path()
    con = sqlite3.connect(db, timeout=10)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for path in (db, db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            for text, what in texts:
                check(text not in data, path, "no plain text of " + what,
                      "found")


# --- a clock the suite moves ---------------------------------------------------

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


class FakeClock:
    """Mixed into a suite whose server runs under libfaketime with a
    clock the suite moves forward (FAKETIME_TIMESTAMP_FILE, re-read at
    every call): self.offset seconds ahead of the real one."""

    def clock_start(self):
        self.offset = 0
        self.clock = os.path.join(self.workdir, "faketime")
        self._set_clock()

    @contextlib.contextmanager
    def faked_time(self):
        """What starts inside runs under libfaketime on self.clock."""
        saved = dict(os.environ)
        os.environ.update({
            "LD_PRELOAD": LIBFAKETIME,
            "FAKETIME_TIMESTAMP_FILE": self.clock,
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
            ":verify_asan_link_order=0",
        })
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _set_clock(self):
        with open(self.clock + ".tmp", "w") as f:
            f.write("+%d\n" % self.offset)
        os.replace(self.clock + ".tmp", self.clock)

    def advance(self, secs):
        """Move the server's clock forward by secs."""
        self.offset += secs
        self._set_clock()

    def now(self):
        return time.time() + self.offset


# --- HTTP ----------------------------------------------------------------------

def parse_set_cookie(value):
    """'name=value; Attr; Key=Val' -> (name, value, {attr-lower: val})."""
    parts = [p.strip() for p in value.split(";")]
    name, _, val = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return name.strip(), val.strip(), attrs


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body
        self.text = body.decode("utf-8", "replace")
        self.cookies = {}               # name -> (value, attrs)
        for k, v in headers:
            if k.lower() == "set-cookie":
                n, val, attrs = parse_set_cookie(v)
                self.cookies[n] = (val, attrs)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.text)

    def __repr__(self):
        return "<%s %s %s>" % (self.status, self.header("content-type"),
                               self.text[:200])


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_in(html):
    m = CSRF_FIELD.search(html)
    return m.group(1) if m else None


class Client:
    """A browser-like client: one cookie jar, no redirects followed.
    Every cookie value a server hands out is remembered in SEEN (for the
    test that the server's log holds no secret)."""

    SEEN = set()

    def __init__(self, server, lang="en"):
        self.server = server
        self.jar = {}
        self.lang = lang

    @property
    def session(self):
        return self.jar.get("infuus_session")

    def request(self, method, path, body=None, headers=None, form=None,
                timeout=30):
        h = {"User-Agent": "infuus-blackbox/1", "Accept-Language": self.lang}
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        h.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            resp = Resp(r.status, r.getheaders(), data)
        finally:
            conn.close()
        for name, (val, attrs) in resp.cookies.items():
            if len(val) >= 16:
                Client.SEEN.add(val)
            if val == "" or attrs.get("max-age") == "0":
                self.jar.pop(name, None)
            else:
                self.jar[name] = val
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)

    def csrf(self):
        """The token to echo: the session's (from /api/me) or, before
        log-in, the infuus_pre value of the log-in form."""
        if self.session:
            r = self.get("/api/me")
            if r.status == 200:
                return r.json()["csrf"]
        r = self.get("/login")
        tok = csrf_in(r.text)
        if tok is None:
            raise Failure("GET /login has a csrf field", "a form with csrf",
                          r)
        return tok

    def me(self):
        r = self.get("/api/me")
        return r.json() if r.status == 200 else None

    def login(self, email, password):
        """The log-in form as a browser fills it; returns the POST's
        response (303 on success)."""
        r = self.get("/login")
        tok = csrf_in(r.text)
        if tok is None:  # already logged in: the form is not shown
            tok = self.csrf()
        return self.post("/login", {"email": email, "password": password,
                                    "csrf": tok})

    def login_ok(self, email, password):
        r = self.login(email, password)
        if r.status != 303 or "infuus_session" not in r.cookies:
            raise Failure("log-in of %s" % email,
                          "303 with an infuus_session cookie", r)
        return r

    def logout(self):
        return self.post("/logout", {"csrf": self.csrf()})


def raw_exchange(port, chunks, timeout=5.0, pause=0.0):
    """Send raw bytes (a list of chunks, pause seconds apart) and read
    until the server closes or the timeout; a reset counts as a close.
    Returns the bytes received."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = b""
    try:
        for i, c in enumerate(chunks):
            if i and pause:
                time.sleep(pause)
            try:
                s.sendall(c)
            except OSError:
                break
        end = time.time() + timeout
        while time.time() < end:
            s.settimeout(max(0.05, end - time.time()))
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not d:
                break
            got += d
            if response_complete(got):
                break
    finally:
        s.close()
    return got


def response_complete(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if m:
        return len(body) >= int(m.group(1))
    return False


class RawResp:
    def __init__(self, data):
        self.data = data
        self.status = None
        self.headers = []
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/\d\.\d (\d{3})", lines[0]) if lines else None
        if m:
            self.status = int(m.group(1))
            for ln in lines[1:]:
                k, _, v = ln.partition(":")
                self.headers.append((k.strip(), v.strip()))
        self.text = self.body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "<raw %s %r>" % (self.status, self.data[:300])


def raw(port, data, timeout=5.0):
    chunks = data if isinstance(data, list) else [data]
    return RawResp(raw_exchange(port, chunks, timeout))


# --- TOTP (RFC 6238, HMAC-SHA1, 6 digits, 30 s) -----------------------------------

def totp(secret_b32, step):
    s = secret_b32.replace(" ", "").upper()
    key = base64.b32decode(s + "=" * (-len(s) % 8))
    h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = h[-1] & 15
    code = (struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % code


def totp_step(t=None):
    return int((time.time() if t is None else t) // 30)


SECRET = re.compile(r'<code class="secret">([^<]+)</code>')
CODES = re.compile(r"<li><code>([^<]+)</code></li>")


# --- load with acknowledged writes --------------------------------------------------

class Load:
    """Run worker(client, i) from several threads until stop() and keep
    what each call acknowledged (a non-None return value).  Calls that
    fail because the server went away are counted, not raised: the point
    is to crash the server under this load and then check that every
    acknowledged write survived."""

    def __init__(self, server, worker, threads=4, make_client=None):
        self.server = server
        self.worker = worker
        self.acks = []
        self.errors = 0
        self.error_samples = []
        self.calls = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.make_client = make_client or (lambda: Client(server))
        self.threads = [threading.Thread(target=self._run, args=(i,),
                                         daemon=True)
                        for i in range(threads)]

    def _run(self, i):
        n = 0
        while not self.stopping.is_set():
            c = self.make_client()
            try:
                ack = self.worker(c, i * 1000000 + n)
            except (OSError, http.client.HTTPException, Failure) as e:
                with self.lock:
                    self.errors += 1
                    if len(self.error_samples) < 5:
                        self.error_samples.append(repr(e))
                if not self.server.alive():
                    return
                continue
            finally:
                n += 1
            with self.lock:
                self.calls += 1
                if ack is not None:
                    self.acks.append(ack)

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(60)


def login_ack(email, password):
    """A Load worker: one log-in; the acknowledged write is the session row
    behind the cookie of a 303."""
    def work(c, n):
        r = c.login(email, password)
        if r.status == 303 and "infuus_session" in r.cookies:
            return r.cookies["infuus_session"][0]
        return None
    return work


def logged_in(srv, email, password):
    """A Client of srv with that person logged in."""
    c = Client(srv)
    c.login_ok(email, password)
    return c


def demo_logins(srv, *roles):
    """A logged-in Client of each demo person by role ("professional",
    "client", "admin"), in order."""
    return [logged_in(srv, *srv.users[role]) for role in roles]


def users_in(srv, org, people, lang=None, login=True):
    """People made in the organisation of slug org, each ((email,
    password, name), role), reading lang when one is given; a logged-in
    Client of each, in order (none when not login)."""
    for (email, pw, who), role in people:
        args = ["user", "create", "--email", email, "--name", who,
                "--org", org, "--role", role]
        if lang:
            args += ["--lang", lang]
        srv.cli_ok(*args, password=pw)
    if not login:
        return []
    return [logged_in(srv, email, pw) for (email, pw, _), _ in people]


def org_with(srv, name, slug, people, login=True):
    """A new organisation and its people, as users_in."""
    srv.cli_ok("org", "create", "--name", name, "--slug", slug)
    return users_in(srv, slug, people, login=login)


# --- library items, shared by the Library and LibSend suites ---------------
def library_write(who, item, lang="nl", level="", audience="clients",
                  tags="slaap"):
    """POST /library as who: a new draft item of item = (title, summary,
    body); the response (303 to the item when it is taken)."""
    title, summary, body = item
    return who.post("/library", {
        "csrf": who.csrf(), "title": title, "summary": summary,
        "body": body, "tags": tags, "audience": audience, "lang": lang,
        "level": level})


def library_publish(who, lid, on=True):
    """Publish item lid as who (or withdraw it: on=False)."""
    r = who.post("/library/%d/publish" % lid, {
        "csrf": who.csrf(), "publish": "1" if on else "0"})
    eq(r.status, 303, "publishing item %d: %s" % (lid, on))
