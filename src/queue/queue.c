/*
 * queue.c - the reply queue, "I need more time" notices and the adherence
 * report (see queue.h for what each means).
 *
 * Owns no table: every read and write goes through the owner, on one
 * connection per operation (one snapshot for a read, one write job for a
 * notice): message writes the notice and moves the deadlines
 * (msg_notice_on), notify adds the client's notification (outbox_add_on),
 * trajectory and identity answer for trajectories and names, each list in
 * one batch rather than a query per row.  A notice is written in one job
 * with its audit entry, so neither exists without the other.
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
#include "identity/identity.h"
#include "message/message.h"
#include "notify/outbox.h"
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

/* --- The queue ------------------------------------------------------------ */

/* parts come newest first (traj_parts_on): the part of trajectory t. */
static const struct traj_part *
part_of(const struct traj_part *parts, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (parts[mid].id == t)
			return &parts[mid];
		if (parts[mid].id > t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * From the owners, on one snapshot: the professional's open trajectories
 * (trajectory), their waiting client messages (message; messages_waiting
 * serves each), the clients' names (identity) in one batch.
 */
int
queue_list(struct db *db, int64_t org_id, int64_t professional_id,
    time_t now, struct arena *a, struct queue_item **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct traj_part *parts = NULL;
	struct msg_waiting *w = NULL;
	struct queue_item *items;
	const char **names;
	int64_t *ids;
	size_t np = 0, nw = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if (org_id <= 0 || professional_id <= 0)
		return ERR_INVAL;
	now = now_or(now);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = traj_parts_on(c, org_id, professional_id, ROLE_PROFESSIONAL,
	    true, a, &parts, &np)) != 0)
		goto out;
	ids = arena_calloc(a, np ? np : 1, sizeof(*ids));
	for (i = 0; i < np; i++)
		ids[i] = parts[i].id;
	if ((rc = msg_waiting_in_on(c, ids, np, LIMIT_QUEUE, a, &w,
	    &nw)) != 0 || nw == 0)
		goto out;
	items = arena_calloc(a, nw, sizeof(*items));
	ids = arena_calloc(a, nw, sizeof(*ids));
	names = arena_calloc(a, nw, sizeof(*names));
	for (i = 0; i < nw; i++) {
		const struct traj_part *p = part_of(parts, np, w[i].traj_id);
		struct queue_item *it = &items[i];

		it->message_id = w[i].id;
		it->thread_id = w[i].thread_id;
		it->traj_id = w[i].traj_id;
		it->client_id = p ? p->client_id : 0;
		it->tz = p ? p->tz : "";
		it->subject = NULL;
		it->sent_at = w[i].sent_at;
		it->deadline = w[i].deadline;
		it->original_deadline = w[i].original_deadline;
		it->overdue = it->deadline < (int64_t)now;
		ids[i] = it->client_id;
	}
	if ((rc = user_names_on(c, ids, nw, a, names)) != 0)
		goto out;
	for (i = 0; i < nw; i++)
		items[i].client_name = names[i];
	*out = items;
	*n = nw;
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
	struct db_conn *c = NULL;
	const char **subjects;
	int64_t *threads, *trajs;
	size_t i, k, m = 0;
	int rc;

	if (n == 0)
		return 0;
	if (org_id <= 0 || ev == NULL)
		return ERR_INVAL;
	if ((rc = db_write(db, subjects_log, &j)) < 0)
		return rc;
	threads = arena_calloc(a, n, sizeof(*threads));
	trajs = arena_calloc(a, n, sizeof(*trajs));
	subjects = arena_calloc(a, n, sizeof(*subjects));
	for (i = 0; i < n; i++) {
		if (!first_of_thread(items, i))
			continue;
		threads[m] = items[i].thread_id;
		trajs[m++] = items[i].traj_id;
	}
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = msg_thread_subjects_on(kr, c, org_id, threads, trajs, m, a,
	    subjects);
	db_read_end(db, c);
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++)
		for (k = 0; k < m; k++)
			if (items[i].thread_id == threads[k])
				items[i].subject = subjects[k];
	return 0;
}

