"""
calls.py - black-box tests of issue 10's video and voice calls over real
HTTP: a client who joins waits until the professional lets them in; a
client of another trajectory, a professional of another organisation and
an unknown call id are refused (a link grants nothing); the TURN
credentials' format and expiry (the shared-secret REST scheme) and that
someone waiting gets none; signalling reaches its receiver's stream alone
and carries nothing to the others; malformed, oversized and misaddressed
signals get a clear answer; leaving and ending, with the call's time in
the recorded time and its start, participants and end in the access log;
the page says plainly that a call needs JavaScript; reads of the call
page and state in the access log (the client's "who saw my data"); the
leave a closing page sends (its beacon) freeing the place at once, a
reload resuming, and bad leaves getting a status and a sentence.
Imported by run.py (call_timeouts.py: a participant who vanishes).
"""
import base64
import hashlib
import hmac
import json
import re
import time

from coaching import location_id, new_trajectory
from lib import Client, check, demo_logins, eq, org_with, users_in
from live import Stream

TURN_SECRET = "blackbox-turn-secret"
TURN_TTL = 600
SIGNAL_BODY = 14 * 1024       # LIMIT_CALL_BODY in src/core/limits.h
OTHER_CLIENT = ("olle.ander@demo.infuus.test", "olle-ander-pass-12",
                "Olle Ander")
FAR_COACH = ("fien.ver@elders.infuus.test", "fien-ver-pass-1234",
             "Fien Ver")
# A second professional of the trajectory, never in its calls here.
PIM = ("pim.bij@demo.infuus.test", "pim-bij-pass-12345", "Pim Bij")


def sql_rows(srv, backend, query):
    """The rows of query as tuples of text, on either backend."""
    if backend == "sqlite":
        import sqlite3
        db = sqlite3.connect(srv.sqlite_path(), timeout=10)
        try:
            return [tuple("" if v is None else str(v) for v in row)
                    for row in db.execute(query)]
        finally:
            db.close()
    out = srv.pg.sql(query)
    return [tuple(line.split("|")) for line in out.split("\n") if line]


def beacon(who, call, body=None, ctype=None, query=""):
    """What navigator.sendBeacon sends when a call page goes away: a small
    form with the page's token, no headers of its own."""
    if body is None:
        body = ("csrf=" + who.csrf()).encode()
    return who.request("POST", "/calls/%d/unload%s" % (call, query),
                       body=body, headers={
                           "Content-Type": ctype or
                           "application/x-www-form-urlencoded"})


