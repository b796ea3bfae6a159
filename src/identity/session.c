/*
 * session.c - server-side sessions behind a cookie token.
 *
 * The hot path is session_lookup, run for every request that carries a
 * cookie: one SELECT on a read connection, by the unique index on
 * token_hash, joined to the user (name, language, disabled) and to the
 * membership of the session's organisation (the role), so a changed role
 * or a disabled account counts from the next request on.  It writes only
 * when the session expired (the row is deleted) or when last_seen is more
 * than SESSION_TOUCH_SECS old, so idle expiry is exact to within that.
 *
 * Expired rows of sessions nobody comes back for are removed by
 * session_purge (run it now and then, e.g. hourly).
 */
#include "identity/session.h"

#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "identity/ident.h"
#include "store/db.h"
#include "core/banned.h"

/* What we keep of a User-Agent header: enough to recognise a device in a
 * "where am I logged in" list. */
#define SESSION_UA_MAX 256

struct create_job {
	const unsigned char *token_hash;
	int64_t user_id, org_id;
	bool passed, pending;
	const char *csrf;
	const char *addr;
	const char *ua;
	size_t ua_len;
	int64_t now;
	int64_t max;
	struct session *out;
};

/* Name, language and (for org_id != 0) the role, read on c. */
static int
session_person(struct db_conn *c, int64_t user_id, int64_t org_id,
    struct session *out)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT u.name, u.lang, m.role FROM users u "
	    "LEFT JOIN memberships m ON m.user_id = u.id AND m.org_id = ? "
	    "WHERE u.id = ? AND u.disabled = 0", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	db_bind_i64(st, 2, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		ident_copy(out->user_name, sizeof(out->user_name),
		    db_col_text(st, 0));
		ident_copy(out->lang, sizeof(out->lang), db_col_text(st, 1));
		out->role = 0;
		rc = 0;
		if (!db_col_null(st, 2) &&
		    role_parse(db_col_text(st, 2), &out->role) != 0)
			rc = ERR_DB;
		else if (org_id != 0 && out->role == 0)
			rc = ERR_NOTFOUND;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

static int
create_run(struct db_conn *c, void *arg)
{
	struct create_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = session_person(c, j->user_id, j->org_id, j->out)) != 0)
		return rc;
	if ((rc = db_prepare(c, "INSERT INTO sessions (token_hash, user_id, "
	    "org_id, twofa_passed, twofa_pending, csrf, addr, user_agent, "
	    "created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "RETURNING id", &st)) != 0)
		return rc;
	db_bind_blob(st, 1, j->token_hash, CRYPTO_HASHBYTES);
	db_bind_i64(st, 2, j->user_id);
	db_bind_i64(st, 3, j->org_id);
	db_bind_i64(st, 4, j->passed ? 1 : 0);
	db_bind_i64(st, 5, j->pending ? 1 : 0);
	db_bind_textz(st, 6, j->csrf);
	db_bind_textz(st, 7, j->addr);
	if (j->ua != NULL)
		db_bind_text(st, 8, j->ua, j->ua_len);
	else
		db_bind_null(st, 8);
	db_bind_i64(st, 9, j->now);
	db_bind_i64(st, 10, j->now);
	if ((rc = db_step_id(st, &j->out->id)) != 0)
		return rc;
	/* Past the limit the oldest sessions end: ids grow with creation. */
	if ((rc = db_prepare(c, "DELETE FROM sessions WHERE user_id = ? "
	    "AND id NOT IN (SELECT id FROM sessions WHERE user_id = ? "
	    "ORDER BY id DESC LIMIT ?)", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->user_id);
	db_bind_i64(st, 2, j->user_id);
	db_bind_i64(st, 3, j->max);
	return db_run(st);
}

int
session_create(struct db *db, int64_t user_id, int64_t org_id,
    bool twofa_passed, bool twofa_pending, const char *addr,
    const char *user_agent, time_t now, struct buf *token,
    struct session *out)
{
	return session_create_capped(db, 0, user_id, org_id, twofa_passed,
	    twofa_pending, addr, user_agent, now, token, out);
}

int
session_create_capped(struct db *db, int max_per_user, int64_t user_id,
    int64_t org_id, bool twofa_passed, bool twofa_pending, const char *addr,
    const char *user_agent, time_t now, struct buf *token,
    struct session *out)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct buf csrf = BUF_INIT, a = BUF_INIT;
	struct create_job j = { 0 };
	struct session s;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	buf_reset(token);
	crypto_token(token);
	crypto_token(&csrf);
	ASSERT(csrf.len < sizeof(s.csrf));
	ident_token_hash(token->p, h);
	if (addr != NULL)
		buf_add(&a, addr, strnlen(addr, 64));

	j.token_hash = h;
	j.user_id = user_id;
	j.org_id = org_id;
	j.passed = twofa_passed;
	j.pending = twofa_pending;
	j.csrf = csrf.p;
	j.addr = addr != NULL ? a.p : NULL;
	if (user_agent != NULL) {
		j.ua = user_agent;
		j.ua_len = strnlen(user_agent, SESSION_UA_MAX);
		/* Do not cut a UTF-8 character in two. */
		if (j.ua_len == SESSION_UA_MAX)
			while (j.ua_len > 0 && ((unsigned char)
			    user_agent[j.ua_len] & 0xc0) == 0x80)
				j.ua_len--;
	}
	j.now = (int64_t)now;
	j.max = max_per_user > 0 ? max_per_user : LIMIT_SESSIONS_PER_USER;
	j.out = &s;
	if ((rc = db_write(db, create_run, &j)) != 0) {
		buf_wipe(token);
		goto out;
	}
	s.user_id = user_id;
	s.org_id = org_id;
	s.twofa_passed = twofa_passed;
	s.twofa_pending = twofa_pending;
	s.created_at = (int64_t)now;
	s.last_seen = (int64_t)now;
	memcpy(s.csrf, csrf.p, csrf.len + 1);
	*out = s;
out:
	buf_wipe(&csrf);
	buf_release(&a);
	return rc;
}

static int
delete_run(struct db_conn *c, void *arg)
{
	const int64_t *id = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "DELETE FROM sessions WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, *id);
	return db_run(st);
}

struct touch_job {
	int64_t id;
	int64_t now;
};

static int
touch_run(struct db_conn *c, void *arg)
{
	struct touch_job *j = arg;
	struct db_stmt *st;
	int rc;

	/* A node that touched it a moment ago wins; no lost update matters. */
	if ((rc = db_prepare(c, "UPDATE sessions SET last_seen = ? "
	    "WHERE id = ? AND last_seen < ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->id);
	db_bind_i64(st, 3, j->now);
	return db_run(st);
}

int
session_lookup(struct db *db, const struct session_policy *pol,
    const char *token, time_t now, struct session *out)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	int64_t idle = LIMIT_SESSION_IDLE, absolute = LIMIT_SESSION_ABSOLUTE;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ident_token_plausible(token))
		return ERR_AUTH;
	if (pol != NULL) {
		idle = pol->idle_secs;
		absolute = pol->absolute_secs;
	}
	ident_token_hash(token, h);

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT s.id, s.user_id, s.org_id, "
	    "s.twofa_passed, s.twofa_pending, s.created_at, s.last_seen, "
	    "s.csrf, u.lang, u.name, m.role FROM sessions s "
	    "JOIN users u ON u.id = s.user_id "
	    "LEFT JOIN memberships m ON m.org_id = s.org_id "
	    "AND m.user_id = s.user_id "
	    "WHERE s.token_hash = ? AND u.disabled = 0", &st)) != 0)
		goto out;
	db_bind_blob(st, 1, h, sizeof(h));
	rc = db_step(st);
	if (rc == DB_ROW) {
		out->id = db_col_i64(st, 0);
		out->user_id = db_col_i64(st, 1);
		out->org_id = db_col_i64(st, 2);
		out->twofa_passed = db_col_i64(st, 3) != 0;
		out->twofa_pending = db_col_i64(st, 4) != 0;
		out->created_at = db_col_i64(st, 5);
		out->last_seen = db_col_i64(st, 6);
		ident_copy(out->csrf, sizeof(out->csrf), db_col_text(st, 7));
		ident_copy(out->lang, sizeof(out->lang), db_col_text(st, 8));
		ident_copy(out->user_name, sizeof(out->user_name),
		    db_col_text(st, 9));
		/* No membership (removed since): the session stays, with no
		 * role, and authz refuses what needs one. */
		if (!db_col_null(st, 10) &&
		    role_parse(db_col_text(st, 10), &out->role) != 0)
			out->role = 0;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_AUTH;
	}
	db_done(st);
	st = NULL;
out:
	db_read_end(db, c);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}

	if ((int64_t)now - out->last_seen > idle ||
	    (int64_t)now - out->created_at > absolute ||
	    (out->twofa_pending &&
	    (int64_t)now - out->created_at > LIMIT_SESSION_2FA_PENDING)) {
		int64_t id = out->id;

		memset(out, 0, sizeof(*out));
		if ((rc = db_write(db, delete_run, &id)) != 0)
			return rc;
		return ERR_REAUTH;
	}
	if ((int64_t)now - out->last_seen >= SESSION_TOUCH_SECS) {
		struct touch_job tj = { out->id, (int64_t)now };

		/* The request may go on when the touch fails: the session is
		 * valid, and the next request tries again. */
		if ((rc = db_write(db, touch_run, &tj)) != 0)
			log_warn("session_touch_failed", "session=%lld err=%s",
			    (long long)out->id, err_name(rc));
		else
			out->last_seen = (int64_t)now;
	}
	return 0;
}

