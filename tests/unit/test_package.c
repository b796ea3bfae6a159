/*
 * test_package.c - src/package: hostile zip files built here byte by byte
 * (path traversal, symbolic links, duplicates, too many entries, bombs by
 * ratio, by total and by lying sizes, overlapping entries, encryption,
 * damage), each refused with its reason and nothing returned; manifests
 * refused at the right line; media that are not what the manifest or
 * their name says; the four example modules of share/modules packed and
 * read; and export then import giving the same module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "package/package.h"
#include "package/zip.h"

#ifndef INFUUS_SOURCE_ROOT
#define INFUUS_SOURCE_ROOT "."
#endif

/* --- a zip built by hand ------------------------------------------------ */

struct fake {
	const char *name;
	const void *data;
	size_t len;
	int deflate;             /* 1: raw deflate */
	long usize;              /* >= 0: the size declared instead */
	uint32_t ext;            /* external attributes */
	unsigned made;           /* version made by (high byte: the system) */
	unsigned flags;
	unsigned method;         /* non-zero: declared instead */
	long offset;             /* >= 0: the local header offset declared */
	long crc_xor;
	size_t crc_len;          /* > 0: the CRC of the first crc_len bytes */
};

static void
p16(struct buf *b, unsigned v)
{
	unsigned char c[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	buf_add(b, c, 2);
}

static void
p32(struct buf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8),
		(unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	buf_add(b, c, 4);
}

static void
build(struct buf *out, const struct fake *f, int n, int declare_n)
{
	struct buf cd = BUF_INIT;
	unsigned char *c;
	size_t off[64], clen[64];
	int i;

	assert_true(n <= 64);
	for (i = 0; i < n; i++) {
		const unsigned char *data = f[i].data;
		uLong crc = crc32(0, f[i].data, (uInt)(f[i].crc_len ?
		    f[i].crc_len : f[i].len)) ^ (uLong)f[i].crc_xor;
		size_t nl = strlen(f[i].name), cl = f[i].len;
		unsigned method = f[i].deflate ? 8 : 0;
		z_stream z;

		c = NULL;
		if (f[i].deflate) {
			c = malloc(compressBound(f[i].len) + 16);
			memset(&z, 0, sizeof(z));
			assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED,
			    -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
			z.next_in = (unsigned char *)f[i].data;
			z.avail_in = (uInt)f[i].len;
			z.next_out = c;
			z.avail_out = (uInt)compressBound(f[i].len) + 16;
			assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
			cl = z.total_out;
			deflateEnd(&z);
			data = c;
		}
		if (f[i].method)
			method = f[i].method;
		off[i] = out->len;
		clen[i] = cl;
		p32(out, 0x04034b50);
		p16(out, 20);
		p16(out, f[i].flags);
		p16(out, method);
		p32(out, 0);
		p32(out, (uint32_t)crc);
		p32(out, (uint32_t)cl);
		p32(out, (uint32_t)(f[i].usize >= 0 ? (size_t)f[i].usize :
		    f[i].len));
		p16(out, (unsigned)nl);
		p16(out, 0);
		buf_add(out, f[i].name, nl);
		buf_add(out, data, cl);
		free(c);
		p32(&cd, 0x02014b50);
		p16(&cd, f[i].made ? f[i].made : (3 << 8 | 20));
		p16(&cd, 20);
		p16(&cd, f[i].flags);
		p16(&cd, method);
		p32(&cd, 0);
		p32(&cd, (uint32_t)crc);
		p32(&cd, (uint32_t)cl);
		p32(&cd, (uint32_t)(f[i].usize >= 0 ? (size_t)f[i].usize :
		    f[i].len));
		p16(&cd, (unsigned)nl);
		p16(&cd, 0);
		p16(&cd, 0);
		p16(&cd, 0);
		p16(&cd, 0);
		p32(&cd, f[i].ext ? f[i].ext : 0100644u << 16);
		p32(&cd, (uint32_t)(f[i].offset >= 0 ? (size_t)f[i].offset :
		    off[i]));
		buf_add(&cd, f[i].name, nl);
	}
	(void)clen;
	{
		size_t cdoff = out->len;

		buf_add(out, cd.p, cd.len);
		p32(out, 0x06054b50);
		p16(out, 0);
		p16(out, 0);
		p16(out, (unsigned)declare_n);
		p16(out, (unsigned)declare_n);
		p32(out, (uint32_t)cd.len);
		p32(out, (uint32_t)cdoff);
		p16(out, 0);
	}
	buf_release(&cd);
}

#define F(nm, d) { .name = (nm), .data = (d), .len = sizeof(d) - 1, \
	.usize = -1, .offset = -1 }

