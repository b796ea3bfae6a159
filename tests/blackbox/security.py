"""
security.py - black-box tests of issue 9's identity and account findings
over real HTTP: ending participation on removal, sessions after a password
change and after the second factor, the two-factor set-up and switching it
off, invitations that tell the administrator nothing, passwords and names,
the cap on sessions, the client picker, and the reset-link and session
timeouts.  Imported by run.py, which runs the class like the others.

The server runs under libfaketime with a clock this suite moves forward
(FAKETIME_TIMESTAMP_FILE, re-read at every call), and mails through the
SMTP sink of lib.py, so reset links and invitations travel the real way.
The tests that move the clock come last.
"""
import re
import time

from lib import (CODES, SECRET, Client, FakeClock, Smtp, Sql, check, csrf_in,
                 eq, free_port, mail_rcpt, mail_text, totp, totp_step)
from coaching import new_trajectory

COACH = ("sec.coach@demo.infuus.test", "sec-coach-pass-123", "Sam Coach")
CLIENT = ("sec.client@demo.infuus.test", "sec-client-pass-12", "Sara Client")
TWOFA = ("sec.twofa@demo.infuus.test", "sec-twofa-pass-123", "Tom Twofa")
PWUSER = ("sec.pw@demo.infuus.test", "sec-pw-user-pass-1", "Pia Password")
MANY = ("sec.many@demo.infuus.test", "sec-many-pass-1234", "Max Many")
RESET = ("sec.reset@demo.infuus.test", "sec-reset-pass-123", "Rob Reset")
ELSEWHERE = ("sec.boss@elsewhere.test", "sec-boss-pass-1234", "Bo Boss")

# limits.h
SESSIONS_PER_USER = 10
SESSION_IDLE = 30 * 60
SESSION_ABSOLUTE = 12 * 60 * 60
SESSION_2FA_PENDING = 10 * 60
RESET_TTL = 60 * 60


