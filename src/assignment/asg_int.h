/*
 * asg_int.h - what the files of src/assignment share: the head of an
 * assignment and the caller's part, sealing and opening.
 */
#ifndef INFUUS_ASG_INT_H
#define INFUUS_ASG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "assignment/assignment.h"
#include "audit/audit.h"

struct db_stmt;
struct traj_head;

/* An assignment's facts needed before a change, read on c. */
struct asg_head {
	int64_t id;
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	int64_t question_id;
	enum asg_state state;
	int64_t versions;
	bool closed;
};

int64_t asg_now_or(time_t now);
int asg_head_on(struct db_conn *c, int64_t id, struct asg_head *h);
/* Before a change of assignment id by user_id, in the write: its head,
 * when the trajectory is open and user_id is its client (want_client) or
 * else one of its staff; ERR_FORBIDDEN otherwise. */
int asg_change_head_on(struct db_conn *c, int64_t id, int64_t user_id,
    bool want_client, struct asg_head *h);
/* user_id's part in traj_id: ERR_FORBIDDEN when none; *client. */
int asg_part_on(struct db_conn *c, int64_t traj_id, int64_t user_id,
    bool *client);
/* Before a trajectory's assignments are read: its head and viewer_id's
 * part in it (as asg_part_on), in one snapshot of db. */
int asg_traj_viewer(struct db *db, int64_t traj_id, int64_t viewer_id,
    struct traj_head *th, bool *client);
/* The trajectory of a learning question (ERR_NOTFOUND). */
int asg_question_traj_on(struct db_conn *c, int64_t question_id,
    int64_t *traj_id);
/* A text field's fault as a reason (TEXT_* of core/text.h). */
int asg_text_why(int fault, struct why *why, const char *field,
    const char *missing, const char *too_long, int limit);
int asg_state_parse(struct str s);
/* An assignments row (ASG_COLUMNS) into *out; the title's box in *box. */
#define ASG_COLUMNS "a.id, a.trajectory_id, a.org_id, a.question_id, " \
	"a.template_id, a.title_box, a.work_form, a.tags, a.instrument, " \
	"a.due_at, a.state, a.offer_id, a.prev_id, a.created_at, " \
	"a.updated_at, (SELECT COUNT(*) FROM assignment_versions v " \
	"WHERE v.assignment_id = a.id)"
void asg_row(struct db_stmt *st, int64_t now, struct arena *a,
    struct assignment *out, struct str *box);
/* Load a trajectory's assignments (titles opened) on c; no audit. */
int asg_load_on(const struct asg_env *env, struct db_conn *c,
    int64_t traj_id, int64_t now, struct arena *a, struct assignment **out,
    size_t *n);

/* Shared with asg_queue.c (the queue, reminders and the export). */
int64_t asg_col_or_zero(struct db_stmt *st, int col);
/* A content-free notification for the client, through the outbox. */
int asg_notify_client(struct db_conn *c, int64_t traj_id, int64_t client_id,
    int64_t now);
/* One read in the access log, in a job of its own (log first, then
 * show). */
int asg_log_read(struct db *db, const struct audit_event *tmpl,
    enum audit_action act, const char *kind, const char *detail,
    int64_t org_id, int64_t client_id, int64_t object_id);
/* An assignment's versions, feedback and steps, and one assignment, on
 * c. */
int asg_load_detail(const struct asg_env *env, struct db_conn *c,
    bool client, struct arena *a, struct asg_view *v);
int asg_load_one(const struct asg_env *env, struct db_conn *c, int64_t id,
    int64_t now, struct arena *a, struct assignment *out);

#endif