/* zip_read must refuse z with err and a reason holding want; out stays
 * empty. */
static void
refused(const struct buf *z, const struct zip_limits *l, int err,
    const char *want)
{
	struct arena a;
	struct zip_archive out = { (void *)1, 99 };
	struct why w = { 0 };
	int rc;

	arena_init(&a);
	rc = zip_read(z->p, z->len, l, &a, &out, &w);
	if (rc != err)
		fail_msg("expected %s, got %s (%s)", err_name(err), err_name(rc),
		    w.msg ? w.msg : "-");
	assert_null(out.entry);
	assert_int_equal(out.n, 0);
	assert_non_null(w.msg);
	if (strstr(w.msg, want) == NULL)
		fail_msg("the reason \"%s\" does not say \"%s\"", w.msg, want);
	assert_string_equal(w.field, "package");
	arena_release(&a);
}

static void
one(const struct fake *f, int n, int err, const char *want)
{
	struct buf z = BUF_INIT;

	build(&z, f, n, n);
	refused(&z, NULL, err, want);
	buf_release(&z);
}

static void
a_plain_zip_reads_back(void **state)
{
	struct fake f[] = { F("module.txt", "hello"), F("s1/a.md", "# A\n") };
	struct buf z = BUF_INIT;
	struct arena a;
	struct zip_archive out;
	struct why w;

	(void)state;
	f[1].deflate = 1;
	build(&z, f, 2, 2);
	arena_init(&a);
	assert_int_equal(zip_read(z.p, z.len, NULL, &a, &out, &w), 0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.entry[1].name, "s1/a.md");
	assert_int_equal(out.entry[1].len, 4);
	assert_memory_equal(out.entry[1].data, "# A\n", 4);
	assert_non_null(zip_find(&out, "module.txt"));
	assert_null(zip_find(&out, "MODULE.TXT"));
	arena_release(&a);
	buf_release(&z);
}

static void
paths_outside_the_package_are_refused(void **state)
{
	static const char *bad[] = {
		"../evil.md", "/etc/passwd", "a\\..\\evil.md", "a/../../x.md",
		"a//b.md", "./a.md", "a/./b.md", "C:evil.md", "a/..", "..",
		"a\x01" "b.md",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fake f[] = { F("module.txt", "x"),
			{ .name = bad[i], .data = "x", .len = 1, .usize = -1,
			  .offset = -1 } };

		one(f, 2, ERR_INVAL, "outside the module");
	}
}

static void
links_and_devices_are_refused(void **state)
{
	struct fake f[] = { F("module.txt", "x"), F("s1/a.md", "/etc/passwd") };

	(void)state;
	f[1].ext = 0120777u << 16;
	one(f, 2, ERR_INVAL, "symbolic link");
	f[1].ext = 0020644u << 16; /* a character device */
	one(f, 2, ERR_INVAL, "not a plain file");
	/* the same bits from a system that does not mean them so: fine */
	f[1].made = 0 << 8 | 20;
	f[1].ext = 0120777u << 16;
	{
		struct buf z = BUF_INIT;
		struct arena a;
		struct zip_archive out;
		struct why w;

		build(&z, f, 2, 2);
		arena_init(&a);
		assert_int_equal(zip_read(z.p, z.len, NULL, &a, &out, &w), 0);
		arena_release(&a);
		buf_release(&z);
	}
}

