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

struct audit_event;

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

/* A change of the library (module.c): create, save or publish. */
struct lib_job {
	int64_t id;
	int64_t org_id;
	int64_t author_id;
	struct str title;
	struct str source;
	int64_t now;
	int64_t n;
	const struct audit_event *ev;
	struct why *why;
	int what;                /* 0 create, 1 save, 2 publish */
};

/* The job of a change of the library, on the caller's write job c. */
int mod_lib_run(struct db_conn *c, void *arg);
/* Publish j->id's draft as the next version (j->n its number). */
int mod_publish_on(struct db_conn *c, struct lib_job *j);
/* A module's title, checked (field "title"). */
int mod_check_title(struct str title, struct str *out, struct why *why);

/* Every library page of c's content (mod_check_items_on) or of a source
 * text (mod_check_items_src_on; one that does not parse passes: the
 * caller checked it) shows an item org_id may show (lib_visible_on);
 * else ERR_NOTFOUND with the reason and the @item line's number (field
 * "source"). */
int mod_check_items_on(struct db_conn *c, int64_t org_id,
    const struct mod_content *mc, struct why *why);
int mod_check_items_src_on(struct db_conn *c, int64_t org_id,
    struct str source, struct why *why);

#endif
