"""
transport.py - black-box tests of the transport's security findings (issue
9): the two-factor requirement on every route, bodies refused before they
are read and memory given back, read receipts only through POST, the
Origin / Fetch-Metadata check behind the CSRF token, and answers (never a
silent close) to long addresses and malformed request lines.  Imported by
run.py, which runs the class like the others.
"""
import os
import re
import socket
import threading
import time

from coaching import form_fields, location_id, new_thread, new_trajectory
from lib import (SECRET, Client, RawResp, check, csrf_in, demo_logins, eq,
                 free_port, raw, raw_exchange, totp, totp_step)

MIB = 1024 * 1024
TWOFA_ORG_ADMIN = ("boss@strict.infuus.test", "strict-admin-pass-12")
TWOFA_ORG_CLIENT = ("client@strict.infuus.test", "strict-client-pass-1")
TOTP_USER = ("totp@demo.infuus.test", "totp-user-password-1")
# The cross-site refusal in either language (the session's language wins).
CROSS = re.compile(r"another website|andere website")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def multipart(fields, files, boundary="----infuusTransportBoundary"):
    out = []
    for k, v in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
                    "\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
    for k, (name, data) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                    "filename=\"%s\"\r\nContent-Type: text/plain\r\n\r\n" %
                    (boundary, k, name)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def head_only(port, head, timeout=5.0):
    """Send only the request head (the body is announced, never sent) and
    read what comes back before the timeout."""
    return RawResp(raw_exchange(port, [head], timeout=timeout))


