/*
 * member.c - who belongs to which organisation, in which role.
 *
 * An organisation keeps at least one administrator once it has one:
 * demoting or removing the last one is refused (ERR_CONFLICT), because
 * nobody could then manage its members.  The check and the change run in
 * the same write job.
 */
#include "identity/identity.h"

#include <string.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/log.h"
#include "identity/ident.h"
#include "store/db.h"
#include "core/banned.h"

struct member_job {
	int64_t org_id;
	int64_t user_id;
	enum role role;   /* 0 for removal */
	int64_t now;
};

int
ident_member_insert(struct db_conn *c, int64_t org_id, int64_t user_id,
    enum role role, int64_t now)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO memberships (org_id, user_id, "
	    "role, created_at) VALUES (?, ?, ?, ?)", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	db_bind_i64(st, 2, user_id);
	db_bind_textz(st, 3, role_name(role));
	db_bind_i64(st, 4, now);
	return db_run(st);
}

static int
add_run(struct db_conn *c, void *arg)
{
	struct member_job *j = arg;

	return ident_member_insert(c, j->org_id, j->user_id, j->role, j->now);
}

int
member_add(struct db *db, int64_t org_id, int64_t user_id, enum role role)
{
	struct member_job j = { org_id, user_id, role, (int64_t)time(NULL) };

	if (!role_valid((int)role))
		return ERR_INVAL;
	return db_write(db, add_run, &j);
}

int
member_role_on(struct db_conn *c, int64_t org_id, int64_t user_id, enum role *out)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT role FROM memberships "
	    "WHERE org_id = ? AND user_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	db_bind_i64(st, 2, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		rc = role_parse(db_col_text(st, 0), out) == 0 ? 0 : ERR_DB;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

/* ERR_CONFLICT when the member is the organisation's last admin. */
static int
last_admin_guard(struct db_conn *c, int64_t org_id, enum role current)
{
	int64_t args[1] = { org_id };
	int64_t n = 0;
	int rc;

	if (current != ROLE_ADMIN)
		return 0;
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM memberships "
	    "WHERE org_id = ? AND role = 'admin'", &n, 1, args)) != 0)
		return rc;
	return n <= 1 ? ERR_CONFLICT : 0;
}

static int
change_run(struct db_conn *c, void *arg)
{
	struct member_job *j = arg;
	struct db_stmt *st;
	enum role current;
	int rc;

	if ((rc = member_role_on(c, j->org_id, j->user_id, &current)) != 0)
		return rc;
	if (j->role != ROLE_ADMIN &&
	    (rc = last_admin_guard(c, j->org_id, current)) != 0)
		return rc;
	if (j->role != 0) {
		rc = db_prepare(c, "UPDATE memberships SET role = ? "
		    "WHERE org_id = ? AND user_id = ?", &st);
		if (rc != 0)
			return rc;
		db_bind_textz(st, 1, role_name(j->role));
		db_bind_i64(st, 2, j->org_id);
		db_bind_i64(st, 3, j->user_id);
	} else {
		rc = db_prepare(c, "DELETE FROM memberships "
		    "WHERE org_id = ? AND user_id = ?", &st);
		if (rc != 0)
			return rc;
		db_bind_i64(st, 1, j->org_id);
		db_bind_i64(st, 2, j->user_id);
	}
	return db_run(st);
}

int
member_set_role(struct db *db, int64_t org_id, int64_t user_id,
    enum role role, struct why *why)
{
	struct member_job j = { org_id, user_id, role, 0 };
	int rc;

	if (!role_valid((int)role))
		return why_set(why, ERR_INVAL, "role", N_("Please choose a role."));
	rc = db_write(db, change_run, &j);
	if (rc == ERR_CONFLICT)
		why_set(why, rc, "role",
		    N_("An organisation needs at least one administrator: give someone else that role first."));
	return rc;
}

int
member_remove(struct db *db, int64_t org_id, int64_t user_id)
{
	struct member_job j = { org_id, user_id, 0, 0 };

	return db_write(db, change_run, &j);
}

int
member_role(struct db *db, int64_t org_id, int64_t user_id, enum role *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT role FROM memberships "
	    "WHERE org_id = ? AND user_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	db_bind_i64(st, 2, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (role_parse(db_col_text(st, 0), out) != 0) {
			log_err("member_role_corrupt", "org=%lld user=%lld",
			    (long long)org_id, (long long)user_id);
			rc = ERR_DB;
		} else {
			rc = 0;
		}
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
out:
	db_read_end(db, c);
	return rc;
}

/* Run a membership list query with one id parameter; columns are user_id,
 * org_id, role, user name, user e-mail, organisation name. */
static int
member_query(struct db *db, const char *sql, int64_t id, struct arena *a,
    struct membership **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	struct membership *v = NULL, *nv;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, sql, &st)) != 0)
		goto out;
	db_bind_i64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct membership *m;

		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			nv = arena_calloc(a, cap, sizeof(*nv));
			if (len)
				memcpy(nv, v, len * sizeof(*nv));
			v = nv;
		}
		m = &v[len];
		m->user_id = db_col_i64(st, 0);
		m->org_id = db_col_i64(st, 1);
		if (role_parse(db_col_text(st, 2), &m->role) != 0) {
			rc = ERR_DB;
			break;
		}
		m->user_name = arena_strz(a, db_col_text(st, 3));
		m->user_email = arena_strz(a, db_col_text(st, 4));
		m->org_name = arena_strz(a, db_col_text(st, 5));
		len++;
	}
	db_done(st);
	if (rc == DB_DONE) {
		rc = 0;
		*out = v;
		*n = len;
	}
out:
	db_read_end(db, c);
	return rc;
}

int
member_list(struct db *db, int64_t org_id, struct arena *a,
    struct membership **out, size_t *n)
{
	return member_query(db, "SELECT m.user_id, m.org_id, m.role, u.name, "
	    "u.email, o.name FROM memberships m "
	    "JOIN users u ON u.id = m.user_id JOIN orgs o ON o.id = m.org_id "
	    "WHERE m.org_id = ? ORDER BY u.name, u.id", org_id, a, out, n);
}

int
member_orgs(struct db *db, int64_t user_id, struct arena *a,
    struct membership **out, size_t *n)
{
	return member_query(db, "SELECT m.user_id, m.org_id, m.role, u.name, "
	    "u.email, o.name FROM memberships m "
	    "JOIN users u ON u.id = m.user_id JOIN orgs o ON o.id = m.org_id "
	    "WHERE m.user_id = ? ORDER BY o.name, o.id", user_id, a, out, n);
}
