/*
 * queue.c - the reply queue, "I need more time" notices and the adherence
 * report (see queue.h for what each means).
 *
 * Owns no table of its own: it reads the messages, threads and trajectory
 * tables, writes notice rows into messages, moves deadline_at (keeping the
 * promised deadline in original_deadline, 012_queue.sql) and adds
 * notification rows for the outbox (src/notify).  A notice is written in
 * one job with its audit entry, so neither exists without the other.
 *
 * The report reads the selected messages in one snapshot, then measures
 * working time per trajectory with its compiled promise (one traj_promise
 * per trajectory, not per message).
 *
 * Caveat: working time is measured with the promise as it is now.  The
 * verdict "within the promise" does not depend on that: it compares the
 * reply with the deadline computed when the message arrived.
 */
#include "queue/queue.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/text.h"
#include "keys/keyring.h"
#include "message/message.h"
#include "promise/promise.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

#define DAY 86400

static time_t
now_or(time_t now)
{
	return now != 0 ? now : time(NULL);
}

/* A text column copied into a (never NULL: "" for NULL). */
static const char *
col_str(struct db_stmt *st, int col, struct arena *a)
{
	struct str s = db_col_text(st, col);

	if (s.p == NULL)
		return "";
	return arena_strndup(a, s.p, s.len);
}

static int64_t
col_or_zero(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? 0 : db_col_i64(st, col);
}

/* --- The queue ------------------------------------------------------------ */

/*
 * From the professional's memberships to the waiting messages of each
 * trajectory: messages_waiting (trajectory_id, deadline_at, partial on
 * replied_at IS NULL) serves the inner part.
 */
static const char queue_sql[] =
	"SELECT m.id, m.thread_id, m.trajectory_id, t.client_id, cu.name, "
	"p.tz, m.created_at, m.deadline_at, m.original_deadline "
	"FROM trajectory_members tm "
	"JOIN trajectories t ON t.id = tm.trajectory_id "
	"JOIN messages m ON m.trajectory_id = tm.trajectory_id "
	"LEFT JOIN users cu ON cu.id = t.client_id "
	"LEFT JOIN promises p ON p.trajectory_id = t.id "
	"WHERE tm.user_id = ? AND tm.role = 'professional' "
	"AND t.org_id = ? AND t.phase <> 'closed' "
	"AND m.author_role = 'client' AND m.deadline_at IS NOT NULL "
	"AND m.replied_at IS NULL "
	"ORDER BY m.deadline_at, m.created_at, m.id LIMIT ?";

int
queue_list(struct db *db, int64_t org_id, int64_t professional_id,
    time_t now, struct arena *a, struct queue_item **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	struct queue_item *items = NULL;
	size_t cap = 0, count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (org_id <= 0 || professional_id <= 0)
		return ERR_INVAL;
	now = now_or(now);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, queue_sql, &st)) != 0)
		goto out;
	db_bind_i64(st, 1, professional_id);
	db_bind_i64(st, 2, org_id);
	db_bind_i64(st, 3, LIMIT_QUEUE);
	while ((rc = db_step(st)) == DB_ROW) {
		struct queue_item *it;

		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct queue_item *ni = arena_calloc(a, ncap,
			    sizeof(*ni));

			if (count)
				memcpy(ni, items, count * sizeof(*ni));
			items = ni;
			cap = ncap;
		}
		it = &items[count++];
		it->message_id = db_col_i64(st, 0);
		it->thread_id = db_col_i64(st, 1);
		it->traj_id = db_col_i64(st, 2);
		it->client_id = db_col_i64(st, 3);
		it->client_name = col_str(st, 4, a);
		it->tz = col_str(st, 5, a);
		it->subject = NULL;
		it->sent_at = db_col_i64(st, 6);
		it->deadline = db_col_i64(st, 7);
		it->original_deadline = col_or_zero(st, 8);
		it->overdue = it->deadline < (int64_t)now;
	}
	db_done(st);
	if (rc != DB_DONE)
		goto out;
	rc = 0;
	*out = items;
	*n = count;
