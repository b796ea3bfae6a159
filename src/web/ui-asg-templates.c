/*
 * ui-asg-templates.c - the organisation's library of assignment templates:
 * list, write, and give one to a trajectory (src/assignment/template.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app/app.h"
#include "assignment/assignment.h"
#include "assignment/cycle.h"
#include "assignment/diff.h"
#include "assignment/template.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/session.h"
#include "message/markdown.h"
#include "message/message.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-asg.h"
#include "web/web_int.h"
#include "core/banned.h"

/* --- the template library --------------------------------------------------- */

static int
render_templates(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct asg_template *t = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = tpl_list(app->db, s->org_id, &r->arena, &t, &n)) != 0)
		return rc;
	page_begin(r, _("Assignment templates"));
	uia_assets(r);
	if (req_query(r, "added"))
		page_notice(r, "ok", _("The template was added to the library."));
	P(r, "<p>");
	T(r, _("Your organisation's own assignments, to give or offer in any trajectory."));
	P(r, "</p>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("The library is empty."));
		P(r, "</p>\n");
	}
	for (i = 0; i < n; i++) {
		PF(r, "<article class=\"template\" id=\"tpl-%lld\"><h2>",
		    (long long)t[i].id);
		T(r, t[i].title);
		P(r, "</h2>\n<p class=\"muted\">");
		{
			enum asg_form af = ASG_WRITING;

			(void)asg_form_parse(t[i].form, &af);
			T(r, uia_form_label(af));
		}
		if (t[i].tags[0]) {
			P(r, " \xc2\xb7 ");
			T(r, uia_tags_label(r, t[i].tags));
		}
		P(r, "</p>\n");
		uia_render_md(r, t[i].instructions);
		P(r, "</article>\n");
	}
	P(r, "<section aria-labelledby=\"h-new-tpl\"><h2 id=\"h-new-tpl\">");
	T(r, _("New template"));
	P(r, "</h2>\n");
	form_begin_long(r, "/org/assignment-templates");
	form_input(r, "title", _("Title"), "text", page_form(r, "title"),
	    "off", 1);
	uia_work_fields(r);
	form_submit(r, _("Add to the library"));
	form_end(r);
	P(r, "</section>\n");
	page_end(r);
	return 0;
}

int
ui_asg_templates(struct req *r)
{
	return render_templates(r);
}

int
ui_asg_template_post(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct buf tags = BUF_INIT;
	struct audit_event ev;
	struct why why = { 0 };
	const char *tagstr;
	int64_t id = 0;
	size_t i;
	int rc;

	for (i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].key, "tag") == 0)
			buf_printf(&tags, "%s%s", tags.len ? "," : "",
			    r->form[i].val);
	tagstr = arena_strndup(&r->arena, tags.p ? tags.p : "", tags.len);
	buf_release(&tags);
	web_audit_event(r, &ev, AUDIT_CREATE, "assignment-template", 0, 0,
	    "care");
	rc = tpl_create(app->db, s->org_id, s->user_id,
	    str_c(page_form(r, "title")), str_c(page_form(r, "instructions")),
	    page_form(r, "form"), tagstr, page_form(r, "instrument"), 0, &ev,
	    &why, &id);
	if (rc != 0) {
		/* The form again, the reason next to its field (page_refuse);
		 * an error page when there is none to give. */
		return page_refuse(r, &why, rc) ? rc : render_templates(r);
	}
	resp_redirect(r, arena_printf(&r->arena,
	    "/org/assignment-templates?added=1#tpl-%lld", (long long)id));
	return 0;
}