static void
duplicates_and_too_many_are_refused(void **state)
{
	struct fake dup[] = { F("module.txt", "x"), F("a.md", "1"),
		F("a.md", "2") };
	struct fake cased[] = { F("module.txt", "x"), F("s1/A.md", "1"),
		F("s1/a.md", "2") };
	struct fake four[] = { F("a", "1"), F("b", "2"), F("c", "3"),
		F("d", "4") };
	struct zip_limits l;
	struct buf z = BUF_INIT;

	(void)state;
	one(dup, 3, ERR_INVAL, "twice");
	one(cased, 3, ERR_INVAL, "twice");
	zip_limits_default(&l);
	l.entries = 3;
	build(&z, four, 4, 4);
	refused(&z, &l, ERR_TOOMANY, "more than %d files");
	buf_reset(&z);
	/* the end record says 65535: read as ZIP64, refused before a walk */
	build(&z, four, 4, 0xffff);
	refused(&z, NULL, ERR_MEDIATYPE, "ZIP64");
	buf_release(&z);
}

static void
bombs_are_refused_before_inflating(void **state)
{
	size_t n = 4 * 1024 * 1024;
	char *zeros = calloc(1, n);
	struct fake ratio[] = { F("module.txt", "x"),
		{ .name = "s1/big.md", .data = zeros, .len = n, .deflate = 1,
		  .usize = -1, .offset = -1 } };
	struct fake two[] = { { .name = "a", .data = zeros, .len = 600,
		.usize = -1, .offset = -1 }, { .name = "b", .data = zeros,
		.len = 600, .usize = -1, .offset = -1 } };
	struct zip_limits l;
	struct buf z = BUF_INIT;

	(void)state;
	assert_non_null(zeros);
	one(ratio, 2, ERR_TOOBIG, "zip bomb");
	/* a declared size over the entry limit, and a total over its own */
	ratio[1].deflate = 0;
	ratio[1].len = 100;
	ratio[1].usize = (long)LIMIT_PKG_ENTRY + 1;
	one(ratio, 2, ERR_TOOBIG, "larger than");
	zip_limits_default(&l);
	l.total = 1000;
	build(&z, two, 2, 2);
	refused(&z, &l, ERR_TOOBIG, "unpacks to more than");
	buf_reset(&z);
	/* a stream that makes more than it declares: stops at the declared
	 * size and is refused, also when the CRC is that of the bytes up to
	 * there */
	ratio[1].deflate = 1;
	ratio[1].len = 50000;
	ratio[1].usize = 40000;
	build(&z, ratio, 2, 2);
	refused(&z, NULL, ERR_INVAL, "does not unpack");
	buf_reset(&z);
	ratio[1].crc_len = 40000;
	build(&z, ratio, 2, 2);
	refused(&z, NULL, ERR_INVAL, "does not unpack");
	buf_reset(&z);
	ratio[1].crc_len = 0;
	/* ... or less */
	ratio[1].usize = 60000;
	build(&z, ratio, 2, 2);
	refused(&z, NULL, ERR_INVAL, "does not unpack");
	buf_release(&z);
	free(zeros);
}

static void
overlapping_entries_are_refused(void **state)
{
	/* entry "a" stores, as its content, a whole local header and data
	 * of "b"; the directory points "b" into the middle of "a" */
	struct buf inner = BUF_INIT, z = BUF_INIT;
	struct fake b[] = { F("b", "bbbb") };
	struct fake f[2];

	(void)state;
	build(&inner, b, 1, 1);
	memset(f, 0, sizeof(f));
	f[0].name = "a";
	f[0].data = inner.p;
	f[0].len = 30 + 1 + 4; /* b's local header and data */
	f[0].usize = -1;
	f[0].offset = -1;
	f[1].name = "b";
	f[1].data = "bbbb";
	f[1].len = 4;
	f[1].usize = -1;
	f[1].offset = 30 + 1; /* inside a's data */
	build(&z, f, 2, 2);
	refused(&z, NULL, ERR_INVAL, "overlap");
	buf_release(&z);
	buf_release(&inner);
}

