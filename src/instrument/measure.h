/*
 * measure.h - questionnaires in a trajectory: the organisation's library
 * of instrument versions, questionnaires given to a trajectory with their
 * schedule, the client's answers (saved and resumed) and the results.
 *
 * Tables (050_measures.sql): instrument_versions, questionnaires,
 * questionnaire_appt_taken (081) and
 * questionnaire_responses; no other module touches them.  Answers and
 * scores are sealed with the organisation's key; every access to them is
 * in the access log (kind "questionnaire").
 */
#ifndef INFUUS_MEASURE_H
#define INFUUS_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "instrument/instrument.h"

struct db;
struct db_conn;
struct keyring;
struct audit_event;

struct measure_env {
	struct db *db;
	struct keyring *kr;
};

enum measure_schedule {
	MEASURE_ONCE,        /* once */
	MEASURE_EVERY,       /* every N days after the last completion */
	MEASURE_PHASE,       /* due again at each phase change */
	MEASURE_APPOINTMENT, /* due when measure_appointment_on is called */
	MEASURE_BEFORE,      /* due N hours before each appointment */
	MEASURE_AFTER,       /* due N hours after each appointment's end */
};
const char *measure_schedule_name(enum measure_schedule s);
int measure_schedule_parse(const char *s, enum measure_schedule *out);

/* --- the library -------------------------------------------------------- */

struct measure_version {
	int64_t id;
	int64_t org_id;
	const char *name;      /* the file's id */
	int64_t version_no;    /* 1, 2, ... per name in the organisation */
	bool shipped;
	const char *body;      /* the file's text */
	size_t body_len;
	int64_t created_at;
};

/* Store text as the next version of its instrument in org_id (origin
 * "own", or "shipped" for a file of share/instruments).  The text must
 * parse: ERR_INVAL/ERR_TOOBIG with e filled.  A shipped text identical
 * to the newest version of its name is not stored again: *id gets that
 * version. */
int measure_version_add(const struct measure_env *env, int64_t org_id,
    int64_t actor_id, struct str text, bool shipped,
    const struct audit_event *ev, int64_t *id, struct instr_error *e);
/* measure_version_add on the caller's write job c (an import that takes
 * a shipped instrument in with what it stores, or nothing). */
int measure_version_add_on(struct db_conn *c, int64_t org_id,
    int64_t actor_id, struct str text, bool shipped,
    const struct audit_event *ev, int64_t *id, struct instr_error *e);
/* Whether org_id's library holds a version of name, read on c. */
int measure_has_on(struct db_conn *c, int64_t org_id, const char *name,
    bool *has);
/* The newest version of every instrument of org_id, by name. */
int measure_library(struct db *db, int64_t org_id, struct arena *a,
    struct measure_version **out, int *n);
/* Every version of one name, newest first. */
int measure_versions(struct db *db, int64_t org_id, const char *name,
    struct arena *a, struct measure_version **out, int *n);
int measure_version_get(struct db *db, int64_t id, struct arena *a,
    struct measure_version *out);
/* For authz: the organisation of a version (ERR_NOTFOUND: none). */
int measure_version_org_on(struct db_conn *c, int64_t id, int64_t *org_id);

/* --- questionnaires in a trajectory ------------------------------------- */

struct measure_q {
	int64_t id;
	int64_t traj_id;
	int64_t version_id;
	enum measure_schedule schedule;
	int every_days;
	int appt_hours;        /* MEASURE_BEFORE/AFTER: the N hours */
	int64_t due_at;        /* 0: not due */
	int64_t created_at;
	const char *name;      /* of the version */
	int64_t version_no;
	const char *title_nl, *title_en;
	bool open;             /* a filling-in is under way */
	int completed;         /* completed fillings-in */
};

/* Give version_id (of the trajectory's organisation) to traj_id; due now,
 * except MEASURE_BEFORE/AFTER: due at the first appointment's moment.
 * every_days is the N of the schedule: days for MEASURE_EVERY, hours for
 * MEASURE_BEFORE/AFTER.  ERR_INVAL (w: "every" needs 1..366 days,
 * "hours" 1..LIMIT_MEASURE_APPT_HOURS), ERR_NOTFOUND (version of another
 * organisation). */
int measure_assign(const struct measure_env *env, int64_t traj_id,
    int64_t version_id, enum measure_schedule s, int every_days,
    int64_t actor_id, const struct audit_event *ev, int64_t *qid,
    struct why *w);
int measure_list(struct db *db, int64_t traj_id, struct arena *a,
    struct measure_q **out, int *n);
int measure_get(struct db *db, int64_t qid, struct arena *a,
    struct measure_q *out);
/* For authz: a questionnaire's trajectory. */
int measure_q_traj_on(struct db_conn *c, int64_t qid, int64_t *traj_id);

/* Hooks of the schedule: the trajectory's phase changed (called inside
 * its write job), and an appointment begins or ended (for the blended
 * practice issue: call inside the appointment's write job).  Each makes
 * the trajectory's questionnaires of that schedule due at now. */
int measure_phase_changed_on(struct db_conn *c, int64_t traj_id, int64_t now);
int measure_appointment_on(struct db_conn *c, int64_t traj_id, int64_t now);

/* Content-free reminders: first the questionnaires N hours before or
 * after each appointment whose moment has come since the last pass
 * become due (the appointments through the appointment module's
 * appt_window_on: booked ones only, so a cancelled one causes nothing;
 * each moment is taken once).  Then for every questionnaire that became
 * due and has not been reminded of, a notifications row for the
 * trajectory's client (the outbox mails that there is something new,
 * never what).  Closed trajectories are skipped.  Run before each outbox
 * batch. */
int measure_remind(struct db *db, int64_t now);

/* --- answers ------------------------------------------------------------ */

/* The open filling-in's answers (all unanswered when none is open). */
int measure_answers_get(const struct measure_env *env, int64_t qid,
    const struct instrument *ins, struct instr_answers *out);

/*
 * Save answers to questionnaire qid: the items in given (values in a) are
 * merged into the open filling-in (a new one is started when none is).
 * version_id is the version the form showed; finish completes it when no
 * required item is unanswered, scoring it and making an "every N days"
 * questionnaire due again after N days.  Errors with their reason in w:
 * ERR_CONFLICT (the form was of another version), ERR_INVAL (an answer
 * off the scale, "rather not answer" where not allowed, finishing with
 * unanswered items: w->limit is their number).  *done: completed.
 */
int measure_answer(const struct measure_env *env, int64_t qid,
    int64_t version_id, const struct instrument *ins,
    const struct instr_answers *a, const bool *given, bool finish,
    const struct audit_event *ev, bool *done, struct why *w);

struct measure_result {
	int64_t id;
	int64_t completed_at;
	int64_t version_id;
	double value[LIMIT_INSTRUMENT_SCORES];
	bool ok[LIMIT_INSTRUMENT_SCORES];
};

/* Completed results of qid, oldest first: at most limit of them, skipping
 * the offset newest; *total: how many there are.  The read is logged
 * first (kind "questionnaire"; an export when ev's action is one). */
int measure_results(const struct measure_env *env, int64_t qid,
    const struct instrument *ins, const struct audit_event *ev, int limit,
    int offset, struct arena *a, struct measure_result **out, int *n,
    int64_t *total);

/* For the client's export: every filling-in of traj_id with its answers
 * and scores, as the JSON member "questionnaires": [...], opened on c. */
int measure_export_json(const struct measure_env *env, struct db_conn *c,
    int64_t org_id, int64_t traj_id, struct buf *out);

#endif
