/*
 * ui-asg.h - what the assignment pages share (ui-assignment.c,
 * ui-asg-templates.c; internal to src/web).
 */
#ifndef INFUUS_UI_ASG_H
#define INFUUS_UI_ASG_H

#include <stdbool.h>
#include <stddef.h>

#include "assignment/assignment.h"
#include "http/http.h"

/* The pages' script and style; Markdown rendered safely; labels of work
 * forms, learning preferences and tags; a labelled text area, with the
 * refusal of field (page_refuse) next to it.  (A form whose long texts
 * carry the token in its action: form_begin_long, web/page.h.) */
void uia_assets(struct req *r);
void uia_render_md(struct req *r, const char *s);
const char *uia_form_label(int f);
const char *uia_pref_label(int i);
const char *uia_tags_label(struct req *r, const char *tags);
void uia_textarea(struct req *r, const char *id, const char *name,
    const char *label, const char *value, int rows, const char *field);
/* What an assignment written in a form says besides its title (the
 * template library's and the trajectory's forms): instructions, work
 * form, questionnaire, learning preferences; kept as posted. */
void uia_work_fields(struct req *r);

#endif
