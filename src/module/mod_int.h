/*
 * mod_int.h - what the files of src/module share and nobody else uses:
 * a run as read on one connection.
 */
#ifndef INFUUS_MOD_INT_H
#define INFUUS_MOD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "module/module.h"
#include "trajectory/trajectory.h"

/* The run's row, its version's content, its sessions' states (opens_at,
 * answers) and its trajectory's head. */
struct run_load {
	struct mod_run run;
	struct traj_head head;
	struct mod_content content;
	struct mod_session_state *ss;
	const char *source;
};

/* Everything of run id on c, in a; answers and feedback opened only with
 * open (after the read was logged); the sessions' opening computed for
 * now.  ERR_NOTFOUND. */
int mod_load_run_on(const struct mod_env *env, struct db_conn *c, int64_t id,
    bool open, int64_t now, struct arena *a, struct run_load *l);
/* now, or the clock when now is 0. */
int64_t mod_now_or(time_t now);

#endif
