/*
 * cycle.c - the learning cycle per learning question (see cycle.h).
 *
 * Owns cycle_steps and question_answered.  The experiments are the
 * assignments of assignment.c, each linked to the one before on its
 * question (assignments.prev_id); the steps of an experiment follow it
 * in a fixed order, one of each, so the timeline reads as the seed's
 * cycle: experiment, report, reflection, conclusion, next experiment.
 */
#include "assignment/cycle.h"

#include <stdlib.h>
#include <string.h>

#include "assignment/asg_int.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static const char *const kind_names[CYCLE_NKINDS] = {
	[CYCLE_REPORT] = "report",
	[CYCLE_REFLECTION] = "reflection",
	[CYCLE_CONCLUSION] = "conclusion",
};

const char *
cycle_kind_name(int k)
{
	return k >= 0 && k < CYCLE_NKINDS ? kind_names[k] : "?";
}

int
cycle_kind_parse(const char *s, enum cycle_kind *out)
{
	int i;

	for (i = 0; s != NULL && i < CYCLE_NKINDS; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum cycle_kind)i;
			return 0;
		}
	return ERR_INVAL;
}

struct step_job {
	int64_t aid;
	int64_t user_id;
	enum cycle_kind kind;
	struct buf box;
	int64_t now;
	const struct audit_event *ev;
	int64_t id;
	int fault;                /* which order rule failed (0: none) */
};

