/*
 * page.c - the page layout and form helpers shared by every ui-*.c file.
 *
 * The layout carries the landmarks assistive technology needs (banner,
 * navigation, main, contentinfo), a skip link as the first focus stop, the
 * page language, and nothing inline that the Content-Security-Policy would
 * block: styles and scripts come from /static.
 */
#include "web/page.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/identity.h"
#include "promise/tz.h"
#include "trajectory/trajectory.h"
#include "web/web_int.h"
#include "core/banned.h"

struct principal
page_principal(const struct req *r)
{
	struct principal p = { 0, 0, 0, false };
	const struct session *s = page_session(r);

	if (s) {
		p.user_id = s->user_id;
		p.org_id = s->org_id;
		p.role = s->role;
		p.twofa_passed = s->twofa_passed;
	}
	return p;
}

void
PF(struct req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&r->resp, fmt, ap);
	va_end(ap);
}

void
T(struct req *r, const char *s)
{
	html_textz(&r->resp, s ? s : "");
}

void
TS(struct req *r, struct str s)
{
	html_text(&r->resp, s);
}

void
A(struct req *r, const char *s)
{
	html_attr(&r->resp, str_c(s ? s : ""));
}

static void
nav_link(struct req *r, const char *href, const char *label)
{
	bool here = strcmp(r->path, href) == 0;

	P(r, "<li><a href=\"");
	A(r, href);
	P(r, "\"");
	if (here)
		P(r, " aria-current=\"page\"");
	P(r, ">");
	T(r, label);
	P(r, "</a></li>");
}

void
page_head(struct req *r, const char *title)
{
	const char *lang = web_req_state(r)->lang;

	r->resp_type = "text/html; charset=utf-8";
	P(r, "<!DOCTYPE html>\n<html lang=\"");
	A(r, lang ? lang : "nl");
	P(r, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>");
	T(r, title);
	P(r, " · Infuus</title>\n"
	    "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n"
	    "<link rel=\"stylesheet\" href=\"/static/infuus.css\">\n");
}

void
page_begin(struct req *r, const char *title)
{
	const struct session *s = page_session(r);

	page_head(r, title);
	P(r, "<script src=\"/static/infuus.js\" defer></script>\n"
	    "</head>\n<body>\n<a class=\"skip\" href=\"#main\">");
	T(r, _("Skip to content"));
	P(r, "</a>\n<header class=\"top\">\n<a class=\"brand\" href=\"/\">Infuus</a>\n");
	P(r, "<nav aria-label=\"");
	A(r, _("Main menu"));
	P(r, "\"><ul>");
	if (s && !s->twofa_pending) {
		nav_link(r, "/", _("Home"));
		if (s->role & (ROLE_PROFESSIONAL | ROLE_CLIENT | ROLE_ADMIN))
			nav_link(r, "/t", _("Trajectories"));
		if (s->role & ROLE_PROFESSIONAL)
			nav_link(r, "/queue", _("Reply queue"));
		if (s->role & (ROLE_PROFESSIONAL | ROLE_CLIENT))
			nav_link(r, "/calendar", _("Calendar"));
		if (s->role & (ROLE_PROFESSIONAL | ROLE_CLIENT))
			nav_link(r, "/search", _("Search"));
		if (s->role & (ROLE_PROFESSIONAL | ROLE_ADMIN))
			nav_link(r, "/library", _("Library"));
		else if (s->role & ROLE_CLIENT)
			nav_link(r, "/my-library", _("My library"));
		if (s->role & ROLE_ADMIN) {
			nav_link(r, "/org/members", _("Members"));
			nav_link(r, "/org/audit", _("Access log"));
		}
		nav_link(r, "/me/access", _("Who saw my data"));
		nav_link(r, "/account", _("Account"));
	} else if (!s) {
		nav_link(r, "/login", _("Log in"));
	}
	P(r, "</ul></nav>\n");
	if (s) {
		P(r, "<div class=\"who\"><span>");
		T(r, s->user_name);
		P(r, "</span>");
		form_button(r, "/logout", _("Log out"));
		P(r, "</div>\n");
	}
	P(r, "</header>\n<main id=\"main\" tabindex=\"-1\">\n<h1>");
	T(r, title);
	P(r, "</h1>\n");
	/* A refused form's reason, for a reader who starts at the top; it
	 * is next to its field too. */
	if (web_req_state(r)->why_text != NULL)
		page_notice(r, "error", web_req_state(r)->why_text);
}

void
page_end(struct req *r)
{
	P(r, "</main>\n<footer class=\"bottom\"><p>");
	T(r, _("Infuus: secure online and blended coaching."));
	P(r, " <a href=\"/me/access\">");
	T(r, _("Privacy and access"));
	P(r, "</a></p></footer>\n</body>\n</html>\n");
	if (r->status == 0)
		r->status = 200;
}

void
page_notice(struct req *r, const char *kind, const char *text)
{
	PF(r, "<p class=\"notice notice-%s\" role=\"%s\">",
	    strcmp(kind, "error") == 0 ? "error" :
	    strcmp(kind, "ok") == 0 ? "ok" : "info",
	    strcmp(kind, "error") == 0 ? "alert" : "status");
	T(r, text);
	P(r, "</p>\n");
}

void
form_begin(struct req *r, const char *action)
{
	P(r, "<form method=\"post\" action=\"");
	A(r, action);
	P(r, "\">\n<input type=\"hidden\" name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\">\n");
}

void
form_begin_long(struct req *r, const char *action)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, action);
	buf_adds(&b, "?csrf=");
	url_arg(&b, str_c(web_csrf_value(r)));
	form_begin(r, arena_strndup(&r->arena, b.p, b.len));
	buf_release(&b);
}

