"""
objects.py - what the object walk of run.py (Identity) aims at: the people
and trajectories whose ids other callers must not reach, and the route
listing's object kinds.  Imported by run.py.
"""
import datetime
import re
import secrets

from coaching import location_id, new_thread, new_trajectory
from lib import Failure, check, eq

# People of the trajectories the object walk aims at: a second coach and
# client in the demo organisation (another trajectory of the same
# organisation), and a coach and client of the other organisation.
SIBLING_COACH = ("sib.coach@demo.infuus.test", "sibling-coach-pass-1")
SIBLING_CLIENT = ("sib.client@demo.infuus.test", "sibling-client-pass-1")
ORG2_COACH = ("coach@other.infuus.test", "other-coach-pass-42")
ORG2_CLIENT = ("client@other.infuus.test", "other-client-pass-42")
# The route's object (`infuus routes`) and the path parameter holding its id.
OBJECT_PARAM = {"trajectory": "tid", "thread": "thid", "message": "mid",
                "attachment": "aid", "member": "uid", "chat": "cid",
                "appointment": "apid", "questionnaire": "qid", "diary": "did",
                "instrument": "ivid", "assignment": "asid",
                "assignment-file": "afid", "invoice": "inid",
                # issue 13: what a client shares with a stakeholder
                "shared-trajectory": "tid", "shared-appointment": "apid",
                "call": "callid", "media": "mdid",
                "module-library": "modid", "module": "rid",
                "library": "lid",
                # issue 13: invoicing a trajectory (also once closed)
                "billing": "tid",
                # issue 13: the closing report, and as a stakeholder
                # reads it
                "closing-report": "tid", "shared-report": "tid"}
# What the access log page calls each kind (English, Dutch).
KIND_WORDS = {"trajectory": ("a trajectory", "een traject"),
              "thread": ("a conversation", "een gesprek"),
              "message": ("a message", "een bericht"),
              "attachment": ("an attachment", "een bijlage"),
              "member": ("a membership", "een lidmaatschap"),
              "chat": ("a chat message", "een chatbericht"),
              "appointment": ("an appointment", "een afspraak"),
              "questionnaire": ("a questionnaire", "een vragenlijst"),
              "diary": ("a diary entry", "een dagboekstuk"),
              "instrument": ("a library questionnaire",
                             "een vragenlijst uit de bibliotheek"),
              "assignment": ("an assignment", "een opdracht"),
              "assignment-file": ("an assignment", "een opdracht"),
              "invoice": ("an invoice", "een factuur"),
              "shared-trajectory": ("what you share", "wat je deelt"),
              "shared-appointment": ("what you share", "wat je deelt"),
              "call": ("a call", "een beeld- of belgesprek"),
              "media": ("a media file", "een mediabestand"),
              "module": ("a self-help module", "een zelfhulpmodule"),
              "module-library": ("a module of the library",
                                 "een module uit de bibliotheek"),
              "library": ("a library item", "een bibliotheekitem"),
              "billing": ("pricing and invoices", "prijzen en facturen"),
              "closing-report": ("the closing report", "het eindverslag"),
              "shared-report": ("what you share", "wat je deelt")}
# A form that would change something if the route let it through.
SNEAKY_FORM = {"role": "admin", "email": "sneaky@x.test", "require_2fa": "1",
               "body": "sneaky", "subject": "sneaky", "phase": "closed",
               "confirm": "1", "question": "sneaky", "share": "1",
               "level": "simple", "user": "1", "note": "sneaky",
               "new_deadline": "2099-01-01T10:00", "draft": "sneaky"}


def multipart(fields, files):
    """A multipart/form-data body and its Content-Type: fields is a dict,
    files a list of (field, filename, type, bytes)."""
    boundary = "infuus-%s" % secrets.token_hex(12)
    out = []
    for k, v in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\""
                    "\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
    for field, name, typ, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                    "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n" % (
                        boundary, field, name, typ)).encode() + data +
                   b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def upload_media(who, name, data, tail=1500):
    """A media file uploaded to who's organisation: its id in the media
    list (the list's last tail characters shown when it is missing)."""
    body, ctype = multipart({"csrf": who.csrf()},
                            [("file", name, "application/octet-stream",
                              data)])
    r = who.request("POST", "/org/media?csrf=" + who.csrf(), body=body,
                    headers={"Content-Type": ctype})
    eq(r.status, 303, "uploading " + name)
    page = who.get("/org/media").text
    ids = [int(i) for i, n in
           re.findall(r'href="/media/(\d+)">([^<]*)<', page) if n == name]
    check(ids, "the media list", "names " + name, page[-tail:])
    return ids[0]