static void
damage_and_features_we_do_not_read(void **state)
{
	struct fake f[] = { F("module.txt", "hello world") };
	struct buf z = BUF_INIT, cut = BUF_INIT;

	(void)state;
	f[0].flags = 1;
	one(f, 1, ERR_MEDIATYPE, "encrypted");
	f[0].flags = 0;
	f[0].method = 12; /* bzip2 */
	one(f, 1, ERR_MEDIATYPE, "deflate");
	f[0].method = 0;
	f[0].crc_xor = 1;
	one(f, 1, ERR_INVAL, "does not unpack");
	f[0].crc_xor = 0;
	f[0].offset = 5;
	one(f, 1, ERR_INVAL, "not where");
	f[0].offset = -1;
	build(&z, f, 1, 1);
	buf_add(&cut, z.p, z.len - 3);
	refused(&cut, NULL, ERR_INVAL, "not a zip");
	buf_reset(&cut);
	buf_add(&cut, "PK\3\4 not really", 16);
	refused(&cut, NULL, ERR_INVAL, "not a zip");
	buf_release(&z);
	buf_release(&cut);
}

/* --- manifests ---------------------------------------------------------- */

#define HEAD "infuus-module 1\nid m\nversion 1\nlang en\ntitle: T\n"

static void
manifest_errors_name_their_line(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *want;
	} cases[] = {
		{ "module 1\n", 1, "first line" },
		{ HEAD "session: S\n", 6, "no pages" },
		{ HEAD "session: S\npage: P\n", 7, "no text, media" },
		{ HEAD "page: P\n", 6, "follow a \"session:\"" },
		{ HEAD "session: S\npage: P\ntext ../x.md\n", 8, "plain path" },
		{ HEAD "session: S\npage: P\ntext a.md\ntext b.md\n", 9,
		  "one text" },
		{ HEAD "session: S\npage: P\nimage a.png\n", 8, "colon" },
		{ HEAD "session: S\npage: P\nimage a.png:\n", 8, "empty" },
		{ HEAD "session: S\npage: P\nexercise text x: a\n"
		  "exercise mood x: b\n", 9, "already an exercise" },
		{ HEAD "session: S\npage: P\nexercise choice c one: a\n"
		  "option: only\n\nsession: T\n", 8, "two \"option:\"" },
		{ HEAD "session: S\npage: P\nexercise choice c maybe: a\n", 8,
		  "\"one\" or \"many\"" },
		{ HEAD "session: S\npage: P\nexercise poem x: a\n", 8,
		  "Unknown kind" },
		{ HEAD "session: S\npage: P\noption: a\n", 8, "must follow" },
		{ HEAD "session: S\npage: P\nexercise questionnaire x: a\n", 8,
		  "INSTRUMENT" },
		{ HEAD "library 5: T\n", 6, "follow a \"page:\"" },
		{ HEAD "session: S\npage: P\nlibrary 5\n", 8, "colon" },
		{ HEAD "session: S\npage: P\nlibrary 5:\n", 8, "empty" },
		{ HEAD "session: S\npage: P\nlibrary 0: T\n", 8,
		  "number 0 is not" },
		{ HEAD "session: S\npage: P\nlibrary 5x: T\n", 8,
		  "number 5x is not" },
		{ HEAD "session: S\npage: P\nlibrary -5: T\n", 8,
		  "number -5 is not" },
		{ HEAD "session: S\npage: P\nlibrary 92233720368547758080: T\n",
		  8, "is not a whole" },
		{ HEAD "session: S\npage: P\nlibrary 5: T\nlibrary 6: U\n", 9,
		  "one library item" },
		{ "infuus-module 1\nid m\nlang de\n", 3, "not nl or en" },
		{ "infuus-module 1\nid m\nversion 0\n", 3, "whole number" },
		{ "infuus-module 1\nid Bad!\n", 2, "small letters" },
		{ HEAD "title: again\n", 6, "once" },
		{ HEAD "session: S\npage: P\ntext a.md\nwhat\n", 9, "Unknown" },
		{ HEAD "bell\x07: x\n", 6, "control character" },
		{ "infuus-module 1\nid m\n", 0, "must give" },
		{ HEAD, 0, "no sessions" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena a;
		struct pkg_module *m = (void *)1;
		struct pkg_error e;
		struct buf msg = BUF_INIT;

		arena_init(&a);
		assert_int_not_equal(pkg_manifest_parse(cases[i].text,
		    strlen(cases[i].text), &a, &m, &e), 0);
		assert_null(m);
		pkg_error_format(&e, &msg);
		if (e.line != cases[i].line || strstr(msg.p, cases[i].want) ==
		    NULL)
			fail_msg("case %zu: expected line %d saying \"%s\", got "
			    "line %d: %s", i, cases[i].line, cases[i].want,
			    e.line, msg.p);
		buf_release(&msg);
		arena_release(&a);
	}
}

