/*
 * mod_out.c - what leaves the module's runs: the content-free reminders
 * when sessions open (before each outbox batch) and the client's export
 * (see module.h).  Reads runs through mod_load_run_on (module.c).
 */
#include "module/module.h"
#include "module/mod_int.h"

#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit/audit.h"
#include "core/json.h"
#include "core/limits.h"
#include "notify/outbox.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

/* --- reminders ---------------------------------------------------------------- */

struct remind_job {
	int64_t now;
	int count;
};

static int
remind_run(struct db_conn *c, void *arg)
{
	struct remind_job *j = arg;
	int64_t ids[LIMIT_MOD_REMIND_BATCH], reminded[LIMIT_MOD_REMIND_BATCH];
	struct mod_env env = { NULL, NULL };
	struct db_stmt *st;
	struct run_load l;
	struct arena a;
	size_t n = 0, i;
	int rc;

	/* the runs whose next moment has come, the longest waiting first, so
	 * runs that wait on the client (after) or on a booking (appt) do
	 * not keep the others out of a batch */
	if ((rc = db_prepare(c, "SELECT id, reminded FROM module_runs WHERE "
	    "reminded < sessions AND remind_at <= ? ORDER BY remind_at, id "
	    "LIMIT ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, LIMIT_MOD_REMIND_BATCH);
	while ((rc = db_step(st)) == DB_ROW && n < LIMIT_MOD_REMIND_BATCH) {
		ids[n] = db_col_i64(st, 0);
		reminded[n++] = db_col_i64(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	arena_init(&a);
	rc = 0;
	for (i = 0; rc == 0 && i < n; i++) {
		int64_t next;
		int to;

		if ((rc = mod_load_run_on(&env, c, ids[i], false, j->now, &a,
		    &l)) != 0)
			break;
		/* a closed trajectory reminds of nothing any more */
		to = l.head.phase == TRAJ_CLOSED ? l.run.nsessions :
		    (int)reminded[i];
		while (to < l.run.nsessions && l.ss[to].open) {
			if ((rc = outbox_schedule_on(c, l.run.client_id,
			    l.run.traj_id, j->now, 0, NULL)) != 0)
				break;
			j->count++;
			to++;
		}
		/* the next look: the next session's moment when the clock
		 * decides it; else later (finishing a session asks for a look
		 * at once, a booking is seen within LIMIT_MOD_RECHECK) */
		next = l.run.next_opens_at > j->now ? l.run.next_opens_at :
		    j->now + LIMIT_MOD_RECHECK;
		if (rc == 0) {
			if ((rc = db_prepare(c, "UPDATE module_runs SET "
			    "reminded = ?, remind_at = ? WHERE id = ?",
			    &st)) != 0)
				break;
			db_bind_i64(st, 1, to);
			db_bind_i64(st, 2, next);
			db_bind_i64(st, 3, ids[i]);
			rc = db_run(st);
		}
		arena_release(&a);
		arena_init(&a);
	}
	arena_release(&a);
	return rc;
}

int
mod_remind(struct db *db, time_t now, int *count)
{
	struct remind_job j = { mod_now_or(now), 0 };
	int rc;

	rc = db_write(db, remind_run, &j);
	if (count)
		*count = j.count;
	return rc;
}

/* --- export ------------------------------------------------------------------- */

int
mod_export(const struct mod_env *env, int64_t traj_id,
    const struct audit_event *ev, struct arena *a, struct mod_run_view **out,
    size_t *n)
{
	int64_t ids[LIMIT_MOD_PER_TRAJ];
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct traj_head h;
	struct audit_event e;
	struct run_load l;
	int64_t now = mod_now_or(0);
	size_t cnt = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = traj_head_on(c, traj_id, &h);
	db_read_end(env->db, c);
	c = NULL;
	if (rc != 0)
		return rc;
	/* log first, then show */
	e = audit_event_from(ev, h.org_id, AUDIT_EXECUTE, "module", "export",
	    h.client_id, 0);
	if ((rc = audit_record(env->db, &e)) != 0)
		return rc;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT id FROM module_runs WHERE "
	    "trajectory_id = ? ORDER BY id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	while ((rc = db_step(st)) == DB_ROW && cnt < LIMIT_MOD_PER_TRAJ)
		ids[cnt++] = db_col_i64(st, 0);
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	*out = arena_calloc(a, cnt > 0 ? cnt : 1, sizeof(**out));
	for (i = 0; i < cnt; i++) {
		if ((rc = mod_load_run_on(env, c, ids[i], true, now, a, &l)) != 0)
			goto out;
		(*out)[i].run = l.run;
		(*out)[i].content = l.content;
		(*out)[i].sessions = l.ss;
		(*out)[i].closed = l.head.phase == TRAJ_CLOSED;
	}
	*n = cnt;
out:
	db_read_end(env->db, c);
	return rc;
}

int
mod_export_json(const struct mod_env *env, int64_t traj_id,
    const struct audit_event *ev, struct buf *out)
{
	struct mod_run_view *v = NULL;
	struct arena a;
	json_t *arr = json_array();
	size_t n = 0, i;
	int k, p, rc;

	arena_init(&a);
	if ((rc = mod_export(env, traj_id, ev, &a, &v, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		json_t *jr = json_object(), *js = json_array();
		const struct mod_run *r = &v[i].run;

		json_object_set_new(jr, "id", json_integer(r->id));
		json_object_set_new(jr, "title", json_string(r->title));
		json_object_set_new(jr, "version", json_integer(r->version_n));
		json_object_set_new(jr, "guided", json_boolean(r->plan.guided));
		for (k = 0; k < r->nsessions; k++) {
			const struct mod_session *ms = &v[i].content.sessions[k];
			const struct mod_session_state *ss = &v[i].sessions[k];
			json_t *jsn = json_object(), *ja = json_array();

			json_object_set_new(jsn, "title", json_string(ms->title));
			json_object_set_new(jsn, "finished_at", ss->finished_at ?
			    json_integer(ss->finished_at) : json_null());
			json_object_set_new(jsn, "feedback", ss->feedback ?
			    json_string(ss->feedback) : json_null());
			for (p = 0; p < ms->npages; p++) {
				const struct mod_answer *an = &ss->answers[p];
				json_t *jan;

				if (an->updated_at == 0)
					continue;
				jan = json_object();
				json_object_set_new(jan, "page",
				    json_string(ms->pages[p].title));
				json_object_set_new(jan, "kind", json_string(
				    mod_page_kind_name(ms->pages[p].kind)));
				json_object_set_new(jan, "answer", an->body ?
				    json_string(an->body) : json_null());
				if (an->ref_id)
					json_object_set_new(jan, "ref",
					    json_integer(an->ref_id));
				json_object_set_new(jan, "at",
				    json_integer(an->updated_at));
				json_array_append_new(ja, jan);
			}
			json_object_set_new(jsn, "answers", ja);
			json_array_append_new(js, jsn);
		}
		json_object_set_new(jr, "sessions", js);
		json_array_append_new(arr, jr);
	}
	json_to_buf(arr, out);
out:
	json_decref(arr);
	arena_release(&a);
	return rc;
}
