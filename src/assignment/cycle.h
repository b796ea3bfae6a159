/*
 * cycle.h - the learning cycle per learning question: experiment (an
 * assignment, assignment.h) -> practice report -> reflection ->
 * conclusion -> the next experiment (an assignment linked to the one
 * before, prev_id), shown as a timeline, until the professional or the
 * client marks the question answered.
 *
 * Seed 000: "reflect online on this experience, draw conclusions and move
 * on to a new experiment".  The client writes the report, reflection and
 * conclusion of an experiment, in that order, one of each, once the
 * experiment was handed in.  They are sealed and every read is logged
 * (kind "cycle-step").
 *
 * Tables: cycle_steps, question_answered.
 */
#ifndef INFUUS_ASG_CYCLE_H
#define INFUUS_ASG_CYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "assignment/assignment.h"

enum cycle_kind { CYCLE_REPORT, CYCLE_REFLECTION, CYCLE_CONCLUSION };
#define CYCLE_NKINDS (CYCLE_CONCLUSION + 1)
const char *cycle_kind_name(int k);  /* "report", "reflection", ... */
int cycle_kind_parse(const char *s, enum cycle_kind *out);

/*
 * The client adds a step to the cycle of the experiment `assignment_id`.
 * Errors with a reason in why: ERR_INVAL (empty), ERR_TOOBIG
 * (LIMIT_ASG_STEP), ERR_CONFLICT (out of order: a report before the
 * experiment was handed in, a reflection before the report, a conclusion
 * before the reflection, or a second one of a kind); ERR_FORBIDDEN for
 * anyone but the client.
 */
int cycle_step_add(const struct asg_env *env, int64_t assignment_id,
    int64_t user_id, enum cycle_kind kind, struct str text, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *id);

/* Mark a learning question of traj_id answered (or not any more); anyone
 * who takes part.  ERR_INVAL (with a reason) for a question of another
 * trajectory. */
int cycle_mark_answered(const struct asg_env *env, int64_t traj_id,
    int64_t question_id, int64_t user_id, bool answered, time_t now,
    const struct audit_event *ev, struct why *why);

struct cycle_step {
	int64_t id;
	int64_t assignment_id;
	enum cycle_kind kind;
	const char *body;        /* opened */
	int64_t created_at;
};

/* A learning question's cycle: its experiments (assignments, oldest
 * first, each linked to the one before) and their steps. */
struct cycle_question {
	int64_t question_id;
	int64_t answered_at;     /* 0: not (yet) answered */
	struct assignment *exps;
	size_t nexps;
	struct cycle_step *steps;  /* oldest first */
	size_t nsteps;
};

/* The cycles of every learning question of traj_id that has one (or is
 * answered), in question order; the assignments as asg_list gives them
 * and the steps opened after one audit entry (R, kind "cycle-step",
 * detail "timeline"). */
int cycle_timeline(const struct asg_env *env, int64_t traj_id,
    int64_t viewer_id, time_t now, const struct audit_event *ev,
    struct arena *a, struct cycle_question **out, size_t *n);

/* A trajectory's steps for the export (E, kind "cycle-step"). */
int cycle_export(const struct asg_env *env, int64_t traj_id,
    const struct audit_event *ev, struct arena *a, struct cycle_step **out,
    size_t *n);

#endif