def make_trajectory(coach, client_uid, title, client=None):
    """A trajectory the coach opens for the client, with a thread and a
    message with an attachment, and (with the client's session) an
    assignment handed in with a file: the ids of each, by path
    parameter."""
    tid = new_trajectory(coach, client_uid, title)
    thid = new_thread(coach, tid, "Kennismaking", "Welkom in het traject.")
    body, ctype = multipart({"csrf": coach.csrf(), "body": "Zie de bijlage."},
                            [("attachment", "notes.txt", "text/plain",
                              b"Aantekeningen\n")])
    r = coach.request("POST", "/threads/%d/messages" % thid, body=body,
                      headers={"Content-Type": ctype})
    m = re.search(r"#m-(\d+)$", r.header("location") or "")
    if r.status != 303 or not m:
        raise Failure("a message with an attachment", "303 to the thread", r)
    mid = int(m.group(1))
    msgs = coach.get("/api/threads/%d" % thid).json()["messages"]
    att = [a["id"] for x in msgs if x["id"] == mid for a in x["attachments"]]
    if not att:
        raise Failure("the message's attachment", "listed in the thread",
                      msgs)
    r = coach.post("/t/%d/chat" % tid, {"csrf": coach.csrf(),
                                        "body": "Hallo in de chat."})
    cids = re.findall(r'id="c-(\d+)"', coach.get("/t/%d/chat" % tid).text)
    if r.status != 303 or not cids:
        raise Failure("a chat message", "303 and the message listed", r)
    # An appointment in it (appointments.py): the professional books a
    # free time ten days ahead.
    day = datetime.date.today() + datetime.timedelta(days=10)
    r = coach.post("/t/%d/appointments" % tid, {
        "csrf": coach.csrf(), "date": day.isoformat(), "time": "10:00",
        "minutes": "60", "kind": "phone", "location": ""})
    apid = location_id(r, "/appointments/")
    # An invoice (invoices.py): a fixed price, invoiced for today.
    r = coach.post("/t/%d/billing/contract" % tid, {
        "csrf": coach.csrf(), "kind": "fixed", "price": "100", "vat": "S21",
        "rounding": "1"})
    if r.status != 303:
        raise Failure("a contract", "303", r)
    today = datetime.date.today().isoformat()
    r = coach.post("/t/%d/invoices" % tid, {"csrf": coach.csrf(),
                                            "from": today, "to": today})
    inid = location_id(r, "/invoices/")
    # A call in it (calls.py): the professional starts it and is in.
    r = coach.post("/t/%d/call" % tid, {"csrf": coach.csrf(),
                                        "media": "video"})
    callid = location_id(r, "/calls/")
    ids = {"tid": tid, "thid": thid, "mid": mid, "aid": att[0],
           "cid": int(cids[-1]), "apid": apid, "inid": inid,
           "callid": callid}
    if client is not None:
        ids.update(make_assignment(coach, client, tid))
    return ids


def make_measures(coach, client, tid):
    """Issue 11's objects in the trajectory: a questionnaire the coach
    gives (a shipped one, so the organisation's library holds a version)
    and a private diary entry of the client: their ids by parameter."""
    r = coach.post("/t/%d/questionnaires" % tid, {
        "csrf": coach.csrf(), "instrument": "shipped:phq-9",
        "schedule": "once"})
    if r.status != 303:
        raise Failure("giving a questionnaire", "303", r)
    page = coach.get("/t/%d/measures" % tid).text
    qids = re.findall(r'href="/q/(\d+)/results"', page)
    lib = re.findall(r'href="/instruments/(\d+)"',
                     coach.get("/instruments").text)
    r = client.post("/t/%d/diary" % tid, {"csrf": client.csrf(),
                                          "body": "Privé."})
    dids = re.findall(r'action="/diary/(\d+)/share"',
                      client.get("/t/%d/diary" % tid).text)
    if r.status != 303 or not qids or not lib or not dids:
        raise Failure("a questionnaire, a library version and a diary "
                      "entry", "made", (qids, lib, dids))
    return {"qid": int(qids[-1]), "ivid": int(lib[0]), "did": int(dids[0])}


