"""
assignments.py - black-box tests of assignments and the learning cycle
(issue 11) over real HTTP: giving an assignment on a learning question,
the client's draft, handing in with an attachment, feedback, a revision
shown side by side, the cycle's report, reflection and conclusion, the
next experiment, the question answered, offers the client chooses from,
the template library, the queue, the export, who may see what, and bad
input refused with its reason.  Imported by run.py.
"""
import datetime
import json
import re
import time

from coaching import new_trajectory
from lib import Client, Sql, check, demo_logins, eq, mail_rcpt, mail_text
from objects import multipart

OTHER_CLIENT = ("asg.other@demo.infuus.test", "asg-other-client-pass-1")
WORD = "kievietsbloemveld"


class AssignmentsMixin(Sql):
    """Set-up and helpers for the Assignments suite."""

    def setup(self):
        # A mail sink, so the outbox mails (reminders of due work).
        self.srv = self.server_with_mail(base_url=False)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        self.srv.cli_ok("user", "create", "--email", OTHER_CLIENT[0],
                        "--name", "Andere Klant", "--org", "demo", "--role",
                        "client", password=OTHER_CLIENT[1])
        self.other = Client(self.srv)
        self.other.login_ok(*OTHER_CLIENT)
        self.tid = self.trajectory(self.client.me()["id"], "Grenzen")
        self.tid2 = self.trajectory(self.other.me()["id"], "Ander traject")
        self.qid = self.question(self.tid, "Hoe zeg ik vaker nee?")
        self.qid2 = self.question(self.tid2, "Hoe plan ik mijn week?")

    def teardown(self):
        if getattr(self, "smtp", None):
            self.smtp.stop()

    def trajectory(self, uid, title):
        return new_trajectory(self.coach, uid, title)

    def question(self, tid, text):
        r = self.coach.post("/t/%d/questions" % tid,
                            {"csrf": self.coach.csrf(), "question": text})
        eq(r.status, 303, "a learning question added")
        page = self.coach.get("/t/%d/assignments" % tid).text
        ids = [int(x) for x in re.findall(r'id="q-(\d+)"', page)]
        check(ids, "the learning question on the assignments page",
              "a section q-N", page[:2000])
        return ids[-1]

    def give(self, tid, qid, title, extra=None, who=None):
        who = who or self.coach
        form = [("csrf", who.csrf()), ("question", str(qid)),
                ("title", title),
                ("instructions", "Probeer deze week **een keer** nee te "
                 "zeggen."), ("form", "experiment"), ("tag", "activist"),
                ("due", "2099-01-31")]
        form += extra or []
        return who.post("/t/%d/assignments" % tid, form)

    def give_ok(self, tid, qid, title, extra=None):
        r = self.give(tid, qid, title, extra)
        eq(r.status, 303, "the assignment given")
        page = self.coach.get("/t/%d/assignments" % tid).text
        ids = re.findall(r'<a href="/assignments/(\d+)">([^<]*)</a>', page)
        mine = [int(i) for i, t in ids if t == title]
        check(mine, "the new assignment on the timeline", title, page[-3000:])
        return mine[-1]

    def work(self, who, aid, body, action="handin", files=None):
        data, ctype = multipart({"csrf": who.csrf(), "body": body,
                                 "action": action}, files or [])
        return who.request("POST", "/assignments/%d/work?csrf=%s" % (
            aid, who.csrf()), body=data, headers={"Content-Type": ctype})

    def step(self, aid, kind, body):
        return self.client.post("/assignments/%d/steps" % aid, {
            "csrf": self.client.csrf(), "kind": kind, "body": body})

    # --- tests, in order ---------------------------------------------------

    def test_whole_cycle_over_http(self):
        aid = self.give_ok(self.tid, self.qid, "Nee zeggen op het werk")
        page = self.client.get("/assignments/%d" % aid)
        eq(page.status, 200, "the client opens the assignment")
        check("<strong>een keer</strong>" in page.text,
              "instructions rendered as Markdown", "<strong>", page.text)
        check("state-active" in page.text, "state shown", "active",
              page.text)
        # Saved as they go: the draft is there when they come back.
        r = self.work(self.client, aid, "Eerste opzet " + WORD, "save")
        eq(r.status, 303, "the draft saved")
        page = self.client.get("/assignments/%d" % aid).text
        check("Eerste opzet " + WORD in page, "the draft resumed",
              "in the work form", page[-3000:])
        # By script: the autosave endpoint.
        r = self.client.request(
            "POST", "/api/assignments/%d/draft" % aid,
            body=json.dumps({"draft": "Opzet via script"}).encode(),
            headers={"Content-Type": "application/json",
                     "X-CSRF-Token": self.client.csrf()})
        eq(r.status, 200, "autosave")
        # Hand in with an attachment.
        r = self.work(self.client, aid,
                      "Ik heb maandag nee gezegd tegen een extra klus.",
                      files=[("attachment", "log.txt", "text/plain",
                              b"maandag: nee\n")])
        eq(r.status, 303, "handed in")
        page = self.client.get("/assignments/%d" % aid).text
        check("state-handed_in" in page, "state handed in", "handed_in",
              page[:3000])
        fid = re.search(r'/assignment-files/(\d+)', page)
        check(fid, "the attachment listed", "a link", page[-3000:])
        r = self.client.get("/assignment-files/%s" % fid.group(1))
        eq((r.status, r.body), (200, b"maandag: nee\n"), "the attachment")
        # In the professional's queue.
        q = self.coach.get("/queue").text
        check("/assignments/%d" % aid in q and "Nee zeggen op het werk" in q,
              "the handed-in work in the queue", "a row", q[-3000:])
        # Feedback, then a revision.
        r = self.coach.post("/assignments/%d/feedback" % aid, {
            "csrf": self.coach.csrf(),
            "feedback": "Mooi! Wat gebeurde er daarna?"})
        eq(r.status, 303, "feedback given")
        page = self.client.get("/assignments/%d" % aid).text
        check("Wat gebeurde er daarna?" in page and "state-feedback" in page,
              "the client sees the feedback", "feedback", page[-3000:])
        r = self.work(self.client, aid,
                      "Ik heb dinsdag vriendelijk nee gezegd tegen een "
                      "extra klus.")
        eq(r.status, 303, "revised")
        page = self.client.get("/assignments/%d" % aid).text
        check("state-revised" in page, "state revised", "revised", page)
        check("<del>maandag</del>" in page and "<ins>dinsdag" in page,
              "versions side by side with the changes marked",
              "<del>maandag</del> and <ins>dinsdag", page[-4000:])
        check("Ik heb maandag nee gezegd" in page,
              "the first version kept", "shown", page[-4000:])
        # The cycle: out of order refused, then in order.
        r = self.step(aid, "conclusion", "Te vroeg")
        eq(r.status, 409, "a conclusion before the report")
        check("first the practice report" in r.text.lower() or
              "eerst het praktijkverslag" in r.text.lower(),
              "the reason", "in order", r.text[-2000:])
        for kind, body in (("report", "Het ging goed in de praktijk."),
                           ("reflection", "Ik voelde me schuldig."),
                           ("conclusion", "Nee zeggen mag.")):
            eq(self.step(aid, kind, body).status, 303, kind)
        r = self.coach.post("/assignments/%d/done" % aid,
                            {"csrf": self.coach.csrf()})
        eq(r.status, 303, "marked done")
        # The next experiment links to the one before.
        aid2 = self.give_ok(self.tid, self.qid, "Nee zeggen thuis")
        page = self.client.get("/t/%d/assignments" % self.tid).text
        for words in ("Nee zeggen op het werk", "Het ging goed",
                      "Ik voelde me schuldig", "Nee zeggen mag.",
                      "Nee zeggen thuis"):
            check(words in page, "the timeline", words, page[-4000:])
        check(page.index("Nee zeggen mag.") < page.index("Nee zeggen thuis"),
              "the next experiment after the conclusion", "in order",
              page[-4000:])
        # Answered, by the client.
        r = self.client.post("/t/%d/answered" % self.tid, {
            "csrf": self.client.csrf(), "question": str(self.qid),
            "answered": "1"})
        eq(r.status, 303, "marked answered")
        page = self.coach.get("/t/%d/assignments" % self.tid).text
        check('class="answered"' in page, "answered on the timeline",
              "shown to the professional", page[-3000:])
        # The export holds the client's work.
        r = self.client.get("/t/%d/export.json" % self.tid)
        eq(r.status, 200, "the export")
        x = r.json()
        mine = [a for a in x["assignments"] if a["id"] == aid]
        check(mine and len(mine[0]["versions"]) == 2 and
              len(mine[0]["feedback"]) == 1, "the export's assignment",
              "two versions and the feedback", x.get("assignments"))
        eq(sorted(s["kind"] for s in x["cycle_steps"]),
           ["conclusion", "reflection", "report"], "the export's cycle")
        check(any(a["id"] == aid2 and a["previous"] == aid
                  for a in x["assignments"]), "the link in the export",
              "previous", x["assignments"])
        page = self.client.get("/t/%d/export" % self.tid).text
        check("Nee zeggen op het werk" in page and "Nee zeggen mag." in page,
              "the export page", "assignments and steps", page[-3000:])
        # Every access is in the access log.
        log = self.client.get("/me/access").text
        check("opdracht" in log.lower() or "assignment" in log.lower(),
              "the client's access log", "assignments", log[-3000:])

    def file_links(self, page, start=None, end=None):
        """The assignment-file ids linked in page (between two markers)."""
        if start is not None:
            page = page[page.index(start):]
        if end is not None and end in page:
            page = page[:page.index(end)]
        return [int(x) for x in
                re.findall(r'href="/assignment-files/(\d+)"', page)]

    def test_attachments_on_drafts_versions_and_feedback(self):
        """Files on the draft go with the work handed in; every version
        keeps its own; the professional attaches files to feedback; both
        download, every download in the access log; too large, the wrong
        type or too many are refused with a reason; the export lists
        them."""
        aid = self.give_ok(self.tid, self.qid, "Bijlagen " + WORD)
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        # A file saved with the draft: the client's alone until handed in.
        r = self.work(self.client, aid, "Opzet", "save",
                      files=[("attachment", "schets.png", "image/png", png)])
        eq(r.status, 303, "a file saved with the draft")
        page = self.client.get("/assignments/%d" % aid).text
        draft = self.file_links(page, 'id="work"')
        eq(len(draft), 1, "the draft's file on the work form")
        check("schets.png" in page, "its name", "schets.png", page[-3000:])
        r = self.client.get("/assignment-files/%d" % draft[0])
        eq((r.status, r.body), (200, png), "the client downloads it")
        eq(self.coach.get("/assignment-files/%d" % draft[0]).status, 404,
           "the draft's file: as if it did not exist for the professional")
        check("/assignment-files/%d" % draft[0] not in
              self.coach.get("/assignments/%d" % aid).text,
              "the professional's page", "no link to the draft's file", "")
        # Handed in with one more: a text file called .html is sent back
        # as .txt, the extension following the type.
        r = self.work(self.client, aid, "Versie een",
                      files=[("attachment", "notities.html", "text/html",
                              b"<b>maandag</b> nee\n")])
        eq(r.status, 303, "handed in with a second file")
        page = self.coach.get("/assignments/%d" % aid).text
        v1 = self.file_links(page, 'id="v-1"', 'id="h-compare"')
        eq(len(v1), 2, "version 1 holds the draft's file and the new one")
        check(draft[0] in v1, "the draft's file", "now version 1's", v1)
        r = self.coach.get("/assignment-files/%d" % draft[0])
        eq((r.status, r.body), (200, png), "the professional downloads it")
        eq(r.header("content-type"), "image/png", "its type")
        txt = [f for f in v1 if f != draft[0]][0]
        r = self.coach.get("/assignment-files/%d" % txt)
        eq(r.status, 200, "the text file")
        check('filename="notities.txt"' in r.header("content-disposition"),
              "the name's extension follows the type", "notities.txt",
              r.header("content-disposition"))
        check(r.header("content-type").startswith("text/plain"),
              "sent as plain text", "text/plain", r.header("content-type"))
        # Feedback with a file.
        pdf = b"%PDF-1.4\n% feedback\n"
        data, ctype = multipart({"csrf": self.coach.csrf(),
                                 "feedback": "Zie mijn **aantekeningen**."},
                                [("attachment", "aantekeningen.pdf",
                                  "application/pdf", pdf)])
        r = self.coach.request("POST", "/assignments/%d/feedback?csrf=%s" % (
            aid, self.coach.csrf()), body=data,
            headers={"Content-Type": ctype})
        eq(r.status, 303, "feedback with a file")
        page = self.client.get("/assignments/%d" % aid).text
        fb = self.file_links(page, 'class="feedback"', "</ol>")
        eq(len(fb), 1, "the feedback's file under the feedback")
        r = self.client.get("/assignment-files/%d" % fb[0])
        eq((r.status, r.body), (200, pdf), "the client downloads it")
        # A revision without files: version 1 keeps its two.
        eq(self.work(self.client, aid, "Versie twee").status, 303, "revised")
        page = self.client.get("/assignments/%d" % aid).text
        eq(sorted(self.file_links(page, 'id="v-1"', 'id="v-2"')),
           sorted(v1 + fb), "version 1 and its feedback keep their files")
        eq(self.file_links(page, 'id="v-2"', 'id="h-compare"'), [],
           "version 2 has none")
        # Refusals, each with its reason and nothing stored (feedback on
        # version 2 first, so the work form is there again).
        eq(self.coach.post("/assignments/%d/feedback?csrf=%s" % (
            aid, self.coach.csrf()), {"csrf": self.coach.csrf(),
                                      "feedback": "Goed zo."}).status, 303,
           "feedback on version 2")
        before = self.sql_one("SELECT COUNT(*) FROM assignment_files")
        big = b"a" * (10 * 1024 * 1024 + 1)
        data, ctype = multipart({"csrf": self.coach.csrf(),
                                 "feedback": "Te groot"},
                                [("attachment", "groot.txt", "text/plain",
                                  big)])
        r = self.coach.request("POST", "/assignments/%d/feedback?csrf=%s" % (
            aid, self.coach.csrf()), body=data,
            headers={"Content-Type": ctype})
        # The multipart parser holds a file to the route's body limit;
        # the domain refuses one over LIMIT_ATTACHMENT naming the file.
        eq(r.status, 413, "a file over 10 MB")
        check("Het bestand \u201cgroot.txt\u201d is groter dan 10 MB" in
              r.text, "the reason", "the file named, and the limit",
              r.text[-2000:])
        r = self.work(self.client, aid, "Opzet drie", "save",
                      files=[("attachment", "script.svg", "image/svg+xml",
                              b"<svg onload=alert(1)>\x00</svg>")])
        eq(r.status, 415, "a file of a refused type with the draft")
        check("script.svg" in r.text and "niet wordt geaccepteerd" in r.text,
              "the reason names the file", "script.svg", r.text[-2000:])
        check('aria-invalid="true"' in r.text and
              'id="f-attachments-error"' in r.text, "the field marked",
              "aria-invalid and the reason's id", r.text[-3000:])
        check("Opzet drie" in r.text, "what was written kept", "the text",
              r.text[-3000:])
        six = [("attachment", "f%d.txt" % i, "text/plain", b"x\n")
               for i in range(6)]
        r = self.work(self.client, aid, "Opzet drie", "save", files=six)
        eq(r.status, 413, "six files at once")
        check("hoogstens 5 bestanden" in r.text, "the reason", "at most 5",
              r.text[-2000:])
        r = self.work(self.client, aid, "Opzet drie", "save", files=six[:3])
        eq(r.status, 303, "three with the draft")
        r = self.work(self.client, aid, "Versie drie", files=six[:3])
        eq(r.status, 413, "three more when handing in")
        check("hoogstens 5 bestanden" in r.text, "the reason",
              "already attached included", r.text[-2000:])
        eq(self.sql_one("SELECT COUNT(*) FROM assignment_files"), before + 3,
           "only the three of the draft stored")
        # A file taken off the draft; one handed in stays.
        page = self.client.get("/assignments/%d" % aid).text
        mine = self.file_links(page, 'id="work"')
        eq(len(mine), 3, "the draft's three files")
        eq(self.coach.post("/assignment-files/%d/remove" % mine[0], {
            "csrf": self.coach.csrf()}).status, 403,
           "the professional takes nothing off")
        r = self.client.post("/assignment-files/%d/remove" % mine[0], {
            "csrf": self.client.csrf()})
        eq(r.status, 303, "the client takes a file off the draft")
        eq(self.client.get("/assignment-files/%d" % mine[0]).status, 404,
           "it is gone")
        r = self.client.post("/assignment-files/%d/remove" % txt, {
            "csrf": self.client.csrf()})
        eq(r.status, 409, "a file handed in")
        check("blijft erbij" in r.text, "the reason", "stays with its "
              "version", r.text[-2000:])
        eq(self.client.get("/assignment-files/%d" % txt).status, 200,
           "it is still there")
        eq(self.sql_one("SELECT COUNT(*) FROM assignment_files"), before + 2,
           "one of the draft's taken off")
        eq(self.sql_one("SELECT COUNT(*) FROM assignment_files WHERE "
                        "feedback_id IS NOT NULL"), 1, "the feedback's file")
        # The export lists every file, the draft's among them.
        x = self.client.get("/t/%d/export.json" % self.tid).json()
        mine = [a for a in x["assignments"] if a["id"] == aid][0]
        eq(sorted(f["name"] for f in mine["versions"][0]["attachments"]),
           ["notities.txt", "schets.png"], "the export's version 1 files")
        eq([f["name"] for f in mine["feedback"][0]["attachments"]],
           ["aantekeningen.pdf"], "the export's feedback file")
        eq(mine["versions"][1]["attachments"], [], "version 2's")
        eq(len(mine["draft"]["attachments"]), 2, "the draft's files")
        page = self.client.get("/t/%d/export" % self.tid).text
        for name in ("schets.png", "notities.txt", "aantekeningen.pdf"):
            check(name in page, "the export page", name, page[-3000:])
        # Every download in the access log.
        ids = ",".join(str(f) for f in v1 + fb)
        eq(self.sql_one("SELECT COUNT(*) FROM audit_log WHERE kind = "
                        "'assignment-file' AND detail = 'download' AND "
                        "outcome = 'success' AND object_id IN (%s)" % ids),
           5, "five downloads logged")
        check(self.sql_one("SELECT COUNT(*) FROM audit_log WHERE kind = "
                           "'assignment-file' AND detail = 'draft'") >= 2,
              "files saved with the draft logged", "two", "")

    def test_offer_and_templates(self):
        ids = []
        for title in ("Observeer een collega", "Lees een hoofdstuk"):
            r = self.coach.post("/org/assignment-templates", [
                ("csrf", self.coach.csrf()), ("title", title),
                ("instructions", "Zie de bijlage."), ("form", "observing"),
                ("tag", "reflector")])
            eq(r.status, 303, "a template added")
            ids.append(int(re.search(r"#tpl-(\d+)",
                                     r.header("location")).group(1)))
        page = self.coach.get("/org/assignment-templates").text
        check("Observeer een collega" in page, "the library lists it",
              "the title", page[-2000:])
        r = self.coach.post("/t/%d/assignments" % self.tid, [
            ("csrf", self.coach.csrf()), ("question", str(self.qid)),
            ("tpl", str(ids[0])), ("tpl", str(ids[1]))])
        eq(r.status, 303, "an offer of two")
        page = self.client.get("/t/%d/assignments" % self.tid).text
        offered = re.findall(r'On offer:</strong> <a href="/assignments/'
                             r'(\d+)">|Aangeboden:</strong> <a href='
                             r'"/assignments/(\d+)">', page)
        offered = [int(a or b) for a, b in offered]
        eq(len(offered), 2, "two on offer")
        r = self.client.post("/assignments/%d/choose" % offered[1],
                             {"csrf": self.client.csrf()})
        eq(r.status, 303, "the client chooses where to start")
        check("state-active" in self.client.get(
            "/assignments/%d" % offered[1]).text, "the choice is active",
            "active", "")
        check("state-offered" in self.client.get(
            "/assignments/%d" % offered[0]).text, "the other stays offered",
            "offered", "")
        r = self.client.post("/assignments/%d/choose" % offered[1],
                             {"csrf": self.client.csrf()})
        eq(r.status, 409, "choosing twice")
        r = self.work(self.client, offered[0], "Iets")
        eq(r.status, 409, "work on an assignment not chosen")

    def test_another_client_is_refused(self):
        aid = self.give_ok(self.tid, self.qid, "Alleen voor de eigen klant")
        for path in ("/assignments/%d" % aid,
                     "/t/%d/assignments" % self.tid):
            eq(self.other.get(path).status, 404, "another client GET " + path)
        r = self.work(self.other, aid, "Ingebroken")
        eq(r.status, 404, "another client hands in")
        r = self.other.post("/assignments/%d/steps" % aid, {
            "csrf": self.other.csrf(), "kind": "report", "body": "x"})
        eq(r.status, 404, "another client's step")
        # The professional may not hand in; the client may not give
        # feedback (the route's roles).
        eq(self.coach.post("/assignments/%d/steps" % aid, {
            "csrf": self.coach.csrf(), "kind": "report",
            "body": "x"}).status, 403, "a professional writes a step")
        eq(self.client.post("/assignments/%d/feedback" % aid, {
            "csrf": self.client.csrf(), "feedback": "x"}).status, 403,
           "a client gives feedback")
        page = self.client.get("/assignments/%d" % aid).text
        check("Ingebroken" not in page, "nothing changed", "no work", page)

    def test_bad_input_is_refused_with_reasons(self):
        # The demo's people read Dutch: the reasons are checked in it.
        cases = [
            ([("title", "")], 400, "Geef de opdracht een titel."),
            ([("title", "x" * 200)], 413, "langer dan 120 tekens"),
            ([("form", "dance")], 400, "Kies een werkvorm."),
            ([("tag", "sleeper")], 400, "leervoorkeuren"),
            ([("form", "questionnaire")], 400, "Noem de vragenlijst"),
            ([("due", "2001-01-01")], 400, "in het verleden"),
            ([("due", "morgen")], 400, "geen datum"),
        ]
        for extra, status, words in cases:
            base = {"csrf": self.coach.csrf(), "question": str(self.qid),
                    "title": "Goed", "instructions": "Doe iets.",
                    "form": "writing", "due": ""}
            base.update(dict(extra))
            r = self.coach.post("/t/%d/assignments" % self.tid,
                                list(base.items()))
            eq(r.status, status, "giving with %r" % extra)
            check(words in r.text, "the reason for %r" % extra, words,
                  r.text[-3000:])
        r = self.give(self.tid, self.qid2, "Vraag van een ander traject")
        eq(r.status, 400, "a question of another trajectory")
        check("leervragen van dit traject" in r.text, "the reason", "question",
              r.text[-2000:])
        aid = self.give_ok(self.tid, self.qid, "Schrijfopdracht")
        r = self.work(self.client, aid, "   ")
        eq(r.status, 400, "an empty hand-in")
        check("Schrijf je uitwerking" in r.text, "the reason", "empty",
              r.text[-2000:])
        r = self.work(self.client, aid, "Met bijlage",
                      files=[("attachment", "x.exe", "application/x-dos",
                              b"MZ\x90\x00\x03\x00\x00\x00")])
        eq(r.status, 415, "an attachment of a refused type")
        check("x.exe" in r.text and "niet wordt geaccepteerd" in r.text,
              "the reason names the file", "x.exe", r.text[-2000:])
        r = self.coach.post("/assignments/%d/feedback" % aid, {
            "csrf": self.coach.csrf(), "feedback": "Te vroeg"})
        eq(r.status, 409, "feedback with nothing handed in")
        check("Er wacht geen nieuwe versie op feedback" in r.text, "the reason",
              "nothing waits", r.text[-2000:])
        r = self.step(aid, "report", "Te vroeg")
        eq(r.status, 409, "a report before the experiment is handed in")
        check("Lever eerst het experiment in" in r.text, "the reason",
              "hand in first", r.text[-2000:])
        r = self.work(self.client, aid, "x" * (70 * 1024))
        eq(r.status, 413, "work over the limit")
        check("langer dan 64 KB" in r.text, "the reason", "64 KB",
              r.text[-2000:])

    def test_long_texts_go_through_the_forms(self):
        """The forms that take long texts carry the token in their action,
        so a body too large to hold the token is still accepted."""
        page = self.coach.get("/t/%d/assignments" % self.tid).text
        m = re.search(r'action="(/t/%d/assignments\?csrf=[^"]+)"' % self.tid,
                      page)
        check(m, "the give form's action", "with ?csrf=", page[-3000:])
        # The field too, as the browser sends it; where a large body's
        # own token is not waited for, the action's decides.
        r = self.coach.post(m.group(1).replace("&amp;", "&"), {
            "csrf": self.coach.csrf(),
            "question": str(self.qid), "title": "Lange instructies",
            "instructions": "Lees dit. " * 1400, "form": "reading"})
        eq(r.status, 303, "12 kB of instructions, the token in the action")

    def test_due_work_sends_a_content_free_reminder(self):
        """An assignment due within a day gets one reminder row for the
        client, which the outbox mails without a word of the assignment;
        one due far ahead gets none yet."""
        today = datetime.datetime.now(datetime.timezone.utc).date()
        self.smtp.clear()
        r = self.coach.post("/t/%d/assignments" % self.tid, {
            "csrf": self.coach.csrf(), "question": str(self.qid),
            "title": "Herinnering " + WORD, "instructions": "Geheim " + WORD,
            "form": "writing", "due": today.isoformat()})
        eq(r.status, 303, "an assignment due today")
        self.give_ok(self.tid, self.qid, "Ver weg")
        soon = "SELECT COUNT(*) FROM assignments WHERE reminded_at IS NOT " \
            "NULL AND due_at < %d" % (time.time() + 2 * 86400)
        end = time.time() + 75
        while time.time() < end and self.sql_one(soon) < 1:
            time.sleep(0.5)
        eq(self.sql_one(soon), 1, "the due assignment reminded")
        eq(self.sql_one("SELECT COUNT(*) FROM assignments WHERE reminded_at "
                        "IS NOT NULL AND due_at > %d" % (
                            time.time() + 2 * 86400)), 0,
           "the far one not yet")
        to = self.srv.users["client"][0]
        end = time.time() + 75
        mails = []
        while time.time() < end and not mails:
            mails = [m for m in self.smtp.messages() if to in mail_rcpt(m)]
            time.sleep(0.5)
        check(mails, "a mail to the client", to, self.smtp.messages())
        for m in mails:
            text = mail_text(m)
            check(WORD not in text and "Herinnering" not in text,
                  "the mail is content-free", "no title or instructions",
                  text)
