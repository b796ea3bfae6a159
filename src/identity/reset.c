/*
 * reset.c - password reset by a single-use link.
 *
 * reset_request answers the same for known and unknown addresses (the web
 * layer sends a mail only when a token came back), and caps the links per
 * account (LIMIT_RESET_PER_HOUR) so nobody can flood a mailbox through us;
 * over the cap it also answers as for an unknown address.
 *
 * reset_complete claims the token, sets the password, retires the user's
 * other reset links, ends every session and clears the account's log-in
 * failures, all in one write job.  The new password is hashed before the
 * job, outside the writer.
 *
 * A request for a known address costs a durable write (and a mail) that
 * one for an unknown address does not; the web layer therefore runs
 * reset_request after it has answered (app_spawn), so the answer's timing
 * tells nothing.
 */
#include "identity/identity.h"

#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "identity/ident.h"
#include "store/db.h"
#include "core/banned.h"

struct request_job {
	int64_t user_id;
	const unsigned char *hash;
	int64_t now;
	bool capped;
};

static int
request_run(struct db_conn *c, void *arg)
{
	struct request_job *j = arg;
	struct db_stmt *st;
	int64_t args[2] = { j->user_id, j->now - 3600 };
	int64_t n = 0;
	int rc;

	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM password_resets "
	    "WHERE user_id = ? AND created_at > ?", &n, 2, args)) != 0)
		return rc;
	if (n >= LIMIT_RESET_PER_HOUR) {
		j->capped = true;
		return 0;
	}
	if ((rc = db_prepare(c, "INSERT INTO password_resets (token_hash, "
	    "user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", &st)) != 0)
		return rc;
	db_bind_blob(st, 1, j->hash, CRYPTO_HASHBYTES);
	db_bind_i64(st, 2, j->user_id);
	db_bind_i64(st, 3, j->now);
	db_bind_i64(st, 4, j->now + LIMIT_RESET_TTL);
	return db_run(st);
}

int
reset_request(struct db *db, const char *email, time_t now,
    struct buf *token, int64_t *user_id)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct buf norm = BUF_INIT;
	struct db_conn *c = NULL;
	struct request_job j = { 0 };
	int rc;

	buf_reset(token);
	*user_id = 0;
	if (ident_email_norm(email, &norm) != 0) {
		rc = 0;
		goto out;
	}
	if ((rc = db_read_begin(db, &c)) != 0)
		goto out;
	{
		struct db_stmt *st;

		if ((rc = db_prepare(c, "SELECT id FROM users "
		    "WHERE email = ? AND disabled = 0", &st)) == 0) {
			db_bind_textz(st, 1, norm.p);
			rc = db_step(st);
			if (rc == DB_ROW) {
				j.user_id = db_col_i64(st, 0);
				rc = 0;
			}
			db_done(st);
		}
	}
	db_read_end(db, c);
	if (rc != 0 || j.user_id == 0)
		goto out;   /* DB_DONE is 0: no such account */

	crypto_token(token);
	ident_token_hash(token->p, h);
	j.hash = h;
	j.now = (int64_t)now;
	if ((rc = db_write(db, request_run, &j)) != 0 || j.capped) {
		if (j.capped)
			log_info("reset_capped", "user=%lld",
			    (long long)j.user_id);
		buf_wipe(token);
		goto out;
	}
	*user_id = j.user_id;
out:
	buf_release(&norm);
	return rc;
}

/* The reset row for a token: 0 and *user_id, ERR_NOTFOUND or ERR_GONE. */
static int
reset_read(struct db *db, const char *token, time_t now, int64_t *user_id)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	int rc;

	*user_id = 0;
	if (!ident_token_plausible(token))
		return ERR_NOTFOUND;
	ident_token_hash(token, h);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT user_id, expires_at, used_at "
	    "FROM password_resets WHERE token_hash = ?", &st)) != 0)
		goto out;
	db_bind_blob(st, 1, h, sizeof(h));
	rc = db_step(st);
	if (rc == DB_ROW) {
		*user_id = db_col_i64(st, 0);
		if (!db_col_null(st, 2) || db_col_i64(st, 1) <= (int64_t)now)
			rc = ERR_GONE;
		else
			rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
out:
	db_read_end(db, c);
	return rc;
}

int
reset_lookup(struct db *db, const char *token, time_t now)
{
	int64_t user_id;

	return reset_read(db, token, now, &user_id);
}

struct complete_job {
	const unsigned char *hash;
	const char *pw_hash;
	int64_t user_id;
	int64_t now;
};

static int
exec_i64(struct db_conn *c, const char *sql, int64_t a, int64_t b, int n)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, sql, &st)) != 0)
		return rc;
	db_bind_i64(st, 1, a);
	if (n > 1)
		db_bind_i64(st, 2, b);
	return db_run(st);
}

static int
complete_run(struct db_conn *c, void *arg)
{
	struct complete_job *j = arg;
	struct db_stmt *st;
	struct buf email = BUF_INIT, bucket = BUF_INIT;
	int rc;

	if ((rc = db_prepare(c, "UPDATE password_resets SET used_at = ? "
	    "WHERE token_hash = ? AND user_id = ? AND used_at IS NULL "
	    "AND expires_at > ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_blob(st, 2, j->hash, CRYPTO_HASHBYTES);
	db_bind_i64(st, 3, j->user_id);
	db_bind_i64(st, 4, j->now);
	if ((rc = db_step_one(st, ERR_GONE)) != 0)
		return rc;

	if ((rc = db_prepare(c, "UPDATE users SET pw_hash = ? WHERE id = ? "
	    "RETURNING email", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, j->pw_hash);
	db_bind_i64(st, 2, j->user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		buf_addstr(&email, db_col_text(st, 0));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc != 0)
		goto out;

	if ((rc = exec_i64(c, "UPDATE password_resets SET used_at = ? "
	    "WHERE user_id = ? AND used_at IS NULL", j->now, j->user_id,
	    2)) != 0)
		goto out;
	if ((rc = exec_i64(c, "DELETE FROM sessions WHERE user_id = ?",
	    j->user_id, 0, 1)) != 0)
		goto out;
	/* Proving control of the mailbox ends a lock-out of the account. */
	ident_acct_bucket(email.p, &bucket);
	if ((rc = db_prepare(c, "DELETE FROM login_attempts WHERE bucket = ?",
	    &st)) != 0)
		goto out;
	db_bind_textz(st, 1, bucket.p);
	rc = db_run(st);
out:
	buf_release(&email);
	buf_release(&bucket);
	return rc;
}

int
reset_complete(struct db *db, const char *token, const char *password,
    time_t now, int64_t *user_id, struct why *why)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct buf hash = BUF_INIT;
	struct complete_job j = { 0 };
	struct arena a;
	struct user u;
	int64_t uid;
	int rc;

	*user_id = 0;
	arena_init(&a);
	if ((rc = reset_read(db, token, now, &uid)) != 0)
		goto out;
	if ((rc = user_get(db, uid, &a, &u)) != 0 ||
	    (rc = ident_password_hash(password, u.email, &hash, why)) != 0)
		goto out;
	ident_token_hash(token, h);
	j.hash = h;
	j.pw_hash = hash.p;
	j.user_id = uid;
	j.now = (int64_t)now;
	if ((rc = db_write(db, complete_run, &j)) != 0)
		goto out;
	*user_id = uid;
out:
	buf_wipe(&hash);
	arena_release(&a);
	return rc;
}
