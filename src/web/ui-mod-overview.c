/*
 * ui-mod-overview.c - the professional's overview of their clients'
 * modules (issue 12: "progress for the professional, per client"): one
 * page, one row per module given in an open trajectory the professional
 * works in, with the client, the sessions done, the last activity and
 * the answers waiting for feedback, each linking to the run's page.
 *
 * The trajectories are traj_list's (every one listed is a read in its
 * client's access log); the progress is mod_runs', which opens no
 * answers; each trajectory whose modules are shown gets a read of its
 * own (kind "module", detail "overview"), logged before the page shows
 * anything of it.
 */
#include <string.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "identity/session.h"
#include "module/module.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

struct row {
	const struct trajectory *t;
	const struct mod_run *m;
};

int
ui_mod_overview(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct trajectory *t = NULL;
	struct audit_event ev;
	struct mod_run *m;
	struct row *rows;
	size_t n = 0, nrows = 0, cap = 0, i, k, nm;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "trajectory", 0, 0, "care");
	if ((rc = traj_list(app->db, app->kr, s->org_id, s->user_id, false,
	    &ev, &r->arena, &t, &n)) != 0)
		return rc;
	rows = NULL;
	for (i = 0; i < n; i++) {
		if (t[i].closed_at != 0)
			continue;
		m = NULL;
		nm = 0;
		if ((rc = mod_runs(app->db, t[i].id, 0, &r->arena, &m,
		    &nm)) != 0)
			return rc;
		if (nm == 0)
			continue;
		web_audit_event(r, &ev, AUDIT_READ, "module", t[i].client_id,
		    t[i].id, "care");
		ev.detail = "overview";
		if ((rc = audit_record(app->db, &ev)) != 0)
			return rc;
		if (nrows + nm > cap) {
			struct row *more;

			cap = (nrows + nm) * 2;
			more = arena_calloc(&r->arena, cap, sizeof(*more));
			if (nrows > 0)
				memcpy(more, rows, nrows * sizeof(*rows));
			rows = more;
		}
		for (k = 0; k < nm; k++) {
			rows[nrows].t = &t[i];
			rows[nrows].m = &m[k];
			nrows++;
		}
	}
	page_begin(r, _("Your clients' modules"));
	P(r, "<p>");
	T(r, _("Every module given in your open trajectories: how far each client is, when they last worked on it and how many answers wait for your feedback."));
	P(r, "</p>\n");
	if (nrows == 0) {
		P(r, "<p>");
		T(r, _("None of your clients follows a module yet."));
		P(r, "</p>\n");
		page_end(r);
		return 0;
	}
	P(r, "<table class=\"overview\"><caption>");
	T(r, _("Modules per client, the most recently active trajectory first"));
	P(r, "</caption>\n<thead><tr><th scope=\"col\">");
	T(r, _("Client"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Module"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Sessions done"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Last activity"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Answers waiting for feedback"));
	P(r, "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < nrows; i++) {
		const struct mod_run *mr = rows[i].m;

		P(r, mr->waiting > 0 ? "<tr class=\"waiting\">" : "<tr>");
		P(r, "<th scope=\"row\">");
		T(r, rows[i].t->client_name ? rows[i].t->client_name : "");
		PF(r, "</th><td><a href=\"/md/%lld\">", (long long)mr->id);
		T(r, mr->title);
		P(r, "</a> <span class=\"muted\">(");
		T(r, mr->plan.guided ? _("guided") : _("self-help"));
		P(r, ")</span></td><td>");
		T(r, arena_printf(&r->arena, _("%d of %d"), mr->done,
		    mr->nsessions));
		P(r, "</td><td>");
		T(r, mr->last_at > 0 ? page_time(r, mr->last_at) :
		    _("not started"));
		PF(r, "</td><td>%d</td></tr>\n", mr->waiting);
	}
	P(r, "</tbody></table>\n");
	page_end(r);
	return 0;
}
