/*
 * call.c - calls of a trajectory and their waiting room (call.h).  Owns
 * calls and call_parts.
 *
 * Every change is one write job that reads the trajectory's head and the
 * person's part in it again (the trajectory may have closed, a
 * professional left it), applies the timeouts found as of now, changes
 * the rows, appends its access-log entries and, when the call ends,
 * records everyone's time (activity.h).  The events go out after the
 * commit, so a page that looks finds what the event says.
 */
#include "call/call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "activity/activity.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/json.h"
#include "core/limits.h"
#include "event/event.h"
#include "identity/identity.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static const char *const states[] = { "none", "waiting", "in", "left" };

const char *
call_state_name(enum call_state s)
{
	return (size_t)s < sizeof(states) / sizeof(states[0]) ? states[s] :
	    "?";
}

static enum call_state
state_parse(struct str s)
{
	size_t i;

	for (i = 1; i < sizeof(states) / sizeof(states[0]); i++)
		if (s.len == strlen(states[i]) &&
		    memcmp(s.p, states[i], s.len) == 0)
			return (enum call_state)i;
	return CALL_NONE;
}

static int64_t
now_or(int64_t now)
{
	return now ? now : (int64_t)time(NULL);
}

int
call_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id)
{
	return db_query_i64(c, "SELECT trajectory_id FROM calls WHERE id = ?",
	    traj_id, 1, &id);
}

int
call_open_of(struct db *db, int64_t traj_id, int64_t *id)
{
	struct db_conn *c;
	int rc;

	*id = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = db_query_i64(c, "SELECT MAX(id) FROM calls WHERE trajectory_id "
	    "= ? AND ended_at IS NULL", id, 1, &traj_id);
	db_read_end(db, c);
	if (rc == ERR_NOTFOUND)
		rc = 0;
	return rc;
}

/* --- what a job changes, told after the commit ----------------------- */

struct told {
	int64_t user;
	enum call_state state;
};

struct job {
	int64_t call, traj, user, other, now;
	bool video, started, ended, resumed;
	const char *type;
	const struct audit_event *ev;
	struct why *why;
	enum call_state state;
	struct told told[LIMIT_CALL_PARTICIPANTS * 2 + 2];
	size_t ntold;
	/* read in the job */
	struct traj_head head;
	enum role part;
	int64_t started_at, ended_at;
	int64_t swept_at;       /* the latest of the timeouts sweep_on found */
};

static void
tell(struct job *j, int64_t user, enum call_state s)
{
	if (j->ntold < sizeof(j->told) / sizeof(j->told[0])) {
		j->told[j->ntold].user = user;
		j->told[j->ntold++].state = s;
	}
}

static void
publish(const struct call_env *env, const struct job *j)
{
	char data[128];
	size_t i;

	for (i = 0; i < j->ntold; i++) {
		snprintf(data, sizeof(data), "{\"call\":%lld,\"user\":%lld,"
		    "\"state\":\"%s\"}", (long long)j->call,
		    (long long)j->told[i].user,
		    call_state_name(j->told[i].state));
		(void)event_publish(env->bus, EVENT_SCOPE_TRAJ, j->traj, 0,
		    "call", data);
	}
	if (j->ended) {
		snprintf(data, sizeof(data), "{\"call\":%lld,\"state\":"
		    "\"ended\"}", (long long)j->call);
		(void)event_publish(env->bus, EVENT_SCOPE_TRAJ, j->traj, 0,
		    "call", data);
	}
}

/* A job on call id by user at now (0: the clock) with its audit entry. */
static void
job_init(struct job *j, int64_t id, int64_t user, int64_t now,
    const struct audit_event *ev, struct why *why)
{
	memset(j, 0, sizeof(*j));
	j->call = id;
	j->user = user;
	j->now = now_or(now);
	j->ev = ev;
	j->why = why;
}

/* Run the job in one write and tell the call's streams what changed. */
static int
job_run(const struct call_env *env, int (*run)(struct db_conn *, void *),
    struct job *j)
{
	int rc;