/* --- One thread ----------------------------------------------------------- */

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
	struct promise_terms t;
	int rc;

	memset(out, 0, sizeof(*out));
	out->tz = "";
	if (thread_id <= 0)
		return ERR_NOTFOUND;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = thread_head(c, thread_id, &h)) != 0 ||
	    (rc = msg_thread_waiting_on(c, thread_id, &out->waiting,
	    &out->deadline)) != 0)
		goto out;
	out->thread_id = thread_id;
	out->traj_id = h.traj_id;
	out->org_id = h.org_id;
	out->client_id = h.client_id;
	out->closed = h.closed;
	rc = traj_terms_get_on(c, h.traj_id, a, &t);
	if (rc == 0)
		out->tz = t.tz;
	else if (rc == ERR_NOTFOUND)
		rc = 0;
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
	if ((rc = msg_thread_waiting_on(c, j->thread_id, &waiting, &earliest)) != 0)
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

	if ((rc = msg_notice_on(c, j->thread_id, h.traj_id, h.org_id,
	    j->professional_id, (struct str){ box.p, box.len },
	    j->new_deadline, j->now, &j->msg_id)) != 0 ||
	    (rc = outbox_add_on(c, &h.client_id, 1, h.traj_id, j->now)) != 0)
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

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The selection from the owners, on one snapshot: which trajectories
 * (trajectory: the professional's, when the filter names one), their
 * client messages with a deadline (message), the trajectories' heads and
 * professionals (trajectory), and every name (identity), each in one
 * batch.
 */
static int
read_selection(struct db *db, const struct queue_filter *f, struct arena *a,
    struct sel **sel, size_t *nsel, struct pro_of **pros, size_t *npros)
{
	struct db_conn *c = NULL;
	struct traj_part *parts = NULL;
	struct msg_report_row *rows = NULL;
	struct traj_head *heads;
	struct traj_pro *tp = NULL;
	struct sel *s = NULL;
	struct pro_of *p = NULL;
	const char **names;
	int64_t *ids, *tids, *who;
	size_t np = 0, nr = 0, nt = 0, ntp = 0, nwho = 0, i, k;
	bool all = false;
	int rc;

	*sel = NULL;
	*nsel = 0;
	*pros = NULL;
	*npros = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if (f->professional_id != 0) {
		if ((rc = traj_parts_on(c, f->org_id, f->professional_id,
		    ROLE_PROFESSIONAL, false, a, &parts, &np)) != 0)
			goto out;
		ids = arena_calloc(a, np ? np : 1, sizeof(*ids));
		for (i = k = 0; i < np; i++)
			if (f->traj_id == 0 || parts[i].id == f->traj_id)
				ids[k++] = parts[i].id;
		np = k;
	} else if (f->traj_id != 0) {
		ids = arena_calloc(a, 1, sizeof(*ids));
		ids[0] = f->traj_id;
		np = 1;
	} else {
		ids = NULL;
		all = true;
	}
	if ((rc = msg_report_on(c, f->org_id, f->from, f->to, ids, np, all,
	    LIMIT_REPORT_MESSAGES, a, &rows, &nr)) != 0)
		goto out;
	if ((rc = traj_pros_on(c, f->org_id, f->traj_id, a, &tp, &ntp)) != 0)
		goto out;

	/* The trajectories of the rows (rows come by trajectory). */
	tids = arena_calloc(a, nr ? nr : 1, sizeof(*tids));
	for (i = 0; i < nr; i++)
		if (nt == 0 || tids[nt - 1] != rows[i].traj_id)
			tids[nt++] = rows[i].traj_id;
	heads = arena_calloc(a, nt ? nt : 1, sizeof(*heads));
	if ((rc = traj_heads_on(c, tids, nt, heads)) != 0)
		goto out;

	/* Every name at once: clients, repliers, professionals. */
	who = arena_calloc(a, nt + nr + ntp + 1, sizeof(*who));
	for (i = 0; i < nt; i++)
		who[nwho++] = heads[i].client_id;
	for (i = 0; i < nr; i++)
		if (rows[i].replier)
			who[nwho++] = rows[i].replier;
	for (i = 0; i < ntp; i++)
		who[nwho++] = tp[i].user_id;
	qsort(who, nwho, sizeof(*who), cmp_id);
	for (i = k = 0; i < nwho; i++)
		if (k == 0 || who[k - 1] != who[i])
			who[k++] = who[i];
	nwho = k;
	names = arena_calloc(a, nwho ? nwho : 1, sizeof(*names));
	if ((rc = user_names_on(c, who, nwho, a, names)) != 0)
		goto out;
#define NAME_OF(id) (names[(int64_t *)bsearch(&(id), who, nwho, \
	sizeof(*who), cmp_id) - who])

	s = arena_calloc(a, nr ? nr : 1, sizeof(*s));
	for (i = k = 0; i < nr; i++) {
		struct sel *x = &s[i];

		while (k < nt && tids[k] != rows[i].traj_id)
			k++;
		/* A trajectory of another organisation cannot hold org_id's
		 * messages; its head is checked all the same. */
		if (k == nt || heads[k].org_id != f->org_id) {
			rc = ERR_DB;
			goto out;
		}
		x->traj_id = rows[i].traj_id;
		x->created_at = rows[i].created_at;
		x->deadline = rows[i].deadline;
		x->original = rows[i].original;
		x->replied_at = rows[i].replied_at;
		x->replier = rows[i].replier;
		x->replier_name = x->replier ? NAME_OF(x->replier) : "";
		x->client_id = heads[k].client_id;
		x->client_name = NAME_OF(heads[k].client_id);
		x->closed = heads[k].phase == TRAJ_CLOSED;
	}
	p = arena_calloc(a, ntp ? ntp : 1, sizeof(*p));
	for (i = 0; i < ntp; i++) {
		p[i].traj_id = tp[i].traj_id;
		p[i].user_id = tp[i].user_id;
		p[i].name = NAME_OF(tp[i].user_id);
	}
#undef NAME_OF
	rc = 0;
	*sel = s;
	*nsel = nr;
	*pros = p;
	*npros = ntp;
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
