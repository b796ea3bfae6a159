/*
 * ui-media.c - an organisation's media files: the list with an upload
 * form (professionals and administrators), and a file itself, served in
 * ranges so a player can seek in a film without fetching all of it.
 *
 * The file is sent as it is read from the database, one chunk at a time
 * (http.h resp_stream, media_stream): a film never sits in memory whole.
 * Who may read it the route table says (AUTHZ_MEDIA); media are content,
 * not client data, so reading one is not in the access log.
 */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/role.h"
#include "media/media.h"
#include "media/range.h"
#include "store/db.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

static const char *
size_label(struct req *r, uint64_t n)
{
	if (n < 1024)
		return arena_printf(&r->arena, "%llu B", (unsigned long long)n);
	if (n < 1024 * 1024)
		return arena_printf(&r->arena, "%llu KB",
		    (unsigned long long)((n + 1023) / 1024));
	return arena_printf(&r->arena, "%s MB",
	    page_decimal(r, (double)n / (1024.0 * 1024.0)));
}

/* A one-button form for a row; the file's name, hidden but read out,
 * tells the buttons of the rows apart. */
static void
row_button(struct req *r, int64_t id, const char *what, const char *label,
    const char *name, const char *share)
{
	PF(r, "<form class=\"inline\" method=\"post\" "
	    "action=\"/media/%lld/%s\"><input type=\"hidden\" name=\"csrf\" "
	    "value=\"", (long long)id, what);
	A(r, web_csrf_value(r));
	P(r, "\">");
	if (share != NULL)
		PF(r, "<input type=\"hidden\" name=\"shared\" value=\"%s\">",
		    share);
	P(r, "<button type=\"submit\">");
	T(r, label);
	P(r, "<span class=\"visually-hidden\">: ");
	T(r, name);
	P(r, "</span></button></form> ");
}

static int
render_list(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct media_info *v;
	int rc, n, i;

	if ((rc = media_list(app->db, s->org_id, &r->arena, &v, &n)) != 0)
		return rc;
	page_begin(r, _("Media"));
	if (req_query(r, "done"))
		page_notice(r, "ok", _("The file was stored."));
	if (req_query(r, "removed"))
		page_notice(r, "ok", _("The file was removed."));
	if (req_query(r, "changed"))
		page_notice(r, "ok", _("The file's sharing was changed."));
	P(r, "<p>");
	T(r, _("Images, sounds, films and PDF files for modules and the "
	    "library. Everyone in your organisation can see them."));
	P(r, "</p>\n");
	/* The file passes LIMIT_BODY_ANON: the token rides in the query. */
	P(r, "<form method=\"post\" enctype=\"multipart/form-data\" "
	    "action=\"/org/media?csrf=");
	A(r, web_csrf_value(r));
	P(r, "\"><p class=\"field\"><label for=\"f-file\">");
	T(r, _("File"));
	P(r, "</label>\n<input id=\"f-file\" type=\"file\" name=\"file\" "
	    "required accept=\".png,.jpg,.jpeg,.gif,.webp,.mp3,.ogg,.oga,"
	    ".opus,.wav,.m4a,.mp4,.m4v,.webm,.pdf\" aria-describedby=\"f-file-hint");
	if (page_field_bad(r, "file"))
		P(r, " f-file-error\" aria-invalid=\"true");
	P(r, "\"> <span class=\"hint\" id=\"f-file-hint\">");
	PF(r, _("PNG, JPEG, GIF, WebP, MP3, Ogg, WAV, M4A, MP4, WebM or PDF; "
	    "at most %d MB."), LIMIT_MEDIA_FILE / (1024 * 1024));
	P(r, "</span>");
	page_field_error(r, "file");
	P(r, "</p><input type=\"hidden\" name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\"><p><button type=\"submit\">");
	T(r, _("Upload"));
	P(r, "</button></p></form>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("There are no media files yet."));
		P(r, "</p>\n");
	} else {
		P(r, "<table><caption>");
		T(r, _("Media files"));
		P(r, "</caption><thead><tr><th scope=\"col\">");
		T(r, _("Name"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Type"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Size"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Stored"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Shared"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Actions"));
		P(r, "</th></tr></thead><tbody>\n");
		for (i = 0; i < n; i++) {
			PF(r, "<tr><td><a href=\"/media/%lld\">",
			    (long long)v[i].id);
			T(r, v[i].name);
			P(r, "</a></td><td>");
			T(r, media_mime(v[i].type));
			P(r, "</td><td>");
			T(r, size_label(r, v[i].size));
			P(r, "</td><td>");
			T(r, page_time(r, v[i].created_at));
			P(r, "</td><td>");
			T(r, v[i].shared ? _("with every organisation") :
			    _("no"));
			P(r, "</td><td>");
			if (s->role == ROLE_ADMIN)
				row_button(r, v[i].id, "share", v[i].shared ?
				    _("Stop sharing") : _("Share with every "
				    "organisation"), v[i].name, v[i].shared ?
				    "0" : "1");
			row_button(r, v[i].id, "delete", _("Remove"), v[i].name,
			    NULL);
			P(r, "</td></tr>\n");
		}
		P(r, "</tbody></table>\n");
	}
	page_end(r);
	return 0;
}

int
ui_media_list(struct req *r)
{
	return render_list(r);
}

int
ui_media_upload(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	const struct upload *u = req_upload(r, "file");
	struct audit_event ev;
	struct why w = { 0 };
	int64_t id = 0;
	int rc;

	if (u == NULL || u->len == 0) {
		rc = why_set(&w, ERR_INVAL, "file",
		    N_("Choose a file to upload."));
		goto refused;
	}
	web_audit_event(r, &ev, AUDIT_CREATE, "media", 0, 0, "care");
	rc = media_put(app->db, s->org_id, &ev, u->filename, u->data, u->len,
	    &id, &w);
	if (rc != 0)
		goto refused;
	resp_redirect(r, "/org/media?done=1");
	return 0;
refused:
	if ((rc = page_refuse(r, &w, rc)) != 0)
		return rc;
	return render_list(r);
}

/* A file a module page or a library item still shows is not removed
 * (media_delete asks their owners): the list again, with the reason. */
int
ui_media_delete_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct why w = { 0 };
	int rc;

	web_audit_event(r, &ev, AUDIT_DELETE, "media", 0, web_obj(r)->id,
	    "care");
	rc = media_delete(app->db, web_obj(r)->id, &ev, &r->arena, &w);
	if (rc == 0) {
		resp_redirect(r, "/org/media?removed=1");
		return 0;
	}
	if ((rc = page_refuse(r, &w, rc)) != 0)
		return rc;
	return render_list(r);
}

/* Sharing with every organisation is an administrator's choice (the
 * route allows administrators only). */
int
ui_media_share_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	int rc;

	web_audit_event(r, &ev, AUDIT_UPDATE, "media", 0, web_obj(r)->id,
	    "admin");
	if ((rc = media_set_shared(app->db, web_obj(r)->id, &ev,
	    strcmp(page_form(r, "shared"), "1") == 0)) != 0)
		return rc;
	resp_redirect(r, "/org/media?changed=1");
	return 0;
}