	if ((rc = db_write(env->db, run, j)) != 0)
		return rc;
	publish(env, j);
	return 0;
}

static int
log_on(struct db_conn *c, struct job *j, enum audit_action act,
    const char *detail)
{
	struct audit_event ev;

	if (j->ev == NULL)
		return 0;
	ev = audit_event_from(j->ev, j->head.org_id, act, "call", detail,
	    j->head.client_id, j->call);
	return audit_append(c, &ev);
}

/* The call's trajectory, its head and user's part in it; ERR_GONE for
 * an ended call unless ended_ok. */
static int
load_on(struct db_conn *c, struct job *j, bool ended_ok)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT trajectory_id, started_at, ended_at "
	    "FROM calls WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->call);
	if ((rc = db_step(st)) == DB_ROW) {
		j->traj = db_col_i64(st, 0);
		j->started_at = db_col_i64(st, 1);
		j->ended_at = db_col_null(st, 2) ? 0 : db_col_i64(st, 2);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return ERR_NOTFOUND;
	if ((rc = traj_head_on(c, j->traj, &j->head)) != 0 ||
	    (rc = traj_role_on(c, j->traj, j->user, &j->part)) != 0)
		return rc;
	if (j->part == 0)
		return ERR_FORBIDDEN;
	if (j->ended_at != 0 && !ended_ok)
		return ERR_GONE;
	return 0;
}

/* user's state in the call (CALL_NONE: never joined). */
static int
part_state_on(struct db_conn *c, int64_t call, int64_t user,
    enum call_state *out)
{
	struct db_stmt *st;
	int rc;

