/*
 * twofa.c - the second factor: TOTP (totp.h) and recovery codes.
 *
 * Secrets are sealed with the keyring's system key (organisation 0, made
 * by keyring_start; made here inside the job if it is missing, which only
 * happens on a database that never saw keyring_start, e.g. in tests).  A
 * new secret waits in totp_pending until a first code confirms it, so a
 * set-up abandoned half-way leaves two factors as they were.
 *
 * Replay: the last accepted TOTP step is stored, and a code is accepted
 * only for a later step, by an UPDATE that re-checks it ("last step < new
 * step"), so two requests with the same code cannot both pass.  Recovery
 * codes are marked used the same way.  Recovery codes carry about 59 bits
 * of randomness, so a plain SHA-256 is enough to store them; the throttle
 * (bucket 'totp:<user id>', same rules as log-in) bounds guessing of both
 * kinds of code.
 */
#include "identity/identity.h"

#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "identity/ident.h"
#include "identity/throttle.h"
#include "identity/totp.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "core/banned.h"

/* No i, l, o, 0 or 1: nothing to misread on paper. */
static const char recovery_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
#define RECOVERY_GROUPS 3
#define RECOVERY_GROUP_LEN 4
#define RECOVERY_CHARS (RECOVERY_GROUPS * RECOVERY_GROUP_LEN)

static int
seal_system(struct keyring *kr, struct db_conn *c, const void *p, size_t len,
    struct buf *out)
{
	int rc;

	rc = keyring_seal(kr, c, KEYRING_SYSTEM_ORG, p, len, out);
	if (rc == ERR_NOTFOUND) {
		log_info("twofa_system_key", "creating=1");
		rc = keyring_create_org_key(kr, c, KEYRING_SYSTEM_ORG);
		if (rc != 0)
			return rc;
		rc = keyring_seal(kr, c, KEYRING_SYSTEM_ORG, p, len, out);
	}
	return rc;
}

/* --- set-up --------------------------------------------------------------- */

struct begin_job {
	struct keyring *kr;
	int64_t user_id;
	const unsigned char *secret;
};

static int
begin_run(struct db_conn *c, void *arg)
{
	struct begin_job *j = arg;
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	int rc;

	if ((rc = seal_system(j->kr, c, j->secret, TOTP_SECRET_BYTES,
	    &box)) != 0)
		goto out;
	if ((rc = db_prepare(c, "UPDATE users SET totp_pending = ? "
	    "WHERE id = ? AND totp_enabled = 0", &st)) != 0)
		goto out;
	db_bind_blob(st, 1, box.p, box.len);
	db_bind_i64(st, 2, j->user_id);
	rc = db_step_one(st, ERR_CONFLICT);
out:
	buf_release(&box);
	return rc;
}

/* The pending secret into out: 0, or 1 when there is none. */
static int pending_secret(struct db *db, struct keyring *kr, int64_t user_id,
    unsigned char out[TOTP_SECRET_BYTES]);

int
twofa_begin(struct db *db, struct keyring *kr, int64_t user_id, bool fresh,
    struct buf *uri, struct buf *secret_b32)
{
	unsigned char secret[TOTP_SECRET_BYTES];
	struct arena a;
	struct user u;
	struct begin_job j;
	int rc;

	buf_reset(uri);
	buf_reset(secret_b32);
	arena_init(&a);
	if ((rc = user_get(db, user_id, &a, &u)) != 0)
		goto out;
	if (u.totp_enabled) {
		rc = ERR_CONFLICT;
		goto out;
	}
	if (!fresh && (rc = pending_secret(db, kr, user_id, secret)) != 1) {
		if (rc != 0)
			goto out;
		goto show;  /* the set-up in progress, unchanged */
	}
	totp_secret_new(secret);
	j.kr = kr;
	j.user_id = user_id;
	j.secret = secret;
	if ((rc = db_write(db, begin_run, &j)) != 0)
		goto out;
show:
	if ((rc = totp_uri(secret, sizeof(secret), u.email, uri)) != 0)
		goto out;
	totp_base32_encode(secret, sizeof(secret), secret_b32);
out:
	if (rc != 0) {
		buf_wipe(uri);
		buf_wipe(secret_b32);
	}
	crypto_wipe(secret, sizeof(secret));
	arena_release(&a);
	return rc;
}

