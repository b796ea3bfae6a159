"""
packages.py - black-box tests of module packages (issue 12) over real
HTTP: a module with every kind of page (media pages among them) exported
as a package and imported again gives the same module with the same
media bytes; each example package of share/modules imports; hostile
packages (path traversal, a zip bomb, a symbolic link, a mislabelled
file, one that only fails when the module is built) are refused with
their reason next to the upload field and nothing written (rows of
modules and media counted before and after); another organisation
cannot export the module; a module that names another organisation's
media file cannot carry it out in a package; a client of the
organisation sees the media page and reads its file; a package naming a
questionnaire or a library item the importing organisation cannot use
is refused naming it and its line, and a shared item travels.  Imported
by run.py.
"""
import glob
import io
import os
import re
import zipfile

from coaching import location_id
from lib import Client, Sql, check, eq, org_with, users_in
from modules import ModulesMixin
from objects import PNG_1x1, multipart, upload_media

FAR = ("pkg.far@elders.infuus.test", "pkg-far-pass-1234", "Pia Far")
FAR_ADMIN = ("pkg.boss@elders.infuus.test", "pkg-boss-pass-1234", "Bo Far")
SOUND = b"ID3\x04\x00\x00\x00\x00\x00\x00" + os.urandom(300 * 1024 - 10)


