/*
 * req.c - what handlers call: look-ups in a parsed request and the
 * response setters, plus the default error page.
 *
 * Everything is copied into the request's arena, so a handler may pass
 * stack buffers.  Header names are literals of our code (checked with
 * ASSERT); header values may carry client data (a redirect target), so
 * control characters in them are replaced rather than trusted to MHD.
 */
#include "http/http.h"

#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "http/escape.h"
#include "core/banned.h"

static const char *
kv_find(const struct kv *kv, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, name) == 0)
			return kv[i].val;
	return NULL;
}

const char *
req_param(const struct req *r, const char *name)
{
	return kv_find(r->params, r->nparams, name);
}

const char *
req_query(const struct req *r, const char *name)
{
	return kv_find(r->query, r->nquery, name);
}

const char *
req_form(const struct req *r, const char *name)
{
	return kv_find(r->form, r->nform, name);
}

const char *
req_cookie(const struct req *r, const char *name)
{
	/* Browsers send the cookie with the most specific path first. */
	return kv_find(r->cookies, r->ncookies, name);
}

const struct upload *
req_upload(const struct req *r, const char *field)
{
	size_t i;

	for (i = 0; i < r->nuploads; i++)
		if (strcmp(r->uploads[i].field, field) == 0)
			return &r->uploads[i];
	return NULL;
}

const char *
req_header(const struct req *r, const char *name)
{
	if (r->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int
req_json(struct req *r, struct json_t **out)
{
	struct buf why = BUF_INIT;
	json_t *v = NULL;
	int rc;

	if (r->json != NULL) {
		*out = r->json;
		return 0;
	}
	if (r->content_type == NULL ||
	    strcmp(r->content_type, "application/json") != 0) {
		r->error_detail = "Send the data as application/json.";
		return ERR_MEDIATYPE;
	}
	if ((rc = json_parse(r->body, &v, &why)) != 0) {
		r->error_detail = arena_strz(&r->arena, buf_str(&why));
		buf_release(&why);
		return rc;
	}
	r->json = v;
	*out = v;
	return 0;
}

static bool
is_token(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return false;
	for (; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f ||
		    strchr("\"(),/:;<=>?@[\\]{}", *p) != NULL)
			return false;
	return true;
}

void
resp_stream(struct req *r, uint64_t size,
    long (*read)(void *cls, uint64_t pos, char *buf, size_t max),
    void (*done)(void *cls), void *cls)
{
	struct resp_body_stream *st = xmalloc(sizeof(*st));

	ASSERT(r->stream == NULL);
	st->size = size;
	st->read = read;
	st->done = done;
	st->cls = cls;
	r->stream = st;
}

void
resp_header(struct req *r, const char *name, const char *value)
{
	struct kv *h;
	char *v;
	size_t i, n = strlen(value);
	bool bad = false;

	ASSERT(is_token(name));
	ASSERT(r->nresp_headers < REQ_MAX_RESP_HEADERS);
	v = arena_strndup(&r->arena, value, n);
	for (i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			v[i] = ' '; /* no header splitting, ever */
			bad = true;
		}
	}
	if (bad)
		log_warn("http.header", "id=%llu name=%s control characters "
		    "replaced", (unsigned long long)r->id, name);
	h = &r->resp_headers[r->nresp_headers++];
	h->key = arena_strdup(&r->arena, name);
	h->val = v;
	h->vlen = n;
}

void
resp_redirect(struct req *r, const char *location)
{
	/* Only local paths: "//host" and "/\host" are read by browsers as
	 * another host, which would make us an open redirect. */
	if (location[0] != '/' || location[1] == '/' || location[1] == '\\') {
		log_warn("http.redirect", "id=%llu refused a non-local target",
		    (unsigned long long)r->id);
		location = "/";
	}
	r->status = 303;
	r->resp_type = NULL;
	buf_reset(&r->resp);
	resp_header(r, "Location", location);
}

static bool
is_cookie_value(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	/* RFC 6265 cookie-octet. */
	for (; *p; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == ',' ||
		    *p == ';' || *p == '\\')
			return false;
	return true;
}

void
resp_cookie(struct req *r, const char *name, const char *value, long max_age)
{
	struct buf b = BUF_INIT;

	ASSERT(is_token(name));
	ASSERT(is_cookie_value(value));
	buf_printf(&b, "%s=%s; Path=/; HttpOnly; SameSite=Lax", name, value);
	if (r->tls)
		buf_adds(&b, "; Secure");
	if (max_age >= 0)
		buf_printf(&b, "; Max-Age=%ld", max_age);
	resp_header(r, "Set-Cookie", b.p);
	buf_release(&b);
}

void
resp_json(struct req *r, int status, const char *json, size_t len)
{
	r->status = status;
	r->resp_type = "application/json";
	buf_reset(&r->resp);
	buf_add(&r->resp, json, len);
}

void
http_error_page(struct req *r, int err)
{
	struct buf *b = &r->resp;
	const char *reason;
	int status = err_status(err);

	buf_reset(b);
	r->status = status;
	if (r->wants_json) {
		r->resp_type = "application/json";
		buf_adds(b, "{\"error\":");
		json_str(b, str_c(err_name(err)));
		buf_adds(b, ",\"message\":");
		json_str(b, str_c(err_msg(err)));
		if (r->error_detail) {
			buf_adds(b, ",\"detail\":");
			json_str(b, str_c(r->error_detail));
		}
		buf_adds(b, "}");
		return;
	}
	reason = MHD_get_reason_phrase_for((unsigned)status);
	r->resp_type = "text/html; charset=utf-8";
	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>%d ", status);
	html_textz(b, reason);
	buf_adds(b, "</title>\n</head>\n<body>\n<h1>");
	html_textz(b, reason);
	buf_adds(b, "</h1>\n<p>");
	html_textz(b, err_msg(err));
	buf_adds(b, "</p>\n");
	if (r->error_detail) {
		buf_adds(b, "<p>");
		html_textz(b, r->error_detail);
		buf_adds(b, "</p>\n");
	}
	buf_adds(b, "<p><a href=\"/\">Infuus</a></p>\n</body>\n</html>\n");
}
