/*
 * traj_int.h - what the files of src/trajectory share (internal; not for
 * other folders).
 */
#ifndef INFUUS_TRAJ_INT_H
#define INFUUS_TRAJ_INT_H

#include <stdint.h>

#include "audit/audit.h"
#include "trajectory/trajectory.h"

struct db_conn;

/* traj_head_on for a change: ERR_FORBIDDEN when the trajectory is closed. */
int traj_head_open(struct db_conn *c, int64_t id, struct traj_head *out);

/* The promise row of a new trajectory, on the writer. */
int traj_terms_insert(struct db_conn *c, int64_t traj_id,
    const struct promise_terms *t, int64_t now);
/* Valid terms (traj_terms_check passed) in their stored form: schedule,
 * reachable hours and holidays in the canonical text of promise.h, the
 * free texts trimmed.  Strings in a. */
void traj_terms_canon(const struct promise_terms *in, struct arena *a,
    struct promise_terms *out);

/* The caller's template with what this module knows filled in: action,
 * kind, detail, organisation (the trajectory's: its chain), client and
 * object. */
struct audit_event traj_event(const struct audit_event *tmpl,
    enum audit_action action, const char *kind, const char *detail,
    const struct traj_head *h, int64_t object_id);

#endif
