/*
 * attach.c - what an attachment may be: its type told by its content, and
 * a file name that is safe to store, list and send back.
 *
 * The type a browser sends and the name's extension are only claims; the
 * allow-list is checked against the bytes: PDF, PNG, JPEG and GIF by their
 * signatures, plain text by being well-formed UTF-8 without control
 * characters, and the two word-processor formats (both zip files) by what
 * their zip holds: a .docx has word/document.xml in its central directory,
 * an .odt starts with the stored "mimetype" entry that names it (the
 * OpenDocument rule).  Any other zip is refused.
 *
 * Caveat: a type check is not a virus check.  What a file does when its
 * reader opens it is up to that reader; the server only sends it back as a
 * download (Content-Disposition: attachment, nosniff).
 */
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "message/message.h"
#include "message/msg_int.h"
#include "core/banned.h"

#define TYPE_PDF "application/pdf"
#define TYPE_PNG "image/png"
#define TYPE_JPEG "image/jpeg"
#define TYPE_GIF "image/gif"
#define TYPE_TEXT "text/plain"
#define TYPE_DOCX \
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define TYPE_ODT "application/vnd.oasis.opendocument.text"

static const char *const allowed[] = {
	TYPE_PDF, TYPE_PNG, TYPE_JPEG, TYPE_GIF, TYPE_TEXT, TYPE_DOCX, TYPE_ODT,
};

bool
msg_type_allowed(const char *type)
{
	size_t i;

	if (type == NULL)
		return false;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(type, allowed[i]) == 0)
			return true;
	return false;
}

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static bool
has_prefix(const unsigned char *p, size_t n, const char *sig, size_t siglen)
{
	return n >= siglen && memcmp(p, sig, siglen) == 0;
}

/* An OpenDocument text: the first local entry is "mimetype", stored
 * uncompressed, holding exactly the type. */
static bool
is_odt(const unsigned char *p, size_t n)
{
	static const char mt[] = TYPE_ODT;
	size_t namelen, extra, off, size;

	if (n < 30 || le32(p) != 0x04034b50)
		return false;
	namelen = le16(p + 26);
	extra = le16(p + 28);
	size = le32(p + 18);
	if (le16(p + 8) != 0 || namelen != 8 || memcmp(p + 30, "mimetype", 8))
		return false;
	off = 30 + namelen + extra;
	return size == sizeof(mt) - 1 && n >= off + size &&
	    memcmp(p + off, mt, size) == 0;
}

/* A Word document: the central directory names word/document.xml. */
static bool
is_docx(const unsigned char *p, size_t n)
{
	static const char want[] = "word/document.xml";
	size_t eocd, i, entries, cd_off, cd_size, pos, namelen, step;

	/* The end-of-central-directory record is 22 bytes plus a comment of
	 * up to 65535 bytes, at the very end. */
	if (n < 22)
		return false;
	eocd = n - 22;
	for (i = 0; i <= 65535 && eocd > 0; i++, eocd--)
		if (le32(p + eocd) == 0x06054b50)
			break;
	if (le32(p + eocd) != 0x06054b50)
		return false;
	entries = le16(p + eocd + 10);
	cd_size = le32(p + eocd + 12);
	cd_off = le32(p + eocd + 16);
	if (cd_off > eocd || cd_size > eocd - cd_off)
		return false;
	pos = cd_off;
	for (i = 0; i < entries && i < LIMIT_ZIP_ENTRIES; i++) {
		if (cd_off + cd_size - pos < 46 || le32(p + pos) != 0x02014b50)
			return false;
		namelen = le16(p + pos + 28);
		step = 46 + namelen + le16(p + pos + 30) + le16(p + pos + 32);
		if (cd_off + cd_size - pos < step)
			return false;
		if (namelen == sizeof(want) - 1 &&
		    memcmp(p + pos + 46, want, namelen) == 0)
			return true;
		pos += step;
	}
	return false;
}

/* Well-formed UTF-8 without control characters other than tab, line
 * feed, carriage return and form feed (a byte-order mark is fine). */
static bool
is_text(const unsigned char *p, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		if ((k = utf8_decode(p + i, n - i, &cp)) == 0)
			return false;
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' &&
		    cp != '\f') || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return false;
		i += k;
	}
	return true;
}

const char *
msg_sniff_type(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (p == NULL || len == 0)
		return NULL;
	if (has_prefix(p, len, "%PDF-", 5))
		return TYPE_PDF;
	if (has_prefix(p, len, "\x89PNG\r\n\x1a\n", 8))
		return TYPE_PNG;
	if (has_prefix(p, len, "\xff\xd8\xff", 3))
		return TYPE_JPEG;
	if (has_prefix(p, len, "GIF87a", 6) || has_prefix(p, len, "GIF89a", 6))
		return TYPE_GIF;
	if (has_prefix(p, len, "PK\x03\x04", 4)) {
		if (is_odt(p, len))
			return TYPE_ODT;
		if (is_docx(p, len))
			return TYPE_DOCX;
		return NULL;
	}
	if (is_text(p, len))
		return TYPE_TEXT;
	return NULL;
}

