"""
appointments.py - black-box tests of issue 13's appointments over real
HTTP: the professional's hours, a client booking an open slot, the same
slot for a second client ("just taken"), refusals with their reason (a time
in the past, a time that does not exist, a cancellation without a reason),
a client of another trajectory and a professional of another organisation
refused, rescheduling with the reminder mail following it (through the SMTP
sink and the outbox), cancelling, the .ics invitation (same UID, SEQUENCE
up), the calendar views, and the private feed with and without names and
its revocation; on PostgreSQL, overlapping bookings with different starts
sent at once through two nodes on one database (exactly one of each
overlapping group is booked).  Imported by run.py, which runs the class like the others.
"""
import datetime
import re
import threading
import time
from zoneinfo import ZoneInfo

from coaching import location_id, new_trajectory
from icscheck import calendar_part, read as ics_read
from lib import (Client, Sql, check, demo_logins, eq, mail_rcpt,
                 mail_text, org_with, says, users_in)

ANNA = ("anna.afspraak@demo.infuus.test", "anna-afspraak-pass-1",
        "Anna Afspraak")
BERT = ("bert.boeker@demo.infuus.test", "bert-boeker-pass-12",
        "Bert Boeker")
FAR = ("far.coach@elders.infuus.test", "far-coach-pass-1234", "Fay Far")
# The outbox mails every 30 seconds (outbox.c): a mail may take that long.
OUTBOX_WAIT = 45
AMS = ZoneInfo("Europe/Amsterdam")


