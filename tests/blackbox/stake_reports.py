"""
stake_reports.py - black-box tests of issue 13's closing report over real
HTTP: a professional writes drafts (the client does not see them) and
finishes versions (sealed at rest), the client reads it and shares it
with a consenting stakeholder (STAKE_REPORT); the stakeholder reads the
version shared only while consent holds and the report is shared, keeps
reading that version after the report changes, and nothing from the
moment consent is withdrawn; an unshared report is invisible; the
stakeholder of another trajectory is refused; every read in the client's
"who saw my data"; the report in the client's export; the professional
still writes it once the trajectory is closed.  Imported by run.py.
"""
import json
import re

from coaching import new_trajectory
from lib import Client, check, eq
from objects import make_trajectory

BOSS = ("baas@demo.infuus.test", "baas-werkgever-pass-1", "Bea Baas")
HR = ("hr@demo.infuus.test", "hr-afdeling-pass-12", "Henk HR")
CARLA = ("carla.client@demo.infuus.test", "carla-client-pass-1",
         "Carla Client")

V1 = "Eindverslag versie een.\n\nDoelen gehaald: werkhervatting 50%."
V2 = "Eindverslag versie twee.\n\nDoelen gehaald: werkhervatting 80%."
DRAFT = "Concept dat alleen de coach ziet."