	*out = CALL_NONE;
	if ((rc = db_prepare(c, "SELECT state FROM call_parts WHERE call_id "
	    "= ? AND user_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, call);
	db_bind_i64(st, 2, user);
	if ((rc = db_step(st)) == DB_ROW)
		*out = state_parse(db_col_text(st, 0));
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The job's user's own row of the call, stamped at the job's now: sql's
 * parameters are now, the call and the user, in that order. */
static int
own_part_on(struct db_conn *c, const struct job *j, const char *sql)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, sql, &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->call);
	db_bind_i64(st, 3, j->user);
	return db_run(st);
}

/* user leaves at `at`: their time in is added up. */
static int
leave_on(struct db_conn *c, int64_t call, int64_t user, int64_t at)
{
	struct db_stmt *st;

	if (db_prepare(c, "UPDATE call_parts SET seconds = seconds + CASE "
	    "WHEN state = 'in' AND since IS NOT NULL AND ? > since THEN ? - "
	    "since ELSE 0 END, state = 'left', since = NULL WHERE call_id = ? "
	    "AND user_id = ? AND state <> 'left'", &st) != 0)
		return ERR_DB;
	db_bind_i64(st, 1, at);
	db_bind_i64(st, 2, at);
	db_bind_i64(st, 3, call);
	db_bind_i64(st, 4, user);
	return db_step_one(st, ERR_CONFLICT);
}

/* End the call as of `at` (its last professional's last moment, or
 * now): everyone still there leaves, and each participant's time is
 * recorded as an activity of kind "call", by j->user. */
static int
end_on(struct db_conn *c, struct job *j, int64_t at)
{
	struct activity a;
	struct db_stmt *st;
	int64_t users[16], secs[16], last = 0;
	size_t n, i;
	int64_t id;
	int rc;

	if ((rc = db_prepare(c, "UPDATE call_parts SET seconds = seconds + "
	    "CASE WHEN state = 'in' AND since IS NOT NULL AND ? > since THEN "
	    "? - since ELSE 0 END, state = 'left', since = NULL WHERE call_id "
	    "= ? AND state <> 'left'", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, at);
	db_bind_i64(st, 2, at);
	db_bind_i64(st, 3, j->call);
	if ((rc = db_run(st)) != 0)
		return rc;
	if ((rc = db_prepare(c, "UPDATE calls SET ended_at = ?, ended_by = ? "
	    "WHERE id = ? AND ended_at IS NULL", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, at);
	db_bind_i64(st, 2, j->user);
	db_bind_i64(st, 3, j->call);
	if ((rc = db_step_one(st, ERR_GONE)) != 0)
		return rc;
	memset(&a, 0, sizeof(a));
	a.org_id = j->head.org_id;
	a.traj_id = j->traj;
	a.kind = "call";
	a.source_id = j->call;
	a.started_at = j->started_at;
	a.recorded_by = j->user;
	a.recorded_at = j->now;
	/* Everyone who was ever in, however many came and went: by pages
	 * of user ids, each recorded before the next page is read. */
	do {
		n = 0;
		if ((rc = db_prepare(c, "SELECT user_id, seconds FROM "
		    "call_parts WHERE call_id = ? AND seconds > 0 AND user_id "
		    "> ? ORDER BY user_id LIMIT 16", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->call);
		db_bind_i64(st, 2, last);
		while ((rc = db_step(st)) == DB_ROW &&
		    n < sizeof(users) / sizeof(users[0])) {
			users[n] = db_col_i64(st, 0);
			secs[n++] = db_col_i64(st, 1);
		}
		db_done(st);
		if (rc < 0)
			return rc;
		for (i = 0; i < n; i++) {
			a.user_id = last = users[i];
			a.seconds = secs[i];
			if ((rc = activity_record_on(c, &a, &id)) != 0)
				return rc;
		}
	} while (n == sizeof(users) / sizeof(users[0]));
	j->ended = true;
	return log_on(c, j, AUDIT_UPDATE, "end");
}

/* Participants (in or waiting) not heard of since LIMIT_CALL_TIMEOUT
 * have left, as of when they were last heard of; the call ends when
 * nobody is left in it or waiting. */
static int
sweep_on(struct db_conn *c, struct job *j)
{
	struct db_stmt *st;
	/* At most LIMIT_CALL_PARTICIPANTS are in or waiting (join counts
	 * them in its job); any more would be found at the next look. */
	int64_t users[LIMIT_CALL_PARTICIPANTS * 2];
	int64_t seen[LIMIT_CALL_PARTICIPANTS * 2];
	char detail[48];
	size_t n = 0, i;
	int rc;

	if ((rc = db_prepare(c, "SELECT user_id, seen_at FROM call_parts "
	    "WHERE call_id = ? AND state <> 'left' AND seen_at < ? ORDER BY "
	    "user_id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->call);
	db_bind_i64(st, 2, j->now - LIMIT_CALL_TIMEOUT);
	while ((rc = db_step(st)) == DB_ROW &&
	    n < sizeof(users) / sizeof(users[0])) {
		users[n] = db_col_i64(st, 0);
		seen[n++] = db_col_i64(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = leave_on(c, j->call, users[i], seen[i])) != 0)
			return rc;
		snprintf(detail, sizeof(detail), "timeout-%lld",
		    (long long)users[i]);
		if ((rc = log_on(c, j, AUDIT_UPDATE, detail)) != 0)
			return rc;
		tell(j, users[i], CALL_LEFT);
		if (seen[i] > j->swept_at)
			j->swept_at = seen[i];
	}
	return 0;
}

/* The later of a (a leave just now; 0: none) and b (a closed page's
 * time), else now: when a call that is over ended. */
static int64_t
ended_as_of(const struct job *j, int64_t a, int64_t b)
{
	if (a == 0 && b == 0)
		return j->now;
	return a > b ? a : b;
}

/*
 * Ends the call when nobody is in it or waiting any more, or when no
 * professional is in it any more after one was: a client can let nobody
 * in, and a call's time is care time.  A page closed less than
 * LIMIT_CALL_RESUME ago may still come back (its reload): until then
 * the call waits for it; afterwards it ended as of that moment.  at: the
 * time of a leave this job found (0: none).
 */
static int
end_if_done_on(struct db_conn *c, struct job *j, int64_t at)
{
	struct db_stmt *st;
	/* Everyone who ever took part: the trajectory's people, as a rule
	 * (read_call's bound); any more are not asked about their role. */
	int64_t users[LIMIT_TRAJ_PROFESSIONALS + 1];
	int64_t unload[LIMIT_TRAJ_PROFESSIONALS + 1];
	enum call_state state[LIMIT_TRAJ_PROFESSIONALS + 1];
	int64_t back = 0, back_pro = 0;
	size_t n = 0, open = 0, i;
	bool pro_in = false, pro_was = false;
	enum role part;
	int rc;

	if ((rc = db_prepare(c, "SELECT user_id, state, unload_at FROM "
	    "call_parts WHERE call_id = ? ORDER BY user_id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->call);
	while ((rc = db_step(st)) == DB_ROW &&
	    n < sizeof(users) / sizeof(users[0])) {
		users[n] = db_col_i64(st, 0);
		state[n] = state_parse(db_col_text(st, 1));
		unload[n] = db_col_null(st, 2) ? 0 : db_col_i64(st, 2);
		if (state[n] != CALL_LEFT)
			open++;
		else if (unload[n] > back)
			back = unload[n];
		n++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (open == 0) {
		if (back >= j->now - LIMIT_CALL_RESUME)
			return 0;
		return end_on(c, j, ended_as_of(j, at, back));
	}
	for (i = 0; i < n && !pro_in; i++) {
		if ((rc = traj_role_on(c, j->traj, users[i], &part)) != 0)
			return rc;
		if (part != ROLE_PROFESSIONAL)
			continue;
		if (state[i] == CALL_IN)
			pro_in = true;
		else if (state[i] == CALL_LEFT) {
			pro_was = true;
			if (unload[i] > back_pro)
				back_pro = unload[i];
		}
	}
	if (pro_in || !pro_was || back_pro >= j->now - LIMIT_CALL_RESUME)
		return 0;
	return end_on(c, j, ended_as_of(j, at, back_pro));
}

/* --- starting and joining -------------------------------------------- */

static int
start_run(struct db_conn *c, void *arg)
{
	struct job *j = arg;
	struct db_stmt *st;
	int64_t open = 0;
	int rc;

	if ((rc = traj_head_on(c, j->traj, &j->head)) != 0 ||
	    (rc = traj_role_on(c, j->traj, j->user, &j->part)) != 0)
		return rc;
	if (j->part == 0 || j->head.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	rc = db_query_i64(c, "SELECT MAX(id) FROM calls WHERE trajectory_id "
	    "= ? AND ended_at IS NULL", &open, 1, &j->traj);
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	if (open > 0) {
		j->call = open;
		return 0;
	}
	if ((rc = db_prepare(c, "INSERT INTO calls (trajectory_id, video, "
	    "started_by, started_at) VALUES (?, ?, ?, ?) RETURNING id",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->traj);
	db_bind_i64(st, 2, j->video ? 1 : 0);
	db_bind_i64(st, 3, j->user);
	db_bind_i64(st, 4, j->now);
	if ((rc = db_step_id(st, &j->call)) != 0)
		return rc;
	j->started = true;
	return log_on(c, j, AUDIT_CREATE, j->video ? "start-video" :
	    "start-voice");
}

int
call_start(const struct call_env *env, int64_t traj_id, int64_t by,
    bool video, int64_t now, const struct audit_event *ev, int64_t *id,
    bool *started)
{
	struct job j;
	int rc;

	*id = 0;
	memset(&j, 0, sizeof(j));
	j.traj = traj_id;
	j.user = by;
	j.video = video;
	j.now = now_or(now);
	j.ev = ev;
	if ((rc = db_write(env->db, start_run, &j)) != 0)
		return rc;
	*id = j.call;
	if (started)
		*started = j.started;
	return 0;
}

/* Someone whose page went away while in the call, back within
 * LIMIT_CALL_RESUME (its reload): in again at once. */
static int
resumes_on(struct db_conn *c, struct job *j)
{
	int64_t at = 0, args[2] = { j->call, j->user };
	int rc;

	rc = db_query_i64(c, "SELECT unload_at FROM call_parts WHERE call_id "
	    "= ? AND user_id = ? AND unload_at IS NOT NULL AND unload_in = 1",
	    &at, 2, args);
	if (rc == ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (at >= j->now - LIMIT_CALL_RESUME) {
		j->state = CALL_IN;
		j->resumed = true;
	}
	return 0;
}

static int
join_run(struct db_conn *c, void *arg)
{
	struct job *j = arg;
	struct db_stmt *st;
	enum call_state now_state;
	int64_t count = 0;
	int rc;

	if ((rc = load_on(c, j, false)) != 0)
		return rc;
	if (j->head.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	if ((rc = sweep_on(c, j)) != 0)
		return rc;
	if ((rc = part_state_on(c, j->call, j->user, &now_state)) != 0)
		return rc;
	if (now_state == CALL_WAITING || now_state == CALL_IN) {
		/* A reload: the same place, heard of now. */
		j->state = now_state;
		if ((rc = own_part_on(c, j, "UPDATE call_parts SET seen_at = ? "
		    "WHERE call_id = ? AND user_id = ?")) != 0)
			return rc;
		tell(j, j->user, j->state);
		return 0;
	}
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM call_parts WHERE "
	    "call_id = ? AND state <> 'left'", &count, 1, &j->call)) != 0)
		return rc;
	if (count >= LIMIT_CALL_PARTICIPANTS) {
		rc = why_set(j->why, ERR_THROTTLED, "call",
		    N_("This call already has %d participants, the most a call can have."));
		if (j->why)
			j->why->limit = LIMIT_CALL_PARTICIPANTS;
		return rc;
	}
	j->state = j->part == ROLE_PROFESSIONAL ? CALL_IN : CALL_WAITING;
	if (now_state == CALL_LEFT && (rc = resumes_on(c, j)) != 0)
		return rc;
	if (now_state == CALL_NONE)
		rc = db_prepare(c, "INSERT INTO call_parts (state, since, "
		    "seen_at, joined_at, call_id, user_id) VALUES (?, ?, ?, ?, "
		    "?, ?)", &st);
	else
		rc = db_prepare(c, "UPDATE call_parts SET state = ?, since = ?, "
		    "seen_at = ?, joined_at = ?, unload_at = NULL, unload_in = 0 "
		    "WHERE call_id = ? AND user_id = ?", &st);
	if (rc != 0)
		return rc;
	db_bind_textz(st, 1, call_state_name(j->state));
	if (j->state == CALL_IN)
		db_bind_i64(st, 2, j->now);
	else
		db_bind_null(st, 2);
	db_bind_i64(st, 3, j->now);
	db_bind_i64(st, 4, j->now);
	db_bind_i64(st, 5, j->call);
	db_bind_i64(st, 6, j->user);
	if ((rc = db_run(st)) != 0)
		return rc;
	tell(j, j->user, j->state);
	return log_on(c, j, AUDIT_UPDATE, j->resumed ? "resume" :
	    j->state == CALL_IN ? "join" : "wait");
}

int
call_join(const struct call_env *env, int64_t id, int64_t user, int64_t now,
    const struct audit_event *ev, struct why *why, enum call_state *state)
{
	struct job j;
	int rc;

	job_init(&j, id, user, now, ev, why);
	if ((rc = job_run(env, join_run, &j)) == 0 && state)
		*state = j.state;
	return rc;
}

static int
admit_run(struct db_conn *c, void *arg)
{
	struct job *j = arg;
	struct db_stmt *st;
	enum call_state mine, theirs;
	char detail[48];
	int rc;

	if ((rc = load_on(c, j, false)) != 0)
		return rc;
	if ((rc = sweep_on(c, j)) != 0)
		return rc;
	if ((rc = part_state_on(c, j->call, j->user, &mine)) != 0 ||
	    (rc = part_state_on(c, j->call, j->other, &theirs)) != 0)
		return rc;
	if (j->part != ROLE_PROFESSIONAL || mine != CALL_IN)
		return why_set(j->why, ERR_FORBIDDEN, "call",
		    N_("Only a professional who is in the call can let someone in."));
	if (theirs != CALL_WAITING)
		return why_set(j->why, ERR_CONFLICT, "user",
		    N_("This person is not in the waiting room (any more)."));
	if ((rc = db_prepare(c, "UPDATE call_parts SET state = 'in', since = "
	    "? WHERE call_id = ? AND user_id = ? AND state = 'waiting'",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->call);
	db_bind_i64(st, 3, j->other);
	if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
		return rc;
	tell(j, j->other, CALL_IN);
	snprintf(detail, sizeof(detail), "admit-%lld", (long long)j->other);
	return log_on(c, j, AUDIT_UPDATE, detail);
}

int
call_admit(const struct call_env *env, int64_t id, int64_t by,
    int64_t user, int64_t now, const struct audit_event *ev,
    struct why *why)
{
	struct job j;

	job_init(&j, id, by, now, ev, why);
	j.other = user;
	return job_run(env, admit_run, &j);
}

/* --- leaving, ending, beating ---------------------------------------- */

static int
leave_run(struct db_conn *c, void *arg)
{
	struct job *j = arg;
	int rc;

	if ((rc = load_on(c, j, false)) != 0)
		return rc;
	/* The page went away: its reload may come back (resumes_on). */
	if (strcmp(j->type, "leave-unload") == 0) {
		if ((rc = own_part_on(c, j, "UPDATE call_parts SET unload_at = "
		    "?, unload_in = CASE WHEN state = 'in' THEN 1 ELSE 0 END "
		    "WHERE call_id = ? AND user_id = ? AND state <> 'left'"))
		    != 0)
			return rc;
	}
	if ((rc = leave_on(c, j->call, j->user, j->now)) != 0)
		return rc;
	tell(j, j->user, CALL_LEFT);
	if ((rc = log_on(c, j, AUDIT_UPDATE, j->type)) != 0)
		return rc;
	if ((rc = sweep_on(c, j)) != 0)
		return rc;
	return end_if_done_on(c, j, j->now);
}

/* type: "leave", or "leave-unload" for a page that went away. */
static int
leave(const struct call_env *env, int64_t id, int64_t user, int64_t now,
    const struct audit_event *ev, const char *type)
{
	struct job j;

	job_init(&j, id, user, now, ev, NULL);
	j.type = type;
	return job_run(env, leave_run, &j);
}

int
call_leave(const struct call_env *env, int64_t id, int64_t user,
    int64_t now, const struct audit_event *ev)
{
	return leave(env, id, user, now, ev, "leave");
}

int
call_unload(const struct call_env *env, int64_t id, int64_t user,
    int64_t now, const struct audit_event *ev)
{
	return leave(env, id, user, now, ev, "leave-unload");
}

static int
end_run(struct db_conn *c, void *arg)
{
	struct job *j = arg;
	int rc;

	if ((rc = load_on(c, j, false)) != 0)
		return rc;
	if (j->part != ROLE_PROFESSIONAL)
		return ERR_FORBIDDEN;
	return end_on(c, j, j->now);
}

int
call_end(const struct call_env *env, int64_t id, int64_t by, int64_t now,
    const struct audit_event *ev)
{
	struct job j;

	job_init(&j, id, by, now, ev, NULL);
	return job_run(env, end_run, &j);
}

static int
beat_run(struct db_conn *c, void *arg)
{
	struct job *j = arg;
	int rc;

	if ((rc = load_on(c, j, false)) != 0)
		return rc;
	if ((rc = own_part_on(c, j, "UPDATE call_parts SET seen_at = ? WHERE "
	    "call_id = ? AND user_id = ? AND state <> 'left'")) != 0)
		return rc;
	if ((rc = sweep_on(c, j)) != 0)
		return rc;
	if ((rc = part_state_on(c, j->call, j->user, &j->state)) != 0)
		return rc;
	/* Also a professional's closed page that did not come back. */
	return end_if_done_on(c, j, j->swept_at);
}

int
call_beat(const struct call_env *env, int64_t id, int64_t user, int64_t now,
    const struct audit_event *ev, enum call_state *state)
{
	struct job j;
	int rc;

	job_init(&j, id, user, now, ev, NULL);
	if ((rc = job_run(env, beat_run, &j)) != 0)
		return rc;
	if (state)
		*state = j.state;
	if (j.ended || (j.state != CALL_IN && j.state != CALL_WAITING))
		return ERR_GONE;
	return 0;
}

/* --- signalling ------------------------------------------------------ */

int
call_signal(const struct call_env *env, int64_t id, int64_t from,
    int64_t to, const char *type, const char *data, size_t len,
    int64_t now, struct why *why)
{
	struct job j;
	struct db_conn *c = NULL;
	enum call_state s_from, s_to;
	json_t *v = NULL;
	struct buf out = BUF_INIT;
	int rc;

	(void)now;
	if (type == NULL || (strcmp(type, "offer") != 0 &&
	    strcmp(type, "answer") != 0 && strcmp(type, "ice") != 0))
		return why_set(why, ERR_INVAL, "type",
		    N_("A signal is an offer, an answer or an ICE candidate."));
	if (len > LIMIT_CALL_SIGNAL) {
		rc = why_set(why, ERR_TOOBIG, "data",
		    N_("A signal can be at most %d bytes."));
		if (why)
			why->limit = LIMIT_CALL_SIGNAL;
		return rc;
	}
	if (data == NULL || json_parse((struct str){ data, len }, &v, NULL)
	    != 0 || !json_is_object(v)) {
		rc = why_set(why, ERR_INVAL, "data",
		    N_("A signal's data must be one JSON object."));
		goto out;
	}
	if (to <= 0 || to == from) {
		rc = why_set(why, ERR_INVAL, "to",
		    N_("Say to which other participant the signal goes."));
		goto out;
	}
	memset(&j, 0, sizeof(j));
	j.call = id;
	j.user = from;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = load_on(c, &j, false)) != 0 ||
	    (rc = part_state_on(c, id, from, &s_from)) != 0 ||
	    (rc = part_state_on(c, id, to, &s_to)) != 0)
		goto out;
	if (s_from != CALL_IN) {
		rc = why_set(why, ERR_FORBIDDEN, "call",
		    N_("You are not in this call (yet)."));
		goto out;
	}
	if (s_to != CALL_IN) {
		rc = why_set(why, ERR_CONFLICT, "to",
		    N_("That participant is not in the call."));
		goto out;
	}
	buf_printf(&out, "{\"call\":%lld,\"from\":%lld,\"type\":\"%s\","
	    "\"data\":", (long long)id, (long long)from, type);
	json_to_buf(v, &out);
	buf_addch(&out, '}');
	rc = event_publish(env->bus, EVENT_SCOPE_TRAJ, j.traj, to, "call_sig",
	    out.p);
	if (rc == ERR_TOOBIG || rc == ERR_INVAL) {
		rc = why_set(why, ERR_TOOBIG, "data",
		    N_("A signal can be at most %d bytes."));
		if (why)
			why->limit = LIMIT_CALL_SIGNAL;
	}
out:
	if (c != NULL)
		db_read_end(env->db, c);
	json_decref(v);
	buf_release(&out);
	return rc;
}

/* --- reading --------------------------------------------------------- */

static int
get_run(struct db_conn *c, void *arg)
{
	struct job *j = arg;
	int rc;

	if ((rc = load_on(c, j, true)) != 0 || j->ended_at != 0)
		return rc;
	if ((rc = sweep_on(c, j)) != 0)
		return rc;
	return end_if_done_on(c, j, j->swept_at);
}

/* Call id as stored, in one snapshot; *stale: participants not heard
 * of since LIMIT_CALL_TIMEOUT before now (of an open call). */
static int
read_call(const struct call_env *env, int64_t id, int64_t now,
    struct arena *a, struct call *out, size_t *stale)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	int64_t *ids = NULL;
	const char **names = NULL;
	enum role part;
	/* Those in or waiting first: a call's list for its page, with
	 * whoever left after (the trajectory's people at most, as a rule). */
	size_t cap = LIMIT_TRAJ_PROFESSIONALS + 1, i, open = 0;
	bool pro_in = false, pro_was = false;
	int rc;

	memset(out, 0, sizeof(*out));
	*stale = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT trajectory_id, video, started_by, "
	    "started_at, ended_at FROM calls WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		out->id = id;
		out->traj_id = db_col_i64(st, 0);
		out->video = db_col_i64(st, 1) != 0;
		out->started_by = db_col_i64(st, 2);
		out->started_at = db_col_i64(st, 3);
		out->ended_at = db_col_null(st, 4) ? 0 : db_col_i64(st, 4);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	if (rc != DB_ROW) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	out->parts = arena_calloc(a, cap, sizeof(*out->parts));
	if ((rc = db_prepare(c, "SELECT user_id, state, joined_at, since, "
	    "seconds, seen_at FROM call_parts WHERE call_id = ? ORDER BY CASE "
	    "WHEN state = 'left' THEN 1 ELSE 0 END, joined_at, user_id",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW && out->nparts < cap) {
		struct call_part *p = &out->parts[out->nparts++];

		p->user_id = db_col_i64(st, 0);
		p->state = state_parse(db_col_text(st, 1));
		p->joined_at = db_col_i64(st, 2);
		p->since = db_col_null(st, 3) ? 0 : db_col_i64(st, 3);
		p->seconds = db_col_i64(st, 4);
		if ((p->state == CALL_IN || p->state == CALL_WAITING) &&
		    db_col_i64(st, 5) < now - LIMIT_CALL_TIMEOUT)
			(*stale)++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (out->nparts == 0)
		goto out;
	ids = arena_calloc(a, out->nparts, sizeof(*ids));
	names = arena_calloc(a, out->nparts, sizeof(*names));
	for (i = 0; i < out->nparts; i++)
		ids[i] = out->parts[i].user_id;
	if ((rc = user_names_on(c, ids, out->nparts, a, names)) != 0)
		goto out;
	for (i = 0; i < out->nparts; i++) {
		out->parts[i].name = names[i] ? names[i] : "";
		if ((rc = traj_role_on(c, out->traj_id, ids[i], &part)) != 0)
			goto out;
		out->parts[i].professional = part == ROLE_PROFESSIONAL;
		if (out->parts[i].state == CALL_LEFT)
			pro_was |= out->parts[i].professional;
		else
			open++;
		if (out->parts[i].state == CALL_IN)
			pro_in |= out->parts[i].professional;
	}
	/* An open call nobody is in, or no professional any more: over,
	 * unless a closed page may still come back (end_if_done_on). */
	if (open == 0 || (pro_was && !pro_in))
		(*stale)++;
out:
	db_read_end(env->db, c);
	if (rc == 0 && out->ended_at != 0)
		*stale = 0;
	return rc;
}

int
call_get(const struct call_env *env, int64_t id, int64_t now,
    const struct audit_event *ev, struct arena *a, struct call *out)
{
	struct job j;
	size_t stale;
	int rc;

	now = now_or(now);
	if ((rc = read_call(env, id, now, a, out, &stale)) != 0 ||
	    stale == 0 || ev == NULL || ev->actor_id <= 0)
		return rc;
	/* Someone vanished: whoever looks applies the timeouts (one write
	 * job, logged as them), then looks again. */
	job_init(&j, id, ev->actor_id, now, ev, NULL);
	if ((rc = job_run(env, get_run, &j)) != 0)
		return rc;
	return read_call(env, id, now, a, out, &stale);
}

const struct call_part *
call_part_of(const struct call *c, int64_t user)
{
	size_t i;

	for (i = 0; i < c->nparts; i++)
		if (c->parts[i].user_id == user)
			return &c->parts[i];
	return NULL;
}
