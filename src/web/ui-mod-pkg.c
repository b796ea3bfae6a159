/*
 * ui-mod-pkg.c - a module as a package (src/package/FORMAT.md): import
 * a package uploaded on the modules page, and export a published version
 * as a zip to download.
 *
 * The package is read whole and checked by pkg_read before anything is
 * written; mod_import then stores its media and the module in one write
 * job, so a refusal at any point leaves nothing behind.  The reason is
 * shown next to the upload field of the modules page.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/limits.h"
#include "module/module.h"
#include "package/package.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

int
ui_mod_import_post(struct req *r)
{
	struct app *app = r->app;
	struct mod_env env = { app->db, app->kr };
	const struct session *s = page_session(r);
	const struct upload *u = req_upload(r, "package");
	struct pkg_module *pm = NULL;
	struct pkg_error pe;
	struct audit_event ev;
	struct why w = { 0 };
	int64_t id = 0;
	int rc;

	memset(&pe, 0, sizeof(pe));
	if (u == NULL || u->len == 0) {
		rc = why_set(&w, ERR_INVAL, "package",
		    N_("Choose a module package (a .zip file) to import."));
		goto refused;
	}
	if ((rc = pkg_read(u->data, u->len, &r->arena, &pm, &pe)) != 0) {
		w = pe.why;
		w.field = "package";
		goto refused;
	}
	web_audit_event(r, &ev, AUDIT_CREATE, "module", 0, 0, "care");
	if ((rc = mod_import(&env, app->cfg.share_dir, s->org_id, s->user_id,
	    pm, &ev, &w, &id)) != 0)
		goto refused;
	resp_redirect(r, arena_printf(&r->arena, "/modules/%lld?imported=1",
	    (long long)id));
	return 0;
refused:
	if ((rc = page_refuse(r, &w, rc)) != 0)
		return rc;
	return ui_mod_library(r);
}

int
ui_mod_package(struct req *r)
{
	struct app *app = r->app;
	const char *q = req_query(r, "n"), *lang = req_query(r, "lang");
	struct why w = { 0 };
	struct buf b;
	int64_t n = 0;
	int rc;

	if (q != NULL && (n = strtoll(q, NULL, 10)) < 0)
		n = 0;
	if (lang == NULL || (strcmp(lang, "nl") != 0 && strcmp(lang, "en") != 0))
		lang = web_req_state(r)->lang ? web_req_state(r)->lang : "nl";
	buf_init(&b);
	if ((rc = mod_package(app->db, web_obj(r)->id, n, lang, &r->arena, &b,
	    &w)) != 0) {
		buf_release(&b);
		/* a reason (a file not of this organisation) on the editor */
		if (w.msg != NULL && page_refuse(r, &w, rc) == 0)
			return ui_mod_edit(r);
		return rc;
	}
	r->resp_type = "application/zip";
	resp_header(r, "Content-Disposition", page_disposition(r,
	    arena_printf(&r->arena, "module-%lld.zip",
	    (long long)web_obj(r)->id)));
	buf_add(&r->resp, b.p, b.len);
	buf_release(&b);
	return 0;
}

/* An administrator adds the example modules (share/modules/, written for
 * this project) in the page's language, each packed and read as an
 * uploaded package would be and imported whole, or not at all. */
int
ui_mod_examples_post(struct req *r)
{
	struct app *app = r->app;
	struct mod_env env = { app->db, app->kr };
	const struct session *s = page_session(r);
	const char *lang = web_req_state(r)->lang ? web_req_state(r)->lang :
	    "nl";
	const char *dir = arena_printf(&r->arena, "%s/modules",
	    app->cfg.share_dir);
	char suffix[8];
	struct pkg_module *pm;
	struct pkg_error pe;
	struct audit_event ev;
	struct why w = { 0 };
	struct dirent *de;
	struct buf b;
	DIR *d;
	size_t n, sl;
	int64_t id;
	int count = 0, rc = 0;

	snprintf(suffix, sizeof(suffix), "-%s", lang);
	sl = strlen(suffix);
	if ((d = opendir(dir)) == NULL)
		return ERR_NOTFOUND;
	web_audit_event(r, &ev, AUDIT_CREATE, "module", 0, 0, "admin");
	buf_init(&b);
	while (rc == 0 && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n <= sl ||
		    strcmp(de->d_name + n - sl, suffix) != 0)
			continue;
		memset(&pe, 0, sizeof(pe));
		buf_reset(&b);
		if ((rc = pkg_dir_zip(arena_printf(&r->arena, "%s/%s", dir,
		    de->d_name), &r->arena, &b, &pe)) == 0 &&
		    (rc = pkg_read(b.p, b.len, &r->arena, &pm, &pe)) == 0)
			rc = mod_import(&env, app->cfg.share_dir,
			    s->org_id, s->user_id, pm, &ev, &w, &id);
		else
			w = pe.why;
		if (rc == 0)
			count++;
	}
	closedir(d);
	buf_release(&b);
	if (rc != 0) {
		w.field = "package";
		if ((rc = page_refuse(r, &w, rc)) != 0)
			return rc;
		return ui_mod_library(r);
	}
	resp_redirect(r, arena_printf(&r->arena, "/modules?examples=%d",
	    count));
	return 0;
}