class StakeReportsMixin:
    """The StakeReports suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        u = self.srv.users
        for email, pw, name in (BOSS, HR):
            self.srv.cli_ok("user", "create", "--email", email, "--name",
                            name, "--org", "demo", "--role", "stakeholder",
                            "--lang", "en", password=pw)
        self.srv.cli_ok("user", "create", "--email", CARLA[0], "--name",
                        CARLA[2], "--org", "demo", "--role", "client",
                        "--lang", "en", password=CARLA[1])
        self.coach = Client(self.srv)
        self.coach.login_ok(*u["professional"])
        self.client = Client(self.srv)
        self.client.login_ok(*u["client"])
        self.carla = Client(self.srv)
        self.carla.login_ok(CARLA[0], CARLA[1])
        self.boss = Client(self.srv)
        self.boss.login_ok(BOSS[0], BOSS[1])
        self.hr = Client(self.srv)
        self.hr.login_ok(HR[0], HR[1])
        self.ids = make_trajectory(self.coach, self.client.me()["id"],
                                   "Re-integratie", client=self.client)
        self.tid = self.ids["tid"]
        # Carla's trajectory, whose HR reads its report.
        self.tid2 = new_trajectory(self.coach, self.carla.me()["id"],
                                   "Traject Carla")

    # helpers

    def write(self, who, tid, text, action):
        return who.post("/t/%d/report?csrf=%s" % (tid, who.csrf()),
                        {"text": text, "action": action})

    def link_id(self, who, tid):
        page = who.get("/t/%d/stakeholders" % tid).text
        m = re.search(r'name="stakeholder" value="(\d+)"', page)
        check(m, "the client's stakeholders page", "a stakeholder's form",
              page[-1500:])
        return int(m.group(1))

    def consent(self, who, tid, link, **shares):
        f = {"csrf": who.csrf(), "stakeholder": str(link)}
        for k in shares:
            f["share_" + k] = "1"
        return who.post("/t/%d/stakeholders/consent" % tid, f)

    def reads(self, who, tid, status, what):
        r = who.get("/shared/%d/report" % tid)
        eq(r.status, status, "the stakeholder's GET /shared/%d/report (%s)"
           % (tid, what))
        return r

    def sql_rows(self, query):
        if self.backend == "sqlite":
            import sqlite3
            db = sqlite3.connect(self.srv.sqlite_path(), timeout=10)
            try:
                return db.execute(query).fetchall()
            finally:
                db.close()
        return [ln.split("|") for ln in
                self.srv.pg.sql(query).strip().splitlines() if ln]

    def count(self, query):
        return int(self.sql_rows(query)[0][0])

    # tests, in order: before consent, during, after withdrawal

    def test_drafts_are_the_professionals_and_finishing_makes_a_version(self):
        self.reads(self.boss, self.tid, 404, "no link, no report")
        r = self.write(self.coach, self.tid, DRAFT, "draft")
        eq(r.status, 303, "the professional saves a draft")
        page = self.coach.get("/t/%d/report" % self.tid).text
        check(DRAFT in page, "the professional's report page",
              "the draft in the form", page[-2000:])
        page = self.client.get("/t/%d/report" % self.tid).text
        check(DRAFT not in page and 'id="report-none"' in page,
              "the client's report page before a version",
              "no draft, no version", page[-2000:])
        r = self.write(self.coach, self.tid, "", "finish")
        eq(r.status, 400, "finishing an empty report")
        check('id="f-text-error"' in r.text, "the refusal",
              "the reason at the text", r.text[-2000:])
        r = self.write(self.coach, self.tid, "x" * (64 * 1024 + 1),
                       "finish")
        eq(r.status, 413, "finishing a report over the limit")
        r = self.write(self.client, self.tid, "sneaky", "finish")
        eq(r.status, 403, "the client writing the report")
        r = self.write(self.coach, self.tid, V1, "finish")
        eq(r.status, 303, "the professional finishes version 1")
        page = self.client.get("/t/%d/report" % self.tid).text
        check("Eindverslag versie een." in page and
              "werkhervatting 50%" in page and DRAFT not in page,
              "the client's report page", "version 1", page[-2000:])
        check('id="report-unshared"' in page, "the client's report page",
              "nobody else reads it", page[-2000:])
        # Sealed at rest: neither the version nor a draft in plain text.
        rows = self.sql_rows("SELECT COUNT(*) FROM closing_report_versions "
                             "WHERE trajectory_id = %d" % self.tid)
        eq(int(rows[0][0]), 1, "versions after finishing once")
        eq(self.count("SELECT COUNT(*) FROM closing_report_versions WHERE "
                      "body_box LIKE '%%Eindverslag%%'"), 0,
           "versions holding the text in plain")
        # Finishing the same text again makes no new version.
        r = self.write(self.coach, self.tid, V1, "finish")
        eq(r.status, 303, "finishing the same text again")
        eq(self.count("SELECT version FROM closing_reports WHERE "
                      "trajectory_id = %d" % self.tid), 1,
           "the report's version after finishing the same text")

    def test_nothing_before_consent(self):
        r = self.coach.post("/t/%d/stakeholders" % self.tid, {
            "csrf": self.coach.csrf(), "email": BOSS[0],
            "relation": "employer"})
        eq(r.status, 303, "the professional proposes the employer")
        self.reads(self.boss, self.tid, 404, "proposed, no consent")
        # Carla shares her (unfinished) report: refused with the reason.
        r = self.carla.post("/t/%d/stakeholders" % self.tid2, {
            "csrf": self.carla.csrf(), "email": HR[0], "relation": "hr",
            "share_report": "1"})
        eq(r.status, 400, "sharing a report not finished yet")
        check('id="f-shares-error"' in r.text and
              ("no finished closing report" in r.text or
               "geen afgerond eindverslag" in r.text), "the refusal",
              "the reason at what is shared", r.text[-2000:])
        r = self.write(self.coach, self.tid2, "Verslag van Carla.",
                       "finish")
        eq(r.status, 303, "Carla's report finished")
        r = self.carla.post("/t/%d/stakeholders" % self.tid2, {
            "csrf": self.carla.csrf(), "email": HR[0], "relation": "hr",
            "share_report": "1"})
        eq(r.status, 303, "Carla gives HR her report")
        r = self.reads(self.hr, self.tid2, 200, "Carla's HR")
        check("Verslag van Carla." in r.text, "Carla's HR's page",
              "her report", r.text[-1500:])

    def test_unshared_report_is_invisible_during_consent(self):
        link = self.link_id(self.client, self.tid)
        r = self.consent(self.client, self.tid, link, questions=1)
        eq(r.status, 303, "the client consents: the learning questions")
        r = self.boss.get("/shared/%d" % self.tid)
        eq(r.status, 200, "the stakeholder's shared page")
        check("/report" not in r.text, "the shared page",
              "no closing report", r.text[-1500:])
        self.reads(self.boss, self.tid, 404, "consent without the report")

    def test_shared_version_stays_as_shared(self):
        link = self.link_id(self.client, self.tid)
        r = self.consent(self.client, self.tid, link, questions=1,
                         report=1)
        eq(r.status, 303, "the client shares the report")
        page = self.boss.get("/shared/%d" % self.tid).text
        check('href="/shared/%d/report"' % self.tid in page,
              "the shared page", "a link to the report", page[-1500:])
        r = self.reads(self.boss, self.tid, 200, "shared")
        check("Eindverslag versie een." in r.text and
              "werkhervatting 50%" in r.text, "the stakeholder's report",
              "version 1", r.text[-1500:])
        # A document of its own that prints: no menus, the print sheet.
        check("/static/export.css" in r.text and "<nav" not in r.text and
              'class="noprint"' in r.text, "the report's page",
              "a printable document", r.text[:1500])
        r = self.write(self.coach, self.tid, V2, "finish")
        eq(r.status, 303, "the professional finishes version 2")
        r = self.reads(self.boss, self.tid, 200, "after version 2")
        check("versie een" in r.text and "versie twee" not in r.text,
              "the stakeholder's report after a new version",
              "still version 1, as shared", r.text[-1500:])
        page = self.client.get("/t/%d/report" % self.tid).text
        check("versie twee" in page and "Bea Baas" in page and
              ("a newer version exists" in page or
               "er is een nieuwere versie" in page), "the client's report page",
              "version 2, and Bea reading version 1", page[-2500:])
        r = self.consent(self.client, self.tid, link, questions=1,
                         report=1)
        eq(r.status, 303, "the client shares again")
        r = self.reads(self.boss, self.tid, 200, "shared again")
        check("versie twee" in r.text, "the stakeholder's report",
              "version 2 once shared again", r.text[-1500:])

    def test_another_trajectorys_stakeholder_is_refused(self):
        self.reads(self.hr, self.tid, 404, "HR of Carla's trajectory")
        self.reads(self.boss, self.tid2, 404, "Bea, of another trajectory")
        eq(self.hr.get("/t/%d/report" % self.tid).status, 403,
           "a stakeholder's GET of the professional's report page")
        eq(self.hr.get("/t/%d/report/print" % self.tid).status, 403,
           "a stakeholder's GET of the printable report")

    def test_every_read_is_in_the_clients_access_log(self):
        cid = self.client.me()["id"]
        n = self.count("SELECT COUNT(*) FROM audit_log WHERE kind = "
                       "'closing-report' AND purpose = 'stakeholder' AND "
                       "client_id = %d AND outcome = 'success'" % cid)
        check(n >= 3, "the stakeholder's reads of the report in the log",
              "one per read (3)", n)
        n = self.count("SELECT COUNT(*) FROM audit_log WHERE kind = "
                       "'closing-report' AND client_id = %d AND action = "
                       "'U'" % cid)
        check(n >= 3, "the report's changes in the log",
              "a draft and finished versions", n)
        page = self.client.get("/me/access").text
        check("Bea Baas" in page and ("the closing report" in page or
                                      "het eindverslag" in page),
              "the client's who saw my data",
              "Bea reading the closing report", page[-3000:])

    def test_the_report_is_in_the_clients_export(self):
        r = self.client.get("/t/%d/export.json" % self.tid)
        eq(r.status, 200, "the client's export")
        data = json.loads(r.body)
        reps = data.get("closing_report")
        check(isinstance(reps, list) and [x["text"] for x in reps] ==
              [V1, V2], "the export's closing report",
              "versions 1 and 2, oldest first", reps)
        page = self.client.get("/t/%d/export" % self.tid).text
        check('id="closing-report"' in page and "versie twee" in page,
              "the printable export", "the newest version", page[-2000:])
        r = self.client.get("/t/%d/report/print" % self.tid)
        eq(r.status, 200, "the client's printable report")
        check("versie twee" in r.text and "/static/export.css" in r.text,
              "the printable report", "version 2, the print sheet",
              r.text[:1500])

    def test_withdrawal_ends_access_at_once(self):
        link = self.link_id(self.client, self.tid)
        self.reads(self.boss, self.tid, 200, "before withdrawal")
        r = self.client.post("/t/%d/stakeholders/withdraw" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link)})
        eq(r.status, 303, "the client withdraws consent")
        self.reads(self.boss, self.tid, 404, "after withdrawal")
        eq(self.boss.get("/shared/%d" % self.tid).status, 404,
           "the shared page after withdrawal")
        # Consent again without the report: still nothing of it.
        r = self.consent(self.client, self.tid, link, questions=1)
        eq(r.status, 303, "consent again, questions only")
        self.reads(self.boss, self.tid, 404, "consent again, no report")
        n = self.count("SELECT COUNT(*) FROM audit_log WHERE actor_id = %d "
                       "AND kind = 'shared-report' AND outcome = 'denied'"
                       % self.boss.me()["id"])
        check(n > 0, "the stakeholder's refusals in the access log",
              "some entries", n)

    def share(self, who, tid, link, on):
        return who.post("/t/%d/report/share" % tid, {
            "csrf": who.csrf(), "stakeholder": str(link),
            "share": "1" if on else "0"})

    def test_shared_from_the_report_page_also_once_closed(self):
        link = self.link_id(self.client, self.tid)
        page = self.client.get("/t/%d/report" % self.tid).text
        check('action="/t/%d/report/share"' % self.tid in page,
              "the client's report page", "a button to share it",
              page[-2500:])
        r = self.share(self.client, self.tid, link, True)
        eq(r.status, 303, "the client shares from the report page")
        r = self.reads(self.boss, self.tid, 200, "shared from the report")
        check("versie twee" in r.text, "the stakeholder's report",
              "version 2", r.text[-1500:])
        r = self.share(self.client, self.tid, link, False)
        eq(r.status, 303, "the client stops sharing")
        self.reads(self.boss, self.tid, 404, "no longer shared")
        eq(self.boss.get("/shared/%d" % self.tid).status, 200,
           "the shared page, questions still shared")
        # Refused: the professional, another client, a link of another
        # trajectory.
        eq(self.share(self.coach, self.tid, link, True).status, 403,
           "the professional sharing for the client")
        eq(self.share(self.carla, self.tid, link, True).status, 404,
           "another trajectory's client sharing")
        hr_link = self.link_id(self.carla, self.tid2)
        eq(self.share(self.client, self.tid, hr_link, True).status, 404,
           "sharing with a stakeholder of another trajectory")
        self.reads(self.boss, self.tid, 404, "after the refusals")
        # Closed: the report is still written and shared.
        r = self.coach.post("/t/%d/phase" % self.tid, {
            "csrf": self.coach.csrf(), "phase": "closed", "confirm": "1"})
        eq(r.status, 303, "the trajectory closed")
        r = self.write(self.coach, self.tid, V2 + "\n\nNa afsluiting.",
                       "finish")
        eq(r.status, 303, "the professional finishes version 3, closed")
        r = self.share(self.client, self.tid, link, True)
        eq(r.status, 303, "the client shares version 3, closed")
        r = self.reads(self.boss, self.tid, 200, "version 3")
        check("Na afsluiting." in r.text, "the stakeholder's report",
              "version 3", r.text[-1500:])
        r = self.client.post("/t/%d/stakeholders/withdraw" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link)})
        eq(r.status, 303, "the client withdraws consent, closed")
        self.reads(self.boss, self.tid, 404, "withdrawn, closed")
        r = self.share(self.client, self.tid, link, True)
        eq(r.status, 409, "sharing with a stakeholder without consent")
        check("does not have your consent" in r.text or
              "heeft je toestemming niet" in r.text, "the refusal",
              "the reason", r.text[-2000:])
        self.reads(self.boss, self.tid, 404, "withdrawn, share refused")

    def test_each_done_says_what_was_done_on_its_own_page(self):
        # The redirects' ?done= values, each page its own; another
        # page's value, an unknown one or none: no notice.
        pages = {
            "stakeholders": (
                ("withdrawn", "Consent withdrawn.",
                 "Toestemming ingetrokken."),
                ("consent", "Saved. The stakeholder sees",
                 "Opgeslagen. De belanghebbende ziet"),
                ("proposed", "Proposed. The stakeholder",
                 "Voorgesteld. De belanghebbende")),
            "report": (
                ("draft", "Draft saved.", "Concept bewaard."),
                ("finish", "Finished. The client", "Afgerond. De cli"),
                ("shared", "Shared. The stakeholder",
                 "Gedeeld. De belanghebbende"),
                ("unshared", "No longer shared.", "Niet meer gedeeld.")),
        }
        for page, notices in pages.items():
            other = [d for p, n in pages.items() if p != page
                     for d, _, _ in n]
            for done, en, nl in notices:
                path = "/t/%d/%s?done=%s" % (self.tid, page, done)
                r = self.coach.get(path)
                eq(r.status, 200, "GET " + path)
                eq(r.text.count("notice-ok"), 1, "the notices on " + path)
                check(en in r.text or nl in r.text, "GET " + path,
                      "the notice %r" % en, r.text[-2000:])
            for done in other + ["nonsense", ""]:
                path = "/t/%d/%s?done=%s" % (self.tid, page, done)
                r = self.coach.get(path)
                eq(r.status, 200, "GET " + path)
                eq(r.text.count("notice-ok"), 0, "the notices on " + path)
