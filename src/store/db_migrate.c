/*
 * db_migrate.c - the migration runner: applies the embedded migrations
 * (migrations/, see its README) in version order, each in its own
 * transaction, as a raw job on the writer's connection.  On PostgreSQL a
 * session advisory lock (the backend's migrate_lock) makes several nodes
 * starting at once migrate once; each migration re-checks
 * schema_migrations under it.  db_migration_sql substitutes the {{tokens}}
 * and keeps only this backend's {{SQLITE}} / {{POSTGRES}} blocks.
 */
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "store/db_int.h"
#include "core/banned.h"

int
db_migration_sql(const struct db_ops *ops, const char *sql, struct buf *out)
{
	const char *p = sql, *open, *close;
	/* Inside {{SQLITE}} / {{POSTGRES}} until {{END}}: in_block; skip when
	 * the block is the other backend's. */
	bool in_block = false, skip = false;

	buf_reset(out);
	while ((open = strstr(p, "{{")) != NULL) {
		struct str tok;

		if (!skip)
			buf_add(out, p, (size_t)(open - p));
		if ((close = strstr(open + 2, "}}")) == NULL)
			return ERR_INVAL;
		tok.p = open + 2;
		tok.len = (size_t)(close - tok.p);
		if (str_eqc(tok, "SQLITE") || str_eqc(tok, "POSTGRES")) {
			/* Blocks do not nest: one backend's text at a time. */
			if (in_block)
				return ERR_INVAL;
			in_block = true;
			skip = (ops->kind == DB_SQLITE) !=
			    str_eqc(tok, "SQLITE");
		} else if (str_eqc(tok, "END")) {
			if (!in_block)
				return ERR_INVAL;
			in_block = skip = false;
		} else if (str_eqc(tok, "ID")) {
			if (!skip)
				buf_adds(out, ops->id_type);
		} else if (str_eqc(tok, "BLOB")) {
			if (!skip)
				buf_adds(out, ops->blob_type);
		} else {
			/* Also in the other backend's text: a typo fails on
			 * either. */
			return ERR_INVAL;
		}
		p = close + 2;
	}
	if (in_block)
		return ERR_INVAL;
	buf_adds(out, p);
	return 0;
}

struct migrate_ctx {
	const struct db_migration *list; /* NULL: only read the version */
	int applied;
	int version;
};

static int
migrate_one(struct db_conn *c, const struct db_migration *m, struct buf *sql)
{
	struct db_stmt *st = NULL;
	int64_t one;
	int rc;

	if ((rc = c->ops->txn(c, DB_TXN_BEGIN_WRITE)) != 0)
		return rc;
	/* Under the lock (or BEGIN IMMEDIATE) nobody else migrates; this
	 * check sees what a node before us did. */
	rc = db_query_i64(c, "SELECT 1 FROM schema_migrations WHERE version = ?",
	    &one, 1, &(int64_t){ m->version });
	if (rc == 0) {
		rc = 1;
		goto out;
	}
	if (rc != ERR_NOTFOUND)
		goto out;
	if ((rc = db_migration_sql(c->ops, m->sql, sql)) != 0) {
		log_err("db_migrate", "version=%d name=%s error=\"unknown "
		    "{{token}} or unclosed block\"", m->version, m->name);
		goto out;
	}
	if ((rc = db_exec(c, sql->p)) != 0)
		goto out;
	if ((rc = db_prepare(c, "INSERT INTO schema_migrations "
	    "(version, name, applied_at) VALUES (?, ?, ?)", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, m->version);
	db_bind_textz(st, 2, m->name);
	db_bind_i64(st, 3, (int64_t)time(NULL));
	if ((rc = db_run(st)) != 0)
		goto out;
	rc = c->ops->txn(c, DB_TXN_COMMIT);
out:
	if (c->ops->in_txn(c))
		(void)c->ops->txn(c, DB_TXN_ROLLBACK);
	if (rc < 0)
		log_err("db_migrate", "backend=%s version=%d name=%s failed "
		    "err=%s", c->ops->name, m->version, m->name, err_name(rc));
	return rc;
}

static int
migrate_job(struct db_conn *c, void *arg)
{
	struct migrate_ctx *mc = arg;
	struct buf sql = BUF_INIT;
	const struct db_migration *m;
	int64_t v = 0;
	int rc;

	if ((rc = c->ops->migrate_lock(c, true)) != 0)
		return rc;
	rc = db_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at BIGINT NOT NULL)");
	if (rc != 0)
		goto out;
	for (m = mc->list; m && m->version != 0; m++) {
		if ((rc = migrate_one(c, m, &sql)) < 0)
			goto out;
		if (rc == 0) {
			mc->applied++;
			log_info("db_migrate", "version=%d name=%s applied",
			    m->version, m->name);
		}
	}
	rc = db_query_i64(c, "SELECT COALESCE(MAX(version), 0) "
	    "FROM schema_migrations", &v, 0, NULL);
	mc->version = (int)v;
out:
	(void)c->ops->migrate_lock(c, false);
	buf_release(&sql);
	return rc;
}

int
db_migrate_list(struct db *db, const struct db_migration *list, int *applied)
{
	struct migrate_ctx mc = { list, 0, 0 };
	const struct db_migration *m;
	int rc;

	/* The generator sorts and checks the embedded list; a hand-made one
	 * (tests) must follow the same rule. */
	for (m = list; m->version != 0 && m[1].version != 0; m++)
		ASSERT(m->version < m[1].version);
	rc = db_enqueue(db, migrate_job, &mc, true);
	if (applied)
		*applied = mc.applied;
	return rc;
}

int
db_migrate(struct db *db, int *applied)
{
	return db_migrate_list(db, db_migrations, applied);
}

int
db_schema_version(struct db *db, int *version)
{
	struct migrate_ctx mc = { NULL, 0, 0 };
	int rc;

	if ((rc = db_enqueue(db, migrate_job, &mc, true)) == 0)
		*version = mc.version;
	return rc;
}