struct promote_job {
	int64_t id;
	int64_t org_id;
	bool promote;
};

static int
promote_run(struct db_conn *c, void *arg)
{
	struct promote_job *j = arg;
	struct db_stmt *st;
	int64_t user_id = 0;
	int64_t args[1] = { j->id };
	int rc;

	if ((rc = db_query_i64(c, "SELECT user_id FROM sessions WHERE id = ?",
	    &user_id, 1, args)) != 0)
		return rc;
	if (j->org_id != 0) {
		int64_t margs[2] = { j->org_id, user_id };
		int64_t one = 0;

		if ((rc = db_query_i64(c, "SELECT 1 FROM memberships "
		    "WHERE org_id = ? AND user_id = ?", &one, 2, margs)) != 0)
			return rc;
	}
	if (j->promote)
		rc = db_prepare(c, "UPDATE sessions SET org_id = ?, "
		    "twofa_passed = 1, twofa_pending = 0 WHERE id = ?", &st);
	else
		rc = db_prepare(c, "UPDATE sessions SET org_id = ? "
		    "WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_i64(st, 2, j->id);
	return db_run(st);
}

int
session_promote(struct db *db, int64_t session_id, int64_t org_id)
{
	struct promote_job j = { session_id, org_id, true };

	return db_write(db, promote_run, &j);
}

int
session_set_org(struct db *db, int64_t session_id, int64_t org_id)
{
	struct promote_job j = { session_id, org_id, false };

	return db_write(db, promote_run, &j);
}

struct rotate_job {
	int64_t id;
	const unsigned char *token_hash;
	const char *csrf;
	bool promote;
	int64_t org_id;
};

static int
rotate_run(struct db_conn *c, void *arg)
{
	struct rotate_job *j = arg;
	struct db_stmt *st;
	int rc;

	if (j->promote) {
		struct promote_job pj = { j->id, j->org_id, true };

		if ((rc = promote_run(c, &pj)) != 0)
			return rc;
	}
	if ((rc = db_prepare(c, "UPDATE sessions SET token_hash = ?, "
	    "csrf = ? WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_blob(st, 1, j->token_hash, CRYPTO_HASHBYTES);
	db_bind_textz(st, 2, j->csrf);
	db_bind_i64(st, 3, j->id);
	return db_step_one(st, ERR_NOTFOUND);
}

static int
rotate(struct db *db, struct session *s, bool promote, int64_t org_id,
    struct buf *token)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct buf csrf = BUF_INIT;
	struct rotate_job j = { s->id, h, NULL, promote, org_id };
	int rc;

	buf_reset(token);
	crypto_token(token);
	crypto_token(&csrf);
	ASSERT(csrf.len < sizeof(s->csrf));
	ident_token_hash(token->p, h);
	j.csrf = csrf.p;
	if ((rc = db_write(db, rotate_run, &j)) != 0) {
		buf_wipe(token);
		goto out;
	}
	memcpy(s->csrf, csrf.p, csrf.len + 1);
	if (promote) {
		s->org_id = org_id;
		s->twofa_passed = true;
		s->twofa_pending = false;
	}
out:
	buf_wipe(&csrf);
	return rc;
}

int
session_rotate(struct db *db, struct session *s, struct buf *token)
{
	return rotate(db, s, false, 0, token);
}

int
session_promote_rotate(struct db *db, struct session *s, int64_t org_id,
    struct buf *token)
{
	return rotate(db, s, true, org_id, token);
}

static int
destroy_others_run(struct db_conn *c, void *arg)
{
	const int64_t *ids = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "DELETE FROM sessions WHERE user_id = ? "
	    "AND id <> ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, ids[0]);
	db_bind_i64(st, 2, ids[1]);
	return db_run(st);
}

int
session_destroy_others(struct db *db, int64_t user_id, int64_t keep_id)
{
	int64_t ids[2] = { user_id, keep_id };

	return db_write(db, destroy_others_run, ids);
}

int
session_destroy(struct db *db, int64_t session_id)
{
	return db_write(db, delete_run, &session_id);
}

static int
destroy_user_run(struct db_conn *c, void *arg)
{
	const int64_t *user_id = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "DELETE FROM sessions WHERE user_id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, *user_id);
	return db_run(st);
}

int
session_destroy_user(struct db *db, int64_t user_id)
{
	return db_write(db, destroy_user_run, &user_id);
}

struct purge_job {
	int64_t idle_before, created_before;
	int64_t n;
};

static int
purge_run(struct db_conn *c, void *arg)
{
	struct purge_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "DELETE FROM sessions "
	    "WHERE last_seen < ? OR created_at < ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->idle_before);
	db_bind_i64(st, 2, j->created_before);
	rc = db_step(st);
	if (rc == DB_DONE) {
		j->n = db_changes(st);
		rc = 0;
	}
	db_done(st);
	return rc;
}

int
session_purge(struct db *db, const struct session_policy *pol, time_t now,
    int64_t *purged)
{
	struct purge_job j = { 0 };
	int64_t idle = LIMIT_SESSION_IDLE, absolute = LIMIT_SESSION_ABSOLUTE;
	int rc;

	if (pol != NULL) {
		idle = pol->idle_secs;
		absolute = pol->absolute_secs;
	}
	j.idle_before = (int64_t)now - idle;
	j.created_before = (int64_t)now - absolute;
	rc = db_write(db, purge_run, &j);
	if (purged != NULL)
		*purged = rc == 0 ? j.n : 0;
	return rc;
}

bool
session_csrf_ok(const struct session *s, const char *submitted)
{
	size_t want, got;

	if (s == NULL || submitted == NULL)
		return false;
	want = strnlen(s->csrf, sizeof(s->csrf));
	got = strnlen(submitted, sizeof(s->csrf));
	if (want == 0 || want != got)
		return false;
	return crypto_equal(s->csrf, submitted, want);
}
