#!/usr/bin/env python3
"""
faketime.py - the date-sensitive black-box tests at awkward instants.

Runs run.py's date-sensitive tests (coaching.py's reply deadlines, 'more
time', the queue and the audit chain) on SQLite once per instant below,
and the agenda and learning suites (appointments, assignments, measures:
slots, due dates, reminders, schedules around appointments) at the few
instants in AGENDA_INSTANTS,
with the test process and the server it starts under libfaketime (Debian's
`faketime`).  The clock is shifted by a fixed offset (FAKETIME="+N"), not
started at an absolute instant ("@..."), so every process - the tests, the
server, its command-line calls - reads the same moving clock however late
it starts.  Each instant passes when all its tests pass; coaching.py also
checks that the server's clock was in fact shifted (INFUUS_FAKE_NOW).

Usage: python3 tests/blackbox/faketime.py [LABEL-PREFIX ...]
Ends with "result: N passed, N failed" (one per instant) for run-all.
"""
import datetime
import glob
import os
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
AMS = ZoneInfo("Europe/Amsterdam")
UTC = datetime.timezone.utc

TESTS = [
    "Coaching.test_client_message_gets_a_deadline_and_lands_in_the_queue",
    "Coaching.test_more_time_moves_the_deadline_and_shows_in_the_thread",
    "Coaching.test_professional_reply_clears_the_queue",
    "Coaching.test_access_log_records_the_reads_and_verifies",
]

# (label, instant in UTC).  Europe/Amsterdam is UTC+1 in winter and UTC+2
# in summer; 2027 changes on 28 March (02:00 CET -> 03:00 CEST, at 01:00
# UTC) and 31 October (03:00 CEST -> 02:00 CET, at 01:00 UTC).
INSTANTS = [
    ("first of a month, Wed 1 Sep 2027 09:00 CEST", "2027-09-01 07:00:00"),
    ("the 9th, Tue 9 Nov 2027 12:00 CET", "2027-11-09 11:00:00"),
    ("deadline on the 4th, Fri 30 Jul 2027 16:00 CEST",
     "2027-07-30 14:00:00"),
    ("deadline across spring DST, Fri 26 Mar 2027 14:00 CET",
     "2027-03-26 13:00:00"),
    ("spring DST before, Sun 28 Mar 2027 01:30 CET", "2027-03-28 00:30:00"),
    ("spring DST at the jump, Sun 28 Mar 2027 01:59:45 CET",
     "2027-03-28 00:59:45"),
    ("spring DST after, Sun 28 Mar 2027 03:30 CEST", "2027-03-28 01:30:00"),
    ("deadline across autumn DST, Fri 29 Oct 2027 15:00 CEST",
     "2027-10-29 13:00:00"),
    ("autumn DST before, Sun 31 Oct 2027 01:30 CEST", "2027-10-30 23:30:00"),
    ("autumn DST first 02:30, CEST", "2027-10-31 00:30:00"),
    ("autumn DST at the jump, 02:59:45 CEST", "2027-10-31 00:59:45"),
    ("autumn DST second 02:30, CET", "2027-10-31 01:30:00"),
    ("autumn DST after, Sun 31 Oct 2027 03:30 CET", "2027-10-31 02:30:00"),
    ("New Year's Eve, Fri 31 Dec 2027 23:30 CET", "2027-12-31 22:30:00"),
    ("King's Day, Tue 27 Apr 2027 10:00 CEST", "2027-04-27 08:00:00"),
    ("Christmas, Fri 25 Dec 2026 10:00 CET", "2026-12-25 09:00:00"),
    ("leap day, Tue 29 Feb 2028 11:00 CET", "2028-02-29 10:00:00"),
]

# Whole classes, each about half a minute (they wait for the outbox), so
# at the instants that found bugs or could: the end of an hour that is
# also the end of the local day (the next open slot starts within
# seconds; the UTC date is not the local one a minute later), and the
# spring jump.  A reschedule to the first open time once failed here.
AGENDA = ["Appointments", "Assignments", "Measures", "RealCalendars"]
AGENDA_INSTANTS = [
    ("agenda: end of a local day, Tue 12 Jan 2027 23:59:35 CET",
     "2027-01-12 22:59:35"),
    ("agenda: spring DST at the jump, Sun 28 Mar 2027 01:59:45 CET",
     "2027-03-28 00:59:45"),
]


def libfaketime():
    for p in sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")):
        return p
    return None


def run_at(label, utc, lib, tests):
    target = int(datetime.datetime.strptime(utc, "%Y-%m-%d %H:%M:%S")
                 .replace(tzinfo=UTC).timestamp())
    env = dict(os.environ)
    env["LD_PRELOAD"] = (lib + " " + env.get("LD_PRELOAD", "")).strip()
    # The whole run shares one offset from the real clock.
    env["FAKETIME"] = "%+d" % (target - int(time.time()))
    # The monotonic clock is shifted too: with FAKETIME_DONT_FAKE_MONOTONIC
    # libfaketime 0.9.10 makes Python's time.sleep fail with EINVAL.
    env.pop("FAKETIME_DONT_FAKE_MONOTONIC", None)
    env["INFUUS_FAKE_NOW"] = str(target)
    # ASan wants to be first in the link order; libfaketime must be.
    asan = env.get("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
    env["ASAN_OPTIONS"] = asan + ":verify_asan_link_order=0"
    cmd = [sys.executable, os.path.join(HERE, "run.py"), "--backend",
           "sqlite"]
    for t in tests:
        cmd += ["--only", t]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=600)
        out, rc = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode(errors="replace"), -1
    res = [ln for ln in out.splitlines() if ln.startswith("result: ")]
    local = datetime.datetime.fromtimestamp(target, AMS)
    ok = rc == 0 and res and res[-1].endswith(" 0 failed") and \
        not res[-1].startswith("result: 0 passed")
    print("%s  %s [%s, %s UTC] (%.1fs): %s" % (
        "ok  " if ok else "FAIL", label, local.isoformat(), utc,
        time.time() - t0, res[-1] if res else "no result, status %d" % rc),
        flush=True)
    if not ok:
        # Indented, so run-all does not count the inner result line.
        for ln in out.splitlines()[-60:]:
            print("      " + ln)
    return ok


def main():
    lib = libfaketime()
    if lib is None:
        print("faketime: no libfaketime.so.1 (Debian package faketime)")
        print("result: 0 passed, 1 failed")
        return 1
    want = sys.argv[1:]
    passed = failed = 0
    runs = [(label, utc, TESTS) for label, utc in INSTANTS] + \
        [(label, utc, AGENDA) for label, utc in AGENDA_INSTANTS]
    for label, utc, tests in runs:
        if want and not any(label.startswith(w) for w in want):
            continue
        if run_at(label, utc, lib, tests):
            passed += 1
        else:
            failed += 1
    print("result: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
