/*
 * template.h - the organisation's own library of assignment templates
 * (create, list, use: asg_give takes a template's id).
 *
 * Templates are the organisation's teaching material, not a client's
 * data, so they are stored plain and reading them is not logged; making
 * one is (kind "assignment-template").
 *
 * Tables: assignment_templates.
 */
#ifndef INFUUS_ASG_TEMPLATE_H
#define INFUUS_ASG_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/arena.h"
#include "core/err.h"

struct db;
struct db_conn;
struct audit_event;

struct asg_template {
	int64_t id;
	int64_t org_id;
	const char *title;
	const char *instructions;   /* Markdown */
	const char *form;           /* a work form's code (assignment.h) */
	const char *tags;           /* canonical preference codes */
	const char *instrument;
	int64_t created_at;
};

/* Add a template to org_id's library (author: a professional of it,
 * checked by the route).  Errors with a reason in why: ERR_INVAL,
 * ERR_TOOBIG, ERR_TOOMANY (LIMIT_ASG_TEMPLATES). */
int tpl_create(struct db *db, int64_t org_id, int64_t author_id,
    struct str title, struct str instructions, const char *form,
    const char *tags, const char *instrument, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *id);

/* The library, oldest first. */
int tpl_list(struct db *db, int64_t org_id, struct arena *a,
    struct asg_template **out, size_t *n);

/* One template of org_id, on c; ERR_NOTFOUND (also for another
 * organisation's). */
int tpl_get_on(struct db_conn *c, int64_t org_id, int64_t id,
    struct arena *a, struct asg_template *out);

#endif