/* A page may show a library item alone, by number and title (a title
 * may hold colons); the manifest writes it back the same. */
static void
library_lines_read_and_write_back(void **state)
{
	static const char text[] = HEAD "session: S\npage: Read\n"
	    "library 42: Sleep: a short guide\n\npage: Both\ntext a.md\n"
	    "library 7: Seven\n";
	struct pkg_module *m = NULL, *m2 = NULL;
	struct pkg_error e;
	struct arena a;
	struct buf f = BUF_INIT;

	(void)state;
	arena_init(&a);
	assert_int_equal(pkg_manifest_parse(text, strlen(text), &a, &m, &e), 0);
	assert_int_equal(m->session[0].npages, 2);
	assert_int_equal(m->session[0].page[0].item, 42);
	assert_string_equal(m->session[0].page[0].item_title,
	    "Sleep: a short guide");
	assert_int_equal(m->session[0].page[0].item_line, 8);
	assert_null(m->session[0].page[0].text.path);
	assert_int_equal(m->session[0].page[1].item, 7);
	pkg_manifest_format(m, &f);
	assert_non_null(strstr(f.p, "library 42: Sleep: a short guide\n"));
	assert_int_equal(pkg_manifest_parse(f.p, f.len, &a, &m2, &e), 0);
	assert_int_equal(m2->session[0].page[1].item, 7);
	assert_string_equal(m2->session[0].page[1].item_title, "Seven");
	buf_release(&f);
	arena_release(&a);
}

static void
huge_manifests_are_refused(void **state)
{
	struct buf t = BUF_INIT;
	struct arena a;
	struct pkg_module *m;
	struct pkg_error e;
	size_t i;

	(void)state;
	buf_adds(&t, HEAD "summary: ");
	for (i = 0; i < LIMIT_PKG_SUMMARY + 100; i++)
		buf_addch(&t, 'x');
	arena_init(&a);
	assert_int_equal(pkg_manifest_parse(t.p, t.len, &a, &m, &e),
	    ERR_TOOBIG);
	assert_int_equal(e.line, 6);
	buf_reset(&t);
	buf_adds(&t, HEAD);
	while (t.len <= LIMIT_PKG_MANIFEST)
		buf_adds(&t, "# a comment line to make the manifest huge\n");
	assert_int_equal(pkg_manifest_parse(t.p, t.len, &a, &m, &e),
	    ERR_TOOBIG);
	assert_int_equal(e.line, 0);
	assert_int_equal(e.why.limit, LIMIT_PKG_MANIFEST);
	arena_release(&a);
	buf_release(&t);
}

/* --- packages ----------------------------------------------------------- */

