"""
realcal.py - the .ics files Infuus writes, imported into a real calendar
program (issue 13: "invitations that Thunderbird, Apple Calendar, Google
and Outlook import"; "daylight-saving-correct").  None of those four runs
headless on Debian; khal (Debian's khal package) does: a command-line
calendar on a vdir, which imports .ics files the way a mail client hands
an invitation to its calendar.  Each khal here has its own throw-away
config, vdir and cache, and runs in a zone of its own: America/New_York,
another zone than the organisation's, whose summer time starts and ends
on other dates than Europe's, and Europe/Amsterdam, the page's clock.

What khal does with iTIP (khal 0.10, read in its source and seen here):
it ignores METHOD (a CANCEL is imported like any event) and SEQUENCE (an
event with a UID it has replaces the stored one, whatever the number).
So a cancellation only shows as one through STATUS:CANCELLED in the
VEVENT, which our CANCEL carries, and an update replaces the invitation
through the unchanged UID.  khal reads TZID as an IANA name (pytz), as
Google does; the file's own VTIMEZONE, which Outlook and Apple Calendar
use, is read by icscheck.py (vobject) on the same files.

The bookings are on the days around the organisation's next change of
summer time found from today's date (at least three days ahead), at
10:00 on its wall clock, so the suite holds on any date and in any zone
the tests run in.  Imported by run.py, which runs the class like the
others.
"""
import datetime
import os
import re
import shutil
import subprocess
import time
from zoneinfo import ZoneInfo

from coaching import location_id, new_trajectory
from icscheck import TZID, calendar_part, read as ics_read
from lib import Client, Sql, check, demo_logins, eq, mail_rcpt

ORG_ZONE = TZID
AWAY_ZONE = "America/New_York"
CARA = ("cara.kalender@demo.infuus.test", "cara-kalender-pass-1",
        "Cara Kalender")


def next_change(zone, today):
    """The first day, at least three days after today, on which zone's
    offset at noon differs from the day before (a change of summer
    time), found from the zone data, never a fixed date."""
    z = ZoneInfo(zone)
    d = today + datetime.timedelta(days=3)
    for _ in range(800):
        noon = datetime.datetime(d.year, d.month, d.day, 12, tzinfo=z)
        prev = noon - datetime.timedelta(days=1)
        prev = datetime.datetime(prev.year, prev.month, prev.day, 12,
                                 tzinfo=z)
        if noon.utcoffset() != prev.utcoffset():
            return d
        d += datetime.timedelta(days=1)
    raise AssertionError("no change of summer time in %s" % zone)


class Khal:
    """A throw-away khal: its config, a vdir calendar "infuus" and its
    cache in a directory of its own, showing times in zone."""

    def __init__(self, root, name, zone):
        self.zone = zone
        self.dir = os.path.join(root, name)
        self.vdir = os.path.join(self.dir, "cal")
        os.makedirs(self.vdir)
        self.conf = os.path.join(self.dir, "config")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("[calendars]\n[[infuus]]\npath = %s\ntype = calendar\n"
                    "[locale]\nlocal_timezone = %s\n"
                    "default_timezone = %s\n"
                    "timeformat = %%H:%%M\ndateformat = %%Y-%%m-%%d\n"
                    "longdateformat = %%Y-%%m-%%d\n"
                    "datetimeformat = %%Y-%%m-%%d %%H:%%M\n"
                    "longdatetimeformat = %%Y-%%m-%%d %%H:%%M\n"
                    "[sqlite]\npath = %s\n" % (
                        self.vdir, zone, zone,
                        os.path.join(self.dir, "khal.db")))
        self.n = 0

    def run(self, *args):
        # A clean environment: no sanitizer or libfaketime preload (khal
        # is only ever asked about explicit dates), no XDG paths of the
        # machine's user, and the zone both in TZ and in the config.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": self.dir, "TZ": self.zone, "LANG": "C.UTF-8",
               "LC_ALL": "C.UTF-8"}
        p = subprocess.run(["khal", "-c", self.conf] + list(args), env=env,
                           capture_output=True, timeout=120, check=False)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def import_ics(self, data, what):
        """khal import --batch: no questions, an event with a UID already
        there replaces it.  A warning (a zone khal does not find, an
        event it cannot read) fails: khal would then show wrong times."""
        self.n += 1
        path = os.path.join(self.dir, "in%d.ics" % self.n)
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = self.run("import", "--batch", "-a", "infuus", path)
        eq(rc, 0, "khal import of " + what + " (" + err + out + ")")
        check(not err.strip(), "khal import of " + what,
              "no warning or error", err)

    def events(self, first, days):
        """The events khal lists from date first for days days, each a
        dict of start and end (its local "YYYY-MM-DD HH:MM"), status, uid
        and title."""
        rc, out, err = self.run(
            "list", "--once", "--day-format", "",
            "--format", "{start}|{end}|{status}|{uid}|{title}",
            first.isoformat(), "%dd" % days)
        eq(rc, 0, "khal list (" + err + ")")
        evs = []
        for line in out.splitlines():
            if not line.strip():
                continue
            p = line.split("|", 4)
            check(len(p) == 5, "khal list", "start|end|status|uid|title",
                  out)
            evs.append(dict(start=p[0].strip(), end=p[1].strip(),
                            status=p[2].strip(), uid=p[3].strip(),
                            title=p[4].strip()))
        return evs

    def at(self, when):
        """The UIDs of the events khal says are on at when (local
        "YYYY-MM-DD HH:MM")."""
        rc, out, err = self.run("at", "--day-format", "", "--format",
                                "{uid}", *when.split())
        eq(rc, 0, "khal at " + when + " (" + err + ")")
        return [ln.strip() for ln in out.splitlines() if ln.strip()]

    def files(self):
        return sorted(f for f in os.listdir(self.vdir) if f.endswith(".ics"))


