/*
 * ui-traj.h - what the trajectory pages (ui-trajectory.c, ui-traj-page.c,
 * ui-promise.c) share; nothing else includes it.
 */
#ifndef INFUUS_UI_TRAJ_H
#define INFUUS_UI_TRAJ_H

#include <stdint.h>

#include "http/http.h"
#include "promise/promise.h"
#include "trajectory/trajectory.h"

struct audit_event;
struct session;
struct tz;

/* Who looks, which decides what a page shows. */
enum view { VIEW_PROFESSIONAL, VIEW_CLIENT, VIEW_ADMIN };
enum view uit_view_of(const struct session *s);

/* "Intake", ... translated. */
const char *uit_phase_label(enum traj_phase p);
/* The access log's purpose for the caller's role. */
const char *uit_purpose_of(const struct session *s);
/* The access-log template for this request; the caller fills in the
 * object, its client and the action. */
void uit_event_for(struct req *r, struct audit_event *ev, int action,
    const char *kind, int64_t object_id);
/* "/t/<tid><rest>". */
const char *uit_url(struct req *r, int64_t tid, const char *rest);
/* Text with its line breaks kept. */
void uit_text_lines(struct req *r, const char *s);
/* The day of t in tz (a page_time when tz is NULL). */
const char *uit_date(struct req *r, const struct tz *tz, int64_t t);

/* ui-promise.c.  One labelled field with an optional hint and the reason
 * of a refused form (page_refuse); kind "text", "number", "date" or
 * "textarea"; extra: trusted attributes. */
void uit_field(struct req *r, const char *name, const char *label,
    const char *hint, const char *kind, const char *value,
    const char *extra);
/* The promise's fields (a fieldset) with t's values. */
void uit_terms_fields(struct req *r, const struct promise_terms *t);
/* The promise as typed into the form, for traj_terms_check to judge. */
void uit_terms_from_form(struct req *r, struct promise_terms *t);
/* The promise as a section of a page; usable: p compiled from terms;
 * client: spoken to the client; full: all days off, not the next few. */
void uit_promise_section(struct req *r, int64_t tid,
    const struct promise_terms *terms, const struct promise *p, bool usable,
    bool client, bool full);

#endif