class SecurityMixin(FakeClock, Sql):
    """Set-up and helpers for the Security suite (run.py mixes in Suite)."""

    def setup(self):
        self.smtp = Smtp(self.workdir)
        self.clock_start()
        port = free_port()
        with self.faked_time():
            self.srv = self.server(sets={
                "smtp_url": "smtp://127.0.0.1:%d" % self.smtp.port,
                "base_url": "http://127.0.0.1:%d" % port,
            }).start(port=port, fresh=True)
        u = self.srv.users
        self.admin_email, self.admin_pw = u["admin"]
        for email, pw, name, role in (
                COACH + ("professional",), CLIENT + ("client",),
                TWOFA + ("client",), PWUSER + ("client",),
                MANY + ("client",), RESET + ("client",)):
            self.srv.cli_ok("user", "create", "--email", email, "--name",
                            name, "--org", "demo", "--role", role, "--lang",
                            "en", password=pw)
        self.srv.cli_ok("org", "create", "--name", "Elsewhere", "--slug",
                        "elsewhere")
        self.srv.cli_ok("user", "create", "--email", ELSEWHERE[0], "--name",
                        ELSEWHERE[2], "--org", "elsewhere", "--role",
                        "admin", password=ELSEWHERE[1])
        self.admin = Client(self.srv)
        self.admin.login_ok(self.admin_email, self.admin_pw)
        self.pw = dict((e, p) for e, p, _ in (COACH, CLIENT, TWOFA, PWUSER,
                                               MANY, RESET))

    def teardown(self):
        if getattr(self, "smtp", None):
            self.smtp.stop()

    # --- helpers -----------------------------------------------------------

    def login(self, who):
        c = Client(self.srv)
        c.login_ok(who[0], self.pw[who[0]])
        return c

    def uid(self, email):
        return self.sql_one("SELECT id FROM users WHERE email = '%s'" % email)

    def mailed_link(self, kind, to):
        """The /kind/<token> link of the newest mail to `to`."""
        end = time.time() + 15
        while time.time() < end:
            for m in reversed(self.smtp.messages()):
                if to in mail_rcpt(m):
                    found = re.search(r"/%s/([A-Za-z0-9_\-]+)" % kind,
                                      mail_text(m))
                    if found:
                        return "/%s/%s" % (kind, found.group(1))
            time.sleep(0.1)
        raise AssertionError("no %s mail to %s" % (kind, to))

    def invite(self, email, role="professional"):
        return self.admin.post("/org/invites", {
            "email": email, "role": role, "csrf": self.admin.csrf()})

    @staticmethod
    def bare(text, *words):
        """A page without its CSRF tokens and the given words."""
        t = re.sub(r'name="csrf" value="[^"]*"', "CSRF", text)
        for w in words:
            t = t.replace(w, "WORD")
        return t

    def setup_totp(self, c):
        r = c.get("/account/2fa")
        eq(r.status, 200, "GET /account/2fa")
        secret = SECRET.search(r.text).group(1)
        step = totp_step(self.now())
        r = c.post("/account/2fa", {"code": totp(secret, step),
                                    "csrf": csrf_in(r.text)})
        eq(r.status, 200, "POST /account/2fa with the right code")
        return secret, step, CODES.findall(r.text)

    # --- finding 4: removal ends participation ----------------------------

    def test_removed_and_reinvited_professional_sees_no_old_trajectory(self):
        coach = self.login(COACH)
        client_uid = self.uid(CLIENT[0])
        coach_uid = self.uid(COACH[0])
        tid = new_trajectory(coach, client_uid, "Grenzen leren stellen")
        eq(coach.get("/t/%d" % tid).status, 200, "the professional's own "
           "trajectory before removal")
        r = self.admin.post("/org/members/%d/remove" % coach_uid,
                            {"csrf": self.admin.csrf()})
        eq(r.status, 200, "the administrator removes the professional")
        check(coach.get("/t/%d" % tid).status in (403, 404),
              "the trajectory right after removal", "403 or 404", "")
        # Invited again, with the old account's password.
        self.smtp.clear()
        eq(self.invite(COACH[0]).status, 200, "invite the address again")
        link = self.mailed_link("invite", COACH[0])
        c = Client(self.srv)
        r = c.get(link)
        eq(r.status, 200, "GET the invitation link")
        r = c.post(link, {"password": COACH[1], "csrf": csrf_in(r.text)})
        eq(r.status, 303, "accept with the existing account's password")
        eq((c.me() or {}).get("role"), "professional", "the new membership")
        r = c.get("/t/%d" % tid)
        eq(r.status, 404, "the former client's trajectory after re-joining")
        for path in ("/", "/t"):
            r = c.get(path)
            check("Grenzen leren stellen" not in r.text, "GET %s after "
                  "re-joining" % path, "no former trajectory", r.text[:2000])
        # The client keeps theirs, and the history is kept.
        eq(self.login(CLIENT).get("/t/%d" % tid).status, 200,
           "the client's own trajectory")
        eq(self.sql_one("SELECT COUNT(*) FROM trajectory_members_ended "
                        "WHERE user_id = %d AND trajectory_id = %d" % (
                            coach_uid, tid)), 1, "the ended participation")
        eq(self.sql_one("SELECT COUNT(*) FROM audit_log WHERE detail = "
                        "'end-participation' AND object_id = %d" % tid), 1,
           "the end of participation in the access log")

    # --- finding 5: a password change ends the other sessions ---------------

    def test_password_change_ends_other_sessions_and_rotates_this_one(self):
        a, b = self.login(PWUSER), self.login(PWUSER)
        before = a.session
        new = "a-fresh-password-for-pia"
        r = a.post("/account/password", {
            "current": PWUSER[1], "password": new, "password2": new,
            "csrf": a.csrf()})
        eq(r.status, 200, "POST /account/password")
        self.pw[PWUSER[0]] = new
        check("other session" in r.text, "the page after the change",
              "says the other sessions ended", r.text[:3000])
        eq(b.get("/api/me").status, 401, "the user's other session")
        check(a.session != before, "the cookie after the change",
              "a new value", a.session)
        old = Client(self.srv)
        old.jar["infuus_session"] = before
        eq(old.get("/api/me").status, 401, "the changing session's old "
           "cookie")
        eq(a.get("/api/me").status, 200, "the changing session goes on")

    # --- findings 7 and 8: the second factor -------------------------------

    def test_two_factor_setup_page_keeps_its_key_until_restarted(self):
        c = self.login(TWOFA)
        s1 = SECRET.search(c.get("/account/2fa").text).group(1)
        s2 = SECRET.search(c.get("/account/2fa").text).group(1)
        eq(s2, s1, "the key on a second GET /account/2fa")
        r = c.post("/account/2fa", {"restart": "1", "csrf": c.csrf()})
        eq(r.status, 303, "POST /account/2fa restart=1")
        s3 = SECRET.search(c.get("/account/2fa").text).group(1)
        check(s3 != s1, "the key after starting over", "a new key", s3)
        eq(SECRET.search(c.get("/account/2fa").text).group(1), s3,
           "the new key on the next GET")

    def test_two_factor_passing_rotates_the_session(self):
        c = self.login(TWOFA)
        before = c.session
        secret, step, codes = self.setup_totp(c)
        self.twofa = (secret, step, codes, c)
        check(c.session != before, "the cookie after set-up",
              "rotated", c.session)
        old = Client(self.srv)
        old.jar["infuus_session"] = before
        eq(old.get("/api/me").status, 401, "the cookie from before set-up")
        # Log-in: the half-way cookie dies when the code is given.
        d = Client(self.srv)
        d.login(TWOFA[0], TWOFA[1])
        pending = d.session
        r = d.post("/login/2fa", {"code": totp(secret, step + 1),
                                  "csrf": csrf_in(d.get("/login/2fa").text)})
        eq((r.status, r.header("location")), (303, "/"), "the right code")
        self.twofa = (secret, step + 1, codes, d)
        check(d.session and d.session != pending, "the cookie after the "
              "second factor", "a new value", d.session)
        old = Client(self.srv)
        old.jar["infuus_session"] = pending
        eq(old.get("/api/me").status, 401, "the half-way cookie afterwards")
        eq(d.me()["two_factor"], True, "the new cookie's session")

    def test_two_factor_off_needs_a_code(self):
        check(getattr(self, "twofa", None), "two factors set up by the "
              "test before", "set up", None)
        secret, step, codes, c = self.twofa
        r = c.post("/account/2fa/disable", {"current": TWOFA[1],
                                            "csrf": c.csrf()})
        eq(r.status, 400, "switching off with the password alone")
        r = c.post("/account/2fa/disable", {"current": TWOFA[1],
                                            "code": "000000",
                                            "csrf": c.csrf()})
        eq(r.status, 400, "switching off with a wrong code")
        check("Two-step verification is on." in c.get("/account").text,
              "the account page", "two factors still on", "")
        r = c.post("/account/2fa/disable", {"current": TWOFA[1],
                                            "code": codes[0],
                                            "csrf": c.csrf()})
        eq(r.status, 200, "switching off with a recovery code")
        check("Two-step verification is off." in r.text, "the page",
              "two factors off", r.text[:2000])
        # On again, for the pending-timeout test at the end.
        self.twofa_secret = self.setup_totp(c)[0]

    # --- finding 9: invitations --------------------------------------------

    def test_invitation_tells_the_administrator_nothing(self):
        self.smtp.clear()
        fresh = "sec.nobody.yet@example.test"
        pages = [self.invite(ELSEWHERE[0]), self.invite(fresh)]
        for r in pages:
            eq(r.status, 200, "POST /org/invites")
            check("/invite/" not in r.text, "the administrator's page",
                  "no invitation link", r.text[:3000])
        check(self.bare(pages[0].text, ELSEWHERE[0], fresh) ==
              self.bare(pages[1].text, ELSEWHERE[0], fresh),
              "the pages for an address with an account elsewhere and "
              "without", "identical", "they differ")
        # The links went by mail; only there is an account mentioned.
        r = Client(self.srv).get(self.mailed_link("invite", ELSEWHERE[0]))
        check("already have an account" in r.text, "the mailed link of "
              "the existing account", "asks for its password", r.text[:2000])
        r = Client(self.srv).get(self.mailed_link("invite", fresh))
        check("already have an account" not in r.text and 'name="name"' in
              r.text, "the mailed link of a new address", "asks for a name",
              r.text[:2000])

    # --- finding 10: passwords, names, sessions, the picker -----------------

    def test_password_equal_to_the_address_is_refused(self):
        c = self.login(PWUSER)
        pw = PWUSER[0].upper()
        r = c.post("/account/password", {
            "current": self.pw[PWUSER[0]], "password": pw, "password2": pw,
            "csrf": c.csrf()})
        eq(r.status, 400, "the e-mail address as the new password")
        check("must not be your e-mail address" in r.text, "the message",
              "names the reason", r.text[:3000])
        eq(Client(self.srv).login(PWUSER[0], pw).status, 401,
           "log-in with the refused password")
        self.smtp.clear()
        addr = "sec.self@example.test"
        self.invite(addr, "client")
        link = self.mailed_link("invite", addr)
        n = Client(self.srv)
        r = n.post(link, {"name": "Sebastiaan Self", "password": addr,
                          "password2": addr, "csrf": csrf_in(n.get(link).text)})
        eq(r.status, 400, "accepting an invitation with the address as "
           "password")
        check("must not be your e-mail address" in r.text, "the message",
              "names the reason", r.text[:3000])

    def test_display_names_refuse_hidden_characters_and_copies(self):
        c = self.login(RESET)
        for name in ("Rob\u202eboR", "\u2066Rob\u2069", "Ro\u200bb",
                     "\ufeffRob"):
            r = c.post("/account", {"name": name, "lang": "en",
                                    "csrf": c.csrf()})
            eq(r.status, 400, "the name %r" % name)
            check("invisible character" in r.text, "the message for %r" %
                  name, "names the reason", r.text[:3000])
        for name in ("Anna Admin", "anna  admin", "Carla Coach"):
            r = c.post("/account", {"name": name, "lang": "en",
                                    "csrf": c.csrf()})
            eq(r.status, 409, "another member's name %r" % name)
            check("already has this name" in r.text, "the message",
                  "names the reason", r.text[:3000])
        eq(c.me()["name"], RESET[2], "the name after the refusals")
        r = c.post("/account", {"name": "Rob R.", "lang": "en",
                                "csrf": c.csrf()})
        eq(r.status, 303, "a name of one's own")
        r = c.post("/account", {"name": RESET[2], "lang": "en",
                                "csrf": c.csrf()})
        eq(r.status, 303, "the old name back")

    def test_sessions_per_user_are_capped(self):
        cs = [self.login(MANY) for _ in range(SESSIONS_PER_USER + 1)]
        eq(cs[0].get("/api/me").status, 401, "the oldest session past the "
           "cap")
        for i, c in enumerate(cs[1:]):
            eq(c.get("/api/me").status, 200, "session %d" % (i + 2))

    def test_client_picker_shows_names_and_is_logged(self):
        q = ("SELECT COUNT(*) FROM audit_log WHERE detail = 'client-picker' "
             "AND actor_id = %d" % self.uid("coach@demo.infuus.test"))
        before = self.sql_one(q)
        coach = Client(self.srv)
        coach.login_ok(*self.srv.users["professional"])
        r = coach.get("/t/new")
        eq(r.status, 200, "GET /t/new")
        sel = re.search(r'<select id="f-client".*?</select>', r.text, re.S)
        check(sel and "Sara Client" in sel.group(0), "the picker",
              "lists the clients by name", r.text[:3000])
        check("@" not in sel.group(0), "the picker", "no e-mail addresses",
              sel.group(0))
        eq(self.sql_one(q), before + 1, "access-log entries for the picker")

    # --- not yet tried: reset links and timeouts (the clock moves) ----------

    def test_reset_link_works_once(self):
        self.smtp.clear()
        c = Client(self.srv)
        c.post("/reset", {"email": RESET[0], "csrf": c.csrf()})
        link = self.mailed_link("reset", RESET[0])
        r = c.get(link)
        eq(r.status, 200, "GET the reset link")
        new = "rob-resets-his-password"
        r = c.post(link, {"password": new, "password2": new,
                          "csrf": csrf_in(r.text)})
        eq(r.status, 303, "the new password")
        eq(Client(self.srv).get(link).status, 410, "GET the used link")
        d = Client(self.srv)
        r = d.post(link, {"password": "rob-tries-it-again-1",
                          "password2": "rob-tries-it-again-1",
                          "csrf": d.csrf()})
        eq(r.status, 410, "POST the used link")
        eq(Client(self.srv).login(RESET[0], "rob-tries-it-again-1").status,
           401, "log-in with the second password")
        self.pw[RESET[0]] = new

    def test_reset_link_expires(self):
        self.smtp.clear()
        c = Client(self.srv)
        c.post("/reset", {"email": RESET[0], "csrf": c.csrf()})
        link = self.mailed_link("reset", RESET[0])
        eq(Client(self.srv).get(link).status, 200, "GET the fresh link")
        self.advance(RESET_TTL + 60)
        eq(Client(self.srv).get(link).status, 410, "GET the link an hour "
           "later")
        d = Client(self.srv)
        r = d.post(link, {"password": "too-late-for-this-1",
                          "password2": "too-late-for-this-1",
                          "csrf": d.csrf()})
        eq(r.status, 410, "POST the expired link")
        self.login(RESET)  # the password is unchanged

    def test_idle_session_ends(self):
        c = self.login(MANY)
        self.advance(SESSION_IDLE - 120)
        eq(c.get("/api/me").status, 200, "after idling less than the limit")
        self.advance(SESSION_IDLE + 60)
        eq(c.get("/api/me").status, 401, "after idling past the limit")
        c = self.login(MANY)
        self.advance(SESSION_IDLE + 60)
        r = c.get("/account")
        eq((r.status, r.header("location")), (303, "/login?expired=1"),
           "a page after idling past the limit")

    def test_absolute_session_limit(self):
        c = self.login(MANY)
        step, lived = SESSION_IDLE - 300, 0
        while lived + step < SESSION_ABSOLUTE:
            self.advance(step)
            lived += step
            eq(c.get("/api/me").status, 200, "a busy session after %d s" %
               lived)
        self.advance(SESSION_ABSOLUTE - lived + 60)
        eq(c.get("/api/me").status, 401, "a busy session past the "
           "absolute limit")

    def test_pending_second_factor_times_out(self):
        secret = getattr(self, "twofa_secret", None)
        check(secret, "the two-factor user of the test before", "set up",
              secret)
        c = Client(self.srv)
        eq(c.login(TWOFA[0], TWOFA[1]).header("location"), "/login/2fa",
           "log-in of the two-factor user")
        tok = csrf_in(c.get("/login/2fa").text)
        self.advance(SESSION_2FA_PENDING + 30)
        r = c.post("/login/2fa", {"code": totp(secret, totp_step(self.now())),
                                  "csrf": tok})
        check(r.status == 303 and (r.header("location") or "").startswith(
            "/login") and r.header("location") != "/login/2fa",
              "the right code after the pending limit", "303 to /login", r)
        eq(c.get("/api/me").status, 401, "the timed-out session")
        # Within the limit the same steps succeed.
        c = Client(self.srv)
        c.login(TWOFA[0], TWOFA[1])
        self.advance(SESSION_2FA_PENDING - 120)
        r = c.post("/login/2fa", {"code": totp(secret, totp_step(self.now())),
                                  "csrf": csrf_in(c.get("/login/2fa").text)})
        eq((r.status, r.header("location")), (303, "/"),
           "the right code within the pending limit")

    # --- last: without a mail server (a new server) --------------------------

    def test_demo_without_mail_prints_the_invitation_on_the_console(self):
        self.srv.stop()
        srv = self.server().start(fresh=True)
        admin = Client(srv)
        admin.login_ok(*srv.users["admin"])
        r = admin.post("/org/invites", {"email": "sec.console@example.test",
                                        "role": "client",
                                        "csrf": admin.csrf()})
        eq(r.status, 200, "POST /org/invites without a mail server")
        check("/invite/" not in r.text and "console" in r.text,
              "the administrator's page", "no link; the console named",
              r.text[:3000])
        out = srv.stdout()
        check(re.search(r"invitation for sec\.console@example\.test: "
                        r"http\S*/invite/[A-Za-z0-9_\-]{20,}", out),
              "the server's console in --demo", "the invitation link",
              out[-2000:])
        check("/invite/" not in srv.stderr(), "the server's log",
              "no invitation link", "")
