"""
measures.py - black-box tests of questionnaires, the diary and the mood
meter (issue 11) over real HTTP: giving a shipped questionnaire, filling it
in a step at a time (saved and resumed), scores with their band, the
reliable change, the SVG plot (xmllint) and the CSV; bad answers, answers
for another version or someone else's questionnaire; instrument files
refused with their line; the private diary; the mood meter; the client's
export; nothing stored in plain text.  Imported by run.py.
"""
import datetime
import os
import re
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse
import zoneinfo
from zoneinfo import ZoneInfo

from coaching import form_fields, location_id, new_trajectory, second_people
from lib import (Client, Sql, check, demo_logins, eq, mail_rcpt, mail_text,
                 not_in_plain_text)

CLIENT2 = ("measures.client2@demo.infuus.test", "measures-client2-pass-1")
COACH2 = ("measures.coach2@demo.infuus.test", "measures-coach2-pass-12")
ORG2_COACH = ("coach@measures-elsewhere.infuus.test", "elsewhere-coach-pass-1")
DIARY_WORD = "kolibriezwerfsteen"

# PHQ-9 answers with a total of 12 (moderate) and of 5 (mild)
PHQ_12 = [2, 2, 1, 1, 1, 2, 1, 1, 1]
PHQ_5 = [1, 1, 1, 1, 1, 0, 0, 0, 0]

GOOD = """infuus-instrument 1
id own-check
version 1
title nl: Eigen vragenlijst
title en: Own questionnaire
source: made in the test
licence: free
scale s 0 4
item q1 s
text q1 nl: Hoe gaat het?
text q1 en: How are you?
item q2 s reverse
text q2 nl: Hoe moe?
text q2 en: How tired?
score total sum q1 q2
"""


def any_in(text, *alts):
    """The page holds one of the alternatives (English or Dutch: pages
    follow the user's language)."""
    return any(a in text for a in alts)


def svg_of(page):
    m = re.search(r"<svg.*?</svg>", page, re.S)
    check(m is not None, "the page", "an inline SVG plot", page[-1500:])
    return m.group(0)


def xml_valid(svg, what):
    with tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False) as f:
        f.write(svg)
        path = f.name
    try:
        p = subprocess.run(["xmllint", "--noout", path], capture_output=True,
                           text=True)
    finally:
        os.unlink(path)
    eq(p.returncode, 0, what + " is well-formed XML (xmllint: %s)" %
       p.stderr.strip())
    check("<title" in svg and "<desc" in svg, what, "a title and a desc",
          svg[:400])