void
form_end(struct req *r)
{
	P(r, "</form>\n");
}

void
form_input(struct req *r, const char *name, const char *label,
    const char *type, const char *value, const char *autocomplete,
    int required)
{
	P(r, "<p class=\"field\"><label for=\"f-");
	A(r, name);
	P(r, "\">");
	T(r, label);
	P(r, "</label>\n<input id=\"f-");
	A(r, name);
	P(r, "\" name=\"");
	A(r, name);
	P(r, "\" type=\"");
	A(r, type);
	P(r, "\"");
	if (value) {
		P(r, " value=\"");
		A(r, value);
		P(r, "\"");
	}
	if (autocomplete) {
		P(r, " autocomplete=\"");
		A(r, autocomplete);
		P(r, "\"");
	}
	if (required)
		P(r, " required");
	page_field_attrs(r, name, NULL);
	P(r, ">");
	page_field_error(r, name);
	P(r, "</p>\n");
}

void
form_submit(struct req *r, const char *label)
{
	P(r, "<p><button type=\"submit\">");
	T(r, label);
	P(r, "</button></p>\n");
}

void
form_button(struct req *r, const char *action, const char *label)
{
	P(r, "<form class=\"inline\" method=\"post\" action=\"");
	A(r, action);
	P(r, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\"><button type=\"submit\">");
	T(r, label);
	P(r, "</button></form>");
}

const char *
page_time(struct req *r, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return "?";
	return arena_printf(&r->arena, "%04d-%02d-%02d %02d:%02d UTC",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min);
}

static const char *const wday_short[7] = {
	N_("Sun"), N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"),
	N_("Sat"),
};
/* Months in full: easier to read than abbreviations (seed 002: low
 * literacy). */
static const char *const month_names[12] = {
	N_("January"), N_("February"), N_("March"), N_("April"), N_("May"),
	N_("June"), N_("July"), N_("August"), N_("September"), N_("October"),
	N_("November"), N_("December"),
};

static const char *
month_label(int m)
{
	return m >= 1 && m <= 12 ? _(month_names[m - 1]) : "?";
}

const struct tz *
page_zone(struct req *r, const char *name)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const struct tz *tz = NULL;
	struct org org;

	if (name && name[0] && tz_cache_get(app->tzc, name, &tz) == 0)
		return tz;
	if (s && org_get(app->db, s->org_id, &r->arena, &org) == 0 &&
	    tz_cache_get(app->tzc, org.tz, &tz) == 0)
		return tz;
	return NULL;
}

const char *
page_time_tz(struct req *r, const struct tz *tz, int64_t t)
{
	struct tz_local l;

	if (tz == NULL || tz_to_local(tz, (time_t)t, &l) != 0)
		return page_time(r, t);
	return arena_printf(&r->arena, "%s %d %s %04d, %02d:%02d %s",
	    _(wday_short[l.wday]), l.day, month_label(l.month), l.year,
	    l.hour, l.min, l.abbr);
}

