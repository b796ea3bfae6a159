/*
 * sniff.h - what a media file is, told by its content.
 *
 * The type of an image, a sound, a film or a PDF is read from its first
 * bytes (the formats' magic numbers), never from its name or the type a
 * browser sent: a name only has to agree with the content, and a file whose
 * name says one thing while its bytes say another is refused with a reason.
 * Used by src/media (uploads) and src/package (the files of a package).
 */
#ifndef INFUUS_MEDIA_SNIFF_H
#define INFUUS_MEDIA_SNIFF_H

#include <stddef.h>

struct why;

enum media_type {
	MEDIA_NONE = 0,  /* none of the types below */
	MEDIA_PNG,
	MEDIA_JPEG,
	MEDIA_GIF,
	MEDIA_WEBP,
	MEDIA_MP3,
	MEDIA_OGG,       /* Ogg: Vorbis or Opus sound */
	MEDIA_WAV,
	MEDIA_M4A,       /* MP4 container with an audio brand (M4A, M4B) */
	MEDIA_MP4,       /* MP4 container, any other brand: a film */
	MEDIA_WEBM,
	MEDIA_PDF,
};
#define MEDIA_NTYPES (MEDIA_PDF + 1)

enum media_class {
	MEDIA_CLASS_NONE = 0,
	MEDIA_CLASS_IMAGE,
	MEDIA_CLASS_AUDIO,
	MEDIA_CLASS_VIDEO,
	MEDIA_CLASS_DOCUMENT,
};

/* Bytes of a file's start media_sniff needs at most to decide. */
#define MEDIA_SNIFF_BYTES 64

/* The type of the file that starts with p (len bytes; fewer than
 * MEDIA_SNIFF_BYTES is fine); MEDIA_NONE when it is none of ours. */
enum media_type media_sniff(const void *p, size_t len);

/* "image/png", ...; "application/octet-stream" for MEDIA_NONE. */
const char *media_mime(enum media_type t);
/* "png", "jpeg", ... (also the name the database stores); "" for NONE. */
const char *media_type_name(enum media_type t);
/* The inverse of media_type_name; MEDIA_NONE for an unknown name. */
enum media_type media_type_from_name(const char *name);
enum media_class media_class_of(enum media_type t);

/*
 * The type of a file named name (a base name; only its extension is
 * read) with content p/len: 0 and *out when the content is one of ours and
 * the name's extension is one of that type's (.jpg or .jpeg for JPEG, .mp4,
 * .m4v or .m4a for either MP4 type, ...).  ERR_MEDIATYPE with w filled
 * ("file", a sentence, w->name the name) when the content is no accepted
 * type, or when the name says another type or none.
 */
int media_identify(const char *name, const void *p, size_t len,
    enum media_type *out, struct why *w);

#endif
