"""
library.py - black-box tests of issue 12's psycho-education library over
real HTTP: a professional writes an item (refusals say why, next to the
field), publishes it, the readability warning for its author, search with
stemming in Dutch and English (ranked: a title match above a text-only
one; quotes, *, NEAR, -, : and parentheses are word ends, not operators;
an empty or oversized search refused with its reason), another
organisation's private item never found, its shared one found, another
organisation's professional sees
nothing of a private item until an administrator shares it, an item sent
to a client in a message, the client opening it and keeping it in their
own list (in the access log), video and audio items (a film or sound of
the organisation, its player and transcript, a wrong file refused), and
the routes' refusals.  Imported by
run.py, which runs the class like the others.
"""
import html
import os
import re
import urllib.parse

from coaching import location_id, new_trajectory
from lib import (Client, Sql, check, demo_logins, eq, library_publish,
                 library_write, org_with, says)
from objects import upload_media

FAR = ("far.lib@elders.infuus.test", "far-library-pass-12", "Fay Far")
SIB = ("sib.lib@demo.infuus.test", "sib-library-pass-12", "Sam Sib")
SIB_CLIENT = ("sibclient.lib@demo.infuus.test", "sibc-library-pass-12",
              "Sanne Sib")
FAR_ADMIN = ("boss.lib@elders.infuus.test", "boss-library-pass-12",
             "Bo Baas")
# Ranking: the word twice in the text only, then once in a title.
LAMP_TEXT = ("Onderweg", "Over de weg terug.",
             "Wie 's avonds doorwerkt, werkt zich moe. Neem een lantaarn "
             "mee; met een lantaarn vind je de weg.")
LAMP_TITLE = ("De lantaarn", "Over licht.", "Licht maakt de weg zichtbaar.")
LAMP_FAR = ("Lantaarn van elders", "Van een andere organisatie.",
            "Een lantaarn van ver weg.")

PIEKER = ("Omgaan met piekeren",
          "Wat je kunt doen als je 's avonds blijft malen.",
          "Veel mensen piekeren voor het slapen. Ik pieker ook wel eens. "
          "Schrijf je zorgen op een briefje en leg het weg tot morgen.")
WORRY = ("Dealing with worries",
         "What to do when thoughts keep you awake.",
         "Most people have worries at night. Write them down and put the "
         "note away until the morning meetings.")
HARD = ("Kwaliteitsbeleid",
        "Over beleid.",
        "Onze organisatieontwikkelingsdoelstellingen vereisen "
        "interdisciplinaire samenwerkingsverbanden tussen "
        "beleidsmedewerkers, implementatiedeskundigen en procesbegeleiders, "
        "teneinde de kwaliteitsverbeteringstrajecten binnen de geestelijke "
        "gezondheidszorginstellingen systematisch te evalueren en te "
        "optimaliseren, waarbij verantwoordingsinformatie structureel wordt "
        "gedocumenteerd en geanalyseerd.")
# A film (an MP4's ftyp box) and a sound (an MP3's ID3 tag), told by content.
FILM = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + os.urandom(4096)
SOUND = b"ID3\x04\x00\x00\x00\x00\x00\x00" + os.urandom(4096)