class TransportMixin:
    """Set-up and tests of the Transport suite (run.py mixes in Suite)."""

    def setup(self):
        port = free_port()
        self.base = "http://127.0.0.1:%d" % port
        # The memory tests read the server's RSS: under AddressSanitizer
        # freed memory would wait in its quarantine (256 MB) instead of
        # going back, as it does without the sanitizer.
        asan = os.environ.get("ASAN_OPTIONS")
        os.environ["ASAN_OPTIONS"] = (asan or "") + ":quarantine_size_mb=0"
        try:
            self.srv = self.server(sets={"base_url": self.base}).start(
                port=port, fresh=True)
        finally:
            if asan is None:
                del os.environ["ASAN_OPTIONS"]
            else:
                os.environ["ASAN_OPTIONS"] = asan
        self.coach, self.client, self.admin = demo_logins(
            self.srv, "professional", "client", "admin")
        # A trajectory of the demo professional and client, with a thread.
        self.tid = new_trajectory(self.coach, self.client.me()["id"],
                                  "Transport")
        self.thid = new_thread(self.coach, self.tid, "Over en weer",
                               "Hoe gaat het deze week?")

    def _upload_head(self, path, length, cookie=None, extra=""):
        h = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
             "multipart/form-data; boundary=----x\r\nContent-Length: %d\r\n"
             % (path, self.srv.port, length))
        if cookie:
            h += "Cookie: infuus_session=%s\r\n" % cookie
        return (h + extra + "\r\n").encode()

    # --- finding 2: the body waits for the decision ------------------------

    def test_anonymous_upload_is_refused_before_its_body(self):
        t = time.time()
        r = head_only(self.srv.port, self._upload_head(
            "/threads/%d/messages" % self.thid, 9 * MIB))
        secs = time.time() - t
        check(r.status == 303 and (r.header("location") or "").startswith(
            "/login"), "an anonymous 9 MiB upload, head only",
            "303 to /login without waiting for the body", r)
        check(secs < 3, "the answer to the head", "at once", "%.1f s" % secs)
        eq((r.header("connection") or "").lower(), "close",
           "Connection header of the refusal")

    def test_refusals_from_headers_need_no_body(self):
        # Wrong role (the administrator takes no part in threads), no token
        # in the headers for a large body, a wrong token in the address.
        admin = self.admin.session
        client = self.client.session
        tok = self.client.csrf()
        cases = (
            ("administrator", self._upload_head(
                "/threads/%d/messages?csrf=%s" % (self.thid,
                                                   self.admin.csrf()),
                9 * MIB, admin), 403),
            ("token only in the form", self._upload_head(
                "/threads/%d/messages" % self.thid, 9 * MIB, client), 403),
            ("wrong token in the address", self._upload_head(
                "/threads/%d/messages?csrf=%s" % (self.thid, "x" * 43),
                9 * MIB, client), 403),
            ("wrong X-CSRF-Token", self._upload_head(
                "/threads/%d/messages" % self.thid, 9 * MIB, client,
                "X-CSRF-Token: %s\r\n" % ("y" * 43)), 403),
        )
        bad = []
        for what, head, want in cases:
            r = head_only(self.srv.port, head, timeout=4)
            if r.status != want:
                bad.append("%s: %s" % (what, r.status or "no answer"))
        check(not bad, "large uploads refused from their headers",
              "403 before the body", "; ".join(bad))
        # With the token in the address the same upload goes through.
        body, ctype = multipart({"csrf": tok, "body": "Met bijlage."},
                                {"attachment": ("notitie.txt",
                                                b"regel\n" * 200000)})
        r = self.client.request(
            "POST", "/threads/%d/messages?csrf=%s" % (self.thid, tok),
            body=body, headers={"Content-Type": ctype})
        eq(r.status, 303, "a 1.2 MB upload with the token in the address")

    def test_small_form_keeps_its_token_in_the_body(self):
        r = self.client.post("/threads/%d/messages" % self.thid, {
            "csrf": self.client.csrf(), "body": "Een kort bericht."})
        eq(r.status, 303, "a small form with the token in its body")
        r = self.client.post("/threads/%d/messages" % self.thid, {
            "csrf": "z" * 43, "body": "Een kort bericht."})
        eq(r.status, 403, "a small form with a wrong token in its body")

    def test_thread_form_carries_its_token_in_the_action(self):
        page = self.client.get("/threads/%d" % self.thid).text
        m = re.search(r'<form [^>]*id="composer-form"[^>]*>', page) or \
            re.search(r'<form [^>]*action="/threads/%d/messages[^"]*"[^>]*>'
                      % self.thid, page)
        check(m is not None, "the composer form", "present", page[-2000:])
        action = re.search(r'action="([^"]+)"', m.group(0)).group(1)
        check(action == "/threads/%d/messages?csrf=%s" % (
            self.thid, self.client.csrf()), "the composer's action",
            "the address with ?csrf=<the session's token>", action)

    def test_long_texts_post_through_the_pages_forms(self):
        # A first message or a correction of 20 kB, posted as a browser
        # without script posts the page's form: its action carries the
        # token, since the body is larger than what waits for it.
        long = "Een lange zin over wat er deze week gebeurde. " * 450
        page = self.client.get("/t/%d" % self.tid).text
        m = re.search(r'action="(/t/%d/threads[^"]*)"' % self.tid, page)
        check(m is not None, "the new-conversation form", "present",
              page[-2000:])
        action = m.group(1).replace("&amp;", "&")
        f = form_fields(page, m.group(1))
        f.update(subject="Lang verhaal", body=long)
        r = self.client.post(action, f)
        thid = location_id(r, "/threads/")
        page = self.client.get("/threads/%d" % thid).text
        m = re.search(r'action="(/messages/\d+/correct[^"]*)"', page)
        check(m is not None, "the correction form", "present", page[-2000:])
        f = form_fields(page, m.group(1))
        f["body"] = long + " Aangevuld."
        r = self.client.post(m.group(1).replace("&amp;", "&"), f)
        eq(r.status, 303, "a 20 kB correction through the page's form")

    def test_held_anonymous_uploads_do_not_raise_memory(self):
        pid = self.srv.proc.pid
        for _ in range(3):  # warm up: the first requests allocate caches
            Client(self.srv).get("/login")
        before = rss_kib(pid)
        socks = []
        chunk = b"a" * (256 * 1024)

        def push(s):
            try:
                for _ in range(40):  # 10 MiB
                    s.sendall(chunk)
            except OSError:
                pass  # refused and closed: what we want
        peak = before
        try:
            ts = []
            for _ in range(3):
                s = socket.create_connection(("127.0.0.1", self.srv.port),
                                             timeout=10)
                s.sendall(self._upload_head(
                    "/threads/%d/messages" % self.thid, 10 * MIB))
                socks.append(s)
                t = threading.Thread(target=push, args=(s,))
                t.start()
                ts.append(t)
            end = time.time() + 30
            while any(t.is_alive() for t in ts) and time.time() < end:
                peak = max(peak, rss_kib(pid))
                time.sleep(0.02)
            time.sleep(0.5)
            during = max(peak, rss_kib(pid))
        finally:
            for s in socks:
                s.close()
        check(during - before < 5 * 1024, "server RSS with three anonymous "
              "10 MiB uploads held open", "< 5 MB more than %d kB" % before,
              "%d kB (+%d kB)" % (during, during - before))

    def test_memory_of_an_authorised_upload_comes_back(self):
        pid = self.srv.proc.pid
        tok = self.client.csrf()
        body, ctype = multipart({"csrf": tok, "body": "Groot bestand."},
                                {"attachment": ("groot.txt",
                                                b"woord " * (1500000))})

        def upload():
            r = self.client.request(
                "POST", "/threads/%d/messages?csrf=%s" % (self.thid, tok),
                body=body, headers={"Content-Type": ctype})
            eq(r.status, 303, "a 9 MB upload with the token")
        upload()  # the first one may grow caches that stay
        time.sleep(0.5)
        before = rss_kib(pid)
        upload()
        upload()
        time.sleep(0.5)
        after = rss_kib(pid)
        check(after - before < 6 * 1024, "server RSS after two more 9 MB "
              "uploads", "back within 6 MB of %d kB" % before,
              "%d kB (+%d kB)" % (after, after - before))

    # --- finding 7: read receipts only by POST ------------------------------

    def test_viewing_a_thread_marks_nothing_read(self):
        r = self.coach.post("/threads/%d/messages" % self.thid, {
            "csrf": self.coach.csrf(), "body": "Nieuw van de coach."})
        eq(r.status, 303, "the professional posts")
        url = "/threads/%d" % self.thid
        self.client.get(url)
        page = self.client.get(url).text
        check('class="msg from-pro unread' in page or " unread" in page,
              "the client's second view", "the message still unread (a "
              "GET marks nothing)", page[-3000:])
        f = form_fields(page, "/threads/%d/read" % self.thid)
        r = self.client.post("/threads/%d/read" % self.thid,
                             dict(f, csrf="q" * 43))
        eq(r.status, 403, "marking read with a wrong token")
        r = self.client.post("/threads/%d/read" % self.thid, f,
                             headers={"Origin": "http://evil.example"})
        eq(r.status, 403, "marking read from another site")
        r = self.client.post("/threads/%d/read" % self.thid, f)
        eq((r.status, r.header("location")), (303, url),
           "marking read with the page's form")
        page = self.client.get(url).text
        check(" unread" not in page and "/threads/%d/read" % self.thid
              not in page, "the thread after marking", "nothing unread, "
              "no button", page[-3000:])
        # The script's way: the token in a header, 204.
        self.coach.post("/threads/%d/messages" % self.thid, {
            "csrf": self.coach.csrf(), "body": "Nog iets."})
        f = form_fields(self.client.get(url).text,
                        "/threads/%d/read" % self.thid)
        r = self.client.post("/threads/%d/read" % self.thid, f, headers={
            "X-CSRF-Token": self.client.csrf()})
        eq(r.status, 204, "marking read by script")
        eq(self.client.get("/threads/%d/read" % self.thid).status, 405,
           "GET of the marking route")

    # --- finding 10: Origin and Fetch-Metadata ------------------------------

    def test_cross_site_state_change_is_refused_with_a_reason(self):
        c = Client(self.srv)
        c.login_ok(*self.srv.users["professional"])
        tok = c.csrf()
        bad = []
        for hdr in ({"Origin": "http://evil.example"},
                    {"Origin": "null"},
                    {"Origin": self.base + ".evil.example"},
                    {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": self.base, "Sec-Fetch-Site": "cross-site"}):
            r = c.post("/account/notifications", {"csrf": tok}, headers=hdr)
            if r.status != 403 or not CROSS.search(r.text):
                bad.append("%r -> %s" % (hdr, r.status))
        check(not bad, "a valid token from another site",
              "403 saying the request came from another website",
              "; ".join(bad))
        r = c.request("POST", "/api/threads/%d/draft" % self.thid,
                      body=b'{"draft":"x"}', headers={
                          "Content-Type": "application/json",
                          "X-CSRF-Token": tok,
                          "Origin": "https://evil.example"})
        check(r.status == 403 and CROSS.search(r.json().get("message", "")),
              "a cross-site JSON call", "403 with the reason", r)
        r = c.post("/logout", {"csrf": tok}, headers={
            "Origin": self.base, "Sec-Fetch-Site": "same-origin"})
        eq(r.status, 303, "log-out from our own origin")
        c = Client(self.srv)
        r = c.post("/logout", {"csrf": "x"}, headers={
            "Origin": "http://127.0.0.1:%d" % self.srv.port})
        check(r.status != 403 or not CROSS.search(r.text),
              "Origin equal to the Host", "not refused as cross-site", r)

    # --- finding 10: long addresses and malformed request lines --------------

    def test_every_long_address_gets_an_answer(self):
        bad = []
        lengths = list(range(1500, 17500, 250)) + \
            list(range(11500, 16600, 37))
        for ua in (10, 3000):
            for n in lengths:
                req = (b"GET /" + b"a" * n + b" HTTP/1.1\r\nHost: x\r\n"
                       b"User-Agent: " + b"M" * ua + b"\r\n\r\n")
                r = raw(self.srv.port, req, timeout=5)
                ok = (404,) if n < 2048 else (414, 431)
                if r.status not in ok:
                    bad.append("%d+%d -> %s" % (n, ua, r.status or "closed"))
        check(not bad, "paths of 1.5-17.5 kB", "404 up to 2 kB, then 414 "
              "(431 when the headers are the larger part)",
              ", ".join(bad[:20]) + (" ..." if len(bad) > 20 else ""))
        r = raw(self.srv.port, b"GET /" + b"b" * 3000 +
                b" HTTP/1.1\r\nHost: x\r\n\r\n")
        eq(r.status, 414, "a 3 kB path")
        check(self.srv.alive(), "server alive", "running", "exited")

    def test_garbage_request_line_is_400(self):
        for line in (b"GARBAGE\r\n\r\n", b"GARBAGE\r\n", b"\x16\x03\x01\r\n\r\n"):
            r = raw(self.srv.port, line)
            eq(r.status, 400, "request line %r" % line)
        eq(Client(self.srv).get("/login").status, 200, "GET /login after")

    # --- finding 1: the second factor on every route -------------------------
    # (last: they make an organisation strict and a user half-logged-in)

    def _setup_totp(self, c):
        r = c.get("/account/2fa")
        eq(r.status, 200, "GET /account/2fa")
        m = SECRET.search(r.text)
        check(m is not None, "the secret on the set-up page", "present",
              r.text[-2000:])
        secret = m.group(1).replace(" ", "")
        r = c.post("/account/2fa", {"code": totp(secret, totp_step()),
                                    "csrf": csrf_in(r.text)})
        eq(r.status, 200, "POST /account/2fa with the right code")
        return secret

    def test_pending_second_factor_sees_nothing_on_home(self):
        self.srv.cli_ok("user", "create", "--email", TOTP_USER[0], "--name",
                        "Tamara Tweestaps", "--org", "demo", "--role",
                        "client", password=TOTP_USER[1])
        c = Client(self.srv)
        c.login_ok(*TOTP_USER)
        self._setup_totp(c)
        c.logout()
        c = Client(self.srv)
        r = c.login(*TOTP_USER)
        eq((r.status, r.header("location")), (303, "/login/2fa"),
           "log-in with the password of a two-factor account")
        bad = []
        for path in ("/", "/login", "/reset"):
            r = c.get(path)
            if (r.status, r.header("location")) != (303, "/login/2fa") or \
                    "Tamara" in r.text or "Demo Praktijk" in r.text:
                bad.append("%s -> %s %s" % (path, r.status,
                                            r.header("location")))
        check(not bad, "a half-logged-in session", "303 to /login/2fa, "
              "no name, no organisation", "; ".join(bad))
        eq(c.get("/login/2fa").status, 200, "the code page")

    def test_org_two_factor_requirement_holds_on_home(self):
        self.srv.cli_ok("org", "create", "--name", "Streng", "--slug",
                        "streng")
        self.srv.cli_ok("user", "create", "--email", TWOFA_ORG_ADMIN[0],
                        "--name", "Baas Streng", "--org", "streng", "--role",
                        "admin", password=TWOFA_ORG_ADMIN[1])
        self.srv.cli_ok("user", "create", "--email", TWOFA_ORG_CLIENT[0],
                        "--name", "Klaas Streng", "--org", "streng",
                        "--role", "client", password=TWOFA_ORG_CLIENT[1])
        boss = Client(self.srv)
        boss.login_ok(*TWOFA_ORG_ADMIN)
        r = boss.post("/org/settings", {"csrf": boss.csrf(),
                                        "require_2fa": "1"})
        check(r.status in (200, 303), "the organisation requires two "
              "factors", "200 or 303", r)
        c = Client(self.srv)
        c.login_ok(*TWOFA_ORG_CLIENT)
        bad = []
        for path in ("/", "/t", "/login"):
            r = c.get(path)
            if r.status != 303 or not (r.header("location") or "").startswith(
                    "/account/2fa"):
                bad.append("%s -> %s %s" % (path, r.status,
                                            r.header("location")))
        check(not bad, "password only, two factors required",
              "303 to /account/2fa", "; ".join(bad))
        r = c.get("/account/2fa")
        eq(r.status, 200, "the set-up page")
        eq(c.post("/logout", {"csrf": csrf_in(r.text)}).status, 303,
           "log-out")