out:
	db_read_end(db, c);
	return rc;
}

struct subjects_job {
	const struct audit_event *ev;
	int64_t org_id;
	const struct queue_item *items;
	size_t n;
};

/* Is items[i] the first item of its thread? */
static bool
first_of_thread(const struct queue_item *items, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (items[k].thread_id == items[i].thread_id)
			return false;
	return true;
}

static int
subjects_log(struct db_conn *c, void *arg)
{
	struct subjects_job *j = arg;
	struct audit_event ev;
	size_t i;
	int rc;

	for (i = 0; i < j->n; i++) {
		if (!first_of_thread(j->items, i))
			continue;
		ev = audit_event_from(j->ev, j->org_id, AUDIT_READ, "thread",
		    "list", j->items[i].client_id, j->items[i].thread_id);
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	}
	return 0;
}

int
queue_open_subjects(struct db *db, struct keyring *kr, int64_t org_id,
    const struct audit_event *ev, struct arena *a, struct queue_item *items,
    size_t n)
{
	struct subjects_job j = { ev, org_id, items, n };
	struct buf plain = BUF_INIT;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	size_t i, k;
	int rc;

	if (n == 0)
		return 0;
	if (org_id <= 0 || ev == NULL)
		return ERR_INVAL;
	if ((rc = db_write(db, subjects_log, &j)) < 0)
		return rc;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (!first_of_thread(items, i))
			continue;
		if ((rc = db_prepare(c, "SELECT th.subject_box FROM threads th "
		    "JOIN trajectories t ON t.id = th.trajectory_id "
		    "WHERE th.id = ? AND t.org_id = ?", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, items[i].thread_id);
		db_bind_i64(st, 2, org_id);
		rc = db_step(st);
		if (rc == DB_ROW) {
			struct str box = db_col_blob(st, 0);

			buf_reset(&plain);
			if (keyring_open(kr, c, org_id, box.p, box.len,
			    &plain) == 0)
				items[i].subject = arena_strndup(a, plain.p,
				    plain.len);
			else
				log_warn("queue", "msg=\"subject does not open\" "
				    "thread=%lld", (long long)items[i].thread_id);
			rc = 0;
		} else if (rc == DB_DONE) {
			rc = 0;
		}
		db_done(st);
		if (rc != 0)
			goto out;
		for (k = i + 1; k < n; k++)
			if (items[k].thread_id == items[i].thread_id)
				items[k].subject = items[i].subject;
	}
out:
	buf_wipe(&plain);
	db_read_end(db, c);
	return rc;
}

/* --- One thread ----------------------------------------------------------- */

/* The waiting client messages of a thread: how many, earliest deadline. */
static int
thread_waiting(struct db_conn *c, int64_t thread_id, int64_t *count,
    int64_t *earliest)
{
	struct db_stmt *st;
	int rc;

	*count = 0;
	*earliest = 0;
	if ((rc = db_prepare(c, "SELECT COUNT(*), MIN(deadline_at) "
	    "FROM messages WHERE thread_id = ? AND author_role = 'client' "
	    "AND deadline_at IS NOT NULL AND replied_at IS NULL", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, thread_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*count = db_col_i64(st, 0);
		*earliest = col_or_zero(st, 1);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = 0;
	}
	db_done(st);
	return rc;
}

struct thread_head {
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	bool closed;
};

/* From the owners: the thread's trajectory (message), its head
 * (trajectory). */
static int
thread_head(struct db_conn *c, int64_t thread_id, struct thread_head *h)
{
	struct traj_head th;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = msg_thread_traj_on(c, thread_id, &h->traj_id)) != 0 ||
	    (rc = traj_head_on(c, h->traj_id, &th)) != 0)
		return rc;
	h->org_id = th.org_id;
	h->client_id = th.client_id;
	h->closed = th.phase == TRAJ_CLOSED;
	return 0;
}

int
queue_thread_state(struct db *db, int64_t thread_id, struct arena *a,
    struct queue_thread *out)
{
	struct db_conn *c = NULL;
	struct thread_head h;
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	out->tz = "";
	if (thread_id <= 0)
		return ERR_NOTFOUND;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = thread_head(c, thread_id, &h)) != 0 ||
	    (rc = thread_waiting(c, thread_id, &out->waiting,
	    &out->deadline)) != 0)
		goto out;
	out->thread_id = thread_id;
	out->traj_id = h.traj_id;
	out->org_id = h.org_id;
	out->client_id = h.client_id;
	out->closed = h.closed;
	if ((rc = db_prepare(c, "SELECT tz FROM promises "
	    "WHERE trajectory_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, h.traj_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		out->tz = col_str(st, 0, a);
	db_done(st);
	rc = rc < 0 ? rc : 0;
out:
	db_read_end(db, c);
	return rc;
}

/* --- I need more time ------------------------------------------------------ */

struct more_job {
	struct keyring *kr;
	int64_t thread_id;
	int64_t professional_id;
	int64_t new_deadline;
	struct str note;
	int64_t now;
	const struct audit_event *ev;
	int64_t msg_id;
	struct why *why;
};

static int
is_professional_of(struct db_conn *c, int64_t traj_id, int64_t user_id,
    bool *yes)
{
	enum role role;
	int rc;

	rc = traj_role_on(c, traj_id, user_id, &role);
	*yes = rc == 0 && role == ROLE_PROFESSIONAL;
	return rc;
}

static int
more_run(struct db_conn *c, void *arg)
{
	struct more_job *j = arg;
	struct buf box = BUF_INIT;
	struct thread_head h;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t waiting, earliest;
	bool pro;
	int rc;

	if ((rc = thread_head(c, j->thread_id, &h)) != 0)
		goto out;
	if (h.org_id != j->ev->org_id) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	if ((rc = is_professional_of(c, h.traj_id, j->professional_id,
	    &pro)) != 0)
		goto out;
	if (!pro || h.closed) {
		rc = ERR_FORBIDDEN;
		goto out;
	}
	if ((rc = thread_waiting(c, j->thread_id, &waiting, &earliest)) != 0)
		goto out;
	if (waiting == 0) {
		rc = why_set(j->why, ERR_CONFLICT, NULL,
		    N_("Nothing in this conversation is waiting for a reply."));
		goto out;
	}
	if (j->new_deadline <= earliest) {
		rc = why_set(j->why, ERR_INVAL, "new_deadline",
		    N_("The new moment must be later than the current deadline."));
		goto out;
	}
	if ((rc = keyring_seal(j->kr, c, h.org_id, j->note.p, j->note.len,
	    &box)) != 0)
		goto out;

	if ((rc = db_prepare(c, "INSERT INTO messages (thread_id, "
	    "trajectory_id, org_id, author_id, author_role, kind, body_box, "
	    "new_deadline, created_at) "
	    "VALUES (?, ?, ?, ?, 'professional', 'notice', ?, ?, ?) "
	    "RETURNING id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->thread_id);
	db_bind_i64(st, 2, h.traj_id);
	db_bind_i64(st, 3, h.org_id);
	db_bind_i64(st, 4, j->professional_id);
	db_bind_blob(st, 5, box.p, box.len);
	db_bind_i64(st, 6, j->new_deadline);
	db_bind_i64(st, 7, j->now);
	if ((rc = db_step_id(st, &j->msg_id)) != 0)
		goto out;

	/* Later deadlines stay: a notice never brings a deadline closer. */
	if ((rc = db_prepare(c, "UPDATE messages SET "
	    "original_deadline = COALESCE(original_deadline, deadline_at), "
	    "deadline_at = ? WHERE thread_id = ? AND author_role = 'client' "
	    "AND deadline_at IS NOT NULL AND replied_at IS NULL "
	    "AND deadline_at < ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->new_deadline);
	db_bind_i64(st, 2, j->thread_id);
	db_bind_i64(st, 3, j->new_deadline);
	if ((rc = db_run(st)) != 0)
		goto out;

	if ((rc = db_prepare(c, "UPDATE threads SET last_message_at = ? "
	    "WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->thread_id);
	if ((rc = db_run(st)) != 0)
		goto out;

	if ((rc = db_prepare(c, "INSERT INTO notifications "
	    "(user_id, trajectory_id, created_at) VALUES (?, ?, ?)",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, h.client_id);
	db_bind_i64(st, 2, h.traj_id);
	db_bind_i64(st, 3, j->now);
	if ((rc = db_run(st)) != 0)
		goto out;

	ev = audit_event_from(j->ev, h.org_id, AUDIT_CREATE, "message",
	    "notice", h.client_id, j->msg_id);
	rc = audit_append(c, &ev);
out:
	buf_release(&box);
	return rc;
}

int
queue_more_time(struct db *db, struct keyring *kr, int64_t thread_id,
    int64_t professional_id, time_t new_deadline, struct str note,
    time_t now, const struct audit_event *ev, int64_t *msg_id,
    struct why *why)
{
	struct more_job j;
	struct str text;
	int rc;

	*msg_id = 0;
	if (ev == NULL || professional_id <= 0)
		return ERR_INVAL;
	if (thread_id <= 0)
		return ERR_NOTFOUND;
	now = now_or(now);
	if (new_deadline <= 0)
		return why_set(why, ERR_INVAL, "new_deadline",
		    N_("Please give the new moment as a date and a time."));
	if (new_deadline <= now)
		return why_set(why, ERR_INVAL, "new_deadline",
		    N_("The new moment must lie in the future."));
	if (new_deadline - now > (time_t)LIMIT_NOTICE_DAYS * DAY) {
		rc = why_set(why, ERR_INVAL, "new_deadline",
		    N_("The new moment may be at most %d days ahead."));
		if (why)
			why->limit = LIMIT_NOTICE_DAYS;
		return rc;
	}
	/* Counted in characters, as the form's maxlength counts. */
	switch (text_check(note, 4 * LIMIT_NOTICE_NOTE, LIMIT_NOTICE_NOTE,
	    true, &text)) {
	case TEXT_OK:
		break;
	case TEXT_MISSING:
		return why_set(why, ERR_INVAL, "note",
		    N_("Please write a short note to the client."));
	case TEXT_TOO_LONG:
		rc = why_set(why, ERR_TOOBIG, "note",
		    N_("The note is longer than %d characters."));
		if (why)
			why->limit = LIMIT_NOTICE_NOTE;
		return rc;
	default:
		return why_set(why, ERR_INVAL, "note",
		    N_("This text holds characters that are not allowed (control characters or bytes that are not text)."));
	}
	note = text;
	memset(&j, 0, sizeof(j));
	j.kr = kr;
	j.thread_id = thread_id;
	j.professional_id = professional_id;
	j.new_deadline = new_deadline;
	j.note = note;
	j.now = now;
	j.ev = ev;
	j.why = why;
	if ((rc = db_write(db, more_run, &j)) < 0)
		return rc;
	*msg_id = j.msg_id;
	return 0;
}

/* --- Adherence ------------------------------------------------------------ */

/* A growing array of working seconds, in the report's arena. */
struct secs {
	int64_t *v;
	size_t n, cap;
};

static void
secs_push(struct secs *s, struct arena *a, int64_t x)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		int64_t *nv = arena_calloc(a, ncap, sizeof(*nv));

		if (s->n)
			memcpy(nv, s->v, s->n * sizeof(*nv));
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = x;
}

/* One row being built, with its durations. */
struct acc {
	struct queue_row row;
	struct secs secs;
};

struct acc_list {
	struct acc *v;
	size_t n, cap;
};

static struct acc *
acc_find(struct acc_list *l, struct arena *a, int64_t id, const char *name,
    int64_t client_id)
{
	struct acc *x;
	size_t i;

	/* Newest first: consecutive messages mostly share a row. */
	for (i = l->n; i > 0; i--)
		if (l->v[i - 1].row.id == id)
			return &l->v[i - 1];
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct acc *nv = arena_calloc(a, ncap, sizeof(*nv));

		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = ncap;
	}
	x = &l->v[l->n++];
	memset(x, 0, sizeof(*x));
	x->row.id = id;
	x->row.name = name ? name : "";
	x->row.client_id = client_id;
	return x;
}

/* One selected client message. */
struct sel {
	int64_t traj_id;
	int64_t created_at;
	int64_t deadline;            /* as announced last */
	int64_t original;            /* 0: never moved */
	int64_t replied_at;          /* 0: waiting */
	int64_t replier;             /* 0: unknown */
	const char *replier_name;
	int64_t client_id;
	const char *client_name;
	bool closed;
};

/* A professional of a trajectory. */
struct pro_of {
	int64_t traj_id;
	int64_t user_id;
	const char *name;
};

static const char select_sql[] =
	"SELECT m.trajectory_id, m.created_at, m.deadline_at, "
	"m.original_deadline, m.replied_at, r.author_id, ru.name, "
	"t.client_id, cu.name, t.phase "
	"FROM messages m "
	"JOIN trajectories t ON t.id = m.trajectory_id "
	"LEFT JOIN messages r ON r.id = m.reply_id "
	"LEFT JOIN users ru ON ru.id = r.author_id "
	"LEFT JOIN users cu ON cu.id = t.client_id "
	"WHERE m.org_id = ? AND t.org_id = ? AND m.author_role = 'client' "
	"AND m.deadline_at IS NOT NULL "
	"AND m.created_at >= ? AND m.created_at < ? "
	"AND (CAST(? AS BIGINT) = 0 OR m.trajectory_id = ?) "
	"AND (CAST(? AS BIGINT) = 0 OR EXISTS (SELECT 1 "
	"FROM trajectory_members tm WHERE tm.trajectory_id = m.trajectory_id "
	"AND tm.user_id = ? AND tm.role = 'professional')) "
	"ORDER BY m.trajectory_id, m.created_at, m.id LIMIT ?";

static const char pros_sql[] =
	"SELECT tm.trajectory_id, tm.user_id, u.name "
	"FROM trajectory_members tm "
	"JOIN trajectories t ON t.id = tm.trajectory_id "
	"JOIN users u ON u.id = tm.user_id "
	"WHERE t.org_id = ? AND tm.role = 'professional' "
	"AND t.phase <> 'closed' "
	"AND (CAST(? AS BIGINT) = 0 OR tm.trajectory_id = ?) "
	"ORDER BY tm.trajectory_id, tm.user_id";

static int
read_selection(struct db *db, const struct queue_filter *f, struct arena *a,
    struct sel **sel, size_t *nsel, struct pro_of **pros, size_t *npros)
{
	struct db_conn *c = NULL;
	struct db_stmt *st = NULL;
	struct sel *s = NULL;
	struct pro_of *p = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*sel = NULL;
	*nsel = 0;
	*pros = NULL;
	*npros = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if ((rc = db_prepare(c, select_sql, &st)) != 0)
		goto out;
	db_bind_i64(st, 1, f->org_id);
	db_bind_i64(st, 2, f->org_id);
	db_bind_i64(st, 3, f->from);
	db_bind_i64(st, 4, f->to);
	db_bind_i64(st, 5, f->traj_id);
	db_bind_i64(st, 6, f->traj_id);
	db_bind_i64(st, 7, f->professional_id);
	db_bind_i64(st, 8, f->professional_id);
	db_bind_i64(st, 9, (int64_t)LIMIT_REPORT_MESSAGES + 1);
	while ((rc = db_step(st)) == DB_ROW) {
		struct sel *x;

		if (n == LIMIT_REPORT_MESSAGES) {
			rc = ERR_TOOBIG;
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct sel *ns = arena_calloc(a, ncap, sizeof(*ns));

			if (n)
				memcpy(ns, s, n * sizeof(*ns));
			s = ns;
			cap = ncap;
		}
		x = &s[n++];
		x->traj_id = db_col_i64(st, 0);
		x->created_at = db_col_i64(st, 1);
		x->deadline = db_col_i64(st, 2);
		x->original = col_or_zero(st, 3);
		x->replied_at = col_or_zero(st, 4);
		x->replier = col_or_zero(st, 5);
		x->replier_name = col_str(st, 6, a);
		x->client_id = db_col_i64(st, 7);
		x->client_name = col_str(st, 8, a);
		x->closed = traj_phase_col(db_col_text(st, 9)) == TRAJ_CLOSED;
	}
	db_done(st);
	if (rc != DB_DONE)
		goto out;

	cap = 0;
	if ((rc = db_prepare(c, pros_sql, &st)) != 0)
		goto out;
	db_bind_i64(st, 1, f->org_id);
	db_bind_i64(st, 2, f->traj_id);
	db_bind_i64(st, 3, f->traj_id);
	while ((rc = db_step(st)) == DB_ROW) {
		struct pro_of *x;

		if (*npros == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct pro_of *np = arena_calloc(a, ncap, sizeof(*np));

			if (*npros)
				memcpy(np, p, *npros * sizeof(*np));
			p = np;
			cap = ncap;
		}
		x = &p[(*npros)++];
		x->traj_id = db_col_i64(st, 0);
		x->user_id = db_col_i64(st, 1);
		x->name = col_str(st, 2, a);
	}
	db_done(st);
	if (rc != DB_DONE)
		goto out;
	rc = 0;
	*sel = s;
	*nsel = n;
	*pros = p;
out:
	db_read_end(db, c);
	return rc;
}

/* The first entry of trajectory t in pros (sorted by trajectory). */
static size_t
pros_lower(const struct pro_of *pros, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pros[mid].traj_id < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
count_reply(struct queue_stats *s, const struct sel *x)
{
	int64_t promised = x->original ? x->original : x->deadline;

	s->messages++;
	if (x->original)
		s->extended++;
	s->replied++;
	if (x->replied_at <= promised)
		s->within++;
	else if (x->replied_at <= x->deadline)
		s->within_extension++;
	else
		s->late++;
}

static void
count_waiting(struct queue_stats *s, const struct sel *x, int64_t now)
{
	s->messages++;
	if (x->original)
		s->extended++;
	if (x->closed)
		return;
	s->waiting++;
	if (x->deadline < now)
		s->overdue++;
}

static void
finish_stats(struct queue_stats *s, struct secs *v)
{
	double d;

	s->share_within = s->replied ? (double)s->within / (double)s->replied
	    : -1;
	s->measured = (int64_t)v->n;
	s->median_hours = -1;
	s->p90_hours = -1;
	if (v->n == 0)
		return;
	if (promise_percentile(v->v, v->n, 50, &d) == 0)
		s->median_hours = d / 3600.0;
	if (promise_percentile(v->v, v->n, 90, &d) == 0)
		s->p90_hours = d / 3600.0;
}

static int
cmp_row_name(const void *a, const void *b)
{
	const struct queue_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static struct queue_row *
rows_out(struct acc_list *l, struct arena *a)
{
	struct queue_row *rows;
	size_t i;

	if (l->n == 0)
		return NULL;
	rows = arena_calloc(a, l->n, sizeof(*rows));
	for (i = 0; i < l->n; i++) {
		finish_stats(&l->v[i].row.s, &l->v[i].secs);
		rows[i] = l->v[i].row;
	}
	qsort(rows, l->n, sizeof(*rows), cmp_row_name);
	return rows;
}

struct report_job {
	const struct audit_event *ev;
	int64_t org_id;
	const struct queue_row *rows;
	size_t n;
};

static int
report_log(struct db_conn *c, void *arg)
{
	struct report_job *j = arg;
	struct audit_event ev;
	size_t i;
	int rc;

	for (i = 0; i < j->n; i++) {
		ev = audit_event_from(j->ev, j->org_id, AUDIT_READ,
		    "trajectory", "report", j->rows[i].client_id,
		    j->rows[i].id);
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	}
	return 0;
}

int
queue_adherence(struct db *db, struct tz_cache *tzc,
    const struct queue_filter *f, const struct audit_event *ev,
    struct arena *a, struct queue_report *out)
{
	struct acc_list pl = { NULL, 0, 0 }, tl = { NULL, 0, 0 };
	struct secs all = { NULL, 0, 0 };
	struct pro_of *pros = NULL;
	struct sel *sel = NULL;
	struct promise *prom = NULL;
	struct acc *tacc = NULL;
	size_t nsel = 0, npros = 0, i, k;
	int64_t now, cur_traj = 0;
	bool have_prom = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (f == NULL || f->org_id <= 0 || f->professional_id < 0 ||
	    f->traj_id < 0 || f->from >= f->to ||
	    f->to - f->from > (int64_t)LIMIT_REPORT_DAYS * DAY)
		return ERR_INVAL;
	now = now_or((time_t)f->now);
	if ((rc = read_selection(db, f, a, &sel, &nsel, &pros, &npros)) != 0)
		return rc;
	prom = arena_alloc(a, sizeof(*prom));

	for (i = 0; i < nsel; i++) {
		const struct sel *x = &sel[i];
		struct acc *pacc;
		int64_t w = -1;

		/* Rows come by trajectory: one row and one promise each. */
		if (tacc == NULL || x->traj_id != cur_traj) {
			cur_traj = x->traj_id;
			tacc = acc_find(&tl, a, x->traj_id, x->client_name,
			    x->client_id);
			have_prom = traj_promise(db, tzc, x->traj_id, a,
			    prom) == 0;
		}
		if (x->replied_at == 0) {
			count_waiting(&out->total, x, now);
			count_waiting(&tacc->row.s, x, now);
			if (x->closed)
				continue;
			/* Each professional of the trajectory could answer. */
			for (k = pros_lower(pros, npros, x->traj_id);
			    k < npros && pros[k].traj_id == x->traj_id; k++) {
				if (f->professional_id &&
				    pros[k].user_id != f->professional_id)
					continue;
				pacc = acc_find(&pl, a, pros[k].user_id,
				    pros[k].name, 0);
				count_waiting(&pacc->row.s, x, now);
			}
			continue;
		}
		if (have_prom && promise_working_seconds(prom,
		    (time_t)x->created_at, (time_t)x->replied_at, &w) != 0)
			w = -1;
		count_reply(&out->total, x);
		count_reply(&tacc->row.s, x);
		if (w >= 0) {
			secs_push(&all, a, w);
			secs_push(&tacc->secs, a, w);
		}
		if (f->professional_id && x->replier != f->professional_id)
			continue;
		pacc = acc_find(&pl, a, x->replier, x->replier_name, 0);
		count_reply(&pacc->row.s, x);
		if (w >= 0)
			secs_push(&pacc->secs, a, w);
	}
	finish_stats(&out->total, &all);
	out->pros = rows_out(&pl, a);
	out->npros = pl.n;
	out->trajs = rows_out(&tl, a);
	out->ntrajs = tl.n;

	if (ev != NULL && out->ntrajs > 0) {
		struct report_job j = { ev, f->org_id, out->trajs, out->ntrajs };

		if ((rc = db_write(db, report_log, &j)) < 0) {
			memset(out, 0, sizeof(*out));
			return rc;
		}
	}
	return 0;
}
