"""
call_timeouts.py - black-box tests of a call participant who vanishes
mid-call (issue 10: closes the laptop, loses the network) over real HTTP:
three people are in a call; one stops beating; after LIMIT_CALL_TIMEOUT
the others' streams receive the leave, the call's state shows them gone,
their time in the call ends at their last heartbeat (not when the
timeout was found), the access log has the leave with the reason
"timeout", and the call goes on for the others; when the last
professional vanishes the call ends as of their last heartbeat, with
everyone's time recorded.  Also: a closed page's place comes back to a
reload within LIMIT_CALL_RESUME, not later.

The 45 seconds are not waited for: the server runs under libfaketime
with a clock this suite moves forward (FAKETIME_TIMESTAMP_FILE, re-read
at every call), as security.py does for the session timeouts; the
server has no setting or route for it.  Imported by run.py.
"""
import json

from calls import PIM, beacon, sql_rows
from coaching import location_id, new_trajectory
from lib import FakeClock, check, demo_logins, eq, users_in
from live import Stream

# src/core/limits.h
CALL_TIMEOUT = 45
CALL_RESUME = 15


class CallTimeoutsMixin(FakeClock):
    """Set-up and helpers for the CallTimeouts suite (run.py mixes in
    Suite)."""

    def setup(self):
        self.clock_start()
        with self.faked_time():
            self.srv = self.server().start(fresh=True)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        for who, name in ((self.client, "Kees Klant"),
                          (self.coach, "Carla Coach")):
            r = who.post("/account", {"name": name, "lang": "en",
                                      "csrf": who.csrf()})
            eq(r.status, 303, "%s reads English" % name)
        self.pim = users_in(self.srv, "demo", ((PIM, "professional"),),
                            "en")[0]
        self.ids = {}
        for who in (self.coach, self.client, self.pim):
            self.ids[who] = who.me()["id"]
        self.tid = new_trajectory(self.coach, self.ids[self.client],
                                  "Verdwenen")
        r = self.coach.post("/t/%d/professionals" % self.tid, {
            "csrf": self.coach.csrf(), "user": str(self.ids[self.pim])})
        eq(r.status, 303, "a second professional in the trajectory")
        self.call = None
        self.streams = []
        self.client_first = 0   # the client's seconds before the timeout

    def teardown(self):
        for s in self.streams:
            s.close()

    # --- helpers -----------------------------------------------------------

    def sql(self, query):
        return sql_rows(self.srv, self.backend, query)

    def part(self, who):
        """(state, since, seconds, seen_at) of who in the call."""
        row = self.sql("SELECT state, since, seconds, seen_at FROM "
                       "call_parts WHERE call_id = %d AND user_id = %d" % (
                           self.call, self.ids[who]))[0]
        return (row[0], int(row[1] or 0), int(row[2]), int(row[3]))

    def beat(self, who):
        r = who.request("POST", "/calls/%d/beat" % self.call, body=b"{}",
                        headers={"Content-Type": "application/json",
                                 "X-CSRF-Token": who.csrf()})
        return r.status, r.json().get("state")

    def state(self, who):
        r = who.get("/calls/%d/state" % self.call,
                    headers={"Accept": "application/json"})
        eq(r.status, 200, "the call's state")
        return r.json()

    def stream(self, who):
        s = Stream(who, "/live/t/%d" % self.tid)
        eq(s.status, 200, "a stream of the trajectory")
        self.streams.append(s)
        return s

    def left_event(self, stream, who, timeout=5):
        uid = self.ids[who]
        return stream.wait(lambda e: e.get("event") == "call" and
                           e["data"].get("call") == self.call and
                           e["data"].get("user") == uid and
                           e["data"].get("state") == "left",
                           timeout=timeout)

    def admit(self, who):
        r = self.coach.post("/calls/%d/admit" % self.call, {
            "csrf": self.coach.csrf(), "user": str(self.ids[who])})
        eq(r.status, 303, "the coach lets them in")

    # --- tests, in order ---------------------------------------------------

    def test_the_server_clock_is_moved(self):
        # The suite is void if libfaketime does not reach the server: its
        # answers' Date header follows the clock file.
        def server_now():
            d = self.coach.get("/api/me").header("date")
            from email.utils import parsedate_to_datetime
            return parsedate_to_datetime(d).timestamp()
        before = server_now()
        self.advance(120)
        after = server_now()
        check(after - before >= 115, "the server's clock",
              "two minutes later after advance(120)", after - before)

    def test_a_vanished_participant_leaves_after_the_timeout(self):
        r = self.coach.post("/t/%d/call" % self.tid, {
            "csrf": self.coach.csrf(), "media": "video"})
        self.call = location_id(r, "/calls/")
        r = self.client.post("/calls/%d/join" % self.call, {
            "csrf": self.client.csrf()})
        eq(r.status, 303, "the client joins (waits)")
        self.admit(self.client)
        r = self.pim.post("/calls/%d/join" % self.call, {
            "csrf": self.pim.csrf()})
        eq(r.status, 303, "the second professional joins")
        sk, sp = self.stream(self.coach), self.stream(self.pim)
        for who in (self.coach, self.client, self.pim):
            eq(self.beat(who), (200, "in"), "everyone's first beat")
        self.advance(10)
        for who in (self.coach, self.client, self.pim):
            eq(self.beat(who), (200, "in"), "everyone's second beat")
        # The client's laptop closes: no more beats from it.
        _, since, _, last = self.part(self.client)
        self.advance(30)
        for who in (self.coach, self.pim):
            eq(self.beat(who), (200, "in"), "the others beat on")
        # 40 s: not gone yet.
        self.advance(CALL_TIMEOUT - 40 - 1)
        eq(self.beat(self.coach), (200, "in"), "the coach's beat")
        eq(len(self.state(self.pim)["participants"]), 3,
           "everyone in the call before the timeout")
        # Past the timeout: the next beat finds it.
        self.advance(12)
        eq(self.beat(self.coach), (200, "in"), "the coach's beat")
        for s, name in ((sk, "the coach's"), (sp, "the second "
                                              "professional's")):
            ev = self.left_event(s, self.client)
            check(ev is not None, name + " stream",
                  "the client left", ev)
        people = sorted(p["user"] for p in
                        self.state(self.pim)["participants"])
        eq(people, sorted([self.ids[self.coach], self.ids[self.pim]]),
           "the call's state: the client gone")
        state, _, secs, _ = self.part(self.client)
        eq(state, "left", "the client's part")
        # Counted until the last heartbeat, not until found (50 s more).
        eq(secs, last - since, "the client's time in the call")
        check(secs <= 12, "the client's time", "about 10 s", secs)
        self.client_first = secs
        rows = [x[0] for x in self.sql(
            "SELECT detail FROM audit_log WHERE kind = 'call' AND "
            "object_id = %d" % self.call)]
        check("timeout-%d" % self.ids[self.client] in rows,
              "the access log", "the client's leave, reason timeout", rows)
        # The client's page learns it at its next beat.
        eq(self.beat(self.client), (410, "left"), "the client's late beat")
        page = self.client.get("/calls/%d" % self.call).text
        check("You are not in this call." in page and "Join the call" in
              page, "the client's page", "not in the call, may join",
              page[-2500:])

    def test_the_call_goes_on_for_the_others(self):
        sp = self.stream(self.pim)
        body = {"to": self.ids[self.pim], "type": "offer",
                "data": {"type": "offer", "sdp": "v=0\r\n"}}
        r = self.coach.request("POST", "/calls/%d/signal" % self.call,
                               body=json.dumps(body).encode(), headers={
                                   "Content-Type": "application/json",
                                   "X-CSRF-Token": self.coach.csrf()})
        eq(r.status, 204, "a signal between those still in")
        ev = sp.wait(lambda e: e.get("event") == "call_sig")
        check(ev is not None, "the second professional's stream",
              "the offer", ev)
        body["to"] = self.ids[self.client]
        r = self.coach.request("POST", "/calls/%d/signal" % self.call,
                               body=json.dumps(body).encode(), headers={
                                   "Content-Type": "application/json",
                                   "Accept": "application/json",
                                   "X-CSRF-Token": self.coach.csrf()})
        eq(r.status, 409, "a signal to who vanished")
        # The client comes back: the waiting room, as after any leave.
        r = self.client.post("/calls/%d/join" % self.call, {
            "csrf": self.client.csrf()})
        eq(r.status, 303, "the client joins again")
        eq(self.state(self.client)["state"], "waiting",
           "the client back after a timeout")
        self.admit(self.client)
        for who in (self.coach, self.client, self.pim):
            eq(self.beat(who), (200, "in"), "everyone beats")
        r = self.pim.post("/calls/%d/leave" % self.call, {
            "csrf": self.pim.csrf()})
        eq(r.status, 303, "the second professional leaves")
        eq(self.state(self.client)["ended"], False,
           "the call after one of two professionals left")

    def test_the_last_professional_vanishing_ends_the_call(self):
        sc = self.stream(self.client)
        self.advance(5)
        eq(self.beat(self.coach), (200, "in"), "the coach's last beat")
        eq(self.beat(self.client), (200, "in"), "the client's beat")
        _, since, _, coach_last = self.part(self.coach)
        _, client_since, _, _ = self.part(self.client)
        # The coach loses the network; the client's page beats on.
        for _ in range(8):
            self.advance(10)
            status, _ = self.beat(self.client)
            if status != 200:
                break
        eq(status, 410, "the client's beat once the coach timed out")
        ev = sc.wait(lambda e: e.get("event") == "call" and
                     e["data"].get("state") == "ended", timeout=5)
        check(ev is not None, "the client's stream", "the call ended", ev)
        s = self.state(self.client)
        eq((s["ended"], s["participants"]), (True, []), "the call's state")
        ended = int(self.sql("SELECT ended_at FROM calls WHERE id = %d" %
                             self.call)[0][0])
        eq(ended, coach_last, "the call's end: the coach's last heartbeat")
        acts = dict((int(u), int(n)) for u, n in self.sql(
            "SELECT user_id, seconds FROM activities WHERE kind = 'call' "
            "AND source_id = %d" % self.call))
        eq(acts.get(self.ids[self.coach]), coach_last - since,
           "the coach's time: until their last heartbeat")
        eq(acts.get(self.ids[self.client]),
           self.client_first + coach_last - client_since,
           "the client's time: both times in, until the call ended")
        check(self.ids[self.pim] in acts, "the recorded time",
              "the second professional's time too", acts)
        rows = [x[0] for x in self.sql(
            "SELECT detail FROM audit_log WHERE kind = 'call' AND "
            "object_id = %d" % self.call)]
        for d in ("timeout-%d" % self.ids[self.coach], "end"):
            check(d in rows, "the access log", d, rows)
        page = self.client.get("/calls/%d" % self.call).text
        check("The call has ended." in page, "the client's page",
              "the call has ended", page[-2500:])

    def test_a_reload_gets_its_place_back_a_later_visit_waits(self):
        r = self.coach.post("/t/%d/call" % self.tid, {
            "csrf": self.coach.csrf(), "media": "voice"})
        self.call = location_id(r, "/calls/")
        self.client.post("/calls/%d/join" % self.call, {
            "csrf": self.client.csrf()})
        self.admit(self.client)
        eq(beacon(self.client, self.call).status, 204, "the client's "
           "page closes")
        self.advance(CALL_RESUME + 5)
        eq(self.beat(self.coach), (200, "in"), "the coach's beat")
        self.client.post("/calls/%d/join" % self.call, {
            "csrf": self.client.csrf()})
        eq(self.state(self.client)["state"], "waiting",
           "the client, back after %d s" % (CALL_RESUME + 5))
        # The professional's page closes and never comes back: the call
        # ends, as of that moment.
        self.admit(self.client)
        eq(beacon(self.coach, self.call).status, 204, "the coach's page "
           "closes")
        gone = int(self.sql("SELECT unload_at FROM call_parts WHERE "
                            "call_id = %d AND user_id = %d" % (
                                self.call, self.ids[self.coach]))[0][0])
        self.advance(5)
        eq(self.beat(self.client), (200, "in"), "the client meanwhile")
        self.advance(CALL_RESUME)
        eq(self.beat(self.client)[0], 410, "the client after the window")
        ended = int(self.sql("SELECT ended_at FROM calls WHERE id = %d" %
                             self.call)[0][0])
        eq(ended, gone, "the call's end: when the coach's page closed")
