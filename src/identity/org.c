/*
 * org.c - organisations: creation (with their data key), look-up and the
 * two-factor requirement.
 *
 * The organisation row and its first data key are made in one write job,
 * so there is never an organisation whose client texts cannot be sealed.
 */
#include "identity/identity.h"

#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "identity/ident.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "core/banned.h"

#define SLUG_MAX 64
#define TZ_MAX 64

/* Lower-case letters, digits and inner hyphens: it goes into URLs. */
static int
slug_ok(const char *s)
{
	size_t i, len;

	if (s == NULL)
		return ERR_INVAL;
	len = strlen(s);
	if (len < 2 || len > SLUG_MAX || s[0] == '-' || s[len - 1] == '-')
		return ERR_INVAL;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return ERR_INVAL;
	}
	return 0;
}

/* The shape of an IANA zone name; whether the zone exists is tz.c's
 * business when the zone is used. */
static int
tz_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > TZ_MAX)
		return ERR_INVAL;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("/_+-", c) != NULL))
			return ERR_INVAL;
	}
	if (s[0] == '/' || strstr(s, "..") != NULL)
		return ERR_INVAL;
	return 0;
}

struct org_job {
	struct keyring *kr;
	const char *name, *slug, *tz;
	int64_t now;
	int64_t id;
};

static int
org_create_run(struct db_conn *c, void *arg)
{
	struct org_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO orgs (name, slug, tz, created_at) "
	    "VALUES (?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, j->name);
	db_bind_textz(st, 2, j->slug);
	db_bind_textz(st, 3, j->tz);
	db_bind_i64(st, 4, j->now);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;
	return keyring_create_org_key(j->kr, c, j->id);
}

int
org_create(struct db *db, struct keyring *kr, const char *name,
    const char *slug, const char *tz, int64_t *id)
{
	struct org_job j = { 0 };
	int rc;

	*id = 0;
	if (tz == NULL)
		tz = "Europe/Amsterdam";
	if ((rc = user_name_ok(name, NULL)) != 0 || (rc = slug_ok(slug)) != 0 ||
	    (rc = tz_ok(tz)) != 0)
		return rc;
	j.kr = kr;
	j.name = name;
	j.slug = slug;
	j.tz = tz;
	j.now = (int64_t)time(NULL);
	if ((rc = db_write(db, org_create_run, &j)) != 0)
		return rc;
	*id = j.id;
	return 0;
}

static int
org_select(struct db *db, const char *sql, int64_t id, const char *slug,
    struct arena *a, struct org *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, sql, &st)) != 0)
		goto out;
	if (slug != NULL)
		db_bind_textz(st, 1, slug);
	else
		db_bind_i64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		out->id = db_col_i64(st, 0);
		out->name = arena_strz(a, db_col_text(st, 1));
		out->slug = arena_strz(a, db_col_text(st, 2));
		out->tz = arena_strz(a, db_col_text(st, 3));
		out->require_2fa = db_col_i64(st, 4) != 0;
		out->created_at = db_col_i64(st, 5);
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
org_get(struct db *db, int64_t id, struct arena *a, struct org *out)
{
	return org_select(db, "SELECT id, name, slug, tz, require_2fa, "
	    "created_at FROM orgs WHERE id = ?", id, NULL, a, out);
}

int
org_by_slug(struct db *db, const char *slug, struct arena *a, struct org *out)
{
	if (slug == NULL || slug_ok(slug) != 0) {
		memset(out, 0, sizeof(*out));
		return ERR_NOTFOUND;
	}
	return org_select(db, "SELECT id, name, slug, tz, require_2fa, "
	    "created_at FROM orgs WHERE slug = ?", 0, slug, a, out);
}

int
org_count(struct db *db, int64_t *n)
{
	struct db_conn *c = NULL;
	int rc;

	*n = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = db_query_i64(c, "SELECT COUNT(*) FROM orgs", n, 0, NULL);
	db_read_end(db, c);
	return rc;
}

struct req2fa_job {
	int64_t org_id;
	bool on;
};

static int
req2fa_run(struct db_conn *c, void *arg)
{
	struct req2fa_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE orgs SET require_2fa = ? WHERE id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->on ? 1 : 0);
	db_bind_i64(st, 2, j->org_id);
	return db_step_one(st, ERR_NOTFOUND);
}

int
org_set_require_2fa(struct db *db, int64_t org_id, bool on)
{
	struct req2fa_job j = { org_id, on };

	return db_write(db, req2fa_run, &j);
}