static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
static const char mp3[] = "ID3\x03\0\0\0\0\x0f\x76TIT2";

#define MAN HEAD "session: S\npage: P\ntext s1/a.md\n"

static void
package_refused(const struct fake *f, int n, int err, const char *want,
    int line)
{
	struct buf z = BUF_INIT, msg = BUF_INIT;
	struct arena a;
	struct pkg_module *m = (void *)1;
	struct pkg_error e;
	int rc;

	build(&z, f, n, n);
	arena_init(&a);
	rc = pkg_read(z.p, z.len, &a, &m, &e);
	pkg_error_format(&e, &msg);
	if (rc != err || strstr(msg.p, want) == NULL || e.line != line)
		fail_msg("expected %s at line %d saying \"%s\", got %s at line "
		    "%d: %s", err_name(err), line, want, err_name(rc), e.line,
		    msg.p);
	assert_null(m);
	arena_release(&a);
	buf_release(&z);
	buf_release(&msg);
}

static void
media_not_what_they_say_are_refused(void **state)
{
	struct fake ok[] = { F("module.txt", MAN "image m/a.png: alt\n"),
		F("s1/a.md", "# Hi\n"), F("m/a.png", png) };
	struct fake renamed[] = { F("module.txt", MAN "image m/a.png: alt\n"),
		F("s1/a.md", "# Hi\n"), F("m/a.png", mp3) };
	struct fake kind[] = { F("module.txt", MAN "image m/a.mp3: alt\n"),
		F("s1/a.md", "# Hi\n"), F("m/a.mp3", mp3) };
	struct fake text[] = { F("module.txt", MAN),
		F("s1/a.md", "# Hi\xff\xfe\n") };
	struct fake extra[] = { F("module.txt", MAN), F("s1/a.md", "# Hi\n"),
		F("s1/run.sh", "rm -rf /\n") };
	struct fake missing[] = { F("module.txt", MAN) };
	struct fake none[] = { F("s1/a.md", "# Hi\n") };
	struct buf z = BUF_INIT;
	struct arena a;
	struct pkg_module *m;
	struct pkg_error e;

	(void)state;
	build(&z, ok, 3, 3);
	arena_init(&a);
	assert_int_equal(pkg_read(z.p, z.len, &a, &m, &e), 0);
	assert_int_equal(m->session[0].page[0].media.type, MEDIA_PNG);
	assert_int_equal(m->session[0].page[0].text.len, 5);
	arena_release(&a);
	buf_release(&z);
	package_refused(renamed, 3, ERR_MEDIATYPE, "not what its name says", 0);
	package_refused(kind, 3, ERR_MEDIATYPE, "as an image, but it is not",
	    0);
	package_refused(text, 2, ERR_INVAL, "not UTF-8", 0);
	package_refused(extra, 3, ERR_INVAL, "s1/run.sh, which the manifest "
	    "does not name", 0);
	package_refused(missing, 1, ERR_INVAL, "not in the package", 7);
	package_refused(none, 1, ERR_INVAL, "no module.txt", 0);
}

