"""
media.py - black-box tests of issue 12's media files over real HTTP: a
professional uploads a sound of three chunks, every range form a player
sends comes back right (first bytes, across a chunk boundary, the last N,
open-ended, past the end: 416), If-Range and If-None-Match, a mislabelled
file and an unknown type are refused with their reason, a client of the
organisation reads but may not upload, and another organisation's
professional finds nothing; a file a module page or a library item
shows is not removed (409, the reason naming it).  Requests with a Range are written raw, as a
player's would be.  Imported by run.py, which runs the class like the
others.
"""
import os
import re

from coaching import location_id
from lib import Client, check, demo_logins, eq, org_with, raw
from objects import PNG_1x1, multipart

FAR = ("media.far@elders.infuus.test", "media-far-pass-1234", "Mo Far")
# An MP3: an ID3 tag and then bytes; 600 KiB spans three 256 KiB chunks.
SOUND = b"ID3\x04\x00\x00\x00\x00\x00\x00" + os.urandom(600 * 1024 - 10)


class MediaMixin:
    """Set-up and helpers for the Media suite (run.py mixes in Suite)."""

    def setup(self):
        self.srv = self.server().start(fresh=True)
        self.coach, self.client = demo_logins(
            self.srv, "professional", "client")
        self.far = org_with(self.srv, "Elders", "elders",
                            ((FAR, "professional"),))[0]
        r = self.upload(self.coach, "calm.mp3", SOUND)
        eq(r.status, 303, "uploading a sound")
        self.mdid = self.listed(self.coach, "calm.mp3")

    def upload(self, who, name, data, typ="application/octet-stream"):
        body, ctype = multipart({"csrf": who.csrf()},
                                [("file", name, typ, data)])
        return who.request("POST", "/org/media?csrf=" + who.csrf(),
                           body=body, headers={"Content-Type": ctype})

    def listed(self, who, name):
        page = who.get("/org/media").text
        m = re.findall(r'href="/media/(\d+)">([^<]*)<', page)
        ids = [int(i) for i, n in m if n == name]
        check(ids, "the media list", "names " + name, page[-1500:])
        return ids[0]

    def get_raw(self, who, headers, method="GET"):
        """A request written byte by byte, as a player sends it."""
        lines = ["%s /media/%d HTTP/1.1" % (method, self.mdid),
                 "Host: 127.0.0.1", "Connection: close",
                 "Cookie: infuus_session=" + who.session]
        lines += ["%s: %s" % kv for kv in headers]
        return raw(self.srv.port, ("\r\n".join(lines) + "\r\n\r\n").encode(),
                   timeout=15)

    def ranged(self, spec, first, last):
        r = self.get_raw(self.coach, [("Range", spec)])
        eq(r.status, 206, "Range: " + spec)
        eq(r.header("Content-Range"), "bytes %d-%d/%d" % (
            first, last, len(SOUND)), "Content-Range for " + spec)
        eq(int(r.header("Content-Length")), last - first + 1,
           "Content-Length for " + spec)
        check(r.body == SOUND[first:last + 1], "the bytes of " + spec,
              "exactly those of the file", (len(r.body), r.body[:16]))

    def test_whole_file_and_its_headers(self):
        r = self.get_raw(self.coach, [])
        eq(r.status, 200, "GET without a Range")
        eq(r.header("Accept-Ranges"), "bytes", "Accept-Ranges")
        eq(r.header("Content-Type"), "audio/mpeg", "the type by content")
        check(r.header("ETag", ) and len(r.header("ETag")) == 66, "ETag",
              "the content's hash, quoted", r.header("ETag"))
        check(r.body == SOUND, "the whole file", "the bytes sent",
              len(r.body))
        r = self.get_raw(self.coach, [], method="HEAD")
        eq(r.status, 200, "HEAD")
        eq(int(r.header("Content-Length")), len(SOUND), "HEAD's length")

    def test_ranges_a_player_sends(self):
        n = len(SOUND)
        self.ranged("bytes=0-99", 0, 99)
        self.ranged("bytes=262100-262200", 262100, 262200)  # two chunks
        self.ranged("bytes=-500", n - 500, n - 1)
        self.ranged("bytes=600000-", 600000, n - 1)
        self.ranged("bytes=0-", 0, n - 1)
        self.ranged("bytes=500000-99999999", 500000, n - 1)
        for spec in ("bytes=%d-" % n, "bytes=999999999-1000000000",
                     "bytes=-0"):
            r = self.get_raw(self.coach, [("Range", spec)])
            eq(r.status, 416, "unsatisfiable Range: " + spec)
            eq(r.header("Content-Range"), "bytes */%d" % n,
               "Content-Range of the 416 for " + spec)
        # Not one valid bytes range: ignored, the whole file.
        for spec in ("bytes=5-1", "items=0-5", "bytes=0-1,5-6", "bytes=x"):
            r = self.get_raw(self.coach, [("Range", spec)])
            eq(r.status, 200, "ignored Range: " + spec)
            eq(len(r.body), n, "the whole file for " + spec)

    def test_if_range_and_if_none_match(self):
        etag = self.get_raw(self.coach, [("Range", "bytes=0-0")]).header(
            "ETag")
        r = self.get_raw(self.coach, [("Range", "bytes=0-9"),
                                      ("If-Range", etag)])
        eq(r.status, 206, "If-Range with the current ETag")
        r = self.get_raw(self.coach, [("Range", "bytes=0-9"),
                                      ("If-Range", '"old"')])
        eq(r.status, 200, "If-Range with an old ETag: the whole file")
        eq(len(r.body), len(SOUND), "the whole file")
        r = self.get_raw(self.coach, [("If-None-Match", etag)])
        eq(r.status, 304, "If-None-Match with the current ETag")

    def test_mislabelled_and_unknown_files_refused(self):
        r = self.upload(self.coach, "song.mp3", PNG_1x1, "audio/mpeg")
        eq(r.status, 415, "a PNG named .mp3")
        check("song.mp3" in r.text and ("not what its name says" in r.text
              or "niet wat de naam zegt" in r.text), "the refusal",
              "names the file and says why", r.text[-2500:])
        r = self.upload(self.coach, "tool.png", b"MZ\x90\x00" + b"\0" * 64,
                        "image/png")
        eq(r.status, 415, "a program named .png")
        r = self.upload(self.coach, "empty.png", b"", "image/png")
        eq(r.status, 400, "no file")
        page = self.coach.get("/org/media").text
        check("song.mp3" not in page and "tool.png" not in page,
              "the media list", "holds no refused file", page[-1500:])

    def test_members_read_others_do_not(self):
        r = self.client.get("/media/%d" % self.mdid,
                            headers={"Range": "bytes=0-3"})
        eq(r.status, 206, "a client of the organisation reads it")
        eq(r.body, SOUND[:4], "the client's bytes")
        r = self.upload(self.client, "dot.png", PNG_1x1, "image/png")
        eq(r.status, 403, "a client uploads")
        eq(self.client.get("/org/media").status, 403, "a client's list")
        r = self.far.get("/media/%d" % self.mdid)
        eq(r.status, 404, "another organisation's professional")
        r = self.get_raw(self.far, [("Range", "bytes=0-3")])
        eq(r.status, 404, "another organisation's Range request")
        check(self.srv.users["professional"][0] not in r.text and
              b"ID3" not in r.body, "the refusal", "shows nothing",
              r.text[:300])
        eq(Client(self.srv).get("/media/%d" % self.mdid).status in
           (303, 401), True, "without a session")

    def test_share_and_remove(self):
        r = self.upload(self.coach, "leaf.png", PNG_1x1, "image/png")
        eq(r.status, 303, "an image")
        mdid = self.listed(self.coach, "leaf.png")
        eq(self.far.get("/media/%d" % mdid).status, 404,
           "another organisation, before sharing")
        r = self.coach.post("/media/%d/share" % mdid, {
            "csrf": self.coach.csrf(), "shared": "1"})
        eq(r.status, 403, "a professional shares with everyone")
        admin = Client(self.srv)
        admin.login_ok(*self.srv.users["admin"])
        page = admin.get("/org/media").text
        check('action="/media/%d/share"' % mdid in page, "the admin's list",
              "a share button", page[-1500:])
        r = admin.post("/media/%d/share" % mdid, {"csrf": admin.csrf(),
                                                   "shared": "1"})
        eq(r.status, 303, "the administrator shares it")
        eq(self.far.get("/media/%d" % mdid).status, 200,
           "another organisation reads a shared file")
        eq(self.far.post("/media/%d/delete" % mdid, {
            "csrf": self.far.csrf()}).status, 403,
           "another organisation removes a shared file")
        r = admin.post("/media/%d/share" % mdid, {"csrf": admin.csrf(),
                                                   "shared": "0"})
        eq(r.status, 303, "the administrator stops sharing")
        eq(self.far.get("/media/%d" % mdid).status, 404,
           "another organisation after sharing stopped")
        eq(self.client.post("/media/%d/delete" % mdid, {
            "csrf": self.client.csrf()}).status, 403, "a client removes")
        r = self.coach.post("/media/%d/delete" % mdid, {
            "csrf": self.coach.csrf()})
        eq(r.status, 303, "the professional removes it")
        eq(self.coach.get("/media/%d" % mdid).status, 404, "removed")

    def test_a_file_in_use_is_not_removed(self):
        # A module page shows it: refused with the module named (409),
        # still served; once the page is gone it can go.
        eq(self.upload(self.coach, "page.mp3", SOUND).status, 303,
           "uploading a sound for a module page")
        mdid = self.listed(self.coach, "page.mp3")
        r = self.coach.post("/modules", {"csrf": self.coach.csrf(),
                                         "title": "Rust na het werk"})
        mid = location_id(r, "/modules/")
        src = ("@session Luisteren\n@page media Een rustig geluid\n"
               "@media audio %d Zee en wind\nDe zee ruist.\n" % mdid)
        eq(self.coach.post("/modules/%d?csrf=%s" % (mid, self.coach.csrf()),
                           {"title": "Rust na het werk", "source": src}
                           ).status, 303, "the module's draft saved")
        r = self.coach.post("/media/%d/delete" % mdid,
                            {"csrf": self.coach.csrf()})
        eq(r.status, 409, "removing a file a module page shows")
        check("Rust na het werk" in r.text, "the refusal",
              "names the module", r.text[-1500:])
        eq(self.coach.get("/media/%d" % mdid).status, 200,
           "the file is still served")
        eq(self.coach.post("/modules/%d?csrf=%s" % (mid, self.coach.csrf()),
                           {"title": "Rust na het werk",
                            "source": "@session Lezen\n@page text Rust\n"
                                      "Even niets.\n"}).status, 303,
           "the media page taken out of the draft")
        eq(self.coach.post("/media/%d/delete" % mdid, {
            "csrf": self.coach.csrf()}).status, 303,
           "removed once no page shows it")
        # An audio item of the library plays it: refused with the item
        # named.
        eq(self.upload(self.coach, "item.mp3", SOUND).status, 303,
           "uploading a sound for a library item")
        mdid = self.listed(self.coach, "item.mp3")
        r = self.coach.post("/library", {
            "csrf": self.coach.csrf(), "title": "Slapen na een drukke dag",
            "summary": "Over slapen.", "body": "Slaap is belangrijk.",
            "tags": "slaap", "audience": "clients", "lang": "nl",
            "level": "", "kind": "audio", "media": str(mdid)})
        eq(r.status, 303, "an audio item of the library")
        r = self.coach.post("/media/%d/delete" % mdid,
                            {"csrf": self.coach.csrf()})
        eq(r.status, 409, "removing a file a library item shows")
        check("Slapen na een drukke dag" in r.text, "the refusal",
              "names the library item", r.text[-1500:])
        eq(self.coach.get("/media/%d" % mdid).status, 200,
           "the item's file is still served")

    def test_large_upload_needs_token_in_query(self):
        # The token in the body alone: refused before the body is read
        # (phase 2's rule for bodies over LIMIT_BODY_ANON), so the
        # request is written raw and its body never finished.
        body, ctype = multipart({"csrf": self.coach.csrf()},
                                [("file", "big.mp3", "audio/mpeg", SOUND)])
        head = ("POST /org/media HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Cookie: infuus_session=%s\r\nContent-Type: %s\r\n"
                "Content-Length: %d\r\n\r\n" % (
                    self.coach.session, ctype, len(body))).encode()
        r = raw(self.srv.port, [head, body[:4096]], timeout=10)
        eq(r.status, 403, "a large upload with the token in the body only")
        page = self.coach.get("/org/media").text
        check("big.mp3" not in page, "the media list", "no big.mp3",
              page[-800:])
        # With the token in the address, a file past the 10 MiB of a
        # message attachment is taken (the route's own limit holds).
        film = (b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2" +
                os.urandom(11 * 1024 * 1024))
        r = self.upload(self.coach, "film.mp4", film, "video/mp4")
        eq(r.status, 303, "an 11 MiB film")
        mdid = self.listed(self.coach, "film.mp4")
        r = self.coach.get("/media/%d" % mdid,
                           headers={"Range": "bytes=-16"})
        eq(r.status, 206, "the film's last bytes")
        eq(r.body, film[-16:], "the film's last 16 bytes")
