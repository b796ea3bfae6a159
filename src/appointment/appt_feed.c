/*
 * appt_feed.c - what the calendar pages need besides appointments (see
 * appointment.h): the professional's follow-up tasks, reads logged before
 * they are shown, and the private feed's tokens, of which only the SHA-256
 * is stored.  Tables: appointment_tasks, appointment_feeds.
 */
#include "appointment/appointment.h"

#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "keys/keyring.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

int
appt_tasks(struct db *db, int64_t prof_id, struct arena *a, int64_t **ids,
    size_t *n)
{
	struct db_stmt *st;
	struct db_conn *c;
	int rc;

	*n = 0;
	*ids = arena_calloc(a, LIMIT_APPT_TASKS, sizeof(**ids));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT appointment_id FROM appointment_tasks "
	    "WHERE professional_id = ? AND done_at IS NULL ORDER BY id",
	    &st)) == 0) {
		db_bind_i64(st, 1, prof_id);
		while (*n < LIMIT_APPT_TASKS && (rc = db_step(st)) == DB_ROW)
			(*ids)[(*n)++] = db_col_i64(st, 0);
		db_done(st);
		if (rc == DB_DONE || rc == DB_ROW)
			rc = 0;
	}
	db_read_end(db, c);
	return rc;
}

struct log_job {
	const struct appt_actor *who;
	const int64_t *clients;
	size_t n;
	int64_t object_id;
	const char *detail;
};

static int
log_run(struct db_conn *c, void *arg)
{
	struct log_job *j = arg;
	struct audit_event ev;
	size_t i, k;
	int rc;

	for (i = 0; i < j->n; i++) {
		bool seen = j->clients[i] <= 0;

		for (k = 0; k < i && !seen; k++)
			seen = j->clients[k] == j->clients[i];
		if (seen)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.org_id = j->who->org_id;
		ev.action = AUDIT_READ;
		ev.outcome = AUDIT_SUCCESS;
		ev.detail = j->detail;
		ev.actor_id = j->who->user_id;
		ev.role = j->who->role ? j->who->role : "system";
		ev.purpose = j->who->professional ? "care" : "client-self";
		ev.address = j->who->address;
		ev.device = j->who->device;
		ev.client_id = j->clients[i];
		ev.kind = "appointment";
		ev.object_id = j->object_id;
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	}
	return 0;
}

int
appt_log_read(struct db *db, const struct appt_actor *who,
    const int64_t *clients, size_t n, int64_t object_id, const char *detail)
{
	struct log_job j = { who, clients, n, object_id, detail };

	if (n == 0)
		return 0;
	return db_write(db, log_run, &j);
}

struct task_job {
	int64_t prof_id, appt_id;
	time_t now;
};

static int
task_run(struct db_conn *c, void *arg)
{
	struct task_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE appointment_tasks SET done_at = ? "
	    "WHERE professional_id = ? AND appointment_id = ? "
	    "AND done_at IS NULL", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->prof_id);
	db_bind_i64(st, 3, j->appt_id);
	return db_step_one(st, ERR_NOTFOUND);
}

int
appt_task_done(struct db *db, int64_t prof_id, int64_t appt_id, time_t now)
{
	struct task_job j = { prof_id, appt_id, now };

	return db_write(db, task_run, &j);
}

/* --- Feeds ---------------------------------------------------------------- */

struct feed_job {
	int64_t org_id, prof_id;
	bool with_names, create;
	time_t now;
	const char *hash;
};

static int
feed_run(struct db_conn *c, void *arg)
{
	struct feed_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE appointment_feeds SET revoked_at = ? "
	    "WHERE org_id = ? AND professional_id = ? AND revoked_at IS NULL",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->org_id);
	db_bind_i64(st, 3, j->prof_id);
	if ((rc = db_run(st)) != 0 || !j->create)
		return rc;
	if ((rc = db_prepare(c, "INSERT INTO appointment_feeds (org_id, "
	    "professional_id, token_hash, with_names, created_at) "
	    "VALUES (?, ?, ?, ?, ?)", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_i64(st, 2, j->prof_id);
	db_bind_textz(st, 3, j->hash);
	db_bind_i64(st, 4, j->with_names ? 1 : 0);
	db_bind_i64(st, 5, j->now);
	return db_run(st);
}

int
appt_feed_create(struct db *db, int64_t org_id, int64_t prof_id,
    bool with_names, time_t now, struct buf *token)
{
	struct feed_job j = { org_id, prof_id, with_names, true, now, NULL };
	struct buf hash = BUF_INIT;
	size_t at = token->len;
	int rc;

	crypto_token(token);
	crypto_sha256_hex(token->p + at, token->len - at, &hash);
	j.hash = hash.p;
	rc = db_write(db, feed_run, &j);
	buf_release(&hash);
	return rc;
}

int
appt_feed_revoke(struct db *db, int64_t org_id, int64_t prof_id, time_t now)
{
	struct feed_job j = { org_id, prof_id, false, false, now, NULL };

	return db_write(db, feed_run, &j);
}

int
appt_feed_state(struct db *db, int64_t org_id, int64_t prof_id, bool *live,
    bool *with_names)
{
	struct db_stmt *st;
	struct db_conn *c;
	int rc;

	*live = *with_names = false;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT with_names FROM appointment_feeds "
	    "WHERE org_id = ? AND professional_id = ? AND revoked_at IS NULL",
	    &st)) == 0) {
		db_bind_i64(st, 1, org_id);
		db_bind_i64(st, 2, prof_id);
		if ((rc = db_step(st)) == DB_ROW) {
			*live = true;
			*with_names = db_col_i64(st, 0) != 0;
		}
		db_done(st);
		rc = rc == DB_ROW || rc == DB_DONE ? 0 : rc;
	}
	db_read_end(db, c);
	return rc;
}

int
appt_feed_lookup(struct db *db, const char *token, int64_t *org_id,
    int64_t *prof_id, bool *with_names)
{
	struct buf hash = BUF_INIT;
	struct db_stmt *st;
	struct db_conn *c;
	size_t len = token ? strlen(token) : 0;
	int rc;

	/* Only the hash is looked up: a timing difference tells nothing
	 * about the stored tokens. */
	if (len < 16 || len > 128)
		return ERR_NOTFOUND;
	crypto_sha256_hex(token, len, &hash);
	if ((rc = db_read_begin(db, &c)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT org_id, professional_id, with_names "
	    "FROM appointment_feeds WHERE token_hash = ? "
	    "AND revoked_at IS NULL", &st)) == 0) {
		db_bind_textz(st, 1, hash.p);
		if ((rc = db_step(st)) == DB_ROW) {
			*org_id = db_col_i64(st, 0);
			*prof_id = db_col_i64(st, 1);
			*with_names = db_col_i64(st, 2) != 0;
			rc = 0;
		} else if (rc == DB_DONE)
			rc = ERR_NOTFOUND;
		db_done(st);
	}
	db_read_end(db, c);
out:
	buf_release(&hash);
	return rc;
}

