/*
 * user.c - accounts: creation, look-up, passwords and profile, plus the
 * small helpers the other identity files share (ident.h): e-mail
 * normalisation, name and language checks, password hashing and the dummy
 * hash that keeps log-in timing the same for unknown addresses.
 *
 * Hashing (argon2id, tens of milliseconds) always happens before a write
 * job, never inside one: the writer serves every request of the node and
 * must not wait on a password hash.
 */
#include "identity/identity.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/i18n.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "identity/ident.h"
#include "identity/throttle.h"
#include "store/db.h"
#include "core/banned.h"

/* --- shared helpers ------------------------------------------------------ */

void
ident_email_lower(const char *email, struct buf *out)
{
	struct str s = str_trim(str_c(email ? email : ""));
	size_t i;

	buf_reset(out);
	if (s.len > LIMIT_FIELD_SHORT)
		s.len = LIMIT_FIELD_SHORT;
	for (i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		buf_addch(out, c);
	}
}

int
ident_email_norm(const char *email, struct buf *out)
{
	struct str s = str_trim(str_c(email ? email : ""));
	const char *at, *dot;
	size_t i;

	if (s.len < 3 || s.len > LIMIT_FIELD_SHORT)
		return ERR_INVAL;
	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		/* Nothing that could break a mail header or a list. */
		if (c <= ' ' || c == 0x7f || strchr("<>,;:\"\\()[]", c) != NULL)
			return ERR_INVAL;
	}
	ident_email_lower(email, out);
	at = memchr(out->p, '@', out->len);
	if (at == NULL || at == out->p || memchr(at + 1, '@',
	    out->len - (size_t)(at + 1 - out->p)) != NULL)
		return ERR_INVAL;
	dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0')
		return ERR_INVAL;
	return 0;
}

void
ident_acct_bucket(const char *norm_email, struct buf *out)
{
	buf_reset(out);
	buf_adds(out, "acct:");
	crypto_sha256_hex(norm_email, strlen(norm_email), out);
}

int
ident_name_ok(const char *name)
{
	struct str s = str_c(name);

	if (s.len == 0 || s.len > LIMIT_FIELD_SHORT || !text_clean(s, false))
		return ERR_INVAL;
	/* text_clean let no white space but the space through: a name
	 * that trims to nothing is all spaces. */
	return str_trim(s).len == 0 ? ERR_INVAL : 0;
}

int
ident_lang_ok(const char *lang, const char **out)
{
	if (lang == NULL || strcmp(lang, "nl") == 0) {
		*out = "nl";
		return 0;
	}
	if (strcmp(lang, "en") == 0) {
		*out = "en";
		return 0;
	}
	return ERR_INVAL;
}

int
ident_password_hash(const char *pw, struct buf *out)
{
	const char *why;
	int rc;

	if (pw == NULL)
		return ERR_INVAL;
	if ((rc = user_password_ok(pw, strlen(pw), &why)) != 0)
		return rc;
	buf_reset(out);
	return crypto_password_hash(pw, strlen(pw), out);
}

/*
 * Written once under pthread_once, read-only afterwards (the brief allows
 * no mutable globals; this is a cache of a constant that cannot be a
 * literal, because its cost must follow crypto.c's current parameters).
 */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[160];

static void
dummy_make(void)
{
	struct buf b = BUF_INIT;
	static const char text[] = "infuus-dummy-password-for-timing";

	if (crypto_password_hash(text, sizeof(text) - 1, &b) != 0 ||
	    b.len >= sizeof(dummy_hash))
		die("identity: cannot make the dummy password hash");
	memcpy(dummy_hash, b.p, b.len + 1);
	buf_release(&b);
}

const char *
ident_dummy_hash(void)
{
	pthread_once(&dummy_once, dummy_make);
	return dummy_hash;
}

void
ident_token_hash(const char *token, unsigned char out[CRYPTO_HASHBYTES])
{
	crypto_sha256(token, strlen(token), out);
}

bool
ident_token_plausible(const char *token)
{
	size_t len;

	if (token == NULL)
		return false;
	len = strnlen(token, 129);
	return len >= 16 && len <= 128;
}

