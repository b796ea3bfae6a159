"""
modules.py - black-box tests of self-help modules (issue 12) over real
HTTP: a professional writes a module (a draft refused with its reason,
the preview as the client sees it), publishes it and gives it guided;
the client completes two sessions with exercises, the professional sees
progress and answers and gives feedback; answers sealed in the database
and in the client's export and the access log; bad input refused with
its reason; another client refused; and timed delivery: the next session
opens a day later, on a server clock moved forward with libfaketime, and
the client is reminded without content.  Imported by run.py.
"""
import glob
import os
import re
import sqlite3
import time

from coaching import location_id, new_trajectory
from lib import Client, Sql, check, eq, mail_rcpt, mail_text

OTHER_CLIENT = ("mod.other@demo.infuus.test", "mod-other-client-pass-1")
SECRET = "zeepbellenblazer"

SOURCE = """@session Spanning herkennen
@page text Welkom
Stress is **gewoon** een signaal.
@page free Wat merk je?
Wat merk je in je lijf als je gespannen bent?
@session Ontspannen
@page choice Hoe vaak?
Hoe vaak neem je pauze?
@option Elk uur
@option Twee keer per dag
@option Bijna nooit
@page assignment Een rustmoment
Plan deze week drie rustmomenten en schrijf op hoe het ging.
@session Terugblik
@page text Tot slot
Goed gedaan.
"""


def libfaketime():
    for p in sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")):
        return p
    return None


