/*
 * login.c - log-in with e-mail and password.
 *
 * The order of the steps is the point:
 *   1. throttle (account bucket and address bucket) before any hashing, so
 *      a throttled guess costs neither an argon2id run nor an answer;
 *   2. one argon2id verification whether or not the account exists (the
 *      dummy hash stands in for unknown ones) and whether or not it is
 *      disabled, so neither the answer nor its timing tells them apart;
 *   3. success forgets the account's failures and upgrades an old hash.
 *
 * The delay: after LIMIT_LOGIN_FREE_FAILS failures in the hour the next
 * attempt may only come throttle_delay_ms(n) after the last one; we return
 * that delay with every failure (login_result.delay_ms) so the caller can
 * wait before answering, and an attempt that comes earlier anyway is
 * answered ERR_THROTTLED with the time left (for a 429 with Retry-After).
 */
#include "identity/identity.h"

#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "identity/ident.h"
#include "identity/throttle.h"
#include "store/db.h"
#include "core/banned.h"

struct account {
	int64_t id;
	bool found;
	bool disabled;
	bool totp;
	char pw_hash[160];
};

static int
account_load(struct db *db, const char *email, struct account *acc)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT id, pw_hash, disabled, totp_enabled "
	    "FROM users WHERE email = ?", &st)) != 0)
		goto out;
	db_bind_textz(st, 1, email);
	rc = db_step(st);
	if (rc == DB_ROW) {
		acc->found = true;
		acc->id = db_col_i64(st, 0);
		ident_copy(acc->pw_hash, sizeof(acc->pw_hash),
		    db_col_text(st, 1));
		acc->disabled = db_col_i64(st, 2) != 0;
		acc->totp = db_col_i64(st, 3) != 0;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = 0;
	}
	db_done(st);
out:
	db_read_end(db, c);
	return rc;
}

struct rehash_job {
	int64_t id;
	const char *old_hash;
	const char *new_hash;
};

static int
rehash_run(struct db_conn *c, void *arg)
{
	struct rehash_job *j = arg;
	struct db_stmt *st;
	int rc;

	/* Only when nobody changed the password in between. */
	if ((rc = db_prepare(c, "UPDATE users SET pw_hash = ? "
	    "WHERE id = ? AND pw_hash = ?", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, j->new_hash);
	db_bind_i64(st, 2, j->id);
	db_bind_textz(st, 3, j->old_hash);
	return db_run(st);
}

static void
rehash(struct db *db, const struct account *acc, const char *password)
{
	struct buf h = BUF_INIT;
	struct rehash_job j = { acc->id, acc->pw_hash, NULL };

	if (crypto_password_hash(password, strlen(password), &h) == 0) {
		j.new_hash = h.p;
		if (db_write(db, rehash_run, &j) != 0)
			log_warn("login_rehash_failed", "user=%lld",
			    (long long)acc->id);
	}
	buf_wipe(&h);
}

int
login_password(struct db *db, const char *email, const char *password,
    const char *addr, time_t now, struct login_result *out)
{
	struct buf norm = BUF_INIT, bucket = BUF_INIT;
	struct account acc;
	struct throttle t;
	size_t pwlen;
	int rc, vrc;

	memset(out, 0, sizeof(*out));
	memset(&acc, 0, sizeof(acc));
	if (password == NULL)
		password = "";
	pwlen = strnlen(password, LIMIT_PASSWORD_MAX + 1);

	ident_email_lower(email, &norm);
	ident_acct_bucket(norm.p, &bucket);
	rc = throttle_begin(db, bucket.p, LIMIT_LOGIN_FAILS_HOUR, addr, now,
	    &t, &out->delay_ms);
	if (rc != 0)
		goto out;

	if ((rc = account_load(db, norm.p, &acc)) != 0)
		goto out;
	/* Over-long passwords are refused by crypto.c before hashing; that
	 * tells nothing about the account. */
	vrc = crypto_password_verify(acc.found ? acc.pw_hash :
	    ident_dummy_hash(), password, pwlen);
	if (!acc.found || acc.disabled || vrc != 0) {
		out->delay_ms = throttle_delay_ms(t.fails + 1);
		rc = ERR_LOGIN;
		goto out;
	}

	if ((rc = throttle_succeed(db, bucket.p, &t)) != 0)
		goto out;
	if (crypto_password_needs_rehash(acc.pw_hash))
		rehash(db, &acc, password);
	out->user_id = acc.id;
	out->needs_totp = acc.totp;
out:
	crypto_wipe(acc.pw_hash, sizeof(acc.pw_hash));
	buf_release(&norm);
	buf_release(&bucket);
	return rc;
}