class AppointmentsMixin(Sql):
    """Set-up and helpers for the Appointments suite (run.py mixes in
    Suite)."""

    def setup(self):
        self.srv = self.server_with_mail()
        self.coach = demo_logins(self.srv, "professional")[0]
        self.anna, self.bert = users_in(
            self.srv, "demo", ((ANNA, "client"), (BERT, "client")), "en")
        self.far = org_with(self.srv, "Elders", "elders",
                            ((FAR, "professional"),))[0]
        self.tid = self.trajectory(self.anna.me()["id"], "Afspraken Anna")
        self.tid_bert = self.trajectory(self.bert.me()["id"], "Traject Bert")
        self.apid = None

    def teardown(self):
        if getattr(self, "smtp", None):
            self.smtp.stop()

    def trajectory(self, client_uid, title):
        return new_trajectory(self.coach, client_uid, title)

    def mails_to(self, addr, marker, n, timeout=10.0):
        """The texts of the mails to addr: with marker in them, or (None)
        the notices without an invitation; waits up to timeout for n."""
        end = time.time() + timeout
        while True:
            out = []
            for m in self.smtp.messages():
                if addr not in mail_rcpt(m):
                    continue
                t = mail_text(m)
                if (marker is None and "BEGIN:VCALENDAR" not in t) or \
                        (marker is not None and marker in t):
                    out.append(t)
            if len(out) >= n or time.time() >= end:
                return out
            time.sleep(0.2)

    def cal_mails(self, addr, marker, timeout=10.0):
        """The text/calendar parts (bytes) of the mails to addr holding
        marker, checked for the method parameter of their Content-Type."""
        end = time.time() + timeout
        while True:
            out = []
            for m in self.smtp.messages():
                data, method = calendar_part(m)
                if addr in mail_rcpt(m) and data and marker in data:
                    check(method and ("METHOD:%s" % method).encode() in
                          data, "the mail's text/calendar", "a method= "
                          "as the object's METHOD", (method, data[:300]))
                    out.append(data)
            if out or time.time() >= end:
                return out
            time.sleep(0.2)

    def when(self, apid):
        """The appointment's start and end as stored (UTC seconds)."""
        return (self.sql_one("SELECT starts_at FROM appointments WHERE "
                             "id = %d" % apid),
                self.sql_one("SELECT ends_at FROM appointments WHERE "
                             "id = %d" % apid))

    def ics_event(self, apid, **more):
        """What the .ics must say of the appointment: its stored instants,
        an ORGANIZER and (an iTIP REQUEST or CANCEL, RFC 5546) an
        ATTENDEE."""
        s, e = self.when(apid)
        want = dict(start=s, end=e, organizer=True, attendee=True)
        want.update(more)
        return want

    def slots(self, who, path):
        r = who.get(path)
        eq(r.status, 200, "GET " + path)
        return [int(v) for v in
                re.findall(r'name="slot" value="(\d+)"', r.text)]

    def book(self, who, tid, slot, kind="video", location=""):
        return who.post("/t/%d/appointments" % tid, {
            "csrf": who.csrf(), "slot": str(slot), "kind": kind,
            "location": location, "professional": ""})

    # --- tests, in order ---------------------------------------------------

    def test_hours_refuse_bad_text_and_save(self):
        tok = self.coach.csrf()
        r = self.coach.post("/calendar/hours", {
            "csrf": tok, "schedule": "every day", "exceptions": "",
            "slot_minutes": "60", "buffer_before": "0", "buffer_after": "0",
            "late_hours": "24", "clients_book": "1"})
        eq(r.status, 400, "hours that are no schedule")
        check('id="h-schedule-error"' in r.text and says(
            r.text, "mon-fri 09:00-17:00", "ma-vr 09:00-17:00"),
              "the reason next to the field", "an example of the form",
              r.text[-3000:])
        # Every hour of every day, so the tests find slots at any time.
        r = self.coach.post("/calendar/hours", {
            "csrf": tok, "schedule": "mon-sun 00:00-24:00", "exceptions": "",
            "slot_minutes": "60", "buffer_before": "0", "buffer_after": "0",
            "late_hours": "24", "clients_book": "1"})
        eq(r.status, 303, "hours saved")
        page = self.coach.get("/calendar").text
        check("mon-sun 00:00-24:00" in page, "the saved hours in the form",
              "mon-sun 00:00-24:00", page[-3000:])

    def test_client_books_an_open_slot(self):
        slots = self.slots(self.anna, "/t/%d/appointments" % self.tid)
        check(len(slots) >= 30, "open slots offered", ">= 30", len(slots))
        now = time.time()
        check(all(s > now for s in slots), "slots in the future", "all",
              slots[:5])
        # A day and a bit ahead, so no reminder is due yet.
        slot = [s for s in slots if s > now + 26 * 3600][0]
        self.smtp.clear()
        r = self.book(self.anna, self.tid, slot, "visit", "Kamer 2")
        self.apid = location_id(r, "/appointments/")
        page = self.anna.get("/appointments/%d" % self.apid).text
        check("Kamer 2" in page and "Booked" in page, "the booked "
              "appointment's page", "location and state", page[-3000:])
        self.slot = slot
        # The slot is no longer offered.
        check(slot not in self.slots(self.anna, "/t/%d/appointments" %
                                     self.tid),
              "the booked slot", "gone from the open times", slot)

    def test_same_slot_for_another_client_is_just_taken(self):
        r = self.book(self.bert, self.tid_bert, self.slot)
        eq(r.status, 409, "booking a slot just taken")
        check("just taken" in r.text, "the reason", "just taken",
              r.text[-3000:])
        eq(self.sql_one("SELECT COUNT(*) FROM appointments WHERE "
                        "starts_at = %d" % self.slot), 1,
           "appointments at that time")

    def test_refusals_say_why_and_write_nothing(self):
        before = self.sql_one("SELECT COUNT(*) FROM appointments")
        tok = self.coach.csrf()
        past = datetime.date.today() - datetime.timedelta(days=2)
        r = self.coach.post("/t/%d/appointments" % self.tid, {
            "csrf": tok, "date": past.isoformat(), "time": "10:00",
            "minutes": "60", "kind": "phone", "location": ""})
        eq(r.status, 400, "a time in the past")
        check(says(r.text, "has passed", "is voorbij"), "the reason",
              "has passed", r.text[-3000:])
        r = self.coach.post("/t/%d/appointments" % self.tid, {
            "csrf": tok, "date": "2027-02-30", "time": "25:00",
            "minutes": "60", "kind": "phone", "location": ""})
        eq(r.status, 400, "a time that does not exist")
        future = datetime.date.today() + datetime.timedelta(days=20)
        r = self.coach.post("/t/%d/appointments" % self.tid, {
            "csrf": tok, "date": future.isoformat(), "time": "10:00",
            "minutes": "900", "kind": "phone", "location": ""})
        eq(r.status, 400, "an impossible length")
        r = self.coach.post("/t/%d/appointments" % self.tid, {
            "csrf": tok, "date": future.isoformat(), "time": "10:00",
            "minutes": "60", "kind": "visit", "location": ""})
        eq(r.status, 400, "face-to-face without a location")
        check(says(r.text, "needs a location", "heeft een locatie nodig"),
              "the reason", "needs a location", r.text[-3000:])
        # Overlapping Anna's appointment by half an hour.
        d = datetime.datetime.fromtimestamp(self.slot + 1800, AMS)
        r = self.coach.post("/t/%d/appointments" % self.tid_bert, {
            "csrf": tok, "date": d.date().isoformat(),
            "time": d.strftime("%H:%M"), "minutes": "60", "kind": "phone",
            "location": ""})
        eq(r.status, 409, "an overlapping time")
        eq(self.sql_one("SELECT COUNT(*) FROM appointments"), before,
           "appointments after the refusals")

    def test_client_of_another_trajectory_is_refused(self):
        for path in ("/appointments/%d" % self.apid,
                     "/appointments/%d/invite.ics" % self.apid,
                     "/t/%d/appointments" % self.tid):
            eq(self.bert.get(path).status, 404, "Bert's GET " + path)
            eq(self.far.get(path).status, 404, "another organisation's "
               "GET " + path)
        r = self.bert.post("/appointments/%d/cancel" % self.apid, {
            "csrf": self.bert.csrf(), "reason": "sneaky"})
        eq(r.status, 404, "Bert cancelling Anna's appointment")
        r = self.far.post("/t/%d/appointments" % self.tid, {
            "csrf": self.far.csrf(), "slot": str(self.slot + 7 * 86400),
            "kind": "phone"})
        eq(r.status, 404, "a booking in another organisation's agenda")
        eq(self.sql_one("SELECT COUNT(*) FROM appointments WHERE id = %d "
                        "AND status = 'booked'" % self.apid), 1,
           "Anna's appointment still booked")

    def test_reschedule_and_the_reminder_follows(self):
        ics1 = self.anna.get("/appointments/%d/invite.ics" % self.apid)
        eq(ics1.status, 200, "GET invite.ics")
        check("METHOD:REQUEST" in ics1.text and "BEGIN:VTIMEZONE" in
              ics1.text and "TZID:Europe/Amsterdam" in ics1.text,
              "the invitation", "METHOD:REQUEST with a VTIMEZONE",
              ics1.text[:1500])
        uid = re.search(r"^UID:(\S+)", ics1.text, re.M).group(1)
        booked = self.ics_event(self.apid, status="CONFIRMED", sequence=0,
                                uid=uid)
        ics_read(ics1.body, "invite.ics", "REQUEST", [booked])
        for data in self.cal_mails(ANNA[0], b"METHOD:REQUEST") or [None]:
            check(data, "the invitation mail", "a text/calendar part", data)
            ics_read(data, "the invitation mail's text/calendar", "REQUEST",
                     [booked])
        # After the booking a day ahead Anna has her invitation (iMIP:
        # text/calendar, METHOD:REQUEST, SEQUENCE:0) and no reminder yet.
        inv = self.mails_to(ANNA[0], "BEGIN:VCALENDAR", 1)
        check(inv and "METHOD:REQUEST" in inv[0] and "SEQUENCE:0" in inv[0]
              and "UID:" + uid in inv[0].replace("\r\n ", ""),
              "the invitation mail", "a REQUEST with the appointment's UID",
              inv[:1])
        check("Kamer 2" not in inv[0] and "Afspraken" not in inv[0] and
              ANNA[2] not in inv[0], "the invitation mail",
              "no place, title or name", inv[0])
        check(not self.mails_to(ANNA[0], None, 1, timeout=1),
              "a reminder after booking a day ahead", "none yet",
              self.mails_to(ANNA[0], None, 1, timeout=0))
        # Anna moves it to an open time a few hours ahead: the reminder, a
        # day before, is due at once and comes by mail.  Not the first open
        # time: that may start within the minute, and then it has begun
        # (and can no longer be cancelled) by the time the reminder came.
        page = self.anna.get("/appointments/%d" % self.apid).text
        slots = [int(v) for v in
                 re.findall(r'name="slot" value="(\d+)"', page)]
        new = [s for s in slots if s > time.time() + 3 * 3600][0]
        r = self.anna.post("/appointments/%d/reschedule" % self.apid, {
            "csrf": self.anna.csrf(), "slot": str(new)})
        eq(r.status, 303, "rescheduling")
        eq(self.sql_one("SELECT starts_at FROM appointments WHERE id = %d" %
                        self.apid), new, "the new time")
        hold = self.sql_one("SELECT n.hold_until FROM notifications n JOIN "
                            "appointments a ON a.reminder_id = n.id WHERE "
                            "a.id = %d" % self.apid)
        check(hold <= time.time() + 5, "the reminder's time", "now (the "
              "new start is within a day)", hold)
        mine = self.mails_to(ANNA[0], None, 1, timeout=OUTBOX_WAIT)
        check(mine, "the reminder mail to Anna", "within %ds" % OUTBOX_WAIT,
              [mail_rcpt(m) for m in self.smtp.messages()])
        text = mine[0]
        check("Kamer 2" not in text and "Afspraken" not in text,
              "the reminder", "content-free (no place, no title)", text)
        inv = self.mails_to(ANNA[0], "SEQUENCE:1", 1)
        check(inv and "UID:" + uid in inv[0].replace("\r\n ", ""),
              "the invitation after the move", "SEQUENCE:1, the same UID",
              inv[:1])
        ics2 = self.anna.get("/appointments/%d/invite.ics" % self.apid)
        moved = self.ics_event(self.apid, status="CONFIRMED", sequence=1,
                               uid=uid)
        ics_read(ics2.body, "invite.ics after the move", "REQUEST", [moved])
        for data in self.cal_mails(ANNA[0], b"SEQUENCE:1"):
            ics_read(data, "the moved invitation's text/calendar",
                     "REQUEST", [moved])
        ics2 = ics2.text
        eq(re.search(r"^UID:(\S+)", ics2, re.M).group(1), uid,
           "the UID after the move")
        check("SEQUENCE:1" in ics2, "the SEQUENCE after the move", "1",
              ics2[:1500])

    def test_cancel_needs_a_reason(self):
        r = self.anna.post("/appointments/%d/cancel" % self.apid, {
            "csrf": self.anna.csrf(), "reason": "   "})
        eq(r.status, 400, "cancelling without a reason")
        check("reason for cancelling" in r.text, "the reason's reason",
              "give a reason", r.text[-3000:])
        r = self.anna.post("/appointments/%d/cancel" % self.apid, {
            "csrf": self.anna.csrf(), "reason": "Ik ben ziek"})
        eq(r.status, 303, "cancelling")
        check("done=late" in (r.header("location") or ""),
              "a cancellation within 24 hours", "marked late",
              r.header("location"))
        ics = self.anna.get("/appointments/%d/invite.ics" % self.apid)
        gone = self.ics_event(self.apid, status="CANCELLED")
        ics_read(ics.body, "invite.ics after cancelling", "CANCEL", [gone])
        for data in self.cal_mails(ANNA[0], b"METHOD:CANCEL") or [None]:
            check(data, "the cancellation mail", "a text/calendar part",
                  data)
            ics_read(data, "the cancellation's text/calendar", "CANCEL",
                     [gone])
        ics = ics.text
        check("METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics,
              "the .ics after cancelling", "METHOD:CANCEL", ics[:1500])
        check(self.mails_to(ANNA[0], "METHOD:CANCEL", 1),
              "the cancellation mail", "METHOD:CANCEL to Anna",
              [mail_rcpt(m) for m in self.smtp.messages()])
        r = self.anna.post("/appointments/%d/cancel" % self.apid, {
            "csrf": self.anna.csrf(), "reason": "again"})
        eq(r.status, 409, "cancelling twice")

    def test_calendar_views(self):
        for who in (self.coach, self.anna):
            for v in ("day", "week", "month"):
                r = who.get("/calendar?view=%s" % v)
                eq(r.status, 200, "GET /calendar?view=" + v)
        r = self.coach.get("/calendar?view=month")
        check(ANNA[2] in r.text, "the professional's month",
              "the client's name", r.text[-3000:])
        eq(self.coach.get("/calendar?date=not-a-date").status, 400,
           "a calendar for a date that is none")

    def test_feed_with_and_without_names_and_revocation(self):
        # A booking for Bert to see in the feed.
        slots = self.slots(self.bert, "/t/%d/appointments" % self.tid_bert)
        r = self.book(self.bert, self.tid_bert, slots[3])
        bert_ap = location_id(r, "/appointments/")
        r = self.coach.post("/calendar/feed", {"csrf": self.coach.csrf(),
                                               "names": "1"})
        eq(r.status, 200, "making a feed")
        m = re.search(r'id="feed-url">[^<]*/feed/([A-Za-z0-9_-]+)<', r.text)
        check(m, "the feed address", "shown once", r.text[-3000:])
        tok = m.group(1)
        anon = Client(self.srv)
        f = anon.get("/feed/" + tok)
        eq(f.status, 200, "GET the feed")
        check((f.header("content-type") or "").startswith("text/calendar"),
              "the feed's type", "text/calendar", f.header("content-type"))
        check("BEGIN:VCALENDAR" in f.text and BERT[2] in f.text,
              "the feed with names", "Bert's name", f.text[:2000])
        ics_read(f.body, "the feed", "PUBLISH",
                 [self.ics_event(bert_ap, status="CONFIRMED",
                                 attendee=False)])
        # Without names: a new address, the old one no longer works.
        r = self.coach.post("/calendar/feed", {"csrf": self.coach.csrf()})
        tok2 = re.search(r'id="feed-url">[^<]*/feed/([A-Za-z0-9_-]+)<',
                         r.text).group(1)
        eq(anon.get("/feed/" + tok).status, 404, "the replaced address")
        f = anon.get("/feed/" + tok2)
        eq(f.status, 200, "the new address")
        check(BERT[2] not in f.text and ANNA[2] not in f.text and
              "BEGIN:VEVENT" in f.text, "the feed without names",
              "events, no names", f.text[:2000])
        ics_read(f.body, "the feed without names", "PUBLISH",
                 [self.ics_event(bert_ap, status="CONFIRMED",
                                 attendee=False)])
        r = self.coach.post("/calendar/feed/revoke",
                            {"csrf": self.coach.csrf()})
        eq(r.status, 303, "switching the feed off")
        eq(anon.get("/feed/" + tok2).status, 404, "the revoked address")
        eq(anon.get("/feed/" + "0" * 64).status, 404, "an unknown address")

    def test_overlapping_starts_on_two_nodes(self):
        """Two server processes on one PostgreSQL database, so two
        writers: groups of bookings for one professional whose starts
        differ by minutes (so the unique index on starts does not catch
        them) sent at once, split over both nodes.  Of each group exactly
        one is booked; the rest hear "just taken" (409)."""
        if self.backend != "postgres":
            return  # one writer on SQLite: the other tests cover it
        b = self.second_node()
        on_b = Client(b, lang=self.coach.lang)
        on_b.jar = dict(self.coach.jar)  # the same session, other node
        tok = self.coach.csrf()
        # Whole hours far ahead (any date and zone will do: a professional
        # books any whole minute); groups 4 hours apart, each member
        # starting 7 minutes after the last and lasting 60, so every two
        # of a group overlap and no two groups do.
        groups, per = 12, 6
        base = (int(time.time()) // 3600 + 24 * 40) * 3600
        jobs = []
        for g in range(groups):
            for k in range(per):
                jobs.append((g, base + g * 4 * 3600 + k * 7 * 60,
                             self.coach if k % 2 == 0 else on_b))
        results = [None] * len(jobs)
        go = threading.Event()

        def one(i):
            g, start, who = jobs[i]
            go.wait()
            r = who.post("/t/%d/appointments" % self.tid, {
                "csrf": tok, "slot": str(start), "kind": "phone",
                "location": "", "professional": "", "minutes": "60"},
                timeout=60)
            results[i] = (r.status, r.text)

        ts = [threading.Thread(target=one, args=(i,))
              for i in range(len(jobs))]
        for t in ts:
            t.start()
        go.set()
        for t in ts:
            t.join(90)
        won = {}
        for (g, start, _), res in zip(jobs, results):
            check(res is not None, "a booking's answer", "a response",
                  res)
            status, text = res
            if status == 303:
                won.setdefault(g, []).append(start)
            else:
                eq(status, 409, "an overlapping booking on two nodes")
                check(says(text, "just taken", "net door iemand anders "
                           "genomen"), "the reason", "just taken",
                      text[-2000:])
        check(all(len(won.get(g, [])) == 1 for g in range(groups)),
              "bookings per group of overlapping times, over two nodes",
              "exactly 1 in each of %d groups" % groups, won)
        eq(self.sql_one("SELECT COUNT(*) FROM appointments WHERE status = "
                        "'booked' AND starts_at >= %d AND starts_at < %d" %
                        (base, base + groups * 4 * 3600)), groups,
           "booked appointments in the groups' hours")
        check(b.alive(), "node B after the race", "alive",
              b.stderr()[-2000:])
