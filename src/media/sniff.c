/*
 * sniff.c - media types by magic numbers (see sniff.h).
 *
 * Each test reads only the bytes the format fixes at its start, so a file
 * cut short after its header still sniffs right; the bytes after the
 * header are the player's business.  Containers that hold several kinds
 * (RIFF: WAV or WebP; EBML: WebM or Matroska; ISO BMFF: film or sound) are
 * told apart by the brand or document type in the header, and a container
 * with an unknown brand is refused rather than guessed.
 */
#include "media/sniff.h"

#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/banned.h"

static const struct {
	const char *name;
	const char *mime;
	enum media_class cls;
	const char *ext; /* accepted extensions, space-separated */
} types[MEDIA_NTYPES] = {
	[MEDIA_NONE] = { "", "application/octet-stream", MEDIA_CLASS_NONE, "" },
	[MEDIA_PNG] = { "png", "image/png", MEDIA_CLASS_IMAGE, "png" },
	[MEDIA_JPEG] = { "jpeg", "image/jpeg", MEDIA_CLASS_IMAGE, "jpg jpeg" },
	[MEDIA_GIF] = { "gif", "image/gif", MEDIA_CLASS_IMAGE, "gif" },
	[MEDIA_WEBP] = { "webp", "image/webp", MEDIA_CLASS_IMAGE, "webp" },
	[MEDIA_MP3] = { "mp3", "audio/mpeg", MEDIA_CLASS_AUDIO, "mp3" },
	[MEDIA_OGG] = { "ogg", "audio/ogg", MEDIA_CLASS_AUDIO, "ogg oga opus" },
	[MEDIA_WAV] = { "wav", "audio/wav", MEDIA_CLASS_AUDIO, "wav" },
	[MEDIA_M4A] = { "m4a", "audio/mp4", MEDIA_CLASS_AUDIO, "m4a mp4 m4v" },
	[MEDIA_MP4] = { "mp4", "video/mp4", MEDIA_CLASS_VIDEO, "mp4 m4v m4a" },
	[MEDIA_WEBM] = { "webm", "video/webm", MEDIA_CLASS_VIDEO, "webm" },
	[MEDIA_PDF] = { "pdf", "application/pdf", MEDIA_CLASS_DOCUMENT, "pdf" },
};

static int
at(const unsigned char *p, size_t len, size_t off, const char *magic,
    size_t n)
{
	return len >= off + n && memcmp(p + off, magic, n) == 0;
}

/* An MPEG audio frame header: sync, MPEG-1/2/2.5, layer III, a bit rate
 * and a sample rate that are not the reserved values. */
static int
mp3_frame(const unsigned char *p, size_t len)
{
	if (len < 4 || p[0] != 0xff || (p[1] & 0xe0) != 0xe0)
		return 0;
	if ((p[1] & 0x18) == 0x08 || (p[1] & 0x06) != 0x02)
		return 0; /* reserved version, or not layer III */
	if ((p[2] & 0xf0) == 0xf0 || (p[2] & 0xf0) == 0 ||
	    (p[2] & 0x0c) == 0x0c)
		return 0; /* bad or free bit rate, reserved sample rate */
	return 1;
}

/* WebM: an EBML header whose DocType element (0x42 0x82, a one-byte size)
 * says "webm"; Matroska files say "matroska" and are not ours. */
static int
webm(const unsigned char *p, size_t len)
{
	size_t i;

	if (!at(p, len, 0, "\x1a\x45\xdf\xa3", 4))
		return 0;
	for (i = 4; i + 7 <= len && i < MEDIA_SNIFF_BYTES; i++)
		if (p[i] == 0x42 && p[i + 1] == 0x82 && p[i + 2] == 0x84 &&
		    memcmp(p + i + 3, "webm", 4) == 0)
			return 1;
	return 0;
}

