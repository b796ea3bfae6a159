/*
 * stubs.c - what the parsers' modules call in the store, the keyring, the
 * audit log and their neighbours, for the harnesses (built by fuzz/run).
 *
 * library/lib_index.c and message/search.c hold a parser of outside input
 * (a search's words) beside the functions that read and write the
 * database.  The harnesses call only the parsers; the rest must link, and
 * linking the store would bring SQLite, libpq, the migrations and the
 * writer thread into every harness.  So each function here stops the
 * harness with its name: a harness that reaches one is wrong, not the
 * code under test.  The headers are included, so a changed declaration
 * breaks this file's build rather than a call.
 */
#include <stdio.h>
#include <stdlib.h>

#include "audit/audit.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "library/lib_int.h"
#include "message/msg_int.h"
#include "store/db.h"
#include "trajectory/trajectory.h"

static _Noreturn void
reached(const char *fn)
{
	fprintf(stderr, "fuzz: %s reached: fuzz/stubs.c has no store\n", fn);
	abort();
}

#define STUB reached(__func__)

/* store/db.h */
int db_read_begin(struct db *db, struct db_conn **out) { STUB; }
void db_read_end(struct db *db, struct db_conn *c) { STUB; }
int db_write(struct db *db, db_write_fn fn, void *arg) { STUB; }
enum db_kind db_conn_kind(const struct db_conn *c) { STUB; }
int db_prepare(struct db_conn *c, const char *sql, struct db_stmt **out)
{ STUB; }
void db_bind_i64(struct db_stmt *st, int idx, int64_t v) { STUB; }
void db_bind_text(struct db_stmt *st, int idx, const char *p, size_t len)
{ STUB; }
void db_bind_textz(struct db_stmt *st, int idx, const char *s) { STUB; }
void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len)
{ STUB; }
int db_step(struct db_stmt *st) { STUB; }
int64_t db_col_i64(struct db_stmt *st, int col) { STUB; }
struct str db_col_text(struct db_stmt *st, int col) { STUB; }
struct str db_col_blob(struct db_stmt *st, int col) { STUB; }
void db_done(struct db_stmt *st) { STUB; }
int db_run(struct db_stmt *st) { STUB; }
int db_step_id(struct db_stmt *st, int64_t *id) { STUB; }
int db_exec(struct db_conn *c, const char *sql) { STUB; }

/* library/library.c */
void lib_row(struct db_stmt *st, struct arena *a, struct lib_item *it)
{ STUB; }
int lib_get_on(struct db_conn *c, int64_t id, struct arena *a,
    struct lib_item *out) { STUB; }

/* audit/audit.h, keys/keyring.h */
int audit_append(struct db_conn *c, const struct audit_event *ev) { STUB; }
struct audit_event audit_event_from(const struct audit_event *tmpl,
    int64_t org_id, enum audit_action action, const char *kind,
    const char *detail, int64_t client_id, int64_t object_id) { STUB; }
int keyring_seal(struct keyring *kr, struct db_conn *c, int64_t org_id,
    const void *p, size_t len, struct buf *out) { STUB; }
int keyring_open(struct keyring *kr, struct db_conn *c, int64_t org_id,
    const void *box, size_t len, struct buf *out) { STUB; }

/* message/msg_int.h, trajectory/trajectory.h, identity/identity.h */
const char *msg_excerpt(struct str text, size_t at, size_t max,
    struct arena *a) { STUB; }
bool msg_author_is_client(struct str col) { STUB; }
int64_t msg_col_or_zero(struct db_stmt *st, int col) { STUB; }
int traj_parts_on(struct db_conn *c, int64_t org_id, int64_t user_id,
    enum role as, bool open_only, struct arena *a, struct traj_part **out,
    size_t *n) { STUB; }
int user_names_on(struct db_conn *c, const int64_t *ids, size_t n,
    struct arena *a, const char **names) { STUB; }
