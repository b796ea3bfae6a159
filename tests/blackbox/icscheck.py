"""
icscheck.py - an independent reading of the iCalendar objects Infuus
writes (issue 13: ".ics invitations that Thunderbird, Apple Calendar,
Google and Outlook import").  libical writes them and the unit tests read
them back with libical, which would accept its own mistakes; here two
other parsers that calendar tools use read them: python3-icalendar (as in
many CalDAV servers) and python3-vobject (Radicale's).  The times are
resolved through the VTIMEZONE in the object itself, never the system's
zone data, since that is what a client without Europe/Amsterdam in its
tables does.
"""
import datetime

import icalendar
import vobject

from lib import check, eq

TZID = "Europe/Amsterdam"


def lines_ok(raw, what):
    """RFC 5545 3.1: content lines end in CRLF and are folded so that no
    line is longer than 75 octets, the line break excluded."""
    check(raw.endswith(b"\r\n"), what, "ends in CRLF", raw[-40:])
    lines = raw[:-2].split(b"\r\n")
    bare = [ln for ln in lines if b"\n" in ln or b"\r" in ln]
    check(not bare, what, "no bare LF or CR", bare[:3])
    long = [ln for ln in lines if len(ln) > 75]
    check(not long, what, "lines of at most 75 octets", long[:3])


def instant(prop, tz, what):
    """The UTC instant of a DTSTART/DTEND with TZID, resolved through the
    file's own VTIMEZONE (tz: the tzinfo vobject builds from it)."""
    eq(prop.params.get("TZID"), TZID, what + " TZID")
    local = datetime.datetime.strptime(prop.to_ical().decode(),
                                       "%Y%m%dT%H%M%S")
    return int(local.replace(tzinfo=tz).timestamp())


def read(raw, what, method, events, crlf=True):
    """Parse raw (bytes) and check it; events maps UID-less expectations:
    a list of dicts with start, end (UTC seconds) and optionally status,
    sequence, uid, organizer and attendee (True: there, as mailto:).  Every
    VEVENT is checked; each expectation must match one of them by start.
    Returns the VEVENTs (icalendar components)."""
    if crlf:
        lines_ok(raw, what)
    cal = icalendar.Calendar.from_ical(raw)
    eq(str(cal.get("METHOD")), method, what + " METHOD")
    eq(str(cal.get("VERSION")), "2.0", what + " VERSION")
    vtz = [c for c in cal.walk("VTIMEZONE") if str(c.get("TZID")) == TZID]
    eq(len(vtz), 1, what + ": VTIMEZONE " + TZID)
    # Not icalendar's Timezone.to_tz(): Debian's 4.0.3 cannot expand an
    # observance whose RRULE has UNTIL in UTC, which RFC 5545 3.3.10
    # requires in a VTIMEZONE ("MUST always be specified as a date with
    # UTC time"); vobject reads the same VTIMEZONE with dateutil.
    vcal = vobject.readOne(raw.decode("utf-8"))
    tz = vcal.vtimezone.gettzinfo()
    check(tz is not None, what, "vobject: a tzinfo from the VTIMEZONE",
          raw[:800])
    vevents = cal.walk("VEVENT")
    if method != "PUBLISH":
        eq(len(vevents), 1, what + ": VEVENTs (RFC 5546: one per iTIP)")
    seen = {}
    for ev in vevents:
        for p in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE",
                  "STATUS"):
            check(p in ev, what, "a VEVENT with " + p, ev.to_ical()[:600])
        stamp = ev["DTSTAMP"].dt
        check(stamp.tzinfo is not None and stamp.utcoffset() ==
              datetime.timedelta(0), what, "DTSTAMP in UTC", stamp)
        start = instant(ev["DTSTART"], tz, what + " DTSTART")
        end = instant(ev["DTEND"], tz, what + " DTEND")
        check(end > start, what, "DTEND after DTSTART", (start, end))
        for p in ("ORGANIZER", "ATTENDEE"):
            if p in ev:
                check(str(ev[p]).lower().startswith("mailto:"), what,
                      p + " a mailto: address", str(ev[p]))
        seen[start] = (ev, end)
    # vobject's own reading of the events: the same starts.
    for vev in vcal.vevent_list:
        s = vev.dtstart.value
        check(s.tzinfo is not None, what, "vobject: DTSTART with a zone", s)
        vs = int(s.replace(tzinfo=None).replace(tzinfo=tz).timestamp())
        check(vs in seen, what, "vobject's DTSTART as icalendar's",
              (vs, sorted(seen)))
    for want in events:
        check(want["start"] in seen, what, "an event at %d" % want["start"],
              sorted(seen))
        ev, end = seen[want["start"]]
        eq(end, want["end"], what + " DTEND instant")
        if "status" in want:
            eq(str(ev["STATUS"]), want["status"], what + " STATUS")
        if "sequence" in want:
            eq(int(ev["SEQUENCE"]), want["sequence"], what + " SEQUENCE")
        if "uid" in want:
            eq(str(ev["UID"]), want["uid"], what + " UID")
        for p in ("organizer", "attendee"):
            if want.get(p):
                check(p.upper() in ev, what, "an " + p.upper(),
                      ev.to_ical()[:600])
    return vevents


def calendar_part(msg):
    """The decoded text/calendar part of a mail, in the canonical CRLF
    form of MIME text (the mail store keeps lines with LF only), and its
    method parameter."""
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            data = part.get_payload(decode=True) or b""
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            return data, part.get_param("method")
    return None, None