enum media_type
media_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (at(p, len, 0, "\x89PNG\r\n\x1a\n", 8))
		return MEDIA_PNG;
	if (at(p, len, 0, "\xff\xd8\xff", 3))
		return MEDIA_JPEG;
	if (at(p, len, 0, "GIF87a", 6) || at(p, len, 0, "GIF89a", 6))
		return MEDIA_GIF;
	if (at(p, len, 0, "RIFF", 4) && at(p, len, 8, "WEBPVP8", 7))
		return MEDIA_WEBP;
	if (at(p, len, 0, "RIFF", 4) && at(p, len, 8, "WAVEfmt ", 8))
		return MEDIA_WAV;
	if (at(p, len, 0, "%PDF-", 5))
		return MEDIA_PDF;
	/* an Ogg page of version 0 that begins a stream */
	if (at(p, len, 0, "OggS\0", 5) && len > 5 && (p[5] & 0x02))
		return MEDIA_OGG;
	if (at(p, len, 0, "ID3", 3) && len >= 10 && p[3] < 0xff &&
	    p[4] < 0xff && !((p[6] | p[7] | p[8] | p[9]) & 0x80))
		return MEDIA_MP3;
	if (mp3_frame(p, len))
		return MEDIA_MP3;
	if (webm(p, len))
		return MEDIA_WEBM;
	/* ISO BMFF: a box "ftyp" first, its major brand after it */
	if (at(p, len, 4, "ftyp", 4) && len >= 12) {
		if (at(p, len, 8, "M4A ", 4) || at(p, len, 8, "M4B ", 4))
			return MEDIA_M4A;
		if (at(p, len, 8, "isom", 4) || at(p, len, 8, "iso2", 4) ||
		    at(p, len, 8, "mp41", 4) || at(p, len, 8, "mp42", 4) ||
		    at(p, len, 8, "avc1", 4) || at(p, len, 8, "M4V ", 4) ||
		    at(p, len, 8, "dash", 4) || at(p, len, 8, "iso5", 4) ||
		    at(p, len, 8, "iso6", 4))
			return MEDIA_MP4;
	}
	return MEDIA_NONE;
}

const char *
media_mime(enum media_type t)
{
	return (unsigned)t < MEDIA_NTYPES ? types[t].mime : types[0].mime;
}

const char *
media_type_name(enum media_type t)
{
	return (unsigned)t < MEDIA_NTYPES ? types[t].name : "";
}

enum media_type
media_type_from_name(const char *name)
{
	int i;

	for (i = 1; i < MEDIA_NTYPES; i++)
		if (strcmp(types[i].name, name) == 0)
			return (enum media_type)i;
	return MEDIA_NONE;
}

enum media_class
media_class_of(enum media_type t)
{
	return (unsigned)t < MEDIA_NTYPES ? types[t].cls : MEDIA_CLASS_NONE;
}

/* Is ext (n bytes) one of the space-separated words of list? */
static int
ext_in(const char *list, const char *ext, size_t n)
{
	const char *w = list, *e;

	while (*w) {
		e = strchr(w, ' ');
		if (e == NULL)
			e = w + strlen(w);
		if ((size_t)(e - w) == n && strncasecmp(w, ext, n) == 0)
			return 1;
		w = *e ? e + 1 : e;
	}
	return 0;
}

int
media_identify(const char *name, const void *p, size_t len,
    enum media_type *out, struct why *w)
{
	enum media_type t = media_sniff(p, len);
	const char *dot = name ? strrchr(name, '.') : NULL;
	int rc;

	*out = MEDIA_NONE;
	if (t == MEDIA_NONE) {
		rc = why_set(w, ERR_MEDIATYPE, "file",
		    N_("The file %s is not an image, sound, film or PDF of a "
		    "kind we accept (PNG, JPEG, GIF, WebP, MP3, Ogg, WAV, "
		    "MP4, M4A, WebM, PDF)."));
		goto name;
	}
	if (dot == NULL || dot[1] == '\0' ||
	    !ext_in(types[t].ext, dot + 1, strlen(dot + 1))) {
		rc = why_set(w, ERR_MEDIATYPE, "file",
		    N_("The file %s is not what its name says: its content is "
		    "of another type. Give it the right name or choose "
		    "another file."));
		goto name;
	}
	*out = t;
	return 0;
name:
	if (w != NULL)
		w->name = name ? name : "";
	return rc;
}
