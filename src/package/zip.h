/*
 * zip.h - a reader that refuses hostile zip files, and a writer.
 *
 * The reader checks the whole archive before it inflates a byte: the end
 * record and the central directory, each entry's name (no "..", no
 * absolute path, no backslash, no empty or "." part, no control
 * characters, no two names that differ only in case), its kind (a
 * symbolic link or device in the external attributes is refused), its
 * method (stored or deflated; no encryption, no ZIP64), its sizes against
 * the limits (per entry, in total, compressed-to-uncompressed ratio), and
 * that each local header agrees with the directory and no two entries'
 * bytes overlap.  Only then is every entry inflated into the arena, each
 * to exactly the size it declared and with its CRC-32 checked.  Any
 * refusal returns an error and nothing: the caller never holds half an
 * archive.
 *
 * The writer makes what the reader accepts: deflated (or stored when that
 * is smaller) regular files with Unix permissions 0644, no directories.
 */
#ifndef INFUUS_PACKAGE_ZIP_H
#define INFUUS_PACKAGE_ZIP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"

struct why;

struct zip_entry {
	const char *name;            /* checked path, in the arena */
	const unsigned char *data;   /* inflated; NUL after the last byte */
	size_t len;
};

struct zip_archive {
	struct zip_entry *entry;     /* in the central directory's order */
	int n;                       /* directories are left out */
};

/* Limits the reader enforces (core/limits.h's LIMIT_PKG_* by default). */
struct zip_limits {
	int entries;                 /* entries in the central directory */
	size_t entry;                /* uncompressed bytes of one entry */
	size_t total;                /* uncompressed bytes of all */
	unsigned ratio;              /* uncompressed per compressed byte ... */
	size_t ratio_floor;          /* ... for entries larger than this */
	size_t path;                 /* bytes of a name */
};
void zip_limits_default(struct zip_limits *l);

/*
 * Read the zip p/len under limits l (NULL: zip_limits_default) into *out
 * (names and contents in a).  0, or ERR_INVAL / ERR_TOOBIG / ERR_TOOMANY /
 * ERR_MEDIATYPE (a method or feature we do not read) with w saying why
 * (field "package"; w->name the entry at fault, in a, when there is one;
 * w->limit the limit passed).  *out is all zero on failure.
 */
int zip_read(const void *p, size_t len, const struct zip_limits *l,
    struct arena *a, struct zip_archive *out, struct why *w);
/* The entry named name; NULL when there is none. */
const struct zip_entry *zip_find(const struct zip_archive *z,
    const char *name);
/* Is name a path zip_read accepts (the rules above; at most max bytes)? */
bool zip_name_ok(const char *name, size_t len, size_t max);

/* The writer: init, add files, finish (the archive is then in out). */
struct zip_writer {
	struct buf out;              /* local headers and data so far */
	struct buf cd;               /* the central directory so far */
	int n;
	bool failed;                 /* a name refused or a limit passed */
};
void zip_writer_init(struct zip_writer *zw);
/* Add a regular file; ERR_INVAL for a name zip_name_ok refuses (or a
 * second file of that name), ERR_TOOBIG over the format's 4 GB. */
int zip_writer_add(struct zip_writer *zw, const char *name, const void *p,
    size_t len);
/* Write the central directory and end record; out gets the archive (its
 * buffer is taken from the writer).  ERR_INVAL after a failed add. */
int zip_writer_finish(struct zip_writer *zw, struct buf *out);
void zip_writer_release(struct zip_writer *zw);

#endif