class ModulesMixin(Sql):
    """Set-up and helpers for the Modules suite."""

    def setup(self):
        self.srv = self.server_with_mail(base_url=False)
        self.users = dict(self.srv.users)
        self.coach = Client(self.srv)
        self.coach.login_ok(*self.users["professional"])
        self.client = Client(self.srv)
        self.client.login_ok(*self.users["client"])
        self.srv.cli_ok("user", "create", "--email", OTHER_CLIENT[0],
                        "--name", "Andere Klant", "--org", "demo", "--role",
                        "client", password=OTHER_CLIENT[1])
        self.other = Client(self.srv)
        self.other.login_ok(*OTHER_CLIENT)
        self.client_id = self.client.me()["id"]
        self.tid = self.trajectory(self.client_id, "Minder stress")
        self.tid2 = self.trajectory(self.other.me()["id"], "Ander traject")

    def teardown(self):
        if getattr(self, "smtp", None):
            self.smtp.stop()

    def sql_bytes(self, q):
        """Every value of a query's first column as bytes (for a search
        for plaintext)."""
        if self.backend != "sqlite":
            return self.pg.sql(q).encode()
        con = sqlite3.connect(self.srv.sqlite_path(), timeout=10)
        try:
            return b"".join(bytes(r[0]) if isinstance(r[0], bytes) else
                            str(r[0]).encode()
                            for r in con.execute(q).fetchall()
                            if r[0] is not None)
        finally:
            con.close()

    def trajectory(self, uid, title):
        return new_trajectory(self.coach, uid, title)

    def module(self, title, source):
        r = self.coach.post("/modules", {"csrf": self.coach.csrf(),
                                         "title": title})
        eq(r.status, 303, "a new module")
        mid = location_id(r, "/modules/")
        r = self.save(mid, title, source)
        eq(r.status, 303, "the draft saved")
        return mid

    def save(self, mid, title, source):
        return self.coach.post("/modules/%d?csrf=%s" % (mid, self.coach.csrf()),
                               {"title": title, "source": source})

    def publish(self, mid):
        return self.coach.post("/modules/%d/publish" % mid,
                               {"csrf": self.coach.csrf()})

    def give(self, tid, mid, timing, guided=True, **extra):
        form = {"csrf": self.coach.csrf(), "module": str(mid),
                "timing": timing}
        if guided:
            form["guided"] = "1"
        form.update(extra)
        return self.coach.post("/t/%d/modules" % tid, form)

    def give_ok(self, tid, mid, timing, guided=True, **extra):
        before = set(re.findall(r'href="/md/(\d+)"',
                                self.coach.get("/t/%d/modules" % tid).text))
        r = self.give(tid, mid, timing, guided, **extra)
        eq(r.status, 303, "the module given")
        after = set(re.findall(r'href="/md/(\d+)"',
                               self.coach.get("/t/%d/modules" % tid).text))
        new = after - before
        check(len(new) == 1, "the trajectory's modules", "one new run",
              (before, after))
        return int(new.pop())

    def answer(self, who, rid, s, p, text):
        return who.post("/md/%d/answer" % rid, {
            "csrf": who.csrf(), "s": str(s), "p": str(p), "answer": text})

    def finish(self, who, rid, s):
        return who.post("/md/%d/finish?s=%d" % (rid, s),
                        {"csrf": who.csrf()})

    @staticmethod
    def session_state(page, title):
        m = re.search(r">%s</a>?\s*<span class=\"muted\">\(([^)]*)\)" %
                      re.escape(title), page) or re.search(
            r"<li>%s <span class=\"muted\">\(([^)]*)\)" % re.escape(title),
            page)
        return m.group(1) if m else None

    # --- tests, in order ---------------------------------------------------

    def test_author_publish_guided_two_sessions_feedback(self):
        # A draft that does not parse is refused with the line and why.
        r = self.coach.post("/modules", {"csrf": self.coach.csrf(),
                                         "title": "Stress de baas"})
        mid = location_id(r, "/modules/")
        r = self.save(mid, "Stress de baas", "@page text Los\nTekst\n")
        eq(r.status, 400, "a page before any session")
        check("Line 1" in r.text or "Regel 1" in r.text, "the refusal",
              "the line named", r.text[-3000:])
        check('aria-invalid="true"' in r.text or "f-source-error" in r.text,
              "the refusal", "next to the field", r.text[-3000:])
        r = self.save(mid, "Stress de baas", SOURCE)
        eq(r.status, 303, "the draft saved")
        # Nothing to give before publishing.
        r = self.give(self.tid, mid, "all")
        eq(r.status, 400, "giving an unpublished module")
        # The preview is the client's page: Markdown rendered, exercises
        # shown but not answerable.
        r = self.coach.get("/modules/%d/preview?s=1" % mid)
        eq(r.status, 200, "the preview")
        check("<strong>gewoon</strong>" in r.text, "the preview",
              "Markdown rendered", r.text[-3000:])
        check("disabled" in r.text and "Wat merk je" in r.text,
              "the preview", "the question, its form disabled",
              r.text[-3000:])
        r = self.coach.get("/modules/%d/preview?s=9" % mid)
        eq(r.status, 404, "a preview of a session that does not exist")
        eq(self.publish(mid).status, 303, "publish")
        r = self.publish(mid)
        eq(r.status, 409, "publishing the same draft again")
        check("version 1" in r.text or "versie 1" in r.text,
              "the refusal", "already published as version 1",
              r.text[-3000:])
        # Given guided, the next session after finishing the one before.
        rid = self.give_ok(self.tid, mid, "after")
        page = self.client.get("/md/%d" % rid)
        eq(page.status, 200, "the client opens the module")
        check("<strong>gewoon</strong>" in page.text, "the client's page",
              "the same rendering as the preview", page.text[-3000:])
        st = self.session_state(page.text, "Ontspannen")
        check(st in ("not open yet", "nog niet open"), "session 2",
              "not open yet", st)
        # Session 2 cannot be answered yet: refused with the reason.
        r = self.answer(self.client, rid, 2, 1, "1")
        eq(r.status, 409, "an answer in a session not open yet")
        check("not open yet" in r.text or "nog niet open" in r.text,
              "the refusal", "the reason", r.text[-3000:])
        # Session 1: the free question, then finished.
        r = self.answer(self.client, rid, 1, 2, "Hoofdpijn, " + SECRET)
        eq(r.status, 303, "the client's answer")
        page = self.client.get("/md/%d?s=1" % rid).text
        check(SECRET in page, "the client's page", "the answer kept", "")
        eq(self.finish(self.client, rid, 1).status, 303, "session 1 done")
        page = self.client.get("/md/%d" % rid).text
        st = self.session_state(page, "Ontspannen")
        check(st in ("open",), "session 2 after finishing 1", "open", st)
        # Session 2: a choice and the assignment.
        eq(self.answer(self.client, rid, 2, 1, "2").status, 303, "a choice")
        eq(self.answer(self.client, rid, 2, 2,
                       "Drie keer gewandeld.").status, 303, "the assignment")
        eq(self.finish(self.client, rid, 2).status, 303, "session 2 done")
        r = self.answer(self.client, rid, 2, 1, "3")
        eq(r.status, 409, "an answer after finishing the session")
        # The professional: progress, answers, waiting for feedback.
        page = self.coach.get("/t/%d/modules" % self.tid).text
        check("2 / 3" in page, "the professional's progress",
              "2 / 3 sessions", page[-3000:])
        m = re.search(r'class="waiting">(\d+)<', page)
        check(m and int(m.group(1)) >= 2, "answers waiting for feedback",
              ">= 2", m and m.group(1))
        page = self.coach.get("/md/%d?s=2" % rid).text
        check("Twee keer per dag" in page and "Drie keer gewandeld." in
              page, "the professional's view of session 2",
              "the client's answers", page[-3000:])
        r = self.coach.post("/md/%d/feedback?s=2" % rid, {
            "csrf": self.coach.csrf(), "feedback": "Mooi, *ga zo door*."})
        eq(r.status, 303, "the feedback")
        page = self.coach.get("/t/%d/modules" % self.tid).text
        m = re.search(r'class="waiting">(\d+)<', page)
        # session 2's answers have their feedback; session 1's still wait
        eq(m and m.group(1), "1", "answers waiting after the feedback")
        page = self.client.get("/md/%d?s=2" % rid).text
        check("<em>ga zo door</em>" in page, "the client's page",
              "the feedback rendered", page[-3000:])
        # Sealed: the answer is not in the database as plaintext.
        blob = self.sql_bytes("SELECT body_box FROM module_answers")
        check(blob and SECRET.encode() not in blob, "module_answers",
              "sealed boxes, no plaintext", blob[:80])
        # The other client of the organisation reaches nothing.
        eq(self.other.get("/md/%d" % rid).status, 404, "another client")
        eq(self.answer(self.other, rid, 1, 2, "x").status, 404,
           "another client's answer")
        # In the client's export, and in the access log.
        r = self.client.get("/t/%d/export.json" % self.tid)
        eq(r.status, 200, "the export")
        page = self.client.get("/t/%d/export" % self.tid)
        eq(page.status, 200, "the export page")
        check(SECRET in page.text and "Mooi, <em>ga zo door</em>" in
              page.text, "the export page", "the answer and the feedback",
              page.text[-3000:])
        mods = r.json().get("modules")
        check(mods and SECRET in str(mods), "the export's modules",
              "the answer", str(mods)[:500])
        got = self.sql_text("SELECT COUNT(*) FROM audit_log WHERE kind = "
                            "'module' AND client_id = %d AND action IN "
                            "('R', 'C', 'U', 'E')" % self.client_id)
        check(got and int(got) >= 6, "the access log", "module reads and "
              "writes for the client", got)

    def test_bad_input_refused_with_reasons(self):
        mid = self.module("Piekeren", "@session Een\n@page free Vraag\n"
                          "Waarover pieker je?\n@page mood Stemming\n")
        eq(self.publish(mid).status, 303, "publish")
        r = self.give(self.tid, mid, "every", every="0")
        eq(r.status, 400, "every 0 days")
        check("from 1 to 90" in r.text or "van 1 tot" in r.text,
              "the refusal", "the allowed days", r.text[-3000:])
        r = self.give(self.tid, mid, "appt", hours="0")
        eq(r.status, 400, "0 hours around an appointment")
        r = self.give(self.tid, mid, "date", date="", time="")
        eq(r.status, 400, "a date missing")
        rid = self.give_ok(self.tid, mid, "all", guided=False)
        r = self.answer(self.client, rid, 1, 1, "   ")
        eq(r.status, 400, "an empty answer")
        check("write your answer" in r.text or "antwoord" in r.text,
              "the refusal", "the reason", r.text[-3000:])
        r = self.answer(self.client, rid, 1, 1, "x" * 20000)
        eq(r.status, 413, "an answer too long")
        r = self.answer(self.client, rid, 1, 2, "11")
        eq(r.status, 400, "a mood of 11")
        eq(self.answer(self.client, rid, 1, 2, "7").status, 303, "a mood")
        r = self.answer(self.client, rid, 1, 9, "x")
        eq(r.status, 409, "a page that does not exist")
        r = self.answer(self.client, rid, 7, 1, "x")
        eq(r.status, 404, "a session that does not exist")
        # Self-help: the standing offer to write to a professional.
        page = self.client.get("/md/%d" % rid).text
        check("#h-threads" in page, "an unguided module",
              "a link to write to the professional", page[-3000:])
        # Only professionals give feedback; a client's POST is refused.
        r = self.client.post("/md/%d/feedback?s=1" % rid, {
            "csrf": self.client.csrf(), "feedback": "zelf"})
        eq(r.status, 403, "feedback by the client")

    def test_questionnaire_diary_and_mood_pages_use_their_owners(self):
        # the organisation's library holds WHO-5 once it was given
        r = self.coach.post("/t/%d/questionnaires" % self.tid2, {
            "csrf": self.coach.csrf(), "instrument": "shipped:who-5",
            "schedule": "once"})
        eq(r.status, 303, "WHO-5 into the library")
        # a name the organisation cannot use: refused when the draft is
        # saved, with its line (the client could not start it)
        r = self.coach.post("/modules", {"csrf": self.coach.csrf(),
                                         "title": "Onbekend"})
        bad = location_id(r, "/modules/")
        r = self.save(bad, "Onbekend", "@session Een\n@page questionnaire "
                      "Onbekend\n@instrument bestaat-niet\n")
        eq(r.status, 404, "a questionnaire the organisation cannot use")
        check(("Line 3" in r.text or "Regel 3" in r.text) and
              'id="f-source-error"' in r.text, "the refusal",
              "the reason at the line", r.text[-3000:])
        mid = self.module("Meten", "@session Een\n@page questionnaire "
                          "Welzijn\n@instrument who-5\n@page diary Dagboek\n"
                          "Schrijf over je dag.\n")
        eq(self.publish(mid).status, 303, "publish")
        rid = self.give_ok(self.tid, mid, "all")
        # the questionnaire page starts the questionnaire, once
        r = self.answer(self.client, rid, 1, 1, "")
        eq(r.status, 303, "starting the questionnaire")
        loc = r.header("location") or ""
        check(re.match(r"^/q/\d+$", loc), "after starting", "/q/ID", loc)
        eq(self.client.get(loc).status, 200, "the questionnaire to fill in")
        r = self.answer(self.client, rid, 1, 1, "")
        eq(r.header("location"), loc, "the same questionnaire again")
        # the diary page writes into the diary (shared: the module is
        # guided), which the professional reads there
        eq(self.answer(self.client, rid, 1, 2, "Vandaag " + SECRET +
                       " gedaan.").status, 303, "the diary page")
        page = self.coach.get("/t/%d/diary" % self.tid).text
        check(SECRET in page, "the diary (professional)", "the entry "
              "shared from the module", page[-2000:])
        page = self.coach.get("/md/%d" % rid).text
        check("/t/%d/diary" % self.tid in page, "the module (professional)",
              "a link to the diary entry", page[-3000:])

    def test_timed_delivery_opens_the_next_session_a_day_later(self):
        lib = libfaketime()
        check(lib is not None, "libfaketime (Debian package faketime)",
              "installed", None)
        mid = self.module("Elke dag", "@session Dag een\n@page text A\n"
                          "Eerste dag.\n@session Dag twee\n@page text B\n"
                          "Tweede dag.\n")
        eq(self.publish(mid).status, 303, "publish")
        rid = self.give_ok(self.tid, mid, "every", guided=False, every="1")
        page = self.client.get("/md/%d" % rid).text
        st = self.session_state(page, "Dag twee")
        check(st and st.startswith(("opens", "opent")), "day two",
              "opens later, with its moment", st)
        check("Tweede dag" not in page, "the client's page", "day two's "
              "text not shown yet", "")
        # The outbox's first batch (at start) reminded of day one.
        deadline = time.time() + 40
        while time.time() < deadline and self.sql_text(
                "SELECT reminded FROM module_runs WHERE id = %d" % rid) != "1":
            time.sleep(0.5)
        eq(self.sql_text("SELECT reminded FROM module_runs WHERE id = %d" %
                         rid), "1", "day one reminded")
        # A day and an hour later (the server's clock moved forward; the
        # database keeps everything): day two is open and reminded.
        self.srv.stop()
        saved = {k: os.environ.get(k) for k in ("LD_PRELOAD", "FAKETIME",
                                                "ASAN_OPTIONS")}
        os.environ["LD_PRELOAD"] = lib
        os.environ["FAKETIME"] = "+%d" % (86400 + 3600)
        os.environ["ASAN_OPTIONS"] = (saved["ASAN_OPTIONS"] or
                                      "detect_leaks=1:abort_on_error=1") + \
            ":verify_asan_link_order=0"
        try:
            self.smtp.clear()
            self.srv.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        c = Client(self.srv)
        c.login_ok(*self.users["client"])
        page = c.get("/md/%d" % rid).text
        st = self.session_state(page, "Dag twee")
        eq(st in ("open",), True, "day two a day later (%s)" % st)
        check("Tweede dag" in c.get("/md/%d?s=2" % rid).text, "day two",
              "its text shown", "")
        deadline = time.time() + 40
        while time.time() < deadline and self.sql_text(
                "SELECT reminded FROM module_runs WHERE id = %d" % rid) != "2":
            time.sleep(0.5)
        eq(self.sql_text("SELECT reminded FROM module_runs WHERE id = %d" %
                         rid), "2", "day two reminded")
        client_email = self.users["client"][0]
        got = [m for m in self.smtp.wait(1, timeout=20)
               if client_email in mail_rcpt(m)]
        check(got, "the mails", "a reminder to the client",
              [mail_rcpt(m) for m in self.smtp.messages()])
        for word in ("Dag twee", "Elke dag", "module"):
            check(word not in mail_text(got[0]), "the reminder",
                  "no content (%s)" % word, mail_text(got[0]))
