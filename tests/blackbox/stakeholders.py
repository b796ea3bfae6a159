"""
stakeholders.py - black-box tests of issue 13's stakeholders over real
HTTP: an employer (an account of role stakeholder) sees nothing before the
client consents (also after a professional's proposal), only what the
client shares while they consent (the learning questions; a meeting a
professional added them to, only while appointments are shared), and
nothing from the moment consent is withdrawn; every route walked as the
stakeholder with the ids of the very trajectory they may see: refused but
for the shared pages; the refusals of bad input; every look in the
client's "who saw my data".  Imported by run.py.
"""
import datetime
import json
import os
import re
import subprocess

from lib import BIN, Client, Sql, check, eq
from objects import make_measures, make_trajectory

BOSS = ("baas@demo.infuus.test", "baas-werkgever-pass-1", "Bea Baas")
OTHER_BOSS = ("hr@demo.infuus.test", "hr-afdeling-pass-12", "Henk HR")


def route_table():
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True,
                         timeout=30, env=env)
    return [json.loads(ln) for ln in out.stdout.splitlines()
            if ln.startswith("{")]


def fill(pattern, ids):
    return "/".join(str(ids.get(seg[1:], 1)) if seg.startswith(":") else seg
                    for seg in pattern.split("/"))


class StakeholdersMixin(Sql):
    """The Stakeholders suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        u = self.srv.users
        for email, pw, name in (BOSS, OTHER_BOSS):
            self.srv.cli_ok("user", "create", "--email", email, "--name",
                            name, "--org", "demo", "--role", "stakeholder",
                            "--lang", "en", password=pw)
        self.coach = Client(self.srv)
        self.coach.login_ok(*u["professional"])
        self.client = Client(self.srv)
        self.client.login_ok(*u["client"])
        self.boss = Client(self.srv)
        self.boss.login_ok(BOSS[0], BOSS[1])
        self.client_email = u["client"][0]
        self.ids = make_trajectory(self.coach, self.client.me()["id"],
                                   "Re-integratie", client=self.client)
        self.ids.update(make_measures(self.coach, self.client,
                                      self.ids["tid"]))
        self.tid = self.ids["tid"]
        # A second appointment the stakeholder is never added to.
        day = datetime.date.today() + datetime.timedelta(days=12)
        r = self.coach.post("/t/%d/appointments" % self.tid, {
            "csrf": self.coach.csrf(), "date": day.isoformat(),
            "time": "11:00", "minutes": "30", "kind": "phone",
            "location": ""})
        eq(r.status, 303, "a second appointment")
        self.other_apid = int(r.header("location").split("/")[-1]
                              .split("?")[0])
        self.link = None

    # helpers

    def link_id(self):
        page = self.client.get("/t/%d/stakeholders" % self.tid).text
        m = re.search(r'name="stakeholder" value="(\d+)"', page)
        check(m, "the client's stakeholders page", "a stakeholder's form",
              page[-1500:])
        return int(m.group(1))

    def sees(self, shared_traj, shared_appt, other_appt=404):
        eq(self.boss.get("/shared/%d" % self.tid).status, shared_traj,
           "the stakeholder's GET /shared/%d" % self.tid)
        eq(self.boss.get("/shared/appointments/%d" % self.ids["apid"])
           .status, shared_appt, "the stakeholder's GET of the meeting")
        eq(self.boss.get("/shared/appointments/%d" % self.other_apid)
           .status, other_appt, "the stakeholder's GET of another meeting")

    # tests, in order: before, during, after consent

    def test_nothing_before_consent_also_after_a_proposal(self):
        self.sees(404, 404)
        check("/shared/%d" % self.tid not in self.boss.get("/shared").text,
              "the stakeholder's list", "not this trajectory", "")
        eq(self.boss.get("/t/%d" % self.tid).status, 403,
           "the stakeholder's GET /t/%d" % self.tid)
        r = self.coach.post("/t/%d/stakeholders" % self.tid, {
            "csrf": self.coach.csrf(), "email": BOSS[0],
            "relation": "employer"})
        eq(r.status, 303, "the professional proposes the employer")
        self.sees(404, 404)
        page = self.client.get("/t/%d/stakeholders" % self.tid).text
        check("Bea Baas" in page and ("I consent" in page or
                                      "Ik geef toestemming" in page),
              "the client's page",
              "the proposal with a consent form", page[-2000:])
        # The professional cannot consent for the client.
        r = self.coach.post("/t/%d/stakeholders/consent" % self.tid, {
            "csrf": self.coach.csrf(), "stakeholder": str(self.link_id()),
            "share_questions": "1"})
        eq(r.status, 403, "the professional posting the consent")
        self.sees(404, 404)

    def test_only_the_shared_parts_during_consent(self):
        link = self.link_id()
        r = self.client.post("/t/%d/stakeholders/consent" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link)})
        eq(r.status, 400, "consent without anything shared")
        self.sees(404, 404)
        r = self.client.post("/t/%d/stakeholders/consent" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link),
            "share_questions": "1"})
        eq(r.status, 303, "the client consents: the learning questions")
        r = self.boss.get("/shared/%d" % self.tid)
        eq(r.status, 200, "the stakeholder's shared page")
        check("Wat wil ik leren?" in r.text, "the shared page",
              "the learning question", r.text[-1500:])
        check("Welkom in het traject" not in r.text and
              "/appointments/" not in r.text, "the shared page",
              "no messages, no meetings", r.text[-1500:])
        check("/shared/%d" % self.tid in self.boss.get("/shared").text,
              "the stakeholder's list", "this trajectory", "")
        # Not sharing appointments: the professional cannot add them.
        r = self.coach.post("/appointments/%d/stakeholders" %
                            self.ids["apid"], {"csrf": self.coach.csrf(),
                                               "stakeholder": str(link)})
        eq(r.status, 403, "adding the stakeholder to a meeting unshared")
        self.sees(200, 404)
        r = self.client.post("/t/%d/stakeholders/consent" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link),
            "share_questions": "1", "share_appointments": "1"})
        eq(r.status, 303, "the client shares appointments too")
        self.sees(200, 404)
        page = self.coach.get("/appointments/%d" % self.ids["apid"]).text
        check('action="/appointments/%d/stakeholders"' % self.ids["apid"]
              in page, "the appointment page", "the form to add one",
              page[-1500:])
        r = self.coach.post("/appointments/%d/stakeholders" %
                            self.ids["apid"], {"csrf": self.coach.csrf(),
                                               "stakeholder": str(link)})
        eq(r.status, 303, "the professional adds them to the meeting")
        self.sees(200, 200)
        page = self.coach.get("/appointments/%d" % self.ids["apid"]).text
        check('class="appt-stakeholders"><li>Bea Baas' in page,
              "the appointment page", "the stakeholder taking part",
              page[-1500:])
        r = self.boss.get("/shared/appointments/%d" % self.ids["apid"])
        check("appt-status" in r.text, "the meeting's page",
              "when, kind and status", r.text[-1500:])

    def test_route_walk_as_a_consenting_stakeholder(self):
        """Every route, with the ids of the trajectory the stakeholder may
        see: a route that does not name the stakeholder's role is 403; of
        those that do, the shared ones answer 200 and nothing changes."""
        ids = dict(self.ids, token="x", uid=self.boss.me()["id"])
        tok = self.boss.csrf()
        bad, shared = [], 0
        for rt in route_table():
            if rt["anonymous"]:
                continue
            path = fill(rt["path"], ids)
            if "stakeholder" in rt["roles"]:
                # Their own account's pages (the two-factor step of a
                # log-in sends a full session on); no posts that would
                # log them out.
                if rt["method"] != "GET" or rt["partial"]:
                    continue
                r = self.boss.get(path)
                # The closing report is not shared here
                # (stake_reports.py shares it).
                want = 404 if rt["object"] == "shared-report" else 200
                if r.status != want:
                    bad.append("GET %s -> %s" % (path, r.status))
                shared += path.startswith("/shared") and want == 200
                continue
            if rt["method"] == "GET":
                r = self.boss.get(path)
            else:
                r = self.boss.post(path, {"csrf": tok, "body": "sneaky",
                                          "minutes": "5", "seconds": "5",
                                          "stakeholder": "1",
                                          "question": "sneaky"})
            if r.status != 403:
                bad.append("%s %s -> %s" % (rt["method"], path, r.status))
        check(not bad, "routes walked as a consenting stakeholder",
              "403 but for their own and the shared pages",
              "\n        ".join(bad))
        eq(shared, 3, "the shared pages reached")
        # Their refusals are in the access log too (the router logs them;
        # repeats within a window count in one entry).
        n = self.sql_one("SELECT COUNT(*) FROM audit_log WHERE "
                         "actor_id = %d AND outcome = 'denied'" %
                         self.boss.me()["id"])
        check(n > 0, "the stakeholder's refusals in the access log",
              "some entries", n)
        eq(self.sql_one("SELECT COUNT(*) FROM learning_questions WHERE "
                        "trajectory_id = %d" % self.tid), 1,
           "learning questions after the walk")

    def test_withdrawn_consent_ends_access_at_once(self):
        link = self.link_id()
        self.sees(200, 200)
        r = self.client.post("/t/%d/stakeholders/withdraw" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link)})
        eq(r.status, 303, "the client withdraws consent")
        self.sees(404, 404)
        check("/shared/%d" % self.tid not in self.boss.get("/shared").text,
              "the stakeholder's list", "not this trajectory", "")
        # Consent again: the trajectory, not the meeting they were in.
        r = self.client.post("/t/%d/stakeholders/consent" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link),
            "share_questions": "1", "share_appointments": "1"})
        eq(r.status, 303, "the client consents again")
        self.sees(200, 404)
        r = self.client.post("/t/%d/stakeholders/withdraw" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link)})
        eq(r.status, 303, "the client withdraws again")
        self.sees(404, 404)

    def test_bad_input_is_refused_with_a_reason(self):
        for form, field in (
                ({"email": "nobody@demo.infuus.test", "relation": "hr",
                  "share_questions": "1"}, "email"),
                ({"email": self.client_email, "relation": "hr",
                  "share_questions": "1"}, "email"),
                ({"email": OTHER_BOSS[0], "relation": "boss",
                  "share_questions": "1"}, "relation"),
                ({"email": OTHER_BOSS[0], "relation": "hr"}, "shares")):
            r = self.client.post("/t/%d/stakeholders" % self.tid,
                                 dict(form, csrf=self.client.csrf()))
            eq(r.status, 400, "the client giving access with %r" % form)
            check('id="f-%s-error"' % field in r.text, "%r" % form,
                  "the reason at " + field, r.text[-1500:])
        r = self.client.post("/t/%d/stakeholders/consent" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": "999999",
            "share_questions": "1"})
        eq(r.status, 404, "consent to a stakeholder of no trajectory")
        other = Client(self.srv)
        other.login_ok(OTHER_BOSS[0], OTHER_BOSS[1])
        eq(other.get("/shared/%d" % self.tid).status, 404,
           "another stakeholder's GET /shared/%d" % self.tid)

    def test_every_look_is_in_the_clients_access_log(self):
        link = self.link_id()
        self.client.post("/t/%d/stakeholders/consent" % self.tid, {
            "csrf": self.client.csrf(), "stakeholder": str(link),
            "share_questions": "1"})
        eq(self.boss.get("/shared/%d" % self.tid).status, 200,
           "the stakeholder looks")
        page = self.client.get("/me/access").text
        check("Bea Baas" in page and (
            "as a stakeholder, with your consent" in page or
            "als belanghebbende, met je toestemming" in page),
              "the client's who saw my data",
              "the stakeholder's looks, named", page[-3000:])
        n = self.sql_one("SELECT COUNT(*) FROM audit_log WHERE purpose = "
                         "'stakeholder' AND client_id = %d AND "
                         "outcome = 'success'" % self.client.me()["id"])
        check(n >= 5, "the stakeholder's accesses in the log",
              "one per page and per learning question", n)