/* The user's sealed secret (pending or active), opened.  *enabled and
 * *last_step describe the active one. */
struct secret_state {
	bool enabled;
	int64_t last_step;
	struct buf box;     /* the sealed form, as stored */
	struct buf secret;  /* opened */
};

static void
secret_state_release(struct secret_state *s)
{
	buf_release(&s->box);
	buf_wipe(&s->secret);
}

static int
secret_load(struct db *db, struct keyring *kr, int64_t user_id,
    bool pending, struct secret_state *s)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, pending ?
	    "SELECT totp_enabled, totp_last_step, totp_pending FROM users "
	    "WHERE id = ?" :
	    "SELECT totp_enabled, totp_last_step, totp_secret FROM users "
	    "WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		s->enabled = db_col_i64(st, 0) != 0;
		s->last_step = db_col_i64(st, 1);
		if (!db_col_null(st, 2))
			buf_addstr(&s->box, db_col_blob(st, 2));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc == 0 && s->box.len > 0) {
		rc = keyring_open(kr, c, KEYRING_SYSTEM_ORG, s->box.p,
		    s->box.len, &s->secret);
		if (rc == 0 && s->secret.len != TOTP_SECRET_BYTES)
			rc = ERR_CRYPTO;
		if (rc != 0)
			log_err("twofa_secret_unreadable", "user=%lld err=%s",
			    (long long)user_id, err_name(rc));
	}
out:
	db_read_end(db, c);
	return rc;
}

static int
pending_secret(struct db *db, struct keyring *kr, int64_t user_id,
    unsigned char out[TOTP_SECRET_BYTES])
{
	struct secret_state s = { false, 0, BUF_INIT, BUF_INIT };
	int rc;

	if ((rc = secret_load(db, kr, user_id, true, &s)) == 0) {
		if (s.enabled || s.secret.len != TOTP_SECRET_BYTES)
			rc = 1;
		else
			memcpy(out, s.secret.p, TOTP_SECRET_BYTES);
	}
	secret_state_release(&s);
	return rc;
}

/* Six digits, with the spaces some apps show in the middle removed. */
static bool
totp_canon(struct str in, char out[TOTP_DIGITS + 1])
{
	size_t i, n = 0;

	for (i = 0; i < in.len; i++) {
		if (in.p[i] == ' ')
			continue;
		if (in.p[i] < '0' || in.p[i] > '9' || n == TOTP_DIGITS)
			return false;
		out[n++] = in.p[i];
	}
	out[n] = '\0';
	return n == TOTP_DIGITS;
}

static void
recovery_new(struct buf *out)
{
	int i;

	buf_reset(out);
	for (i = 0; i < RECOVERY_CHARS; i++) {
		if (i > 0 && i % RECOVERY_GROUP_LEN == 0)
			buf_addch(out, '-');
		buf_addch(out, recovery_alphabet[crypto_random_uniform(
		    sizeof(recovery_alphabet) - 1)]);
	}
}

/* What a person typed, in the form we hash ("abcd-efgh-jkmn"), or false
 * when it cannot be a recovery code. */
static bool
recovery_canon(struct str in, char out[RECOVERY_CHARS + RECOVERY_GROUPS])
{
	size_t i, n = 0, k = 0;

	for (i = 0; i < in.len; i++) {
		char ch = in.p[i];

		if (ch == '-' || ch == ' ')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch == '\0' || strchr(recovery_alphabet, ch) == NULL ||
		    n == RECOVERY_CHARS)
			return false;
		if (n > 0 && n % RECOVERY_GROUP_LEN == 0)
			out[k++] = '-';
		out[k++] = ch;
		n++;
	}
	if (n != RECOVERY_CHARS)
		return false;
	out[k] = '\0';
	return true;
}

