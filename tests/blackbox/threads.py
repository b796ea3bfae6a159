"""
threads.py - black-box tests of a long thread over real HTTP (issue 8): the
thread page and its JSON show the latest page, older ones come by a cursor
(?before=<message id>) without gaps or repeats, a bad cursor is refused with
a reason, and what the page offers (read state, corrections) holds on older
pages.  Also the thread pages' smaller promises: the printable export loads
nothing that is missing, and a client writing outside reachable hours sees
the reply time and the emergency instructions before sending.  Imported by
run.py, which runs the class like the others.
"""
import datetime
import html.parser
import re
import urllib.parse
from zoneinfo import ZoneInfo

from coaching import form_fields, new_thread, new_trajectory
from lib import Client, check, demo_logins, eq

PAGE = 50          # LIMIT_THREAD_PAGE in src/core/limits.h
POSTS = 130        # messages posted after the first: three pages in all
ORG2_COACH = ("coach@threads.infuus.test", "threads-coach-pass-12")


class Refs(html.parser.HTMLParser):
    """Every resource a page makes the browser load: stylesheets, icons,
    scripts, images."""

    def __init__(self):
        super().__init__()
        self.refs = []
        self.icon = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").split()
            if "stylesheet" in rel or "icon" in rel or "preload" in rel:
                self.refs.append(a["href"])
            self.icon |= "icon" in rel
        elif tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.refs.append(a["src"])


def article_ids(page):
    """The ids of the messages a thread page shows, in page order."""
    return [int(x) for x in re.findall(
        r'<article class="msg[^"]*" id="m-(\d+)"', page)]


def older_href(page):
    m = re.search(r'<a href="([^"]*)" id="older-link"', page)
    return html.unescape(m.group(1)) if m else None


