/*
 * assignment.c - assignments: giving them (alone or as an offer), the
 * client's draft and versions, feedback rounds, attachments, the
 * professional's queue, reminders and the export (see assignment.h).
 *
 * Owns assignments, assignment_versions, assignment_feedback,
 * assignment_drafts and assignment_files (040_assignment.sql, 082); inserts
 * notifications rows for the outbox in its write jobs, as message.c does.
 *
 * As in message.c: sealing happens on a read connection before the write
 * job; the job checks again what may have changed (the state, the
 * trajectory closing).  Opening happens only after the read is logged.
 * A version's text is never updated or deleted: a revision is a new
 * version, and the draft is the only text that is replaced.
 */
#include "assignment/assignment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assignment/asg_int.h"
#include "assignment/template.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "keys/keyring.h"
#include "message/message.h"
#include "notify/outbox.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static const char *const form_names[ASG_NFORMS] = {
	[ASG_READING] = "reading",
	[ASG_WRITING] = "writing",
	[ASG_EXPERIMENT] = "experiment",
	[ASG_OBSERVING] = "observing",
	[ASG_WATCH] = "watch",
	[ASG_QUESTIONNAIRE] = "questionnaire",
};

static const char *const pref_names[ASG_NPREFS] = {
	"activist", "reflector", "theorist", "pragmatist",
};

static const char *const state_names[] = {
	[ASG_OFFERED] = "offered",
	[ASG_ACTIVE] = "active",
	[ASG_HANDED_IN] = "handed_in",
	[ASG_FEEDBACK] = "feedback",
	[ASG_REVISED] = "revised",
	[ASG_DONE] = "done",
};
#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))

const char *
asg_form_name(int f)
{
	return f >= 0 && f < ASG_NFORMS ? form_names[f] : NULL;
}

int
asg_form_parse(const char *s, enum asg_form *out)
{
	int i;

	for (i = 0; s != NULL && i < ASG_NFORMS; i++)
		if (strcmp(s, form_names[i]) == 0) {
			*out = (enum asg_form)i;
			return 0;
		}
	return ERR_INVAL;
}

const char *
asg_pref_name(int i)
{
	return i >= 0 && i < ASG_NPREFS ? pref_names[i] : NULL;
}

int
asg_tags_check(const char *tags, struct arena *a, const char **out)
{
	bool on[ASG_NPREFS] = { false };
	struct buf b = BUF_INIT;
	const char *p = tags ? tags : "", *e;
	int i;

	while (*p) {
		size_t len;

		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < ASG_NPREFS; i++)
			if (strlen(pref_names[i]) == len &&
			    memcmp(p, pref_names[i], len) == 0)
				break;
		if (len > 0 && i == ASG_NPREFS)
			return ERR_INVAL;
		if (len > 0)
			on[i] = true;
		p += len + (e != NULL);
	}
	for (i = 0; i < ASG_NPREFS; i++)
		if (on[i])
			buf_printf(&b, "%s%s", b.len ? "," : "", pref_names[i]);
	*out = arena_strndup(a, b.p ? b.p : "", b.len);
	buf_release(&b);
	return 0;
}

const char *
asg_state_name(int s)
{
	return s >= 0 && (size_t)s < NSTATES ? state_names[s] : "?";
}

int
asg_state_parse(struct str s)
{
	size_t i;

	for (i = 0; i < NSTATES; i++)
		if (str_eqc(s, state_names[i]))
			return (int)i;
	return ASG_ACTIVE;
}

/* --- shared (asg_int.h) ---------------------------------------------------- */

int64_t
asg_now_or(time_t now)
{
	return now ? (int64_t)now : (int64_t)time(NULL);
}

int64_t
asg_col_or_zero(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? 0 : db_col_i64(st, col);
}

int
asg_text_why(int fault, struct why *why, const char *field,
    const char *missing, const char *too_long, int limit)
{
	switch (fault) {
	case TEXT_OK:
		return 0;
	case TEXT_MISSING:
		return why_set(why, ERR_INVAL, field, missing);
	case TEXT_TOO_LONG:
		why_set(why, ERR_TOOBIG, field, too_long);
		if (why)
			why->limit = limit;
		return ERR_TOOBIG;
	default:
		return why_set(why, ERR_INVAL, field, N_("This text holds characters that are not allowed (control characters or bytes that are not text)."));
	}
}

int
asg_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id)
{
	*traj_id = 0;
	return db_query_i64(c, "SELECT trajectory_id FROM assignments "
	    "WHERE id = ?", traj_id, 1, &id);
}

int
asg_file_traj_on(struct db_conn *c, int64_t file_id, int64_t *traj_id,
    bool *draft)
{
	int64_t d = 0;
	int rc;

	*traj_id = 0;
	if (draft != NULL)
		*draft = false;
	if ((rc = db_query_i64(c, "SELECT a.trajectory_id FROM "
	    "assignment_files f JOIN assignments a ON a.id = f.assignment_id "
	    "WHERE f.id = ?", traj_id, 1, &file_id)) != 0)
		return rc;
	if (draft == NULL)
		return 0;
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM assignment_files "
	    "WHERE id = ? AND version_n = 0 AND feedback_id IS NULL", &d, 1,
	    &file_id)) != 0)
		return rc;
	*draft = d > 0;
	return 0;
}

int
asg_question_traj_on(struct db_conn *c, int64_t question_id,
    int64_t *traj_id)
{
	return traj_question_traj_on(c, question_id, traj_id);
}

int
asg_part_on(struct db_conn *c, int64_t traj_id, int64_t user_id,
    bool *client)
{
	enum role role;
	int rc;

	if ((rc = traj_role_on(c, traj_id, user_id, &role)) != 0)
		return rc;
	if (role == 0)
		return ERR_FORBIDDEN;
	*client = role == ROLE_CLIENT;
	return 0;
}

int
asg_traj_viewer(struct db *db, int64_t traj_id, int64_t viewer_id,
    struct traj_head *th, bool *client)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = traj_head_on(c, traj_id, th);
	if (rc == 0)
		rc = asg_part_on(c, traj_id, viewer_id, client);
	db_read_end(db, c);
	return rc;
}

