/*
 * throttle.c - failed-attempt counting in the login_attempts table (see
 * throttle.h for the rules).
 *
 * Every check-and-record runs as one write job, so on SQLite (one writer)
 * two attempts cannot both read the same count.  On PostgreSQL two nodes
 * may, at worst, let one extra attempt through each; the limits are far
 * from the edge where that matters.
 *
 * Rows older than the window are deleted as part of each new attempt, so
 * the table holds at most an hour of failures.
 */
#include "identity/throttle.h"

#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "store/db.h"
#include "core/banned.h"

int
throttle_delay_ms(int64_t fails)
{
	int64_t shift;

	if (fails < LIMIT_LOGIN_FREE_FAILS)
		return 0;
	shift = fails - LIMIT_LOGIN_FREE_FAILS;
	if (shift >= 20)
		return THROTTLE_DELAY_MAX_MS;
	if ((int64_t)THROTTLE_DELAY_BASE_MS << shift > THROTTLE_DELAY_MAX_MS)
		return THROTTLE_DELAY_MAX_MS;
	return THROTTLE_DELAY_BASE_MS << shift;
}

struct begin_job {
	const char *bucket;
	const char *addr_bucket; /* NULL when no address */
	int limit;
	int64_t now;
	struct throttle *t;
	int delay_ms;
};

struct window {
	int64_t n, oldest, newest;
};

static int
window_count(struct db_conn *c, const char *bucket, int64_t now,
    struct window *w)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT COUNT(*), COALESCE(MIN(at), 0), "
	    "COALESCE(MAX(at), 0) FROM login_attempts "
	    "WHERE bucket = ? AND at > ?", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, bucket);
	db_bind_i64(st, 2, now - THROTTLE_WINDOW);
	rc = db_step(st);
	if (rc == DB_ROW) {
		w->n = db_col_i64(st, 0);
		w->oldest = db_col_i64(st, 1);
		w->newest = db_col_i64(st, 2);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_DB;
	}
	db_done(st);
	return rc;
}

static int
record(struct db_conn *c, const char *bucket, int64_t now, int64_t *id)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO login_attempts (bucket, at) "
	    "VALUES (?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, bucket);
	db_bind_i64(st, 2, now);
	return db_step_id(st, id);
}

/* Milliseconds until the oldest failure leaves the window (at least 1 s,
 * so a Retry-After header is never 0). */
static int
until_oldest_leaves(const struct window *w, int64_t now)
{
	int64_t s = w->oldest + THROTTLE_WINDOW - now;

	if (s < 1)
		s = 1;
	if (s > THROTTLE_WINDOW)
		s = THROTTLE_WINDOW;
	return (int)(s * 1000);
}

static int
begin_run(struct db_conn *c, void *arg)
{
	struct begin_job *j = arg;
	struct window w = { 0 }, wa = { 0 };
	struct db_stmt *st;
	int64_t row;
	int rc;

	if ((rc = db_prepare(c, "DELETE FROM login_attempts WHERE at <= ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now - THROTTLE_WINDOW);
	if ((rc = db_run(st)) != 0)
		return rc;

	if ((rc = window_count(c, j->bucket, j->now, &w)) != 0)
		return rc;
	if (w.n >= j->limit) {
		j->delay_ms = until_oldest_leaves(&w, j->now);
		return ERR_THROTTLED;
	}
	if (j->addr_bucket != NULL) {
		if ((rc = window_count(c, j->addr_bucket, j->now, &wa)) != 0)
			return rc;
		if (wa.n >= LIMIT_LOGIN_FAILS_ADDR_HOUR) {
			j->delay_ms = until_oldest_leaves(&wa, j->now);
			return ERR_THROTTLED;
		}
	}
	if (w.n >= LIMIT_LOGIN_FREE_FAILS) {
		int64_t wait = w.newest * 1000 + throttle_delay_ms(w.n) -
		    j->now * 1000;

		if (wait > 0) {
			j->delay_ms = (int)wait;
			return ERR_THROTTLED;
		}
	}

	j->t->fails = w.n;
	if ((rc = record(c, j->bucket, j->now, &row)) != 0)
		return rc;
	if (j->addr_bucket != NULL &&
	    (rc = record(c, j->addr_bucket, j->now, &j->t->addr_row)) != 0)
		return rc;
	return 0;
}

int
throttle_begin(struct db *db, const char *bucket, int limit,
    const char *addr, time_t now, struct throttle *t, int *delay_ms)
{
	struct buf ab = BUF_INIT;
	struct begin_job j = { 0 };
	int rc;

	memset(t, 0, sizeof(*t));
	*delay_ms = 0;
	if (addr != NULL && addr[0] != '\0') {
		/* An address is at most 45 characters (IPv6 with IPv4 tail);
		 * bound whatever a proxy header made of it. */
		buf_adds(&ab, "addr:");
		buf_add(&ab, addr, strnlen(addr, 64));
		j.addr_bucket = ab.p;
	}
	j.bucket = bucket;
	j.limit = limit;
	j.now = (int64_t)now;
	j.t = t;
	rc = db_write(db, begin_run, &j);
	if (rc == ERR_THROTTLED)
		*delay_ms = j.delay_ms;
	buf_release(&ab);
	return rc;
}

struct succeed_job {
	const char *bucket;
	int64_t addr_row;
};

static int
succeed_run(struct db_conn *c, void *arg)
{
	struct succeed_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "DELETE FROM login_attempts WHERE bucket = ?",
	    &st)) != 0)
		return rc;
	db_bind_textz(st, 1, j->bucket);
	if ((rc = db_run(st)) != 0 || j->addr_row == 0)
		return rc;
	if ((rc = db_prepare(c, "DELETE FROM login_attempts WHERE id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->addr_row);
	return db_run(st);
}

int
throttle_succeed(struct db *db, const char *bucket, const struct throttle *t)
{
	struct succeed_job j = { bucket, t->addr_row };

	return db_write(db, succeed_run, &j);
}