static void
examples_pack_read_and_round_trip(void **state)
{
	static const char *names[] = { "stress-recovery-en",
		"stress-recovery-nl", "dealing-with-worry-en",
		"dealing-with-worry-nl" };
	char exnames[2][4096];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct buf z = BUF_INIT, z2 = BUF_INIT, f1 = BUF_INIT,
		    f2 = BUF_INIT, msg = BUF_INIT;
		struct arena a;
		struct pkg_module *m, *m2;
		struct pkg_error e;
		char dir[512];
		int s, p, k, ex = 0;

		snprintf(dir, sizeof(dir), "%s/share/modules/%s",
		    INFUUS_SOURCE_ROOT, names[i]);
		arena_init(&a);
		if (pkg_dir_zip(dir, &a, &z, &e) != 0) {
			pkg_error_format(&e, &msg);
			fail_msg("%s: %s", names[i], msg.p);
		}
		assert_int_equal(pkg_read(z.p, z.len, &a, &m, &e), 0);
		assert_int_equal(m->nsessions, 5);
		assert_string_equal(m->lang, strstr(names[i], "-nl") ? "nl" :
		    "en");
		if (i % 2 == 0)
			exnames[i / 2][0] = '\0';
		{
			char mine[4096] = "";

			for (s = 0; s < 5; s++) {
				int sx = 0;

				assert_true(m->session[s].npages >= 2);
				for (p = 0; p < m->session[s].npages; p++) {
					const struct pkg_page *pg =
					    &m->session[s].page[p];

					assert_non_null(pg->text.data);
					for (k = 0; k < pg->nex; k++) {
						strcat(mine, pg->ex[k].name);
						strcat(mine, " ");
						sx++;
					}
				}
				assert_true(sx >= 1); /* an exercise a session */
				ex += sx;
			}
			/* Dutch and English have the same exercises */
			if (i % 2 == 0)
				strcpy(exnames[i / 2], mine);
			else
				assert_string_equal(exnames[i / 2], mine);
		}
		assert_true(ex >= 5);
		/* export then import: the same module */
		assert_int_equal(pkg_write(m, &z2), 0);
		assert_int_equal(pkg_read(z2.p, z2.len, &a, &m2, &e), 0);
		pkg_manifest_format(m, &f1);
		pkg_manifest_format(m2, &f2);
		assert_string_equal(f1.p, f2.p);
		assert_int_equal(z.len, z2.len); /* the same bytes, even */
		assert_memory_equal(z.p, z2.p, z.len);
		arena_release(&a);
		buf_release(&z);
		buf_release(&z2);
		buf_release(&f1);
		buf_release(&f2);
		buf_release(&msg);
	}
}

static void
export_refuses_what_a_manifest_cannot_say(void **state)
{
	struct fake ok[] = { F("module.txt", MAN), F("s1/a.md", "# Hi\n") };
	struct buf z = BUF_INIT, out = BUF_INIT, msg = BUF_INIT;
	struct arena a;
	struct pkg_module *m;
	struct pkg_error e;

	(void)state;
	build(&z, ok, 2, 2);
	arena_init(&a);
	assert_int_equal(pkg_read(z.p, z.len, &a, &m, &e), 0);
	m->session[0].title = "Two\nlines";
	assert_int_equal(pkg_write(m, &out), ERR_INVAL);
	m->session[0].title = "One line";
	m->session[0].page[0].text.data = NULL;
	assert_int_equal(pkg_write(m, &out), ERR_INVAL);
	/* a folder that names a file it lacks */
	assert_int_not_equal(pkg_dir_zip("/nonexistent-infuus", &a, &out, &e),
	    0);
	pkg_error_format(&e, &msg);
	assert_non_null(strstr(msg.p, "/nonexistent-infuus"));
	arena_release(&a);
	buf_release(&z);
	buf_release(&out);
	buf_release(&msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(export_refuses_what_a_manifest_cannot_say),
		cmocka_unit_test(a_plain_zip_reads_back),
		cmocka_unit_test(paths_outside_the_package_are_refused),
		cmocka_unit_test(links_and_devices_are_refused),
		cmocka_unit_test(duplicates_and_too_many_are_refused),
		cmocka_unit_test(bombs_are_refused_before_inflating),
		cmocka_unit_test(overlapping_entries_are_refused),
		cmocka_unit_test(damage_and_features_we_do_not_read),
		cmocka_unit_test(manifest_errors_name_their_line),
		cmocka_unit_test(huge_manifests_are_refused),
		cmocka_unit_test(media_not_what_they_say_are_refused),
		cmocka_unit_test(examples_pack_read_and_round_trip),
		cmocka_unit_test(library_lines_read_and_write_back),
	};

	return cmocka_run_group_tests_name("package", tests, NULL, NULL);
}