class MeasuresMixin(Sql):
    """Set-up and helpers for the Measures suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server_with_mail()
        self.coach, self.client = demo_logins(self.srv, "professional",
                                              "client")
        self.client_id = self.client.me()["id"]
        second_people(self.srv, CLIENT2, COACH2, ORG2_COACH, "m-elders")
        self.tid = new_trajectory(self.coach, self.client_id, "Metingen")
        self.qid = self.give("shipped:phq-9", "every", "7")

    def teardown(self):
        if getattr(self, "smtp", None):
            self.smtp.stop()

    def reminded(self, qid, secs):
        """When questionnaire qid was reminded, waiting up to secs."""
        deadline = time.time() + secs
        reminded = ""
        while time.time() < deadline and not reminded:
            reminded = self.sql_text("SELECT reminded_at FROM questionnaires "
                                     "WHERE id = %d" % qid)
            time.sleep(0.5)
        check(reminded != "", "questionnaire %d" % qid, "reminded",
              "not within %d s" % secs)
        return reminded

    def give(self, instrument, schedule="once", every="14", hours="24"):
        r = self.coach.post("/t/%d/questionnaires" % self.tid, {
            "csrf": self.coach.csrf(), "instrument": instrument,
            "schedule": schedule, "every": every, "hours": hours})
        eq(r.status, 303, "giving %s" % instrument)
        page = self.coach.get("/t/%d/measures" % self.tid).text
        ids = [int(x) for x in re.findall(r'href="/q/(\d+)/results"', page)]
        check(ids, "the questionnaires page", "a questionnaire", page[-2000:])
        return max(ids)

    def version_of(self, who, qid):
        page = who.get("/q/%d" % qid).text
        m = re.search(r'name="version" value="(\d+)"', page)
        check(m is not None, "the fill-in page", "its version", page[-2000:])
        return m.group(1)

    def answer_all(self, qid, values, go="finish"):
        form = {"csrf": self.client.csrf(), "version":
                self.version_of(self.client, qid), "all": "1", "go": go}
        for i, v in enumerate(values):
            form["a.q%d" % (i + 1)] = str(v)
        return self.client.post("/q/%d" % qid, form)

    # --- tests, in order ---------------------------------------------------

    def test_client_fills_in_a_step_at_a_time_and_resumes(self):
        # one item a page: the first question, with previous/next
        r = self.client.get("/q/%d" % self.qid)
        eq(r.status, 200, "the fill-in page")
        check(any_in(r.text, "Question 1 of 10", "Vraag 1 van 10"), "the first page",
              "question 1 of 10", r.text[-2000:])
        check(r.text.count('class="item"') == 1, "the first page",
              "one item", r.text.count('class="item"'))
        v = self.version_of(self.client, self.qid)
        r = self.client.post("/q/%d" % self.qid, {
            "csrf": self.client.csrf(), "version": v, "i": "0",
            "go": "next", "a.q1": "2"})
        eq(r.status, 303, "saving the first answer")
        check("i=1" in (r.header("location") or ""), "the redirect",
              "to the second item", r.header("location"))
        # resumed: the answer is still checked
        page = self.client.get("/q/%d?i=0" % self.qid).text
        check(re.search(r'name="a\.q1" id="a-0-2" value="2" checked', page),
              "the first item after saving", "answer 2 checked", page[-3000:])

    def test_finished_questionnaire_scores_with_band_and_plot(self):
        r = self.answer_all(self.qid, PHQ_12)
        eq(r.status, 303, "finishing the PHQ-9")
        page = self.client.get("/q/%d/results" % self.qid).text
        check("<strong>12</strong>" in page and
              ("Moderate" in page or "Matig" in page),
              "the results", "a total of 12, moderate", page[-3000:])
        xml_valid(svg_of(page), "the results plot")
        # the professional sees the same
        r = self.coach.get("/q/%d/results" % self.qid)
        eq(r.status, 200, "the professional's results page")
        check("Moderate" in r.text or "Matig" in r.text,
              "the professional's results",
              "the band", r.text[-2000:])

    def test_change_since_the_previous_result_with_rci(self):
        # "every 7 days" made it due later; a phase change does not make
        # it due, so give it again at once through a second questionnaire
        # of the same schedule is not needed: answer the same one again
        r = self.answer_all(self.qid, PHQ_5)
        eq(r.status, 303, "a second filling-in")
        page = self.client.get("/q/%d/results" % self.qid).text
        check(any_in(page, "Change since the previous result: -7",
                     "Verandering sinds het vorige resultaat: -7"),
              "the results", "a change of -7", page[-3000:])
        check(any_in(page, "reliably improved", "betrouwbaar verbeterd"), "the results",
              "a reliable improvement (RCI)", page[-3000:])
        csv = self.client.get("/q/%d/results.csv" % self.qid)
        eq(csv.status, 200, "the CSV")
        lines = csv.text.strip().splitlines()
        eq(lines[0], "completed_at,instrument,version,total",
           "the CSV's header")
        check(lines[1].endswith(",12") and lines[2].endswith(",5"),
              "the CSV's rows", "12 then 5", lines)

    def test_bad_answers_are_refused_with_a_reason(self):
        v = self.version_of(self.client, self.qid)
        r = self.client.post("/q/%d" % self.qid, {
            "csrf": self.client.csrf(), "version": v, "i": "0",
            "go": "next", "a.q1": "7"})
        eq(r.status, 400, "an answer off the scale")
        check(any_in(r.text, "not one of the choices", "geen van de keuzes"), "the refusal",
              "says the answer is not a choice", r.text[-2000:])
        r = self.client.post("/q/%d" % self.qid, {
            "csrf": self.client.csrf(), "version": v, "i": "0",
            "go": "next", "a.q1": "-"})
        eq(r.status, 400, "rather not answer where the PHQ-9 has none")
        r = self.client.post("/q/%d" % self.qid, {
            "csrf": self.client.csrf(), "version": str(int(v) + 1000),
            "i": "0", "go": "next", "a.q1": "1"})
        eq(r.status, 409, "answers for another version")
        check(any_in(r.text, "another version", "andere versie"), "the refusal",
              "names the other version", r.text[-2000:])
        r = self.client.post("/q/%d" % self.qid, {
            "csrf": self.client.csrf(), "version": v, "i": "0",
            "go": "next", "a.nosuch": "1"})
        eq(r.status, 400, "an answer to an item the version lacks")
        r = self.answer_all(self.qid, PHQ_12[:3])
        eq(r.status, 400, "finishing with unanswered items")
        check(any_in(r.text, "still unanswered", "nog niet beantwoord"), "the refusal",
              "says items are unanswered", r.text[-2000:])

    def test_someone_elses_questionnaire_is_not_found(self):
        other = Client(self.srv)
        other.login_ok(*CLIENT2)
        for path in ("/q/%d" % self.qid, "/q/%d/results" % self.qid,
                     "/q/%d/results.csv" % self.qid):
            eq(other.get(path).status, 404, "another client: " + path)
        r = other.post("/q/%d" % self.qid, {
            "csrf": other.csrf(), "version": "1", "a.q1": "1", "go": "next"})
        eq(r.status, 404, "another client answering")
        coach2 = Client(self.srv)
        coach2.login_ok(*COACH2)
        eq(coach2.get("/q/%d/results" % self.qid).status, 404,
           "a professional outside the trajectory")
        far = Client(self.srv)
        far.login_ok(*ORG2_COACH)
        eq(far.get("/q/%d/results" % self.qid).status, 404,
           "a professional of another organisation")
        # the professional does not fill in for the client
        eq(self.coach.get("/q/%d" % self.qid).status, 403,
           "the professional on the fill-in page")

    def test_instrument_files_refused_with_line_and_reason(self):
        bad = GOOD.replace("item q2 s reverse", "item q2 t reverse")
        r = self.coach.post("/instruments", {
            "csrf": self.coach.csrf(), "text": bad, "go": "save"})
        eq(r.status, 400, "a file with an unknown scale")
        alert = re.search(r'role="alert".*?</div>', r.text, re.S)
        alert = alert.group(0) if alert else r.text[-3000:]
        check(any_in(alert, "Line 12:", "Regel 12:") and
              any_in(alert, "no scale", "geen schaal"),
              "the refusal", "line 12 and the reason", alert)
        r = self.coach.post("/instruments", {
            "csrf": self.coach.csrf(), "text": GOOD, "go": "preview"})
        eq(r.status, 200, "a preview")
        check("How are you?" in r.text or "Hoe gaat het?" in r.text,
              "the preview", "the items", r.text[-3000:])
        r = self.coach.post("/instruments", {
            "csrf": self.coach.csrf(), "text": GOOD, "go": "save"})
        vid = location_id(r, "/instruments/")
        r = self.coach.post("/instruments", {
            "csrf": self.coach.csrf(), "text": GOOD.replace("How are you?",
                                                            "How do you do?"),
            "go": "save"})
        vid2 = location_id(r, "/instruments/")
        check(vid2 != vid, "a changed file", "a new version", vid2)
        page = self.coach.get("/instruments/%d" % vid2).text
        check(any_in(page, "version 2", "versie 2"), "the version page", "version 2",
              page[-2000:])
        # a questionnaire stays with the version it was given
        qid = self.give(str(vid))
        page = self.client.get("/q/%d?all=1" % qid).text
        check("How are you?" in page or "Hoe gaat het?" in page,
              "the questionnaire of version 1", "version 1's text",
              page[-2000:])
        # the client does not reach the library
        eq(self.client.get("/instruments/%d" % vid).status, 403,
           "the client on the library")
        far = Client(self.srv)
        far.login_ok(*ORG2_COACH)
        eq(far.get("/instruments/%d" % vid).status, 404,
           "another organisation's library")

    def status_of(self, who, qid):
        """The questionnaire's row on the questionnaires page."""
        page = who.get("/t/%d/measures" % self.tid).text
        for row in re.findall(r"<tr>.*?</tr>", page, re.S):
            if 'href="/q/%d/results"' % qid in row:
                return row
        return ""

    def test_phase_change_makes_a_questionnaire_due_again(self):
        qid = self.give("shipped:who-5", "phase")
        check(any_in(self.status_of(self.client, qid), "To fill in",
                     "In te vullen"), "a new questionnaire", "due",
              self.status_of(self.client, qid))
        r = self.answer_all(qid, [3, 3, 3, 3, 3])
        eq(r.status, 303, "finishing the WHO-5")
        check(any_in(self.status_of(self.client, qid), "Not due",
                     "Nu niet aan de beurt"), "after finishing", "not due",
              self.status_of(self.client, qid))
        page = self.client.get("/q/%d/results" % qid).text
        check("<strong>60</strong>" in page, "the WHO-5 result",
              "raw 15 x 4 = 60", page[-2500:])
        r = self.coach.post("/t/%d/phase" % self.tid, {
            "csrf": self.coach.csrf(), "phase": "working"})
        eq(r.status, 303, "the phase change")
        check(any_in(self.status_of(self.client, qid), "To fill in",
                     "In te vullen"), "after the phase change", "due again",
              self.status_of(self.client, qid))

    def test_rather_not_answer_where_the_instrument_allows_it(self):
        qid = self.give("shipped:coaching-self")
        page = self.client.get("/q/%d" % qid).text
        check('value="-"' in page, "the coaching self-assessment",
              "a 'rather not answer' choice", page[-2000:])
        form = {"csrf": self.client.csrf(), "version":
                self.version_of(self.client, qid), "all": "1",
                "go": "finish", "a.goal1": "5", "a.goal2": "4",
                "a.goal3": "-", "a.eff1": "2", "a.eff2": "3", "a.eff3": "5",
                "a.act1": "4", "a.act2": "4", "a.support": "0"}
        eq(self.client.post("/q/%d" % qid, form).status, 303,
           "finishing with one declined")
        csv = self.client.get("/q/%d/results.csv" % qid).text
        eq(csv.splitlines()[0],
           "completed_at,instrument,version,goal,efficacy,action,total",
           "the CSV's header")
        # goal: (5 + 4) / 2 = 4.5 prorated; efficacy (2 + 3 + 1) / 3 = 2
        row = csv.splitlines()[1].split(",")
        eq(row[3:6], ["4.5", "2", "4"], "the subscales")

    def test_instrument_upload_as_a_file(self):
        from objects import multipart
        text = GOOD.replace("own-check", "uploaded-one")
        body, ctype = multipart({"csrf": self.coach.csrf()},
                                [("file", "mine.txt", "text/plain",
                                  text.encode())])
        r = self.coach.request("POST", "/instruments/upload?csrf=" +
                               self.coach.csrf(), body=body,
                               headers={"Content-Type": ctype})
        location_id(r, "/instruments/")
        bad = text.replace("licence: free\n", "")
        body, ctype = multipart({"csrf": self.coach.csrf()},
                                [("file", "bad.txt", "text/plain",
                                  bad.encode())])
        r = self.coach.request("POST", "/instruments/upload", body=body,
                               headers={"Content-Type": ctype})
        eq(r.status, 400, "a file without a licence")
        check(any_in(r.text, "licence", "licentie"), "the refusal",
              "names the missing licence", r.text[-2000:])

    def builder_form(self, page):
        """The builder's form fields (the action carries the token)."""
        m = re.search(r'action="(/instrument-builder\?csrf=[^"]*)"', page)
        check(m is not None, "the builder page", "its form", page[-2000:])
        return form_fields(page, m.group(1).replace("&amp;", "&"))

    def press(self, fields, op, status=200):
        """Post the whole builder form with the button op pressed."""
        f = dict(fields)
        f["op"] = op
        r = self.coach.request(
            "POST", "/instrument-builder?csrf=" + self.coach.csrf(),
            body=urllib.parse.urlencode(f).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        if r.status != status:
            m = re.search(r'role="alert".*?</div>', r.text, re.S)
            eq(r.status, status, "the builder's button %s (%s)" % (
                op, m.group(0) if m else r.text[-1500:]))
        return r

    def test_builder_makes_a_questionnaire_a_client_answers(self):
        r = self.coach.get("/instrument-builder")
        eq(r.status, 200, "the builder")
        f = self.builder_form(r.text)
        eq((f["ns"], f["ni"], f["nc"]), ("1", "1", "1"),
           "a new questionnaire's scales, items and scores")
        f.update({"b.id": "built-three", "b.title.nl": "Gebouwd",
                  "b.title.en": "Built", "b.source": "the test",
                  "b.licence": "free", "s.0.id": "often",
                  "s.0.l0.nl": "Nooit", "s.0.l0.en": "Never",
                  "s.0.l4.nl": "Altijd", "s.0.l4.en": "Always"})
        # add three items, remove the last: a round trip each
        for n in (2, 3, 4):
            f = self.builder_form(self.press(f, "add-item").text)
            eq(f["ni"], str(n), "items after adding one")
        check(f.get("i.3.id") == "q4", "the fourth item", "named q4", f)
        f = self.builder_form(self.press(f, "rm-item.3").text)
        eq(f["ni"], "3", "items after removing one")
        check("i.3.id" not in f, "the form", "no fourth item", f)
        texts = [("Ik slaap goed", "I sleep well"),
                 ("Ik pieker", "I worry"),
                 ("Ik beweeg", "I exercise")]
        for i, (nl, en) in enumerate(texts):
            f["i.%d.nl" % i] = nl
            f["i.%d.en" % i] = en
        f["i.1.rev"] = "1"
        # moving an item takes its texts, flags and scores along
        f["c.0.i2"] = "1"
        f = self.builder_form(self.press(f, "up-item.2").text)
        eq((f["i.1.id"], f["i.1.en"], f["i.2.id"], f.get("i.2.rev")),
           ("q3", "I exercise", "q2", "1"), "the items after moving q3 up")
        check(f.get("c.0.i1") == "1" and "c.0.i2" not in f, "the total",
              "counting q3 in its new place", f)
        f = self.builder_form(self.press(f, "down-item.1").text)
        eq((f["i.1.id"], f["i.2.id"]), ("q2", "q3"), "moved back down")
        # the total of the three, a subscale of the first two, cut-offs
        f.update({"c.0.i0": "1", "c.0.i1": "1", "c.0.i2": "1",
                  "c.0.nl": "Totaal", "c.0.en": "Total", "c.0.higher": "1",
                  "c.0.k0.from": "0", "c.0.k0.nl": "Laag",
                  "c.0.k0.en": "Low"})
        f = self.builder_form(self.press(f, "add-score").text)
        eq(f["nc"], "2", "scores after adding one")
        f.update({"c.0.k1.from": "6", "c.0.k1.nl": "Hoog",
                  "c.0.k1.en": "High", "c.1.id": "sleep",
                  "c.1.nl": "Slaap", "c.1.en": "Sleep", "c.1.i0": "1",
                  "c.1.i1": "1"})
        r = self.press(f, "check")
        check("I worry" in r.text or "Ik pieker" in r.text, "the preview",
              "the items", r.text[-3000:])
        f = self.builder_form(r.text)
        # bad input is refused at its field, the form kept
        bad = dict(f)
        bad["i.2.en"] = ""
        r = self.press(bad, "save", 400)
        check(re.search(r'id="f-i\.2\.en"[^>]*aria-invalid="true"', r.text)
              and 'id="f-i.2.en-error"' in r.text, "the refusal",
              "next to the third item's English text", r.text[-4000:])
        eq(self.builder_form(r.text)["i.0.en"], "I sleep well",
           "the form kept after a refusal")
        bad = dict(f)
        bad["s.0.max"] = "x"
        r = self.press(bad, "save", 400)
        check('id="f-s.0.min-error"' in r.text, "a scale's bad end",
              "refused at the scale", r.text[-4000:])
        bad = dict(f)
        for k in ("c.1.i0", "c.1.i1"):
            del bad[k]
        r = self.press(bad, "save", 400)
        check('id="f-c.1.items-error"' in r.text, "a subscale of no items",
              "refused at its items", r.text[-4000:])
        r = self.press(f, "save", 303)
        vid = location_id(r, "/instruments/")
        # the client answers: 3, 1 reversed (0-4: 3), 2
        qid = self.give(str(vid))
        r = self.answer_all(qid, [3, 1, 2])
        eq(r.status, 303, "the client finishing the built questionnaire")
        page = self.client.get("/q/%d/results" % qid).text
        check("<strong>8</strong>" in page and any_in(page, "High", "Hoog"),
              "the total", "8, high", page[-3000:])
        check("<strong>6</strong>" in page and any_in(page, "Sleep", "Slaap"),
              "the subscale", "6", page[-3000:])
        # opened again in the builder: the same, saved as version 2
        r = self.coach.get("/instruments/%d/builder" % vid)
        eq(r.status, 200, "the builder on a saved version")
        g = self.builder_form(r.text)
        eq((g["b.id"], g["i.1.rev"], g["c.1.i1"], g["c.0.k1.en"],
            g["c.0.k1.from"], g.get("c.0.higher"), g.get("c.1.higher"),
            g["b.version"]),
           ("built-three", "1", "1", "High", "6", "1", None, "2"),
           "the saved questionnaire in the builder")
        g["i.2.en"] = "I move"
        vid2 = location_id(self.press(g, "save", 303), "/instruments/")
        page = self.coach.get("/instruments/%d" % vid2).text
        check(any_in(page, "version 2", "versie 2"), "the builder's save",
              "version 2", page[-2000:])
        # the PHQ-9 states its reliability, which the form does not show:
        # it is not opened in the builder (saving would drop it)
        lib = self.coach.get("/instruments").text
        m = re.search(r'href="/instruments/(\d+)">phq-9<', lib)
        check(m is not None, "the library", "the PHQ-9", lib[-2000:])
        r = self.coach.get("/instruments/%s/builder" % m.group(1))
        eq(r.status, 200, "the builder on the PHQ-9")
        check("/instrument-builder?csrf=" not in r.text and
              any_in(r.text, "change it as text", "wijzig hem als tekst"),
              "the PHQ-9 in the builder", "sent to the text instead",
              r.text[-2000:])
        # nobody else opens it
        eq(self.client.get("/instruments/%d/builder" % vid).status, 403,
           "the client on the builder")
        far = Client(self.srv)
        far.login_ok(*ORG2_COACH)
        eq(far.get("/instruments/%d/builder" % vid).status, 404,
           "another organisation's questionnaire in the builder")

    def test_builder_counts_are_bounded(self):
        f = self.builder_form(self.coach.get("/instrument-builder").text)
        f["ns"] = "16"
        r = self.press(f, "add-scale", 413)
        check('id="f-b-scales-error"' in r.text and
              any_in(r.text, "at most 16 answer scales",
                     "hoogstens 16 antwoordschalen"),
              "a seventeenth scale", "refused with the limit",
              r.text[-3000:])
        # a questionnaire of the most items, all in a total and a
        # subscale, fits the form's field limit and checks in one trip
        f = {"ns": "1", "ni": "200", "nc": "2", "b.version": "1",
             "b.id": "long-one", "b.title.nl": "Lang", "b.title.en": "Long",
             "b.source": "the test", "b.licence": "free", "s.0.id": "s",
             "s.0.min": "0", "s.0.max": "10", "c.0.id": "total",
             "c.1.id": "half"}
        for k in range(11):
            f["s.0.l%d.nl" % k] = "punt %d" % k
            f["s.0.l%d.en" % k] = "point %d" % k
        for i in range(200):
            f.update({"i.%d.id" % i: "q%d" % (i + 1), "i.%d.scale" % i: "0",
                      "i.%d.nl" % i: "Vraag %d" % i,
                      "i.%d.en" % i: "Question %d" % i,
                      "c.0.i%d" % i: "1"})
            if i % 2:
                f["c.1.i%d" % i] = "1"
        t = time.monotonic()
        r = self.press(f, "check", 200)
        check("Question 199" in r.text or "Vraag 199" in r.text,
              "a 200-item questionnaire", "checked and previewed",
              r.text[-1500:])
        check(time.monotonic() - t < 10, "checking 200 items",
              "within 10 s", time.monotonic() - t)
        f = self.builder_form(r.text)
        eq(f["ni"], "200", "the 200 items kept")
        f["ni"] = "200"
        r = self.press(f, "add-item", 413)

    def test_diary_is_private_until_shared(self):
        r = self.client.post("/t/%d/diary" % self.tid, {
            "csrf": self.client.csrf(), "body": "Vandaag " + DIARY_WORD})
        eq(r.status, 303, "a diary entry")
        page = self.client.get("/t/%d/diary" % self.tid).text
        check(DIARY_WORD in page, "the client's diary", "the entry",
              page[-2000:])
        m = re.search(r'action="/diary/(\d+)/share"', page)
        check(m is not None, "the entry", "a share button", page[-2000:])
        did = int(m.group(1))
        page = self.coach.get("/t/%d/diary" % self.tid).text
        check(DIARY_WORD not in page, "the professional's diary view",
              "no private entry", page[-2000:])
        eq(self.coach.post("/diary/%d/share" % did,
                           {"csrf": self.coach.csrf()}).status, 403,
           "the professional sharing the client's entry")
        r = self.client.post("/diary/%d/share" % did,
                             {"csrf": self.client.csrf()})
        eq(r.status, 303, "sharing")
        page = self.coach.get("/t/%d/diary" % self.tid).text
        check(DIARY_WORD in page, "the professional's diary view",
              "the shared entry", page[-2000:])
        r = self.client.post("/t/%d/diary" % self.tid, {
            "csrf": self.client.csrf(), "body": "   "})
        eq(r.status, 400, "an empty entry")

    def test_mood_meter_and_its_plot(self):
        r = self.client.post("/t/%d/mood" % self.tid, {
            "csrf": self.client.csrf(), "mood": "7", "tags": "sleep work",
            "note": "goed geslapen"})
        eq(r.status, 303, "a mood")
        for by in ("day", "week", "month"):
            page = self.client.get("/t/%d/mood?by=%s" % (self.tid, by)).text
            xml_valid(svg_of(page), "the mood plot by " + by)
            check(">7<" in page, "the mood table by " + by, "the 7",
                  page[-2000:])
        page = self.coach.get("/t/%d/mood" % self.tid).text
        check("sleep work" in page, "the professional's mood page",
              "the tags", page[-2000:])
        for bad in ({"mood": "11"}, {"mood": "5", "tags": "<b>"}):
            form = {"csrf": self.client.csrf()}
            form.update(bad)
            eq(self.client.post("/t/%d/mood" % self.tid, form).status, 400,
               "a bad mood %r" % bad)
        eq(self.coach.post("/t/%d/mood" % self.tid, {
            "csrf": self.coach.csrf(), "mood": "5"}).status, 403,
           "the professional writing a mood")
        r = self.client.post("/t/%d/mood/reminders" % self.tid, {
            "csrf": self.client.csrf(), "times": "09:00 21:30"})
        eq(r.status, 303, "reminder times")
        page = self.client.get("/t/%d/mood" % self.tid).text
        check('value="09:00 21:30"' in page, "the reminder times",
              "kept", page[-1500:])
        r = self.client.post("/t/%d/mood/reminders" % self.tid, {
            "csrf": self.client.csrf(), "times": "25:00"})
        eq(r.status, 400, "a time that does not exist")

    def test_mood_plot_marks_diary_entries(self):
        """The mood plot marks diary entries (dashed lines, class "mark"):
        the client's own, private ones too; the professional's only the
        shared ones."""
        def marks(who):
            page = who.get("/t/%d/mood" % self.tid).text
            xml_valid(svg_of(page), "the mood plot")
            return svg_of(page).count('class="mark"')

        eq(self.client.post("/t/%d/mood" % self.tid, {
            "csrf": self.client.csrf(), "mood": "6"}).status, 303, "a mood")
        eq(self.client.post("/t/%d/diary" % self.tid, {
            "csrf": self.client.csrf(), "body": "Tussen twee stemmingen"
        }).status, 303, "a private diary entry")
        eq(self.client.post("/t/%d/mood" % self.tid, {
            "csrf": self.client.csrf(), "mood": "8"}).status, 303, "a mood")
        own, pro = marks(self.client), marks(self.coach)
        check(own >= 1 and own == pro + 1, "the private entry marked",
              "for the client alone", (own, pro))
        page = self.client.get("/t/%d/diary" % self.tid).text
        did = max(int(x) for x in
                  re.findall(r'action="/diary/(\d+)/share"', page))
        eq(self.client.post("/diary/%d/share" % did, {
            "csrf": self.client.csrf()}).status, 303, "shared")
        eq(marks(self.coach), own, "the shared entry marked for the "
           "professional")

    def test_mood_as_a_face(self):
        # five faces, each a radio button with its words; the emoji is
        # decoration; a face is stored as 2, 4, 6, 8 or 10
        page = self.client.get("/t/%d/mood" % self.tid).text
        faces = re.findall(r'<input type="radio" name="face" id="face-(\d)" '
                           r'value="(\d)"> <label for="face-\1"><span '
                           r'class="face" aria-hidden="true">[^<]+</span> '
                           r'[^<]+</label>', page)
        eq(len(faces), 5, "the faces with their labels")
        r = self.client.post("/t/%d/mood" % self.tid, {
            "csrf": self.client.csrf(), "face": "4", "note": "face-four"})
        eq(r.status, 303, "a mood as a face")
        page = self.client.get("/t/%d/mood" % self.tid).text
        check(": 8 face-four" in page, "the mood page", "face 4 shown as 8",
              page[-2000:])
        # a number chosen as well counts instead of the face
        r = self.client.post("/t/%d/mood" % self.tid, {
            "csrf": self.client.csrf(), "face": "5", "mood": "3",
            "note": "face-and-number"})
        eq(r.status, 303, "a face and a number")
        page = self.client.get("/t/%d/mood" % self.tid).text
        check(": 3 face-and-number" in page, "the mood page",
              "the number counted", page[-2000:])
        for bad in ({"face": "6"}, {"face": "0"}, {"face": "x"}, {}):
            form = {"csrf": self.client.csrf()}
            form.update(bad)
            eq(self.client.post("/t/%d/mood" % self.tid, form).status, 400,
               "a bad face %r" % bad)

    def test_export_holds_answers_and_entries(self):
        r = self.client.get("/t/%d/export.json" % self.tid)
        eq(r.status, 200, "the client's export")
        m = r.json().get("measures") or {}
        check(len(m.get("questionnaires", [])) >= 2, "the export",
              "the questionnaires' answers", m)
        check(any(DIARY_WORD in d["text"] for d in m.get("diary", [])),
              "the export", "the diary", m.get("diary"))
        check(len(m.get("moods", [])) >= 1, "the export", "the moods", m)

    def test_nothing_in_plain_text(self):
        not_in_plain_text(self.srv, "diary_entries", "body", DIARY_WORD, (
            (DIARY_WORD.encode(), "the diary"),
            (b"goed geslapen", "the mood note")))

    def test_access_log_names_the_accesses(self):
        q = ("SELECT kind || ':' || action FROM audit_log WHERE kind IN "
             "('questionnaire', 'diary', 'mood') AND client_id = %d"
             % self.client_id)
        if self.backend != "sqlite":
            got = self.pg.sql(q)
        else:
            con = sqlite3.connect(self.srv.sqlite_path(), timeout=10)
            got = "\n".join(r[0] for r in con.execute(q))
            con.close()
        for want in ("questionnaire:C", "questionnaire:U", "questionnaire:R",
                     "questionnaire:E", "diary:C", "diary:R", "diary:U",
                     "mood:C", "mood:R"):
            check(want in got, "the access log", want, got)

    def test_due_questionnaire_reminds_the_client_without_content(self):
        # the outbox's batch (every 30 s) first adds the reminders that
        # fell due: a questionnaire given and not yet filled in
        qid = self.give("shipped:gad-7")
        # and a mood reminder at a time of day just passed on the
        # client's clock (the zone the page names, not UTC)
        page = self.client.get("/t/%d/mood" % self.tid).text
        zone = re.search(r"(?:clock|klok) in ([A-Za-z_/+-]+)", page)
        check(zone is not None, "the mood page", "the reminders' zone",
              page[-1500:])
        t = datetime.datetime.fromtimestamp(
            time.time() - 60, zoneinfo.ZoneInfo(zone.group(1))).timetuple()
        mood_too = t.tm_hour * 60 + t.tm_min >= 1
        if mood_too:
            r = self.client.post("/t/%d/mood/reminders" % self.tid, {
                "csrf": self.client.csrf(),
                "times": "%02d:%02d" % (t.tm_hour, t.tm_min)})
            eq(r.status, 303, "a reminder time")
        reminded = self.reminded(qid, 75)
        n = self.sql_text("SELECT COUNT(*) FROM notifications WHERE "
                          "user_id = %d AND created_at = %s"
                          % (self.client_id, reminded))
        check(n not in ("", "0"), "the notifications", "one for the client",
              n)
        if mood_too:
            last = self.sql_text("SELECT last_at FROM mood_reminders WHERE "
                                 "trajectory_id = %d" % self.tid)
            check(last != "", "the mood reminder", "sent", "not yet")
        # the mail says only that there is something new
        client_email = self.srv.users["client"][0]
        got = None
        for m in self.smtp.wait(1, timeout=20):
            if client_email in mail_rcpt(m):
                got = m
        check(got is not None, "the mails", "a mail to the client",
              [mail_rcpt(m) for m in self.smtp.messages()])
        text = mail_text(got)
        for word in ("GAD", "Anxiety", "questionnaire", "vragenlijst"):
            check(word not in text, "the reminder", "no content (%s)" % word,
                  text)

    def test_questionnaire_before_each_appointment(self):
        # the hours are checked, with the reason
        r = self.coach.post("/t/%d/questionnaires" % self.tid, {
            "csrf": self.coach.csrf(), "instrument": "shipped:who-5",
            "schedule": "before", "hours": "0"})
        eq(r.status, 400, "0 hours before")
        check(any_in(r.text, "from 1 to 336", "van 1 tot en met 336"),
              "the refusal", "the allowed hours", r.text[-3000:])
        qid = self.give("shipped:who-5", "before", hours="2")
        row = self.status_of(self.coach, qid)
        check(any_in(row, "2 hours before each appointment",
                     "2 uur voor elke afspraak"), "the questionnaire",
              "its schedule", row)
        check(any_in(self.status_of(self.client, qid), "Not due",
                     "Nu niet aan de beurt"), "before any appointment",
              "not due", self.status_of(self.client, qid))
        # an appointment whose moment (two hours before its start) comes
        # within the minute; the reminder pass before an outbox batch
        # makes the questionnaire due and tells the client
        tok = self.coach.csrf()
        r = self.coach.post("/calendar/hours", {
            "csrf": tok, "schedule": "mon-sun 00:00-24:00", "exceptions": "",
            "slot_minutes": "60", "buffer_before": "0", "buffer_after": "0",
            "late_hours": "24", "clients_book": "1"})
        eq(r.status, 303, "the coach's hours")
        start = (int(time.time() + 5) // 60 + 1) * 60 + 7200
        d = datetime.datetime.fromtimestamp(start,
                                            ZoneInfo("Europe/Amsterdam"))
        r = self.coach.post("/t/%d/appointments" % self.tid, {
            "csrf": tok, "date": d.date().isoformat(),
            "time": d.strftime("%H:%M"), "minutes": "30", "kind": "phone",
            "location": ""})
        eq(r.status, 303, "booking the appointment")
        reminded = self.reminded(qid, 110)
        eq(self.sql_text("SELECT due_at FROM questionnaires WHERE id = %d"
                         % qid), str(start - 7200), "due two hours before")
        n = self.sql_text("SELECT COUNT(*) FROM notifications WHERE "
                          "user_id = %d AND created_at = %s"
                          % (self.client_id, reminded))
        check(n not in ("", "0"), "the notifications", "one for the client",
              n)
        check(any_in(self.status_of(self.client, qid), "To fill in",
                     "In te vullen"), "at the moment", "due",
              self.status_of(self.client, qid))