def wall(t, zone):
    """The instant t (UTC seconds) on zone's wall clock, as khal prints
    it."""
    return datetime.datetime.fromtimestamp(t, ZoneInfo(zone)).strftime(
        "%Y-%m-%d %H:%M")


class RealCalendarsMixin(Sql):
    """Set-up and helpers for the RealCalendars suite (run.py mixes in
    Suite)."""

    def setup(self):
        check(shutil.which("khal"), "khal", "installed (tools/deps.sh "
              "test installs Debian's khal)", None)
        self.srv = self.server_with_mail()
        self.coach = demo_logins(self.srv, "professional")[0]
        self.srv.cli_ok("user", "create", "--email", CARA[0], "--name",
                        CARA[2], "--org", "demo", "--role", "client",
                        "--lang", "en", password=CARA[1])
        self.cara = Client(self.srv)
        self.cara.login_ok(CARA[0], CARA[1])
        self.tid = new_trajectory(self.coach, self.cara.me()["id"],
                                  "Kalender Cara")
        r = self.coach.post("/calendar/hours", {
            "csrf": self.coach.csrf(), "schedule": "mon-sun 00:00-24:00",
            "exceptions": "", "slot_minutes": "60", "buffer_before": "0",
            "buffer_after": "0", "late_hours": "24", "clients_book": "1"})
        eq(r.status, 303, "the professional's hours")
        today = datetime.datetime.now(ZoneInfo(ORG_ZONE)).date()
        change = next_change(ORG_ZONE, today)
        # The day before and the day after the change, at 10:00 on the
        # organisation's clock: one in summer time, one in winter time.
        self.days = [change - datetime.timedelta(days=1),
                     change + datetime.timedelta(days=1)]
        self.first = today
        self.span = (self.days[1] - today).days + 3
        self.away = Khal(self.workdir, "khal-ny", AWAY_ZONE)
        self.home = Khal(self.workdir, "khal-ams", ORG_ZONE)
        self.appts = []

    def teardown(self):
        if getattr(self, "smtp", None):
            self.smtp.stop()

    def when(self, apid):
        return (self.sql_one("SELECT starts_at FROM appointments WHERE "
                             "id = %d" % apid),
                self.sql_one("SELECT ends_at FROM appointments WHERE "
                             "id = %d" % apid))

    def page_when(self, apid):
        """The appointment page's "When": (date, "HH:MM", zone
        abbreviation), as the professional reads it."""
        page = self.coach.get("/appointments/%d" % apid).text
        m = re.search(r'<dl class="appt-facts"><dt>[^<]*</dt><dd>'
                      r'[^<]*?(\d{1,2}) [^<]*? (\d{4}), (\d\d:\d\d) '
                      r'([A-Za-z0-9+-]+) \(', page)
        check(m, "the appointment's page", "a date, a time and a zone",
              page[-3000:])
        return int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)

    def invite(self, apid, method, sequence, status):
        """The client's invite.ics of apid, read by icscheck (the booked
        instants through the file's own VTIMEZONE), with its UID."""
        r = self.cara.get("/appointments/%d/invite.ics" % apid)
        eq(r.status, 200, "GET invite.ics")
        s, e = self.when(apid)
        ics_read(r.body, "invite.ics", method,
                 [dict(start=s, end=e, status=status, sequence=sequence,
                       organizer=True, attendee=True)])
        uid = re.search(r"^UID:(\S+)", r.text.replace("\r\n ", ""),
                        re.M).group(1)
        return r.body, uid

    def mailed(self, marker):
        """Cara's mailed text/calendar parts holding marker (bytes; the
        lines unfolded, so a folded UID is found), waiting up to 10 s."""
        end = time.time() + 10
        while True:
            out = []
            for m in self.smtp.messages():
                d, _m = calendar_part(m)
                if CARA[0] in mail_rcpt(m) and d and \
                        marker in d.replace(b"\r\n ", b""):
                    out.append(d)
            if out or time.time() >= end:
                return out
            time.sleep(0.2)

    def shown(self, khal, uid):
        evs = [e for e in khal.events(self.first, self.span)
               if e["uid"] == uid]
        check(len(evs) == 1, "khal in " + khal.zone, "one event " + uid,
              khal.events(self.first, self.span))
        return evs[0]

    def book(self, day, hhmm):
        r = self.coach.post("/t/%d/appointments" % self.tid, {
            "csrf": self.coach.csrf(), "date": day.isoformat(),
            "time": hhmm, "minutes": "60", "kind": "phone",
            "location": ""})
        return location_id(r, "/appointments/")

    # --- tests, in order ---------------------------------------------------

    def test_summer_and_winter_time_as_the_page_and_khal_show(self):
        z = ZoneInfo(ORG_ZONE)
        dst = []
        for day in self.days:
            apid = self.book(day, "10:00")
            s, e = self.when(apid)
            want = datetime.datetime(day.year, day.month, day.day, 10,
                                     tzinfo=z)
            eq(s, int(want.timestamp()), "the stored instant of 10:00 on "
               "%s in %s" % (day, ORG_ZONE))
            dst.append(bool(want.dst()))
            d, y, hhmm, abbr = self.page_when(apid)
            eq((d, y, hhmm), (day.day, day.year, "10:00"), "the page's "
               "day and time")
            eq(abbr, want.tzname(), "the page's zone abbreviation")
            data, uid = self.invite(apid, "REQUEST", 0, "CONFIRMED")
            m = re.search(rb"^DTSTART;TZID=([^:]+):(\d{8}T\d{6})\r$", data,
                          re.M)
            check(m, "invite.ics", "DTSTART with a TZID", data[:1500])
            eq((m.group(1).decode(), m.group(2).decode()),
               (ORG_ZONE, day.strftime("%Y%m%d") + "T100000"),
               "the .ics DTSTART, the page's wall-clock time")
            for k in (self.home, self.away):
                k.import_ics(data, "the invitation of %s" % day)
                ev = self.shown(k, uid)
                eq((ev["start"], ev["end"]),
                   (wall(s, k.zone), wall(e, k.zone)),
                   "khal in %s: the booking on %s" % (k.zone, day))
                check(uid in k.at(wall(s + 1800, k.zone)), "khal at "
                      "half-way, in " + k.zone, uid, k.at(wall(s + 1800,
                                                              k.zone)))
            eq(self.shown(self.home, uid)["start"],
               "%s %s" % (day.isoformat(), hhmm),
               "khal on the organisation's clock, as the page")
            self.appts.append((apid, uid))
        eq(sorted(dst), [False, True], "one booking in summer time, one "
           "in winter time (%s)" % self.days)
        # New York changes on other dates than Europe: the same 10:00
        # in Amsterdam is another hour there on one side of the change.
        ny = [self.shown(self.away, u)["start"][11:] for _a, u in
              self.appts]
        want = [wall(self.when(a)[0], AWAY_ZONE)[11:] for a, _u in
                self.appts]
        eq(ny, want, "khal in New York, both sides of the change")

    def test_update_after_a_reschedule_replaces_the_invitation(self):
        apid, uid = self.appts[0]
        mails = self.mailed(b"UID:" + uid.encode() + b"\r\n")
        check(mails, "the invitation mail", "a text/calendar part", mails)
        # What a mail client hands to its calendar: the mail's part.
        self.away.import_ics(mails[0], "the mailed invitation")
        self.smtp.clear()
        # Across the change of summer time, at another hour.
        r = self.coach.post("/appointments/%d/reschedule" % apid, {
            "csrf": self.coach.csrf(), "date": self.days[1].isoformat(),
            "time": "14:00"})
        eq(r.status, 303, "rescheduling")
        s, e = self.when(apid)
        data, uid2 = self.invite(apid, "REQUEST", 1, "CONFIRMED")
        eq(uid2, uid, "the UID after the move")
        moved = self.mailed(b"SEQUENCE:1")
        check(moved, "the update mail", "SEQUENCE:1", moved)
        for k, d in ((self.away, moved[0]), (self.home, data)):
            before = k.files()
            k.import_ics(d, "the update")
            eq(k.files(), before, "khal's vdir after the update in " +
               k.zone + " (same files: the UID replaces)")
            ev = self.shown(k, uid)
            eq((ev["start"], ev["end"], ev["status"]),
               (wall(s, k.zone), wall(e, k.zone), "CONFIRMED"),
               "khal in %s: the moved appointment" % k.zone)
        eq(self.shown(self.home, uid)["start"],
           self.days[1].isoformat() + " 14:00", "the new time on the "
           "organisation's clock")

    def test_cancellation_marks_it_cancelled(self):
        apid, uid = self.appts[0]
        r = self.coach.post("/appointments/%d/cancel" % apid, {
            "csrf": self.coach.csrf(), "reason": "Ziek"})
        eq(r.status, 303, "cancelling")
        data, _u = self.invite(apid, "CANCEL", 2, "CANCELLED")
        gone = self.mailed(b"METHOD:CANCEL")
        check(gone, "the cancellation mail", "METHOD:CANCEL", gone)
        s, _e = self.when(apid)
        for k, d in ((self.away, gone[0]), (self.home, data)):
            k.import_ics(d, "the cancellation")
            ev = self.shown(k, uid)
            # khal ignores METHOD: only STATUS:CANCELLED marks it.
            eq((ev["start"], ev["status"]), (wall(s, k.zone), "CANCELLED"),
               "khal in %s after the CANCEL" % k.zone)
        # The other booking stands.
        other = self.shown(self.away, self.appts[1][1])
        eq(other["status"], "CONFIRMED", "the other booking in khal")

    def test_the_feed_in_khal(self):
        r = self.coach.post("/calendar/feed", {"csrf": self.coach.csrf(),
                                               "names": "1"})
        eq(r.status, 200, "making a feed")
        tok = re.search(r'id="feed-url">[^<]*/feed/([A-Za-z0-9_-]+)<',
                        r.text).group(1)
        f = Client(self.srv).get("/feed/" + tok)
        eq(f.status, 200, "GET the feed")
        want = {}
        for apid, uid in self.appts:
            s, e = self.when(apid)
            want[uid] = (s, e, "CANCELLED" if apid == self.appts[0][0]
                         else "CONFIRMED")
        ics_read(f.body, "the feed", "PUBLISH",
                 [dict(start=s, end=e, status=st)
                  for s, e, st in want.values()])
        feed = Khal(self.workdir, "khal-feed", AWAY_ZONE)
        feed.import_ics(f.body, "the feed")
        evs = {e["uid"]: e for e in feed.events(self.first, self.span)}
        eq(sorted(evs), sorted(want), "the feed's events in khal")
        for uid, (s, e, st) in want.items():
            ev = evs[uid]
            eq((ev["start"], ev["end"], ev["status"]),
               (wall(s, AWAY_ZONE), wall(e, AWAY_ZONE), st),
               "the feed's event in khal in New York")
            check(CARA[2] in ev["title"], "the feed's title in khal",
                  "the client's name (a feed with names)", ev["title"])
