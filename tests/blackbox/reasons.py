"""
reasons.py - black-box tests that a refusal says why, in the domain's words,
next to the field at fault, with the status of the error (issue 8, "one way
to say why"), and that an attachment's name follows its content (issue 9,
finding 6).  Imported by run.py, which runs the class like the others.
"""
import datetime
import re
import uuid

from lib import Client, check, demo_logins, eq
from coaching import form_fields, new_thread, new_trajectory


def multipart(fields, files):
    """A multipart/form-data body: fields {name: value}, files [(field,
    filename, bytes)]."""
    boundary = "----infuus" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
                    "\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
    for field, name, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                    "filename=\"%s\"\r\nContent-Type: application/pdf\r\n\r\n"
                    % (boundary, field, name)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


class ReasonsMixin:
    """The Reasons suite (run.py mixes in Suite).  The demo's people read
    Dutch, so the reasons are checked in Dutch: translated, filled in."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        self.tid = new_trajectory(self.coach, self.client.me()["id"],
                                  "Redenen")
        self.thid = new_thread(self.coach, self.tid, "Begin", "Welkom.")

    def upload(self, who, body, files):
        token = who.csrf()
        data, ctype = multipart({"csrf": token, "body": body}, files)
        return who.request("POST", "/threads/%d/messages" % self.thid,
                           body=data, headers={"Content-Type": ctype,
                                               "X-CSRF-Token": token})

    def field_error(self, r, field):
        m = re.search(r'<span class="field-error" id="f-%s-error">([^<]*)'
                      % field, r.text)
        return m.group(1) if m else None

    def test_an_empty_message_says_so_next_to_the_body(self):
        r = self.client.post("/threads/%d/messages" % self.thid,
                             {"csrf": self.client.csrf(), "body": "  "})
        eq(r.status, 400, "an empty message")
        eq(self.field_error(r, "body"), "Schrijf een bericht.",
           "the reason next to the message field")

    def test_a_long_message_is_413_with_the_limit_in_its_unit(self):
        # A body this large carries its token in the header (or the form's
        # action), where it is checked before the body is read.
        token = self.client.csrf()
        r = self.client.post("/threads/%d/messages" % self.thid,
                             {"csrf": token, "body": "woorden " * 9000},
                             headers={"X-CSRF-Token": token})
        eq(r.status, 413, "a message over LIMIT_MESSAGE")
        eq(self.field_error(r, "body"),
           "Het bericht is groter dan 64 kB. Verdeel het over twee "
           "berichten.",
           "the reason names the limit in the unit it counts")

    def test_the_subject_limit_counts_characters(self):
        path = "/t/%d/threads" % self.tid
        r = self.coach.post(path, {"csrf": self.coach.csrf(),
                                   "subject": "\u00e9" * 200, "body": "x"})
        eq(r.status, 303, "a subject of 200 two-byte characters fits")
        r = self.coach.post(path, {"csrf": self.coach.csrf(),
                                   "subject": "\u00e9" * 201, "body": "x"})
        eq(r.status, 413, "201 characters do not")
        check("langer dan 200 tekens" in r.text,
              "the reason, in characters", "langer dan 200 tekens",
              r.text[:2000])

    def test_too_many_attachments_say_so_at_the_field(self):
        files = [("attachment", "n%d.txt" % i, b"tekst") for i in range(6)]
        r = self.upload(self.client, "Zes bijlagen.", files)
        eq(r.status, 413, "six attachments")
        eq(self.field_error(r, "attachments"),
           "Je kunt hoogstens 5 bestanden bij \u00e9\u00e9n bericht voegen.",
           "the reason next to the attachments field")

    def test_attachment_name_takes_the_extension_of_its_content(self):
        for name, content, want in (
                ("invoice.pdf.bat", b"echo dit is tekst", "invoice.pdf.txt"),
                ("page.html", b"<script>alert(1)</script>", "page.txt"),
                ("picture.svg", b"%PDF-1.4\n%%EOF\n", "picture.pdf")):
            r = self.upload(self.client, "Bijlage " + name,
                            [("attachment", name, content)])
            eq(r.status, 303, "the upload of " + name)
            page = self.client.get(r.header("location").split("#")[0]).text
            aids = re.findall(r'href="/attachments/(\d+)"', page)
            check(aids, "a link to the attachment", "/attachments/N",
                  page[:2000])
            got = self.client.get("/attachments/%s" % aids[-1])
            eq(got.status, 200, "the download of " + name)
            cd = got.header("content-disposition") or ""
            check(want in cd and not cd.endswith(name + '"'),
                  "the name sent back for " + name, want, cd)
            check(want in page, "the name shown on the page", want,
                  page[:3000])

    # --- one test per form family: the reason at its field (the reason's
    # span, aria-invalid and aria-describedby on the control, the notice at
    # the top), in Dutch, with the status of the error -------------------

    def reason(self, r, field, want, status, what, control_id=None):
        eq(r.status, status, what)
        eq(self.field_error(r, field), want, "the reason next to " + field)
        m = re.search(r'<(?:input|textarea|select)[^>]*\bid="%s"[^>]*>'
                      % re.escape(control_id or "f-" + field), r.text)
        control = m.group(0) if m else ""
        check('aria-invalid="true"' in control and
              re.search(r'aria-describedby="[^"]*\bf-%s-error\b'
                        % re.escape(field), control),
              "the control of " + field, "aria-invalid and "
              "aria-describedby naming the reason", control or r.text[:2000])
        check('<p class="notice notice-error" role="alert">%s</p>' % want
              in r.text, "the notice at the top", want, r.text[:2000])

    def test_trajectory_forms_say_why_at_the_field(self):
        f = form_fields(self.coach.get("/t/new").text, "/t")
        f["client"] = str(self.client.me()["id"])
        f["title"] = "\u00e9" * 201
        self.reason(self.coach.post("/t", f), "title",
                    "De titel is langer dan 200 tekens.", 413,
                    "a title over LIMIT_TRAJ_TITLE characters")
        f["title"] = "Goed"
        f["reply_hours"] = "nul"
        self.reason(self.coach.post("/t", f), "reply_hours",
                    "De reactietijd moet tussen 1 en 744 werkuren liggen.",
                    400, "a reply time that is no number")
        path = "/t/%d/promise" % self.tid
        f = form_fields(self.coach.get(path).text, path)
        f["tz"] = "Mars/Olympus_Mons"
        self.reason(self.coach.post(path, f), "tz",
                    "Deze tijdzone is onbekend. Gebruik een naam zoals "
                    "Europe/Amsterdam.", 400, "a promise in an unknown zone")
        self.reason(self.coach.post("/t/%d/questions" % self.tid, {
            "csrf": self.coach.csrf(), "question": " \n "}), "question",
            "Schrijf de leervraag op.", 400, "an empty learning question")
        self.reason(self.coach.post("/t/%d/phase" % self.tid, {
            "csrf": self.coach.csrf(), "phase": "closed"}), "confirm",
            "Afsluiten is definitief. Vink het vakje aan om te bevestigen "
            "dat je het traject wilt afsluiten.", 400,
            "closing without the tick")
        self.reason(self.coach.post("/t/%d/level" % self.tid, {
            "csrf": self.coach.csrf(), "level": "hoog"}), "level",
            "Kies een leesniveau.", 400, "a reading level the form does "
            "not offer")

    def test_account_forms_say_why_at_the_field(self):
        self.reason(self.client.post("/account", {
            "csrf": self.client.csrf(), "name": "  ", "lang": "nl"}),
            "name", "Vul je naam in.", 400, "a blank name")
        pw = self.srv.users["client"][1]
        self.reason(self.client.post("/account/password", {
            "csrf": self.client.csrf(), "current": pw, "password": "kort",
            "password2": "kort"}), "password",
            "Het wachtwoord moet minstens 12 tekens lang zijn.", 400,
            "a password under LIMIT_PASSWORD_MIN")
        self.reason(self.client.post("/account/password", {
            "csrf": self.client.csrf(), "current": pw,
            "password": "een-lang-wachtwoord-1",
            "password2": "een-ander-wachtwoord-2"}), "password2",
            "De twee wachtwoorden zijn niet hetzelfde.", 400,
            "two different new passwords")

    def test_admin_forms_say_why_at_the_field(self):
        admin = Client(self.srv)
        admin.login_ok(*self.srv.users["admin"])
        self.reason(admin.post("/org/invites", {
            "csrf": admin.csrf(), "email": "geen-adres", "role": "client"}),
            "email", "Vul een geldig e-mailadres in.", 400,
            "an invitation to what is no address")
        self.reason(admin.post("/org/invites", {
            "csrf": admin.csrf(), "email": "nieuw@example.org",
            "role": "koning"}), "role", "Kies een rol.", 400,
            "an invitation with no role")

    def test_login_forms_say_why(self):
        anon = Client(self.srv)
        anon.lang = "nl"
        r = anon.post("/login", {"csrf": anon.csrf(),
                                 "email": "niemand@example.org",
                                 "password": "niet-het-wachtwoord"})
        eq(r.status, 401, "a log-in that fails")
        check('<p class="notice notice-error" role="alert">Het e-mailadres '
              'of wachtwoord klopt niet.</p>' in r.text, "the notice",
              "says why, for the form as a whole", r.text[:2000])
        check("field-error" not in r.text, "the fields",
              "not which of the two was wrong", r.text[:2000])
        self.reason(anon.post("/reset/" + "x" * 43, {
            "csrf": anon.csrf(), "password": "een-lang-wachtwoord-1",
            "password2": "een-ander-wachtwoord-2"}), "password2",
            "De twee wachtwoorden zijn niet hetzelfde.", 400,
            "a reset with two different passwords")

    def test_more_time_says_why_at_the_field(self):
        r = self.client.post("/threads/%d/messages" % self.thid, {
            "csrf": self.client.csrf(), "body": "Ik wacht op antwoord."})
        eq(r.status, 303, "the client's message that waits")
        path = "/threads/%d/more-time" % self.thid
        self.reason(self.coach.post(path, {
            "csrf": self.coach.csrf(), "new_deadline": "2020-01-01T10:00",
            "note": "Later."}), "new_deadline",
            "Het nieuwe moment moet in de toekomst liggen.", 400,
            "a new moment in the past", control_id="f-new-deadline")
        soon = (datetime.datetime.now(datetime.timezone.utc) +
                datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        self.reason(self.coach.post(path, {
            "csrf": self.coach.csrf(), "new_deadline": soon, "note": " "}),
            "note", "Schrijf een kort bericht aan de cli\u00ebnt.", 400,
            "no note")