# The smallest PNG: a 1x1 image (media.py stores it too).
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44"
    "ae426082")


def make_media(coach):
    """A media file of the coach's organisation: {"mdid": id}."""
    body, ctype = multipart({"csrf": coach.csrf()},
                            [("file", "dot.png", "image/png", PNG_1x1)])
    r = coach.request("POST", "/org/media?csrf=" + coach.csrf(), body=body,
                      headers={"Content-Type": ctype})
    ids = re.findall(r'href="/media/(\d+)"', coach.get("/org/media").text)
    if r.status != 303 or not ids:
        raise Failure("a media file", "303 and the file listed", r)
    return {"mdid": int(ids[0])}


def make_library(coach):
    """An item of the coach's organisation's library, published and not
    shared (private to the organisation): {"lid": its id}."""
    lid = location_id(coach.post("/library", {
        "csrf": coach.csrf(), "title": "Eigen tekst", "summary": "Kort.",
        "body": "Alleen voor deze organisatie.", "tags": "",
        "audience": "clients", "lang": "nl", "level": ""}), "/library/")
    r = coach.post("/library/%d/publish" % lid, {"csrf": coach.csrf(),
                                                 "publish": "1"})
    if r.status != 303:
        raise Failure("publishing a library item", "303", r)
    return {"lid": lid}


def make_assignment(coach, client, tid):
    """A learning question, an assignment on it and the client's work
    handed in with a file: {"asid": ..., "afid": ...}."""
    r = coach.post("/t/%d/questions" % tid,
                   {"csrf": coach.csrf(), "question": "Wat wil ik leren?"})
    m = re.findall(r'id="q-(\d+)"',
                   coach.get("/t/%d/assignments" % tid).text)
    if r.status != 303 or not m:
        raise Failure("a learning question", "on the assignments page", r)
    r = coach.post("/t/%d/assignments" % tid, {
        "csrf": coach.csrf(), "question": m[-1], "title": "Oefening",
        "instructions": "Probeer het.", "form": "writing"})
    m = re.findall(r'href="/assignments/(\d+)"',
                   coach.get("/t/%d/assignments" % tid).text)
    if r.status != 303 or not m:
        raise Failure("an assignment", "on the assignments page", r)
    asid = int(m[-1])
    body, ctype = multipart({"csrf": client.csrf(), "body": "Gedaan.",
                             "action": "handin"},
                            [("attachment", "werk.txt", "text/plain",
                              b"Mijn werk\n")])
    r = client.request("POST", "/assignments/%d/work?csrf=%s" % (
        asid, client.csrf()), body=body, headers={"Content-Type": ctype})
    m = re.findall(r'href="/assignment-files/(\d+)"',
                   client.get("/assignments/%d" % asid).text)
    if r.status != 303 or not m:
        raise Failure("work handed in with a file", "a file link", r)
    return {"asid": asid, "afid": int(m[-1])}


def make_module(coach, tid):
    """A module of the coach's organisation, published and given to the
    trajectory: {"modid": ..., "rid": ...} (modules.py)."""
    r = coach.post("/modules", {"csrf": coach.csrf(), "title": "Rust"})
    if r.status != 303:
        raise Failure("a new module", "303", r)
    modid = int(r.header("location").rsplit("/", 1)[1])
    r = coach.post("/modules/%d?csrf=%s" % (modid, coach.csrf()), {
        "title": "Rust", "source": "@session Begin\n@page free Vraag\n"
        "Hoe gaat het?\n"})
    r2 = coach.post("/modules/%d/publish" % modid, {"csrf": coach.csrf()})
    r3 = coach.post("/t/%d/modules" % tid, {
        "csrf": coach.csrf(), "module": str(modid), "guided": "1",
        "timing": "all"})
    m = re.findall(r'href="/md/(\d+)"', coach.get("/t/%d/modules" % tid).text)
    if (r.status, r2.status, r3.status) != (303, 303, 303) or not m:
        raise Failure("a module saved, published and given", "303s and a "
                      "run", (r.status, r2.status, r3.status))
    return {"modid": modid, "rid": int(m[-1])}
