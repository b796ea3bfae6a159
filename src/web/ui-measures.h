/*
 * ui-measures.h - what the measures pages share (ui-measures.c,
 * ui-mood.c; internal to src/web).
 */
#ifndef INFUUS_UI_MEASURES_H
#define INFUUS_UI_MEASURES_H

#include <stdbool.h>
#include <stdint.h>

#include "audit/audit.h"
#include "diary/diary.h"
#include "http/http.h"

/* The diary module's environment; an access-log template of this
 * request; is the caller a client; a link back; an error notice; a
 * number as the page's language writes it (no decimals when whole). */
struct diary_env uim_denv(struct req *r);
void uim_event_for(struct req *r, struct audit_event *ev, int action,
    const char *kind,
    int64_t object_id);
bool uim_is_client(struct req *r);
void uim_back_link(struct req *r, const char *url, const char *label);
void uim_error_box(struct req *r, const char *text);
const char *uim_num_text(struct req *r, double v);
/* An instrument shown as the client would see it, unanswered (the
 * library's preview; ui-instrument-builder.c too). */
struct instrument;
void uim_preview(struct req *r, const struct instrument *ins);

#endif