void
ident_copy(char *dst, size_t size, struct str src)
{
	size_t n = src.len;

	ASSERT(size > 0);
	if (n >= size) {
		n = size - 1;
		/* Back off over continuation bytes to a character start. */
		while (n > 0 && ((unsigned char)src.p[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src.p, n);
	dst[n] = '\0';
}

/* --- passwords ------------------------------------------------------------ */

/*
 * Passwords of 12+ characters that lists of leaked passwords show people
 * pick anyway.  Compared without regard to case.  Not meant to be complete:
 * the length rule and the throttle do the real work.
 */
static const char *const common_passwords[] = {
	"passwordpassword", "password1234", "password12345", "password123456",
	"password1234567", "password12345678", "passw0rdpassw0rd",
	"123456789012", "1234567890123", "12345678901234", "123456789012345",
	"1234567890123456", "098765432109", "qwertyuiopas", "qwertyuiopasd",
	"qwertyuiopasdf", "qwertyuiopasdfgh", "qwertyuiop123", "qwerty123456",
	"1q2w3e4r5t6y", "1qaz2wsx3edc", "abcdefghijkl", "abcd1234abcd1234",
	"abc123abc123", "iloveyouiloveyou", "letmeinletmein", "welcome12345",
	"welcomewelcome", "administrator", "administrator1", "changemechangeme",
	"trustno1trustno1", "correcthorsebatterystaple", "wachtwoord123",
	"wachtwoord1234", "wachtwoordwachtwoord", "welkom123456",
	"welkomwelkom",
	"infuusinfuus",
};

int
user_password_ok(const char *pw, size_t len, const char **why)
{
	bool seen[256] = { false };
	size_t i, distinct = 0;

	*why = NULL;
	if (len < LIMIT_PASSWORD_MIN) {
		*why = N_("The password must be at least 12 characters long.");
		return ERR_INVAL;
	}
	if (len > LIMIT_PASSWORD_MAX) {
		*why = N_("The password must be at most 256 characters long.");
		return ERR_INVAL;
	}
	if (memchr(pw, '\0', len) != NULL) {
		*why = N_("The password contains a character that is not allowed.");
		return ERR_INVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)pw[i];

		if (!seen[c])
			distinct++;
		seen[c] = true;
	}
	if (distinct < 5) {
		*why = N_("The password repeats too few different characters.");
		return ERR_INVAL;
	}
	for (i = 0; i < sizeof(common_passwords) / sizeof(common_passwords[0]);
	    i++) {
		if (strlen(common_passwords[i]) == len &&
		    strncasecmp(common_passwords[i], pw, len) == 0) {
			*why = N_("This password is too common; choose another.");
			return ERR_INVAL;
		}
	}
	return 0;
}

/* --- accounts ------------------------------------------------------------- */

struct create_job {
	const char *email;
	const char *name;
	const char *pw_hash;
	const char *lang;
	int64_t now;
	int64_t id;
};

int
ident_user_insert(struct db_conn *c, const char *email, const char *name,
    const char *pw_hash, const char *lang, int64_t now, int64_t *id)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO users (email, name, pw_hash, "
	    "lang, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, email);
	db_bind_textz(st, 2, name);
	db_bind_textz(st, 3, pw_hash);
	db_bind_textz(st, 4, lang);
	db_bind_i64(st, 5, now);
	return db_step_id(st, id);
}

static int
create_run(struct db_conn *c, void *arg)
{
	struct create_job *j = arg;

	return ident_user_insert(c, j->email, j->name, j->pw_hash, j->lang,
	    j->now, &j->id);
}

int
user_create(struct db *db, const char *email, const char *name,
    const char *password, const char *lang, int64_t *id)
{
	struct buf norm = BUF_INIT, hash = BUF_INIT;
	struct create_job j = { 0 };
	int rc;

	*id = 0;
	if ((rc = ident_email_norm(email, &norm)) != 0 ||
	    (rc = ident_name_ok(name)) != 0 ||
	    (rc = ident_lang_ok(lang, &j.lang)) != 0)
		goto out;
	if ((rc = ident_password_hash(password, &hash)) != 0)
		goto out;
	j.email = norm.p;
	j.name = name;
	j.pw_hash = hash.p;
	j.now = (int64_t)time(NULL);
	if ((rc = db_write(db, create_run, &j)) != 0)
		goto out;
	*id = j.id;
out:
	buf_release(&norm);
	buf_wipe(&hash);
	return rc;
}

#define USER_COLS "id, email, name, lang, totp_enabled, disabled, created_at"

static void
user_row(struct db_stmt *st, struct arena *a, struct user *out)
{
	out->id = db_col_i64(st, 0);
	out->email = arena_strz(a, db_col_text(st, 1));
	out->name = arena_strz(a, db_col_text(st, 2));
	out->lang = arena_strz(a, db_col_text(st, 3));
	out->totp_enabled = db_col_i64(st, 4) != 0;
	out->disabled = db_col_i64(st, 5) != 0;
	out->created_at = db_col_i64(st, 6);
}

int
user_get(struct db *db, int64_t id, struct arena *a, struct user *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT " USER_COLS " FROM users WHERE id = ?",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		user_row(st, a, out);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
out:
	if (st)
		db_done(st);
	db_read_end(db, c);
	return rc;
}

int
user_by_email(struct db *db, const char *email, struct arena *a,
    struct user *out)
{
	struct buf norm = BUF_INIT;
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ident_email_norm(email, &norm) != 0) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	if ((rc = db_read_begin(db, &c)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT " USER_COLS " FROM users "
	    "WHERE email = ?", &st)) != 0)
		goto out;
	db_bind_textz(st, 1, norm.p);
	rc = db_step(st);
	if (rc == DB_ROW) {
		user_row(st, a, out);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
out:
	if (st)
		db_done(st);
	if (c)
		db_read_end(db, c);
	buf_release(&norm);
	return rc;
}

struct setpw_job {
	int64_t user_id;
	const char *pw_hash;
};

static int
setpw_run(struct db_conn *c, void *arg)
{
	struct setpw_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE users SET pw_hash = ? WHERE id = ?",
	    &st)) != 0)
		return rc;
	db_bind_textz(st, 1, j->pw_hash);
	db_bind_i64(st, 2, j->user_id);
	return db_step_one(st, ERR_NOTFOUND);
}

