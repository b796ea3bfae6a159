/*
 * page.h - building server-rendered pages.
 *
 * A page is written into r->resp with these helpers.  Every dynamic value
 * goes through the escapers of http/escape.h (html_text, html_attr,
 * url_arg); P() is for trusted template text only.  Text shown to people
 * goes through _() (gettext, in the language of the request's thread
 * locale, set by the web layer before the handler runs).
 *
 * Pages work without JavaScript: every action is a form with a CSRF field;
 * scripts (static/infuus.js, never inline: the CSP forbids it) only make
 * things livelier.
 */
#ifndef INFUUS_PAGE_H
#define INFUUS_PAGE_H

#include <libintl.h>
#include <stdint.h>

#include "core/i18n.h"
#include "http/escape.h"
#include "http/http.h"
#include "authz/authz.h"
#include "identity/session.h"

#define _(s) gettext(s)

/* The caller's session, or NULL when anonymous. */
static inline struct session *
page_session(const struct req *r)
{
	return (struct session *)r->auth;
}

/* The caller as authz sees them. */
struct principal page_principal(const struct req *r);

/* Trusted template text. */
#define P(r, lit) buf_adds(&(r)->resp, (lit))
void PF(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Escaped text. */
void T(struct req *r, const char *s);
void TS(struct req *r, struct str s);
/* Escaped attribute value (without the quotes). */
void A(struct req *r, const char *s);

/* <!doctype html> ... <main id="main">; title is plain text. */
void page_begin(struct req *r, const char *title);
/* The start of a document up to the site's stylesheet, <head> still
 * open: page_begin's, and a document of its own (printable, without the
 * menus) that adds its stylesheet, closes the head and writes its body. */
void page_head(struct req *r, const char *title);
/* </main> ... footer, script. Sets status 200 if unset. */
void page_end(struct req *r);
/* A notice above the content: kind "ok", "error" or "info". */
void page_notice(struct req *r, const char *kind, const char *text);

/* <form method="post" action="..."> with the CSRF field. */
void form_begin(struct req *r, const char *action);
/* form_begin for a form whose texts may make a body larger than one that
 * carries its own token (LIMIT_BODY_ANON): the token goes in the action's
 * query too.  action has no query of its own. */
void form_begin_long(struct req *r, const char *action);
void form_end(struct req *r);
/* A labelled input; type "text", "email", "password", ... value may be
 * NULL; autocomplete may be NULL. */
void form_input(struct req *r, const char *name, const char *label,
    const char *type, const char *value, const char *autocomplete,
    int required);
void form_submit(struct req *r, const char *label);
/* A one-button form (for log out, remove, ...). */
void form_button(struct req *r, const char *action, const char *label);

/* Format a UTC time for people, in the organisation's zone is not known
 * here: UTC with the zone shown ("2026-11-23 14:05 UTC"). */
const char *page_time(struct req *r, int64_t t);

/* The zone a page shows times in: the named one (a promise's), else the
 * organisation's; NULL (UTC, through page_time) when neither loads. */
struct tz;
const struct tz *page_zone(struct req *r, const char *name);
/* "Mon 23 November 2026, 15:00 CET": t in tz (page_time when tz is NULL
 * or t is out of its range). */
const char *page_time_tz(struct req *r, const struct tz *tz, int64_t t);
/* "Mon 23 November 2026" for a day number (days since 1970-01-01). */
const char *page_day(struct req *r, int64_t day);
/* A date input's value ("YYYY-MM-DD", a real day within the years a
 * promise knows) as a day number; ERR_INVAL otherwise. */
int page_parse_day(const char *s, int64_t *day);

/* v with one decimal, written as the page's language writes numbers
 * ("9.5" in English, "9,5" in Dutch). */
const char *page_decimal(struct req *r, double v);

/* The reason a domain function gave for refusing input (core/err.h's
 * struct why), translated and filled in; NULL when it gave none. */
struct why;
const char *page_why(struct req *r, const struct why *w);
/*
 * A form refused with a reason: page_refuse keeps the reason for the page
 * the handler then renders again (form_input and page_field_* show it next
 * to its field, which gets aria-invalid and aria-describedby naming it;
 * page_begin shows it at the top too) and sets the status to
 * err_status(err).  Returns 0 when w holds a reason; else err, which the
 * handler returns (an error page: there is nothing to say at a field).
 */
int page_refuse(struct req *r, const struct why *w, int err);
/* For fields a page writes itself: is name the refused field; the
 * attributes for its control (aria-invalid, aria-describedby with the
 * reason's id and hint_id, which may be NULL); the reason's span
 * (id "f-NAME-error") after the control. */
int page_field_bad(struct req *r, const char *name);
void page_field_attrs(struct req *r, const char *name, const char *hint_id);
void page_field_error(struct req *r, const char *name);

/* Content-Disposition for a download of a file called name: an ASCII
 * fallback and the real name in RFC 5987 encoding (RFC 6266). */
const char *page_disposition(struct req *r, const char *name);
/* Answer with a stored file as a download (status 200): data becomes the
 * response and is left empty; type is the content type it was stored
 * with (an allow-listed one; text/plain is sent as UTF-8), name the
 * file's name for Content-Disposition.  The server adds nosniff, so a
 * download is never shown as a page. */
void page_download(struct req *r, const char *name, const char *type,
    struct buf *data);

/* s for a value in an address's query (url_arg), in the arena. */
const char *page_query_value(struct req *r, const char *s);
/* The page of results an address asks for ("page", from 1, at most
 * pages; 1 when it names none) from 0; -1 when "page" is no such number,
 * which the search then refuses with its reason. */
int page_results_page(struct req *r, int pages);
/* Below a page of results (page from 0; more: a next one holds some):
 * which page this is and links to the one before and after, base with the
 * number after it ("/library?q=stress&page=").  Nothing when all the
 * results fit on the first. */
void page_results_nav(struct req *r, const char *base, int page, bool more);

/* The value of a form field, "" when the request has none. */
const char *page_form(struct req *r, const char *name);

/* Send an error page for err (used by the render_error hook too). */
void page_error(struct req *r, int err);

#endif
