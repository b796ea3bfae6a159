"""
timeacct.py - black-box tests of issue 13's time accounting over real
HTTP: time entered by hand (and its refusals), a correction that keeps the
original, the totals of a period by kind, active seconds posted by the
pages of messages, assignments and questionnaire results (bounded, only a
professional's, two tabs counted once), an appointment marked held with
its actual minutes (once), the budget and the client's view by the
trajectory's setting, and the client's access log.  Imported by run.py.
"""
import datetime
import re
import sqlite3

from coaching import location_id, new_thread, new_trajectory
from lib import check, demo_logins, eq
from objects import make_assignment, make_measures

# Fixed days in the past: the tests hold on any date.
DAY = "2025-03-10"
MONTH = ("2025-03-01", "2025-03-31")


class TimeMixin:
    """The TimeAccounting suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        self.tid = new_trajectory(self.coach, self.client.me()["id"], "Tijd")
        self.thid = new_thread(self.coach, self.tid, "Tijd", "Hoe gaat het?")

    # helpers

    def sql(self, query):
        if self.backend == "sqlite":
            db = sqlite3.connect(self.srv.sqlite_path(), timeout=10)
            try:
                cur = db.execute(query)
                row = cur.fetchone()
                db.commit()
                return row[0] if row else None
            finally:
                db.close()
        out = self.srv.pg.sql(query).strip()
        return int(out) if re.fullmatch(r"-?\d+", out or "x") else out

    def totals(self, who, frm, to):
        r = who.get("/t/%d/time?from=%s&to=%s" % (self.tid, frm, to))
        eq(r.status, 200, "GET the time page %s..%s" % (frm, to))
        rows = dict(re.findall(r'<tr data-kind="([a-z_]+)">.*?'
                               r'<td class="minutes">(\d+)</td>', r.text))
        return {k: int(v) for k, v in rows.items()}, r

    def days_around_today(self):
        d = datetime.datetime.now(datetime.timezone.utc).date()
        return ((d - datetime.timedelta(days=2)).isoformat(),
                (d + datetime.timedelta(days=2)).isoformat())

    # tests

    def test_hand_entry_counts_in_its_period(self):
        r = self.coach.post("/t/%d/time" % self.tid, {
            "csrf": self.coach.csrf(), "kind": "preparation", "day": DAY,
            "minutes": "45"})
        eq(r.status, 303, "POST a preparation of 45 minutes")
        r = self.coach.post("/t/%d/time" % self.tid, {
            "csrf": self.coach.csrf(), "kind": "feedback", "day": DAY,
            "minutes": "20"})
        eq(r.status, 303, "POST feedback of 20 minutes by hand")
        t, page = self.totals(self.coach, *MONTH)
        eq(t.get("preparation"), 45, "preparation in March 2025")
        eq(t.get("feedback"), 20, "feedback in March 2025")
        eq(t.get("total"), 65, "the total of March 2025")
        check("<svg" in page.text and 'role="img"' in page.text,
              "the plot", "an SVG image beside the table", page.text[:300])
        t, _ = self.totals(self.coach, "2025-04-01", "2025-04-30")
        eq(t.get("preparation"), None, "preparation in April 2025")
        eq(t.get("total"), 0, "the total of April 2025")

    def test_hand_entry_refusals_say_why_and_write_nothing(self):
        before = self.sql("SELECT COUNT(*) FROM activities")
        for form, field in (
                ({"kind": "preparation", "day": DAY, "minutes": "0"},
                 "minutes"),
                ({"kind": "preparation", "day": DAY, "minutes": "721"},
                 "minutes"),
                ({"kind": "preparation", "day": DAY, "minutes": "abc"},
                 "minutes"),
                ({"kind": "chat", "day": DAY, "minutes": "10"}, "kind"),
                ({"kind": "preparation", "day": "2025-02-30",
                  "minutes": "10"}, "day"),
                ({"kind": "preparation", "day": "2999-01-01",
                  "minutes": "10"}, "day")):
            r = self.coach.post("/t/%d/time" % self.tid,
                                dict(form, csrf=self.coach.csrf()))
            eq(r.status, 400, "POST %r" % form)
            check('id="f-%s-error"' % field in r.text,
                  "the reason for %r" % form, "next to the field " + field,
                  r.text[-1500:])
        eq(self.sql("SELECT COUNT(*) FROM activities"), before,
           "activities after the refused entries")
        # Only the professional enters time.
        r = self.client.post("/t/%d/time" % self.tid, {
            "csrf": self.client.csrf(), "kind": "preparation", "day": DAY,
            "minutes": "10"})
        eq(r.status, 403, "a client entering time")

    def test_correction_keeps_the_original(self):
        r = self.coach.post("/t/%d/time" % self.tid, {
            "csrf": self.coach.csrf(), "kind": "review", "day": DAY,
            "minutes": "40"})
        eq(r.status, 303, "POST a review of 40 minutes")
        aid = self.sql("SELECT MAX(id) FROM activities WHERE kind = 'review'")
        r = self.coach.post("/t/%d/activities" % self.tid, {
            "csrf": self.coach.csrf(), "activity": str(aid),
            "minutes": "25"})
        eq(r.status, 303, "POST the correction to 25 minutes")
        page = self.coach.get("/t/%d/activities" % self.tid).text
        check(re.search(r"25 <span class=\"hint\">\([^)]*40\)", page),
              "the list", "25 minutes, the recorded 40 beside it",
              page[-2000:])
        eq(self.sql("SELECT seconds FROM activities WHERE id = %d" % aid),
           2400, "the original row's seconds")
        eq(self.sql("SELECT seconds FROM activities WHERE corrects = %d" %
                    aid), 1500, "the correction row's seconds")
        t, _ = self.totals(self.coach, *MONTH)
        eq(t.get("review"), 25, "review in the period, as corrected")

    def test_active_seconds_from_the_pages(self):
        page = self.coach.get("/threads/%d" % self.thid).text
        m = re.search(r'id="active-time" hidden data-url="([^"]+)" '
                      r'data-csrf="([^"]+)"', page)
        check(m and "/static/active.js" in page, "the thread page",
              "the active-time tag and its script", page[-800:])
        url, tok = m.group(1), m.group(2)
        eq(url, "/threads/%d/active" % self.thid, "the tag's address")
        check('id="active-time"' not in self.client.get(
            "/threads/%d" % self.thid).text, "the client's thread page",
              "no active-time tag (only a professional's time counts)", "")
        hdr = {"X-CSRF-Token": tok}
        r = self.coach.request("POST", url, form={"seconds": "30",
                                                  "what": "read"},
                               headers=hdr)
        eq(r.status, 204, "POST 30 active seconds of reading")
        r = self.coach.request("POST", url, form={"seconds": "40",
                                                  "what": "write"},
                               headers=hdr)
        eq(r.status, 204, "POST 40 active seconds of writing")
        # A second post right after the first: at most the wall time
        # since, so two open tabs do not count twice.
        r = self.coach.request("POST", url, form={"seconds": "60",
                                                  "what": "read"},
                               headers=hdr)
        eq(r.status, 204, "POST 60 more seconds of reading at once")
        read = self.sql("SELECT SUM(seconds) FROM activities WHERE kind = "
                        "'message_read' AND trajectory_id = %d" % self.tid)
        check(30 <= read <= 35, "reading seconds after two quick posts",
              "30 and at most the few seconds between them", read)
        eq(self.sql("SELECT COUNT(*) FROM activities WHERE kind = "
                    "'message_read' AND trajectory_id = %d" % self.tid), 1,
           "rows of reading (one sitting grows one row)")
        for form, want in (({"seconds": "61"}, 400),
                           ({"seconds": "0"}, 400),
                           ({"seconds": "abc"}, 400)):
            r = self.coach.request("POST", url, form=form, headers=hdr)
            eq(r.status, want, "POST %r" % form)
        r = self.coach.post(url, {"seconds": "10"})
        eq(r.status, 403, "POST active seconds without the token")
        r = self.client.request("POST", url, form={"seconds": "10"},
                                headers={"X-CSRF-Token":
                                         self.client.csrf()})
        eq(r.status, 403, "a client posting active seconds")
        # Assignments (feedback) and questionnaire results (review).
        ids = make_assignment(self.coach, self.client, self.tid)
        ids.update(make_measures(self.coach, self.client, self.tid))
        page = self.coach.get("/assignments/%d" % ids["asid"]).text
        check('data-url="/assignments/%d/active"' % ids["asid"] in page,
              "the assignment page", "its active-time tag", page[-800:])
        page = self.coach.get("/q/%d/results" % ids["qid"]).text
        check('data-url="/q/%d/active"' % ids["qid"] in page,
              "the results page", "its active-time tag", page[-800:])
        for path in ("/assignments/%d/active" % ids["asid"],
                     "/q/%d/active" % ids["qid"]):
            r = self.coach.request("POST", path, form={"seconds": "60"},
                                   headers=hdr)
            eq(r.status, 204, "POST 60 active seconds to " + path)
        t, _ = self.totals(self.coach, *self.days_around_today())
        eq(t.get("feedback"), 1, "a minute of feedback today")
        eq(t.get("review"), 1, "a minute of review today")
        eq(t.get("message_write"), 1, "40 seconds of writing, rounded")

    def test_appointment_held_records_its_minutes_once(self):
        day = datetime.date.today() + datetime.timedelta(days=10)
        r = self.coach.post("/t/%d/appointments" % self.tid, {
            "csrf": self.coach.csrf(), "date": day.isoformat(),
            "time": "10:00", "minutes": "60", "kind": "phone",
            "location": ""})
        apid = location_id(r, "/appointments/")
        r = self.coach.post("/appointments/%d/held" % apid, {
            "csrf": self.coach.csrf(), "minutes": "50"})
        eq(r.status, 400, "held before it started")
        check("once it has started" in r.text or "begonnen" in r.text,
              "the reason", "it has not started", r.text[-1500:])
        # It took place: the start moved into the past (2025-03-10).
        self.sql("UPDATE appointments SET starts_at = 1741600800, ends_at "
                 "= 1741604400 WHERE id = %d" % apid)
        page = self.coach.get("/appointments/%d" % apid).text
        check('action="/appointments/%d/held"' % apid in page,
              "the appointment page after its start", "the held form",
              page[-1500:])
        r = self.coach.post("/appointments/%d/held" % apid, {
            "csrf": self.coach.csrf(), "minutes": "0"})
        eq(r.status, 400, "held with 0 minutes")
        r = self.coach.post("/appointments/%d/held" % apid, {
            "csrf": self.coach.csrf(), "minutes": "50"})
        eq(r.status, 303, "held with 50 minutes")
        r = self.coach.post("/appointments/%d/held" % apid, {
            "csrf": self.coach.csrf(), "minutes": "55"})
        eq(r.status, 409, "held a second time")
        eq(self.sql("SELECT COUNT(*) FROM activities WHERE kind = "
                    "'appointment' AND source_id = %d" % apid), 1,
           "recorded appointment times")
        t, _ = self.totals(self.coach, *MONTH)
        eq(t.get("appointment"), 50, "the appointment's actual minutes")
        r = self.client.post("/appointments/%d/held" % apid, {
            "csrf": self.client.csrf(), "minutes": "5"})
        eq(r.status, 403, "the client marking it held")

    def test_budget_and_the_clients_view(self):
        r = self.client.get("/t/%d/time" % self.tid)
        eq(r.status, 403, "the client's time page without the setting")
        for budget in ("-5", "abc", "60001"):
            r = self.coach.post("/t/%d/time/settings" % self.tid, {
                "csrf": self.coach.csrf(), "budget": budget,
                "client_sees": "1"})
            eq(r.status, 400, "budget %s" % budget)
            check('id="f-budget-error"' in r.text, "budget %s" % budget,
                  "the reason at the field", r.text[-1500:])
        r = self.client.get("/t/%d/time" % self.tid)
        eq(r.status, 403, "the client's time page after refusals")
        r = self.coach.post("/t/%d/time/settings" % self.tid, {
            "csrf": self.coach.csrf(), "budget": "120",
            "client_sees": "1"})
        eq(r.status, 303, "budget 120 and the client sees it")
        self.coach.post("/t/%d/time" % self.tid, {
            "csrf": self.coach.csrf(), "kind": "preparation", "day": DAY,
            "minutes": "30"})
        t, page = self.totals(self.client, *MONTH)
        eq(t.get("budget"), 120, "the budget on the client's page")
        check('href="/t/%d/time"' % self.tid in self.client.get(
            "/t/%d" % self.tid).text, "the client's trajectory page",
              "a link to the time page", "")
        if t["total"] <= 120:
            eq(t.get("left"), 120 - t["total"], "what is left of it")
        else:
            eq(t.get("over"), t["total"] - 120, "how far over it")
        check('name="minutes"' not in page.text and
              'name="budget"' not in page.text, "the client's page",
              "no forms", page.text[-1500:])
        access = self.client.get("/me/access").text
        check("recorded time" in access or "vastgelegde tijd" in access,
              "the client's access log", "the time page's reads", access)
        r = self.coach.post("/t/%d/time/settings" % self.tid, {
            "csrf": self.coach.csrf(), "budget": ""})
        eq(r.status, 303, "no budget, the client does not see it")
        eq(self.client.get("/t/%d/time" % self.tid).status, 403,
           "the client's time page after the setting is off")
        t, _ = self.totals(self.coach, *MONTH)
        eq(t.get("budget"), None, "no budget row")

    def test_period_refusals(self):
        for q, field in (("from=2025-13-01&to=2025-12-31", "from"),
                         ("from=2025-03-10&to=2025-03-01", "to"),
                         ("from=2015-01-01&to=2025-01-01", "to")):
            r = self.coach.get("/t/%d/time?%s" % (self.tid, q))
            eq(r.status, 400, "the period " + q)
            check('id="f-%s-error"' % field in r.text, "the period " + q,
                  "the reason at " + field, r.text[-1500:])
