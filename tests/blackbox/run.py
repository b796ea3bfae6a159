#!/usr/bin/env python3
"""
run.py - black-box tests of the infuus server: real HTTP against the real
binary on loopback, on SQLite or PostgreSQL.

  INFUUS_BUILD=build INFUUS_TOP=. python3 tests/blackbox/run.py --backend sqlite
  INFUUS_TEST_PG=postgres://... python3 tests/blackbox/run.py --backend postgres
  ... run.py --only Identity            (one class, or Class.test_name)

Each class below starts its own server (fresh data dir; on PostgreSQL the
schema is dropped first) and its tests run in the order written, sharing
that server.  Every server must also stop cleanly on SIGTERM (exit 0, no
sanitizer report): that is checked as one more test per class.  The last
line is "result: N passed, N failed" (tests/run-all counts it); the exit
status is non-zero when anything failed.
"""
import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import (BIN, CODES, SECRET, TOP, Client, Failure, Load,  # noqa: E402
                 Postgres, RawResp, Server, Smtp, check, csrf_in, eq,
                 free_port, login_ack, mail_rcpt, mail_text, raw,
                 raw_exchange, response_complete, totp, totp_step)

from coaching import CoachingMixin  # noqa: E402
from live import LiveMixin  # noqa: E402
from measures import MeasuresMixin  # noqa: E402
from media import MediaMixin  # noqa: E402
from audit_events import AuditEventsMixin  # noqa: E402
from reasons import ReasonsMixin  # noqa: E402
from objects import (KIND_WORDS, OBJECT_PARAM, ORG2_CLIENT,  # noqa: E402
                     ORG2_COACH, SIBLING_CLIENT, SIBLING_COACH, SNEAKY_FORM,
                     make_library, make_measures, make_media, make_module,
                     make_trajectory)
from threads import ThreadsMixin  # noqa: E402
from security import SecurityMixin  # noqa: E402
from transport import TransportMixin  # noqa: E402
from appointments import AppointmentsMixin  # noqa: E402
from timeacct import TimeMixin  # noqa: E402
from stakeholders import StakeholdersMixin  # noqa: E402
from stake_reports import StakeReportsMixin  # noqa: E402
from assignments import AssignmentsMixin  # noqa: E402
from invoices import InvoicesMixin  # noqa: E402
from calls import CallsMixin  # noqa: E402
from call_timeouts import CallTimeoutsMixin  # noqa: E402
from modules import ModulesMixin  # noqa: E402
from packages import PackagesMixin  # noqa: E402
from library import LibraryMixin  # noqa: E402
from realcal import RealCalendarsMixin  # noqa: E402
from libsend import LibSendMixin  # noqa: E402

ORG2_ADMIN = ("boss@other.infuus.test", "other-admin-pass-42")


def note(msg):
    print("      note: " + msg, flush=True)


def security_header_problems(resp, hsts=False):
    """What is wrong with the security headers of one response."""
    p = []
    csp = resp.header("content-security-policy")
    if not csp:
        p.append("no Content-Security-Policy")
    else:
        d = {}
        for part in csp.split(";"):
            toks = part.strip().split()
            if toks:
                d[toks[0].lower()] = toks[1:]
        script = d.get("script-src", d.get("default-src"))
        if script is None:
            p.append("CSP has neither script-src nor default-src")
        elif "'unsafe-inline'" in script:
            p.append("script-src allows 'unsafe-inline'")
        if d.get("frame-ancestors") != ["'none'"]:
            p.append("CSP lacks frame-ancestors 'none' (has %r)" %
                     d.get("frame-ancestors"))
    if (resp.header("x-content-type-options") or "").lower() != "nosniff":
        p.append("X-Content-Type-Options is %r" %
                 resp.header("x-content-type-options"))
    if not resp.header("referrer-policy"):
        p.append("no Referrer-Policy")
    h = resp.header("strict-transport-security")
    if hsts and not (h and re.search(r"max-age=[1-9]", h)):
        p.append("no HSTS with tls_proxy (got %r)" % h)
    if not hsts and h:
        p.append("HSTS on plain HTTP: %r" % h)
    return p


def cookie_attr_problems(name, cookie, secure):
    val, attrs = cookie
    p = []
    if "httponly" not in attrs:
        p.append("%s without HttpOnly" % name)
    if attrs.get("samesite", "").lower() not in ("lax", "strict"):
        p.append("%s SameSite=%r" % (name, attrs.get("samesite")))
    if secure and "secure" not in attrs:
        p.append("%s without Secure under tls_proxy" % name)
    if not secure and "secure" in attrs:
        p.append("%s with Secure on plain HTTP" % name)
    return p


def routes():
    """The route table from `infuus routes`, and the command's result (its
    exit status is checked by a test of its own, so the walks still run
    when only the exit is wrong)."""
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True,
                         timeout=30)
    # The table itself without leak checking: a leak report at exit aborts
    # before stdio's buffer is flushed and would cut the table short.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    table = subprocess.run([BIN, "routes"], capture_output=True, text=True,
                           timeout=30, env=env)
    rows = []
    for ln in table.stdout.splitlines():
        if ln.startswith("{"):
            rows.append(json.loads(ln))
    if not rows:
        raise RuntimeError("infuus routes printed no route: " + out.stderr)
    return rows, out


def fill(pattern, ids):
    """The pattern with each :name replaced by ids[name] (or 1)."""
    return "/".join(str(ids.get(seg[1:], 1)) if seg.startswith(":") else seg
                    for seg in pattern.split("/"))


def is_login_redirect(r):
    return r.status in (302, 303) and (r.header("location") or "").startswith(
        "/login")


# --- the runner ------------------------------------------------------------------

class Suite:
    """A class of tests around one server."""
    backend = None
    pg = None

    def __init__(self, workdir):
        self.workdir = workdir
        self.servers = []

    def server(self, sets=None, demo=True):
        d = os.path.join(self.workdir, "s%d" % len(self.servers))
        os.makedirs(d)
        s = Server(self.backend, d, pg=self.pg, sets=sets, demo=demo)
        self.servers.append(s)
        return s

    def server_with_mail(self, base_url=True):
        """A fresh server, started, that mails through a new SMTP sink
        (self.smtp); with base_url, links in its mails point at it."""
        self.smtp = Smtp(self.workdir)
        port = free_port()
        sets = {"smtp_url": "smtp://127.0.0.1:%d" % self.smtp.port}
        if base_url:
            sets["base_url"] = "http://127.0.0.1:%d" % port
        return self.server(sets=sets).start(port=port, fresh=True)

    def second_node(self):
        """A second infuus process on self.srv's PostgreSQL database, with
        its master key: started."""
        wd = os.path.join(self.workdir, "node-b")
        b = Server(self.backend, wd, pg=self.pg, demo=False)
        os.makedirs(b.data, mode=0o700, exist_ok=True)
        shutil.copy(os.path.join(self.srv.data, "master.key"),
                    os.path.join(b.data, "master.key"))
        self.servers.append(b)
        return b.start()

    def setup(self):
        pass

    def teardown(self):
        pass


class Runner:
    def __init__(self, only):
        self.only = only
        self.passed = 0
        self.failed = 0
        self.failures = []

    def wanted(self, cls, name=None):
        if not self.only:
            return True
        for o in self.only:
            c, _, t = o.partition(".")
            if c == cls.__name__ and (not t or name is None or t == name):
                return True
        return False

    def record(self, name, err, secs):
        if err is None:
            self.passed += 1
            print("ok    %s (%.1fs)" % (name, secs), flush=True)
        else:
            self.failed += 1
            self.failures.append(name)
            print("FAIL  %s (%.1fs)\n      %s" % (name, secs, err), flush=True)

    def run_class(self, cls, root):
        if not self.wanted(cls):
            return
        # In the order written, also from mixins (coaching.py).
        names = []
        for k in reversed(cls.__mro__):
            for n in k.__dict__:
                if n.startswith("test_") and n not in names and \
                        self.wanted(cls, n):
                    names.append(n)
        workdir = tempfile.mkdtemp(prefix=cls.__name__ + ".", dir=root)
        suite = cls(workdir)
        t0 = time.time()
        try:
            suite.setup()
        except Exception as e:  # noqa: BLE001 - report, never crash
            msg = "set-up failed: %s\n%s" % (e, traceback.format_exc())
            for n in names:
                self.record("%s.%s" % (cls.__name__, n), msg, 0)
                msg = "set-up failed: %s" % e
            try:
                suite.teardown()  # stops what the set-up got to start
            except Exception:  # noqa: BLE001
                pass
            self._stop_all(suite, cls)
            return
        print("--    %s: set up in %.1fs" % (cls.__name__, time.time() - t0),
              flush=True)
        for n in names:
            t = time.time()
            err = None
            try:
                getattr(suite, n)()
            except Failure as e:
                err = str(e)
            except Exception as e:  # noqa: BLE001
                err = "%s: %s\n%s" % (type(e).__name__, e,
                                      traceback.format_exc())
            self.record("%s.%s" % (cls.__name__, n), err, time.time() - t)
        try:
            suite.teardown()
        except Exception as e:  # noqa: BLE001
            self.record("%s.teardown" % cls.__name__, "%s" % e, 0)
        self._stop_all(suite, cls)

    def _stop_all(self, suite, cls):
        for i, s in enumerate(suite.servers):
            if s.proc is not None:
                s.stop()
            if s.starts == 0:
                continue
            name = "%s.server%d_stops_cleanly" % (cls.__name__, i)
            err = None
            if s.exit_problems:
                err = Failure("the server stops cleanly on SIGTERM",
                              "exit 0, no sanitizer report",
                              "; ".join(s.exit_problems) + "\n" +
                              s.stderr()[-4000:])
            self.record(name, err, 0)


