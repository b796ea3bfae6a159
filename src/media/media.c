/*
 * media.c - media files in the database, in chunks (see media.h).
 *
 * Storing: the whole file is checked (size, content, name) before the
 * write job starts, and the job writes the row and every chunk, or, when
 * any of it fails, nothing.  Reading: one chunk per call, each on a read
 * connection borrowed for that call alone; a stream between two calls
 * holds the chunk it read last (a player asks for the next bytes, which
 * are usually in it) and nothing of the database.
 */
#include "media/media.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/xalloc.h"
#include "library/library.h"
#include "message/message.h"
#include "module/module.h"
#include "store/db.h"
#include "core/banned.h"

int
media_check(const char *name, const void *p, size_t len, struct arena *a,
    enum media_type *type, const char **clean, struct why *w)
{
	int rc;

	*type = MEDIA_NONE;
	*clean = msg_clean_name(name, a);
	if (len == 0 || len > LIMIT_MEDIA_FILE) {
		rc = why_set(w, ERR_TOOBIG, "file", len == 0 ?
		    N_("The file %s is empty.") :
		    N_("The file %s is larger than %d MB."));
		if (w != NULL) {
			w->name = *clean;
			w->limit = len == 0 ? 0 : LIMIT_MEDIA_FILE / 1048576;
		}
		return rc;
	}
	if ((rc = media_identify(*clean, p, len, type, w)) != 0)
		return rc;
	return 0;
}

