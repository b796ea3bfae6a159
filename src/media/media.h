/*
 * media.h - images, sounds, films and PDFs of an organisation, stored in
 * the database so that every node of an installation serves them.
 *
 * Owns the tables media and media_chunks (migration 094).  A file is kept
 * in rows of LIMIT_MEDIA_CHUNK bytes and read back a chunk at a time
 * (media_stream), so serving a film never holds more than one chunk.  Its
 * type is told by content (media/sniff.h) when it is stored; the name is
 * only a label that has to agree.  Stored files never change: a new
 * version is a new file, so the content's hash is a strong ETag.
 *
 * Who may see a file (decided in authz.c, AUTHZ_MEDIA, from media_access_on):
 * the members of its organisation, in any role (a client reads the
 * pictures of a module and the films of the library), and, when an
 * administrator marked it shared (media_set_shared), every signed-in
 * person of any organisation, who also plays the film or sound of a
 * library item shared with them.  Professionals and administrators of the
 * organisation upload and remove.  A module or the library that shows a
 * file to someone outside those rules shares it, or copies it into the
 * reader's organisation (a package import does so).  Media are content
 * professionals wrote, not client data: not sealed, and reading one is
 * not in the access log; storing and removing one is.
 */
#ifndef INFUUS_MEDIA_H
#define INFUUS_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "media/sniff.h"

struct audit_event;
struct db;
struct db_conn;
struct why;

struct media_info {
	int64_t id;
	int64_t org_id;
	enum media_type type;
	uint64_t size;
	const char *name;      /* cleaned; in the caller's arena */
	char sha256[65];       /* hex of the content's SHA-256 */
	bool shared;
	int64_t created_by;    /* 0 when that person was removed */
	int64_t created_at;
};

/*
 * Check a file before storing it: 1..LIMIT_MEDIA_FILE bytes (ERR_TOOBIG),
 * content and name agreeing (media_identify: ERR_MEDIATYPE).  *type and
 * *clean (the cleaned name, in a) on success; w says why otherwise.
 */
int media_check(const char *name, const void *p, size_t len, struct arena *a,
    enum media_type *type, const char **clean, struct why *w);

/*
 * Store a file of org_id in one write job with its access log entry (ev:
 * the template saying who and from where, audit_event_from; its actor is
 * the uploader): media_check, then at most LIMIT_MEDIA_PER_ORG files per
 * organisation (ERR_TOOMANY).  0 and *id.  A w->name it sets is the name
 * as given (name), not the cleaned one.
 */
int media_put(struct db *db, int64_t org_id, const struct audit_event *ev,
    const char *name, const void *p, size_t len, int64_t *id, struct why *w);
/* The same inside a caller's write job (a package import stores all its
 * files and the module in one job, or nothing); no access log entry (the
 * caller writes its own). */
int media_put_on(struct db_conn *c, int64_t org_id, int64_t user_id,
    const char *name, const void *p, size_t len, int64_t *id, struct why *w);

/* One file's row; ERR_NOTFOUND when there is none.  name in a. */
int media_info_on(struct db_conn *c, int64_t id, struct arena *a,
    struct media_info *out);
/* For authz: the file's organisation and whether it is shared. */
int media_access_on(struct db_conn *c, int64_t id, int64_t *org_id,
    bool *shared);
/* The newest LIMIT_MEDIA_PAGE files of org_id, newest first, in a. */
int media_list(struct db *db, int64_t org_id, struct arena *a,
    struct media_info **out, int *n);
/* Chunk seq of file id: *out points at its bytes in a; ERR_NOTFOUND. */
int media_chunk_on(struct db_conn *c, int64_t id, uint64_t seq,
    struct arena *a, const void **out, size_t *len);
/* Share a file with every organisation, or stop sharing (an
 * administrator's choice; access log entry from ev as in media_put). */
int media_set_shared(struct db *db, int64_t id, const struct audit_event *ev,
    bool shared);
/* Remove a file and its chunks (access log entry from ev).  ERR_CONFLICT
 * with the reason in w (w->name the user's title, in a) while a module
 * page or a library item shows it: their owners say so
 * (mod_uses_media_on, lib_uses_media_on), in the same write job. */
int media_delete(struct db *db, int64_t id, const struct audit_event *ev,
    struct arena *a, struct why *w);

/*
 * Reading bytes first..last (inclusive, last < m->size) of a file a
 * chunk at a time, for a response that is sent while it is read.  Each
 * read borrows a read connection for the one chunk it needs, so an open
 * stream holds one chunk of memory and no connection between reads.
 */
struct media_stream;
struct media_stream *media_stream_new(struct db *db, const struct media_info *m,
    uint64_t first, uint64_t last);
/* Copy up to max bytes from pos (counted from first) into buf: the number
 * of bytes (> 0), 0 at the end, or a negative ERR_* (the file was removed
 * meanwhile, or the database failed). */
long media_stream_read(struct media_stream *s, uint64_t pos, char *buf,
    size_t max);
void media_stream_free(struct media_stream *s);

#endif
