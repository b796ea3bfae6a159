/*
 * invite.c - single-use invitations to join an organisation.
 *
 * The link carries a random token; the table holds its SHA-256.  Accepting
 * is split in two: the password work (argon2id: checking the existing
 * account's password, or hashing the new account's) happens first, outside
 * the writer; then one write job claims the invitation (an UPDATE that only
 * succeeds while it is unused and unexpired, so two clicks cannot both
 * win), creates the account or checks it is still the one we verified,
 * and adds the membership.  A failure anywhere in the job rolls all of it
 * back, so a crash cannot leave an account without its membership or a
 * used invitation without either.
 */
#include "identity/identity.h"

#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "identity/ident.h"
#include "identity/throttle.h"
#include "store/db.h"
#include "core/banned.h"

struct invite_new_job {
	const unsigned char *hash;
	int64_t org_id;
	const char *email;
	enum role role;
	int64_t invited_by;
	int64_t now;
};

static int
invite_new_run(struct db_conn *c, void *arg)
{
	struct invite_new_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO invites (token_hash, org_id, "
	    "email, role, invited_by, created_at, expires_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", &st)) != 0)
		return rc;
	db_bind_blob(st, 1, j->hash, CRYPTO_HASHBYTES);
	db_bind_i64(st, 2, j->org_id);
	db_bind_textz(st, 3, j->email);
	db_bind_textz(st, 4, role_name(j->role));
	db_bind_id(st, 5, j->invited_by);
	db_bind_i64(st, 6, j->now);
	db_bind_i64(st, 7, j->now + LIMIT_INVITE_TTL);
	return db_run(st);
}

int
invite_create(struct db *db, int64_t org_id, const char *email,
    enum role role, int64_t invited_by, struct buf *token,
    struct why *why)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct buf norm = BUF_INIT;
	struct invite_new_job j = { 0 };
	int rc;

	buf_reset(token);
	if ((rc = ident_email_norm(email, &norm)) != 0) {
		if (rc == ERR_INVAL)
			why_set(why, rc, "email",
			    N_("Please enter a valid e-mail address."));
		goto out;
	}
	if (!role_valid((int)role)) {
		rc = why_set(why, ERR_INVAL, "role", N_("Please choose a role."));
		goto out;
	}
	crypto_token(token);
	ident_token_hash(token->p, h);
	j.hash = h;
	j.org_id = org_id;
	j.email = norm.p;
	j.role = role;
	j.invited_by = invited_by;
	j.now = (int64_t)time(NULL);
	if ((rc = db_write(db, invite_new_run, &j)) != 0)
		buf_wipe(token);
out:
	buf_release(&norm);
	return rc;
}

/* What accepting needs to know, read before the job. */
struct pending {
	struct invite inv;
	int64_t user_id;    /* the existing account, 0 when none */
	bool disabled;
	char pw_hash[160];
};

static int
invite_read(struct db *db, const char *token, time_t now, struct arena *a,
    struct pending *p)
{
	unsigned char h[CRYPTO_HASHBYTES];
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	bool used = false;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!ident_token_plausible(token))
		return ERR_NOTFOUND;
	ident_token_hash(token, h);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT i.id, i.org_id, o.name, i.email, "
	    "i.role, i.expires_at, i.used_at, u.id, u.pw_hash, u.disabled "
	    "FROM invites i JOIN orgs o ON o.id = i.org_id "
	    "LEFT JOIN users u ON u.email = i.email "
	    "WHERE i.token_hash = ?", &st)) != 0)
		goto out;
	db_bind_blob(st, 1, h, sizeof(h));
	rc = db_step(st);
	if (rc == DB_ROW) {
		p->inv.id = db_col_i64(st, 0);
		p->inv.org_id = db_col_i64(st, 1);
		p->inv.org_name = arena_strz(a, db_col_text(st, 2));
		p->inv.email = arena_strz(a, db_col_text(st, 3));
		if (role_parse(db_col_text(st, 4), &p->inv.role) != 0)
			rc = ERR_DB;
		else
			rc = 0;
		p->inv.expires_at = db_col_i64(st, 5);
		used = !db_col_null(st, 6);
		if (!db_col_null(st, 7)) {
			p->inv.account_exists = true;
			p->user_id = db_col_i64(st, 7);
			ident_copy(p->pw_hash, sizeof(p->pw_hash),
			    db_col_text(st, 8));
			p->disabled = db_col_i64(st, 9) != 0;
		}
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
out:
	db_read_end(db, c);
	if (rc == 0 && (used || p->inv.expires_at <= (int64_t)now))
		rc = ERR_GONE;
	return rc;
}