/* The sentence is an N_() literal of a domain module whose conversions
 * are, by struct why's contract, %s for name and then %d for limit when
 * they are set; a unit test of each module checks its own. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
const char *
page_why(struct req *r, const struct why *w)
{
	const char *msg;

	if (w == NULL || w->msg == NULL)
		return NULL;
	msg = _(w->msg);
	if (w->name != NULL && w->limit != 0)
		return arena_printf(&r->arena, msg, w->name, w->limit);
	if (w->name != NULL)
		return arena_printf(&r->arena, msg, w->name);
	if (w->limit != 0)
		return arena_printf(&r->arena, msg, w->limit);
	return msg;
}
#pragma GCC diagnostic pop

int
page_refuse(struct req *r, const struct why *w, int err)
{
	struct web_state *ws = web_req_state(r);
	const char *text = page_why(r, w);

	if (text == NULL)
		return err;
	ws->why_text = text;
	ws->why_field = w->field;
	r->status = err_status(err);
	return 0;
}

int
page_field_bad(struct req *r, const char *name)
{
	const struct web_state *ws = web_req_state(r);

	return ws->why_text != NULL && ws->why_field != NULL &&
	    strcmp(ws->why_field, name) == 0;
}

void
page_field_attrs(struct req *r, const char *name, const char *hint_id)
{
	int bad = page_field_bad(r, name);

	if (!bad && hint_id == NULL)
		return;
	P(r, " aria-describedby=\"");
	if (bad) {
		P(r, "f-");
		A(r, name);
		P(r, "-error");
	}
	if (hint_id) {
		if (bad)
			P(r, " ");
		A(r, hint_id);
	}
	P(r, "\"");
	if (bad)
		P(r, " aria-invalid=\"true\"");
}

void
page_field_error(struct req *r, const char *name)
{
	if (!page_field_bad(r, name))
		return;
	P(r, " <span class=\"field-error\" id=\"f-");
	A(r, name);
	P(r, "-error\">");
	T(r, web_req_state(r)->why_text);
	P(r, "</span>");
}

const char *
page_decimal(struct req *r, double v)
{
	char *s = arena_printf(&r->arena, "%.1f", v);
	const char *lang = web_req_state(r)->lang;
	char *dot;

	/* Only LC_MESSAGES follows the visitor (a numeric locale would
	 * also change how numbers from the database are read). */
	if (lang && strcmp(lang, "nl") == 0 && (dot = strchr(s, '.')) != NULL)
		*dot = ',';
	return s;
}

const char *
page_day(struct req *r, int64_t day)
{
	int64_t y;
	int m, d;

	tz_civil_from_days(day, &y, &m, &d);
	return arena_printf(&r->arena, "%s %d %s %04lld",
	    _(wday_short[tz_weekday(day)]), d, month_label(m), (long long)y);
}

int
page_parse_day(const char *s, int64_t *day)
{
	int64_t y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    num_parse_i64((struct str){ s, 4 }, LIMIT_PROMISE_YEAR_MIN,
	    LIMIT_PROMISE_YEAR_MAX, &y) != 0 ||
	    num_parse_i64((struct str){ s + 5, 2 }, 1, 12, &m) != 0 ||
	    num_parse_i64((struct str){ s + 8, 2 }, 1, 31, &d) != 0 ||
	    d > tz_days_in_month(y, (int)m))
		return ERR_INVAL;
	*day = tz_days_from_civil(y, (int)m, (int)d);
	return 0;
}

/* Content-Disposition for a download: an ASCII fallback name and the real
 * one in RFC 5987 encoding (RFC 6266). */