static long
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	return media_stream_read(cls, pos, buf, max);
}

static void
stream_done(void *cls)
{
	media_stream_free(cls);
}

/* Does the If-None-Match or If-Range value v name etag (quoted)? */
static int
etag_in(const char *v, const char *etag)
{
	return v != NULL && (strcmp(v, "*") == 0 || strstr(v, etag) != NULL);
}

int
ui_media_get(struct req *r)
{
	struct app *app = r->app;
	struct media_info m;
	struct media_range rg = { 0, 0 };
	enum media_range_result res = MEDIA_RANGE_FULL;
	struct db_conn *c;
	const char *etag, *h, *ifr;
	int rc;

	if ((rc = db_read_begin(app->db, &c)) != 0)
		return rc;
	rc = media_info_on(c, web_obj(r)->id, &r->arena, &m);
	db_read_end(app->db, c);
	if (rc != 0)
		return rc;
	etag = arena_printf(&r->arena, "\"%s\"", m.sha256);
	resp_header(r, "ETag", etag);
	resp_header(r, "Accept-Ranges", "bytes");
	/* Shared caches must not keep what only some may see; the file never
	 * changes, so the browser may. */
	resp_header(r, "Cache-Control", "private, max-age=86400");
	r->resp_type = media_mime(m.type);
	if (etag_in(req_header(r, "If-None-Match"), etag)) {
		r->status = 304;
		return 0;
	}
	h = req_header(r, "Range");
	ifr = req_header(r, "If-Range");
	/* A Range under an If-Range that no longer names this content asks
	 * for the whole file (RFC 9110 13.1.5); dates are not validators
	 * here. */
	if (h != NULL && (ifr == NULL || strcmp(ifr, etag) == 0))
		res = media_range_parse(h, strlen(h), m.size, &rg);
	if (res == MEDIA_RANGE_UNSATISFIABLE) {
		resp_header(r, "Content-Range", arena_printf(&r->arena,
		    "bytes */%llu", (unsigned long long)m.size));
		r->resp_type = "text/plain; charset=utf-8";
		r->status = 416;
		return 0;
	}
	if (res == MEDIA_RANGE_FULL) {
		rg.first = 0;
		rg.last = m.size - 1;
		r->status = 200;
	} else {
		resp_header(r, "Content-Range", arena_printf(&r->arena,
		    "bytes %llu-%llu/%llu", (unsigned long long)rg.first,
		    (unsigned long long)rg.last, (unsigned long long)m.size));
		r->status = 206;
	}
	resp_stream(r, rg.last - rg.first + 1, stream_read, stream_done,
	    media_stream_new(app->db, &m, rg.first, rg.last));
	return 0;
}