class LibraryMixin(Sql):
    """Set-up and helpers for the Library suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.coach, self.client, self.admin = demo_logins(
            self.srv, "professional", "client", "admin")
        self.far, self.far_admin = org_with(
            self.srv, "Elders", "elders",
            ((FAR, "professional"), (FAR_ADMIN, "admin")))
        self.tid = new_trajectory(self.coach, self.client.me()["id"],
                                  "Traject bibliotheek")
        # Another coach's trajectory in the same organisation: not the
        # coach's to send into.
        for (email, pw, name), role in ((SIB, "professional"),
                                        (SIB_CLIENT, "client")):
            self.srv.cli_ok("user", "create", "--email", email, "--name",
                            name, "--org", "demo", "--role", role,
                            password=pw)
        sib = Client(self.srv)
        sib.login_ok(SIB[0], SIB[1])
        sc = Client(self.srv)
        sc.login_ok(SIB_CLIENT[0], SIB_CLIENT[1])
        self.sib_tid = new_trajectory(sib, sc.me()["id"],
                                      "Traject van een ander")
        self.ids = {}

    def write(self, who, item, lang="nl", level="", audience="clients",
              tags=None):
        if tags is None:
            tags = "piekeren, slaap" if lang == "nl" else "sleep"
        eq(who.get("/library/new").status, 200, "GET /library/new")
        return library_write(who, item, lang, level, audience, tags)

    def search(self, who, q):
        r = who.get("/library?q=" + q)
        eq(r.status, 200, "GET /library?q=" + q)
        return r.text

    # --- tests, in order ---------------------------------------------------

    def test_author_writes_a_draft_and_publishes_it(self):
        r = self.write(self.coach, PIEKER)
        lid = location_id(r, "/library/")
        self.ids["pieker"] = lid
        page = self.coach.get("/library/%d" % lid).text
        check(says(page, "Draft", "Concept") and
              says(page, "Readability score", "Leesbaarheidsscore"),
              "the new item's page", "a draft with its readability score",
              page[-3000:])
        # A client does not see a draft; it is not there for them.
        eq(self.client.get("/library/%d" % lid).status, 404,
           "a client's GET of a draft")
        library_publish(self.coach, lid)
        page = self.coach.get("/library/%d" % lid).text
        check(says(page, "Published", "Gepubliceerd"), "after publishing",
              "published", page[-3000:])
        lid = location_id(self.write(self.coach, WORRY, lang="en"),
                          "/library/")
        library_publish(self.coach, lid)
        self.ids["worry"] = lid

    def test_bad_input_is_refused_with_reasons(self):
        before = self.sql_one("SELECT COUNT(*) FROM library_items")
        r = self.write(self.coach, ("", "Kort.", "Tekst."))
        eq(r.status, 400, "an item without a title")
        check('id="f-title-error"' in r.text and says(
            r.text.lower(), "give the item a title",
            "geef het item een titel"),
              "the reason next to the title", "a sentence", r.text[-3000:])
        r = self.write(self.coach, PIEKER, lang="de")
        eq(r.status, 400, "a language that is neither Dutch nor English")
        check('id="f-lang-error"' in r.text, "the reason at the language",
              "f-lang-error", r.text[-3000:])
        r = self.write(self.coach, PIEKER, tags=",".join("t%d" % i
                                                         for i in range(12)))
        eq(r.status, 413, "too many tags")
        eq(self.sql_one("SELECT COUNT(*) FROM library_items"), before,
           "items after the refusals")
        r = self.coach.post("/library/%d/publish" % self.ids["pieker"], {
            "csrf": self.coach.csrf(), "publish": "maybe"})
        eq(r.status, 400, "publish neither 1 nor 0")
        # Roles: a client writes nothing, a professional shares nothing.
        r = self.client.post("/library", {"csrf": self.client.csrf(),
                                          "title": "x"})
        eq(r.status, 403, "a client's POST /library")
        r = self.coach.post("/library/%d/share" % self.ids["pieker"], {
            "csrf": self.coach.csrf(), "share": "1"})
        eq(r.status, 403, "a professional sharing")
        r = self.coach.get("/library?q=" + "+".join("woord%d" % i
                                                    for i in range(10)))
        eq(r.status, 413, "a search of ten words")
        check(says(r.text, "at most 8 words", "hoogstens 8 woorden"),
              "a search of ten words", "refused with the limit",
              r.text[-3000:])

    def test_search_stems_dutch_and_english(self):
        for q, key in (("piekeren", "pieker"), ("pieker", "pieker"),
                       ("PIEKEREN", "pieker"), ("worrying", "worry"),
                       ("worries", "worry"), ("meeting", "worry")):
            page = self.search(self.coach, q)
            results = page.split('id="h-results"')[-1].split(
                'id="h-all"')[0]
            check('href="/library/%d"' % self.ids[key] in results,
                  "search for %r" % q, "item %d found" % self.ids[key],
                  results[:2000])
        page = self.search(self.coach, "piekeren+worrying")
        results = page.split('id="h-results"')[-1].split('id="h-all"')[0]
        check("/library/" not in results, "a Dutch and an English word of "
              "two texts", "nothing found", results[:2000])

    def test_private_items_stay_in_their_organisation(self):
        lid = self.ids["pieker"]
        page = self.search(self.far, "piekeren")
        check('href="/library/%d"' % lid not in page, "another "
              "organisation's search", "not the private item", page[-3000:])
        eq(self.far.get("/library/%d" % lid).status, 404,
           "another organisation's GET of a private item")
        # Shared by this organisation's administrator: found and read
        # there, still changed only here.
        r = self.admin.post("/library/%d/share" % lid, {
            "csrf": self.admin.csrf(), "share": "1"})
        eq(r.status, 303, "the administrator shares")
        page = self.search(self.far, "piekeren")
        check('href="/library/%d"' % lid in page, "another organisation's "
              "search after sharing", "the shared item", page[-3000:])
        eq(self.far.get("/library/%d" % lid).status, 200,
           "another organisation reads a shared item")
        eq(self.far.get("/library/%d/edit" % lid).status, 403,
           "another organisation edits a shared item")
        r = self.far_admin.post("/library/%d/share" % lid, {
            "csrf": self.far_admin.csrf(), "share": "0"})
        eq(r.status, 403, "another organisation's administrator unshares")
        r = self.admin.post("/library/%d/share" % lid, {
            "csrf": self.admin.csrf(), "share": "0"})
        eq(r.status, 303, "the administrator stops sharing")
        eq(self.far.get("/library/%d" % lid).status, 404,
           "another organisation after sharing stopped")
        eq(self.sql_one("SELECT COUNT(*) FROM audit_log WHERE kind = "
                        "'library' AND detail = 'share' AND object_id = %d"
                        % lid), 1, "the sharing in the access log")

    def results(self, who, q):
        """The hrefs of the search results for q, in order."""
        r = who.get("/library?q=" + urllib.parse.quote_plus(q))
        eq(r.status, 200, "GET /library?q=" + q)
        part = r.text.split('id="h-results"')[-1].split('id="h-all"')[0]
        return [int(i) for i in re.findall(r'href="/library/(\d+)"', part)]

    def test_search_ranks_and_keeps_to_the_organisation(self):
        text = location_id(self.write(self.coach, LAMP_TEXT), "/library/")
        library_publish(self.coach, text)
        title = location_id(self.write(self.coach, LAMP_TITLE), "/library/")
        library_publish(self.coach, title)
        far = location_id(self.write(self.far, LAMP_FAR), "/library/")
        library_publish(self.far, far)
        self.ids["lamp"] = title
        found = self.results(self.coach, "lantaarn")
        eq(found, [title, text], "the results for lantaarn, the title "
           "match first and not the other organisation's private item")
        eq(self.results(self.coach, "werken"), [text],
           "werken finds werkt")
        eq(self.results(self.far, "lantaarn"), [far],
           "the other organisation finds its own item only")
        # Shared by its administrator: found here too, after ours (its
        # word is in its title and its text).
        r = self.far_admin.post("/library/%d/share" % far, {
            "csrf": self.far_admin.csrf(), "share": "1"})
        eq(r.status, 303, "the other administrator shares")
        found = self.results(self.coach, "lantaarn")
        eq(sorted(found), sorted([title, text, far]),
           "the results with the shared item")
        check(found.index(title) < found.index(text), "the ranking",
              "a title match above a text-only match", found)

    def test_search_pages_through_the_results(self):
        ids = []
        for i in range(12):
            lid = location_id(self.write(self.coach, (
                "Wacht %d" % i, "Kort over de vuurtorenwachter.",
                "De vuurtorenwachter let op de zee.")), "/library/")
            library_publish(self.coach, lid)
            ids.append(lid)
        # The "&" ends the word, and the links must carry it escaped.
        q = "vuurtorenwachter&"
        r = self.coach.get("/library?q=" + urllib.parse.quote_plus(q))
        eq(r.status, 200, "the first page")
        first = self.results(self.coach, q)
        eq(first, ids[:10], "the first page: ten, the oldest first")
        nxt = re.search(r'<a rel="next" href="([^"]+)"', r.text)
        check(nxt is not None and 'rel="prev"' not in r.text,
              "the first page", "a link to the next only", r.text[-3000:])
        href = html.unescape(nxt.group(1))
        eq(href, "/library?q=vuurtorenwachter%26&page=2", "the next link")
        check(says(r.text, "Page 1 of the results", "Pagina 1 van de "
                   "resultaten"), "the first page", "says which", "")
        r = self.coach.get(href)
        eq(r.status, 200, "the second page")
        part = r.text.split('id="h-results"')[-1].split('id="h-all"')[0]
        second = [int(i) for i in re.findall(r'href="/library/(\d+)"',
                                             part)]
        eq(second, ids[10:], "the second page: the other two")
        check('rel="next"' not in r.text and
              'href="/library?q=vuurtorenwachter%26&amp;page=1"' in r.text,
              "the second page", "a link back only", r.text[-3000:])
        for page in ("0", "6", "-1", "twee", "2x", ""):
            r = self.coach.get("/library?q=vuurtorenwachter&page=" + page)
            eq(r.status, 400, "page %r" % page)
            check(says(r.text, "at most 5 pages of results",
                       "hoogstens 5 pagina"), "page %r" % page,
                  "the reason", r.text[-3000:])
        r = self.coach.get("/library?q=vuurtorenwachter&page=5")
        eq(r.status, 200, "the last page a search ranks, empty here")
        check(says(r.text, "Nothing found", "Niets gevonden"), "page 5",
              "nothing", r.text[-3000:])

    def test_search_syntax_is_words_and_limits_are_clear(self):
        lid = self.ids["lamp"]
        for q in ('"lantaarn', "lantaarn*", "-lantaarn", "lantaarn:*",
                  "(lantaarn)", "{lantaarn}:", "lantaarn'", "lantaarn & !",
                  "lantaarn | ", "'lantaarn'", "lantaarn\\", "lantaarn;--"):
            check(lid in self.results(self.coach, q), "search for %r" % q,
                  "the item, the signs ending words", "")
        for q in ("lantaarn OR olifant", "lantaarn NOT olifant",
                  'lantaarn" OR "olifant', "lantaarn' | 'olifant",
                  "NEAR(lantaarn olifant)", "x'); DROP TABLE library_fts; --"):
            eq(self.results(self.coach, q), [], "search for %r: every "
               "word, no operators" % q)
        r = self.coach.get("/library?q=" + urllib.parse.quote_plus('"*():-'))
        eq(r.status, 400, "a search without words")
        check(says(r.text, "Type one or more words",
                   "Typ een of meer woorden"), "a search without words",
              "the reason", r.text[-3000:])
        r = self.coach.get("/library?q=" + "lantaarn+" * 23)
        eq(r.status, 413, "a search of 207 characters")
        check(says(r.text, "at most 200 characters", "hoogstens 200 tekens"),
              "a search of 207 characters", "the limit", r.text[-3000:])
        check(self.sql_one("SELECT COUNT(*) FROM library_items") > 0 and
              lid in self.results(self.coach, "lantaarn"),
              "after all that", "the items and the search as they were", "")

    def test_send_to_a_client_who_keeps_it(self):
        lid = self.ids["pieker"]
        page = self.coach.get("/library/%d/send" % lid).text
        check("Traject bibliotheek" in page, "the send page",
              "the coach's trajectory to choose", page[-3000:])
        r = self.coach.post("/library/%d/send" % lid, {
            "csrf": self.coach.csrf(), "traj": str(self.tid)})
        thid = location_id(r, "/threads/")
        th = self.client.get("/api/threads/%d" % thid).json()
        body = th["messages"][0]["body"]
        check("(/library/%d)" % lid in body and PIEKER[0] in body,
              "the message the client gets", "the title and the link", body)
        eq(self.client.get("/library/%d" % lid).status, 200,
           "the client opens the item")
        r = self.client.post("/library/%d/keep" % lid, {
            "csrf": self.client.csrf(), "keep": "1"})
        eq(r.status, 303, "the client keeps it")
        page = self.client.get("/my-library").text
        check('href="/library/%d"' % lid in page, "my library",
              "the kept item", page[-3000:])
        uid = self.client.me()["id"]
        eq(self.sql_one("SELECT COUNT(*) FROM audit_log WHERE kind = "
                        "'library-list' AND client_id = %d" % uid) >= 2,
           True, "keeping and reading the list in the access log")
        # Refusals: a trajectory of nobody's, another organisation's
        # coach sending, a draft.
        r = self.coach.post("/library/%d/send" % lid, {
            "csrf": self.coach.csrf(), "traj": "999999"})
        eq(r.status, 404, "sending into a trajectory that is not there")
        before = self.sql_one("SELECT COUNT(*) FROM threads")
        r = self.coach.post("/library/%d/send" % lid, {
            "csrf": self.coach.csrf(), "traj": str(self.sib_tid)})
        eq(r.status, 404, "sending into another coach's trajectory")
        eq(self.sql_one("SELECT COUNT(*) FROM threads"), before,
           "threads after the refused sends")
        r = self.coach.post("/library/%d/send" % lid, {
            "csrf": self.coach.csrf(), "traj": "nothing"})
        eq(r.status, 400, "sending without a trajectory")
        r = self.far.post("/library/%d/send" % lid, {
            "csrf": self.far.csrf(), "traj": str(self.tid)})
        eq(r.status, 404, "another organisation's coach sending")
        draft = location_id(self.write(self.coach, WORRY, lang="en"),
                            "/library/")
        r = self.coach.post("/library/%d/send" % draft, {
            "csrf": self.coach.csrf(), "traj": str(self.tid)})
        eq(r.status, 400, "sending a draft")
        # Withdrawn: gone from the client's list and page.
        library_publish(self.coach, lid, on=False)
        eq(self.client.get("/library/%d" % lid).status, 404,
           "the client's GET of a withdrawn item")
        page = self.client.get("/my-library").text
        check('href="/library/%d"' % lid not in page, "my library after "
              "withdrawal", "without the item", page[-3000:])
        library_publish(self.coach, lid)

    def test_a_hard_text_warns_its_author(self):
        lid = location_id(self.write(self.coach, HARD, level="A2"),
                          "/library/")
        library_publish(self.coach, lid)
        page = self.coach.get("/library/%d" % lid).text
        check(says(page, "harder to read than its reading level",
                   "moeilijker te lezen dan het leesniveau"),
              "the author's page of a hard A2 text", "a warning",
              page[-3000:])
        page = self.client.get("/library/%d" % lid).text
        check(not says(page, "harder to read than its reading level",
                       "moeilijker te lezen dan het leesniveau") and
              re.search(r"Readability score|Leesbaarheidsscore", page),
              "the client's page", "the score without the warning",
              page[-3000:])

    def test_video_and_audio_items(self):
        film = upload_media(self.coach, "ademen.mp4", FILM)
        sound = upload_media(self.coach, "zee.mp3", SOUND)
        far_sound = upload_media(self.far, "ver.mp3", SOUND)
        form = {"csrf": self.coach.csrf(), "title": "Rustig ademen",
                "summary": "Een filmpje over ademen.",
                "body": "Adem rustig in en uit. Tel tot vier bij het "
                        "inademen en tot zes bij het uitademen.",
                "tags": "ademhaling", "audience": "clients", "lang": "nl",
                "level": "", "kind": "video", "media": "0"}
        for media, why in (("0", ("Choose the film or sound",
                                  "Kies de film of het geluid")),
                           (str(sound), ("plays a film", "speelt een film")),
                           (str(far_sound), ("not in your organisation",
                                             "niet in de media van je"))):
            r = self.coach.post("/library", dict(form, media=media))
            eq(r.status, 400, "a video item with media " + media)
            check(says(r.text, *why), "the refusal", why[0], r.text[-2500:])
        lid = location_id(self.coach.post("/library", dict(form,
                          media=str(film))), "/library/")
        library_publish(self.coach, lid)
        page = self.client.get("/library/%d" % lid).text
        check('<video controls' in page and
              'src="/media/%d"' % film in page and "Tel tot vier" in page,
              "the client's page of a video item",
              "a player and its transcript", page[-3000:])
        eq(self.client.get("/media/%d" % film).status, 200,
           "the client plays the film")
        check('href="/library/%d"' % lid in self.search(self.coach,
                                                        "inademen"),
              "search", "finds the video by its transcript", "")
        # Another organisation plays it once the item is shared with
        # every organisation, not before.
        eq(self.far.get("/media/%d" % film).status, 404,
           "another organisation's GET of a private item's film")
        eq(self.admin.post("/library/%d/share" % lid, {
            "csrf": self.admin.csrf(), "share": "1"}).status, 303,
           "the administrator shares the video item")
        eq(self.far.get("/media/%d" % film).status, 200,
           "another organisation plays the shared item's film")
        eq(self.far.get("/media/%d" % sound).status, 404,
           "another organisation's GET of an unshared sound")
        r = self.coach.post("/library", dict(form, kind="audio",
                                              title="De zee",
                                              media=str(sound)))
        aid = location_id(r, "/library/")
        page = self.coach.get("/library/%d" % aid).text
        check('<audio controls' in page, "an audio item's page",
              "an audio player", page[-3000:])
        page = self.coach.get("/library/%d/edit" % aid).text
        check(re.search(r'<option value="%d" selected' % sound, page),
              "the edit form", "the sound chosen", page[-3000:])