int
msg_upload_check(const struct msg_upload *u, const char **type)
{
	const char *t;

	if (u->len == 0 || u->len > LIMIT_ATTACHMENT)
		return ERR_TOOBIG;
	if ((t = msg_sniff_type(u->data, u->len)) == NULL)
		return ERR_MEDIATYPE;
	*type = t;
	return 0;
}

/* What becomes of a character of a name: kept, replaced by '_' (what
 * Windows refuses in names, and bytes that are not UTF-8), or dropped
 * (controls: C0, DEL, C1; and the invisible and bidirectional marks that
 * make "report\u202Efdp.exe" look like "reportexe.pdf"). */
enum name_fate { NAME_KEEP, NAME_REPLACE, NAME_DROP };

static enum name_fate
name_fate(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return NAME_DROP;
	if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
		return NAME_DROP;
	if (cp < 0x80 && strchr("\"<>:|?*\\/", (int)cp) != NULL)
		return NAME_REPLACE;
	return NAME_KEEP;
}

const char *
msg_clean_name(const char *name, struct arena *a)
{
	const unsigned char *p;
	const char *base, *s;
	struct buf b = BUF_INIT;
	size_t n, i = 0, k;
	uint32_t cp;
	char *out;

	if (name == NULL)
		name = "";
	/* The last path part, whichever separator the sender's system uses. */
	base = name;
	for (s = name; *s; s++)
		if (*s == '/' || *s == '\\')
			base = s + 1;
	p = (const unsigned char *)base;
	n = strlen(base);
	while (i < n) {
		enum name_fate f;

		if ((k = utf8_decode(p + i, n - i, &cp)) == 0) {
			f = NAME_REPLACE;
			k = 1;
		} else {
			f = name_fate(cp);
		}
		if (f != NAME_DROP) {
			size_t add = f == NAME_KEEP ? k : 1;

			if (b.len + add > LIMIT_ATTACHMENT_NAME)
				break;
			if (f == NAME_KEEP)
				buf_add(&b, p + i, k);
			else
				buf_addch(&b, '_');
		}
		i += k;
	}
	/* No hidden files, no "..", no surrounding blanks. */
	s = b.p;
	while (*s == '.' || *s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
		n--;
	out = n ? arena_strndup(a, s, n) : arena_strdup(a, "attachment");
	buf_release(&b);
	return out;
}

/* The extensions each allowed type goes by; the first is the one given to
 * a name that has none of them. */
static const struct {
	const char *type;
	const char *ext[2];
} type_ext[] = {
	{ TYPE_PDF, { ".pdf", NULL } },
	{ TYPE_PNG, { ".png", NULL } },
	{ TYPE_JPEG, { ".jpg", ".jpeg" } },
	{ TYPE_GIF, { ".gif", NULL } },
	{ TYPE_TEXT, { ".txt", NULL } },
	{ TYPE_DOCX, { ".docx", NULL } },
	{ TYPE_ODT, { ".odt", NULL } },
};

const char *
msg_name_for_type(const char *clean, const char *type, struct arena *a)
{
	const char *dot, *ext = NULL;
	size_t i, k, base;

	for (i = 0; i < sizeof(type_ext) / sizeof(type_ext[0]); i++)
		if (type != NULL && strcmp(type, type_ext[i].type) == 0)
			break;
	if (i == sizeof(type_ext) / sizeof(type_ext[0]))
		return arena_strdup(a, "attachment");
	dot = strrchr(clean, '.');
	for (k = 0; dot != NULL && k < 2 && type_ext[i].ext[k]; k++)
		if (strcasecmp(dot, type_ext[i].ext[k]) == 0)
			return clean;
	/* The claimed extension (".bat", ".html", ".svg", or none) gives way
	 * to the type's own; the name stays within LIMIT_ATTACHMENT_NAME,
	 * cut at a character boundary. */
	ext = type_ext[i].ext[0];
	base = dot != NULL && dot != clean ? (size_t)(dot - clean) :
	    strlen(clean);
	if (base > LIMIT_ATTACHMENT_NAME - strlen(ext)) {
		base = LIMIT_ATTACHMENT_NAME - strlen(ext);
		while (base > 0 && ((unsigned char)clean[base] & 0xc0) == 0x80)
			base--;
	}
	return arena_printf(a, "%.*s%s", (int)base, clean, ext);
}