# --- 1. transport: headers, malformed requests, limits ---------------------------

class HttpBasics(Suite):
    def setup(self):
        self.srv = self.server().start(fresh=True)
        email, pw = self.srv.users["admin"]
        self.admin = Client(self.srv)
        self.admin.login_ok(email, pw)

    def _responses(self):
        anon = Client(self.srv)
        big = {"email": "a@b.c", "password": "x" * 20000, "csrf": "x"}
        return [
            ("200 page GET /login", 200, anon.get("/login")),
            ("redirect GET /account (anonymous)", 303, anon.get("/account")),
            ("404 GET /no/such/page", 404, anon.get("/no/such/page")),
            ("405 DELETE /login", 405, anon.request("DELETE", "/login")),
            ("413 POST /login (20 kB)", 413, anon.post("/login", big)),
            ("400 GET /login%zz", 400, anon.get("/login%zz")),
            ("static GET /static/infuus.css", 200,
             anon.get("/static/infuus.css")),
            ("JSON 200 GET /api/me", 200, self.admin.get("/api/me")),
            ("JSON 401 GET /api/me (anonymous)", 401, anon.get("/api/me")),
            ("403 POST /login without csrf", 403,
             anon.post("/login", {"email": "a@b.c", "password": "x"})),
            ("401 page POST /login unknown address", 401,
             anon.login("nobody@nowhere.test", "wrong-password-1")),
            ("410 GET /invite/<unknown>", 410, anon.get("/invite/" + "x" * 43)),
        ]

    def test_security_headers_on_every_kind_of_response(self):
        problems = []
        for what, want, r in self._responses():
            if r.status != want:
                problems.append("%s: status %s, expected %s" % (what, r.status,
                                                                want))
            for p in security_header_problems(r):
                problems.append("%s: %s" % (what, p))
        check(not problems, "security headers (and no HSTS on plain HTTP)",
              "CSP without 'unsafe-inline' in script-src and with "
              "frame-ancestors 'none', nosniff, Referrer-Policy, no HSTS",
              "\n        ".join(problems))

    def test_malformed_request_line_is_400(self):
        # A line without an HTTP version is not an HTTP request at all
        # (libmicrohttpd closes such a connection without an answer):
        # what matters for it is only that the server stays up.
        r = raw(self.srv.port, b"GARBAGE\r\n\r\n")
        check(r.status in (0, None, 400), "not HTTP", "400 or closed",
              str(r.status))
        bad = [
            b"GET  HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /login HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
        ]
        got = []
        for b in bad:
            r = raw(self.srv.port, b)
            if r.status != 400:
                got.append("%r -> %s" % (b, r.status or
                                          "no answer (connection closed)"))
        check(not got, "malformed requests", "400 for each", "; ".join(got))
        check(self.srv.alive(), "server alive", "running", "exited")

    def test_http11_request_without_host_is_400(self):
        # RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1
        # request without a Host header.
        r = raw(self.srv.port, b"GET /login HTTP/1.1\r\n\r\n")
        eq(r.status, 400, "GET /login HTTP/1.1 without Host")

    def test_bad_percent_encoding_and_nul_are_400(self):
        anon = Client(self.srv)
        got = []
        for p in ("/login%zz", "/login%4", "/login%", "/%00", "/login%00",
                  "/static/%00infuus.css", "/login?x=%zz"):
            r = anon.get(p)
            if r.status != 400:
                got.append("%s -> %s" % (p, r.status))
        check(not got, "bad percent-encoding or %00 in the path",
              "400 for each", "; ".join(got))

    def test_unknown_path_is_404_page_with_link_home(self):
        anon = Client(self.srv)
        r = anon.get("/no/such/page")
        eq(r.status, 404, "GET /no/such/page status")
        check((r.header("content-type") or "").startswith("text/html"),
              "404 content type", "text/html", r.header("content-type"))
        check('href="/"' in r.text, "404 page links home", 'href="/"', r.text)
        r = anon.get("/static/no-such-file.css")
        eq(r.status, 404, "GET /static/no-such-file.css status")

    def test_static_cannot_escape_its_folder(self):
        anon = Client(self.srv)
        for p in ("/static/../meson.build", "/static/%2e%2e/meson.build",
                  "/static/..%2fmeson.build", "/static/%2e%2e%2fmeson.build",
                  "/static/../../../../etc/passwd"):
            r = anon.get(p)
            check(r.status in (400, 403, 404), "GET %s" % p, "400/403/404",
                  r)
            check("project(" not in r.text and "root:" not in r.text,
                  "GET %s leaks a file" % p, "no file content", r.text)

    def test_static_file_is_served(self):
        anon = Client(self.srv)
        r = anon.get("/static/infuus.css")
        eq(r.status, 200, "GET /static/infuus.css status")
        with open(os.path.join(TOP, "static", "infuus.css"), "rb") as f:
            want = f.read()
        check(r.body == want, "static body", "the file's bytes (%d)" % len(want),
              "%d bytes" % len(r.body))
        check("text/css" in (r.header("content-type") or ""),
              "static content type", "text/css", r.header("content-type"))

    def test_wrong_method_is_405_with_allow(self):
        anon = Client(self.srv)
        for method, path, must in (("DELETE", "/login", ("GET", "POST")),
                                   ("PUT", "/api/me", ("GET",)),
                                   ("POST", "/api/me", ("GET",)),
                                   ("PATCH", "/reset", ("GET", "POST"))):
            r = anon.request(method, path, body=b"" if method != "DELETE"
                             else None)
            eq(r.status, 405, "%s %s status" % (method, path))
            allow = [a.strip() for a in (r.header("allow") or "").split(",")]
            check(all(m in allow for m in must) and method not in allow,
                  "%s %s Allow header" % (method, path),
                  "Allow listing %s and not %s" % ("+".join(must), method),
                  r.header("allow"))

    def test_announced_body_over_limit_is_413(self):
        # The server must answer from the Content-Length alone: we never send
        # the megabyte.
        req = (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
               b"application/x-www-form-urlencoded\r\nContent-Length: 1000000"
               b"\r\n\r\n")
        r = raw(self.srv.port, req, timeout=5)
        eq(r.status, 413, "POST /login with Content-Length 1000000")
        check(not security_header_problems(RawAsResp(r)),
              "413 security headers", "present",
              security_header_problems(RawAsResp(r)))

    def test_chunked_body_over_limit_is_413(self):
        head = (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                b"application/x-www-form-urlencoded\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"1000\r\n" + b"a" * 4096 + b"\r\n"
        data = raw_exchange(self.srv.port, [head] + [chunk] * 16 + [b"0\r\n\r\n"],
                            timeout=5, pause=0.01)
        eq(RawResp(data).status, 413, "chunked POST /login of 64 KiB")

    def test_body_on_route_without_body_is_413(self):
        anon = Client(self.srv)
        r = anon.request("GET", "/login", body=b"x" * 100,
                         headers={"Content-Type": "text/plain"})
        eq(r.status, 413, "GET /login with a 100-byte body (body_limit 0)")

    def test_huge_header_is_refused_without_crash(self):
        big = b"GET /login HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + \
            b"\r\n\r\n"
        r = raw(self.srv.port, big)
        check(r.status in (400, 413, 431), "a 64 KiB header", "431 or 400", r)
        many = b"GET /login HTTP/1.1\r\nHost: x\r\n" + b"".join(
            b"X-H%d: v\r\n" % i for i in range(3000)) + b"\r\n"
        r = raw(self.srv.port, many)
        check(r.status in (400, 413, 431), "3000 headers", "431 or 400", r)
        longurl = b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        r = raw(self.srv.port, longurl)
        check(r.status in (400, 404, 414, 431), "a 20 kB path",
              "414, 431, 400 or 404", r)
        check(self.srv.alive(), "server alive", "running", "exited")
        eq(Client(self.srv).get("/login").status, 200,
           "GET /login after the big headers")

    def test_idle_half_requests_do_not_block_others(self):
        socks = []
        try:
            for i in range(40):
                s = socket.create_connection(("127.0.0.1", self.srv.port))
                s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                socks.append(s)
            for i in range(10):
                s = socket.create_connection(("127.0.0.1", self.srv.port))
                socks.append(s)  # connected, nothing sent
            worst = 0
            for i in range(5):
                t = time.time()
                r = Client(self.srv).get("/login")
                worst = max(worst, time.time() - t)
                eq(r.status, 200, "GET /login while 50 connections idle")
            check(worst < 2.0, "latency with 50 idle half-requests",
                  "< 2 s", "%.2f s" % worst)
        finally:
            for s in socks:
                s.close()

    def test_garbage_session_cookie_is_anonymous(self):
        for val in ("garbage", "a" * 43, "A" * 500, "%00%ff", "\"quoted\"",
                    secrets.token_urlsafe(32)):
            c = Client(self.srv)
            c.jar["infuus_session"] = val
            r = c.get("/api/me")
            eq(r.status, 401, "GET /api/me with cookie %r" % val[:20])
            check("error" in r.json(), "JSON error body", '{"error":...}', r)
            c.jar["infuus_session"] = val
            r = c.get("/account")
            check(is_login_redirect(r), "GET /account with cookie %r" %
                  val[:20], "303 to /login", r)
            c.jar["infuus_session"] = val
            r = c.get("/login")
            eq(r.status, 200, "GET /login with cookie %r" % val[:20])

    def test_json_route_errors_are_json(self):
        r = Client(self.srv).get("/api/me")
        eq(r.status, 401, "GET /api/me anonymous")
        check("json" in (r.header("content-type") or ""), "content type",
              "application/json", r.header("content-type"))
        check(isinstance(r.json().get("error"), str), "error field",
              "a string", r.text)

    def test_session_cookie_flags_on_plain_http(self):
        c = Client(self.srv)
        r = c.get("/login")
        p = []
        if "infuus_pre" in r.cookies:
            p += cookie_attr_problems("infuus_pre", r.cookies["infuus_pre"],
                                      False)
        else:
            p.append("GET /login set no infuus_pre cookie")
        r = c.login_ok(*self.srv.users["client"])
        p += cookie_attr_problems("infuus_session", r.cookies["infuus_session"],
                                  False)
        check(not p, "cookie attributes on plain HTTP",
              "HttpOnly, SameSite, no Secure", "; ".join(p))

    def test_reflected_input_is_escaped(self):
        anon = Client(self.srv)
        evil = '"><script>alert(1)</script>'
        r = anon.login(evil, "wrong-password-1")
        check(r.status in (400, 401), "log-in with markup as address",
              "400 or 401", r)
        check("<script>alert" not in r.text, "the echoed address",
              "escaped", r.text)
        r = anon.get("/no/%3Cscript%3Ealert(1)%3C/script%3E")
        eq(r.status, 404, "404 with markup in the path")
        check("<script>alert" not in r.text, "the 404 page",
              "no raw markup from the path", r.text)
        r = anon.get("/login?expired=%3Cscript%3Ealert(1)%3C/script%3E")
        check("<script>alert" not in r.text, "the log-in page with markup "
              "in the query", "no raw markup", r.text)

    def test_server_still_answers(self):
        check(self.srv.alive(), "server alive after the abuse", "running",
              "exited with %s" % (self.srv.proc and self.srv.proc.poll()))
        eq(Client(self.srv).get("/login").status, 200, "GET /login")
        eq(self.admin.get("/api/me").status, 200, "admin's /api/me")


class RawAsResp:
    """A RawResp seen through the Resp interface security_header_problems
    uses."""

    def __init__(self, r):
        self.r = r

    def header(self, name):
        return self.r.header(name)


# --- 2. behind a TLS proxy ------------------------------------------------------------

class TlsProxy(Suite):
    def setup(self):
        self.srv = self.server(sets={"tls_proxy": "true"}).start(fresh=True)

    def test_hsts_and_other_headers_with_tls_proxy(self):
        c = Client(self.srv)
        problems = []
        for path, want in (("/login", 200), ("/nope", 404),
                           ("/static/infuus.css", 200), ("/api/me", 401)):
            r = c.get(path)
            if r.status != want:
                problems.append("%s: status %s" % (path, r.status))
            problems += ["%s: %s" % (path, p)
                         for p in security_header_problems(r, hsts=True)]
        check(not problems, "headers with tls_proxy=true",
              "HSTS plus the usual ones", "\n        ".join(problems))

    def test_cookies_are_secure_with_tls_proxy(self):
        c = Client(self.srv)
        r = c.get("/login")
        p = []
        if "infuus_pre" in r.cookies:
            p += cookie_attr_problems("infuus_pre", r.cookies["infuus_pre"],
                                      True)
        else:
            p.append("no infuus_pre cookie")
        r = c.login_ok(*self.srv.users["admin"])
        p += cookie_attr_problems("infuus_session",
                                  r.cookies["infuus_session"], True)
        check(not p, "cookie attributes with tls_proxy=true",
              "HttpOnly, SameSite, Secure", "; ".join(p))


# --- 3. identity: log-in, sessions, reset, invitations, 2FA, authorisation -------------

class Identity(Suite):
    def setup(self):
        self.srv = self.server_with_mail()
        u = self.srv.users
        self.admin_email, self.admin_pw = u["admin"]
        self.coach_email, self.coach_pw = u["professional"]
        self.client_email, self.client_pw = u["client"]
        # Made with the CLI while the server runs (another node, as it were).
        self.locked = ("locked@demo.infuus.test", "locked-account-pass-1")
        self.srv.cli_ok("user", "create", "--email", self.locked[0], "--name",
                        "Lotte Locked", "--org", "demo", "--role", "client",
                        password=self.locked[1])
        # A stakeholder (issue 13), a caller of the role walk.
        self.stakeholder = ("stake@demo.infuus.test", "stake-holder-pass-1")
        self.srv.cli_ok("user", "create", "--email", self.stakeholder[0],
                        "--name", "Stan Stake", "--org", "demo", "--role",
                        "stakeholder", password=self.stakeholder[1])
        self.resetter = ("reset@demo.infuus.test", "reset-account-pass-1")
        self.srv.cli_ok("user", "create", "--email", self.resetter[0],
                        "--name", "Rita Reset", "--org", "demo", "--role",
                        "client", password=self.resetter[1])
        self.srv.cli_ok("org", "create", "--name", "Other Practice", "--slug",
                        "other")
        self.srv.cli_ok("user", "create", "--email", ORG2_ADMIN[0], "--name",
                        "Otto Other", "--org", "other", "--role", "admin",
                        password=ORG2_ADMIN[1])
        c = Client(self.srv)
        c.login_ok(self.client_email, self.client_pw)
        me = c.me()
        self.client_uid = me["id"]
        self.org1 = me["org"]
        self.routes, self.routes_out = routes()
        self.secrets = [p for _, p in self.srv.users.values()] + [
            self.locked[1], self.resetter[1], ORG2_ADMIN[1],
            self.stakeholder[1]]
        self._make_objects()
        self.secrets += [SIBLING_COACH[1], SIBLING_CLIENT[1], ORG2_COACH[1],
                         ORG2_CLIENT[1]]

    def _make_objects(self):
        """The objects the object walk aims at: a trajectory (with a
        thread, a message and an attachment) of another coach and client
        of this organisation, and one of the other organisation."""
        for (e, p), org, role, name in (
                (SIBLING_COACH, "demo", "professional", "Sam Sibling"),
                (SIBLING_CLIENT, "demo", "client", "Sanne Sibling"),
                (ORG2_COACH, "other", "professional", "Olga Other"),
                (ORG2_CLIENT, "other", "client", "Oscar Other")):
            self.srv.cli_ok("user", "create", "--email", e, "--name", name,
                            "--org", org, "--role", role, password=p)
        self.owners = {}
        for key, coach, client in (("sibling", SIBLING_COACH, SIBLING_CLIENT),
                                   ("other_org", ORG2_COACH, ORG2_CLIENT)):
            cl = Client(self.srv)
            cl.login_ok(*client)
            co = Client(self.srv)
            co.login_ok(*coach)
            self.owners[key] = co
            ids = make_trajectory(co, cl.me()["id"], "Traject " + key,
                                  client=cl)
            ids.update(make_measures(co, cl, ids["tid"]))
            ids.update(make_media(co))
            ids.update(make_module(co, ids["tid"]))
            ids.update(make_library(co))
            setattr(self, key, ids)
        boss = Client(self.srv)
        boss.login_ok(*ORG2_ADMIN)
        # Members of the other organisation, for /org/members/:uid/...
        self.other_org["uid"] = boss.me()["id"]
        self.sibling["uid"] = self.client_uid
        self.refusals = []

    def teardown(self):
        if getattr(self, "smtp", None):
            self.smtp.stop()

    def test_routes_command_exits_cleanly(self):
        out = self.routes_out
        check(out.returncode == 0 and not any(
            m in out.stderr for m in ("Sanitizer", "runtime error")),
              "infuus routes", "exit 0 without sanitizer report",
              "exit %d: %s" % (out.returncode, out.stderr[-1500:]))
        check(len(self.routes) >= 20 and all(
            {"method", "path", "roles", "anonymous", "csrf", "json",
             "two_factor", "partial", "body_limit", "object",
             "action"} <= set(r)
            for r in self.routes), "route table rows",
              "every key on each row", self.routes[:2])
        # Each route names the object of its path and what it does to it:
        # a path with an id has an object (one the walk knows), a path
        # without has none.
        bad = []
        for rt in self.routes:
            ids = [seg for seg in rt["path"].split("/")
                   if seg.startswith(":") and not seg.endswith("token")]
            if ids:
                if rt["object"] not in OBJECT_PARAM or ids != [
                        ":" + OBJECT_PARAM[rt["object"]]] or rt[
                        "action"] not in ("read", "create", "update",
                                          "delete", "export", "admin"):
                    bad.append(rt)
            elif (rt["object"], rt["action"]) != ("none", "none"):
                bad.append(rt)
        check(not bad, "each route's object and action",
              "an object and an action for each id in a path, none else",
              bad)
        check(any(rt["object"] == "attachment" and rt["action"] == "read"
                  for rt in self.routes), "GET /attachments/:aid",
              "object attachment, action read", self.routes)

    # log-in

    def test_login_form_sets_pre_csrf_cookie(self):
        c = Client(self.srv)
        r = c.get("/login")
        eq(r.status, 200, "GET /login")
        check("infuus_pre" in r.cookies, "GET /login cookie", "infuus_pre",
              r.headers)
        eq(csrf_in(r.text), r.cookies["infuus_pre"][0],
           "the form's csrf field equals the infuus_pre cookie")

    def test_login_without_or_with_wrong_csrf_is_403(self):
        c = Client(self.srv)
        c.get("/login")
        form = {"email": self.coach_email, "password": self.coach_pw}
        r = c.post("/login", form)
        eq(r.status, 403, "POST /login without csrf")
        r = c.post("/login", dict(form, csrf=secrets.token_urlsafe(32)))
        eq(r.status, 403, "POST /login with a wrong csrf")
        other = Client(self.srv)
        tok = csrf_in(other.get("/login").text)
        r = c.post("/login", dict(form, csrf=tok))
        eq(r.status, 403, "POST /login with another browser's csrf")
        bare = Client(self.srv)
        r = bare.post("/login", dict(form, csrf=tok))
        eq(r.status, 403, "POST /login with a csrf field but no cookie")
        check("infuus_session" not in c.jar and "infuus_session" not in
              bare.jar, "no session after refused posts", "no cookie",
              c.jar)

    def test_wrong_password_and_unknown_email_read_the_same(self):
        a = Client(self.srv)
        ra = a.login(self.coach_email, "wrong-password-123")
        b = Client(self.srv)
        rb = b.login("nobody-here@demo.infuus.test", "wrong-password-123")
        eq(ra.status, 401, "wrong password status")
        eq(rb.status, 401, "unknown e-mail status")

        def norm(r, email):
            t = r.text.replace(email, "EMAIL")
            return re.sub(r'name="csrf" value="[^"]*"', "CSRF", t)
        check(norm(ra, self.coach_email) ==
              norm(rb, "nobody-here@demo.infuus.test"),
              "the 401 pages for a wrong password and an unknown address",
              "identical (but for the echoed address)",
              "they differ:\n%s\n-----\n%s" % (ra.text, rb.text))
        check("infuus_session" not in ra.cookies, "no session cookie on 401",
              "none", ra.cookies)

    def test_login_success_sets_session_cookie(self):
        c = Client(self.srv)
        r = c.login(self.client_email, self.client_pw)
        eq(r.status, 303, "POST /login with the right password")
        check("infuus_session" in r.cookies, "session cookie", "set",
              r.headers)
        p = cookie_attr_problems("infuus_session", r.cookies["infuus_session"],
                                 False)
        check(not p, "session cookie attributes", "HttpOnly, SameSite", p)
        me = c.me()
        check(me is not None, "GET /api/me with the cookie", "200", me)
        eq(me["role"], "client", "/api/me role")
        eq(me["id"], self.client_uid, "/api/me id")
        check(isinstance(me["csrf"], str) and len(me["csrf"]) >= 32,
              "/api/me csrf", "a token", me)
        eq(me["two_factor"], False, "/api/me two_factor")

    def test_new_session_at_every_login(self):
        c = Client(self.srv)
        planted = secrets.token_urlsafe(32)
        c.jar["infuus_session"] = planted
        r = c.login_ok(self.client_email, self.client_pw)
        first = r.cookies["infuus_session"][0]
        check(first != planted, "session fixation: cookie after log-in",
              "a new value", first)
        fix = Client(self.srv)
        fix.jar["infuus_session"] = planted
        eq(fix.get("/api/me").status, 401, "the planted value authenticates")
        # Logging in again while logged in: a new id, the old one ends.
        r = c.login_ok(self.client_email, self.client_pw)
        second = r.cookies["infuus_session"][0]
        check(second != first, "second log-in cookie", "a new value", second)
        old = Client(self.srv)
        old.jar["infuus_session"] = first
        eq(old.get("/api/me").status, 401, "/api/me with the replaced cookie")
        eq(c.get("/api/me").status, 200, "/api/me with the new cookie")

    def test_logout_kills_session_server_side(self):
        c = Client(self.srv)
        c.login_ok(self.client_email, self.client_pw)
        tok = c.session
        r = c.logout()
        eq(r.status, 303, "POST /logout")
        check("infuus_session" not in c.jar, "cookie cleared by logout",
              "deleted", r.cookies)
        replay = Client(self.srv)
        replay.jar["infuus_session"] = tok
        eq(replay.get("/api/me").status, 401, "/api/me with the old cookie")
        replay.jar["infuus_session"] = tok
        check(is_login_redirect(replay.get("/account")),
              "GET /account with the old cookie", "303 to /login", "")

    def test_logout_everywhere_ends_the_users_other_sessions(self):
        a, b, other = Client(self.srv), Client(self.srv), Client(self.srv)
        a.login_ok(self.coach_email, self.coach_pw)
        b.login_ok(self.coach_email, self.coach_pw)
        other.login_ok(self.client_email, self.client_pw)
        r = a.post("/logout/everywhere", {"csrf": a.csrf()})
        eq(r.status, 303, "POST /logout/everywhere")
        eq(b.get("/api/me").status, 401, "the user's other session")
        eq(a.get("/api/me").status, 401, "the session that asked")
        eq(other.get("/api/me").status, 200, "another user's session")

    # authorisation

    def test_routes_refuse_anonymous_callers(self):
        bad = []
        # Ids of objects that exist, so only the missing session refuses.
        ids = dict(self.sibling, token="x")
        for rt in self.routes:
            if rt["anonymous"]:
                continue
            path = fill(rt["path"], ids)
            c = Client(self.srv)
            if rt["method"] == "GET":
                r = c.get(path)
            else:
                c.get("/login")
                r = c.post(path, {"csrf": c.jar.get("infuus_pre", ""),
                                  "role": "admin", "email": "x@y.test",
                                  "require_2fa": "1", "org": self.org1})
            ok = (r.status == 401 if rt["json"] else is_login_redirect(r))
            if not ok:
                bad.append("%s %s -> %s %s" % (rt["method"], path, r.status,
                                               r.header("location") or ""))
        check(not bad, "anonymous calls to non-anonymous routes",
              "303 to /login for pages, 401 for JSON", "\n        ".join(bad))

    def test_routes_refuse_roles_not_listed(self):
        users = {"admin": (self.admin_email, self.admin_pw),
                 "professional": (self.coach_email, self.coach_pw),
                 "client": (self.client_email, self.client_pw),
                 "stakeholder": self.stakeholder}
        clients = {}
        for role, (e, p) in users.items():
            clients[role] = Client(self.srv)
            clients[role].login_ok(e, p)
        bad, tried = [], 0
        for rt in self.routes:
            if rt["anonymous"]:
                continue
            for role, c in clients.items():
                if role in rt["roles"]:
                    continue
                tried += 1
                path = fill(rt["path"], dict(self.sibling,
                                             uid=c.me()["id"]))
                if rt["method"] == "GET":
                    r = c.get(path)
                else:
                    r = c.post(path, {"csrf": c.csrf(), "role": "admin",
                                      "email": "sneaky@x.test",
                                      "require_2fa": "1"})
                if r.status != 403:
                    bad.append("%s %s as %s -> %s" % (rt["method"], path,
                                                       role, r.status))
        check(tried > 0, "routes with restricted roles", "some", tried)
        check(not bad, "calls by roles not in the route's roles", "403",
              "\n        ".join(bad))
        # Nothing changed: roles as before, no organisation-wide 2FA.
        for role, c in clients.items():
            me = c.me()
            eq(me and me["role"], role, "%s's role after the walk" % role)
            r = c.get("/account")
            eq(r.status, 200, "%s GET /account after the walk" % role)

    def test_admin_of_another_org_cannot_touch_this_one(self):
        boss = Client(self.srv)
        boss.login_ok(*ORG2_ADMIN)
        me = boss.me()
        check(me["org"] != self.org1 and me["role"] == "admin",
              "org2 admin's session", "admin of another org", me)
        r = boss.get("/org/members")
        eq(r.status, 200, "org2 admin GET /org/members")
        check(self.client_email not in r.text and "Kees Klant" not in r.text,
              "org2's member list", "no member of org1", r.text)
        bad = []
        for rt in self.routes:
            if rt["anonymous"] or ":" not in rt["path"]:
                continue
            # This organisation's objects, which exist: 403 where an admin
            # may not use the route, 404 where the object decides.
            path = fill(rt["path"], self.sibling)
            if rt["method"] == "GET":
                r = boss.get(path)
            else:
                r = boss.post(path, dict(SNEAKY_FORM, csrf=boss.csrf()))
            want = (404,) if "admin" in rt["roles"] else (403,)
            if r.status not in want:
                bad.append("%s %s -> %s" % (rt["method"], path, r.status))
        r = boss.post("/org/switch", {"csrf": boss.csrf(), "org": self.org1})
        if r.status not in (403, 404):
            bad.append("POST /org/switch org=%s -> %s" % (self.org1, r.status))
        check(not bad, "org2 admin on org1's objects", "403 or 404",
              "\n        ".join(bad))
        eq(boss.me()["org"], me["org"], "org2 admin's organisation after")
        admin = Client(self.srv)
        admin.login_ok(self.admin_email, self.admin_pw)
        r = admin.get("/org/members")
        check(self.client_email in r.text, "org1 still has its client",
              self.client_email, r.text)
        c = Client(self.srv)
        c.login_ok(self.client_email, self.client_pw)
        me = c.me()
        eq((me["role"], me["org"]), ("client", self.org1),
           "client's role and organisation after")

    def test_object_routes_refuse_ids_of_another_org_and_trajectory(self):
        """Every route with an object, called by each role it lets in
        with ids of another organisation's trajectory and of another
        trajectory of this organisation: 404 (the id tells nothing),
        nothing changes, and the ids are real (their owners reach them)."""
        callers = {"admin": (self.admin_email, self.admin_pw),
                   "professional": (self.coach_email, self.coach_pw),
                   "client": (self.client_email, self.client_pw)}
        bad, tried = [], 0
        for role, (e, p) in callers.items():
            c = Client(self.srv)
            c.login_ok(e, p)
            uid = c.me()["id"]
            tok = c.csrf()
            for rt in self.routes:
                if rt["object"] == "none" or role not in rt["roles"]:
                    continue
                for where, ids in (("other_org", self.other_org),
                                   ("sibling", self.sibling)):
                    # An admin reads any trajectory's metadata in their
                    # own organisation and changes only its members.
                    if role == "admin" and where == "sibling":
                        continue
                    if rt["object"] == "member" and where == "sibling":
                        continue
                    # The library is the whole organisation's.
                    if rt["object"] in ("instrument", "media",
                                        "module-library", "library") and \
                            where == "sibling":
                        continue
                    path = fill(rt["path"], ids)
                    tried += 1
                    if rt["method"] == "GET":
                        r = c.get(path)
                    else:
                        r = c.post(path, dict(SNEAKY_FORM, csrf=tok))
                    if r.status != 404:
                        bad.append("%s %s as %s (%s) -> %s" % (
                            rt["method"], path, role, where, r.status))
                    self.refusals.append((uid, rt["object"],
                                          ids[OBJECT_PARAM[rt["object"]]],
                                          "%s %s as %s" % (rt["method"],
                                                           path, role)))
        check(tried >= 40, "object routes tried with foreign ids",
              "at least 40", tried)
        check(not bad, "object routes with ids of another organisation or "
              "trajectory", "404", "\n        ".join(bad))
        # The ids are real: their owners reach them, untouched.
        for key in ("sibling", "other_org"):
            co, ids = self.owners[key], getattr(self, key)
            for path in ("/t/%d" % ids["tid"], "/threads/%d" % ids["thid"],
                         "/attachments/%d" % ids["aid"]):
                eq(co.get(path).status, 200, "the owner's GET " + path)
            th = co.get("/api/threads/%d" % ids["thid"]).json()
            eq([m["body"] for m in th["messages"]],
               ["Welkom in het traject.", "Zie de bijlage."],
               "the %s thread's messages after the walk" % key)
            eq(th["closed"], False, "the %s trajectory after the walk" % key)

    def test_csrf_routes_refuse_missing_or_wrong_token(self):
        boss = Client(self.srv)
        boss.login_ok(*ORG2_ADMIN)
        boss_uid = boss.me()["id"]
        other = Client(self.srv)
        other.login_ok(self.coach_email, self.coach_pw)
        foreign = other.csrf()
        bad = []
        for rt in self.routes:
            if rt["method"] != "POST" or not rt["csrf"]:
                continue
            # (a file, a module and a library item of the boss's own
            # organisation: ids of others' are refused before the token is
            # read)
            path = fill(rt["path"], {"uid": boss_uid, "token": "x" * 43,
                                     "mdid": self.other_org["mdid"],
                                     "modid": self.other_org["modid"],
                                     "lid": self.other_org["lid"]})
            form = {"role": "admin", "email": "x@y.test", "name": "X",
                    "lang": "en", "require_2fa": "1"}
            if rt["anonymous"]:
                c = Client(self.srv)
                c.get("/login")
            else:
                c = boss
            for label, extra, hdr in (
                    ("missing", {}, None),
                    ("wrong", {"csrf": secrets.token_urlsafe(32)}, None),
                    ("wrong header", {}, {"X-CSRF-Token":
                                          secrets.token_urlsafe(32)}),
                    ("another session's", {"csrf": foreign}, None)):
                if rt["anonymous"] and label == "another session's":
                    continue
                r = c.request("POST", path, form=dict(form, **extra),
                              headers=hdr)
                if r.status != 403:
                    bad.append("%s %s with %s token -> %s" % (
                        rt["method"], path, label, r.status))
                if not rt["anonymous"] and boss.me() is None:
                    bad.append("%s %s with %s token ended the session" % (
                        rt["method"], path, label))
                    boss.login_ok(*ORG2_ADMIN)
        check(not bad, "POST routes with csrf=true", "403 without a valid "
              "token", "\n        ".join(bad))

    def test_csrf_token_in_header_is_accepted(self):
        # The positive control of the walk above: the X-CSRF-Token header
        # is a real way to send the token (scripts and fetch() use it).
        c = Client(self.srv)
        c.login_ok(self.client_email, self.client_pw)
        tok = c.csrf()
        r = c.request("POST", "/account", form={"name": "Kees Klant",
                                                "lang": "nl"},
                      headers={"X-CSRF-Token": tok})
        eq(r.status, 303, "POST /account with the token in X-CSRF-Token")

    # throttling

    def test_repeated_wrong_passwords_are_throttled(self):
        email, pw = self.locked
        log = []
        got429 = None
        t0 = time.time()
        for i in range(20):
            c = Client(self.srv)
            t = time.time()
            r = c.login(email, "not-the-password-%d" % i)
            log.append((r.status, round(time.time() - t, 2),
                        r.header("retry-after")))
            check(r.status in (401, 429), "wrong password #%d" % (i + 1),
                  "401 or 429", r)
            # Waits of up to 2 s the server serves by holding the answer;
            # a longer one is refused at once.  Go on until the wait is
            # long enough that the right password, tried next, is refused
            # too (not merely held back).
            if r.status == 429 and r.header("retry-after"):
                got429 = r
                if int(r.header("retry-after")) >= 4:
                    break
            if time.time() - t0 > 20:
                break
        check(got429 is not None, "20 wrong passwords in a row",
              "a 429 with Retry-After", log)
        check(int(got429.header("retry-after")) >= 1, "Retry-After",
              ">= 1 second", got429.header("retry-after"))
        first = [s for st, s, _ in log[:3]]
        slow = [s for st, s, _ in log if st == 401][4:]
        check(slow and max(slow) > max(first) + 0.2,
              "failures after the free ones", "answered more slowly", log)
        # The right password is refused as well while throttled.
        c = Client(self.srv)
        r = c.login(email, pw)
        eq(r.status, 429, "the right password while throttled")
        check("infuus_session" not in r.cookies, "no session while throttled",
              "none", r.cookies)
        # Other accounts are not affected.
        Client(self.srv).login_ok(self.coach_email, self.coach_pw)

    # password reset by mail

    def test_password_reset_by_mail(self):
        email, old_pw = self.resetter
        self.smtp.clear()
        before = Client(self.srv)
        before.login_ok(email, old_pw)
        pages, secs = [], []
        for addr in (email, "nobody-at-all@demo.infuus.test"):
            c = Client(self.srv)
            tok = csrf_in(c.get("/reset").text)
            t = time.time()
            r = c.post("/reset", {"email": addr, "csrf": tok})
            secs.append(time.time() - t)
            pages.append(r)
        note("POST /reset took %.0f ms for the account, %.0f ms for an "
             "unknown address" % (secs[0] * 1000, secs[1] * 1000))
        eq(pages[0].status, pages[1].status, "reset answers' status")
        eq(pages[0].status, 200, "POST /reset status")

        def norm(t):
            return re.sub(r'name="csrf" value="[^"]*"', "CSRF", t)
        check(norm(pages[0].text) == norm(pages[1].text),
              "reset pages for an existing and an unknown address",
              "identical", "differ:\n%s\n-----\n%s" % (pages[0].text,
                                                        pages[1].text))
        msgs = self.smtp.wait(1, 10)
        time.sleep(1.0)  # a second mail (for the unknown address) would be late
        msgs = self.smtp.messages()
        eq(len(msgs), 1, "mails after two reset requests")
        check(email in mail_rcpt(msgs[0]), "the mail's recipient", email,
              mail_rcpt(msgs[0]))
        body = mail_text(msgs[0])
        m = re.search(r"http://127\.0\.0\.1:%d/reset/([A-Za-z0-9_\-]+)" %
                      self.srv.port, body)
        check(m is not None, "the reset link in the mail",
              self.srv.url("/reset/<token>"), body)
        token = m.group(1)
        self.secrets.append(token)
        secrets_in = [s for s in re.findall(r"[A-Za-z0-9_\-]{20,}", body)
                      if s != token]
        check(not secrets_in and old_pw not in body and
              before.session not in body,
              "the mail holds no secret but the link", "only the link token",
              secrets_in)
        # The link sets a new password, once.
        c = Client(self.srv)
        r = c.get("/reset/" + token)
        eq(r.status, 200, "GET the reset link")
        new_pw = "a-brand-new-password-7"
        self.secrets.append(new_pw)
        r = c.post("/reset/" + token, {"password": new_pw, "password2": new_pw,
                                       "csrf": csrf_in(r.text)})
        eq(r.status, 303, "POST the new password")
        eq(Client(self.srv).login(email, old_pw).status, 401,
           "log-in with the old password")
        Client(self.srv).login_ok(email, new_pw)
        eq(before.get("/api/me").status, 401,
           "a session from before the reset")
        c = Client(self.srv)
        r = c.get("/reset/" + token)
        tok = csrf_in(r.text) or c.csrf()
        r = c.post("/reset/" + token, {"password": "yet-another-password-8",
                                       "password2": "yet-another-password-8",
                                       "csrf": tok})
        eq(r.status, 410, "the reset link a second time")
        eq(Client(self.srv).login(email, "yet-another-password-8").status, 401,
           "log-in with the password of the second use")
        self.resetter = (email, new_pw)

    # invitations

    def test_invitation_by_mail(self):
        self.smtp.clear()
        admin = Client(self.srv)
        admin.login_ok(self.admin_email, self.admin_pw)
        invitee = "newbie@example.test"
        r = admin.post("/org/invites", {"email": invitee, "role":
                                        "professional", "csrf": admin.csrf()})
        eq(r.status, 200, "POST /org/invites")
        msgs = self.smtp.wait(1, 10)
        eq(len(msgs), 1, "invitation mails")
        check(invitee in mail_rcpt(msgs[0]), "invitation recipient", invitee,
              mail_rcpt(msgs[0]))
        body = mail_text(msgs[0])
        m = re.search(r"http://127\.0\.0\.1:%d/invite/([A-Za-z0-9_\-]+)" %
                      self.srv.port, body)
        check(m is not None, "the link in the invitation", "/invite/<token>",
              body)
        link = "/invite/" + m.group(1)
        self.secrets.append(m.group(1))
        c = Client(self.srv)
        r = c.get(link)
        eq(r.status, 200, "GET the invitation link")
        pw = "newbie-password-123"
        self.secrets.append(pw)
        r = c.post(link, {"name": "Nina Newbie", "password": pw,
                          "password2": pw, "csrf": csrf_in(r.text)})
        eq(r.status, 303, "accepting the invitation")
        me = c.me()
        check(me is not None, "logged in after accepting", "/api/me 200", me)
        eq((me["role"], me["org"], me["name"]),
           ("professional", self.org1, "Nina Newbie"), "the new member")
        d = Client(self.srv)
        eq(d.get(link).status, 410, "GET the invitation link a second time")
        d.get("/login")
        r = d.post(link, {"name": "Mallory", "password": "mallory-pass-1234",
                          "password2": "mallory-pass-1234",
                          "csrf": d.jar.get("infuus_pre", "")})
        eq(r.status, 410, "POST the invitation link a second time")
        eq(Client(self.srv).get("/invite/" + "x" * 43).status, 410,
           "an unknown invitation")
        Client(self.srv).login_ok(invitee, pw)

    # two factors

    def _setup_totp(self, c):
        r = c.get("/account/2fa")
        eq(r.status, 200, "GET /account/2fa")
        m = SECRET.search(r.text)
        check(m is not None, "the secret on the set-up page",
              '<code class="secret">', r.text)
        secret = m.group(1)
        self.secrets.append(secret.replace(" ", ""))
        step = totp_step()
        r = c.post("/account/2fa", {"code": totp(secret, step),
                                    "csrf": csrf_in(r.text)})
        eq(r.status, 200, "POST /account/2fa with the right code")
        codes = CODES.findall(r.text)
        eq(len(codes), 10, "recovery codes shown")
        return secret, step, codes

    def test_two_factor_login(self):
        c = Client(self.srv)
        c.login_ok(self.coach_email, self.coach_pw)
        secret, step, codes = self._setup_totp(c)
        eq(c.me()["two_factor"], True, "session after set-up")
        c.logout()

        c = Client(self.srv)
        r = c.login(self.coach_email, self.coach_pw)
        eq((r.status, r.header("location")), (303, "/login/2fa"),
           "log-in of a 2FA user")
        check(is_login_redirect(c.get("/account")) and
              c.get("/account").header("location") == "/login/2fa",
              "half-way session on GET /account", "303 to /login/2fa", "")
        eq(c.get("/api/me").status, 401, "half-way session on /api/me")
        tok = csrf_in(c.get("/login/2fa").text)
        wrong = "%06d" % ((int(totp(secret, step + 1)) + 1) % 1000000)
        r = c.post("/login/2fa", {"code": wrong, "csrf": tok})
        eq(r.status, 401, "a wrong code")
        code = totp(secret, step + 1)
        r = c.post("/login/2fa", {"code": code, "csrf": tok})
        eq((r.status, r.header("location")), (303, "/"), "the right code")
        eq(c.me()["two_factor"], True, "/api/me two_factor after the code")
        c.logout()

        c = Client(self.srv)
        c.login(self.coach_email, self.coach_pw)
        tok = csrf_in(c.get("/login/2fa").text)
        r = c.post("/login/2fa", {"code": code, "csrf": tok})
        eq(r.status, 401, "the same code at a new log-in")
        r = c.post("/login/2fa", {"code": codes[0], "csrf": tok})
        eq(r.status, 303, "a recovery code")
        eq(c.me()["two_factor"], True, "after the recovery code")
        c.logout()

        c = Client(self.srv)
        c.login(self.coach_email, self.coach_pw)
        tok = csrf_in(c.get("/login/2fa").text)
        r = c.post("/login/2fa", {"code": codes[0], "csrf": tok})
        eq(r.status, 401, "the same recovery code again")
        eq(c.get("/api/me").status, 401, "still half-way")

    def test_admin_sees_org_audit_only_after_two_factors(self):
        c = Client(self.srv)
        c.login_ok(self.admin_email, self.admin_pw)
        eq(c.get("/org/audit").status, 403, "GET /org/audit without 2FA")
        secret, step, codes = self._setup_totp(c)
        eq(c.get("/org/audit").status, 200,
           "GET /org/audit in the session that set up 2FA")
        c.logout()
        c = Client(self.srv)
        c.login(self.admin_email, self.admin_pw)
        r = c.get("/org/audit")
        check(r.status != 200, "GET /org/audit half-way through log-in",
              "not 200 (303 to /login/2fa)", r)
        tok = csrf_in(c.get("/login/2fa").text)
        r = c.post("/login/2fa", {"code": totp(secret, step + 1), "csrf": tok})
        eq(r.status, 303, "admin's code")
        eq(c.get("/org/audit").status, 200, "GET /org/audit after 2FA")
        self.admin2fa = c

    # the access log

    def test_object_refusals_are_in_the_access_log(self):
        """Each refusal of the object walk is a refused entry in the
        caller's organisation's log, naming the object's kind and id."""
        admin = getattr(self, "admin2fa", None)
        check(admin is not None, "the admin's 2FA session from the test "
              "before", "present", None)
        check(self.refusals, "refusals of the object walk", "some", None)
        rows = {}
        missing = []
        want = {}
        for uid, kind, oid, what in self.refusals:
            want.setdefault((uid, kind, oid), []).append(what)
        for (uid, kind, oid), whats in sorted(want.items()):
            if uid not in rows:
                r = admin.get("/org/audit?employee=%d" % uid)
                eq(r.status, 200, "GET /org/audit?employee=%d" % uid)
                rows[uid] = []
                for tr in re.findall(r"<tr><td>.*?</tr>", r.text, re.S):
                    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in
                             re.findall(r"<td>(.*?)</td>", tr, re.S)]
                    # Repeats within a minute are one entry with a
                    # count (audit/repeat.h).
                    m = re.search(r'data-repeats="(\d+)"', tr)
                    if len(cells) == 8:
                        rows[uid].append((cells, int(m.group(1)) if m
                                          else 1))
            # The outcome cell also holds the count ("geweigerd 3 keer").
            hit = sum(n for c, n in rows[uid]
                      if re.search(r"#%d\b" % oid, c[3]) and
                      c[6].split(" ")[0] in ("refused", "geweigerd") and any(
                          c[3].startswith(w) for w in KIND_WORDS[kind]))
            # Every refusal counted (the same object may be refused by
            # several routes).
            if hit < len(whats):
                missing.append("%s #%d: %d counted for %d refusals (%s)" % (
                    kind, oid, hit, len(whats), "; ".join(whats)))
        check(not missing, "the refusals in the access log",
              "a refused entry for each, with kind and id",
              "\n        ".join(missing[:20]))

    def test_access_log_in_plain_words_and_verified(self):
        admin = getattr(self, "admin2fa", None)
        check(admin is not None, "the admin's 2FA session from the test "
              "before", "present", None)
        eq(admin.get("/org/members").status, 200, "admin GET /org/members")
        r = admin.get("/org/audit?client=%d" % self.client_uid)
        eq(r.status, 200, "admin GET /org/audit?client=<client>")
        # The filter offers actions as labels, not the past tense of the
        # entries ("bekeek" is no label in Dutch).
        sel = re.search(r'<select id="f-action".*?</select>', r.text, re.S)
        labels = re.findall(r"<option[^>]*>([^<]*)</option>",
                            sel.group(0) if sel else "")
        lang = re.search(r'<html lang="(\w+)', r.text)
        want = (["alle", "aanmaken", "bekijken", "wijzigen", "verwijderen",
                 "exporteren"] if lang and lang.group(1) == "nl" else
                ["all", "creating", "reading", "changing", "deleting",
                 "exporting"])
        eq(labels, want, "the access log's action filter")
        c = Client(self.srv)
        c.login_ok(self.client_email, self.client_pw)
        r = c.post("/account", {"name": "Kees Klant", "lang": "en",
                                "csrf": c.csrf()})
        eq(r.status, 303, "client sets English")
        r = c.get("/me/access")
        eq(r.status, 200, "client GET /me/access")
        items = re.findall(r"<li><time>.*?</li>", r.text, re.S)
        check(any("Anna Admin" in i for i in items),
              "the admin's look at the client's log, on /me/access",
              "an entry naming Anna Admin", items or r.text)
        plain = [i for i in items if "Anna Admin" in i][0]
        check(re.search(r"\bread\b", plain) and "administration" in plain,
              "the entry in plain words",
              "'Anna Admin read the access log for administration'", plain)
        check(not re.search(r"\b(client-self|R|admin)\b", re.sub(
            r"<[^>]+>", " ", plain).replace("Anna Admin", "")),
              "no raw codes in the entry", "words", plain)
        out = self.srv.cli("audit", "verify")
        eq(out.returncode, 0, "infuus audit verify (server running): " +
           out.stdout + out.stderr)

    def test_audit_verify_detects_tampering(self):
        if self.backend == "sqlite":
            db = sqlite3.connect(self.srv.sqlite_path(), timeout=10)
            row = db.execute("SELECT org_id, seq, address FROM audit_log "
                             "ORDER BY org_id, seq LIMIT 1").fetchone()
            check(row is not None, "audit rows", "some", None)
            db.execute("UPDATE audit_log SET address = '10.6.6.6' WHERE "
                       "org_id = ? AND seq = ?", row[:2])
            db.commit()
        else:
            row = self.srv.pg.sql("SELECT org_id, seq, address FROM audit_log "
                                  "ORDER BY org_id, seq LIMIT 1").strip()
            check(row, "audit rows", "some", row)
            row = row.split("|")
            self.srv.pg.sql("UPDATE audit_log SET address = '10.6.6.6' WHERE "
                            "org_id = %d AND seq = %d" % (int(row[0]),
                                                          int(row[1])))
        out = self.srv.cli("audit", "verify")
        # Put it back so the log is whole again.
        if self.backend == "sqlite":
            db.execute("UPDATE audit_log SET address = ? WHERE org_id = ? AND "
                       "seq = ?", (row[2], row[0], row[1]))
            db.commit()
            db.close()
        else:
            self.srv.pg.sql("UPDATE audit_log SET address = '%s' WHERE "
                            "org_id = %d AND seq = %d" % (
                                row[2].replace("'", "''"), int(row[0]),
                                int(row[1])))
        check(out.returncode != 0, "infuus audit verify after changing an "
              "entry's address", "a non-zero exit", out.stdout + out.stderr)
        eq(self.srv.cli("audit", "verify").returncode, 0,
           "infuus audit verify after putting it back")


    def test_log_holds_no_secrets(self):
        # Cookies handed out (sessions, pre-log-in tokens), passwords, and
        # the mailed tokens and TOTP secrets the tests saw.
        found = []
        log = self.srv.stderr()
        for sec in sorted(Client.SEEN | set(self.secrets)):
            if sec and sec in log:
                i = log.index(sec)
                found.append("%s...: %s" % (sec[:6], log[max(0, i - 120):
                                                         i + 20]))
        check(not found, "the server's log (stderr)", "no cookie value, "
              "password, token or TOTP secret", "\n        ".join(found[:5]))