static void
recovery_hash(const char *code, unsigned char h[CRYPTO_HASHBYTES])
{
	crypto_sha256(code, strlen(code), h);
}

struct confirm_job {
	int64_t user_id;
	const struct buf *box;
	int64_t step;
	unsigned char (*hashes)[CRYPTO_HASHBYTES];
};

static int
confirm_run(struct db_conn *c, void *arg)
{
	struct confirm_job *j = arg;
	struct db_stmt *st;
	int i, rc;

	/* The pending secret must still be the one the code was checked
	 * against (a second twofa_begin may have replaced it). */
	if ((rc = db_prepare(c, "UPDATE users SET totp_secret = totp_pending, "
	    "totp_pending = NULL, totp_enabled = 1, totp_last_step = ? "
	    "WHERE id = ? AND totp_enabled = 0 AND totp_pending = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->step);
	db_bind_i64(st, 2, j->user_id);
	db_bind_blob(st, 3, j->box->p, j->box->len);
	if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
		return rc;

	if ((rc = db_prepare(c, "DELETE FROM recovery_codes WHERE user_id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->user_id);
	if ((rc = db_run(st)) != 0)
		return rc;
	for (i = 0; i < LIMIT_RECOVERY_CODES; i++) {
		if ((rc = db_prepare(c, "INSERT INTO recovery_codes (user_id, "
		    "code_hash) VALUES (?, ?)", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->user_id);
		db_bind_blob(st, 2, j->hashes[i], CRYPTO_HASHBYTES);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return 0;
}

int
twofa_confirm(struct db *db, struct keyring *kr, int64_t user_id,
    const char *code, time_t now, struct buf codes[])
{
	struct secret_state s = { false, 0, BUF_INIT, BUF_INIT };
	unsigned char hashes[LIMIT_RECOVERY_CODES][CRYPTO_HASHBYTES];
	struct confirm_job j = { 0 };
	char digits[TOTP_DIGITS + 1];
	int64_t step = 0;
	int i, rc;

	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_reset(&codes[i]);
	if (code == NULL)
		return ERR_TOTP;
	if (strnlen(code, LIMIT_FIELD_SHORT + 1) > LIMIT_FIELD_SHORT)
		return ERR_TOTP;
	if ((rc = secret_load(db, kr, user_id, true, &s)) != 0)
		goto out;
	if (s.enabled) {
		rc = ERR_CONFLICT;
		goto out;
	}
	if (s.box.len == 0) {
		rc = ERR_NOTFOUND;  /* no set-up begun */
		goto out;
	}
	if (!totp_canon(str_trim(str_c(code)), digits)) {
		rc = ERR_TOTP;
		goto out;
	}
	if ((rc = totp_verify((const unsigned char *)s.secret.p, s.secret.len,
	    str_c(digits), (int64_t)now, 0, &step)) != 0)
		goto out;

	for (i = 0; i < LIMIT_RECOVERY_CODES; i++) {
		recovery_new(&codes[i]);
		recovery_hash(codes[i].p, hashes[i]);
	}
	j.user_id = user_id;
	j.box = &s.box;
	j.step = step;
	j.hashes = hashes;
	rc = db_write(db, confirm_run, &j);
out:
	if (rc != 0)
		for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
			buf_wipe(&codes[i]);
	secret_state_release(&s);
	return rc;
}

/* --- use ------------------------------------------------------------------ */

struct step_job {
	int64_t user_id;
	int64_t step;
};

static int
step_run(struct db_conn *c, void *arg)
{
	struct step_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE users SET totp_last_step = ? "
	    "WHERE id = ? AND totp_enabled = 1 AND totp_last_step < ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->step);
	db_bind_i64(st, 2, j->user_id);
	db_bind_i64(st, 3, j->step);
	return db_step_one(st, ERR_TOTP);
}

struct recovery_job {
	int64_t user_id;
	const unsigned char *hash;
	int64_t now;
};

static int
recovery_run(struct db_conn *c, void *arg)
{
	struct recovery_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE recovery_codes SET used_at = ? "
	    "WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->user_id);
	db_bind_blob(st, 3, j->hash, CRYPTO_HASHBYTES);
	return db_step_one(st, ERR_TOTP);
}

static int
code_check(struct db *db, struct keyring *kr, int64_t user_id,
    struct str code, time_t now)
{
	struct secret_state s = { false, 0, BUF_INIT, BUF_INIT };
	char digits[TOTP_DIGITS + 1];
	char canon[RECOVERY_CHARS + RECOVERY_GROUPS];
	unsigned char h[CRYPTO_HASHBYTES];
	int rc;

	if ((rc = secret_load(db, kr, user_id, false, &s)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = ERR_TOTP;
		goto out;
	}
	if (!s.enabled || s.secret.len == 0) {
		rc = ERR_TOTP;
		goto out;
	}
	if (totp_canon(code, digits)) {
		struct step_job j = { user_id, 0 };

		if ((rc = totp_verify((const unsigned char *)s.secret.p,
		    s.secret.len, str_c(digits), (int64_t)now, s.last_step,
		    &j.step)) != 0)
			goto out;
		rc = db_write(db, step_run, &j);
	} else if (recovery_canon(code, canon)) {
		struct recovery_job j = { user_id, h, (int64_t)now };

		recovery_hash(canon, h);
		rc = db_write(db, recovery_run, &j);
		if (rc == 0)
			log_info("twofa_recovery_used", "user=%lld",
			    (long long)user_id);
		crypto_wipe(canon, sizeof(canon));
	} else {
		rc = ERR_TOTP;
	}
out:
	crypto_wipe(digits, sizeof(digits));
	secret_state_release(&s);
	return rc;
}

int
twofa_check(struct db *db, struct keyring *kr, int64_t user_id,
    const char *code, const char *addr, time_t now, int *delay_ms)
{
	struct buf bucket = BUF_INIT;
	struct throttle t;
	struct str s;
	int rc;

	*delay_ms = 0;
	buf_printf(&bucket, "totp:%lld", (long long)user_id);
	if ((rc = throttle_begin(db, bucket.p, LIMIT_LOGIN_FAILS_HOUR, addr,
	    now, &t, delay_ms)) != 0)
		goto out;
	s = str_trim(str_c(code ? code : ""));
	if (s.len > LIMIT_FIELD_SHORT)
		rc = ERR_TOTP;
	else
		rc = code_check(db, kr, user_id, s, now);
	if (rc == ERR_TOTP) {
		*delay_ms = throttle_delay_ms(t.fails + 1);
		goto out;
	}
	if (rc == 0)
		rc = throttle_succeed(db, bucket.p, &t);
out:
	buf_release(&bucket);
	return rc;
}

int
twofa_verify(struct db *db, struct keyring *kr, int64_t user_id,
    const char *code, const char *addr, time_t now)
{
	int delay_ms;

	return twofa_check(db, kr, user_id, code, addr, now, &delay_ms);
}

int
twofa_recovery_left(struct db *db, int64_t user_id, int *n)
{
	struct db_conn *c = NULL;
	int64_t args[1] = { user_id };
	int64_t v = 0;
	int rc;

	*n = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = db_query_i64(c, "SELECT COUNT(*) FROM recovery_codes "
	    "WHERE user_id = ? AND used_at IS NULL", &v, 1, args);
	db_read_end(db, c);
	if (rc == 0)
		*n = (int)v;
	return rc;
}

static int
disable_run(struct db_conn *c, void *arg)
{
	const int64_t *user_id = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE users SET totp_secret = NULL, "
	    "totp_pending = NULL, totp_enabled = 0, totp_last_step = 0 "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, *user_id);
	if ((rc = db_step_one(st, ERR_NOTFOUND)) != 0)
		return rc;
	if ((rc = db_prepare(c, "DELETE FROM recovery_codes WHERE user_id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, *user_id);
	return db_run(st);
}

int
twofa_disable(struct db *db, int64_t user_id)
{
	return db_write(db, disable_run, &user_id);
}