static int
put_on(struct db_conn *c, int64_t org_id, int64_t user_id, const char *clean,
    enum media_type t, const void *p, size_t len, int64_t *id, struct why *w)
{
	struct db_stmt *st;
	struct buf hash = BUF_INIT;
	int64_t n = 0, seq;
	size_t off;
	int rc;

	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM media WHERE org_id = ?",
	    &n, 1, &org_id)) != 0)
		return rc;
	if (n >= LIMIT_MEDIA_PER_ORG) {
		rc = why_set(w, ERR_TOOMANY, "file",
		    N_("Your organisation has %d media files, the most it may "
		    "have; remove some first."));
		if (w != NULL)
			w->limit = LIMIT_MEDIA_PER_ORG;
		return rc;
	}
	crypto_sha256_hex(p, len, &hash);
	if ((rc = db_prepare(c, "INSERT INTO media (org_id, name, type, size, "
	    "sha256, shared, created_by, created_at) "
	    "VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	db_bind_textz(st, 2, clean);
	db_bind_textz(st, 3, media_type_name(t));
	db_bind_i64(st, 4, (int64_t)len);
	db_bind_text(st, 5, hash.p, hash.len);
	db_bind_id(st, 6, user_id);
	db_bind_i64(st, 7, (int64_t)time(NULL));
	if ((rc = db_step_id(st, id)) != 0)
		goto out;
	for (off = 0, seq = 0; off < len; off += LIMIT_MEDIA_CHUNK, seq++) {
		size_t k = len - off < LIMIT_MEDIA_CHUNK ? len - off :
		    LIMIT_MEDIA_CHUNK;

		if ((rc = db_prepare(c, "INSERT INTO media_chunks (media_id, "
		    "seq, data) VALUES (?, ?, ?)", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, *id);
		db_bind_i64(st, 2, seq);
		db_bind_blob(st, 3, (const char *)p + off, k);
		if ((rc = db_run(st)) != 0)
			goto out;
	}
out:
	buf_release(&hash);
	return rc;
}

int
media_put_on(struct db_conn *c, int64_t org_id, int64_t user_id,
    const char *name, const void *p, size_t len, int64_t *id, struct why *w)
{
	struct arena a;
	enum media_type t;
	const char *clean;
	int rc;

	arena_init(&a);
	if ((rc = media_check(name, p, len, &a, &t, &clean, w)) == 0)
		rc = put_on(c, org_id, user_id, clean, t, p, len, id, w);
	if (rc != 0 && w != NULL && w->name != NULL)
		w->name = name; /* the clean one lived in a */
	arena_release(&a);
	return rc;
}

struct put_job {
	int64_t org_id;
	const struct audit_event *ev;
	const char *clean;
	enum media_type t;
	const void *p;
	size_t len;
	struct why *w;
	int64_t id;
};

static int
put_run(struct db_conn *c, void *arg)
{
	struct put_job *j = arg;
	struct audit_event ev;
	int rc;

	if ((rc = put_on(c, j->org_id, j->ev->actor_id, j->clean, j->t, j->p,
	    j->len, &j->id, j->w)) != 0)
		return rc;
	ev = audit_event_from(j->ev, j->org_id, AUDIT_CREATE, "media", NULL, 0,
	    j->id);
	return audit_append(c, &ev);
}

int
media_put(struct db *db, int64_t org_id, const struct audit_event *ev,
    const char *name, const void *p, size_t len, int64_t *id, struct why *w)
{
	struct put_job j = { .org_id = org_id, .ev = ev, .p = p, .len = len,
	    .w = w };
	struct arena a;
	int rc;

	arena_init(&a);
	if ((rc = media_check(name, p, len, &a, &j.t, &j.clean, w)) != 0)
		goto out;
	if ((rc = db_write(db, put_run, &j)) < 0)
		goto out;
	*id = j.id;
	rc = 0;
out:
	if (rc != 0 && w != NULL && w->name != NULL)
		w->name = name; /* the clean one lived in a */
	arena_release(&a);
	return rc;
}

static void
row(struct db_stmt *st, struct arena *a, struct media_info *m)
{
	struct str s;

	memset(m, 0, sizeof(*m));
	m->id = db_col_i64(st, 0);
	m->org_id = db_col_i64(st, 1);
	m->name = db_col_copy(st, 2, a).p;
	s = db_col_text(st, 3);
	m->type = media_type_from_name(s.p && s.len < 16 ?
	    arena_strndup(a, s.p, s.len) : "");
	m->size = (uint64_t)db_col_i64(st, 4);
	s = db_col_text(st, 5);
	if (s.p && s.len == 64)
		memcpy(m->sha256, s.p, 64);
	m->shared = db_col_i64(st, 6) != 0;
	m->created_by = db_col_null(st, 7) ? 0 : db_col_i64(st, 7);
	m->created_at = db_col_i64(st, 8);
}

#define COLS "id, org_id, name, type, size, sha256, shared, created_by, " \
	"created_at"

int
media_info_on(struct db_conn *c, int64_t id, struct arena *a,
    struct media_info *out)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT " COLS " FROM media WHERE id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		row(st, a, out);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

int
media_access_on(struct db_conn *c, int64_t id, int64_t *org_id, bool *shared)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT org_id, shared FROM media WHERE id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		*org_id = db_col_i64(st, 0);
		*shared = db_col_i64(st, 1) != 0;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

int
media_list(struct db *db, int64_t org_id, struct arena *a,
    struct media_info **out, int *n)
{
	struct db_conn *c;
	struct db_stmt *st = NULL;
	struct media_info *v;
	int rc, k = 0;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, sizeof(*v) * LIMIT_MEDIA_PAGE);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT " COLS " FROM media WHERE org_id = ? "
	    "ORDER BY id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	db_bind_i64(st, 2, LIMIT_MEDIA_PAGE);
	while ((rc = db_step(st)) == DB_ROW && k < LIMIT_MEDIA_PAGE)
		row(st, a, &v[k++]);
	db_done(st);
	if (rc >= 0) {
		rc = 0;
		*out = v;
		*n = k;
	}
out:
	db_read_end(db, c);
	return rc;
}

int
media_chunk_on(struct db_conn *c, int64_t id, uint64_t seq, struct arena *a,
    const void **out, size_t *len)
{
	struct db_stmt *st;
	struct str s;
	int rc;

	if ((rc = db_prepare(c, "SELECT data FROM media_chunks "
	    "WHERE media_id = ? AND seq = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	db_bind_i64(st, 2, (int64_t)seq);
	if ((rc = db_step(st)) == DB_ROW) {
		s = db_col_copy(st, 0, a);
		*out = s.p;
		*len = s.len;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

struct change_job {
	int64_t id;
	const struct audit_event *ev;
	int shared; /* 0 or 1; -1: delete */
	struct arena *a;       /* delete: the user's title in w */
	struct why *w;
};

/* Is file id (of org) still shown by a module page or a library item?
 * Their owners say (they keep the ids); ERR_CONFLICT with the reason. */
static int
check_unused(struct db_conn *c, struct change_job *j, int64_t org)
{
	const char *title = NULL;
	int rc;

	if ((rc = mod_uses_media_on(c, j->id, org, j->a, &title)) > 0) {
		if (title == NULL)
			return why_set(j->w, ERR_CONFLICT, "media", N_("This file is shown in a module of another organisation; it cannot be removed while it is shared and used."));
		why_set(j->w, ERR_CONFLICT, "media", N_("This file is shown in the module \xe2\x80\x9c%s\xe2\x80\x9d; remove it from the module's pages first."));
		if (j->w != NULL)
			j->w->name = title;
		return ERR_CONFLICT;
	}
	if (rc < 0)
		return rc;
	if ((rc = lib_uses_media_on(c, j->id, org, j->a, &title)) > 0) {
		if (title == NULL)
			return why_set(j->w, ERR_CONFLICT, "media", N_("This file is shown in a library item of another organisation; it cannot be removed while it is shared and used."));
		why_set(j->w, ERR_CONFLICT, "media", N_("This file is shown in the library item \xe2\x80\x9c%s\xe2\x80\x9d; give the item another file or remove it first."));
		if (j->w != NULL)
			j->w->name = title;
		return ERR_CONFLICT;
	}
	return rc;
}

static int
change_run(struct db_conn *c, void *arg)
{
	struct change_job *j = arg;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t org = 0;
	int rc;

	if ((rc = db_query_i64(c, "SELECT org_id FROM media WHERE id = ?",
	    &org, 1, &j->id)) != 0)
		return rc;
	if (j->shared < 0 && (rc = check_unused(c, j, org)) != 0)
		return rc;
	if (j->shared < 0) {
		/* chunks first: SQLite's foreign keys may be off in a test */
		if ((rc = db_prepare(c, "DELETE FROM media_chunks "
		    "WHERE media_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		if ((rc = db_run(st)) != 0)
			return rc;
		rc = db_prepare(c, "DELETE FROM media WHERE id = ?", &st);
	} else {
		rc = db_prepare(c, "UPDATE media SET shared = ? WHERE id = ?",
		    &st);
	}
	if (rc != 0)
		return rc;
	if (j->shared < 0) {
		db_bind_i64(st, 1, j->id);
	} else {
		db_bind_i64(st, 1, j->shared);
		db_bind_i64(st, 2, j->id);
	}
	if ((rc = db_step_one(st, ERR_NOTFOUND)) != 0)
		return rc;
	ev = audit_event_from(j->ev, org, j->shared < 0 ? AUDIT_DELETE :
	    AUDIT_UPDATE, "media", j->shared < 0 ? NULL : j->shared ?
	    "share" : "unshare", 0, j->id);
	return audit_append(c, &ev);
}

int
media_set_shared(struct db *db, int64_t id, const struct audit_event *ev,
    bool shared)
{
	struct change_job j = { id, ev, shared ? 1 : 0, NULL, NULL };
	int rc = db_write(db, change_run, &j);

	return rc < 0 ? rc : 0;
}

int
media_delete(struct db *db, int64_t id, const struct audit_event *ev,
    struct arena *a, struct why *w)
{
	struct change_job j = { id, ev, -1, a, w };
	int rc = db_write(db, change_run, &j);

	return rc < 0 ? rc : 0;
}

/* --- streaming ---------------------------------------------------------- */

struct media_stream {
	struct db *db;
	int64_t id;
	uint64_t first, last;
	uint64_t seq;          /* the chunk held, valid when have */
	bool have;
	struct arena a;        /* holds that chunk */
	const unsigned char *chunk;
	size_t len;
};

struct media_stream *
media_stream_new(struct db *db, const struct media_info *m, uint64_t first,
    uint64_t last)
{
	struct media_stream *s = xcalloc(1, sizeof(*s));

	s->db = db;
	s->id = m->id;
	s->first = first;
	s->last = last;
	arena_init(&s->a);
	return s;
}

long
media_stream_read(struct media_stream *s, uint64_t pos, char *buf, size_t max)
{
	uint64_t at = s->first + pos, seq = at / LIMIT_MEDIA_CHUNK, off;
	struct db_conn *c;
	const void *p;
	size_t n;
	int rc;

	if (at > s->last || max == 0)
		return 0;
	if (!s->have || s->seq != seq) {
		s->have = false;
		arena_release(&s->a);
		arena_init(&s->a);
		if ((rc = db_read_begin(s->db, &c)) != 0)
			return rc;
		rc = media_chunk_on(c, s->id, seq, &s->a, &p, &n);
		db_read_end(s->db, c);
		if (rc != 0)
			return rc;
		s->chunk = p;
		s->len = n;
		s->seq = seq;
		s->have = true;
	}
	off = at - seq * LIMIT_MEDIA_CHUNK;
	if (off >= s->len)
		return ERR_IO; /* the rows are shorter than the size says */
	n = s->len - (size_t)off;
	if (n > max)
		n = max;
	if (n > s->last - at + 1)
		n = (size_t)(s->last - at + 1);
	memcpy(buf, s->chunk + off, n);
	return (long)n;
}

void
media_stream_free(struct media_stream *s)
{
	if (s == NULL)
		return;
	arena_release(&s->a);
	free(s);
}