int
asg_head_on(struct db_conn *c, int64_t id, struct asg_head *h)
{
	struct traj_head th;
	struct db_stmt *st;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = db_prepare(c, "SELECT trajectory_id, question_id, state, "
	    "(SELECT COUNT(*) FROM assignment_versions v WHERE "
	    "v.assignment_id = a.id) FROM assignments a WHERE id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		h->id = id;
		h->traj_id = db_col_i64(st, 0);
		h->question_id = db_col_i64(st, 1);
		h->state = (enum asg_state)asg_state_parse(db_col_text(st, 2));
		h->versions = db_col_i64(st, 3);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc != 0)
		return rc;
	if ((rc = traj_head_on(c, h->traj_id, &th)) != 0)
		return rc;
	h->org_id = th.org_id;
	h->client_id = th.client_id;
	h->closed = th.phase == TRAJ_CLOSED;
	return 0;
}

int
asg_change_head_on(struct db_conn *c, int64_t id, int64_t user_id,
    bool want_client, struct asg_head *h)
{
	bool client;
	int rc;

	if ((rc = asg_head_on(c, id, h)) != 0)
		return rc;
	if (h->closed)
		return ERR_FORBIDDEN;
	if ((rc = asg_part_on(c, h->traj_id, user_id, &client)) != 0)
		return rc;
	return client == want_client ? 0 : ERR_FORBIDDEN;
}

static bool
waits_for_client(enum asg_state s)
{
	return s == ASG_OFFERED || s == ASG_ACTIVE || s == ASG_FEEDBACK;
}

void
asg_row(struct db_stmt *st, int64_t now, struct arena *a,
    struct assignment *out, struct str *box)
{
	enum asg_form f = ASG_WRITING;
	struct str t;

	memset(out, 0, sizeof(*out));
	out->id = db_col_i64(st, 0);
	out->traj_id = db_col_i64(st, 1);
	out->org_id = db_col_i64(st, 2);
	out->question_id = db_col_i64(st, 3);
	out->template_id = asg_col_or_zero(st, 4);
	*box = db_col_copy(st, 5, a);
	t = db_col_text(st, 6);
	(void)asg_form_parse(arena_strndup(a, t.p ? t.p : "", t.len), &f);
	out->form = f;
	t = db_col_text(st, 7);
	out->tags = arena_strndup(a, t.p ? t.p : "", t.len);
	t = db_col_text(st, 8);
	out->instrument = arena_strndup(a, t.p ? t.p : "", t.len);
	out->due_at = asg_col_or_zero(st, 9);
	out->state = (enum asg_state)asg_state_parse(db_col_text(st, 10));
	out->offer_id = asg_col_or_zero(st, 11);
	out->prev_id = asg_col_or_zero(st, 12);
	out->created_at = db_col_i64(st, 13);
	out->updated_at = db_col_i64(st, 14);
	out->versions = db_col_i64(st, 15);
	out->overdue = out->due_at > 0 && out->due_at < now &&
	    out->state != ASG_OFFERED && waits_for_client(out->state);
	out->title = "";
}

int
asg_load_on(const struct asg_env *env, struct db_conn *c, int64_t traj_id,
    int64_t now, struct arena *a, struct assignment **out, size_t *n)
{
	struct assignment *v = NULL;
	struct str *boxes = NULL;
	struct db_stmt *st;
	struct traj_head th;
	size_t cap = 0, k = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = traj_head_on(c, traj_id, &th)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT " ASG_COLUMNS " FROM assignments a "
	    "WHERE a.trajectory_id = ? ORDER BY a.id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	while ((rc = db_step(st)) == DB_ROW && k < LIMIT_ASG_PER_TRAJ) {
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct assignment *nv = arena_alloc(a, nc * sizeof(*nv));
			struct str *nb = arena_alloc(a, nc * sizeof(*nb));

			if (k) {
				memcpy(nv, v, k * sizeof(*nv));
				memcpy(nb, boxes, k * sizeof(*nb));
			}
			v = nv;
			boxes = nb;
			cap = nc;
		}
		asg_row(st, now, a, &v[k], &boxes[k]);
		v[k].client_id = th.client_id;
		k++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < k; i++)
		if ((rc = keyring_open_str(env->kr, c, v[i].org_id, boxes[i], a,
		    &v[i].title, NULL)) != 0)
			return rc;
	*out = v;
	*n = k;
	return 0;
}

/* Seal p[0..len) for org_id on c. */
static int
seal(const struct asg_env *env, struct db_conn *c, int64_t org_id,
    struct str s, struct buf *out)
{
	return keyring_seal(env->kr, c, org_id, s.p ? s.p : "", s.len, out);
}

static struct audit_event
event_for(const struct audit_event *tmpl, enum audit_action act,
    const char *kind, const char *detail, int64_t org_id, int64_t client_id,
    int64_t object_id)
{
	return audit_event_from(tmpl, org_id, act, kind, detail, client_id,
	    object_id);
}

/* Tell the client (a content-free notification row for the outbox). */
int
asg_notify_client(struct db_conn *c, int64_t traj_id, int64_t client_id,
    int64_t now)
{
	if (client_id <= 0)
		return 0;
	return outbox_add_on(c, &client_id, 1, traj_id, now);
}

/* --- giving ---------------------------------------------------------------- */

struct give_item {
	int64_t question_id;
	int64_t template_id;
	struct buf title_box;
	struct buf instr_box;
	const char *form;
	const char *tags;
	const char *instrument;
	int64_t due_at;
};

struct give_job {
	int64_t traj_id;
	int64_t author_id;
	struct give_item it[LIMIT_ASG_OFFER];
	size_t n;
	int64_t now;
	const struct audit_event *ev;
	int64_t first_id;
};