# --- 4. crashes and shutdown --------------------------------------------------------

class Durability(Suite):
    def setup(self):
        # Some 150 log-ins of three people: no cap on sessions ends any.
        self.srv = self.server(sets={"sessions_per_user": "1000000"}).start(
            fresh=True)

    def test_acknowledged_sessions_survive_sigkill(self):
        srv = self.srv
        workers = []
        for role in ("admin", "professional", "client"):
            workers.append(login_ack(*srv.users[role]))

        def work(c, n):
            return workers[n % 3](c, n)
        load = Load(srv, work, threads=6).start()
        t = time.time()
        while time.time() - t < 15 and len(load.acks) < 150:
            time.sleep(0.02)
        srv.kill()  # while the threads keep logging in
        load.stop()
        acks = list(load.acks)
        note("%d log-ins acknowledged, %d calls failed (%s)" % (
            len(acks), load.errors, "; ".join(load.error_samples)))
        check(len(acks) >= 10, "acknowledged log-ins before the kill",
              ">= 10", "%d (errors %d)" % (len(acks), load.errors))
        if self.backend == "sqlite":
            db = sqlite3.connect(srv.sqlite_path(), timeout=10)
            res = db.execute("PRAGMA integrity_check").fetchall()
            db.close()
            eq(res, [("ok",)], "PRAGMA integrity_check after SIGKILL")
        srv.start()
        lost = []
        for tok in acks:
            c = Client(srv)
            c.jar["infuus_session"] = tok
            if c.get("/api/me").status != 200:
                lost.append(tok[:8])
        check(not lost, "acknowledged sessions after SIGKILL and restart",
              "all %d authenticate" % len(acks),
              "%d lost: %s" % (len(lost), lost))
        out = srv.cli("audit", "verify")
        eq(out.returncode, 0, "infuus audit verify after the crash: " +
           out.stdout + out.stderr)

    def test_requests_in_flight_complete_on_sigterm(self):
        srv = self.srv
        if not srv.alive():
            srv.start()
        email, pw = srv.users["client"]
        # 1. A handler that is busy when the signal comes: a log-in the
        # throttle makes wait.  Fail until an answer is held back ~1 s; the
        # next failure is then held back ~2 s inside the handler.
        slow = "slow-%s@nowhere.test" % secrets.token_hex(4)
        for i in range(15):
            t = time.time()
            r = Client(srv).login(slow, "wrong-password-%d" % i)
            if r.status == 401 and time.time() - t >= 0.9:
                break
        else:
            raise Failure("throttled log-ins", "one held back ~1 s",
                          "none in 15 tries")
        sleeper = []

        def held():
            try:
                t = time.time()
                r = Client(srv).login(slow, "wrong-password-last")
                sleeper.append((r.status, round(time.time() - t, 2)))
            except Exception as e:  # noqa: BLE001
                sleeper.append(repr(e))
        th = threading.Thread(target=held)
        th.start()
        # 2. A request whose body is still coming when the signal comes.
        c = Client(srv)
        tok = csrf_in(c.get("/login").text)
        body = ("email=%s&password=%s&csrf=%s" % (
            email.replace("@", "%40"), pw, tok)).encode()
        head = ("POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                "application/x-www-form-urlencoded\r\nCookie: infuus_pre=%s\r\n"
                "Content-Length: %d\r\n\r\n" % (tok, len(body))).encode()
        half = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
        half.sendall(head + body[:10])
        time.sleep(0.5)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        try:
            half.sendall(body[10:])
        except OSError:
            pass
        got = b""
        half.settimeout(15)
        try:
            while not response_complete(got):
                d = half.recv(65536)
                if not d:
                    break
                got += d
        except OSError as e:
            got += b" " + repr(e).encode()
        half.close()
        th.join(20)
        rc = srv.stop(timeout=20)
        check(sleeper and isinstance(sleeper[0], tuple) and
              sleeper[0][0] in (401, 429),
              "a log-in held back in its handler at SIGTERM",
              "its 401/429 answer", sleeper)
        note("held-back log-in: status %s after %.2f s" % sleeper[0])
        check(sleeper[0][1] > 0.8, "the held-back log-in was in flight at "
              "SIGTERM (sent 0.5 s before it)", "> 0.8 s", sleeper[0][1])
        check(RawResp(got).status == 303,
              "a log-in whose body was half sent at SIGTERM", "303", got[:200])
        eq(rc, 0, "exit status after SIGTERM")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=("sqlite", "postgres"),
                    default="sqlite")
    ap.add_argument("--only", action="append", default=[],
                    help="Class or Class.test_name (repeatable)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (logs, data)")
    args = ap.parse_args()
    runner = Runner(args.only)
    root = tempfile.mkdtemp(prefix="infuus-blackbox.")
    os.chmod(root, 0o755)
    print("blackbox: backend %s, binary %s, work dir %s" % (
        args.backend, BIN, root), flush=True)
    pg = None
    t0 = time.time()
    try:
        if not os.access(BIN, os.X_OK):
            runner.record("setup.binary", Failure(
                "the infuus binary", "an executable at " + BIN, "missing"), 0)
            return finish(runner, root, args.keep, t0)
        if args.backend == "postgres":
            try:
                pg = Postgres()
            except Exception as e:  # noqa: BLE001
                runner.record("setup.postgres", "%s" % e, 0)
                return finish(runner, root, args.keep, t0)
        Suite.backend = args.backend
        Suite.pg = pg
        for cls in (HttpBasics, TlsProxy, Identity, Durability, Coaching,
                    AuditEvents,
                    Reasons,
                    Threads,
                    Security,
                    Transport,
                    Live,
                    Appointments,
                    Measures,
                    Assignments,
                    Invoices, TimeAccounting,
                    Stakeholders, Calls, CallTimeouts, Media, Modules,
                    Packages, Library, RealCalendars, StakeReports,
                    LibSend):
            runner.run_class(cls, root)
    finally:
        if pg:
            pg.close()
    return finish(runner, root, args.keep or runner.failed > 0, t0)


