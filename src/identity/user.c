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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/i18n.h"
#include "core/text.h"
#include "core/utf8.h"
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

/*
 * Characters that change how the text around them is shown, or show as
 * nothing: the bidirectional embeddings, overrides and isolates (which can
 * make "Anna" display another name, or reorder the words next to it), the
 * zero-width and invisible fillers, the byte-order mark, tags, and the
 * other format controls (Unicode's Cf) a name has no use for.  The joiners
 * U+200C and U+200D stay: Persian and Indic names and emoji sequences need
 * them (name_key ignores them when names are compared).
 */
static bool
hidden_char(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0xad || cp == 0x34f ||
	    (cp >= 0x600 && cp <= 0x605) || cp == 0x61c || cp == 0x6dd ||
	    cp == 0x70f || cp == 0x890 || cp == 0x891 || cp == 0x8e2 ||
	    cp == 0x115f || cp == 0x1160 || cp == 0x17b4 || cp == 0x17b5 ||
	    (cp >= 0x180b && cp <= 0x180f) || cp == 0x200b ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0x3164 || cp == 0xfeff ||
	    cp == 0xffa0 || (cp >= 0xfff9 && cp <= 0xfffb) || cp == 0x110bd ||
	    cp == 0x110cd || (cp >= 0x13430 && cp <= 0x1343f) ||
	    (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	    (cp >= 0x1d173 && cp <= 0x1d17a) ||
	    (cp >= 0xe0000 && cp <= 0xe007f);
}

int
user_name_ok(const char *name, struct why *why)
{
	struct str s = str_c(name ? name : "");
	const unsigned char *u = (const unsigned char *)s.p;
	size_t i = 0, k;
	uint32_t cp;

	/* text_clean lets no white space but the space through: a name
	 * that trims to nothing is all spaces. */
	if (s.len == 0 || str_trim(s).len == 0)
		return why_set(why, ERR_INVAL, "name",
		    N_("Please enter your name."));
	if (s.len > LIMIT_FIELD_SHORT)
		return why_set(why, ERR_INVAL, "name",
		    N_("The name is too long."));
	if (!text_clean(s, false) || !utf8_valid(s.p, s.len))
		return why_set(why, ERR_INVAL, "name",
		    N_("The name contains a character that is not allowed."));
	while (i < s.len) {
		k = utf8_decode(u + i, s.len - i, &cp);
		if (k == 0 || hidden_char(cp))
			return why_set(why, ERR_INVAL, "name",
			    N_("The name contains an invisible character or one that changes the direction of the text; please type it without."));
		i += k;
	}
	return 0;
}

/*
 * A name as people tell it apart on a page: white space collapsed, ASCII
 * case folded, joiners and variation selectors (which show as nothing)
 * dropped.  Two members whose keys are equal look the same in a list.
 */
static void
name_key(struct str s, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s.p;
	size_t i = 0, k;
	bool space = false;
	uint32_t cp;

	buf_reset(out);
	s = str_trim(s);
	u = (const unsigned char *)s.p;
	while (i < s.len) {
		k = utf8_decode(u + i, s.len - i, &cp);
		if (k == 0) {
			buf_addch(out, (char)u[i++]);
			continue;
		}
		if (cp == ' ') {
			space = true;
		} else if (cp == 0x200c || cp == 0x200d ||
		    (cp >= 0xfe00 && cp <= 0xfe0f) ||
		    (cp >= 0xe0100 && cp <= 0xe01ef)) {
			/* nothing to see */
		} else {
			if (space && out->len > 0)
				buf_addch(out, ' ');
			space = false;
			if (cp >= 'A' && cp <= 'Z')
				buf_addch(out, (char)(cp - 'A' + 'a'));
			else
				buf_add(out, s.p + i, k);
		}
		i += k;
	}
}

int
ident_name_free_on(struct db_conn *c, int64_t org_id, int64_t user_id,
    const char *name)
{
	struct buf want = BUF_INIT, have = BUF_INIT;
	struct db_stmt *st;
	int rc;

	name_key(str_c(name), &want);
	if (org_id != 0)
		rc = db_prepare(c, "SELECT u.name FROM memberships m "
		    "JOIN users u ON u.id = m.user_id "
		    "WHERE m.org_id = ? AND m.user_id <> ?", &st);
	else
		rc = db_prepare(c, "SELECT DISTINCT u.name FROM memberships m "
		    "JOIN users u ON u.id = m.user_id WHERE m.org_id IN "
		    "(SELECT org_id FROM memberships WHERE user_id = ?) "
		    "AND m.user_id <> ?", &st);
	if (rc != 0)
		goto out;
	db_bind_i64(st, 1, org_id != 0 ? org_id : user_id);
	db_bind_i64(st, 2, user_id);
	while ((rc = db_step(st)) == DB_ROW) {
		name_key(db_col_text(st, 0), &have);
		if (have.len == want.len &&
		    memcmp(have.p, want.p, want.len) == 0) {
			rc = ERR_CONFLICT;
			break;
		}
	}
	db_done(st);
	if (rc == DB_DONE)
		rc = 0;
out:
	buf_release(&want);
	buf_release(&have);
	return rc;
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
ident_password_hash(const char *pw, const char *email, struct buf *out,
    struct why *why)
{
	int rc;

	if (pw == NULL)
		return why_set(why, ERR_INVAL, "password",
		    N_("Please choose a password."));
	if ((rc = user_password_ok_for(pw, strlen(pw), email, why)) != 0)
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

/* A password's reason belongs to the form's "password" field. */
static int
pw_why(struct why *w, const char *msg, int limit)
{
	why_set(w, ERR_INVAL, "password", msg);
	if (w)
		w->limit = limit;
	return ERR_INVAL;
}

int
user_password_ok(const char *pw, size_t len, struct why *why)
{
	bool seen[256] = { false };
	size_t i, distinct = 0;

	/* The limits count bytes; the passwords people type are mostly
	 * ASCII, where a byte is a character. */
	if (len < LIMIT_PASSWORD_MIN)
		return pw_why(why, N_("The password must be at least %d characters long."), LIMIT_PASSWORD_MIN);
	if (len > LIMIT_PASSWORD_MAX)
		return pw_why(why, N_("The password must be at most %d characters long."), LIMIT_PASSWORD_MAX);
	if (memchr(pw, '\0', len) != NULL)
		return pw_why(why, N_("The password contains a character that is not allowed."), 0);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)pw[i];

		if (!seen[c])
			distinct++;
		seen[c] = true;
	}
	if (distinct < 5)
		return pw_why(why, N_("The password repeats too few different characters."), 0);
	for (i = 0; i < sizeof(common_passwords) / sizeof(common_passwords[0]);
	    i++) {
		if (strlen(common_passwords[i]) == len &&
		    strncasecmp(common_passwords[i], pw, len) == 0)
			return pw_why(why, N_("This password is too common; choose another."), 0);
	}
	return 0;
}

int
user_password_ok_for(const char *pw, size_t len, const char *email,
    struct why *why)
{
	struct buf norm = BUF_INIT;
	struct str p;
	int rc;

	if ((rc = user_password_ok(pw, len, why)) != 0 || email == NULL)
		return rc;
	/* The address is the first thing anyone tries: it is on every
	 * mail the person sends.  Compared like addresses are: trimmed,
	 * without regard to ASCII case. */
	ident_email_lower(email, &norm);
	p = str_trim((struct str){ pw, len });
	if (norm.len > 0 && p.len == norm.len &&
	    strncasecmp(p.p, norm.p, p.len) == 0)
		rc = pw_why(why, N_("The password must not be your e-mail address."), 0);
	buf_release(&norm);
	return rc;
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
	    (rc = user_name_ok(name, NULL)) != 0 ||
	    (rc = ident_lang_ok(lang, &j.lang)) != 0)
		goto out;
	if ((rc = ident_password_hash(password, norm.p, &hash, NULL)) != 0)
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

/*
 * The distinct ids in batches of USERS_PER_STMT per statement, the last id
 * repeated to fill a batch: one statement text (one cache entry), and
 * ceil(d / 100) round trips for d distinct ids, however many rows name
 * them.
 */
#define USERS_PER_STMT 100
#define Q10 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
users_on(struct db_conn *c, const int64_t *ids, size_t n, struct arena *a,
    struct user *out)
{
	static const char sql[] = "SELECT " USER_COLS " FROM users WHERE id IN "
	    "(" Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", "
	    Q10 ", " Q10 ", " Q10 ")";
	struct db_stmt *st;
	struct user *found;
	int64_t *u;
	size_t nu = 0, at, i, k;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].email = out[i].name = out[i].lang = "";
	}
	if (n == 0)
		return 0;
	u = arena_calloc(a, n, sizeof(*u));
	memcpy(u, ids, n * sizeof(*u));
	qsort(u, n, sizeof(*u), cmp_i64);
	for (i = 0; i < n; i++)
		if (nu == 0 || u[nu - 1] != u[i])
			u[nu++] = u[i];
	found = arena_calloc(a, nu, sizeof(*found));
	for (at = 0; at < nu; at += USERS_PER_STMT) {
		size_t m = nu - at < USERS_PER_STMT ? nu - at : USERS_PER_STMT;

		if ((rc = db_prepare(c, sql, &st)) != 0)
			return rc;
		for (k = 0; k < USERS_PER_STMT; k++)
			db_bind_i64(st, (int)k + 1, u[at + (k < m ? k : m - 1)]);
		while ((rc = db_step(st)) == DB_ROW) {
			struct user x;
			int64_t *p;

			user_row(st, a, &x);
			p = bsearch(&x.id, u, nu, sizeof(*u), cmp_i64);
			if (p != NULL)
				found[p - u] = x;
		}
		db_done(st);
		if (rc != DB_DONE)
			return rc < 0 ? rc : ERR_DB;
	}
	for (i = 0; i < n; i++) {
		int64_t *p = bsearch(&ids[i], u, nu, sizeof(*u), cmp_i64);

		if (p != NULL && found[p - u].id != 0)
			out[i] = found[p - u];
	}
	return 0;
}