static int
give_run(struct db_conn *c, void *arg)
{
	struct give_job *j = arg;
	struct traj_head th;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t count = 0, prev, id;
	bool client;
	size_t i;
	int rc;

	if ((rc = traj_head_on(c, j->traj_id, &th)) != 0)
		return rc;
	if (th.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	if ((rc = asg_part_on(c, j->traj_id, j->author_id, &client)) != 0)
		return rc;
	if (client)
		return ERR_FORBIDDEN;
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM assignments WHERE "
	    "trajectory_id = ?", &count, 1, &j->traj_id)) != 0)
		return rc;
	if (count + (int64_t)j->n > LIMIT_ASG_PER_TRAJ)
		return ERR_TOOMANY;
	for (i = 0; i < j->n; i++) {
		struct give_item *g = &j->it[i];

		/* The one before on the same question: the cycle's link. */
		prev = 0;
		rc = db_query_i64(c, "SELECT MAX(id) FROM assignments WHERE "
		    "question_id = ? AND trajectory_id = ? AND state <> "
		    "'offered'", &prev, 2, (int64_t[]){ g->question_id,
		    j->traj_id });
		if (rc != 0 && rc != ERR_NOTFOUND)
			return rc;
		if ((rc = db_prepare(c, "INSERT INTO assignments "
		    "(trajectory_id, org_id, question_id, template_id, "
		    "title_box, instructions_box, work_form, tags, instrument, "
		    "due_at, state, offer_id, prev_id, created_by, created_at, "
		    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?, ?) RETURNING id", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->traj_id);
		db_bind_i64(st, 2, th.org_id);
		db_bind_i64(st, 3, g->question_id);
		db_bind_id(st, 4, g->template_id);
		db_bind_blob(st, 5, g->title_box.p, g->title_box.len);
		db_bind_blob(st, 6, g->instr_box.p, g->instr_box.len);
		db_bind_textz(st, 7, g->form);
		db_bind_textz(st, 8, g->tags);
		db_bind_textz(st, 9, g->instrument);
		db_bind_id(st, 10, g->due_at);
		db_bind_textz(st, 11, j->n > 1 ? "offered" : "active");
		db_bind_id(st, 12, j->n > 1 ? (j->first_id ? j->first_id : 0) :
		    0);
		db_bind_id(st, 13, prev);
		db_bind_i64(st, 14, j->author_id);
		db_bind_i64(st, 15, j->now);
		db_bind_i64(st, 16, j->now);
		if ((rc = db_step_id(st, &id)) != 0)
			return rc;
		if (j->first_id == 0) {
			j->first_id = id;
			/* The offer is named by its first assignment. */
			if (j->n > 1) {
				if ((rc = db_prepare(c, "UPDATE assignments SET "
				    "offer_id = id WHERE id = ?", &st)) != 0)
					return rc;
				db_bind_i64(st, 1, id);
				if ((rc = db_run(st)) != 0)
					return rc;
			}
		}
		ev = event_for(j->ev, AUDIT_CREATE, "assignment",
		    j->n > 1 ? "offer" : NULL, th.org_id, th.client_id, id);
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	}
	return asg_notify_client(c, j->traj_id, th.client_id, j->now);
}

static void
give_job_release(struct give_job *j)
{
	size_t i;

	for (i = 0; i < LIMIT_ASG_OFFER; i++) {
		buf_release(&j->it[i].title_box);
		buf_release(&j->it[i].instr_box);
	}
}

/* One item's checks and sealing on c; its template read there too. */
static int
give_prepare(const struct asg_env *env, struct db_conn *c,
    const struct traj_head *th, int64_t traj_id, const struct asg_new *in,
    int64_t now, struct give_item *g, struct why *why, struct arena *a)
{
	struct asg_template tpl;
	struct str title = in->title, instr = in->instructions, t, ins;
	const char *form = in->form, *tags = in->tags;
	const char *instrument = in->instrument;
	enum asg_form f;
	int64_t qtraj = 0;
	int rc;

	rc = asg_question_traj_on(c, in->question_id, &qtraj);
	if (rc == ERR_NOTFOUND || (rc == 0 && qtraj != traj_id))
		return why_set(why, ERR_INVAL, "question",
		    N_("Choose one of this trajectory's learning questions."));
	if (rc != 0)
		return rc;
	if (in->template_id > 0) {
		rc = tpl_get_on(c, th->org_id, in->template_id, a, &tpl);
		if (rc == ERR_NOTFOUND)
			return why_set(why, ERR_INVAL, "template",
			    N_("That template is not in your organisation's library."));
		if (rc != 0)
			return rc;
		if (str_trim(title).len == 0)
			title = str_c(tpl.title);
		if (str_trim(instr).len == 0)
			instr = str_c(tpl.instructions);
		if (form == NULL || form[0] == '\0')
			form = tpl.form;
		if (tags == NULL || tags[0] == '\0')
			tags = tpl.tags;
		if (instrument == NULL || instrument[0] == '\0')
			instrument = tpl.instrument;
	}
	rc = asg_text_why(text_check(title, 4 * LIMIT_ASG_TITLE,
	    LIMIT_ASG_TITLE, false, &t), why, "title",
	    N_("Please give the assignment a title."),
	    N_("The title is longer than %d characters."), LIMIT_ASG_TITLE);
	if (rc != 0)
		return rc;
	rc = asg_text_why(text_check(instr, LIMIT_ASG_INSTRUCTIONS, 0, true,
	    &ins), why, "instructions",
	    N_("Please write the instructions."),
	    N_("The instructions are longer than %d KB."),
	    LIMIT_ASG_INSTRUCTIONS / 1024);
	if (rc != 0)
		return rc;
	if (asg_form_parse(form, &f) != 0)
		return why_set(why, ERR_INVAL, "form",
		    N_("Choose a work form."));
	if (asg_tags_check(tags, a, &g->tags) != 0)
		return why_set(why, ERR_INVAL, "tags",
		    N_("Choose learning preferences from the list."));
	if (instrument == NULL)
		instrument = "";
	if (f == ASG_QUESTIONNAIRE && instrument[0] == '\0')
		return why_set(why, ERR_INVAL, "instrument",
		    N_("Name the questionnaire the client fills in."));
	if (strlen(instrument) > 64 || text_check(str_c(instrument), 64, 0,
	    false, &t) == TEXT_BAD_CHAR)
		return why_set(why, ERR_INVAL, "instrument",
		    N_("A questionnaire is named by a short code of letters and digits."));
	if (in->due_at != 0 && in->due_at < now - 24 * 3600)
		return why_set(why, ERR_INVAL, "due",
		    N_("The due date lies in the past."));
	g->question_id = in->question_id;
	g->template_id = in->template_id;
	g->form = form_names[f];
	g->instrument = f == ASG_QUESTIONNAIRE ? arena_strndup(a, instrument,
	    strlen(instrument)) : "";
	g->due_at = in->due_at;
	if ((rc = seal(env, c, th->org_id, t, &g->title_box)) != 0 ||
	    (rc = seal(env, c, th->org_id, ins, &g->instr_box)) != 0)
		return rc;
	return 0;
}

int
asg_give(const struct asg_env *env, int64_t traj_id, int64_t author_id,
    const struct asg_new *items, size_t n, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *first_id)
{
	struct give_job *j = xcalloc(1, sizeof(*j));
	struct db_conn *c = NULL;
	struct traj_head th;
	struct arena a;
	size_t i;
	int rc;

	arena_init(&a);
	*first_id = 0;
	if (n == 0) {
		rc = why_set(why, ERR_INVAL, "title",
		    N_("Give at least one assignment."));
		goto out;
	}
	if (n > LIMIT_ASG_OFFER) {
		rc = why_set(why, ERR_TOOMANY, "template",
		    N_("An offer holds at most %d assignments."));
		if (why)
			why->limit = LIMIT_ASG_OFFER;
		goto out;
	}
	j->now = asg_now_or(now);
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = traj_head_on(c, traj_id, &th)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((rc = give_prepare(env, c, &th, traj_id, &items[i], j->now,
		    &j->it[i], why, &a)) != 0)
			goto out;
		j->n = i + 1;
	}
	db_read_end(env->db, c);
	c = NULL;
	j->traj_id = traj_id;
	j->author_id = author_id;
	j->ev = ev;
	rc = db_write(env->db, give_run, j);
	if (rc == ERR_TOOMANY) {
		why_set(why, rc, "title", N_("A trajectory holds at most %d assignments."));
		if (why)
			why->limit = LIMIT_ASG_PER_TRAJ;
	}
	if (rc == 0)
		*first_id = j->first_id;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	give_job_release(j);
	free(j);
	arena_release(&a);
	return rc;
}

