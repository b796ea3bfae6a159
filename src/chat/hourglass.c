/*
 * hourglass.c - the timer both parties see (seed 000: "hourglasses or
 * other stopwatches that show both parties how much time has been
 * used").  Owns the table hourglasses.
 *
 * A professional of the trajectory starts it with a budget, pauses,
 * resumes and stops it; stopping records the time used as an activity
 * (activity.h), which a correction may change later while the original
 * stays.  The state lives in the database, not in a node's memory, so
 * every node and a reload show the same; each change is an event "timer"
 * ({id, state, used, budget}) and pages count the seconds themselves.
 */
#include "chat/chat.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "activity/activity.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "event/event.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static enum hourglass_state
state_parse(struct str s)
{
	if (str_eqc(s, "running"))
		return HG_RUNNING;
	if (str_eqc(s, "paused"))
		return HG_PAUSED;
	return HG_STOPPED;
}

static const char *
state_name(enum hourglass_state s)
{
	return s == HG_RUNNING ? "running" : s == HG_PAUSED ? "paused" :
	    s == HG_STOPPED ? "stopped" : "none";
}

/* The newest hourglass of traj_id on c; its run_since in *since. */
static int
get_on(struct db_conn *c, int64_t traj_id, int64_t now, struct hourglass *h,
    int64_t *since)
{
	struct db_stmt *st;
	int rc;

	memset(h, 0, sizeof(*h));
	*since = 0;
	if ((rc = db_prepare(c, "SELECT id, state, budget_secs, used_secs, "
	    "run_since, started_at, activity_id FROM hourglasses WHERE "
	    "trajectory_id = ? ORDER BY id DESC LIMIT 1", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	if ((rc = db_step(st)) == DB_ROW) {
		h->id = db_col_i64(st, 0);
		h->state = state_parse(db_col_text(st, 1));
		h->budget = db_col_i64(st, 2);
		h->used = db_col_i64(st, 3);
		*since = db_col_null(st, 4) ? 0 : db_col_i64(st, 4);
		h->started_at = db_col_i64(st, 5);
		h->activity_id = db_col_null(st, 6) ? 0 : db_col_i64(st, 6);
		if (h->state == HG_RUNNING && now > *since)
			h->used += now - *since;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int
hourglass_get(struct db *db, int64_t traj_id, int64_t now,
    struct hourglass *out)
{
	struct db_conn *c;
	int64_t since;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = get_on(c, traj_id, now ? now : (int64_t)time(NULL), out, &since);
	db_read_end(db, c);
	return rc;
}

struct act_job {
	int64_t traj_id, by, minutes, now;
	const char *action;
	const struct audit_event *ev;
	struct why *why;
	struct hourglass h;
};

static int
act_run(struct db_conn *c, void *arg)
{
	struct act_job *j = arg;
	struct traj_head th;
	struct hourglass *h = &j->h;
	struct audit_event ev;
	struct activity a;
	struct db_stmt *st;
	enum role part;
	int64_t since;
	int rc;

	if ((rc = traj_head_on(c, j->traj_id, &th)) != 0 ||
	    (rc = traj_role_on(c, j->traj_id, j->by, &part)) != 0)
		return rc;
	if (part != ROLE_PROFESSIONAL || th.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	if ((rc = get_on(c, j->traj_id, j->now, h, &since)) != 0)
		return rc;
	if (strcmp(j->action, "start") == 0) {
		if (h->state == HG_RUNNING || h->state == HG_PAUSED)
			return why_set(j->why, ERR_CONFLICT, "action",
			    N_("The hourglass is already running. Stop it before starting a new one."));
		if (j->minutes < 1 || j->minutes > LIMIT_HOURGLASS_MINUTES) {
			rc = why_set(j->why, ERR_INVAL, "minutes",
			    N_("Give the agreed time in minutes, from 1 to %d."));
			if (j->why)
				j->why->limit = LIMIT_HOURGLASS_MINUTES;
			return rc;
		}
		if ((rc = db_prepare(c, "INSERT INTO hourglasses "
		    "(trajectory_id, budget_secs, state, used_secs, run_since, "
		    "started_by, started_at) VALUES (?, ?, 'running', 0, ?, ?, "
		    "?) RETURNING id", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->traj_id);
		db_bind_i64(st, 2, j->minutes * 60);
		db_bind_i64(st, 3, j->now);
		db_bind_i64(st, 4, j->by);
		db_bind_i64(st, 5, j->now);
		memset(h, 0, sizeof(*h));
		if ((rc = db_step_id(st, &h->id)) != 0)
			return rc;
		h->state = HG_RUNNING;
		h->budget = j->minutes * 60;
		h->started_at = j->now;
	} else if (strcmp(j->action, "pause") == 0 ||
	    strcmp(j->action, "resume") == 0) {
		bool pause = j->action[0] == 'p';

		if (h->state != (pause ? HG_RUNNING : HG_PAUSED))
			return why_set(j->why, ERR_CONFLICT, "action", pause ?
			    N_("The hourglass is not running.") :
			    N_("The hourglass is not paused."));
		if ((rc = db_prepare(c, "UPDATE hourglasses SET state = ?, "
		    "used_secs = ?, run_since = ? WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_textz(st, 1, pause ? "paused" : "running");
		db_bind_i64(st, 2, h->used);
		if (pause)
			db_bind_null(st, 3);
		else
			db_bind_i64(st, 3, j->now);
		db_bind_i64(st, 4, h->id);
		if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
			return rc;
		h->state = pause ? HG_PAUSED : HG_RUNNING;
	} else if (strcmp(j->action, "stop") == 0) {
		if (h->state != HG_RUNNING && h->state != HG_PAUSED)
			return why_set(j->why, ERR_CONFLICT, "action",
			    N_("The hourglass is not running."));
		memset(&a, 0, sizeof(a));
		a.org_id = th.org_id;
		a.traj_id = j->traj_id;
		a.user_id = j->by;
		a.kind = "hourglass";
		a.source_id = h->id;
		a.started_at = h->started_at;
		a.seconds = h->used;
		a.recorded_by = j->by;
		a.recorded_at = j->now;
		if ((rc = activity_record_on(c, &a, &h->activity_id)) != 0)
			return rc;
		if ((rc = db_prepare(c, "UPDATE hourglasses SET state = "
		    "'stopped', used_secs = ?, run_since = NULL, stopped_at = "
		    "?, activity_id = ? WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, h->used);
		db_bind_i64(st, 2, j->now);
		db_bind_i64(st, 3, h->activity_id);
		db_bind_i64(st, 4, h->id);
		if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
			return rc;
		h->state = HG_STOPPED;
	} else {
		return why_set(j->why, ERR_INVAL, "action",
		    N_("Choose start, pause, resume or stop."));
	}
	ev = audit_event_from(j->ev, th.org_id, AUDIT_UPDATE, "hourglass",
	    j->action, th.client_id, h->id);
	return audit_append(c, &ev);
}

int
hourglass_act(const struct chat_env *env, int64_t traj_id, int64_t by,
    const char *action, int64_t minutes, int64_t now,
    const struct audit_event *ev, struct why *why, struct hourglass *out)
{
	struct act_job j;
	char data[160];
	int rc;

	memset(&j, 0, sizeof(j));
	j.traj_id = traj_id;
	j.by = by;
	j.minutes = minutes;
	j.now = now ? now : (int64_t)time(NULL);
	j.action = action ? action : "";
	j.ev = ev;
	j.why = why;
	if ((rc = db_write(env->db, act_run, &j)) != 0)
		return rc;
	if (out)
		*out = j.h;
	snprintf(data, sizeof(data), "{\"id\":%lld,\"state\":\"%s\","
	    "\"used\":%lld,\"budget\":%lld}", (long long)j.h.id,
	    state_name(j.h.state), (long long)j.h.used,
	    (long long)j.h.budget);
	(void)event_publish(env->bus, EVENT_SCOPE_TRAJ, traj_id, 0, "timer",
	    data);
	return 0;
}
