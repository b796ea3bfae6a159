"""
coaching.py - black-box tests of written coaching (issue 4) over real HTTP:
trajectories, threads, messages, the service promise in action, and who may
see what.  Imported by run.py, which runs the class like the others.
"""
import datetime
import html.parser
import os
import re
import threading
import time
from zoneinfo import ZoneInfo

from lib import (Client, Failure, Load, check, demo_logins, eq,
                 not_in_plain_text, org_with, users_in)

CLIENT2 = ("second.client@demo.infuus.test", "second-client-pass-1")
COACH2 = ("second.coach@demo.infuus.test", "second-coach-pass-12")
ORG2_COACH = ("coach@elsewhere.infuus.test", "elsewhere-coach-pass-1")
SECRET_WORD = "zwaluwstaartvlinder"
AMS = ZoneInfo("Europe/Amsterdam")
# page.c's page_time_tz: "Wed 9 December 2026, 10:00 CET", per language.
WDAYS = {"en": "Mon Tue Wed Thu Fri Sat Sun".split(),
         "nl": "ma di wo do vr za zo".split()}
MONTHS = {"en": "January February March April May June July August "
                "September October November December".split(),
          "nl": "januari februari maart april mei juni juli augustus "
                "september oktober november december".split()}


def local_label(t, lang):
    """A moment as the pages show it in Europe/Amsterdam."""
    d = datetime.datetime.fromtimestamp(t, AMS)
    return "%s %d %s %04d, %02d:%02d %s" % (
        WDAYS[lang][d.weekday()], d.day, MONTHS[lang][d.month - 1], d.year,
        d.hour, d.minute, d.tzname())


