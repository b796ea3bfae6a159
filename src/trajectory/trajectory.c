/*
 * trajectory.c - trajectories: creation, look-up, lists, who takes part,
 * phase and settings, and the client's learning questions.
 *
 * Owns the tables trajectories, trajectory_members and learning_questions
 * (010_trajectory.sql).  Titles and learning questions are the client's
 * words: sealed with the organisation's data key before they reach the
 * store, and opened only after the read is in the access log.  Every change
 * runs in one write job together with its access-log entry, so neither
 * exists without the other.
 *
 * The reply counters of struct trajectory (waiting, next_deadline,
 * last_message_at) come from the message module, which sits above this
 * one: it registers its look-up (traj_activity_source) and this module
 * never reads messages.  Names come from identity (user_names_on).
 *
 * Participation ends when someone leaves the organisation
 * (traj_end_participation): the row moves to trajectory_members_ended
 * (016_participation_ended.sql), so every reader of trajectory_members
 * sees only those who take part now.
 *
 * Caveat: closing is final here.  A closed trajectory takes no change at
 * all (ERR_FORBIDDEN) and cannot be re-opened; everyone who took part keeps
 * reading it.
 */
#include "trajectory/trajectory.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/text.h"
#include "identity/identity.h"
#include "core/xalloc.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "trajectory/traj_int.h"
#include "instrument/measure.h"
#include "core/banned.h"

static const char *const phase_names[] = {
	[TRAJ_INTAKE] = "intake",
	[TRAJ_WORKING] = "working",
	[TRAJ_CLOSING] = "closing",
	[TRAJ_CLOSED] = "closed",
};

static const char *const level_names[] = {
	[TRAJ_LEVEL_SIMPLE] = "simple",
	[TRAJ_LEVEL_STANDARD] = "standard",
	[TRAJ_LEVEL_ADVANCED] = "advanced",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
name_index(struct str s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_eqc(s, names[i]))
			return (int)i;
	return -1;
}

const char *
traj_phase_name(enum traj_phase p)
{
	return (unsigned)p < NELEM(phase_names) ? phase_names[p] : "?";
}

int
traj_phase_parse(const char *s, enum traj_phase *out)
{
	int i = s ? name_index(str_c(s), phase_names, NELEM(phase_names)) : -1;

	if (i < 0)
		return ERR_INVAL;
	*out = (enum traj_phase)i;
	return 0;
}

const char *
traj_level_name(enum traj_level l)
{
	return (unsigned)l < NELEM(level_names) ? level_names[l] : "?";
}

enum traj_phase
traj_phase_col(struct str s)
{
	int i = name_index(s, phase_names, NELEM(phase_names));

	return i < 0 ? TRAJ_CLOSED : (enum traj_phase)i;
}

int
traj_level_parse(const char *s, enum traj_level *out)
{
	int i = s ? name_index(str_c(s), level_names, NELEM(level_names)) : -1;

	if (i < 0)
		return ERR_INVAL;
	*out = (enum traj_level)i;
	return 0;
}

/* --- reads on the caller's connection (trajectory.h, traj_int.h) -------- */

