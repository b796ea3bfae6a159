/*
 * ui-thread.h - what the thread pages' files share (ui-thread.c,
 * ui-assistant.c, ui-export.c, ui-search.c; internal to src/web).
 */
#ifndef INFUUS_UI_THREAD_H
#define INFUUS_UI_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assistant/assistant.h"
#include "audit/audit.h"
#include "http/http.h"
#include "message/message.h"
#include "promise/promise.h"

/* The trajectory's zone (the promise's), for showing times; NULL: UTC. */
struct view_ctx {
	int64_t traj_id;
	const struct tz *tz;
	struct promise *promise;     /* NULL when it could not be read */
};

/* The message module's environment of this request's app. */
struct msg_env thr_env(struct req *r);
/* Is the caller a client (in the session's organisation)? */
bool thr_is_client(struct req *r);
/* The audit template of this request: who, from where, why. */
void thr_event(struct req *r, struct audit_event *ev);
/* The trajectory's zone and promise, for times and reachability. */
void thr_view_ctx_init(struct req *r, int64_t traj_id, struct view_ctx *vc);
/* A time as the page shows it, in the promise's zone, and as ISO 8601 for
 * the datetime attribute. */
const char *thr_local_time(struct req *r, const struct view_ctx *vc,
    int64_t t);
const char *thr_iso_time(struct req *r, int64_t t);
/* "12 kB", "1.2 MB" in the page's language. */
const char *thr_size_label(struct req *r, int64_t n);
/* The thread pages' script and style. */
void thr_assets(struct req *r);
/* A message body: Markdown rendered safely (message/markdown.h). */
void thr_render_md(struct req *r, const char *body, size_t len);
/* The writing assistant on a draft, and its panel (ui-assistant.c). */
int thr_assistant_run(struct req *r, int64_t thread_id, int64_t traj_id,
    struct str draft, struct assistant_result *res);
void thr_assistant_panel(struct req *r, int64_t thread_id,
    const struct assistant_result *res);

#endif