class CallsMixin:
    """Set-up and helpers for the Calls suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server(sets={
            "turn_urls": "turn:127.0.0.1:3478?transport=udp",
            "turn_secret": TURN_SECRET,
            "turn_ttl": str(TURN_TTL),
        }).start(fresh=True)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        self.client_id = self.client.me()["id"]
        self.coach_id = self.coach.me()["id"]
        # The demo people read Dutch; the sentences checked here are the
        # English ones (po/ has the Dutch).
        for who, name in ((self.client, "Kees Klant"),
                          (self.coach, "Carla Coach")):
            r = who.post("/account", {"name": name, "lang": "en",
                                      "csrf": who.csrf()})
            eq(r.status, 303, "%s reads English" % name)
        self.other = users_in(self.srv, "demo",
                              ((OTHER_CLIENT, "client"),), "en")[0]
        self.far = org_with(self.srv, "Elders", "elders",
                            ((FAR_COACH, "professional"),))[0]
        self.tid = self.trajectory(self.client_id, "Bellen")
        self.pim = users_in(self.srv, "demo", ((PIM, "professional"),),
                            "en")[0]
        r = self.coach.post("/t/%d/professionals" % self.tid, {
            "csrf": self.coach.csrf(), "user": str(self.pim.me()["id"])})
        eq(r.status, 303, "a second professional in the trajectory")
        # The other client's own trajectory with the same coach.
        self.other_tid = self.trajectory(self.other.me()["id"], "Ander")
        self.call = None

    def trajectory(self, client_uid, title):
        return new_trajectory(self.coach, client_uid, title)

    def state(self, who, call=None):
        r = who.get("/calls/%d/state" % (call or self.call),
                    headers={"Accept": "application/json"})
        eq(r.status, 200, "the call's state")
        return r.json()

    def signal(self, who, body, raw=None, call=None):
        data = raw if raw is not None else json.dumps(body).encode()
        return who.request("POST", "/calls/%d/signal" % (call or self.call),
                           body=data, headers={
                               "Content-Type": "application/json",
                               "Accept": "application/json",
                               "X-CSRF-Token": who.csrf()})

    def join_both(self):
        """A fresh call with the coach in and the client let in."""
        r = self.client.post("/t/%d/call" % self.tid, {
            "csrf": self.client.csrf(), "media": "video"})
        call = location_id(r, "/calls/")
        r = self.coach.post("/t/%d/call" % self.tid, {
            "csrf": self.coach.csrf(), "media": "video"})
        eq(location_id(r, "/calls/"), call, "the coach joins the open call")
        r = self.coach.post("/calls/%d/admit" % call, {
            "csrf": self.coach.csrf(), "user": str(self.client_id)})
        eq(r.status, 303, "letting the client in")
        return call

    # --- tests, in order ---------------------------------------------------

    def test_page_says_a_call_needs_javascript(self):
        r = self.client.get("/t/%d/call" % self.tid)
        eq(r.status, 200, "the calls page")
        check("<noscript>" in r.text and "needs JavaScript" in r.text,
              "the page without script", "a plain sentence in <noscript>",
              r.text[-2500:])
        check('id="device-check"' in r.text and "dc-level" in r.text,
              "the device check", "camera, microphone and speaker",
              r.text[-2500:])
        check("Start a video call" in r.text, "no call yet",
              "the start buttons", r.text[-2500:])
        r = self.client.get("/t/%d" % self.tid)
        check('href="/t/%d/call"' % self.tid in r.text,
              "the trajectory page", "a link to the calls", r.text[-2500:])

    def test_client_waits_until_admitted(self):
        r = self.client.post("/t/%d/call" % self.tid, {
            "csrf": self.client.csrf(), "media": "video"})
        self.call = location_id(r, "/calls/")
        s = self.state(self.client)
        eq(s["state"], "waiting", "the client after joining")
        check("iceServers" not in s, "credentials while waiting",
              "none", s)
        page = self.client.get("/calls/%d" % self.call).text
        check("waiting room" in page, "the client's page",
              "says they are in the waiting room", page[-2500:])
        # The coach finds the call going on and joins it.
        page = self.coach.get("/t/%d/call" % self.tid).text
        check("Join the call" in page, "the coach's calls page",
              "a call going on", page[-2500:])
        r = self.coach.post("/t/%d/call" % self.tid, {
            "csrf": self.coach.csrf(), "media": "video"})
        eq(location_id(r, "/calls/"), self.call, "the same call")
        eq(self.state(self.coach)["state"], "in", "the coach is in at once")
        page = self.coach.get("/calls/%d" % self.call).text
        check('name="user" value="%d"' % self.client_id in page,
              "the coach's page", "a form to let the client in",
              page[-2500:])
        # The client cannot let themself in.
        r = self.client.post("/calls/%d/admit" % self.call, {
            "csrf": self.client.csrf(), "user": str(self.client_id)})
        eq(r.status, 403, "admit is not a client's route")
        r = self.coach.post("/calls/%d/admit" % self.call, {
            "csrf": self.coach.csrf(), "user": str(self.client_id)})
        eq(r.status, 303, "the coach lets the client in")
        s = self.state(self.client)
        eq(s["state"], "in", "the client after admission")
        people = {p["user"]: p["state"] for p in s["participants"]}
        eq(people, {self.client_id: "in", self.coach_id: "in"},
           "who is in the call")
        r = self.coach.post("/calls/%d/admit" % self.call, {
            "csrf": self.coach.csrf(), "user": str(self.client_id)})
        eq(r.status, 409, "letting in someone who is in already")
        check("not in the waiting room" in r.text, "the reason",
              "a sentence", r.text[-2000:])

    def test_reads_of_the_call_are_in_the_access_log(self):
        q = ("SELECT COUNT(*) FROM audit_log WHERE kind = 'call' AND "
             "action = 'R' AND outcome = 'success' AND detail = '%s' AND "
             "actor_id = %d AND client_id = %d AND object_id = %d")
        before = {d: int(sql_rows(self.srv, self.backend, q % (
            d, self.coach_id, self.client_id, self.call))[0][0])
            for d in ("page", "state")}
        eq(self.coach.get("/calls/%d" % self.call).status, 200,
           "the coach reads the call page")
        self.state(self.coach)
        for d in ("page", "state"):
            n = int(sql_rows(self.srv, self.backend, q % (
                d, self.coach_id, self.client_id, self.call))[0][0])
            eq(n, before[d] + 1, "the access log: the coach read the "
               "call's " + d)
        # The client sees it in "who saw my data".
        page = self.client.get("/me/access").text
        check("<strong>Carla Coach</strong> read a call for the guidance"
              in page, "the client's access log",
              "Carla Coach read a call", page[-3000:])
        # A refused read is logged as refused, and shows nothing.
        r = self.other.get("/calls/%d" % self.call)
        eq(r.status, 404, "a client of another trajectory reads the call")
        check("Kees Klant" not in r.text, "the refusal", "names nobody",
              r.text[-1500:])

    def test_turn_credentials_format_and_expiry(self):
        t0 = int(time.time())
        s = self.state(self.client)
        ice = s.get("iceServers") or []
        eq(len(ice), 1, "one TURN server from the settings")
        eq(ice[0]["urls"], ["turn:127.0.0.1:3478?transport=udp"],
           "its address")
        user = ice[0]["username"]
        m = re.fullmatch(r"(\d+):(\d+)", user)
        check(m is not None, "the username", "expiry:userid", user)
        exp, uid = int(m.group(1)), int(m.group(2))
        eq(uid, self.client_id, "the username's user")
        check(t0 + TURN_TTL - 5 <= exp <= int(time.time()) + TURN_TTL + 5,
              "the expiry", "now + turn_ttl (%d s)" % TURN_TTL, exp - t0)
        want = base64.b64encode(hmac.new(TURN_SECRET.encode(), user.encode(),
                                          hashlib.sha1).digest()).decode()
        eq(ice[0]["credential"], want,
           "the password: base64 of HMAC-SHA1(secret, username)")
        check(TURN_SECRET not in json.dumps(s) and TURN_SECRET not in
              self.client.get("/calls/%d" % self.call).text,
              "the secret", "never handed out", s)

    def test_signal_reaches_its_receiver_alone(self):
        sc = Stream(self.client, "/live/t/%d" % self.tid)
        sk = Stream(self.coach, "/live/t/%d" % self.tid)
        try:
            eq(sc.status, 200, "the client's stream")
            offer = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 "
                     "127.0.0.1\r\ns=-\r\n"}
            r = self.signal(self.coach, {"to": self.client_id,
                                         "type": "offer", "data": offer})
            eq(r.status, 204, "the coach's offer")
            ev = sc.wait(lambda e: e.get("event") == "call_sig")
            check(ev is not None, "the client's stream",
                  "the offer as event call_sig", ev)
            eq(ev["data"]["from"], self.coach_id, "from whom")
            eq(ev["data"]["data"], offer, "the offer as sent")
            seen = []
            sk.wait(lambda e: False, timeout=1.0, seen=seen)
            check(not any(e.get("event") == "call_sig" for e in seen),
                  "the sender's own stream", "no copy of the offer", seen)
            r = self.signal(self.client, {"to": self.coach_id,
                                          "type": "answer",
                                          "data": {"type": "answer",
                                                   "sdp": "v=0\r\n"}})
            eq(r.status, 204, "the client's answer")
            ev = sk.wait(lambda e: e.get("event") == "call_sig")
            check(ev is not None and ev["data"]["type"] == "answer",
                  "the coach's stream", "the answer", ev)
        finally:
            sc.close()
            sk.close()

    def test_bad_signalling_gets_clear_answers(self):
        for what, raw, status, words in (
                ("not JSON", b"{to:", 400, None),
                ("data that is no object",
                 json.dumps({"to": self.client_id, "type": "ice",
                             "data": [1, 2]}).encode(), 400,
                 "one JSON object"),
                ("an unknown type",
                 json.dumps({"to": self.client_id, "type": "hello",
                             "data": {}}).encode(), 400,
                 "an offer, an answer or an ICE candidate"),
                ("no receiver",
                 json.dumps({"type": "ice", "data": {}}).encode(), 400,
                 "receiver"),
                ("to oneself",
                 json.dumps({"to": self.coach_id, "type": "ice",
                             "data": {}}).encode(), 400, "other participant"),
                ("to someone not in the call",
                 json.dumps({"to": self.other.me()["id"], "type": "ice",
                             "data": {}}).encode(), 409, "not in the call"),
                ("too large",
                 json.dumps({"to": self.client_id, "type": "offer",
                             "data": {"sdp": "x" * SIGNAL_BODY}}).encode(),
                 413, None)):
            r = self.signal(self.coach, None, raw=raw)
            eq(r.status, status, "a signal with " + what)
            if words:
                check(words in r.text, "the answer to " + what,
                      "a sentence saying " + words, r.text)
        # A signal just under the data limit but over it once wrapped is
        # refused the same way, never cut.
        r = self.signal(self.coach, {"to": self.client_id, "type": "offer",
                                     "data": {"sdp": "y" * (12 * 1024)}})
        eq(r.status, 413, "data over LIMIT_CALL_SIGNAL")
        # The call goes on after all of it.
        eq(self.state(self.client)["state"], "in", "the client after it")

    def test_refused_outside_the_trajectory(self):
        call = self.call
        for who, name in ((self.other, "a client of another trajectory"),
                          (self.far, "a professional of another "
                           "organisation")):
            for method, path in (("GET", "/calls/%d" % call),
                                 ("GET", "/calls/%d/state" % call),
                                 ("POST", "/calls/%d/join" % call),
                                 ("POST", "/calls/%d/beat" % call),
                                 ("POST", "/calls/%d/signal" % call)):
                if method == "GET":
                    r = who.get(path)
                else:
                    r = who.post(path, {"csrf": who.csrf()})
                eq(r.status, 404, "%s %s by %s" % (method, path, name))
            r = who.post("/t/%d/call" % self.tid, {"csrf": who.csrf(),
                                                    "media": "video"})
            eq(r.status, 404, "starting a call in the trajectory by " + name)
        r = self.client.get("/calls/999999")
        eq(r.status, 404, "an unknown call id")
        r = self.client.get("/calls/abc")
        eq(r.status, 404, "a malformed call id")
        anon = Client(self.srv)
        r = anon.get("/calls/%d" % call)
        check(r.status in (302, 303) and "/login" in (
            r.header("location") or ""), "the link alone",
            "a redirect to log in", r)
        # Still two in the call, nobody more.
        s = self.state(self.coach)
        eq(sorted(p["user"] for p in s["participants"]),
           sorted([self.client_id, self.coach_id]), "who is in the call")

    def test_a_closing_page_frees_its_place_at_once(self):
        sk = Stream(self.coach, "/live/t/%d" % self.tid)
        try:
            eq(sk.status, 200, "the coach's stream")
            t0 = time.time()
            r = beacon(self.client, self.call)
            eq(r.status, 204, "the client's page closes: its beacon")
            ev = sk.wait(lambda e: e.get("event") == "call" and
                         e["data"].get("user") == self.client_id and
                         e["data"].get("state") == "left", timeout=5)
            check(ev is not None, "the coach's stream",
                  "the client left, at once", ev)
            check(time.time() - t0 < 5, "the leave", "within seconds",
                  time.time() - t0)
        finally:
            sk.close()
        s = self.state(self.coach)
        eq([p["user"] for p in s["participants"]], [self.coach_id],
           "who is in the call after the beacon")
        eq(self.state(self.client)["state"], "left", "the client's state")
        # A reload sends the beacon too; the page it loads joins again
        # and is in at once, not in the waiting room.
        r = self.client.post("/calls/%d/join" % self.call, {
            "csrf": self.client.csrf()})
        eq(r.status, 303, "the reloaded page joins again")
        eq(self.state(self.client)["state"], "in",
           "the client after a reload: in again")
        rows = [x[0] for x in sql_rows(
            self.srv, self.backend, "SELECT detail FROM audit_log WHERE "
            "kind = 'call' AND object_id = %d AND actor_id = %d" % (
                self.call, self.client_id))]
        for d in ("leave-unload", "resume"):
            check(d in rows, "the access log of the client's part", d,
                  rows)

    def test_bad_leaves_get_clear_answers(self):
        call = self.call
        # Not a form (a beacon of text, without the token): the route
        # table's refusal.
        r = beacon(self.client, call, body=b"bye", ctype="text/plain")
        eq(r.status, 403, "a beacon without its token")
        check("out of date" in r.text, "the answer", "a sentence",
              r.text[-1500:])
        # The token in the address, the body no form.
        r = beacon(self.client, call, body=b'{"leave":1}',
                   ctype="text/plain",
                   query="?csrf=" + self.client.csrf())
        eq(r.status, 415, "a beacon whose body is not a form")
        check("form that carries the page's token" in r.text, "the answer",
              "a sentence", r.text)
        r = beacon(self.client, call, body=b"csrf=not-the-token")
        eq(r.status, 403, "a beacon with a wrong token")
        # Someone of the trajectory who is not in the call.
        r = beacon(self.pim, call)
        eq(r.status, 409, "a beacon from someone not in the call")
        check("You are not in this call." in r.text, "the answer",
              "a sentence", r.text)
        r = self.pim.post("/calls/%d/leave" % call, {"csrf": self.pim.csrf()})
        eq(r.status, 409, "leaving a call one is not in")
        check("You are not in this call." in r.text, "the answer",
              "a sentence", r.text[-2500:])
        # A foreign or unknown call.
        for who, name in ((self.other, "a client of another trajectory"),
                          (self.far, "a professional of another "
                           "organisation")):
            eq(beacon(who, call).status, 404, "a beacon by " + name)
            eq(who.post("/calls/%d/leave" % call, {
                "csrf": who.csrf()}).status, 404, "a leave by " + name)
        eq(beacon(self.client, 999999).status, 404, "an unknown call id")
        eq(self.client.post("/calls/abc/unload", {
            "csrf": self.client.csrf()}).status, 404, "a malformed call id")
        # A second leave: the first frees the place, the second is told.
        eq(beacon(self.client, call).status, 204, "the client's beacon")
        r = beacon(self.client, call)
        eq(r.status, 409, "a second beacon")
        check("You are not in this call." in r.text, "the answer",
              "a sentence", r.text)
        r = self.client.post("/calls/%d/leave" % call, {
            "csrf": self.client.csrf()})
        eq(r.status, 409, "a leave after the beacon")
        # Back in (the reload), the call as before.
        r = self.client.post("/calls/%d/join" % call, {
            "csrf": self.client.csrf()})
        eq(r.status, 303, "the client joins again")
        s = self.state(self.coach)
        eq(sorted(p["user"] for p in s["participants"]),
           sorted([self.client_id, self.coach_id]), "who is in the call")

    def test_beat_then_leave_and_end(self):
        r = self.client.request("POST", "/calls/%d/beat" % self.call,
                                body=b"{}", headers={
                                    "Content-Type": "application/json",
                                    "X-CSRF-Token": self.client.csrf()})
        eq(r.status, 200, "the client's heartbeat")
        eq(r.json()["state"], "in", "the heartbeat's answer")
        r = self.client.post("/calls/%d/leave" % self.call, {
            "csrf": self.client.csrf()})
        eq(r.status, 303, "the client leaves")
        r = self.client.request("POST", "/calls/%d/beat" % self.call,
                                body=b"{}", headers={
                                    "Content-Type": "application/json",
                                    "X-CSRF-Token": self.client.csrf()})
        eq(r.status, 410, "a heartbeat after leaving")
        r = self.client.post("/calls/%d/end" % self.call, {
            "csrf": self.client.csrf()})
        eq(r.status, 403, "ending is not a client's route")
        r = self.coach.post("/calls/%d/end" % self.call, {
            "csrf": self.coach.csrf()})
        eq(r.status, 303, "the coach ends the call")
        eq(self.state(self.coach)["ended"], True, "the call after the end")
        r = self.coach.post("/calls/%d/end" % self.call, {
            "csrf": self.coach.csrf()})
        eq(r.status, 410, "ending it again")
        check("has ended" in r.text, "the answer", "a sentence", r.text)
        r = self.client.post("/calls/%d/join" % self.call, {
            "csrf": self.client.csrf()})
        eq(r.status, 410, "joining an ended call")
        r = beacon(self.coach, self.call)
        eq(r.status, 410, "a beacon after the end")
        check("The call has ended." in r.text, "the answer", "a sentence",
              r.text)
        r = self.coach.post("/calls/%d/leave" % self.call, {
            "csrf": self.coach.csrf()})
        eq(r.status, 410, "a leave after the end")
        # The time of both in the recorded time (kind "call").
        page = self.coach.get("/t/%d/activities" % self.tid).text
        who = re.findall(r"<tr><td>calls</td><td>#(\d+)</td>", page)
        eq(sorted(int(w) for w in who),
           sorted([self.client_id, self.coach_id]),
           "the recorded time: the call's time of each participant")

    def test_start_participants_end_in_the_access_log(self):
        r = self.client.get("/me/access")
        eq(r.status, 200, "the client's access log")
        check("a call" in r.text, "the client's own access log",
              "the call's entries", r.text[-3000:])
        if self.backend == "sqlite":
            import sqlite3
            db = sqlite3.connect(self.srv.sqlite_path(), timeout=10)
            try:
                rows = [r[0] for r in db.execute(
                    "SELECT detail FROM audit_log WHERE kind = 'call' AND "
                    "object_id = ?", (self.call,))]
            finally:
                db.close()
        else:
            out = self.srv.pg.sql(
                "SELECT detail FROM audit_log WHERE kind = 'call' AND "
                "object_id = %d" % self.call)
            rows = [x.strip() for x in out.split("\n") if x.strip()]
        for d in ("start-video", "wait", "join", "admit-%d" % self.client_id,
                  "leave", "end"):
            check(d in rows, "the access log of the call", d, rows)
        check(not any(("sdp" in (d or "")) or d in ("offer", "answer", "ice")
                      for d in rows), "the access log", "no signalling",
              rows)
