/*
 * zip.c - the safe zip reader and the writer (see zip.h).
 *
 * The format (PKWARE APPNOTE 6.3): local headers with each file's bytes,
 * then the central directory, then the end record.  The central directory
 * is the truth (as for every unzip); a local header that disagrees with it
 * about the name or the sizes is refused, because two readers that trust
 * different copies would see different packages.  Sizes come from the
 * directory, so data descriptors (flag bit 3) need no reading.
 *
 * Bombs: a declared size is checked against the limits before anything
 * is inflated, and inflating writes into a buffer of exactly that size:
 * a stream that would make more is refused the moment the buffer is full,
 * so a lie costs nothing.  Overlapping entries (one compressed stream
 * referenced by many headers, the "non-recursive" bomb) are refused by
 * ordering the entries by offset.
 */
#include "package/zip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "core/banned.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define END_LEN 22
#define CENTRAL_LEN 46
#define LOCAL_LEN 30

void
zip_limits_default(struct zip_limits *l)
{
	l->entries = LIMIT_PKG_ENTRIES;
	l->entry = LIMIT_PKG_ENTRY;
	l->total = LIMIT_PKG_TOTAL;
	l->ratio = LIMIT_PKG_RATIO;
	l->ratio_floor = LIMIT_PKG_RATIO_FLOOR;
	l->path = LIMIT_PKG_PATH;
}

static uint16_t
u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

bool
zip_name_ok(const char *name, size_t len, size_t max)
{
	size_t i, seg = 0;

	if (len == 0 || len > max || name[0] == '/' || !utf8_valid(name, len))
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '/') {
			size_t n = i - seg;

			/* an empty part (a//b, a trailing / is a directory
			 * and handled by the caller), "." or ".." */
			if (n == 0 && i != len)
				return false;
			if ((n == 1 && name[seg] == '.') ||
			    (n == 2 && name[seg] == '.' && name[seg + 1] == '.'))
				return false;
			seg = i + 1;
			continue;
		}
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '\\' || name[i] == ':')
			return false;
	}
	return true;
}

/* ASCII case-folded equality: names that one file system keeps apart and
 * another writes over each other are one name. */
static bool
same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return *a == *b;
}

struct cd_entry {
	const char *name;
	size_t name_len;
	bool dir;
	uint16_t method;
	uint32_t crc;
	size_t csize, usize;
	size_t local;         /* offset of the local header */
	size_t data;          /* offset of the data, after checking */
	int index;            /* in the directory's order, files only */
};

static int
refuse(struct why *w, int err, const char *msg, const char *name,
    struct arena *a, size_t nlen, long limit)
{
	why_set(w, err, "package", msg);
	if (w != NULL) {
		/* a name shown to a person: printable bytes only */
		if (name != NULL) {
			char *s = arena_strndup(a, name, nlen > 200 ? 200 :
			    nlen);
			char *q;

			for (q = s; *q; q++)
				if ((unsigned char)*q < 0x20 || *q == 0x7f)
					*q = '?';
			w->name = s;
		}
		w->limit = (int)limit;
	}
	return err;
}

static int
by_offset(const void *x, const void *y)
{
	const struct cd_entry *a = x, *b = y;

	return a->local < b->local ? -1 : a->local > b->local;
}

static int
by_index(const void *x, const void *y)
{
	const struct cd_entry *a = x, *b = y;

	return a->index - b->index;
}