class Coaching(CoachingMixin, Suite):
    """Written coaching (issue 4): see coaching.py."""


class AuditEvents(AuditEventsMixin, Suite):
    """Refusals and security events in the access log: audit_events.py."""


class Reasons(ReasonsMixin, Suite):
    """Refusals say why, next to the field: see reasons.py."""


class Threads(ThreadsMixin, Suite):
    """A long thread a page at a time (issue 8): see threads.py."""


class Measures(MeasuresMixin, Suite):
    """Questionnaires, diary and mood meter (issue 11): measures.py."""


class Security(SecurityMixin, Suite):
    """Issue 9's identity and account findings: see security.py."""


class Transport(TransportMixin, Suite):
    """The transport's security findings (issue 9): see transport.py."""


class Live(LiveMixin, Suite):
    """Live events (issue 10): see live.py."""


class Appointments(AppointmentsMixin, Suite):
    """Issue 13's appointments: see appointments.py."""


class Assignments(AssignmentsMixin, Suite):
    """Assignments and the learning cycle (issue 11): assignments.py."""


class Invoices(InvoicesMixin, Suite):
    """Issue 13's pricing and invoices: see invoices.py."""


class TimeAccounting(TimeMixin, Suite):
    """Issue 13's time accounting: see timeacct.py."""