int
user_set_password(struct db *db, int64_t user_id, const char *password)
{
	struct buf hash = BUF_INIT;
	struct setpw_job j = { user_id, NULL };
	int rc;

	if ((rc = ident_password_hash(password, &hash)) != 0)
		goto out;
	j.pw_hash = hash.p;
	rc = db_write(db, setpw_run, &j);
out:
	buf_wipe(&hash);
	return rc;
}

/*
 * Re-authentication is throttled like log-in (the account's bucket): it
 * stands between a stolen session and the password, and must not let the
 * thief guess at full speed.
 */
int
user_check_password(struct db *db, int64_t user_id, const char *password)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	struct buf bucket = BUF_INIT;
	struct throttle t;
	char hash[160];
	bool disabled = false;
	int delay, rc;

	hash[0] = '\0';
	if (password == NULL)
		return ERR_LOGIN;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT pw_hash, disabled, email FROM users "
	    "WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		ident_copy(hash, sizeof(hash), db_col_text(st, 0));
		disabled = db_col_i64(st, 1) != 0;
		buf_adds(&bucket, "acct:");
		crypto_sha256_hex(db_col_text(st, 2).p, db_col_text(st, 2).len,
		    &bucket);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	st = NULL;
	db_read_end(db, c);
	c = NULL;
	if (rc != 0)
		goto out;
	if ((rc = throttle_begin(db, bucket.p, LIMIT_LOGIN_FAILS_HOUR, NULL,
	    time(NULL), &t, &delay)) != 0)
		goto out;
	if (crypto_password_verify(hash, password,
	    strnlen(password, LIMIT_PASSWORD_MAX + 1)) != 0 || disabled) {
		rc = ERR_LOGIN;
		goto out;
	}
	rc = throttle_succeed(db, bucket.p, &t);
out:
	if (st)
		db_done(st);
	if (c)
		db_read_end(db, c);
	crypto_wipe(hash, sizeof(hash));
	buf_release(&bucket);
	return rc;
}

struct profile_job {
	int64_t user_id;
	const char *name;
	const char *lang;
};

static int
profile_run(struct db_conn *c, void *arg)
{
	struct profile_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE users SET name = COALESCE(?, name), "
	    "lang = COALESCE(?, lang) WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, j->name);
	db_bind_textz(st, 2, j->lang);
	db_bind_i64(st, 3, j->user_id);
	return db_step_one(st, ERR_NOTFOUND);
}

int
user_set_profile(struct db *db, int64_t user_id, const char *name,
    const char *lang)
{
	struct profile_job j = { user_id, NULL, NULL };
	int rc;

	if (name != NULL) {
		if ((rc = ident_name_ok(name)) != 0)
			return rc;
		j.name = name;
	}
	if (lang != NULL && (rc = ident_lang_ok(lang, &j.lang)) != 0)
		return rc;
	return db_write(db, profile_run, &j);
}

struct disable_job {
	int64_t user_id;
	bool disabled;
};

static int
disable_run(struct db_conn *c, void *arg)
{
	struct disable_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE users SET disabled = ? WHERE id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->disabled ? 1 : 0);
	db_bind_i64(st, 2, j->user_id);
	rc = db_step_one(st, ERR_NOTFOUND);
	if (rc != 0 || !j->disabled)
		return rc;
	if ((rc = db_prepare(c, "DELETE FROM sessions WHERE user_id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->user_id);
	return db_run(st);
}

int
user_set_disabled(struct db *db, int64_t user_id, bool disabled)
{
	struct disable_job j = { user_id, disabled };

	return db_write(db, disable_run, &j);
}