/* --- changes of state -------------------------------------------------------- */

/*
 * A move change() makes: who may make it, from which states to which,
 * the content it carries and what the access log calls it.  The moves
 * are the table below, so that each asg_ function names its move
 * rather than spelling it out.
 */
struct move {
	bool want_client;         /* only the client may (else only staff) */
	unsigned from;            /* bit set of states it may start from */
	enum asg_state to;        /* a version's is decided in change_run */
	int what;                 /* 0 state only, 1 version, 2 feedback,
	                             3 draft */
	const char *kind;         /* the audit entry's kind and detail */
	const char *detail;
};

struct change_job {
	int64_t id;
	int64_t user_id;
	const struct move *m;
	/* optional content */
	struct buf box;           /* version text, feedback or draft */
	struct msg_upload_sealed {
		const char *type;
		int64_t size;
		struct buf name_box, data_box;
	} att[LIMIT_ASG_FILES];
	size_t natt;
	int64_t now;
	const struct audit_event *ev;
	int64_t out_n;            /* the new version's number */
	enum asg_state state_was;
	bool too_many_files;      /* ERR_TOOMANY from the files, not the
	                             versions */
};

#define BIT(s) (1u << (s))

static const struct move move_choose = {
	.want_client = true, .from = BIT(ASG_OFFERED), .to = ASG_ACTIVE,
	.kind = "assignment", .detail = "choose",
};
static const struct move move_draft = {
	.want_client = true, .from = BIT(ASG_ACTIVE) | BIT(ASG_FEEDBACK),
	.what = 3,
};
static const struct move move_hand_in = {
	.want_client = true, .from = BIT(ASG_ACTIVE) | BIT(ASG_FEEDBACK),
	.what = 1, .kind = "assignment-version",
};
static const struct move move_feedback = {
	.want_client = false, .from = BIT(ASG_HANDED_IN) | BIT(ASG_REVISED),
	.to = ASG_FEEDBACK, .what = 2, .kind = "assignment-feedback",
};
static const struct move move_done = {
	.want_client = false,
	.from = BIT(ASG_HANDED_IN) | BIT(ASG_FEEDBACK) | BIT(ASG_REVISED),
	.to = ASG_DONE, .kind = "assignment", .detail = "done",
};

/* The files the draft holds (version 0, the client's work). */
static int
draft_files_on(struct db_conn *c, int64_t id, int64_t *n)
{
	return db_query_i64(c, "SELECT COUNT(*) FROM assignment_files WHERE "
	    "assignment_id = ? AND version_n = 0 AND feedback_id IS NULL", n,
	    1, &id);
}

/* The job's sealed files, for a version (0: the draft) or a round of
 * feedback (feedback_id, else 0). */