def iso_utc(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


def holiday_days(text):
    """The days of a promise's holiday text ("2026-12-25, 2026-12-28..
    2027-01-01"), read here, not by the server."""
    days = set()
    for item in re.split(r"[,;\n]", text):
        item = item.strip()
        if not item:
            continue
        a, _, b = item.partition("..")
        first = datetime.date.fromisoformat(a.strip())
        last = datetime.date.fromisoformat((b or a).strip())
        while first <= last:
            days.add(first)
            first += datetime.timedelta(days=1)
    return days


def working_deadline(sent, seconds, holidays):
    """When `seconds` of working time (Monday to Friday, 09:00-17:00
    Europe/Amsterdam, not on `holidays`) have passed since `sent`: the
    promise's arithmetic done independently of promise.c, in real seconds
    (so across a DST change too)."""
    t = sent
    day = datetime.datetime.fromtimestamp(t, AMS).date()
    for _ in range(366):
        start = datetime.datetime.combine(day, datetime.time(9), AMS) \
            .timestamp()
        end = datetime.datetime.combine(day, datetime.time(17), AMS) \
            .timestamp()
        if day.weekday() < 5 and day not in holidays and t < end:
            t = max(t, start)
            if t + seconds <= end:
                return int(t + seconds)
            seconds -= end - t
        day += datetime.timedelta(days=1)
    raise Failure("a deadline", "within a year", "none")


class FormFields(html.parser.HTMLParser):
    """The fields of the first form whose action is `action`, with the
    values a browser would send untouched (inputs, textareas, the selected
    option of each select)."""

    def __init__(self, action):
        super().__init__()
        self.action = action
        self.inside = False
        self.done = False
        self.fields = {}
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and a.get("action") == self.action:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") in ("submit", "file"):
                return
            self.fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside = False
            self.done = True

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(page, action):
    p = FormFields(action)
    p.feed(page)
    if not p.done:
        raise Failure("a form posting to " + action, "present", page[:2000])
    return p.fields


def location_id(r, prefix):
    loc = r.header("location") or ""
    m = re.match(re.escape(prefix) + r"(\d+)", loc)
    if r.status != 303 or not m:
        raise Failure("redirect to %sN" % prefix, "303 to " + prefix, r)
    return int(m.group(1))


def new_trajectory(coach, client_uid, title):
    """A trajectory the coach opens for the client with the form's
    defaults: its id."""
    f = form_fields(coach.get("/t/new").text, "/t")
    f["client"] = str(client_uid)
    f["title"] = title
    return location_id(coach.post("/t", f), "/t/")


def new_thread(coach, tid, subject, body):
    """A thread the coach starts in trajectory tid: its id."""
    r = coach.post("/t/%d/threads" % tid, {
        "csrf": coach.csrf(), "subject": subject, "body": body})
    return location_id(r, "/threads/")


def second_people(srv, client2, coach2, org2_coach, org2_slug):
    """A second client and professional of the demo organisation and a
    professional of another one, "Elders" (slug org2_slug), each given as
    (email, password): made, not logged in."""
    users_in(srv, "demo", ((client2 + ("Tweede Klant",), "client"),
                           (coach2 + ("Tweede Coach",), "professional")),
             login=False)
    org_with(srv, "Elders", org2_slug,
             ((org2_coach + ("Coach Elders",), "professional"),),
             login=False)


class CoachingMixin:
    """Set-up and helpers for the Coaching suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.coach, self.client, self.admin = demo_logins(
            self.srv, "professional", "client", "admin")
        self.client_id = self.client.me()["id"]
        second_people(self.srv, CLIENT2, COACH2, ORG2_COACH, "elders")
        # The professional opens a trajectory for the client, with the
        # default promise, and a first thread.
        page = self.coach.get("/t/new").text
        f = form_fields(page, "/t")
        f["client"] = str(self.client_id)
        f["title"] = "Rust na het werk"
        # The default promise, which the deadline tests recompute.
        eq((f.get("tz"), f.get("schedule")),
           ("Europe/Amsterdam", "mon-fri 09:00-17:00"),
           "the default promise's zone and working hours")
        self.reply_seconds = int(f["reply_hours"]) * 3600
        self.holidays = holiday_days(f.get("holidays", ""))
        self.tid = location_id(self.coach.post("/t", f), "/t/")
        self.thid = new_thread(
            self.coach, self.tid, "Kennismaking",
            "Welkom! Fijn dat je er bent. Wat houdt je bezig?")

    def post(self, who, body, extra=None):
        form = {"csrf": who.csrf(), "body": body}
        form.update(extra or {})
        return who.post("/threads/%d/messages" % self.thid, form)

    def thread(self, who):
        r = who.get("/api/threads/%d" % self.thid)
        eq(r.status, 200, "GET /api/threads/%d" % self.thid)
        return r.json()

    # --- tests, in order ---------------------------------------------------

    def test_client_message_gets_a_deadline_and_lands_in_the_queue(self):
        r = self.post(self.client, "Ik merk dat ik niet tot rust kom. " +
                      SECRET_WORD)
        eq(r.status, 303, "the client posts a message")
        msgs = self.thread(self.client)["messages"]
        last = msgs[-1]
        check(last["from_client"] and last["deadline_at"] > time.time(),
              "the client's message", "a reply deadline in the future", last)
        sent = last["created_at"]
        fake = os.environ.get("INFUUS_FAKE_NOW")
        if fake:
            # faketime.py: the server's clock is the shifted one.
            check(abs(sent - int(fake)) < 600, "the server's clock under "
                  "libfaketime", "near " + local_label(int(fake), "en"),
                  local_label(sent, "en"))
        eq(last["deadline_at"], working_deadline(
            sent, self.reply_seconds, self.holidays),
           "the reply deadline of a message sent %s (%d working hours)" %
           (local_label(sent, "en"), self.reply_seconds // 3600))
        page = self.client.get("/threads/%d" % self.thid).text
        m = re.search(r'<article [^>]*\bid="m-%d".*?</article>' % last["id"],
                      page, re.S)
        check(m, "the client's thread page", "the message's article",
              page[-3000:])
        art = m.group(0)
        eq(re.findall(r'<time datetime="([^"]*)"', art)[:1],
           [iso_utc(sent)], "the <time datetime> of the message")
        lang = re.search(r'<html lang="(\w+)', page)
        lang = lang.group(1) if lang and lang.group(1) in WDAYS else "en"
        status = re.findall(r'<p class="status">(.*?)</p>', art, re.S)
        due = local_label(last["deadline_at"], lang)
        check(status and due in status[0], "the message's status line",
              "shows when a reply is due: " + due, status or art)
        eq(re.findall(r'<time datetime="([^"]*)"', status[0]),
           [iso_utc(last["deadline_at"])],
           "the <time datetime> of the reply deadline")
        q = self.coach.get("/queue")
        eq(q.status, 200, "GET /queue")
        check("/threads/%d" % self.thid in q.text, "the reply queue",
              "links the waiting thread", q.text[-3000:])

    def test_more_time_moves_the_deadline_and_shows_in_the_thread(self):
        before = self.thread(self.coach)["next_deadline"]
        # The form's local time is the promise's zone, whatever this
        # machine's zone is.
        new = datetime.datetime.fromtimestamp(
            before + 3 * 86400, AMS).strftime("%Y-%m-%dT%H:%M")
        want = int(datetime.datetime.strptime(new, "%Y-%m-%dT%H:%M")
                   .replace(tzinfo=AMS).timestamp())
        r = self.coach.post("/threads/%d/more-time" % self.thid, {
            "csrf": self.coach.csrf(), "new_deadline": new,
            "note": "Ik wil je bericht zorgvuldig lezen."})
        eq(r.status, 303, "the professional sends 'I need more time'")
        th = self.thread(self.client)
        eq(th["next_deadline"], want, "the deadline after 'more time' to %s"
           % new)
        check(any(m["kind"] == "notice" for m in th["messages"]),
              "the thread", "holds the notice", th["messages"])

    def test_professional_reply_clears_the_queue(self):
        r = self.post(self.coach, "Dank je wel voor je bericht. Wat helpt "
                      "je nu al een beetje om te ontspannen?")
        eq(r.status, 303, "the professional replies")
        th = self.thread(self.coach)
        eq(th["waiting"], 0, "messages waiting after the reply")
        waiting = [m for m in th["messages"] if m["from_client"]]
        check(all(m["replied_at"] > 0 for m in waiting), "client messages",
              "all replied", waiting)

    def test_markdown_never_passes_script(self):
        evil = ('<script>alert(1)</script> [x](javascript:alert(2)) '
                '<img src=x onerror=alert(3)>')
        eq(self.post(self.client, evil).status, 303, "posting markup")
        page = self.coach.get("/threads/%d" % self.thid).text
        # Markup may appear as text (escaped), never as markup: parse the
        # page and look at every element and attribute.
        bad = []

        class Tags(html.parser.HTMLParser):
            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if tag == "script" and not (a.get("src") or "").startswith(
                        "/static/"):
                    bad.append("a script element %r" % (attrs,))
                if tag == "img":
                    bad.append("an img element %r" % (attrs,))
                for k, v in attrs:
                    if k.startswith("on"):
                        bad.append("an event attribute %s=%r" % (k, v))
                    if k in ("href", "src") and (v or "").lower().lstrip() \
                            .startswith(("javascript:", "data:", "vbscript:")):
                        bad.append("a %s to %r" % (k, v))
        Tags().feed(page)
        check(not bad, "the rendered thread", "no live markup from a message",
              bad)
        check("&lt;script&gt;alert(1)" in page, "the posted markup",
              "shown as text", page[-2000:])

    def test_texts_are_not_stored_in_plain_text(self):
        not_in_plain_text(self.srv, "messages", "body_box", SECRET_WORD, (
            (SECRET_WORD.encode(), "the client's message"),))

    def test_search_finds_only_what_the_user_may_see(self):
        r = self.client.get("/search?q=" + SECRET_WORD)
        eq(r.status, 200, "the client's search")
        check("/threads/%d" % self.thid in r.text, "the client's search",
              "finds the own message", r.text[-2000:])
        other = Client(self.srv)
        other.login_ok(*CLIENT2)
        r = other.get("/search?q=" + SECRET_WORD)
        check(r.status == 200 and "/threads/%d" % self.thid not in r.text,
              "another client's search", "finds nothing of it",
              r.text[-2000:])

    def test_export_holds_the_whole_conversation(self):
        r = self.client.get("/t/%d/export.json" % self.tid)
        eq(r.status, 200, "the client's export")
        check(SECRET_WORD in r.text, "the export", "holds the messages",
              r.text[:500])
        r = self.client.get("/t/%d/export" % self.tid)
        eq(r.status, 200, "the printable export")

    def test_others_see_nothing_of_this_trajectory(self):
        outsiders = {}
        for name, cred in (("second client", CLIENT2),
                           ("second professional", COACH2),
                           ("professional of another organisation",
                            ORG2_COACH)):
            c = Client(self.srv)
            c.login_ok(*cred)
            outsiders[name] = c
        msg_id = self.thread(self.client)["messages"][0]["id"]
        paths = ["/t/%d" % self.tid, "/t/%d/promise" % self.tid,
                 "/threads/%d" % self.thid, "/api/threads/%d" % self.thid,
                 "/t/%d/export.json" % self.tid, "/t/%d/export" % self.tid]
        bad = []
        for name, c in outsiders.items():
            for p in paths:
                r = c.get(p)
                if r.status not in (403, 404):
                    bad.append("%s GET %s -> %s" % (name, p, r.status))
            r = c.post("/threads/%d/messages" % self.thid,
                       {"csrf": c.csrf(), "body": "inbreker"})
            if r.status not in (403, 404):
                bad.append("%s posts -> %s" % (name, r.status))
            r = c.post("/messages/%d/correct" % msg_id,
                       {"csrf": c.csrf(), "body": "vervalst"})
            if r.status not in (403, 404):
                bad.append("%s corrects -> %s" % (name, r.status))
            lst = c.get("/t")
            if "Rust na het werk" in lst.text:
                bad.append("%s sees the title in /t" % name)
        check(not bad, "people outside the trajectory", "403 or 404",
              "\n        ".join(bad))
        texts = [m["body"] for m in self.thread(self.client)["messages"]]
        check(not any("inbreker" in t or "vervalst" in t for t in texts),
              "the thread after the attempts", "unchanged", texts)
        # The admin sees the trajectory exists, but not its conversation.
        r = self.admin.get("/threads/%d" % self.thid)
        check(r.status in (403, 404), "the admin on the thread", "403/404",
              r.status)

    def test_a_correction_keeps_the_earlier_text(self):
        mine = [m for m in self.thread(self.client)["messages"]
                if m["from_client"] and m["kind"] == "message"][0]
        r = self.client.post("/messages/%d/correct" % mine["id"], {
            "csrf": self.client.csrf(), "body": "Verbeterd: ik slaap slecht."})
        eq(r.status, 303, "the client corrects a message")
        msgs = self.thread(self.coach)["messages"]
        check(any(m["id"] == mine["id"] and m["body"] == mine["body"]
                  for m in msgs), "the original", "still there, unchanged",
              msgs)
        check(any(m.get("corrects") == mine["id"] for m in msgs),
              "the correction", "linked to the original", msgs)

    def test_closed_trajectory_stays_readable_for_the_client(self):
        f = {"csrf": self.coach.csrf(), "phase": "closed", "confirm": "1"}
        r = self.coach.post("/t/%d/phase" % self.tid, f)
        check(r.status in (200, 303), "closing the trajectory", "done",
              r.status)
        eq(self.client.get("/threads/%d" % self.thid).status, 200,
           "the client reads the closed thread")
        r = self.post(self.client, "nog een bericht")
        eq(r.status, 403, "a post to a closed trajectory")

    def test_access_log_records_the_reads_and_verifies(self):
        r = self.client.get("/me/access")
        eq(r.status, 200, "the client's own access log")
        check("Carla Coach" in r.text, "the client's access log",
              "names the professional who read", r.text[-3000:])
        out = self.srv.cli("audit", "verify")
        eq(out.returncode, 0, "infuus audit verify: " + out.stdout +
           out.stderr)

    def test_acknowledged_messages_survive_sigkill(self):
        # A fresh trajectory (the first is closed), then a write load of
        # posts from several threads; every acknowledged one must be there
        # after SIGKILL and restart.
        tid = new_trajectory(self.coach, self.client_id, "Tweede traject")
        thid = new_thread(self.coach, tid, "Belasting", "Start")
        who = [(self.client, self.client.csrf()),
               (self.coach, self.coach.csrf())]
        acks, lock = [], threading.Lock()

        def work(c, n):
            cl, tok = who[n % 2]
            body = "bericht-%d-%d" % (n, time.monotonic_ns())
            r = cl.post("/threads/%d/messages" % thid,
                        {"csrf": tok, "body": body})
            if r.status == 303:
                with lock:
                    acks.append(body)
        load = Load(self.srv, work, threads=6).start()
        t = time.time()
        while time.time() - t < 15 and len(acks) < 120:
            time.sleep(0.02)
        self.srv.kill()
        load.stop()
        check(len(acks) >= 10, "acknowledged posts before the kill", ">= 10",
              len(acks))
        self.srv.start()
        c = Client(self.srv)
        c.login_ok(*self.srv.users["client"])
        r = c.get("/t/%d/export.json" % tid)
        eq(r.status, 200, "the export after restart")
        lost = [b for b in acks if b not in r.text]
        check(not lost, "acknowledged posts after SIGKILL and restart",
              "all %d present" % len(acks), "%d lost" % len(lost))
        out = self.srv.cli("audit", "verify")
        eq(out.returncode, 0, "audit verify after the crash: " + out.stdout)

    def test_organisation_can_require_two_factors(self):
        # The last test of the class: the requirement stays on.
        admin = Client(self.srv)
        admin.login_ok(*self.srv.users["admin"])
        r = admin.post("/org/settings", {"csrf": admin.csrf(),
                                         "require_2fa": "1"})
        eq(r.status, 200, "the admin requires two-step verification")
        c = Client(self.srv)
        c.login_ok(*CLIENT2)
        for who, cl in (("a client", c), ("the admin", admin)):
            r = cl.get("/t")
            check(r.status == 303 and (r.header("location") or "")
                  .startswith("/account/2fa"),
                  "%s without two factors on a page" % who,
                  "303 to /account/2fa", r)
            eq(cl.get("/account/2fa").status, 200,
               "%s: the set-up page stays reachable" % who)
            eq(cl.get("/api/me").status, 401,
               "%s: the JSON API without two factors" % who)