int
traj_head_on(struct db_conn *c, int64_t id, struct traj_head *out)
{
	struct db_stmt *st;
	int rc, ph;

	if ((rc = db_prepare(c, "SELECT org_id, client_id, phase, "
	    "share_reads FROM trajectories WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		out->org_id = db_col_i64(st, 0);
		out->client_id = db_col_i64(st, 1);
		ph = name_index(db_col_text(st, 2), phase_names,
		    NELEM(phase_names));
		out->phase = (enum traj_phase)(ph < 0 ? 0 : ph);
		out->share_reads = db_col_i64(st, 3) != 0;
		rc = ph < 0 ? ERR_DB : 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

int
traj_question_traj_on(struct db_conn *c, int64_t question_id,
    int64_t *traj_id)
{
	*traj_id = 0;
	return db_query_i64(c, "SELECT trajectory_id FROM learning_questions "
	    "WHERE id = ?", traj_id, 1, &question_id);
}

int
traj_head_open(struct db_conn *c, int64_t id, struct traj_head *out)
{
	int rc;

	if ((rc = traj_head_on(c, id, out)) != 0)
		return rc;
	return out->phase == TRAJ_CLOSED ? ERR_FORBIDDEN : 0;
}

struct audit_event
traj_event(const struct audit_event *tmpl, enum audit_action action,
    const char *kind, const char *detail, const struct traj_head *h,
    int64_t object_id)
{
	return audit_event_from(tmpl, h->org_id, action, kind,
	    detail ? detail : tmpl->detail, h->client_id, object_id);
}

/* Does user_id hold exactly role `want` in org_id?  Read on the writer. */
/* user_id holds role `want` in the organisation now (identity owns the
 * memberships); ERR_INVAL otherwise. */
static int
org_role_is(struct db_conn *c, int64_t org_id, int64_t user_id,
    enum role want)
{
	enum role r;
	int rc;

	rc = member_role_on(c, org_id, user_id, &r);
	if (rc == ERR_NOTFOUND || (rc == 0 && r != want))
		return ERR_INVAL;
	return rc;
}

static int
member_insert(struct db_conn *c, int64_t traj_id, int64_t user_id,
    enum role role, int64_t now)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO trajectory_members "
	    "(trajectory_id, user_id, role, added_at) VALUES (?, ?, ?, ?)",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, user_id);
	db_bind_textz(st, 3, role_name(role));
	db_bind_i64(st, 4, now);
	return db_run(st);
}

/* --- create ------------------------------------------------------------- */

/* A typed field's fault as a reason for its form field (limit in
 * characters, as text_check counted it). */
static int
text_reason(enum text_fault f, struct why *w, const char *field,
    const char *missing, const char *too_long, int limit)
{
	int rc;

	switch (f) {
	case TEXT_OK:
		return 0;
	case TEXT_MISSING:
		return why_set(w, ERR_INVAL, field, missing);
	case TEXT_TOO_LONG:
		rc = why_set(w, ERR_TOOBIG, field, too_long);
		if (w)
			w->limit = limit;
		return rc;
	case TEXT_BAD_CHAR:
	default:
		return why_set(w, ERR_INVAL, field, N_("This text holds characters that are not allowed (control characters or bytes that are not text)."));
	}
}

struct create_job {
	struct keyring *kr;
	int64_t org_id;
	int64_t client_id;
	int64_t pro_id;
	struct str title;
	int64_t planned_end;
	const struct promise_terms *terms;
	const struct audit_event *ev;
	int64_t now;
	int64_t id;
	struct why *why;
};

static int
create_run(struct db_conn *c, void *arg)
{
	struct create_job *j = arg;
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	struct traj_head h;
	struct audit_event ev;
	int rc;

	if ((rc = org_role_is(c, j->org_id, j->client_id, ROLE_CLIENT)) != 0) {
		if (rc == ERR_INVAL)
			why_set(j->why, rc, "client",
			    N_("Please choose a client of this organisation."));
		goto out;
	}
	if ((rc = org_role_is(c, j->org_id, j->pro_id,
	    ROLE_PROFESSIONAL)) != 0)
		goto out;
	if ((rc = keyring_seal(j->kr, c, j->org_id, j->title.p, j->title.len,
	    &box)) != 0)
		goto out;
	if ((rc = db_prepare(c, "INSERT INTO trajectories (org_id, client_id, "
	    "title_box, phase, started_at, planned_end, reading_level, "
	    "share_reads, created_by, created_at) "
	    "VALUES (?, ?, ?, 'intake', ?, ?, 'standard', 0, ?, ?) "
	    "RETURNING id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->org_id);
	db_bind_i64(st, 2, j->client_id);
	db_bind_blob(st, 3, box.p, box.len);
	db_bind_i64(st, 4, j->now);
	db_bind_id(st, 5, j->planned_end);
	db_bind_id(st, 6, j->ev->actor_id);
	db_bind_i64(st, 7, j->now);
	if ((rc = db_step_id(st, &j->id)) != 0)
		goto out;
	if ((rc = member_insert(c, j->id, j->client_id, ROLE_CLIENT, j->now)) != 0 ||
	    (rc = member_insert(c, j->id, j->pro_id, ROLE_PROFESSIONAL,
	    j->now)) != 0 ||
	    (rc = traj_terms_insert(c, j->id, j->terms, j->now)) != 0)
		goto out;
	h.org_id = j->org_id;
	h.client_id = j->client_id;
	h.phase = TRAJ_INTAKE;
	ev = traj_event(j->ev, AUDIT_CREATE, "trajectory", NULL, &h, j->id);
	rc = audit_append(c, &ev);
out:
	buf_release(&box);
	return rc;
}

int
traj_create(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t client_id, int64_t professional_id, const char *title,
    int64_t planned_end, const struct promise_terms *terms,
    const struct audit_event *ev, struct why *why, int64_t *id)
{
	struct create_job j = { 0 };
	struct promise_terms canon;
	struct arena a;
	int rc;

	*id = 0;
	if (org_id <= 0 || professional_id <= 0 || terms == NULL || ev == NULL)
		return ERR_INVAL;
	if (client_id <= 0 || client_id == professional_id)
		return why_set(why, ERR_INVAL, "client",
		    N_("Please choose a client."));
	/* Counted in characters, which take 1-4 bytes of UTF-8. */
	if ((rc = text_reason(text_check(str_c(title), 4 * LIMIT_TRAJ_TITLE,
	    LIMIT_TRAJ_TITLE, false, &j.title), why, "title",
	    N_("Please give the trajectory a title."),
	    N_("The title is longer than %d characters."),
	    LIMIT_TRAJ_TITLE)) != 0)
		return rc;
	if (planned_end < 0)
		return why_set(why, ERR_INVAL, "planned_end",
		    N_("The planned end is not a valid date."));
	if ((rc = traj_terms_check(terms, why)) != 0)
		return rc;
	j.why = why;
	arena_init(&a);
	traj_terms_canon(terms, &a, &canon);
	j.kr = kr;
	j.org_id = org_id;
	j.client_id = client_id;
	j.pro_id = professional_id;
	j.planned_end = planned_end;
	j.terms = &canon;
	j.ev = ev;
	j.now = (int64_t)time(NULL);
	if ((rc = db_write(db, create_run, &j)) == 0)
		*id = j.id;
	arena_release(&a);
	return rc;
}

/* --- reading ------------------------------------------------------------ */

/*
 * The columns of struct trajectory and the sealed title.  The client's
 * name comes from identity and the reply counters from the message module
 * (through the registered activity source), each in one batch for a list.
 */
#define TRAJ_SELECT \
	"SELECT t.id, t.org_id, t.client_id, t.title_box, t.phase, " \
	"t.started_at, t.planned_end, t.closed_at, t.reading_level, " \
	"t.share_reads, t.created_at FROM trajectories t "

static int64_t
col_or_zero(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? 0 : db_col_i64(st, col);
}

/* One row of TRAJ_SELECT into *out (title NULL, no name, no counters) and
 * its sealed title, copied into *box (in a). */
static int
traj_row(struct db_stmt *st, struct arena *a, struct trajectory *out,
    struct str *box)
{
	struct str b;
	int ph, lv;

	memset(out, 0, sizeof(*out));
	out->id = db_col_i64(st, 0);
	out->org_id = db_col_i64(st, 1);
	out->client_id = db_col_i64(st, 2);
	out->client_name = "";
	b = db_col_blob(st, 3);
	box->p = b.len ? arena_strndup(a, b.p, b.len) : "";
	box->len = b.len;
	ph = name_index(db_col_text(st, 4), phase_names, NELEM(phase_names));
	lv = name_index(db_col_text(st, 8), level_names, NELEM(level_names));
	if (ph < 0 || lv < 0) {
		log_err("trajectory_corrupt", "id=%lld", (long long)out->id);
		return ERR_DB;
	}
	out->phase = (enum traj_phase)ph;
	out->started_at = db_col_i64(st, 5);
	out->planned_end = col_or_zero(st, 6);
	out->closed_at = col_or_zero(st, 7);
	out->reading_level = (enum traj_level)lv;
	out->share_reads = db_col_i64(st, 9) != 0;
	out->created_at = db_col_i64(st, 10);
	return 0;
}

static traj_activity_fn activity_source;

void
traj_activity_source(traj_activity_fn fn)
{
	activity_source = fn;
}

/* The reply counters of v[0..n) from the activity source (none: 0). */
static int
fill_activity(struct db_conn *c, struct arena *a, struct trajectory *v,
    size_t n)
{
	struct traj_activity *act;
	int64_t *ids;
	size_t i;
	int rc;

	if (n == 0 || activity_source == NULL)
		return 0;
	ids = arena_calloc(a, n, sizeof(*ids));
	act = arena_calloc(a, n, sizeof(*act));
	for (i = 0; i < n; i++)
		ids[i] = v[i].id;
	if ((rc = activity_source(c, ids, n, act)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		v[i].waiting = act[i].waiting;
		v[i].next_deadline = act[i].next_deadline;
		v[i].last_message_at = act[i].last_message_at;
	}
	return 0;
}

/* The clients' names of v[0..n), from identity in one batch. */
static int
fill_names(struct db_conn *c, struct arena *a, struct trajectory *v,
    size_t n)
{
	const char **names;
	int64_t *ids;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	ids = arena_calloc(a, n, sizeof(*ids));
	names = arena_calloc(a, n, sizeof(*names));
	for (i = 0; i < n; i++)
		ids[i] = v[i].client_id;
	if ((rc = user_names_on(c, ids, n, a, names)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		v[i].client_name = names[i];
	return 0;
}

static int
get_on(struct db_conn *c, int64_t id, struct arena *a,
    struct trajectory *out, struct str *box)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, TRAJ_SELECT "WHERE t.id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		rc = traj_row(st, a, out, box);
	else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	if (rc == 0 && (rc = fill_activity(c, a, out, 1)) == 0)
		rc = fill_names(c, a, out, 1);
	return rc;
}

/* Open a sealed text of org_id into a NUL-terminated copy in a. */
static int
open_text(struct keyring *kr, struct db_conn *c, int64_t org_id,
    struct str box, struct arena *a, const char **out)
{
	struct buf plain = BUF_INIT;
	int rc;

	if ((rc = keyring_open(kr, c, org_id, box.p, box.len, &plain)) == 0)
		*out = arena_strndup(a, plain.p, plain.len);
	buf_wipe(&plain);
	return rc;
}

int
traj_get_meta(struct db *db, int64_t id, struct arena *a,
    struct trajectory *out)
{
	struct db_conn *c = NULL;
	struct str box;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = get_on(c, id, a, out, &box);
	db_read_end(db, c);
	return rc;
}

/*
 * Reads hold their read connection while the access is logged (the log is
 * a write job of its own; a read connection does not hold up the writer),
 * and open the client's text only after the entry is durable.
 */
int
traj_get(struct db *db, struct keyring *kr, int64_t id,
    const struct audit_event *ev, struct arena *a, struct trajectory *out)
{
	struct db_conn *c = NULL;
	struct traj_head h;
	struct audit_event e;
	struct str box;
	const char *title = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ev == NULL)
		return ERR_INVAL;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = get_on(c, id, a, out, &box)) != 0)
		goto out;
	h.org_id = out->org_id;
	h.client_id = out->client_id;
	h.phase = out->phase;
	e = traj_event(ev, AUDIT_READ, "trajectory", NULL, &h, id);
	if ((rc = audit_record(db, &e)) != 0)
		goto out;
	if ((rc = open_text(kr, c, out->org_id, box, a, &title)) != 0)
		goto out;
	out->title = title;
out:
	db_read_end(db, c);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Append every event of a list in one job. */
struct events_job {
	const struct audit_event *ev;
	size_t n;
};

static int
events_run(struct db_conn *c, void *arg)
{
	struct events_job *j = arg;
	size_t i;
	int rc;

	for (i = 0; i < j->n; i++)
		if ((rc = audit_append(c, &j->ev[i])) != 0)
			return rc;
	return 0;
}

static int
record_all(struct db *db, const struct audit_event *ev, size_t n)
{
	struct events_job j = { ev, n };

	if (n == 0)
		return 0;
	return db_write(db, events_run, &j);
}

/* A candidate of a list: the row and its sealed title. */
struct cand {
	struct trajectory t;
	struct str box;
};

/* Newest activity first (the last message, else the creation), then the
 * newest trajectory. */
static int
cand_cmp(const void *a, const void *b)
{
	const struct trajectory *x = &((const struct cand *)a)->t;
	const struct trajectory *y = &((const struct cand *)b)->t;
	int64_t ax = x->last_message_at ? x->last_message_at : x->created_at;
	int64_t ay = y->last_message_at ? y->last_message_at : y->created_at;

	if (ax != ay)
		return ax > ay ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

/*
 * The candidates (at most LIMIT_TRAJ_PARTS, newest first), their counters
 * from the activity source in batches, ordered here by activity and cut at
 * LIMIT_TRAJ_LIST; then the kept rows' names in one batch.  All on one
 * snapshot.
 */
int
traj_list(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t user_id, bool all, const struct audit_event *ev,
    struct arena *a, struct trajectory **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	struct trajectory *v, *t = NULL;
	struct cand *cv = NULL;
	struct str *boxes;
	struct audit_event *evs = NULL;
	struct traj_head h;
	size_t len = 0, cap = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if (ev == NULL || org_id <= 0 || (!all && user_id <= 0))
		return ERR_INVAL;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if (all) {
		rc = db_prepare(c, TRAJ_SELECT "WHERE t.org_id = ? "
		    "ORDER BY t.id DESC", &st);
	} else {
		rc = db_prepare(c, TRAJ_SELECT "WHERE t.org_id = ? AND EXISTS "
		    "(SELECT 1 FROM trajectory_members tm "
		    "WHERE tm.trajectory_id = t.id AND tm.user_id = ?) "
		    "ORDER BY t.id DESC", &st);
	}
	if (rc != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	if (!all)
		db_bind_i64(st, 2, user_id);
	while (len < LIMIT_TRAJ_PARTS && (rc = db_step(st)) == DB_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct cand *nv = arena_calloc(a, ncap, sizeof(*nv));

			if (len)
				memcpy(nv, cv, len * sizeof(*nv));
			cv = nv;
			cap = ncap;
		}
		if ((rc = traj_row(st, a, &cv[len].t, &cv[len].box)) != 0)
			break;
		len++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (len > 0) {
		t = arena_calloc(a, len, sizeof(*t));
		for (i = 0; i < len; i++)
			t[i] = cv[i].t;
		if ((rc = fill_activity(c, a, t, len)) != 0)
			goto out;
		for (i = 0; i < len; i++)
			cv[i].t = t[i];
		qsort(cv, len, sizeof(*cv), cand_cmp);
	}
	if (len > LIMIT_TRAJ_LIST)
		len = LIMIT_TRAJ_LIST;
	v = arena_calloc(a, len ? len : 1, sizeof(*v));
	boxes = arena_calloc(a, len ? len : 1, sizeof(*boxes));
	for (i = 0; i < len; i++) {
		v[i] = cv[i].t;
		boxes[i] = cv[i].box;
	}
	if ((rc = fill_names(c, a, v, len)) != 0)
		goto out;

	evs = arena_calloc(a, len ? len : 1, sizeof(*evs));
	for (i = 0; i < len; i++) {
		h.org_id = v[i].org_id;
		h.client_id = v[i].client_id;
		h.phase = v[i].phase;
		evs[i] = traj_event(ev, AUDIT_READ, "trajectory", "list", &h,
		    v[i].id);
	}
	if ((rc = record_all(db, evs, len)) != 0)
		goto out;
	if (!all) {
		for (i = 0; i < len; i++) {
			const char *title = NULL;

			if ((rc = open_text(kr, c, v[i].org_id, boxes[i], a,
			    &title)) != 0)
				goto out;
			v[i].title = title;
		}
	}
	*out = v;
	*n = len;
out:
	db_read_end(db, c);
	return rc;
}

int
traj_members(struct db *db, int64_t id, struct arena *a,
    struct traj_member **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	struct traj_member *v;
	enum role r;
	size_t len = 0, cap = LIMIT_TRAJ_PROFESSIONALS + 1;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_calloc(a, cap, sizeof(*v));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT tm.user_id, tm.role "
	    "FROM trajectory_members tm "
	    "WHERE tm.trajectory_id = ? ORDER BY "
	    "CASE tm.role WHEN 'client' THEN 0 ELSE 1 END, tm.added_at, "
	    "tm.user_id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, id);
	while (len < cap && (rc = db_step(st)) == DB_ROW) {
		v[len].user_id = db_col_i64(st, 0);
		v[len].name = "";
		v[len].professional = role_parse(db_col_text(st, 1), &r) == 0 &&
		    r == ROLE_PROFESSIONAL;
		len++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	if (len > 0) {
		int64_t ids[LIMIT_TRAJ_PROFESSIONALS + 1];
		const char *names[LIMIT_TRAJ_PROFESSIONALS + 1];
		size_t i;

		for (i = 0; i < len; i++)
			ids[i] = v[i].user_id;
		if ((rc = user_names_on(c, ids, len, a, names)) != 0)
			goto out;
		for (i = 0; i < len; i++)
			v[i].name = names[i];
	}
	rc = 0;
	*out = v;
	*n = len;
out:
	db_read_end(db, c);
	return rc;
}

/* --- changes ------------------------------------------------------------ */

enum change_kind {
	CHANGE_PHASE,
	CHANGE_SHARE_READS,
	CHANGE_LEVEL,
	CHANGE_ADD_PROFESSIONAL,
};

struct change_job {
	enum change_kind kind;
	int64_t traj_id;
	int64_t value;   /* the phase, level, 0/1, or the professional */
	const struct audit_event *ev;
	int64_t now;
	struct why *why; /* adding a professional: why not */
};

static int
exec_update(struct db_conn *c, const char *sql, int64_t id, const char *text,
    int64_t num, int nnum)
{
	struct db_stmt *st;
	int rc, i = 1;

	if ((rc = db_prepare(c, sql, &st)) != 0)
		return rc;
	if (text)
		db_bind_textz(st, i++, text);
	if (nnum)
		db_bind_i64(st, i++, num);
	db_bind_i64(st, i, id);
	return db_run(st);
}

static int
add_professional_on(struct db_conn *c, const struct change_job *j,
    const struct traj_head *h)
{
	int64_t args[1] = { j->traj_id };
	int64_t count = 0;
	int rc;

	if ((rc = org_role_is(c, h->org_id, j->value, ROLE_PROFESSIONAL)) != 0) {
		if (rc == ERR_INVAL)
			why_set(j->why, rc, "user",
			    N_("Only a professional of this organisation can be added."));
		return rc;
	}
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM trajectory_members "
	    "WHERE trajectory_id = ? AND role = 'professional'", &count, 1,
	    args)) != 0)
		return rc;
	if (count >= LIMIT_TRAJ_PROFESSIONALS) {
		why_set(j->why, ERR_TOOMANY, "user",
		    N_("A trajectory has at most %d professionals."));
		if (j->why)
			j->why->limit = LIMIT_TRAJ_PROFESSIONALS;
		return ERR_TOOMANY;
	}
	rc = member_insert(c, j->traj_id, j->value, ROLE_PROFESSIONAL, j->now);
	if (rc == ERR_CONFLICT)
		why_set(j->why, rc, "user",
		    N_("This professional already takes part."));
	return rc;
}

static int
change_run(struct db_conn *c, void *arg)
{
	struct change_job *j = arg;
	struct traj_head h;
	struct audit_event ev;
	const char *detail = NULL;
	int rc;

	if ((rc = traj_head_open(c, j->traj_id, &h)) != 0)
		return rc;
	switch (j->kind) {
	case CHANGE_PHASE:
		detail = "phase";
		if (j->value == TRAJ_CLOSED)
			rc = exec_update(c, "UPDATE trajectories SET phase = ?, "
			    "closed_at = ? WHERE id = ?", j->traj_id,
			    traj_phase_name(TRAJ_CLOSED), j->now, 1);
		else
			rc = exec_update(c, "UPDATE trajectories SET phase = ? "
			    "WHERE id = ?", j->traj_id,
			    traj_phase_name((enum traj_phase)j->value), 0, 0);
		/* questionnaires scheduled at phase changes are due now */
		if (rc == 0)
			rc = measure_phase_changed_on(c, j->traj_id, j->now);
		break;
	case CHANGE_SHARE_READS:
		detail = "share-reads";
		rc = exec_update(c, "UPDATE trajectories SET share_reads = ? "
		    "WHERE id = ?", j->traj_id, NULL, j->value, 1);
		break;
	case CHANGE_LEVEL:
		detail = "reading-level";
		rc = exec_update(c, "UPDATE trajectories SET reading_level = ? "
		    "WHERE id = ?", j->traj_id,
		    traj_level_name((enum traj_level)j->value), 0, 0);
		break;
	case CHANGE_ADD_PROFESSIONAL:
		detail = "add-professional";
		rc = add_professional_on(c, j, &h);
		break;
	}
	if (rc != 0)
		return rc;
	ev = traj_event(j->ev, AUDIT_UPDATE, "trajectory", detail, &h,
	    j->traj_id);
	return audit_append(c, &ev);
}

static int
change(struct db *db, enum change_kind kind, int64_t traj_id, int64_t value,
    const struct audit_event *ev, struct why *why)
{
	struct change_job j = { kind, traj_id, value, ev, (int64_t)time(NULL),
	    why };

	if (ev == NULL || traj_id <= 0)
		return ERR_INVAL;
	return db_write(db, change_run, &j);
}

int
traj_add_professional(struct db *db, int64_t traj_id, int64_t user_id,
    const struct audit_event *ev, struct why *why)
{
	if (user_id <= 0)
		return why_set(why, ERR_INVAL, "user",
		    N_("Only a professional of this organisation can be added."));
	return change(db, CHANGE_ADD_PROFESSIONAL, traj_id, user_id, ev, why);
}

int
traj_set_phase(struct db *db, int64_t traj_id, enum traj_phase phase,
    const struct audit_event *ev)
{
	if ((unsigned)phase >= NELEM(phase_names))
		return ERR_INVAL;
	return change(db, CHANGE_PHASE, traj_id, phase, ev, NULL);
}

int
traj_set_share_reads(struct db *db, int64_t traj_id, bool on,
    const struct audit_event *ev)
{
	return change(db, CHANGE_SHARE_READS, traj_id, on ? 1 : 0, ev, NULL);
}

int
traj_set_level(struct db *db, int64_t traj_id, enum traj_level level,
    const struct audit_event *ev)
{
	if ((unsigned)level >= NELEM(level_names))
		return ERR_INVAL;
	return change(db, CHANGE_LEVEL, traj_id, level, ev, NULL);
}

/* --- ending participation ---------------------------------------------- */

struct end_job {
	int64_t org_id;
	int64_t user_id;
	const struct audit_event *ev;
	int64_t now;
	int64_t n;
};

struct ended {
	int64_t traj_id, client_id;
	enum traj_phase phase;
};

static int
end_run(struct db_conn *c, void *arg)
{
	struct end_job *j = arg;
	struct db_stmt *st;
	struct ended *v = NULL;
	size_t len = 0, cap = 0, i;
	int rc;

	j->n = 0;
	if ((rc = db_prepare(c, "SELECT t.id, t.client_id, t.phase "
	    "FROM trajectory_members tm "
	    "JOIN trajectories t ON t.id = tm.trajectory_id "
	    "WHERE t.org_id = ? AND tm.user_id = ? ORDER BY t.id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_i64(st, 2, j->user_id);
	while ((rc = db_step(st)) == DB_ROW) {
		int ph;

		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[len].traj_id = db_col_i64(st, 0);
		v[len].client_id = db_col_i64(st, 1);
		ph = name_index(db_col_text(st, 2), phase_names,
		    NELEM(phase_names));
		v[len].phase = ph < 0 ? TRAJ_CLOSED : (enum traj_phase)ph;
		len++;
	}
	db_done(st);
	if (rc != DB_DONE)
		goto out;
	rc = 0;
	for (i = 0; i < len; i++) {
		struct traj_head h = { j->org_id, v[i].client_id, v[i].phase,
		    false };
		struct audit_event ev;

		if ((rc = db_prepare(c, "INSERT INTO trajectory_members_ended "
		    "(trajectory_id, user_id, role, added_at, ended_at) "
		    "SELECT trajectory_id, user_id, role, added_at, ? "
		    "FROM trajectory_members "
		    "WHERE trajectory_id = ? AND user_id = ?", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, j->now);
		db_bind_i64(st, 2, v[i].traj_id);
		db_bind_i64(st, 3, j->user_id);
		if ((rc = db_run(st)) != 0)
			goto out;
		if ((rc = db_prepare(c, "DELETE FROM trajectory_members "
		    "WHERE trajectory_id = ? AND user_id = ?", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, v[i].traj_id);
		db_bind_i64(st, 2, j->user_id);
		if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
			goto out;
		ev = traj_event(j->ev, AUDIT_UPDATE, "trajectory",
		    "end-participation", &h, v[i].traj_id);
		if ((rc = audit_append(c, &ev)) != 0)
			goto out;
	}
	j->n = (int64_t)len;
out:
	free(v);
	return rc;
}

int
traj_end_participation(struct db *db, int64_t org_id, int64_t user_id,
    const struct audit_event *ev, int64_t *n)
{
	struct end_job j = { org_id, user_id, ev, (int64_t)time(NULL), 0 };
	int rc;

	if (n != NULL)
		*n = 0;
	if (ev == NULL || org_id <= 0 || user_id <= 0)
		return ERR_INVAL;
	rc = db_write(db, end_run, &j);
	if (rc == 0 && n != NULL)
		*n = j.n;
	return rc;
}

/* --- learning questions ------------------------------------------------- */

struct question_job {
	struct keyring *kr;
	int64_t traj_id;
	struct str body;
	const struct audit_event *ev;
	int64_t now;
	struct why *why;
};

static int
question_run(struct db_conn *c, void *arg)
{
	struct question_job *j = arg;
	int64_t args[1] = { j->traj_id };
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	struct traj_head h;
	struct audit_event ev;
	int64_t count = 0, qid = 0;
	int rc;

	if ((rc = traj_head_open(c, j->traj_id, &h)) != 0)
		goto out;
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM learning_questions "
	    "WHERE trajectory_id = ?", &count, 1, args)) != 0)
		goto out;
	if (count >= LIMIT_TRAJ_QUESTIONS) {
		rc = why_set(j->why, ERR_TOOMANY, "question",
		    N_("A trajectory holds at most %d learning questions."));
		if (j->why)
			j->why->limit = LIMIT_TRAJ_QUESTIONS;
		goto out;
	}
	if ((rc = keyring_seal(j->kr, c, h.org_id, j->body.p, j->body.len,
	    &box)) != 0)
		goto out;
	if ((rc = db_prepare(c, "INSERT INTO learning_questions "
	    "(trajectory_id, body_box, created_by, created_at) "
	    "VALUES (?, ?, ?, ?) RETURNING id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->traj_id);
	db_bind_blob(st, 2, box.p, box.len);
	db_bind_id(st, 3, j->ev->actor_id);
	db_bind_i64(st, 4, j->now);
	if ((rc = db_step_id(st, &qid)) != 0)
		goto out;
	ev = traj_event(j->ev, AUDIT_CREATE, "learning-question", NULL, &h,
	    qid);
	rc = audit_append(c, &ev);
out:
	buf_release(&box);
	return rc;
}

int
traj_add_question(struct db *db, struct keyring *kr, int64_t traj_id,
    const char *body, const struct audit_event *ev, struct why *why)
{
	struct question_job j = { 0 };
	int rc;

	if (ev == NULL || traj_id <= 0)
		return ERR_INVAL;
	/* Counted in characters, as the form's maxlength counts. */
	if ((rc = text_reason(text_check(str_c(body), 4 * LIMIT_TRAJ_QUESTION,
	    LIMIT_TRAJ_QUESTION, true, &j.body), why, "question",
	    N_("Please write the learning question."),
	    N_("The learning question is longer than %d characters."),
	    LIMIT_TRAJ_QUESTION)) != 0)
		return rc;
	j.why = why;
	j.kr = kr;
	j.traj_id = traj_id;
	j.ev = ev;
	j.now = (int64_t)time(NULL);
	return db_write(db, question_run, &j);
}

int
traj_questions(struct db *db, struct keyring *kr, int64_t traj_id,
    const struct audit_event *ev, struct arena *a,
    struct learning_question **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	struct learning_question *v;
	struct audit_event *evs;
	struct str *boxes;
	struct traj_head h;
	size_t len = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if (ev == NULL)
		return ERR_INVAL;
	v = arena_calloc(a, LIMIT_TRAJ_QUESTIONS, sizeof(*v));
	boxes = arena_calloc(a, LIMIT_TRAJ_QUESTIONS, sizeof(*boxes));
	evs = arena_calloc(a, LIMIT_TRAJ_QUESTIONS, sizeof(*evs));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = traj_head_on(c, traj_id, &h)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT id, body_box, created_by, created_at "
	    "FROM learning_questions WHERE trajectory_id = ? "
	    "ORDER BY created_at, id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	while (len < LIMIT_TRAJ_QUESTIONS && (rc = db_step(st)) == DB_ROW) {
		struct str b = db_col_blob(st, 1);

		v[len].id = db_col_i64(st, 0);
		boxes[len].p = b.len ? arena_strndup(a, b.p, b.len) : "";
		boxes[len].len = b.len;
		v[len].created_by = col_or_zero(st, 2);
		v[len].created_at = db_col_i64(st, 3);
		evs[len] = traj_event(ev, AUDIT_READ, "learning-question", NULL,
		    &h, v[len].id);
		len++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	if ((rc = record_all(db, evs, len)) != 0)
		goto out;
	for (i = 0; i < len; i++) {
		const char *body = NULL;

		if ((rc = open_text(kr, c, h.org_id, boxes[i], a, &body)) != 0)
			goto out;
		v[i].body = body;
	}
	*out = v;
	*n = len;
out:
	db_read_end(db, c);
	return rc;
}
