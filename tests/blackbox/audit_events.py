"""
audit_events.py - black-box tests of the access log's refusals and security
events (issue 9, finding 3) and of the administrator's way to it (issue 8):
refused accesses are denied entries, each authentication and
administration event leaves an entry, a flood of refusals becomes a few
entries whose counts add up, the administrator's filters work, and no
secret reaches the log.  Imported by run.py, which runs the class like the
others.
"""
import json
import os
import re
import sqlite3
import subprocess
import time

from lib import BIN, SECRET, Client, check, csrf_in, eq, totp, totp_step

AE_COACH = ("audit.coach@demo.infuus.test", "audit-coach-pass-123")
AE_FLOOD = ("audit.flood@demo.infuus.test", "audit-flood-pass-123")
AE_MEMBER = ("audit.member@demo.infuus.test", "audit-member-pass-123")
AE_ADMIN2 = ("audit.admin@demo.infuus.test", "audit-admin2-pass-123")
AE_WALKER = ("audit.walker@demo.infuus.test", "audit-walker-pass-123")
AE_INVITEE = ("audit.invitee@example.test", "audit-invitee-pass-123")
UNKNOWN = "nobody-known@demo.infuus.test"
FLOOD = 1000

COLS = ("org_id", "seq", "actor_id", "kind", "detail", "outcome",
        "repeat_count", "object_id", "address")