int
user_names_on(struct db_conn *c, const int64_t *ids, size_t n,
    struct arena *a, const char **names)
{
	struct user *u;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	u = arena_calloc(a, n, sizeof(*u));
	if ((rc = users_on(c, ids, n, a, u)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		names[i] = u[i].name;
	return 0;
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
	int64_t keep_session;
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
	if ((rc = db_step_one(st, ERR_NOTFOUND)) != 0)
		return rc;
	/* A password is changed because it may be known to someone else:
	 * whatever they logged in with ends with it, as after a reset. */
	if ((rc = db_prepare(c, "DELETE FROM sessions WHERE user_id = ? "
	    "AND id <> ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->user_id);
	db_bind_i64(st, 2, j->keep_session);
	return db_run(st);
}

int
user_set_password(struct db *db, int64_t user_id, const char *password,
    int64_t keep_session, struct why *why)
{
	struct buf hash = BUF_INIT;
	struct setpw_job j = { user_id, NULL, keep_session };
	struct arena a;
	struct user u;
	int rc;

	arena_init(&a);
	if ((rc = user_get(db, user_id, &a, &u)) != 0)
		goto out;
	if ((rc = ident_password_hash(password, u.email, &hash, why)) != 0)
		goto out;
	j.pw_hash = hash.p;
	rc = db_write(db, setpw_run, &j);
out:
	buf_wipe(&hash);
	arena_release(&a);
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

	if (j->name != NULL &&
	    (rc = ident_name_free_on(c, 0, j->user_id, j->name)) != 0)
		return rc;
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
    const char *lang, struct why *why)
{
	struct profile_job j = { user_id, NULL, NULL };
	int rc;

	if (name != NULL) {
		if ((rc = user_name_ok(name, why)) != 0)
			return rc;
		j.name = name;
	}
	if (lang != NULL && ident_lang_ok(lang, &j.lang) != 0)
		return why_set(why, ERR_INVAL, "lang",
		    N_("Please choose Dutch or English."));
	rc = db_write(db, profile_run, &j);
	if (rc == ERR_CONFLICT)
		why_set(why, rc, "name",
		    N_("Someone in your organisation already has this name. Please add something to tell you apart, such as an initial."));
	return rc;
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