static int
step_run(struct db_conn *c, void *arg)
{
	struct step_job *j = arg;
	struct asg_head h;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t have = 0;
	int rc;

	if ((rc = asg_change_head_on(c, j->aid, j->user_id, true, &h)) != 0)
		return rc;
	/* In order: the experiment handed in, then each step after the
	 * one before it, and each kind once. */
	if (h.versions == 0) {
		j->fault = 1;
		return ERR_CONFLICT;
	}
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM cycle_steps WHERE "
	    "assignment_id = ?", &have, 1, &j->aid)) != 0)
		return rc;
	if (have != (int64_t)j->kind) {
		j->fault = have > (int64_t)j->kind ? 2 : 3;
		return ERR_CONFLICT;
	}
	if ((rc = db_prepare(c, "INSERT INTO cycle_steps (assignment_id, "
	    "trajectory_id, question_id, kind, body_box, author_id, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->aid);
	db_bind_i64(st, 2, h.traj_id);
	db_bind_i64(st, 3, h.question_id);
	db_bind_textz(st, 4, kind_names[j->kind]);
	db_bind_blob(st, 5, j->box.p, j->box.len);
	db_bind_i64(st, 6, j->user_id);
	db_bind_i64(st, 7, j->now);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;
	ev = audit_event_from(j->ev, h.org_id, AUDIT_CREATE, "cycle-step",
	    kind_names[j->kind], h.client_id, j->id);
	return audit_append(c, &ev);
}

int
cycle_step_add(const struct asg_env *env, int64_t assignment_id,
    int64_t user_id, enum cycle_kind kind, struct str text, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *id)
{
	struct step_job j;
	struct db_conn *c;
	struct asg_head h;
	struct str body;
	int rc;

	*id = 0;
	if ((unsigned)kind >= CYCLE_NKINDS)
		return why_set(why, ERR_INVAL, "kind",
		    N_("Choose a report, a reflection or a conclusion."));
	rc = asg_text_why(text_check(text, LIMIT_ASG_STEP, 0, true, &body),
	    why, "body", N_("Please write something first."),
	    N_("This text is longer than %d KB."), LIMIT_ASG_STEP / 1024);
	if (rc != 0)
		return rc;
	memset(&j, 0, sizeof(j));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = asg_head_on(c, assignment_id, &h);
	if (rc == 0)
		rc = keyring_seal(env->kr, c, h.org_id, body.p, body.len,
		    &j.box);
	db_read_end(env->db, c);
	if (rc != 0)
		goto out;
	j.aid = assignment_id;
	j.user_id = user_id;
	j.kind = kind;
	j.now = asg_now_or(now);
	j.ev = ev;
	rc = db_write(env->db, step_run, &j);
	if (rc == ERR_CONFLICT)
		why_set(why, rc, "body", j.fault == 1 ?
		    N_("Hand in the experiment first; then write about how it went in practice.") :
		    j.fault == 2 ?
		    N_("This step of the cycle has already been written.") :
		    N_("The cycle goes in order: first the practice report, then the reflection, then the conclusion."));
	if (rc == 0)
		*id = j.id;
out:
	buf_wipe(&j.box);
	return rc;
}

struct answered_job {
	int64_t traj_id, qid, user_id;
	bool answered;
	int64_t now;
	const struct audit_event *ev;
};

static int
answered_run(struct db_conn *c, void *arg)
{
	struct answered_job *j = arg;
	struct traj_head th;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t qtraj = 0;
	bool client;
	int rc;

	if ((rc = traj_head_on(c, j->traj_id, &th)) != 0)
		return rc;
	if (th.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	if ((rc = asg_part_on(c, j->traj_id, j->user_id, &client)) != 0)
		return rc;
	rc = asg_question_traj_on(c, j->qid, &qtraj);
	if (rc == ERR_NOTFOUND || (rc == 0 && qtraj != j->traj_id))
		return ERR_INVAL;
	if (rc != 0)
		return rc;
	if (j->answered) {
		if ((rc = db_prepare(c, "INSERT INTO question_answered "
		    "(question_id, trajectory_id, answered_by, answered_at) "
		    "VALUES (?, ?, ?, ?) ON CONFLICT (question_id) DO NOTHING",
		    &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->qid);
		db_bind_i64(st, 2, j->traj_id);
		db_bind_i64(st, 3, j->user_id);
		db_bind_i64(st, 4, j->now);
	} else {
		if ((rc = db_prepare(c, "DELETE FROM question_answered WHERE "
		    "question_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->qid);
	}
	if ((rc = db_run(st)) != 0)
		return rc;
	ev = audit_event_from(j->ev, th.org_id, AUDIT_UPDATE,
	    "learning-question", j->answered ? "answered" : "reopened",
	    th.client_id, j->qid);
	return audit_append(c, &ev);
}

int
cycle_mark_answered(const struct asg_env *env, int64_t traj_id,
    int64_t question_id, int64_t user_id, bool answered, time_t now,
    const struct audit_event *ev, struct why *why)
{
	struct answered_job j = { traj_id, question_id, user_id, answered,
	    asg_now_or(now), ev };
	int rc;

	rc = db_write(env->db, answered_run, &j);
	if (rc == ERR_INVAL)
		why_set(why, rc, "question",
		    N_("Choose one of this trajectory's learning questions."));
	return rc;
}

/* The steps of a trajectory, opened on c (the caller logged the read). */
static int
load_steps(const struct asg_env *env, struct db_conn *c, int64_t traj_id,
    int64_t org_id, struct arena *a, struct cycle_step **out, size_t *n)
{
	size_t cap = LIMIT_ASG_PER_TRAJ * CYCLE_NKINDS, k = 0, i;
	struct cycle_step *v = arena_alloc(a, cap * sizeof(*v));
	struct str *boxes = arena_alloc(a, cap * sizeof(*boxes));
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT id, assignment_id, kind, body_box, "
	    "created_at FROM cycle_steps WHERE trajectory_id = ? ORDER BY id",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	while ((rc = db_step(st)) == DB_ROW && k < cap) {
		struct str t = db_col_text(st, 2);
		enum cycle_kind kind = CYCLE_REPORT;

		v[k].id = db_col_i64(st, 0);
		v[k].assignment_id = db_col_i64(st, 1);
		(void)cycle_kind_parse(arena_strndup(a, t.p ? t.p : "", t.len),
		    &kind);
		v[k].kind = kind;
		boxes[k] = db_col_copy(st, 3, a);
		v[k].created_at = db_col_i64(st, 4);
		k++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < k; i++)
		if ((rc = keyring_open_str(env->kr, c, org_id, boxes[i], a, &v[i].body,
		    NULL)) != 0)
			return rc;
	*out = v;
	*n = k;
	return 0;
}

int
cycle_timeline(const struct asg_env *env, int64_t traj_id,
    int64_t viewer_id, time_t now, const struct audit_event *ev,
    struct arena *a, struct cycle_question **out, size_t *n)
{
	struct assignment *as = NULL;
	struct cycle_step *steps = NULL;
	struct cycle_question *q;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct traj_head th;
	struct audit_event e;
	size_t na = 0, ns = 0, nq = 0, i, k;
	int64_t qids[LIMIT_ASG_PER_TRAJ + 64], answered[LIMIT_ASG_PER_TRAJ + 64];
	bool client;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = asg_traj_viewer(env->db, traj_id, viewer_id, &th,
	    &client)) != 0)
		return rc;
	e = audit_event_from(ev, th.org_id, AUDIT_READ, "cycle-step",
	    "timeline", th.client_id, traj_id);
	if ((rc = audit_record(env->db, &e)) != 0)
		return rc;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	(void)db_read_snapshot(c);
	if ((rc = asg_load_on(env, c, traj_id, asg_now_or(now), a, &as,
	    &na)) != 0 ||
	    (rc = load_steps(env, c, traj_id, th.org_id, a, &steps, &ns)) != 0)
		goto out;
	/* The questions that have a cycle or are answered, in id order
	 * (the order they were asked in). */
	for (i = 0; i < na; i++) {
		for (k = 0; k < nq && qids[k] != as[i].question_id; k++)
			;
		if (k == nq && nq < LIMIT_ASG_PER_TRAJ) {
			answered[nq] = 0;
			qids[nq++] = as[i].question_id;
		}
	}
	if ((rc = db_prepare(c, "SELECT question_id, answered_at FROM "
	    "question_answered WHERE trajectory_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t qid = db_col_i64(st, 0);

		for (k = 0; k < nq && qids[k] != qid; k++)
			;
		if (k == nq && nq < LIMIT_ASG_PER_TRAJ + 64)
			qids[nq++] = qid;
		if (k < LIMIT_ASG_PER_TRAJ + 64)
			answered[k] = db_col_i64(st, 1);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	q = arena_alloc(a, (nq + 1) * sizeof(*q));
	for (k = 0; k < nq; k++) {
		memset(&q[k], 0, sizeof(q[k]));
		q[k].question_id = qids[k];
		q[k].answered_at = answered[k];
		q[k].exps = arena_alloc(a, (na + 1) * sizeof(*q[k].exps));
		q[k].steps = arena_alloc(a, (ns + 1) * sizeof(*q[k].steps));
		for (i = 0; i < na; i++)
			if (as[i].question_id == qids[k])
				q[k].exps[q[k].nexps++] = as[i];
		for (i = 0; i < ns; i++) {
			size_t x;

			for (x = 0; x < q[k].nexps; x++)
				if (q[k].exps[x].id == steps[i].assignment_id)
					break;
			if (x < q[k].nexps)
				q[k].steps[q[k].nsteps++] = steps[i];
		}
	}
	*out = q;
	*n = nq;
out:
	db_read_end(env->db, c);
	return rc;
}

int
cycle_export(const struct asg_env *env, int64_t traj_id,
    const struct audit_event *ev, struct arena *a, struct cycle_step **out,
    size_t *n)
{
	struct db_conn *c;
	struct traj_head th;
	struct audit_event e;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = traj_head_on(c, traj_id, &th);
	db_read_end(env->db, c);
	if (rc != 0)
		return rc;
	e = audit_event_from(ev, th.org_id, AUDIT_EXECUTE, "cycle-step",
	    "export", th.client_id, traj_id);
	if ((rc = audit_record(env->db, &e)) != 0)
		return rc;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = load_steps(env, c, traj_id, th.org_id, a, out, n);
	db_read_end(env->db, c);
	return rc;
}