class Stakeholders(StakeholdersMixin, Suite):
    """Issue 13's stakeholders with the client's consent: stakeholders.py."""


class StakeReports(StakeReportsMixin, Suite):
    """Issue 13's closing report shared with stakeholders: stake_reports.py."""


class Calls(CallsMixin, Suite):
    """Video and voice calls with a waiting room (issue 10): calls.py."""


class CallTimeouts(CallTimeoutsMixin, Suite):
    """A call participant who vanishes (issue 10): call_timeouts.py."""


class Media(MediaMixin, Suite):
    """Media files in ranges (issue 12): see media.py."""


class Modules(ModulesMixin, Suite):
    """Self-help modules (issue 12): modules.py."""


class Packages(PackagesMixin, Suite):
    """Module packages, import and export (issue 12): packages.py."""


class Library(LibraryMixin, Suite):
    """The psycho-education library (issue 12): library.py."""


class RealCalendars(RealCalendarsMixin, Suite):
    """Issue 13's .ics files imported into khal: see realcal.py."""


class LibSend(LibSendMixin, Suite):
    """Library items sent in an assignment or a module: libsend.py."""


def finish(runner, root, keep, t0):
    if keep:
        print("work dir kept: %s" % root)
    else:
        shutil.rmtree(root, ignore_errors=True)
    if runner.failures:
        print("failed: " + ", ".join(runner.failures))
    print("time: %.1fs" % (time.time() - t0))
    print("result: %d passed, %d failed" % (runner.passed, runner.failed))
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