def package(manifest, files=(), mode=None):
    """A zip of module.txt and files [(name, bytes)]; mode: Unix mode of
    the last file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("module.txt", manifest)
        for i, (name, data) in enumerate(files):
            zi = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            m = mode if mode is not None and i == len(files) - 1 else 0o100644
            zi.external_attr = m << 16
            z.writestr(zi, data)
    return out.getvalue()


HEAD = ("infuus-module 1\nid hostile\nversion 1\nlang en\ntitle: Hostile\n"
        "session: One\n")


class PackagesMixin(Sql):
    """Set-up and helpers for the Packages suite (the module helpers of
    modules.py borrowed, not its tests)."""

    trajectory = ModulesMixin.trajectory
    save = ModulesMixin.save
    give = ModulesMixin.give

    def setup(self):
        ModulesMixin.setup(self)
        self.far = org_with(self.srv, "Elders", "elders",
                            ((FAR, "professional"),))[0]

    def teardown(self):
        ModulesMixin.teardown(self)

    def counts(self):
        return tuple(self.sql_text("SELECT COUNT(*) FROM " + t) for t in
                     ("modules", "module_versions", "media", "media_chunks"))

    def import_pkg(self, who, data, name="module.zip"):
        body, ctype = multipart({"csrf": who.csrf()},
                                [("package", name, "application/zip", data)])
        return who.request("POST", "/module-packages?csrf=" + who.csrf(),
                           body=body, headers={"Content-Type": ctype})

    def import_ok(self, who, data):
        r = self.import_pkg(who, data)
        check(r.status == 303, "the package import", "303",
              (r.status, r.text[-1500:]))
        return int(re.search(r"/modules/(\d+)", r.header("location")).group(1))

    def source_of(self, mid):
        return self.sql_text("SELECT source FROM module_versions WHERE "
                             "module_id = %d AND n = 1" % mid)

    def export(self, who, mid):
        return who.request("GET", "/modules/%d/package?lang=en" % mid)

    def lib_item(self, who, title, publish=True):
        r = who.post("/library", {
            "csrf": who.csrf(), "title": title, "summary": "Kort.",
            "body": "Rust helpt. Sneeuwklokje.", "tags": "rust",
            "audience": "clients", "lang": "nl", "level": ""})
        lid = location_id(r, "/library/")
        if publish:
            eq(who.post("/library/%d/publish" % lid, {
                "csrf": who.csrf(), "publish": "1"}).status, 303,
               "publishing " + title)
        return lid

    def refused(self, data, words):
        before = self.counts()
        r = self.import_pkg(self.coach, data)
        check(400 <= r.status < 500, "a hostile package", "refused with a "
              "4xx status", r.status)
        m = re.search(r'id="f-package-error"[^>]*>(.*?)</', r.text, re.S)
        check(m, "the modules page", "the reason next to the upload field",
              r.text[-1500:])
        check(re.search(words, m.group(1), re.I), "the reason",
              "says " + words, m.group(1))
        eq(self.counts(), before, "rows of modules and media after a refusal")

    # --- the tests ------------------------------------------------------------

    def test_export_then_import_gives_the_same_module(self):
        img = upload_media(self.coach, "curve.png", PNG_1x1, tail=800)
        snd = upload_media(self.coach, "calm.mp3", SOUND, tail=800)
        src = ("@session Kijken en luisteren\n"
               "@page text Welkom\nLees dit **eerst**.\n@@ is een apenstaartje.\n"
               "@page media Een lijn\n@media image %d Een lijn die stijgt en daalt\n"
               "De lijn daalt in de avond.\n"
               "@page media Rustig\n@media audio %d Een ademoefening van vijf minuten\n"
               "Transcript: adem in, adem uit.\n"
               "@session Doen\n@page free Wat merk je?\nWat merk je in je lijf?\n"
               "@page choice Hoe vaak?\n@option Elk uur\n@option Nooit\n"
               "@page questionnaire Welbevinden\n@instrument who-5\n"
               "@page diary Dagboek\n@page mood Stemming\nHoe is je stemming?\n"
               "@page assignment Opdracht\nPlan drie rustmomenten.\n") % (img, snd)
        mid = ModulesMixin.module(self, "Kijken", src)
        eq(ModulesMixin.publish(self, mid).status, 303, "published")
        r = self.export(self.coach, mid)
        eq(r.status, 200, "the export")
        check("attachment" in (r.header("Content-Disposition") or ""),
              "the export's Content-Disposition", "an attachment",
              r.header("Content-Disposition"))
        z = zipfile.ZipFile(io.BytesIO(r.body))
        check(PNG_1x1 in [z.read(n) for n in z.namelist()] and
              SOUND in [z.read(n) for n in z.namelist()],
              "the package", "holds the media bytes", z.namelist())
        before = self.counts()
        mid2 = self.import_ok(self.coach, r.body)
        after = self.counts()
        eq(int(after[0]) - int(before[0]), 1, "one module more")
        eq(int(after[2]) - int(before[2]), 2, "two media files more")
        new = self.source_of(mid2)
        ids = [int(x) for x in re.findall(r"@media \w+ (\d+)", new)]
        eq(len(ids), 2, "the imported module's media pages")
        same = new
        for old, nid in zip((img, snd), ids):
            same = same.replace("@media image %d " % nid,
                                "@media image %d " % old).replace(
                "@media audio %d " % nid, "@media audio %d " % old)
        eq(same.strip(), self.source_of(mid).strip(),
           "the imported module's source, media ids aside")
        eq(self.coach.request("GET", "/media/%d" % ids[0]).body, PNG_1x1,
           "the imported image's bytes")
        eq(self.coach.request("GET", "/media/%d" % ids[1]).body, SOUND,
           "the imported sound's bytes")
        # the client of the organisation sees the media page and its file
        rid = ModulesMixin.give_ok(self, self.tid, mid2, "all")
        page = self.client.get("/md/%d" % rid).text
        check(re.search(r'<img src="/media/%d" alt="Een lijn die stijgt' %
                        ids[0], page), "the client's module page",
              "the image with its alternative text", page[-2000:])
        check(re.search(r'<audio controls[^>]*src="/media/%d"' % ids[1],
                        page), "the client's module page",
              "the sound with controls", page[-2000:])
        eq(self.client.request("GET", "/media/%d" % ids[0]).status, 200,
           "the client reads the module's image")
        eq(self.far.request("GET", "/media/%d" % ids[0]).status, 404,
           "another organisation reads the image")

    def test_example_packages_import(self):
        zips = sorted(glob.glob(os.path.join(os.environ["INFUUS_BUILD"],
                                             "*.zip")))
        check(len(zips) >= 4, "the build", "the example packages", zips)
        for path in zips:
            with open(path, "rb") as f:
                mid = self.import_ok(self.coach, f.read())
            page = self.coach.get("/modules/%d" % mid)
            eq(page.status, 200, "the imported module " + path)
            check("version 1" in page.text or "versie 1" in page.text,
                  "the imported module", "published as version 1",
                  page.text[-1500:])

    def test_an_administrator_adds_the_examples(self):
        eq(self.coach.post("/module-packages/examples",
                           {"csrf": self.coach.csrf()}).status, 403,
           "a professional adds the examples")
        admin = Client(self.srv)
        admin.login_ok(*self.users["admin"])
        before = int(self.sql_text("SELECT COUNT(*) FROM modules"))
        pub = int(self.sql_text("SELECT COUNT(*) FROM modules WHERE "
                                "published_n = 1"))
        r = admin.post("/module-packages/examples", {"csrf": admin.csrf()})
        eq(r.status, 303, "the administrator adds the examples")
        eq(int(self.sql_text("SELECT COUNT(*) FROM modules")) - before, 2,
           "the two example modules of the page's language")
        eq(int(self.sql_text("SELECT COUNT(*) FROM modules WHERE "
                             "published_n = 1")) - pub, 2,
           "both published")

    def test_hostile_packages_refused_nothing_written(self):
        self.refused(b"PK\x03\x04 not a zip at all", r"zip")
        self.refused(package(HEAD + "page: P\ntext ../evil.md\n",
                             [("../evil.md", "hi")]), r"\.\.|path|name")
        self.refused(package(HEAD + "page: P\ntext s/1.md\n",
                             [("s/1.md", "x" * (8 * 1024 * 1024))]),
                     r"zip|100")
        self.refused(package(HEAD + "page: P\ntext s/1.md\n",
                             [("s/1.md", "/etc/passwd")], mode=0o120777),
                     r"symbolische|link")
        self.refused(package(HEAD + "page: P\naudio m/a.mp3: A sound\n",
                             [("m/a.mp3", PNG_1x1)]), r"mp3|audio|PNG|image")
        self.refused(package(HEAD + "page: P\ntext s/1.md\n",
                             [("s/1.md", "hi"), ("extra.md", "x")]),
                     r"extra|name")
        # passes the package reader, fails when the module is built, after
        # its image was stored in the same job: all of it rolled back
        pages = "".join("page: P%d\nexercise text e%d: Q%d\n"
                        "exercise diary d%d: D%d\n" % (i, i, i, i, i)
                        for i in range(16))
        self.refused(package(HEAD + "page: Img\nimage m/i.png: A dot\n" +
                             pages, [("m/i.png", PNG_1x1)]), r"30|pages")
        r = self.import_pkg(self.coach, b"")
        check(400 <= r.status < 500, "an empty upload", "refused", r.status)
        r = self.import_pkg(self.client, package(HEAD + "page: P\ntext a.md\n",
                                                 [("a.md", "hi")]))
        eq(r.status, 403, "a client imports a package")

    def test_names_the_importer_cannot_use_are_refused(self):
        # an instrument neither in the library nor shipped (line 8)
        self.refused(package(HEAD + "page: P\nexercise questionnaire q1 "
                             "no-such-scale: How are you?\n"),
                     r"no-such-scale.*(regel|line) 8")
        # library items: another organisation's private one, a draft,
        # none, one under another title (the library line is line 8)
        theirs = self.lib_item(self.far, "Van elders")
        draft = self.lib_item(self.coach, "Nog niet af", publish=False)
        own = self.lib_item(self.coach, "Eigen stuk")
        for lid, title in ((theirs, "Van elders"), (draft, "Nog niet af"),
                           (own + 1000, "Eigen stuk"),
                           (own, "Een ander stuk")):
            self.refused(package(HEAD + "page: P\nlibrary %d: %s\n" %
                                 (lid, title)),
                         r"%s.*(regel|line) 8" % title)
        # shared by its organisation's administrator: it travels, and
        # export then import keeps the library page
        boss = users_in(self.srv, "elders", ((FAR_ADMIN, "admin"),))[0]
        eq(boss.post("/library/%d/share" % theirs, {
            "csrf": boss.csrf(), "share": "1"}).status, 303, "shared")
        mid = self.import_ok(self.coach, package(
            HEAD + "page: Lees\nlibrary %d: Van elders\n" % theirs))
        check(re.search(r"@page library Lees\n@item %d\b" % theirs,
                        self.source_of(mid)), "the imported module",
              "the shared item", self.source_of(mid))
        r = self.export(self.coach, mid)
        eq(r.status, 200, "the export")
        manifest = zipfile.ZipFile(io.BytesIO(r.body)).read(
            "module.txt").decode()
        check("library %d: Van elders\n" % theirs in manifest,
              "the exported manifest", "the library line", manifest)
        mid2 = self.import_ok(self.coach, r.body)
        eq(self.source_of(mid2).strip(), self.source_of(mid).strip(),
           "the module imported again")
        # a shipped questionnaire enters the library with the module
        mid = self.import_ok(self.coach, package(
            HEAD + "page: P\nexercise questionnaire q1 phq-9: How?\n"))
        check(int(self.sql_text("SELECT COUNT(*) FROM instrument_versions "
                                "WHERE name = 'phq-9'")) >= 1,
              "the library", "the shipped PHQ-9 taken in", mid)

    def test_another_organisation_cannot_export(self):
        mid = ModulesMixin.module(self, "Eigen", "@session A\n@page text B\nC\n")
        eq(ModulesMixin.publish(self, mid).status, 303, "published")
        eq(self.export(self.coach, mid).status, 200, "the own export")
        check(self.export(self.far, mid).status in (403, 404),
              "another organisation's export", "refused",
              self.export(self.far, mid).status)
        check(self.export(self.client, mid).status in (403, 404),
              "a client's export", "refused", self.export(self.client,
                                                           mid).status)

    def test_foreign_media_does_not_leave_in_a_package(self):
        theirs = upload_media(self.far, "secret.png", PNG_1x1, tail=800)
        mid = ModulesMixin.module(
            self, "Leen", "@session A\n@page media B\n"
            "@media image %d Iets van een ander\n" % theirs)
        eq(ModulesMixin.publish(self, mid).status, 303, "published")
        r = self.export(self.coach, mid)
        check(r.status == 404 and PNG_1x1 not in r.body,
              "a package of a module naming another organisation's file",
              "refused (404) without the file", (r.status, r.body[:64]))
        check("mediabestand (nummer %d)" % theirs in r.text, "the refusal",
              "its reason, naming the file's number", r.text[-1500:])