/* Inflate e's bytes into exactly e->usize bytes at out. */
static int
inflate_entry(const unsigned char *src, const struct cd_entry *e,
    unsigned char *out)
{
	z_stream z;
	int zr;

	if (e->method == 0) {
		memcpy(out, src, e->usize);
		return 0;
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
		return ERR_INTERNAL;
	z.next_in = (unsigned char *)src;
	z.avail_in = (uInt)e->csize;
	z.next_out = out;
	z.avail_out = (uInt)e->usize;
	zr = inflate(&z, Z_FINISH);
	/* exactly the declared size, the stream's end right there, and no
	 * bytes of the input left over */
	if (zr == Z_STREAM_END && z.avail_out == 0 && z.avail_in == 0)
		zr = Z_OK;
	else
		zr = Z_DATA_ERROR;
	inflateEnd(&z);
	return zr == Z_OK ? 0 : ERR_INVAL;
}

int
zip_read(const void *data, size_t len, const struct zip_limits *lim,
    struct arena *a, struct zip_archive *out, struct why *w)
{
	const unsigned char *p = data, *end = NULL, *q;
	struct zip_limits def;
	struct cd_entry *e = NULL;
	size_t i, k, cd_off, cd_len, total = 0, back;
	int n, nfiles = 0, rc = 0;

	memset(out, 0, sizeof(*out));
	if (lim == NULL) {
		zip_limits_default(&def);
		lim = &def;
	}
	/* The end record: the last one in the final 64 KiB + 22 bytes (a
	 * comment may follow it). */
	if (len < END_LEN)
		return refuse(w, ERR_INVAL, N_("The package is not a zip file."),
		    NULL, a, 0, 0);
	back = len - END_LEN;
	for (i = 0; i <= back && i <= 65535; i++) {
		q = p + back - i;
		if (u32(q) == SIG_END && u16(q + 20) == i) {
			end = q;
			break;
		}
	}
	if (end == NULL)
		return refuse(w, ERR_INVAL, N_("The package is not a zip file."),
		    NULL, a, 0, 0);
	n = u16(end + 10);
	cd_len = u32(end + 12);
	cd_off = u32(end + 16);
	if (u16(end + 4) != 0 || u16(end + 6) != 0 || u16(end + 8) != n)
		return refuse(w, ERR_MEDIATYPE, N_("The package is split over "
		    "several files; make it one zip file."), NULL, a, 0, 0);
	if (n == 0xffff || cd_len == 0xffffffffu || cd_off == 0xffffffffu)
		return refuse(w, ERR_MEDIATYPE, N_("The package is a ZIP64 "
		    "file, which we do not read; make an ordinary zip file."),
		    NULL, a, 0, 0);
	if (n > lim->entries)
		return refuse(w, ERR_TOOMANY, N_("The package holds more than "
		    "%d files."), NULL, a, 0, lim->entries);
	if (n == 0)
		return refuse(w, ERR_INVAL, N_("The package is empty."), NULL,
		    a, 0, 0);
	if (cd_off > (size_t)(end - p) || cd_len > (size_t)(end - p) - cd_off)
		return refuse(w, ERR_INVAL, N_("The package is damaged: its "
		    "table of contents lies outside the file."), NULL, a, 0, 0);
	e = arena_calloc(a, (size_t)n, sizeof(*e));
	q = p + cd_off;
	for (i = 0; i < (size_t)n; i++) {
		size_t nl, xl, cl, rest = (size_t)(p + cd_off + cd_len - q);
		uint16_t made, flags;
		uint32_t ext, mode;

		if (rest < CENTRAL_LEN || u32(q) != SIG_CENTRAL)
			return refuse(w, ERR_INVAL, N_("The package is damaged: "
			    "its table of contents is cut short."), NULL, a, 0,
			    0);
		made = u16(q + 4);
		flags = u16(q + 8);
		e[i].method = u16(q + 10);
		e[i].crc = u32(q + 16);
		e[i].csize = u32(q + 20);
		e[i].usize = u32(q + 24);
		nl = u16(q + 28);
		xl = u16(q + 30);
		cl = u16(q + 32);
		ext = u32(q + 38);
		e[i].local = u32(q + 42);
		if (rest - CENTRAL_LEN < nl + xl + cl)
			return refuse(w, ERR_INVAL, N_("The package is damaged: "
			    "its table of contents is cut short."), NULL, a, 0,
			    0);
		e[i].name = (const char *)q + CENTRAL_LEN;
		e[i].name_len = nl;
		q += CENTRAL_LEN + nl + xl + cl;
		e[i].dir = nl > 0 && e[i].name[nl - 1] == '/';
		if (!zip_name_ok(e[i].name, e[i].dir ? nl - 1 : nl, lim->path))
			return refuse(w, ERR_INVAL, nl > lim->path ?
			    N_("The package holds a file with a name longer "
			    "than %d bytes.") : N_("The package holds a file "
			    "named %s, which would land outside the module "
			    "(\"..\", a leading /, a backslash or a control "
			    "character)."), e[i].name, a, nl, (long)lim->path);
		/* Unix file type in the high half of the attributes */
		mode = ext >> 16;
		if ((made >> 8) == 3 && (mode & 0170000) != 0 &&
		    (mode & 0170000) != 0100000 && (mode & 0170000) != 0040000)
			return refuse(w, ERR_INVAL, (mode & 0170000) ==
			    0120000 ? N_("The package holds %s as a symbolic "
			    "link; only plain files are accepted.") :
			    N_("The package holds %s, which is not a plain "
			    "file."), e[i].name, a, nl, 0);
		if (flags & 0x41)
			return refuse(w, ERR_MEDIATYPE, N_("The file %s in the "
			    "package is encrypted."), e[i].name, a, nl, 0);
		if (e[i].method != 0 && e[i].method != 8)
			return refuse(w, ERR_MEDIATYPE, N_("The file %s in the "
			    "package is compressed in a way we do not read; "
			    "use deflate."), e[i].name, a, nl, 0);
		if (e[i].csize == 0xffffffffu || e[i].usize == 0xffffffffu ||
		    e[i].local == 0xffffffffu)
			return refuse(w, ERR_MEDIATYPE, N_("The package is a "
			    "ZIP64 file, which we do not read; make an "
			    "ordinary zip file."), NULL, a, 0, 0);
		if (e[i].dir) {
			if (e[i].usize != 0)
				return refuse(w, ERR_INVAL, N_("The package is "
				    "damaged: the folder %s has content."),
				    e[i].name, a, nl, 0);
			continue;
		}
		if (e[i].usize > lim->entry)
			return refuse(w, ERR_TOOBIG, N_("The file %s in the "
			    "package is larger than %d MB."), e[i].name, a, nl,
			    (long)(lim->entry / 1048576));
		total += e[i].usize;
		if (total > lim->total)
			return refuse(w, ERR_TOOBIG, N_("The package unpacks "
			    "to more than %d MB."), NULL, a, 0,
			    (long)(lim->total / 1048576));
		if (e[i].method == 0 && e[i].csize != e[i].usize)
			return refuse(w, ERR_INVAL, N_("The package is damaged: "
			    "the sizes of %s do not agree."), e[i].name, a, nl,
			    0);
		if (e[i].usize > lim->ratio_floor &&
		    e[i].usize / lim->ratio > e[i].csize)
			return refuse(w, ERR_TOOBIG, N_("The file %s in the "
			    "package unpacks to more than %d times its packed "
			    "size, which is what a zip bomb does."), e[i].name,
			    a, nl, (long)lim->ratio);
		e[i].index = nfiles++;
	}
	/* duplicates, also in another case */
	for (i = 0; i < (size_t)n; i++) {
		char *s = arena_strndup(a, e[i].name, e[i].dir ?
		    e[i].name_len - 1 : e[i].name_len);

		e[i].name = s;
		for (k = 0; k < i; k++)
			if (same_name(e[k].name, s))
				return refuse(w, ERR_INVAL, N_("The package "
				    "holds %s twice (names that differ only in "
				    "case count as the same)."), s, a,
				    strlen(s), 0);
	}
	/* files only, by offset: local headers agree, nothing overlaps */
	for (i = 0, k = 0; i < (size_t)n; i++)
		if (!e[i].dir)
			e[k++] = e[i];
	qsort(e, (size_t)nfiles, sizeof(*e), by_offset);
	for (i = 0; i < (size_t)nfiles; i++) {
		size_t nl, xl, lo = e[i].local;

		if (lo > cd_off || cd_off - lo < LOCAL_LEN ||
		    u32(p + lo) != SIG_LOCAL)
			return refuse(w, ERR_INVAL, N_("The package is damaged: "
			    "the file %s is not where its table of contents "
			    "says."), e[i].name, a, strlen(e[i].name), 0);
		nl = u16(p + lo + 26);
		xl = u16(p + lo + 28);
		if (cd_off - lo - LOCAL_LEN < nl + xl ||
		    nl != strlen(e[i].name) ||
		    memcmp(p + lo + LOCAL_LEN, e[i].name, nl) != 0 ||
		    u16(p + lo + 8) != e[i].method)
			return refuse(w, ERR_INVAL, N_("The package is damaged: "
			    "the file %s has two different headers."),
			    e[i].name, a, strlen(e[i].name), 0);
		/* without a data descriptor the local sizes must agree too */
		if (!(u16(p + lo + 6) & 0x08) &&
		    (u32(p + lo + 18) != e[i].csize ||
		    u32(p + lo + 22) != e[i].usize))
			return refuse(w, ERR_INVAL, N_("The package is damaged: "
			    "the file %s has two different headers."),
			    e[i].name, a, strlen(e[i].name), 0);
		e[i].data = lo + LOCAL_LEN + nl + xl;
		if (cd_off - e[i].data < e[i].csize)
			return refuse(w, ERR_INVAL, N_("The package is damaged: "
			    "the file %s runs into the table of contents."),
			    e[i].name, a, strlen(e[i].name), 0);
		if (i + 1 < (size_t)nfiles &&
		    e[i].data + e[i].csize > e[i + 1].local)
			return refuse(w, ERR_INVAL, N_("The package is damaged: "
			    "the files %s and the next overlap, as in a zip "
			    "bomb."), e[i].name, a, strlen(e[i].name), 0);
	}
	/* everything checked: inflate, in the directory's order */
	qsort(e, (size_t)nfiles, sizeof(*e), by_index);
	out->entry = arena_calloc(a, (size_t)nfiles + 1, sizeof(*out->entry));
	for (i = 0; i < (size_t)nfiles; i++) {
		unsigned char *buf = arena_alloc(a, e[i].usize + 1);

		if ((rc = inflate_entry(p + e[i].data, &e[i], buf)) != 0 ||
		    (uint32_t)crc32(0L, buf, (uInt)e[i].usize) != e[i].crc) {
			memset(out, 0, sizeof(*out));
			return refuse(w, rc == ERR_INTERNAL ? rc : ERR_INVAL,
			    N_("The package is damaged: the file %s does not "
			    "unpack to what its header says."), e[i].name, a,
			    strlen(e[i].name), 0);
		}
		buf[e[i].usize] = '\0';
		out->entry[i].name = e[i].name;
		out->entry[i].data = buf;
		out->entry[i].len = e[i].usize;
	}
	out->n = nfiles;
	return 0;
}

const struct zip_entry *
zip_find(const struct zip_archive *z, const char *name)
{
	int i;

	for (i = 0; i < z->n; i++)
		if (strcmp(z->entry[i].name, name) == 0)
			return &z->entry[i];
	return NULL;
}

/* --- the writer --------------------------------------------------------- */

static void
put16(struct buf *b, unsigned v)
{
	unsigned char c[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	buf_add(b, c, 2);
}

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8),
		(unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	buf_add(b, c, 4);
}

void
zip_writer_init(struct zip_writer *zw)
{
	memset(zw, 0, sizeof(*zw));
	buf_init(&zw->out);
	buf_init(&zw->cd);
}

/* A fixed time (1 January 2020): the same module makes the same bytes. */
#define DOS_TIME 0
#define DOS_DATE ((40 << 9) | (1 << 5) | 1)

int
zip_writer_add(struct zip_writer *zw, const char *name, const void *p,
    size_t len)
{
	size_t nl = strlen(name), clen, off = zw->out.len;
	unsigned char *cbuf = NULL;
	const unsigned char *data = p;
	unsigned method = 0;
	uLongf dlen;
	uint32_t crc;
	z_stream z;

	if (!zip_name_ok(name, nl, LIMIT_PKG_PATH) || zw->n >= 65534) {
		zw->failed = true;
		return ERR_INVAL;
	}
	if (len >= 0xffffffffu || off >= 0xffffffffu) {
		zw->failed = true;
		return ERR_TOOBIG;
	}
	crc = (uint32_t)crc32(0L, p, (uInt)len);
	clen = len;
	/* raw deflate (no zlib header), kept only when it is smaller */
	dlen = compressBound((uLong)len);
	cbuf = xmalloc(dlen ? dlen : 1);
	{
		memset(&z, 0, sizeof(z));
		if (deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8,
		    Z_DEFAULT_STRATEGY) == Z_OK) {
			z.next_in = (unsigned char *)p;
			z.avail_in = (uInt)len;
			z.next_out = cbuf;
			z.avail_out = (uInt)dlen;
			if (deflate(&z, Z_FINISH) == Z_STREAM_END &&
			    z.total_out < len) {
				method = 8;
				clen = z.total_out;
				data = cbuf;
			}
			deflateEnd(&z);
		}
	}
	put32(&zw->out, SIG_LOCAL);
	put16(&zw->out, 20);
	put16(&zw->out, 0x0800); /* names are UTF-8 */
	put16(&zw->out, method);
	put16(&zw->out, DOS_TIME);
	put16(&zw->out, DOS_DATE);
	put32(&zw->out, crc);
	put32(&zw->out, (uint32_t)clen);
	put32(&zw->out, (uint32_t)len);
	put16(&zw->out, (unsigned)nl);
	put16(&zw->out, 0);
	buf_add(&zw->out, name, nl);
	buf_add(&zw->out, data, clen);
	put32(&zw->cd, SIG_CENTRAL);
	put16(&zw->cd, 3 << 8 | 20); /* made on Unix */
	put16(&zw->cd, 20);
	put16(&zw->cd, 0x0800);
	put16(&zw->cd, method);
	put16(&zw->cd, DOS_TIME);
	put16(&zw->cd, DOS_DATE);
	put32(&zw->cd, crc);
	put32(&zw->cd, (uint32_t)clen);
	put32(&zw->cd, (uint32_t)len);
	put16(&zw->cd, (unsigned)nl);
	put16(&zw->cd, 0);
	put16(&zw->cd, 0);
	put16(&zw->cd, 0);
	put16(&zw->cd, 0);
	put32(&zw->cd, (uint32_t)0100644 << 16);
	put32(&zw->cd, (uint32_t)off);
	buf_add(&zw->cd, name, nl);
	free(cbuf);
	zw->n++;
	return 0;
}

int
zip_writer_finish(struct zip_writer *zw, struct buf *out)
{
	size_t cd_off = zw->out.len;

	if (zw->failed || cd_off >= 0xffffffffu)
		return ERR_INVAL;
	buf_add(&zw->out, zw->cd.p, zw->cd.len);
	put32(&zw->out, SIG_END);
	put16(&zw->out, 0);
	put16(&zw->out, 0);
	put16(&zw->out, (unsigned)zw->n);
	put16(&zw->out, (unsigned)zw->n);
	put32(&zw->out, (uint32_t)zw->cd.len);
	put32(&zw->out, (uint32_t)cd_off);
	put16(&zw->out, 0);
	buf_release(out);
	*out = zw->out;
	buf_init(&zw->out);
	return 0;
}

void
zip_writer_release(struct zip_writer *zw)
{
	buf_release(&zw->out);
	buf_release(&zw->cd);
}