class AuditEventsMixin:
    def setup(self):
        self.srv = self.server().start(fresh=True)
        u = self.srv.users
        self.passwords = [p for _, p in u.values()]
        for email, pw, name, role in (
                (AE_COACH[0], AE_COACH[1], "Aad Audit", "professional"),
                (AE_FLOOD[0], AE_FLOOD[1], "Floor Flood", "client"),
                (AE_MEMBER[0], AE_MEMBER[1], "Mees Member", "professional"),
                (AE_ADMIN2[0], AE_ADMIN2[1], "Ada Admin", "admin"),
                (AE_WALKER[0], AE_WALKER[1], "Wim Walker", "client")):
            self.srv.cli_ok("user", "create", "--email", email, "--name",
                            name, "--org", "demo", "--role", role,
                            password=pw)
            self.passwords.append(pw)
        self.passwords.append(AE_INVITEE[1])
        self.client = Client(self.srv)
        self.client.login_ok(*u["client"])
        me = self.client.me()
        self.client_uid, self.org = me["id"], me["org"]
        # The administrator passes two factors: the log needs them.
        self.admin = Client(self.srv)
        self.admin.login_ok(*u["admin"])
        self.admin_uid = self.admin.me()["id"]
        # The demo people read Dutch; the checks below read English words.
        self.set_lang(self.admin, "Anna Admin", "en")
        r = self.admin.get("/account/2fa")
        self.totp_secret = SECRET.search(r.text).group(1)
        r = self.admin.post("/account/2fa", {
            "code": totp(self.totp_secret, totp_step()),
            "csrf": csrf_in(r.text)})
        eq(r.status, 200, "the admin sets up two-step verification")
        self.passwords.append(self.totp_secret.replace(" ", ""))

    # --- helpers ---------------------------------------------------------

    def rows(self, where="1 = 1"):
        """Access-log rows as dicts (straight from the database, so the
        system chain is seen too)."""
        q = "SELECT %s FROM audit_log WHERE %s ORDER BY org_id, seq" % (
            ", ".join(COLS), where)
        if self.srv.backend == "postgres":
            out = self.srv.pg.sql(q)
            raw = [line.split("|") for line in out.splitlines() if line]
        else:
            with sqlite3.connect(self.srv.sqlite_path()) as db:
                raw = db.execute(q).fetchall()
        res = []
        for r in raw:
            d = dict(zip(COLS, r))
            for k in ("org_id", "seq", "actor_id", "repeat_count",
                      "object_id"):
                d[k] = int(d[k]) if d[k] not in (None, "") else 0
            res.append(d)
        return res

    def entry(self, detail, outcome, what, **match):
        """The entries with this detail and outcome (and fields); fails
        when there is none."""
        found = [r for r in self.rows("detail = '%s' AND outcome = '%s'" % (
            detail, outcome)) if all(r[k] == v for k, v in match.items())]
        check(found, "an access-log entry for " + what,
              "detail=%s outcome=%s %s" % (detail, outcome, match),
              self.rows("detail = '%s'" % detail) or "no entry with that "
              "detail")
        return found

    def set_lang(self, c, name, lang):
        r = c.post("/account", {"name": name, "lang": lang,
                                "csrf": c.csrf()})
        eq(r.status, 303, "POST /account lang=" + lang)

    def uid(self, email, password):
        c = Client(self.srv)
        c.login_ok(email, password)
        return c, c.me()["id"]

    def log_rows(self, query=""):
        """The administrator's view: the cells of each row."""
        r = self.admin.get("/org/audit" + query)
        eq(r.status, 200, "admin GET /org/audit" + query)
        body = re.search(r"<tbody>(.*?)</tbody>", r.text, re.S)
        rows = re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "",
                          re.S)
        cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in
                  re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]
        return r, cells

    # --- refusals --------------------------------------------------------

    def test_refused_accesses_are_denied_entries(self):
        c = self.client
        eq(c.get("/queue").status, 403, "client GET /queue (professionals')")
        eq(c.get("/org/members").status, 403, "client GET /org/members")
        r = c.post("/account", {"name": "Kees", "csrf": "x" * 43})
        eq(r.status, 403, "client POST /account with a wrong token")
        got = self.entry("forbidden", "denied", "the client's refused pages",
                         actor_id=self.client_uid, kind="route",
                         org_id=self.org)
        eq(got[0]["address"], "127.0.0.1", "where: the refused caller's "
           "address")
        self.entry("csrf", "denied", "the refused form",
                   actor_id=self.client_uid, kind="route")
        # Anonymous, on the log-in form: no organisation, the system chain.
        anon = Client(self.srv)
        anon.get("/login")
        r = anon.post("/login", {"email": UNKNOWN, "password": "x" * 12,
                                 "csrf": "y" * 43})
        eq(r.status, 403, "anonymous POST /login with a wrong token")
        self.entry("csrf", "denied", "an anonymous refused form", org_id=0,
                   actor_id=0)
        # The administrator sees them, in words.
        _, cells = self.log_rows("?outcome=denied")
        check(cells and all("refused" in row[6] for row in cells),
              "the admin's log filtered on refused", "only refused rows",
              cells[:5])
        check(any("(client)" in row[1] and "no access" in row[2]
                  for row in cells),
              "the client's refusal in the admin's log",
              "a row naming the client, 'no access'", cells[:5])

    def test_pages_that_need_two_factors_say_so_and_lead_there(self):
        for lang, words, link in (
                ("en", "needs two-step verification",
                 "Set up two-step verification"),
                ("nl", "tweestapsverificatie", "Tweestapsverificatie "
                 "instellen")):
            c = Client(self.srv, lang=lang)
            c.login_ok(*AE_ADMIN2)
            self.set_lang(c, "Ada Admin", lang)
            r = c.get("/org/audit")
            eq(r.status, 403, "an admin without 2FA on /org/audit (%s)" %
               lang)
            check(words in r.text, "the reason on the page (%s)" % lang,
                  words, r.text[-1500:])
            check(re.search(r'<a href="/account/2fa">%s</a>' % link, r.text),
                  "a link to set it up (%s)" % lang, link, r.text[-1500:])
            eq(c.get("/account/2fa").status, 200, "the link works")
        self.entry("forbidden", "denied", "the refused access log",
                   kind="route")

    # --- security events ---------------------------------------------------

    def test_each_security_event_leaves_an_entry(self):
        coach, coach_uid = self.uid(*AE_COACH)
        # Failed log-ins: a member's account, and an unknown address.
        eq(Client(self.srv).login(AE_COACH[0], "wrong-password-12").status,
           401, "a wrong password")
        self.entry("login-failed", "failure", "a failed log-in on a member's "
                   "account", org_id=self.org, object_id=coach_uid,
                   actor_id=0)
        eq(Client(self.srv).login(UNKNOWN, "wrong-password-12").status, 401,
           "an unknown address")
        self.entry("login-failed", "failure", "a failed log-in for an "
                   "unknown address", org_id=0, object_id=0)
        self.entry("login", "success", "a log-in", actor_id=coach_uid,
                   org_id=self.org)
        # Password change, wrong and right.
        r = coach.post("/account/password", {
            "current": "not-the-password-1", "password": "x", "password2":
            "x", "csrf": coach.csrf()})
        eq(r.status, 400, "a password change with a wrong current one")
        self.entry("password-change", "failure", "a refused password change",
                   actor_id=coach_uid)
        new_pw = "audit-coach-new-pass-456"
        self.passwords.append(new_pw)
        r = coach.post("/account/password", {
            "current": AE_COACH[1], "password": new_pw, "password2": new_pw,
            "csrf": coach.csrf()})
        eq(r.status, 200, "a password change")
        self.entry("password-change", "success", "a password change",
                   actor_id=coach_uid, object_id=coach_uid)
        # Two factors on (a wrong first code, then the right one).
        r = coach.get("/account/2fa")
        secret = SECRET.search(r.text).group(1)
        self.passwords.append(secret.replace(" ", ""))
        step = totp_step()
        wrong = "%06d" % ((int(totp(secret, step)) + 1) % 1000000)
        r = coach.post("/account/2fa", {"code": wrong, "csrf": csrf_in(
            r.text)})
        self.entry("twofa-on", "failure", "a failed set-up",
                   actor_id=coach_uid)
        r = coach.get("/account/2fa")
        secret = SECRET.search(r.text).group(1)
        self.passwords.append(secret.replace(" ", ""))
        r = coach.post("/account/2fa", {"code": totp(secret, step),
                                        "csrf": csrf_in(r.text)})
        eq(r.status, 200, "two-step verification on")
        self.entry("twofa-on", "success", "two factors on",
                   actor_id=coach_uid)
        # Wrong codes at log-in, then log out.
        c = Client(self.srv)
        c.login(AE_COACH[0], new_pw)
        self.entry("login-partial", "success", "a password accepted, code "
                   "to come", object_id=coach_uid)
        tok = csrf_in(c.get("/login/2fa").text)
        wrong = "%06d" % ((int(totp(secret, step + 1)) + 1) % 1000000)
        eq(c.post("/login/2fa", {"code": wrong, "csrf": tok}).status, 401,
           "a wrong code")
        self.entry("totp-failed", "failure", "a wrong code",
                   actor_id=coach_uid, org_id=self.org)
        eq(c.post("/login/2fa", {"code": "abcd-efgh-ijkl", "csrf": tok}
                  ).status, 401, "a wrong recovery code")
        self.entry("recovery-failed", "failure", "a wrong recovery code",
                   actor_id=coach_uid)
        eq(c.post("/logout", {"csrf": tok}).status, 303,
           "log-out half-way")
        self.entry("logout", "success", "a log-out", actor_id=coach_uid)
        # Two factors off.
        # Turning it off takes a code too, one not used before (the set-up
        # used the code of `step`).
        r = coach.post("/account/2fa/disable", {
            "current": new_pw, "code": totp(secret, step + 1),
            "csrf": coach.csrf()})
        eq(r.status, 200, "two-step verification off")
        self.entry("twofa-off", "success", "two factors off",
                   actor_id=coach_uid)
        # A reset link that does not work.
        anon = Client(self.srv)
        r = anon.post("/reset/" + "z" * 43, {
            "password": "reset-attempt-pass-1", "password2":
            "reset-attempt-pass-1", "csrf": anon.csrf()})
        eq(r.status, 410, "a reset with an unknown token")
        self.entry("password-reset", "failure", "a failed reset", org_id=0)
        # Administration: role, invitation and its acceptance, removal,
        # the organisation's two-factor setting.
        _, member_uid = self.uid(*AE_MEMBER)
        a = self.admin
        r = a.post("/org/members/%d/role" % member_uid, {
            "role": "client", "csrf": a.csrf()})
        eq(r.status, 200, "an admin changes a role")
        self.entry("role-change", "success", "a role change",
                   actor_id=self.admin_uid, object_id=member_uid,
                   org_id=self.org)
        r = a.post("/org/invites", {"email": AE_INVITEE[0], "role":
                                    "client", "csrf": a.csrf()})
        eq(r.status, 200, "an admin invites")
        self.entry("invite-create", "success", "an invitation",
                   actor_id=self.admin_uid)
        # Without a mail server the demo prints the link on the console;
        # the administrator's page never shows it.
        m = re.search(r"demo: invitation for %s: \S*/invite/"
                      r"([A-Za-z0-9_\-]{20,})" % re.escape(AE_INVITEE[0]),
                      self.srv.stdout())
        check(m, "the invitation link on the server's console",
              "/invite/<token>", self.srv.stdout()[-1500:])
        self.passwords.append(m.group(1))
        inv = Client(self.srv)
        page = inv.get("/invite/" + m.group(1))
        r = inv.post("/invite/" + m.group(1), {
            "name": "Ines Invitee", "password": AE_INVITEE[1],
            "password2": AE_INVITEE[1], "csrf": csrf_in(page.text)})
        eq(r.status, 303, "the invitation accepted")
        invitee_uid = inv.me()["id"]
        self.entry("invite-accept", "success", "an accepted invitation",
                   actor_id=invitee_uid, org_id=self.org)
        r = a.post("/org/members/%d/remove" % member_uid, {"csrf": a.csrf()})
        eq(r.status, 200, "an admin removes a member")
        self.entry("member-remove", "success", "a removal",
                   actor_id=self.admin_uid, object_id=member_uid)
        r = a.post("/org/settings", {"require_2fa": "0", "csrf": a.csrf()})
        eq(r.status, 200, "an admin saves the two-factor setting")
        self.entry("org-2fa-setting", "success", "the organisation's "
                   "two-factor setting", actor_id=self.admin_uid)
        # The administrator sees them in words, with the "What" filter.
        _, cells = self.log_rows("?what=member")
        check(cells and all("membership" in row[3] for row in cells),
              "the admin's log filtered on memberships",
              "only membership rows", cells[:5])
        # Removed since, Mees is named by number (no member now).
        check(any("#%d" % member_uid in row[3] and row[2] == "role changed"
                  for row in cells), "the role change in words",
              "'role changed' ... 'person #%d'" % member_uid,
              cells[:5])
        _, cells = self.log_rows("?what=session&outcome=failure")
        check(any("log-in failed" in row[2] and "Aad Audit" in row[3]
                  for row in cells), "the failed log-in in words",
              "'log-in failed' on Aad Audit's account", cells[:5])
        check(all("failed" in row[6] for row in cells), "outcome filter",
              "only failed rows", cells[:5])

    def test_route_walk_every_refusal_is_counted(self):
        """Each route a client may not use, called by a client: every
        refusal is in the log (counted), and the entries stay few."""
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        out = subprocess.run([BIN, "routes"], capture_output=True, text=True,
                             timeout=30, env=env)
        table = [json.loads(ln) for ln in out.stdout.splitlines()
                 if ln.startswith("{")]
        check(table, "infuus routes", "the route table", out.stderr[-500:])
        c, uid = self.uid(*AE_WALKER)
        tok = c.csrf()
        refused = []
        for rt in table:
            if rt["anonymous"] or "client" in rt["roles"]:
                continue
            path = "/".join("1" if seg.startswith(":") else seg
                            for seg in rt["path"].split("/"))
            if rt["method"] == "GET":
                r = c.get(path)
            else:
                r = c.post(path, {"csrf": tok})
            eq(r.status, 403, "client %s %s" % (rt["method"], path))
            refused.append(path)
        check(len(refused) >= 10, "routes a client may not use", ">= 10",
              refused)
        self.log_rows("?outcome=denied")  # writes the pending counts
        got = self.rows("actor_id = %d AND outcome = 'denied'" % uid)
        eq(sum(r["repeat_count"] for r in got), len(refused),
           "refusals in the access log (counted) for %d refused requests" %
           len(refused))
        check(len(got) <= 4, "entries for the walk", "at most a first and a "
              "count for reading and for changing", got)

    # --- the flood ---------------------------------------------------------

    def test_a_flood_of_refusals_is_counted_not_written(self):
        c, uid = self.uid(*AE_FLOOD)
        t0 = time.time()
        for i in range(FLOOD):
            r = c.get("/queue")
            if r.status != 403:
                eq(r.status, 403, "refusal %d of the flood" % i)
        secs = time.time() - t0
        # Looking at the log writes the pending count.
        self.log_rows("?outcome=denied")
        got = self.rows("actor_id = %d AND kind = 'route'" % uid)
        windows = int(secs // 60) + 1
        check(len(got) <= 2 * windows + 1,
              "entries for %d refusals in %.0f s" % (FLOOD, secs),
              "at most two per minute", len(got))
        eq(sum(r["repeat_count"] for r in got), FLOOD,
           "the counts of the flood's entries added up")
        check(all(r["outcome"] == "denied" and r["detail"] == "forbidden"
                  for r in got), "the flood's entries", "denied, forbidden",
              got)
        _, cells = self.log_rows("?outcome=denied&what=route")
        check(any("Floor Flood" in row[1] and "%d times" % (FLOOD - 1)
                  in row[6] for row in cells), "the count in the admin's log",
              "'%d times' on Floor Flood's row" % (FLOOD - 1), cells[:5])
        out = self.srv.cli("audit", "verify")
        eq(out.returncode, 0, "infuus audit verify after the flood: " +
           out.stdout + out.stderr)

    # --- filters and secrets -------------------------------------------------

    def test_admin_filters_refuse_unknown_values(self):
        for q in ("?outcome=maybe", "?what=passwords", "?what=%27"):
            eq(self.admin.get("/org/audit" + q).status, 400,
               "GET /org/audit" + q)
        r, _ = self.log_rows("?outcome=success&what=account")
        for name in ("what", "outcome"):
            check('<select id="f-%s" name="%s">' % (name, name) in r.text,
                  "the %s filter on the page" % name, "a select", r.text[:3000])
        check('<option value="account" selected>' in r.text and
              '<option value="success" selected>' in r.text,
              "the chosen filters stay chosen", "selected options",
              r.text[:3000])

    def test_no_secret_reaches_the_log(self):
        if self.srv.backend == "postgres":
            dump = self.srv.pg.sql("SELECT * FROM audit_log")
        else:
            with sqlite3.connect(self.srv.sqlite_path()) as db:
                dump = "\n".join(repr(r) for r in db.execute(
                    "SELECT * FROM audit_log"))
        leaked = [s for s in self.passwords + [UNKNOWN, AE_COACH[0]] +
                  list(Client.SEEN) if s and s in dump]
        eq(leaked, [], "passwords, codes, tokens, cookies or e-mail "
           "addresses in the access log")