static int
files_insert_on(struct db_conn *c, const struct change_job *j,
    int64_t version_n, int64_t feedback_id)
{
	struct db_stmt *st;
	int64_t fid;
	size_t i;
	int rc;

	for (i = 0; i < j->natt; i++) {
		if ((rc = db_prepare(c, "INSERT INTO assignment_files "
		    "(assignment_id, version_n, name_box, content_type, "
		    "size, data_box, created_at, feedback_id, author_id) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		    &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_i64(st, 2, version_n);
		db_bind_blob(st, 3, j->att[i].name_box.p,
		    j->att[i].name_box.len);
		db_bind_textz(st, 4, j->att[i].type);
		db_bind_i64(st, 5, j->att[i].size);
		db_bind_blob(st, 6, j->att[i].data_box.p,
		    j->att[i].data_box.len);
		db_bind_i64(st, 7, j->now);
		if (feedback_id > 0)
			db_bind_i64(st, 8, feedback_id);
		else
			db_bind_null(st, 8);
		db_bind_i64(st, 9, j->user_id);
		if ((rc = db_step_id(st, &fid)) != 0)
			return rc;
	}
	return 0;
}

static int
change_run(struct db_conn *c, void *arg)
{
	struct change_job *j = arg;
	struct asg_head h;
	struct audit_event ev;
	struct db_stmt *st;
	enum asg_state to = j->m->to;
	int64_t fid;
	int rc;

	if ((rc = asg_change_head_on(c, j->id, j->user_id, j->m->want_client,
	    &h)) != 0)
		return rc;
	j->state_was = h.state;
	if ((j->m->from & BIT(h.state)) == 0)
		return ERR_CONFLICT;

	if (j->m->what == 3) {
		if (j->natt > 0) {
			if ((rc = draft_files_on(c, j->id, &fid)) != 0)
				return rc;
			if (fid + (int64_t)j->natt > LIMIT_ASG_FILES) {
				j->too_many_files = true;
				return ERR_TOOMANY;
			}
			if ((rc = files_insert_on(c, j, 0, 0)) != 0)
				return rc;
		}
		if (j->box.len == 0) {
			if ((rc = db_prepare(c, "DELETE FROM assignment_drafts "
			    "WHERE assignment_id = ?", &st)) != 0)
				return rc;
			db_bind_i64(st, 1, j->id);
		} else {
			if ((rc = db_prepare(c, "INSERT INTO assignment_drafts "
			    "(assignment_id, body_box, updated_at) VALUES "
			    "(?, ?, ?) ON CONFLICT (assignment_id) DO UPDATE "
			    "SET body_box = excluded.body_box, updated_at = "
			    "excluded.updated_at", &st)) != 0)
				return rc;
			db_bind_i64(st, 1, j->id);
			db_bind_blob(st, 2, j->box.p, j->box.len);
			db_bind_i64(st, 3, j->now);
		}
		if ((rc = db_run(st)) != 0)
			return rc;
		/* The text saved as one types is not logged each time; a
		 * file is. */
		if (j->natt == 0 || j->ev == NULL)
			return 0;
		ev = event_for(j->ev, AUDIT_CREATE, "assignment-file", "draft",
		    h.org_id, h.client_id, j->id);
		return audit_append(c, &ev);
	}
	if (j->m->what == 1) {
		if (h.versions >= LIMIT_ASG_VERSIONS)
			return ERR_TOOMANY;
		if ((rc = draft_files_on(c, j->id, &fid)) != 0)
			return rc;
		if (fid + (int64_t)j->natt > LIMIT_ASG_FILES) {
			j->too_many_files = true;
			return ERR_TOOMANY;
		}
		j->out_n = h.versions + 1;
		to = h.versions == 0 ? ASG_HANDED_IN : ASG_REVISED;
		if ((rc = db_prepare(c, "INSERT INTO assignment_versions "
		    "(assignment_id, n, body_box, author_id, created_at) "
		    "VALUES (?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_i64(st, 2, j->out_n);
		db_bind_blob(st, 3, j->box.p, j->box.len);
		db_bind_i64(st, 4, j->user_id);
		db_bind_i64(st, 5, j->now);
		if ((rc = db_step_id(st, &fid)) != 0)
			return rc;
		/* The draft's files become the version's, with the new
		 * ones; from then on they are never changed. */
		if ((rc = db_prepare(c, "UPDATE assignment_files SET "
		    "version_n = ? WHERE assignment_id = ? AND version_n = 0 "
		    "AND feedback_id IS NULL", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->out_n);
		db_bind_i64(st, 2, j->id);
		if ((rc = db_run(st)) != 0)
			return rc;
		if ((rc = files_insert_on(c, j, j->out_n, 0)) != 0)
			return rc;
		if ((rc = db_prepare(c, "DELETE FROM assignment_drafts WHERE "
		    "assignment_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	if (j->m->what == 2) {
		if ((rc = db_prepare(c, "INSERT INTO assignment_feedback "
		    "(assignment_id, version_n, body_box, author_id, "
		    "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		    &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_i64(st, 2, h.versions);
		db_bind_blob(st, 3, j->box.p, j->box.len);
		db_bind_i64(st, 4, j->user_id);
		db_bind_i64(st, 5, j->now);
		if ((rc = db_step_id(st, &fid)) != 0)
			return rc;
		if ((rc = files_insert_on(c, j, h.versions, fid)) != 0)
			return rc;
		if ((rc = asg_notify_client(c, h.traj_id, h.client_id,
		    j->now)) != 0)
			return rc;
	}
	if ((rc = db_prepare(c, "UPDATE assignments SET state = ?, "
	    "updated_at = ? WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, state_names[to]);
	db_bind_i64(st, 2, j->now);
	db_bind_i64(st, 3, j->id);
	if ((rc = db_step_one(st, ERR_NOTFOUND)) != 0)
		return rc;
	ev = event_for(j->ev, j->m->what == 0 ? AUDIT_UPDATE : AUDIT_CREATE,
	    j->m->kind, j->m->detail, h.org_id, h.client_id, j->id);
	return audit_append(c, &ev);
}

static void
change_init(struct change_job *j, const struct move *m, int64_t id,
    int64_t user_id, time_t now, const struct audit_event *ev)
{
	memset(j, 0, sizeof(*j));
	j->id = id;
	j->user_id = user_id;
	j->m = m;
	j->now = asg_now_or(now);
	j->ev = ev;
}

static void
change_release(struct change_job *j)
{
	size_t i;

	buf_wipe(&j->box);
	for (i = 0; i < LIMIT_ASG_FILES; i++) {
		buf_release(&j->att[i].name_box);
		buf_release(&j->att[i].data_box);
	}
}

/* Seal text (and uploads) for the assignment's organisation, then run the
 * job. */
static int
change(const struct asg_env *env, struct change_job *j, struct str text,
    const struct msg_upload *ups, size_t nups, const char **types,
    const char **names)
{
	struct db_conn *c = NULL;
	struct asg_head h;
	size_t i;
	int rc;

	if (text.len > 0 || nups > 0) {
		if ((rc = db_read_begin(env->db, &c)) != 0)
			return rc;
		rc = asg_head_on(c, j->id, &h);
		if (rc == 0 && text.len > 0)
			rc = seal(env, c, h.org_id, text, &j->box);
		for (i = 0; rc == 0 && i < nups; i++) {
			j->att[i].type = types[i];
			j->att[i].size = (int64_t)ups[i].len;
			rc = keyring_seal(env->kr, c, h.org_id, names[i],
			    strlen(names[i]), &j->att[i].name_box);
			if (rc == 0)
				rc = keyring_seal(env->kr, c, h.org_id,
				    ups[i].data, ups[i].len,
				    &j->att[i].data_box);
			j->natt = i + 1;
		}
		db_read_end(env->db, c);
		if (rc != 0)
			return rc;
	}
	return db_write(env->db, change_run, j);
}

/* A move that carries no content; *was: the state it found. */
static int
change_state(const struct asg_env *env, const struct move *m, int64_t id,
    int64_t user_id, time_t now, const struct audit_event *ev,
    enum asg_state *was)
{
	struct change_job j;
	int rc;

	change_init(&j, m, id, user_id, now, ev);
	rc = change(env, &j, STR_NULL, NULL, 0, NULL, NULL);
	*was = j.state_was;
	change_release(&j);
	return rc;
}

static int
conflict_why(struct why *why, enum asg_state was)
{
	switch (was) {
	case ASG_OFFERED:
		return why_set(why, ERR_CONFLICT, NULL, N_("Choose this assignment first to start on it."));
	case ASG_HANDED_IN:
	case ASG_REVISED:
		return why_set(why, ERR_CONFLICT, NULL, N_("This work has been handed in and waits for feedback."));
	case ASG_DONE:
		return why_set(why, ERR_CONFLICT, NULL, N_("This assignment is done."));
	default:
		return why_set(why, ERR_CONFLICT, NULL, N_("Nothing has been handed in yet."));
	}
}

int
asg_choose(const struct asg_env *env, int64_t id, int64_t user_id,
    time_t now, const struct audit_event *ev, struct why *why)
{
	enum asg_state was;
	int rc;

	rc = change_state(env, &move_choose, id, user_id, now, ev, &was);
	if (rc == ERR_CONFLICT)
		why_set(why, rc, NULL, N_("This assignment is not on offer any more: it was already chosen."));
	return rc;
}

/* The files' checks, the message module's (by content, never by the
 * name): types[] and names[] (the name's extension following the type)
 * for change(). */
static int
uploads_check(const struct msg_upload *ups, size_t nups, struct why *why,
    struct arena *a, const char **types, const char **names)
{
	size_t i;
	int rc;

	if (nups > LIMIT_ASG_FILES) {
		rc = why_set(why, ERR_TOOMANY, "attachments",
		    N_("You can attach at most %d files."));
		if (why)
			why->limit = LIMIT_ASG_FILES;
		return rc;
	}
	for (i = 0; i < nups; i++) {
		names[i] = msg_clean_name(ups[i].name, a);
		if ((rc = msg_upload_check(&ups[i], &types[i])) != 0) {
			if (rc == ERR_TOOBIG && ups[i].len == 0)
				why_set(why, rc, "attachments", N_("The file \xe2\x80\x9c%s\xe2\x80\x9d is empty."));
			else if (rc == ERR_TOOBIG)
				why_set(why, rc, "attachments", N_("The file \xe2\x80\x9c%s\xe2\x80\x9d is larger than %d MB."));
			else
				why_set(why, rc, "attachments", N_("The file \xe2\x80\x9c%s\xe2\x80\x9d is not of an accepted type. Accepted are PDF, PNG, JPEG, GIF, plain text, Word (.docx) and OpenDocument text (.odt)."));
			if (why) {
				why->name = names[i];
				why->limit = rc == ERR_TOOBIG && ups[i].len ?
				    LIMIT_ATTACHMENT / (1024 * 1024) : 0;
			}
			return rc;
		}
		names[i] = msg_name_for_type(names[i], types[i], a);
	}
	return 0;
}

/* Why the client's work (a draft or a version) was refused: the state it
 * found, or ERR_TOOMANY from the files already there and the new ones. */
static void
work_why(struct why *why, int rc, const struct change_job *j)
{
	if (rc == ERR_CONFLICT) {
		conflict_why(why, j->state_was);
	} else if (rc == ERR_TOOMANY && j->too_many_files) {
		why_set(why, rc, "attachments",
		    N_("A version holds at most %d files, those already attached included."));
		if (why)
			why->limit = LIMIT_ASG_FILES;
	}
}

int
asg_draft_save(const struct asg_env *env, int64_t id, int64_t user_id,
    struct str text, time_t now, struct why *why)
{
	return asg_draft_files(env, id, user_id, text, NULL, 0, now, NULL, why,
	    NULL);
}

int
asg_draft_files(const struct asg_env *env, int64_t id, int64_t user_id,
    struct str text, const struct msg_upload *ups, size_t nups, time_t now,
    const struct audit_event *ev, struct why *why, struct arena *a)
{
	const char *types[LIMIT_ASG_FILES], *names[LIMIT_ASG_FILES];
	struct change_job j;
	struct str body = { "", 0 };
	int rc;

	if (text.len > LIMIT_ASG_WORK)
		return asg_text_why(TEXT_TOO_LONG, why, "body", NULL,
		    N_("Your work is longer than %d KB. Put the rest in an attachment."),
		    LIMIT_ASG_WORK / 1024);
	rc = text_check(text, LIMIT_ASG_WORK, 0, true, &body);
	if (rc == TEXT_BAD_CHAR)
		return asg_text_why(rc, why, "body", NULL, NULL, 0);
	if (rc == TEXT_MISSING)
		body = (struct str){ "", 0 };
	if ((rc = uploads_check(ups, nups, why, a, types, names)) != 0)
		return rc;
	change_init(&j, &move_draft, id, user_id, now, ev);
	rc = change(env, &j, body, ups, nups, types, names);
	work_why(why, rc, &j);
	change_release(&j);
	return rc;
}

int
asg_hand_in(const struct asg_env *env, int64_t id, int64_t user_id,
    struct str text, const struct msg_upload *ups, size_t nups, time_t now,
    const struct audit_event *ev, struct why *why, struct arena *a,
    int64_t *version_n)
{
	const char *types[LIMIT_ASG_FILES], *names[LIMIT_ASG_FILES];
	struct change_job j;
	struct str body;
	int rc;

	*version_n = 0;
	change_init(&j, &move_hand_in, id, user_id, now, ev);
	rc = asg_text_why(text_check(text, LIMIT_ASG_WORK, 0, true, &body),
	    why, "body", N_("Please write your work before handing it in."),
	    N_("Your work is longer than %d KB. Put the rest in an attachment."),
	    LIMIT_ASG_WORK / 1024);
	if (rc != 0)
		goto out;
	if ((rc = uploads_check(ups, nups, why, a, types, names)) != 0)
		goto out;
	rc = change(env, &j, body, ups, nups, types, names);
	if (rc == ERR_TOOMANY && !j.too_many_files) {
		why_set(why, rc, "body", N_("An assignment holds at most %d versions."));
		if (why)
			why->limit = LIMIT_ASG_VERSIONS;
	} else {
		work_why(why, rc, &j);
	}
	if (rc == 0)
		*version_n = j.out_n;
out:
	change_release(&j);
	return rc;
}

int
asg_feedback(const struct asg_env *env, int64_t id, int64_t user_id,
    struct str text, const struct msg_upload *ups, size_t nups, time_t now,
    const struct audit_event *ev, struct why *why, struct arena *a)
{
	const char *types[LIMIT_ASG_FILES], *names[LIMIT_ASG_FILES];
	struct change_job j;
	struct str body;
	int rc;

	rc = asg_text_why(text_check(text, LIMIT_ASG_FEEDBACK, 0, true, &body),
	    why, "feedback", N_("Please write your feedback."),
	    N_("The feedback is longer than %d KB."),
	    LIMIT_ASG_FEEDBACK / 1024);
	if (rc != 0)
		return rc;
	if ((rc = uploads_check(ups, nups, why, a, types, names)) != 0)
		return rc;
	change_init(&j, &move_feedback, id, user_id, now, ev);
	rc = change(env, &j, body, ups, nups, types, names);
	if (rc == ERR_CONFLICT)
		why_set(why, rc, "feedback", N_("No new version waits for feedback."));
	change_release(&j);
	return rc;
}

int
asg_done(const struct asg_env *env, int64_t id, int64_t user_id,
    time_t now, const struct audit_event *ev, struct why *why)
{
	enum asg_state was;
	int rc;

	rc = change_state(env, &move_done, id, user_id, now, ev, &was);
	if (rc == ERR_CONFLICT)
		conflict_why(why, was == ASG_DONE ? ASG_DONE : ASG_ACTIVE);
	return rc;
}

/* --- a draft's file taken off -------------------------------------------------- */

struct unattach_job {
	int64_t file_id;
	int64_t user_id;
	const struct audit_event *ev;
	int64_t asg_id;           /* out */
	enum asg_state state_was;
	bool handed_in;           /* the file is a version's or feedback's */
};

static int
unattach_run(struct db_conn *c, void *arg)
{
	struct unattach_job *j = arg;
	struct audit_event ev;
	struct asg_head h;
	struct db_stmt *st;
	int64_t tid;
	bool draft;
	int rc;

	if ((rc = db_query_i64(c, "SELECT assignment_id FROM assignment_files "
	    "WHERE id = ?", &j->asg_id, 1, &j->file_id)) != 0 ||
	    (rc = asg_file_traj_on(c, j->file_id, &tid, &draft)) != 0 ||
	    (rc = asg_change_head_on(c, j->asg_id, j->user_id, true, &h)) != 0)
		return rc;
	j->state_was = h.state;
	/* What was handed in stays with its version: nothing overwritten. */
	if (!draft) {
		j->handed_in = true;
		return ERR_CONFLICT;
	}
	if (h.state != ASG_ACTIVE && h.state != ASG_FEEDBACK)
		return ERR_CONFLICT;
	if ((rc = db_prepare(c, "DELETE FROM assignment_files WHERE id = ? "
	    "AND version_n = 0 AND feedback_id IS NULL", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->file_id);
	if ((rc = db_run(st)) != 0)
		return rc;
	ev = event_for(j->ev, AUDIT_DELETE, "assignment-file", "draft",
	    h.org_id, h.client_id, j->file_id);
	return audit_append(c, &ev);
}

int
asg_draft_file_remove(const struct asg_env *env, int64_t file_id,
    int64_t user_id, const struct audit_event *ev, struct why *why,
    int64_t *asg_id)
{
	struct unattach_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	j.file_id = file_id;
	j.user_id = user_id;
	j.ev = ev;
	rc = db_write(env->db, unattach_run, &j);
	*asg_id = j.asg_id;
	if (rc == ERR_CONFLICT && j.handed_in)
		why_set(why, rc, NULL, N_("This file was handed in with a version and stays with it."));
	else if (rc == ERR_CONFLICT)
		conflict_why(why, j.state_was);
	return rc;
}

/* --- reading ----------------------------------------------------------------- */

int
asg_log_read(struct db *db, const struct audit_event *tmpl, enum audit_action act,
    const char *kind, const char *detail, int64_t org_id, int64_t client_id,
    int64_t object_id)
{
	struct audit_event ev = event_for(tmpl, act, kind, detail, org_id,
	    client_id, object_id);

	return audit_record(db, &ev);
}

/* A version or a round of feedback as read: n is the version. */
struct sealed_text {
	int64_t n, created_at, id;
	const char *body;
	size_t len;
};

/*
 * The rows sql finds for assignment as (its one argument), at most cap,
 * in *out (*n of them): sql's columns are the version, the sealed text,
 * the time and an id; the texts are opened after the rows are read.
 */
static int
load_texts(const struct asg_env *env, struct db_conn *c,
    const struct assignment *as, const char *sql, size_t cap,
    struct arena *a, struct sealed_text **out, size_t *n)
{
	struct sealed_text *t;
	struct db_stmt *st;
	struct str *boxes;
	size_t k, i;
	int rc;

	t = arena_alloc(a, cap * sizeof(*t));
	boxes = arena_alloc(a, cap * sizeof(*boxes));
	if ((rc = db_prepare(c, sql, &st)) != 0)
		return rc;
	db_bind_i64(st, 1, as->id);
	k = 0;
	while ((rc = db_step(st)) == DB_ROW && k < cap) {
		t[k].n = db_col_i64(st, 0);
		boxes[k] = db_col_copy(st, 1, a);
		t[k].created_at = db_col_i64(st, 2);
		t[k].id = db_col_i64(st, 3);
		k++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < k; i++)
		if ((rc = keyring_open_str(env->kr, c, as->org_id, boxes[i], a,
		    &t[i].body, &t[i].len)) != 0)
			return rc;
	*out = t;
	*n = k;
	return 0;
}

/* Versions, feedback, files and (for the client) the draft of one
 * assignment, opened on c; the caller logged the read. */
int
asg_load_detail(const struct asg_env *env, struct db_conn *c, bool client,
    struct arena *a, struct asg_view *v)
{
	struct sealed_text *rows;
	struct db_stmt *st;
	struct str *boxes;
	size_t k, cap, i;
	int rc;

	/* versions, then the feedback: one round per version handed in
	 * (only a new version opens the next round), read with room for
	 * four per version */
	if ((rc = load_texts(env, c, &v->a, "SELECT n, body_box, created_at, "
	    "id FROM assignment_versions WHERE assignment_id = ? ORDER BY n",
	    LIMIT_ASG_VERSIONS, a, &rows, &k)) != 0)
		return rc;
	v->versions = arena_alloc(a, k * sizeof(*v->versions));
	for (i = 0; i < k; i++)
		v->versions[i] = (struct asg_version){ .n = rows[i].n,
		    .body = rows[i].body, .len = rows[i].len,
		    .created_at = rows[i].created_at };
	v->nversions = k;
	if ((rc = load_texts(env, c, &v->a, "SELECT version_n, body_box, "
	    "created_at, id FROM assignment_feedback WHERE assignment_id = ? "
	    "ORDER BY id", LIMIT_ASG_VERSIONS * 4, a, &rows, &k)) != 0)
		return rc;
	v->feedback = arena_alloc(a, k * sizeof(*v->feedback));
	for (i = 0; i < k; i++)
		v->feedback[i] = (struct asg_feedback_item){ .id = rows[i].id,
		    .version_n = rows[i].n, .body = rows[i].body,
		    .created_at = rows[i].created_at };
	v->nfeedback = k;
	/* files: of every version and round of feedback, and the
	 * draft's (the client's only) */
	cap = (2 * LIMIT_ASG_VERSIONS + 1) * LIMIT_ASG_FILES;
	v->files = arena_alloc(a, cap * sizeof(*v->files));
	boxes = arena_alloc(a, cap * sizeof(*boxes));
	if ((rc = db_prepare(c, "SELECT id, version_n, name_box, "
	    "content_type, size, feedback_id FROM assignment_files WHERE "
	    "assignment_id = ? AND (version_n > 0 OR feedback_id IS NOT NULL "
	    "OR ? = 1) ORDER BY id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, v->a.id);
	db_bind_i64(st, 2, client ? 1 : 0);
	k = 0;
	while ((rc = db_step(st)) == DB_ROW && k < cap) {
		struct str t;

		v->files[k].id = db_col_i64(st, 0);
		v->files[k].version_n = db_col_i64(st, 1);
		boxes[k] = db_col_copy(st, 2, a);
		t = db_col_text(st, 3);
		v->files[k].type = arena_strndup(a, t.p ? t.p : "", t.len);
		v->files[k].size = db_col_i64(st, 4);
		v->files[k].feedback_id = asg_col_or_zero(st, 5);
		k++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	v->nfiles = k;
	for (i = 0; i < k; i++)
		if ((rc = keyring_open_str(env->kr, c, v->a.org_id, boxes[i], a,
		    &v->files[i].name, NULL)) != 0)
			return rc;
	/* the draft: the client's own */
	v->draft = NULL;
	if (client) {
		struct str box = { NULL, 0 };

		v->draft = "";
		if ((rc = db_prepare(c, "SELECT body_box, updated_at FROM "
		    "assignment_drafts WHERE assignment_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, v->a.id);
		if ((rc = db_step(st)) == DB_ROW) {
			box = db_col_copy(st, 0, a);
			v->draft_at = db_col_i64(st, 1);
		}
		db_done(st);
		if (rc < 0)
			return rc;
		if (box.len > 0 && (rc = keyring_open_str(env->kr, c, v->a.org_id,
		    box, a, &v->draft, NULL)) != 0)
			return rc;
	}
	return 0;
}

/* One assignment's row and instructions, opened on c. */
int
asg_load_one(const struct asg_env *env, struct db_conn *c, int64_t id,
    int64_t now, struct arena *a, struct assignment *out)
{
	struct db_stmt *st;
	struct str tbox, ibox = { NULL, 0 };
	struct traj_head th;
	int rc;

	if ((rc = db_prepare(c, "SELECT " ASG_COLUMNS ", a.instructions_box "
	    "FROM assignments a WHERE a.id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		asg_row(st, now, a, out, &tbox);
		ibox = db_col_copy(st, 16, a);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc != 0)
		return rc;
	if ((rc = traj_head_on(c, out->traj_id, &th)) != 0)
		return rc;
	out->client_id = th.client_id;
	if ((rc = keyring_open_str(env->kr, c, out->org_id, tbox, a, &out->title,
	    NULL)) != 0)
		return rc;
	return keyring_open_str(env->kr, c, out->org_id, ibox, a, &out->instructions,
	    NULL);
}

int
asg_view(const struct asg_env *env, int64_t id, int64_t viewer_id,
    time_t now, const struct audit_event *ev, struct arena *a,
    struct asg_view *out)
{
	struct db_conn *c = NULL;
	struct asg_head h;
	bool client;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = asg_head_on(c, id, &h)) != 0 ||
	    (rc = asg_part_on(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	/* Log first, then show. */
	if ((rc = asg_log_read(env->db, ev, AUDIT_READ, "assignment", NULL,
	    h.org_id, h.client_id, id)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	(void)db_read_snapshot(c);
	if ((rc = asg_load_one(env, c, id, asg_now_or(now), a, &out->a)) != 0)
		goto out;
	out->viewer_is_client = client;
	out->closed = h.closed;
	if ((rc = asg_load_detail(env, c, client, a, out)) != 0)
		goto out;
	rc = asg_items_on(c, id, h.org_id, a, &out->items, &out->nitems);
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

int
asg_list(const struct asg_env *env, int64_t traj_id, int64_t viewer_id,
    time_t now, const struct audit_event *ev, struct arena *a,
    struct assignment **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct traj_head th;
	bool client;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = asg_traj_viewer(env->db, traj_id, viewer_id, &th,
	    &client)) != 0)
		return rc;
	if ((rc = asg_log_read(env->db, ev, AUDIT_READ, "assignment", "list",
	    th.org_id, th.client_id, traj_id)) != 0)
		return rc;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = asg_load_on(env, c, traj_id, asg_now_or(now), a, out, n);
	db_read_end(env->db, c);
	return rc;
}

int
asg_file_get(const struct asg_env *env, int64_t file_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct asg_file *meta,
    struct buf *data)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct asg_head h;
	struct str nbox = { NULL, 0 }, dbox = { NULL, 0 };
	int64_t aid = 0, tid = 0;
	bool client, draft = false;
	int rc;

	memset(meta, 0, sizeof(*meta));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_query_i64(c, "SELECT assignment_id FROM assignment_files "
	    "WHERE id = ?", &aid, 1, &file_id)) != 0 ||
	    (rc = asg_head_on(c, aid, &h)) != 0 ||
	    (rc = asg_part_on(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	/* The draft's files are the client's until handed in (the router
	 * refuses them already: authz, asg_file_traj_on). */
	if ((rc = asg_file_traj_on(c, file_id, &tid, &draft)) != 0)
		goto out;
	if (draft && !client) {
		rc = ERR_FORBIDDEN;
		goto out;
	}
	db_read_end(env->db, c);
	c = NULL;
	if ((rc = asg_log_read(env->db, ev, AUDIT_READ, "assignment-file",
	    "download", h.org_id, h.client_id, file_id)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT version_n, name_box, content_type, "
	    "size, data_box, feedback_id FROM assignment_files WHERE id = ?",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, file_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		struct str t = db_col_text(st, 2);

		meta->id = file_id;
		meta->version_n = db_col_i64(st, 0);
		meta->feedback_id = asg_col_or_zero(st, 5);
		nbox = db_col_copy(st, 1, a);
		meta->type = arena_strndup(a, t.p ? t.p : "", t.len);
		meta->size = db_col_i64(st, 3);
		dbox = db_col_copy(st, 4, a);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc == 0)
		rc = keyring_open_str(env->kr, c, h.org_id, nbox, a, &meta->name, NULL);
	if (rc == 0)
		rc = keyring_open(env->kr, c, h.org_id, dbox.p, dbox.len, data);
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

