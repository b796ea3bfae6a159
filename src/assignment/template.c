/*
 * template.c - the organisation's library of assignment templates (see
 * template.h).  Owns assignment_templates.  Plain text: a template is the
 * organisation's own material and names no client.
 */
#include "assignment/template.h"

#include <string.h>

#include "assignment/asg_int.h"
#include "assignment/assignment.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "store/db.h"
#include "core/banned.h"

struct tpl_job {
	int64_t org_id;
	int64_t author_id;
	struct str title, instr;
	const char *form, *tags, *instrument;
	int64_t now;
	const struct audit_event *ev;
	int64_t id;
};

static int
tpl_run(struct db_conn *c, void *arg)
{
	struct tpl_job *j = arg;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t count = 0;
	int rc;

	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM assignment_templates "
	    "WHERE org_id = ?", &count, 1, &j->org_id)) != 0)
		return rc;
	if (count >= LIMIT_ASG_TEMPLATES)
		return ERR_TOOMANY;
	if ((rc = db_prepare(c, "INSERT INTO assignment_templates (org_id, "
	    "title, instructions, work_form, tags, instrument, created_by, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_text(st, 2, j->title.p, j->title.len);
	db_bind_text(st, 3, j->instr.p, j->instr.len);
	db_bind_textz(st, 4, j->form);
	db_bind_textz(st, 5, j->tags);
	db_bind_textz(st, 6, j->instrument);
	db_bind_i64(st, 7, j->author_id);
	db_bind_i64(st, 8, j->now);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;
	ev = audit_event_from(j->ev, j->org_id, AUDIT_CREATE,
	    "assignment-template", NULL, 0, j->id);
	return audit_append(c, &ev);
}

int
tpl_create(struct db *db, int64_t org_id, int64_t author_id,
    struct str title, struct str instructions, const char *form,
    const char *tags, const char *instrument, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *id)
{
	struct tpl_job j;
	struct arena a;
	enum asg_form f;
	struct str t;
	int rc;

	*id = 0;
	arena_init(&a);
	memset(&j, 0, sizeof(j));
	rc = asg_text_why(text_check(title, 4 * LIMIT_ASG_TITLE,
	    LIMIT_ASG_TITLE, false, &j.title), why, "title",
	    N_("Please give the assignment a title."),
	    N_("The title is longer than %d characters."), LIMIT_ASG_TITLE);
	if (rc == 0)
		rc = asg_text_why(text_check(instructions,
		    LIMIT_ASG_INSTRUCTIONS, 0, true, &j.instr), why,
		    "instructions", N_("Please write the instructions."),
		    N_("The instructions are longer than %d KB."),
		    LIMIT_ASG_INSTRUCTIONS / 1024);
	if (rc == 0 && asg_form_parse(form, &f) != 0)
		rc = why_set(why, ERR_INVAL, "form", N_("Choose a work form."));
	if (rc == 0 && asg_tags_check(tags, &a, &j.tags) != 0)
		rc = why_set(why, ERR_INVAL, "tags",
		    N_("Choose learning preferences from the list."));
	if (instrument == NULL)
		instrument = "";
	if (rc == 0 && (strlen(instrument) > 64 || text_check(
	    str_c(instrument), 64, 0, false, &t) == TEXT_BAD_CHAR))
		rc = why_set(why, ERR_INVAL, "instrument",
		    N_("A questionnaire is named by a short code of letters and digits."));
	if (rc != 0)
		goto out;
	j.org_id = org_id;
	j.author_id = author_id;
	j.form = asg_form_name(f);
	j.instrument = f == ASG_QUESTIONNAIRE ? instrument : "";
	j.now = asg_now_or(now);
	j.ev = ev;
	rc = db_write(db, tpl_run, &j);
	if (rc == ERR_TOOMANY) {
		why_set(why, rc, NULL, N_("The library holds at most %d templates."));
		if (why)
			why->limit = LIMIT_ASG_TEMPLATES;
	}
	if (rc == 0)
		*id = j.id;
out:
	arena_release(&a);
	return rc;
}

#define TPL_COLUMNS "id, org_id, title, instructions, work_form, tags, " \
	"instrument, created_at"

static const char *
text_copy(struct db_stmt *st, int col, struct arena *a)
{
	struct str s = db_col_text(st, col);

	return arena_strndup(a, s.p ? s.p : "", s.len);
}

static void
tpl_row(struct db_stmt *st, struct arena *a, struct asg_template *t)
{
	t->id = db_col_i64(st, 0);
	t->org_id = db_col_i64(st, 1);
	t->title = text_copy(st, 2, a);
	t->instructions = text_copy(st, 3, a);
	t->form = text_copy(st, 4, a);
	t->tags = text_copy(st, 5, a);
	t->instrument = text_copy(st, 6, a);
	t->created_at = db_col_i64(st, 7);
}

int
tpl_list(struct db *db, int64_t org_id, struct arena *a,
    struct asg_template **out, size_t *n)
{
	struct asg_template *v;
	struct db_conn *c;
	struct db_stmt *st;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, LIMIT_ASG_TEMPLATES * sizeof(*v));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT " TPL_COLUMNS " FROM "
	    "assignment_templates WHERE org_id = ? ORDER BY id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	while ((rc = db_step(st)) == DB_ROW && k < LIMIT_ASG_TEMPLATES)
		tpl_row(st, a, &v[k++]);
	db_done(st);
	if (rc >= 0) {
		rc = 0;
		*out = v;
		*n = k;
	}
out:
	db_read_end(db, c);
	return rc;
}

int
tpl_get_on(struct db_conn *c, int64_t org_id, int64_t id, struct arena *a,
    struct asg_template *out)
{
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(c, "SELECT " TPL_COLUMNS " FROM "
	    "assignment_templates WHERE id = ? AND org_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	db_bind_i64(st, 2, org_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		tpl_row(st, a, out);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}
