"""
libsend.py - black-box tests of sending a library item in an assignment
or a module (issue 12, the picker) over real HTTP: a professional searches
the library from an assignment's picker and attaches an item, which the
client reads on the assignment's page (in the access log with the
assignment) and keeps in their own list; an author picks an item into a
module session, which the client's module page shows; another
organisation's private item, a draft and a withdrawn item are refused or
no longer shown, with a sentence; an item shared by its organisation's
administrator may be picked.  Imported by run.py, which runs the class
like the others.
"""
import re

from coaching import location_id, new_trajectory
from lib import (Sql, check, demo_logins, eq, library_publish, library_write,
                 org_with, says)

FAR = ("far.send@elders.infuus.test", "far-libsend-pass-12", "Fay Far")
FAR_ADMIN = ("boss.send@elders.infuus.test", "boss-libsend-pass-12",
             "Bo Baas")

OWN = ("Omgaan met piekeren",
       "Wat je kunt doen als je 's avonds blijft malen.",
       "Schrijf je zorgen op een briefje en leg het weg tot morgen. "
       "Kievitsbloem helpt niet, rust wel.")
FOREIGN = ("Slapen in de winter",
           "Over donkere ochtenden en slaap.",
           "Ga elke dag naar buiten in het ochtendlicht. Sneeuwklokje.")
DRAFT = ("Nog niet af", "Een concept.", "Dit concept is niet klaar.")
# An instrument of the other organisation's own: not the coach's to use.
FAR_INSTRUMENT = """infuus-instrument 1
id far-own-check
version 1
title nl: Verre vragenlijst
title en: Far questionnaire
source: made in the test
licence: free
scale s 0 4
item q1 s
text q1 nl: Hoe gaat het?
text q1 en: How are you?
score total sum q1
"""
NOT_USABLE = ("not one your organisation can use",
              "niet een die je organisatie kan gebruiken")
NOT_AVAILABLE = ("not available to your organisation",
                 "niet beschikbaar voor je organisatie")