const char *
page_disposition(struct req *r, const char *name)
{
	static const char attr[] = "!#$&+-.^_`|~";
	struct buf b = BUF_INIT;
	const unsigned char *p;
	const char *out;

	buf_adds(&b, "attachment; filename=\"");
	for (p = (const unsigned char *)name; *p; p++)
		buf_addch(&b, *p < 0x20 || *p >= 0x7f || *p == '"' ||
		    *p == '\\' || *p == '%' ? '_' : (char)*p);
	buf_adds(&b, "\"; filename*=UTF-8''");
	for (p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(attr, *p) != NULL)
			buf_addch(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	out = arena_strndup(&r->arena, b.p, b.len);
	buf_release(&b);
	return out;
}

void
page_download(struct req *r, const char *name, const char *type,
    struct buf *data)
{
	r->resp_type = strcmp(type, "text/plain") == 0 ?
	    "text/plain; charset=utf-8" : type;
	resp_header(r, "Content-Disposition", page_disposition(r, name));
	buf_release(&r->resp);
	r->resp = *data;
	buf_init(data);
	r->status = 200;
}

const char *
page_query_value(struct req *r, const char *s)
{
	struct buf b = BUF_INIT;
	const char *out;

	url_arg(&b, str_c(s));
	out = arena_strndup(&r->arena, b.p ? b.p : "", b.len);
	buf_release(&b);
	return out;
}

int
page_results_page(struct req *r, int pages)
{
	const char *s = req_query(r, "page");
	int64_t n;

	if (s == NULL)
		return 0;
	if (num_parse_i64(str_c(s), 1, pages, &n) != 0)
		return -1;
	return (int)n - 1;
}

void
page_results_nav(struct req *r, const char *base, int page, bool more)
{
	if (page == 0 && !more)
		return;
	P(r, "<nav class=\"pages\" aria-label=\"");
	A(r, _("Pages of results"));
	P(r, "\"><p>");
	T(r, arena_printf(&r->arena, _("Page %d of the results."), page + 1));
	if (page > 0) {
		P(r, " <a rel=\"prev\" href=\"");
		A(r, base);
		PF(r, "%d\">", page);
		T(r, _("Previous results"));
		P(r, "</a>");
	}
	if (more) {
		P(r, " <a rel=\"next\" href=\"");
		A(r, base);
		PF(r, "%d\">", page + 2);
		T(r, _("More results"));
		P(r, "</a>");
	}
	P(r, "</p></nav>\n");
}

const char *
page_form(struct req *r, const char *name)
{
	const char *v = req_form(r, name);

	return v ? v : "";
}

static const char *
err_text(int err)
{
	/* The messages of core/err.h, marked for translation here so the
	 * error list stays the single source of the English text. */
	switch (err) {
	case ERR_INVAL: return _("The request is not valid.");
	case ERR_PARSE: return _("The request could not be read.");
	case ERR_TOOBIG: return _("What you sent is larger than allowed.");
	case ERR_TOOMANY: return _("What you sent has more parts than allowed.");
	case ERR_NOTFOUND: return _("This page or item does not exist.");
	case ERR_METHOD: return _("This action is not allowed on this address.");
	case ERR_AUTH: return _("Please log in first.");
	case ERR_LOGIN: return _("The e-mail address or password is not correct.");
	case ERR_TOTP: return _("The code is not correct or was already used.");
	case ERR_REAUTH: return _("Your session has ended; please log in again.");
	case ERR_FORBIDDEN: return _("You do not have access to this.");
	case ERR_CSRF: return _("The form was out of date; please try again.");
	case ERR_CONFLICT: return _("This conflicts with something that already exists.");
	case ERR_GONE: return _("This link has expired or was already used.");
	case ERR_MEDIATYPE: return _("This type of content is not accepted.");
	case ERR_THROTTLED: return _("Too many attempts; please wait and try again.");
	case ERR_BUSY: return _("The service is busy; please try again shortly.");
	default: return _("Something went wrong on our side.");
	}
}

void
page_error(struct req *r, int err)
{
	struct buf j = BUF_INIT;

	buf_reset(&r->resp);
	r->status = err_status(err);
	if (r->wants_json) {
		buf_adds(&j, "{\"error\":");
		json_str(&j, str_c(err_name(err)));
		buf_adds(&j, ",\"message\":");
		json_str(&j, str_c(err_text(err)));
		buf_adds(&j, "}");
		resp_json(r, r->status, j.p, j.len);
		buf_release(&j);
		return;
	}
	page_begin(r, r->status == 404 ? _("Not found") :
	    r->status == 403 ? _("No access") :
	    r->status >= 500 ? _("Something went wrong") : _("Error"));
	page_notice(r, "error", err_text(err));
	P(r, "<p><a href=\"/\">");
	T(r, _("Back to the start page"));
	P(r, "</a></p>\n");
	page_end(r);
	r->status = err_status(err);
}
