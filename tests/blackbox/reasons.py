"""
reasons.py - black-box tests that a refusal says why, in the domain's words,
next to the field at fault, with the status of the error (issue 8, "one way
to say why"), and that an attachment's name follows its content (issue 9,
finding 6).  Imported by run.py, which runs the class like the others.
"""
import re
import uuid

from lib import Client, check, eq
from coaching import form_fields, location_id


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
        u = self.srv.users
        self.coach = Client(self.srv)
        self.coach.login_ok(*u["professional"])
        self.client = Client(self.srv)
        self.client.login_ok(*u["client"])
        page = self.coach.get("/t/new").text
        f = form_fields(page, "/t")
        f["client"] = str(self.client.me()["id"])
        f["title"] = "Redenen"
        self.tid = location_id(self.coach.post("/t", f), "/t/")
        r = self.coach.post("/t/%d/threads" % self.tid, {
            "csrf": self.coach.csrf(), "subject": "Begin",
            "body": "Welkom."})
        self.thid = location_id(r, "/threads/")

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