int
invite_lookup(struct db *db, const char *token, time_t now,
    struct arena *a, struct invite *out)
{
	struct pending p;
	int rc;

	rc = invite_read(db, token, now, a, &p);
	crypto_wipe(p.pw_hash, sizeof(p.pw_hash));
	if (rc == 0)
		*out = p.inv;
	else
		memset(out, 0, sizeof(*out));
	return rc;
}

struct accept_job {
	const struct pending *p;
	const char *name;
	const char *lang;
	const char *pw_hash;  /* for a new account */
	int64_t now;
	int64_t user_id;
	struct why *why;      /* a new account's name taken: says so */
};

static int
accept_run(struct db_conn *c, void *arg)
{
	struct accept_job *j = arg;
	const struct pending *p = j->p;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE invites SET used_at = ? "
	    "WHERE id = ? AND used_at IS NULL AND expires_at > ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, p->inv.id);
	db_bind_i64(st, 3, j->now);
	if ((rc = db_step_one(st, ERR_GONE)) != 0)
		return rc;

	if (p->user_id != 0) {
		/* XXX: an existing account keeps its name when it joins, even
		 * when a member here reads the same; it is refused for new
		 * accounts and name changes (ident_name_free_on), and asking
		 * the person to rename before joining is not built yet. */
		/* Still the account whose password was checked. */
		int64_t args[1] = { p->user_id };
		int64_t one = 0;

		rc = db_query_i64(c, "SELECT 1 FROM users WHERE id = ? "
		    "AND disabled = 0", &one, 1, args);
		if (rc == ERR_NOTFOUND)
			rc = ERR_CONFLICT;
		if (rc != 0)
			return rc;
		j->user_id = p->user_id;
	} else {
		if ((rc = ident_name_free_on(c, p->inv.org_id, 0,
		    j->name)) != 0) {
			if (rc == ERR_CONFLICT)
				why_set(j->why, rc, "name",
				    N_("Someone in this organisation already has this name. Please add something to tell you apart, such as an initial."));
			return rc;
		}
		rc = ident_user_insert(c, p->inv.email, j->name, j->pw_hash,
		    j->lang, j->now, &j->user_id);
		if (rc != 0)
			return rc;
	}

	/* Already a member: ERR_CONFLICT, and the invitation stays unused. */
	return ident_member_insert(c, p->inv.org_id, j->user_id, p->inv.role,
	    j->now);
}

int
invite_accept(struct db *db, const char *token, const char *name,
    const char *password, const char *lang, time_t now, int64_t *user_id,
    struct why *why)
{
	struct arena a;
	struct pending p;
	struct buf hash = BUF_INIT, bucket = BUF_INIT;
	struct accept_job j = { 0 };
	struct throttle t;
	int delay, rc;

	*user_id = 0;
	arena_init(&a);
	memset(&p, 0, sizeof(p));
	if ((rc = invite_read(db, token, now, &a, &p)) != 0)
		goto out;
	if (password == NULL) {
		rc = why_set(why, ERR_INVAL, "password",
		    N_("Please enter your password."));
		goto out;
	}

	if (p.user_id != 0) {
		/* The invitation lets a guesser try this account's password:
		 * count it like a log-in. */
		ident_acct_bucket(p.inv.email, &bucket);
		if ((rc = throttle_begin(db, bucket.p, LIMIT_LOGIN_FAILS_HOUR,
		    NULL, now, &t, &delay)) != 0)
			goto out;
		if (crypto_password_verify(p.pw_hash, password,
		    strnlen(password, LIMIT_PASSWORD_MAX + 1)) != 0 ||
		    p.disabled) {
			rc = ERR_LOGIN;
			goto out;
		}
		if ((rc = throttle_succeed(db, bucket.p, &t)) != 0)
			goto out;
	} else {
		if ((rc = user_name_ok(name, why)) != 0 ||
		    (rc = ident_lang_ok(lang, &j.lang)) != 0 ||
		    (rc = ident_password_hash(password, p.inv.email, &hash,
		    why)) != 0)
			goto out;
		j.name = name;
		j.pw_hash = hash.p;
	}

	j.p = &p;
	j.now = (int64_t)now;
	j.why = why;
	if ((rc = db_write(db, accept_run, &j)) != 0)
		goto out;
	*user_id = j.user_id;
out:
	crypto_wipe(p.pw_hash, sizeof(p.pw_hash));
	buf_wipe(&hash);
	buf_release(&bucket);
	arena_release(&a);
	return rc;
}