class LibSendMixin(Sql):
    """Set-up and helpers for the LibSend suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        self.far, self.far_admin = org_with(
            self.srv, "Elders", "elders",
            ((FAR, "professional"), (FAR_ADMIN, "admin")))
        self.tid = new_trajectory(self.coach, self.client.me()["id"],
                                  "Traject lezen")
        r = self.coach.post("/t/%d/questions" % self.tid, {
            "csrf": self.coach.csrf(), "question": "Hoe pieker ik minder?"})
        eq(r.status, 303, "a learning question")
        page = self.coach.get("/t/%d/assignments" % self.tid).text
        qid = int(re.findall(r'id="q-(\d+)"', page)[-1])
        r = self.coach.post("/t/%d/assignments" % self.tid, [
            ("csrf", self.coach.csrf()), ("question", str(qid)),
            ("title", "Lees en probeer"),
            ("instructions", "Lees de tekst en probeer het een avond."),
            ("form", "reading"), ("due", "2099-01-31")])
        eq(r.status, 303, "the assignment given")
        page = self.coach.get("/t/%d/assignments" % self.tid).text
        self.aid = int(re.findall(r'<a href="/assignments/(\d+)">', page)[-1])
        self.own = self.item(self.coach, OWN)
        self.foreign = self.item(self.far, FOREIGN)
        self.draft = self.item(self.coach, DRAFT, publish=False)

    def item(self, who, item, publish=True):
        lid = location_id(library_write(who, item), "/library/")
        if publish:
            library_publish(who, lid)
        return lid

    def attach(self, lid, who=None, remove=False):
        who = who or self.coach
        form = {"csrf": who.csrf(), "item": str(lid)}
        if remove:
            form["remove"] = "1"
        return who.post("/assignments/%d/library" % self.aid, form)

    def module(self, source):
        r = self.coach.post("/modules", {"csrf": self.coach.csrf(),
                                         "title": "Lezen"})
        eq(r.status, 303, "a new module")
        mid = location_id(r, "/modules/")
        eq(self.save(mid, source).status, 303, "the draft saved")
        return mid

    def save(self, mid, source):
        return self.coach.post("/modules/%d?csrf=%s" % (
            mid, self.coach.csrf()), {"title": "Lezen", "source": source})

    def source_of(self, mid):
        return self.sql_one("SELECT source FROM modules WHERE id = %d" % mid) \
            if self.backend == "sqlite" else \
            self.srv.pg.sql("SELECT source FROM modules WHERE id = %d" % mid)

    def audit(self, where):
        return self.sql_one("SELECT COUNT(*) FROM audit_log WHERE " + where)

    # --- tests, in order ---------------------------------------------------

    def test_assignment_picker_searches_and_attaches(self):
        page = self.coach.get("/assignments/%d" % self.aid).text
        check('href="/assignments/%d/library"' % self.aid in page,
              "the professional's assignment page", "a link to the picker",
              page[-2500:])
        r = self.coach.get("/assignments/%d/library?q=piekeren" % self.aid)
        eq(r.status, 200, "the picker's search")
        check('href="/library/%d"' % self.own in r.text and
              'name="item" value="%d"' % self.own in r.text,
              "the picker's results", "the own item with its button",
              r.text[-3000:])
        check('value="%d"' % self.foreign not in r.text and
              'value="%d"' % self.draft not in r.text,
              "the picker's results", "no other organisation's private "
              "item, no draft", r.text[-3000:])
        r = self.coach.get("/assignments/%d/library" % self.aid)
        check('name="item" value="%d"' % self.draft not in r.text,
              "the picker before a search", "no draft offered",
              r.text[-3000:])
        r = self.attach(self.own)
        eq(r.status, 303, "attaching the item")
        eq(self.attach(self.own).status, 303, "attaching it again")
        eq(self.sql_one("SELECT COUNT(*) FROM assignment_items WHERE "
                        "assignment_id = %d" % self.aid), 1,
           "the item attached once")
        eq(self.audit("kind = 'assignment' AND detail = 'library' AND "
                      "action = 'C' AND object_id = %d" % self.aid) >= 1,
           True, "attaching in the access log")

    def test_the_client_reads_it_on_the_assignment_and_keeps_it(self):
        uid = self.client.me()["id"]
        where = ("kind = 'assignment' AND action = 'R' AND object_id = "
                 "%d AND actor_id = %d" % (self.aid, uid))
        before = self.audit(where)
        page = self.client.get("/assignments/%d" % self.aid).text
        check(OWN[0] in page and "Kievitsbloem helpt niet" in page,
              "the client's assignment page", "the item's title and text",
              page[-3000:])
        check('action="/library/%d/keep"' % self.own in page,
              "the client's assignment page", "a button to keep the item",
              page[-3000:])
        check('href="/assignments/%d/library"' % self.aid not in page,
              "the client's assignment page", "no picker", page[-3000:])
        eq(self.audit(where), before + 1,
           "the client's reading in the access log")
        r = self.client.post("/library/%d/keep" % self.own, {
            "csrf": self.client.csrf(), "keep": "1"})
        eq(r.status, 303, "the client keeps it")
        page = self.client.get("/my-library").text
        check('href="/library/%d"' % self.own in page, "my library",
              "the kept item", page[-2000:])
        eq(self.client.get("/assignments/%d/library" % self.aid).status, 403,
           "the client's GET of the picker")
        eq(self.attach(self.own, who=self.client).status, 403,
           "the client attaching")

    def test_another_organisations_private_item_is_refused(self):
        before = self.sql_one("SELECT COUNT(*) FROM assignment_items")
        r = self.attach(self.foreign)
        eq(r.status, 404, "attaching another organisation's private item")
        check(says(r.text, *NOT_AVAILABLE) and 'id="f-item-error"' in r.text,
              "the refusal", "a sentence at the item", r.text[-3000:])
        r = self.attach(self.draft)
        eq(r.status, 404, "attaching a draft")
        check(says(r.text, "not published", "niet gepubliceerd"),
              "the refusal of a draft", "a sentence", r.text[-3000:])
        r = self.attach(999999)
        eq(r.status, 404, "attaching an item that is not there")
        r = self.coach.post("/assignments/%d/library" % self.aid, {
            "csrf": self.coach.csrf(), "item": "een"})
        eq(r.status, 400, "attaching without an item's number")
        check(says(r.text, "Choose a library item", "Kies een item"),
              "the refusal", "a sentence", r.text[-3000:])
        eq(self.sql_one("SELECT COUNT(*) FROM assignment_items"), before,
           "items after the refusals")
        # Another organisation's professional learns nothing of the
        # assignment.
        eq(self.far.get("/assignments/%d/library" % self.aid).status, 404,
           "another organisation's GET of the picker")
        eq(self.attach(self.foreign, who=self.far).status, 404,
           "another organisation attaching")

    def test_module_picker_puts_an_item_on_a_session_page(self):
        mid = self.module("@session Een\n@page text Welkom\nHallo.\n"
                          "@session Twee\n@page text Verder\nNog meer.\n")
        page = self.coach.get("/modules/%d" % mid).text
        check('href="/modules/%d/library"' % mid in page, "the editor",
              "a link to the picker", page[-3000:])
        r = self.coach.get("/modules/%d/library?q=piekeren&s=2" % mid)
        eq(r.status, 200, "the module picker's search")
        check('name="item" value="%d"' % self.own in r.text and
              '<option value="2" selected' in r.text and
              'name="s" value="2"' in r.text,
              "the module picker", "the item, session 2 chosen",
              r.text[-3000:])
        # Its pages of results keep the words and the session.
        r = self.coach.get("/modules/%d/library?q=piekeren&s=2&page=2" % mid)
        eq(r.status, 200, "the module picker's second page")
        check('<a rel="prev" href="/modules/%d/library?q=piekeren&amp;s=2'
              '&amp;page=1"' % mid in r.text, "the second page",
              "a link back with the words and the session", r.text[-3000:])
        r = self.coach.get("/modules/%d/library?q=piekeren&s=2&page=9" % mid)
        eq(r.status, 400, "the module picker's ninth page")
        check("at most 5 pages" in r.text or "hoogstens 5 pagina" in r.text,
              "the ninth page", "the reason", r.text[-3000:])
        r = self.coach.post("/modules/%d/library" % mid, {
            "csrf": self.coach.csrf(), "item": str(self.own), "s": "2"})
        eq(r.status, 303, "picking the item into session 2")
        src = self.source_of(mid)
        check(re.search(r"@session Twee\n.*@page library %s\n@item %d" % (
            re.escape(OWN[0]), self.own), src, re.S) and
              src.index("@item") > src.index("@session Twee"),
              "the draft", "a library page in session 2", src)
        eq(self.audit("kind = 'module' AND detail = 'library' AND "
                      "object_id = %d" % mid), 1, "the change in the log")
        r = self.coach.get("/modules/%d/preview?s=2" % mid)
        check("Kievitsbloem helpt niet" in r.text, "the preview",
              "the item's text", r.text[-3000:])
        eq(self.coach.post("/modules/%d/publish" % mid, {
            "csrf": self.coach.csrf()}).status, 303, "publish")
        r = self.coach.post("/t/%d/modules" % self.tid, {
            "csrf": self.coach.csrf(), "module": str(mid), "timing": "all",
            "guided": "1"})
        eq(r.status, 303, "the module given")
        rid = int(re.findall(r'href="/md/(\d+)"', self.coach.get(
            "/t/%d/modules" % self.tid).text)[-1])
        uid = self.client.me()["id"]
        where = ("kind = 'module' AND action = 'R' AND object_id = %d "
                 "AND actor_id = %d" % (rid, uid))
        before = self.audit(where)
        page = self.client.get("/md/%d?s=2" % rid).text
        check("Kievitsbloem helpt niet" in page and
              'action="/library/%d/keep"' % self.own in page,
              "the client's module page", "the item and a keep button",
              page[-3000:])
        eq(self.audit(where), before + 1,
           "the client's reading in the access log")
        self.rid = rid
        self.mid = mid

    def test_module_refuses_another_organisations_private_item(self):
        mid = self.mid
        before = self.source_of(mid)
        r = self.coach.post("/modules/%d/library" % mid, {
            "csrf": self.coach.csrf(), "item": str(self.foreign), "s": "1"})
        eq(r.status, 404, "picking another organisation's private item")
        check(says(r.text, *NOT_AVAILABLE), "the refusal", "a sentence",
              r.text[-3000:])
        r = self.coach.post("/modules/%d/library" % mid, {
            "csrf": self.coach.csrf(), "item": str(self.own), "s": "7"})
        eq(r.status, 400, "a session the draft does not have")
        check(says(r.text, "Choose one of the", "Kies een van de sessies"),
              "the refusal", "a sentence", r.text[-3000:])
        eq(self.source_of(mid), before, "the draft after the refusals")
        # Typed into the draft by hand: refused too, with its line.
        r = self.save(mid, before + "\n@page library Ander\n@item %d\n" %
                      self.foreign)
        eq(r.status, 404, "a draft naming another organisation's item")
        check(says(r.text, *NOT_AVAILABLE) and
              re.search(r"(Line|Regel) \d+", r.text),
              "the refusal", "a sentence with the line", r.text[-3000:])
        eq(self.source_of(mid), before, "the draft after the refusal")
        eq(self.far.get("/modules/%d/library" % mid).status, 404,
           "another organisation's GET of the module picker")
        eq(self.client.get("/modules/%d/library" % mid).status, 403,
           "a client's GET of the module picker")

    def test_a_shared_item_may_be_picked_and_a_withdrawn_one_goes(self):
        r = self.far_admin.post("/library/%d/share" % self.foreign, {
            "csrf": self.far_admin.csrf(), "share": "1"})
        eq(r.status, 303, "the other organisation shares its item")
        eq(self.attach(self.foreign).status, 303, "attaching a shared item")
        page = self.client.get("/assignments/%d" % self.aid).text
        check("Sneeuwklokje" in page, "the client's assignment page",
              "the shared item's text", page[-3000:])
        # No longer shared, or withdrawn: no longer shown, decided on
        # every read.
        r = self.far_admin.post("/library/%d/share" % self.foreign, {
            "csrf": self.far_admin.csrf(), "share": "0"})
        eq(r.status, 303, "sharing stopped")
        library_publish(self.coach, self.own, on=False)
        page = self.client.get("/assignments/%d" % self.aid).text
        check("Sneeuwklokje" not in page and
              "Kievitsbloem helpt niet" not in page,
              "the client's assignment page", "neither item", page[-3000:])
        page = self.client.get("/md/%d?s=2" % self.rid).text
        check("Kievitsbloem helpt niet" not in page and says(
            page, "no longer available", "niet meer beschikbaar"),
              "the client's module page", "the item gone, said so",
              page[-3000:])
        library_publish(self.coach, self.own)
        eq(self.attach(self.own, remove=True).status, 303, "taking it off")
        page = self.client.get("/assignments/%d" % self.aid).text
        check("Kievitsbloem helpt niet" not in page,
              "the client's assignment page", "the item taken off",
              page[-3000:])

    def test_questionnaire_choice_list_shows_what_the_organisation_can_use(self):
        r = self.far.post("/instruments", {
            "csrf": self.far.csrf(), "text": FAR_INSTRUMENT, "go": "save"})
        location_id(r, "/instruments/")
        mid = self.module("@session Een\n@page text Welkom\nHallo.\n")
        page = self.coach.get("/modules/%d" % mid).text
        sel = re.search(r'<select id="f-instrument".*?</select>', page, re.S)
        check(sel, "the editor", "a questionnaire choice list", page[-3000:])
        names = re.findall(r'<option value="([^"]+)"', sel.group(0))
        check("who-5" in names and "phq-9" in names and
              "far-own-check" not in names, "the choice list",
              "the shipped ones, not another organisation's own", names)
        # A shipped one: taken into the organisation's library, on the page.
        r = self.coach.post("/modules/%d/questionnaire" % mid, {
            "csrf": self.coach.csrf(), "instrument": "gad-7", "s": "1"})
        eq(r.status, 303, "adding a shipped questionnaire")
        src = self.source_of(mid)
        check("@page questionnaire gad-7\n@instrument gad-7" in src,
              "the draft", "the questionnaire page", src)
        page = self.coach.get("/modules/%d" % mid).text
        sel = re.search(r'<select id="f-instrument".*?</select>', page,
                        re.S).group(0)
        check(re.search(r'value="gad-7">gad-7 \((version|versie) 1\)', sel),
              "the choice list after", "GAD-7 in the organisation's library",
              sel)
        # Another organisation's own instrument and a made-up name: refused.
        for name in ("far-own-check", "bestaat-niet", ""):
            r = self.coach.post("/modules/%d/questionnaire" % mid, {
                "csrf": self.coach.csrf(), "instrument": name, "s": "1"})
            eq(r.status, 404, "adding the questionnaire %r" % name)
            check(says(r.text, *NOT_USABLE) and
                  'id="f-instrument-error"' in r.text, "the refusal",
                  "a sentence at the choice list", r.text[-3000:])
        eq(self.source_of(mid), src, "the draft after the refusals")
        r = self.save(mid, src + "\n@page questionnaire Ver\n"
                      "@instrument far-own-check\n")
        eq(r.status, 404, "a draft naming another organisation's "
           "questionnaire")
        check(says(r.text, *NOT_USABLE), "the refusal", "a sentence",
              r.text[-3000:])
        # Typed by hand, a shipped name is taken in as from the list.
        r = self.save(mid, src + "\n@page questionnaire W\n"
                      "@instrument who-5\n")
        eq(r.status, 303, "a draft naming a shipped questionnaire")
        eq(self.coach.post("/modules/%d/publish" % mid, {
            "csrf": self.coach.csrf()}).status, 303, "publish")
        eq(self.far.post("/modules/%d/questionnaire" % mid, {
            "csrf": self.far.csrf(), "instrument": "who-5",
            "s": "1"}).status, 404, "another organisation's author")

    def test_overview_of_the_clients_modules(self):
        page = self.coach.get("/").text
        check('href="/overview/modules"' in page, "the professional's "
              "start page", "a link to the overview", page[-2000:])
        before = self.audit("kind = 'module' AND detail = 'overview'")
        r = self.coach.get("/overview/modules")
        eq(r.status, 200, "the overview")
        row = re.search(r'<tr[^>]*>(?:(?!</tr>).)*href="/md/%d"(?:(?!</tr>)'
                        r'.)*</tr>' % self.rid, r.text, re.S)
        check(row, "the overview", "a row for the run", r.text[-3000:])
        name = self.client.me().get("name", "")
        check(name in row.group(0) and
              re.search(r"<td>\d+ (of|van) 2</td>", row.group(0)) and
              re.search(r"<td>0</td></tr>", row.group(0)),
              "the run's row", "client, sessions done of 2, none waiting",
              row.group(0))
        eq(self.audit("kind = 'module' AND detail = 'overview'"),
           before + 1, "the overview in the access log")
        eq(self.client.get("/overview/modules").status, 403,
           "a client's GET of the overview")
        page = self.far.get("/overview/modules").text
        check('href="/md/%d"' % self.rid not in page, "another "
              "organisation's overview", "not this run", page[-2000:])

    def test_a_date_per_session(self):
        mid = self.module("@session Een\n@page text Welkom\nHallo.\n"
                          "@session Twee\n@page text Verder\nNog meer.\n")
        eq(self.coach.post("/modules/%d/publish" % mid, {
            "csrf": self.coach.csrf()}).status, 303, "publish")
        page = self.coach.get("/t/%d/modules" % self.tid).text
        check('value="dates"' in page, "the form to give a module",
              "a timing with a date per session", page[-3000:])
        before = set(re.findall(r'href="/md/(\d+)"', page))
        r = self.coach.post("/t/%d/modules" % self.tid, {
            "csrf": self.coach.csrf(), "module": str(mid),
            "timing": "dates", "guided": "1"})
        eq(r.status, 303, "the module given with a date per session")
        rid = int((set(re.findall(r'href="/md/(\d+)"', self.coach.get(
            "/t/%d/modules" % self.tid).text)) - before).pop())
        # No date yet: closed for the client.
        page = self.client.get("/md/%d?s=1" % rid).text
        check(says(page, "not open yet", "nog niet open"), "session 1 "
              "without a date", "closed", page[-3000:])
        # A date in the past opens session 1; one in a year keeps 2 shut.
        # (Days far from today: no time zone or midnight can move them.)
        r = self.coach.post("/md/%d/date?s=1" % rid, {
            "csrf": self.coach.csrf(), "date": "2020-01-06",
            "time": "09:00"})
        eq(r.status, 303, "a date for session 1")
        import datetime
        later = (datetime.date.today() + datetime.timedelta(days=300))
        r = self.coach.post("/md/%d/date?s=2" % rid, {
            "csrf": self.coach.csrf(), "date": later.isoformat(),
            "time": "09:00"})
        eq(r.status, 303, "a date for session 2")
        page = self.client.get("/md/%d?s=1" % rid).text
        check("Hallo." in page, "session 1 after its date", "open",
              page[-3000:])
        page = self.client.get("/md/%d?s=2" % rid).text
        check("Nog meer." not in page and
              says(page, "This session is not open yet",
                   "Deze sessie is nog niet open"),
              "session 2 before its date", "closed", page[-3000:])
        eq(self.audit("kind = 'module' AND detail = 'date' AND object_id "
                      "= %d" % rid), 2, "the dates in the access log")
        # Refusals: no date, too far ahead, the client, another timing.
        r = self.coach.post("/md/%d/date?s=2" % rid, {
            "csrf": self.coach.csrf(), "date": "", "time": "09:00"})
        eq(r.status, 400, "a session date without a date")
        check(says(r.text, "Give the date and time the session opens",
                   "Geef de datum en de tijd waarop de sessie opent") and
              'id="f-date-error"' in r.text, "the refusal",
              "a sentence at the date", r.text[-3000:])
        far = (datetime.date.today() + datetime.timedelta(days=1200))
        r = self.coach.post("/md/%d/date?s=2" % rid, {
            "csrf": self.coach.csrf(), "date": far.isoformat(),
            "time": "09:00"})
        eq(r.status, 400, "a session date more than two years ahead")
        eq(self.client.post("/md/%d/date?s=2" % rid, {
            "csrf": self.client.csrf(), "date": "2020-01-06",
            "time": "09:00"}).status, 403, "the client setting a date")
        r = self.coach.post("/md/%d/date?s=1" % self.rid, {
            "csrf": self.coach.csrf(), "date": "2020-01-06",
            "time": "09:00"})
        eq(r.status, 409, "a date for a run that opens everything at once")
        eq(self.far.post("/md/%d/date?s=1" % rid, {
            "csrf": self.far.csrf(), "date": "2020-01-06",
            "time": "09:00"}).status, 404, "another organisation")