class ThreadsMixin:
    """Set-up and helpers for the Threads suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        self.client_id = self.client.me()["id"]
        # The professional reads English, the client Dutch (the demo's).
        self.set_lang(self.coach, "en")
        self.set_lang(self.client, "nl")
        self.tid = new_trajectory(self.coach, self.client_id,
                                  "Een lang gesprek")
        self.thid = new_thread(self.coach, self.tid, "Dagelijks", "bericht 0")
        self.other_thid = new_thread(self.coach, self.tid, "Een ander gesprek",
                                     "elders")
        # A thread of three pages: the client and the professional take
        # turns, as in a chat.
        tok = {id(self.coach): self.coach.csrf(),
               id(self.client): self.client.csrf()}
        for i in range(1, POSTS + 1):
            who = self.client if i % 3 == 0 else self.coach
            r = who.post("/threads/%d/messages" % self.thid,
                         {"csrf": tok[id(who)], "body": "bericht %d" % i})
            eq(r.status, 303, "posting message %d" % i)

    def set_lang(self, who, lang):
        r = who.post("/account", {"name": who.me()["name"], "lang": lang,
                                  "csrf": who.csrf()})
        eq(r.status, 303, "choosing the language %s" % lang)

    def page_json(self, who, before=None, thid=None):
        path = "/api/threads/%d" % (thid or self.thid)
        if before is not None:
            path += "?before=" + urllib.parse.quote(str(before))
        return who.get(path)

    def walk_json(self, who):
        """Every page from the latest back, by the cursor."""
        pages, before = [], None
        for _ in range(POSTS):
            r = self.page_json(who, before)
            eq(r.status, 200, "GET a page of the thread (before=%s)" % before)
            j = r.json()
            pages.append(j)
            if not j["more"]:
                return pages
            before = j["next_before"]
        raise AssertionError("the cursor never reached the first message")

    # --- tests, in order ---------------------------------------------------

    def test_first_page_is_the_latest_fifty_in_order(self):
        j = self.page_json(self.coach).json()
        msgs = j["messages"]
        eq(len(msgs), PAGE, "messages on the first page")
        ids = [m["id"] for m in msgs]
        eq(ids, sorted(ids), "the first page's order (oldest first)")
        eq([m["body"] for m in msgs],
           ["bericht %d" % i for i in range(POSTS - PAGE + 1, POSTS + 1)],
           "the first page's messages")
        check(j["more"] is True and j["next_before"] == ids[0],
              "the first page", "more: true, next_before: its oldest id %d"
              % ids[0], {k: j.get(k) for k in ("more", "next_before")})
        page = self.coach.get("/threads/%d" % self.thid).text
        eq(article_ids(page), ids, "the messages of the thread page")
        eq(older_href(page), "/threads/%d?before=%d" % (self.thid, ids[0]),
           "the page's link to older messages")
        check("Older messages" in page, "the thread page",
              "a link named 'Older messages'", page[-3000:])
        check("Oudere berichten" in self.client.get(
              "/threads/%d" % self.thid).text,
              "the Dutch thread page", "a link named 'Oudere berichten'",
              "missing")

    def test_the_cursor_walks_back_without_gaps_or_repeats(self):
        pages = self.walk_json(self.coach)
        eq([len(p["messages"]) for p in pages],
           [PAGE, PAGE, POSTS + 1 - 2 * PAGE], "the sizes of the pages")
        ids = [m["id"] for p in reversed(pages) for m in p["messages"]]
        eq(len(ids), len(set(ids)), "messages seen twice while walking")
        eq(ids, sorted(ids), "the walk's order")
        eq([m["body"] for p in reversed(pages) for m in p["messages"]],
           ["bericht %d" % i for i in range(POSTS + 1)],
           "every message of the thread, once, in order")
        check("next_before" not in pages[-1], "the oldest page",
              "no next cursor", pages[-1].get("next_before"))
        # The same walk without script: follow the page's own link.
        seen, href = [], "/threads/%d" % self.thid
        while href:
            r = self.coach.get(href)
            eq(r.status, 200, "GET " + href)
            seen = article_ids(r.text) + seen
            check("?before=" not in href or "Newest messages" in r.text,
                  "an older page", "a link back to the newest", href)
            href = older_href(r.text)
        eq(seen, ids, "the messages met by following 'Older messages'")

    def test_a_malformed_cursor_is_a_400_with_a_reason(self):
        bad = []
        for v in ("abc", "0", "-5", "12abc", "", "99999999999999999999999"):
            q = "?before=" + urllib.parse.quote(v)
            r = self.coach.get("/api/threads/%d%s" % (self.thid, q))
            if r.status != 400 or "not valid" not in r.text:
                bad.append("JSON %r -> %s %s" % (v, r.status, r.text[:200]))
            r = self.coach.get("/threads/%d%s" % (self.thid, q))
            if r.status != 400 or "not valid" not in r.text:
                bad.append("page %r -> %s" % (v, r.status))
        check(not bad, "a malformed cursor", "400 with a reason",
              "\n        ".join(bad))

    def test_a_foreign_cursor_is_a_404_with_a_reason(self):
        other = self.page_json(self.coach, thid=self.other_thid).json()
        foreign = other["messages"][0]["id"]
        bad = []
        for v in (foreign, 10 ** 12):
            r = self.page_json(self.coach, v)
            if r.status != 404 or "does not belong" not in r.text:
                bad.append("JSON %r -> %s %s" % (v, r.status, r.text[:200]))
            r = self.coach.get("/threads/%d?before=%d" % (self.thid, v))
            if r.status != 404 or "does not belong" not in r.text:
                bad.append("page %r -> %s" % (v, r.status))
        check(not bad, "a cursor of another thread or of no message",
              "404 with a reason", "\n        ".join(bad))
        # Someone outside the trajectory learns nothing from a cursor.
        self.srv.cli_ok("org", "create", "--name", "Draden", "--slug",
                        "draden")
        self.srv.cli_ok("user", "create", "--email", ORG2_COACH[0], "--name",
                        "Coach Draden", "--org", "draden", "--role",
                        "professional", password=ORG2_COACH[1])
        out = Client(self.srv)
        out.login_ok(*ORG2_COACH)
        first = self.page_json(self.coach).json()["messages"][0]["id"]
        for path in ("/api/threads/%d?before=%d" % (self.thid, first),
                     "/threads/%d?before=%d" % (self.thid, first)):
            r = out.get(path)
            check(r.status in (403, 404) and "bericht" not in r.text,
                  "another organisation's professional on " + path,
                  "403/404 without a message", r.status)

    def test_older_pages_keep_read_state_and_corrections(self):
        # The client has read nothing yet: the oldest page shows the
        # professional's messages as new, once.
        pages = self.walk_json(self.coach)
        oldest_cursor = pages[-2]["next_before"]
        path = "/threads/%d?before=%d" % (self.thid, oldest_cursor)
        first = self.client.get(path).text
        unread = re.compile(r'<article class="msg [^"]*unread')
        check(len(unread.findall(first)) > 0, "the client's first look at "
              "the oldest page", "unread messages marked", first[-2000:])
        # Looking marks nothing (a GET changes nothing); the page's form
        # (posted by its script when the page is seen) marks what it shows.
        still = self.client.get(path).text
        eq(len(unread.findall(still)), len(unread.findall(first)),
           "unread marks after a second look without marking")
        m = re.search(r'<form method="post" action="(/threads/\d+/read)" '
                      r'class="mark-read">.*?name="upto" value="(\d+)"',
                      still, re.S)
        check(m, "the older page's mark-as-read form", "present",
              still[-2000:])
        r = self.client.post(m.group(1), {"csrf": self.client.csrf(),
                                          "upto": m.group(2)})
        eq(r.status, 303, "marking the older page read")
        again = self.client.get(path).text
        eq(len(unread.findall(again)), 0, "unread marks once marked read")
        # The professional corrects a message on the oldest page; the
        # correction is the newest message, yet the old page shows it.
        old = [m for m in pages[-1]["messages"]
               if m["body"] == "bericht 4"][0]
        r = self.coach.post("/messages/%d/correct" % old["id"], {
            "csrf": self.coach.csrf(), "body": "bericht 4, verbeterd"})
        eq(r.status, 303, "correcting a message on the oldest page")
        page = self.coach.get(path).text
        art = page[page.index('id="m-%d"' % old["id"]):]
        art = art[:art.index("</article>")]
        check("bericht 4, verbeterd" in art and "bericht 4" in art,
              "the corrected message on the oldest page",
              "its current text and the earlier one", art[:1500])
        latest = self.page_json(self.coach).json()["messages"]
        eq(latest[-1].get("corrects"), old["id"],
           "the correction, on the latest page")
        again = [m["id"] for p in self.walk_json(self.coach)
                 for m in p["messages"]]
        eq(len(again), len(set(again)), "messages seen twice after the "
           "correction")

    def test_export_page_loads_only_what_exists(self):
        r = self.client.get("/t/%d/export" % self.tid)
        eq(r.status, 200, "the printable export")
        p = Refs()
        p.feed(r.text)
        check(p.icon, "the printable export", "an icon link (a browser "
              "otherwise asks for /favicon.ico)", "none")
        check(p.refs, "the printable export", "references its style sheets",
              "none")
        bad = []
        for ref in p.refs:
            got = self.client.get(urllib.parse.urljoin("/t/", ref))
            if got.status != 200:
                bad.append("%s -> %s" % (ref, got.status))
        check(not bad, "every resource the export references", "200",
              "\n        ".join(bad))

    def test_out_of_hours_the_composer_says_when_and_what_in_an_emergency(self):
        # Reachable on one day, three days from today in the promise's
        # zone, so now lies outside it whenever the test runs.
        zone = ZoneInfo("Europe/Amsterdam")
        today = datetime.datetime.now(zone).weekday()
        day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[
            (today + 3) % 7]
        page = self.coach.get("/t/%d/promise" % self.tid).text
        f = form_fields(page, "/t/%d/promise" % self.tid)
        f["reachable"] = day + " 09:00-10:00"
        f["emergency"] = ""
        r = self.coach.post("/t/%d/promise" % self.tid, f)
        check(r.status in (200, 303), "setting reachable hours", "saved",
              r.status)
        for lang, when, emergency in (
                ("en", "you can expect a reply by", "In an emergency:"),
                ("nl", "kun je een reactie verwachten", "In een noodgeval:")):
            self.set_lang(self.client, lang)
            page = self.client.get("/threads/%d" % self.thid).text
            m = re.search(r'<div class="notice notice-info reach".*?</div>',
                          page, re.S)
            check(m, "the %s composer out of hours" % lang,
                  "a note on reachability", page[-3000:])
            note = m.group(0)
            check(when in note and emergency in note and "112" in note,
                  "the %s note out of hours" % lang,
                  "the reply time and what to do in an emergency", note)
            check(page.index("reach\"") < page.index('id="composer-form"'),
                  "the note", "before the form", "after it")
        # The promise's own instructions replace the general ones.
        f["emergency"] = "Bel de crisisdienst: 0800-0000."
        r = self.coach.post("/t/%d/promise" % self.tid, f)
        page = self.client.get("/threads/%d" % self.thid).text
        check("Bel de crisisdienst: 0800-0000." in page,
              "the composer", "the promise's emergency instructions",
              page[-3000:])

