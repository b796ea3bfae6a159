/*
 * test_http.c - the transport: the pure parsers (path, urlencoded, cookies,
 * media types, multipart, Accept), the router, and a real server on
 * loopback spoken to with libcurl and raw sockets (status codes, security
 * headers, body limits, HEAD, static files, errors, graceful stop).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "http/http.h"
#include "http/parse.h"
#include "http/router.h"
#include "http/static.h"

#define CSP_WANT "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; media-src 'self' blob:; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* ======================================================================
 * Parsers
 * ====================================================================== */

static int
path(const char *raw, const char **out, struct arena *a)
{
	return http_parse_path(a, str_c(raw), out);
}

static void
path_decodes_percent_and_keeps_segments(void **state)
{
	struct arena a;
	const char *p = NULL;

	(void)state;
	arena_init(&a);
	assert_int_equal(path("/", &p, &a), 0);
	assert_string_equal(p, "/");
	assert_int_equal(path("/a%20b/%C3%A9t%c3%a9", &p, &a), 0);
	assert_string_equal(p, "/a b/\xc3\xa9t\xc3\xa9");
	/* '+' is literal in a path; empty segments are kept. */
	assert_int_equal(path("/a+b//c/", &p, &a), 0);
	assert_string_equal(p, "/a+b//c/");
	/* Dots inside names are fine; only "." and ".." segments are not. */
	assert_int_equal(path("/static/app.v2.css", &p, &a), 0);
	assert_int_equal(path("/.well-known/x", &p, &a), 0);
	assert_int_equal(path("/a/.../b", &p, &a), 0);
	/* Raw UTF-8 and characters browsers leave unencoded. */
	assert_int_equal(path("/caf\xc3\xa9|^", &p, &a), 0);
	assert_string_equal(p, "/caf\xc3\xa9|^");
	arena_release(&a);
}

static void
path_refuses_hostile_forms(void **state)
{
	static const char *const bad[] = {
		"", "a", "x/y", "*", "http://evil/x",
		"/a%00b", "/%00", "/a%2Fb", "/a%2fb",
		"/..", "/../etc/passwd", "/a/../b", "/a/..", "/.", "/./a",
		"/%2e%2e/x", "/%2E%2E", "/a/%2e", "/.%2e/x",
		"/a b", "/a\tb", "/a\x01", "/a\x7f", "/a#frag",
		"/%zz", "/%4", "/%", "/a%g0",
		"/%0a", "/%0D%0ASet-Cookie:x", "/%7f",
		"/%C0%AF", "/%FF", "/%ED%A0%80", "/\xc3",
	};
	struct arena a;
	const char *p = "untouched";
	size_t i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (path(bad[i], &p, &a) != ERR_PARSE)
			fail_msg("path #%zu \"%s\" was not refused", i, bad[i]);
	assert_string_equal(p, "untouched");
	arena_release(&a);
}

static void
path_limits_length_and_segments(void **state)
{
	struct buf b = BUF_INIT;
	struct arena a;
	const char *p;
	int i;

	(void)state;
	arena_init(&a);
	buf_addch(&b, '/');
	while (b.len < LIMIT_PATH)
		buf_addch(&b, 'x');
	assert_int_equal(path(b.p, &p, &a), 0);
	buf_addch(&b, 'x');
	assert_int_equal(path(b.p, &p, &a), ERR_TOOBIG);

	buf_reset(&b);
	for (i = 0; i < LIMIT_PATH_SEGMENTS; i++)
		buf_adds(&b, "/s");
	assert_int_equal(path(b.p, &p, &a), 0);
	buf_adds(&b, "/s");
	assert_int_equal(path(b.p, &p, &a), ERR_TOOMANY);
	buf_release(&b);
	arena_release(&a);
}

static void
urlencoded_decodes_pairs(void **state)
{
	struct arena a;
	struct kv *kv = NULL;
	size_t n = 99;

	(void)state;
	arena_init(&a);
	assert_int_equal(http_parse_urlencoded(&a,
	    STR("a=1&b=x+y&c=%26%3d&d&e=&&=skipped&f=caf%C3%A9&a=2"), 64,
	    &kv, &n), 0);
	assert_int_equal(n, 7);
	assert_string_equal(kv[0].key, "a");
	assert_string_equal(kv[0].val, "1");
	assert_string_equal(kv[1].val, "x y");
	assert_string_equal(kv[2].val, "&=");
	assert_int_equal(kv[2].vlen, 2);
	assert_string_equal(kv[3].key, "d");
	assert_string_equal(kv[3].val, "");
	assert_string_equal(kv[4].key, "e");
	assert_string_equal(kv[5].val, "caf\xc3\xa9");
	assert_string_equal(kv[6].key, "a");
	assert_string_equal(kv[6].val, "2");

	assert_int_equal(http_parse_urlencoded(&a, STR("&&&"), 64, &kv, &n), 0);
	assert_int_equal(n, 0);
	assert_null(kv);
	assert_int_equal(http_parse_urlencoded(&a, STR(""), 64, &kv, &n), 0);
	assert_int_equal(n, 0);
	arena_release(&a);
}

static void
urlencoded_refuses_bad_encodings_and_counts(void **state)
{
	static const char *const bad[] = {
		"a=%zz", "a=%4", "a=%", "a=%00", "%00=1", "a=%FF", "%C0%80=x",
		"a=1&b=%e2%82",
	};
	struct buf b = BUF_INIT;
	struct arena a;
	struct kv *kv = NULL;
	size_t n = 0, i, before;

	(void)state;
	arena_init(&a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_parse_urlencoded(&a, str_c(bad[i]), 64, &kv, &n) !=
		    ERR_PARSE)
			fail_msg("urlencoded #%zu \"%s\" not refused", i, bad[i]);
	assert_int_equal(http_parse_urlencoded(&a, STR("a&b&c"), 2, &kv, &n),
	    ERR_TOOMANY);
	assert_int_equal(http_parse_urlencoded(&a, STR("a&b"), 2, &kv, &n), 0);
	assert_int_equal(n, 2);

	/* A huge count is refused before anything is allocated for it. */
	for (i = 0; i < 200000; i++)
		buf_adds(&b, "x=1&");
	before = a.used_total;
	assert_int_equal(http_parse_urlencoded(&a, buf_str(&b),
	    LIMIT_FORM_FIELDS, &kv, &n), ERR_TOOMANY);
	assert_int_equal(a.used_total, before);
	buf_release(&b);
	arena_release(&a);
}

static void
cookies_are_read_leniently(void **state)
{
	struct arena a;
	struct kv *kv = NULL;
	size_t n = 0;

	(void)state;
	arena_init(&a);
	assert_int_equal(http_parse_cookies(&a,
	    STR(" sid = abc ;;theme=\"dark\"; flag; =nameless; eq=a=b; "
	    "ctl=x\x01y; last=1;"), &kv, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(kv[0].key, "sid");
	assert_string_equal(kv[0].val, "abc");
	assert_string_equal(kv[1].key, "theme");
	assert_string_equal(kv[1].val, "dark");
	assert_string_equal(kv[2].key, "eq");
	assert_string_equal(kv[2].val, "a=b");
	assert_string_equal(kv[3].key, "last");
	assert_string_equal(kv[3].val, "1");

	/* Values are not decoded; a lone quote stays. */
	assert_int_equal(http_parse_cookies(&a, STR("a=%41; b=\""), &kv, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(kv[0].val, "%41");
	assert_string_equal(kv[1].val, "\"");

	assert_int_equal(http_parse_cookies(&a, STR(""), &kv, &n), 0);
	assert_int_equal(n, 0);
	arena_release(&a);
}

static void
cookies_are_limited_in_number(void **state)
{
	struct buf b = BUF_INIT;
	struct arena a;
	struct kv *kv = NULL;
	size_t n = 0;
	int i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < LIMIT_COOKIES; i++)
		buf_printf(&b, "c%d=%d; ", i, i);
	/* Skipped items do not count. */
	buf_adds(&b, "junk; =x; ");
	assert_int_equal(http_parse_cookies(&a, buf_str(&b), &kv, &n), 0);
	assert_int_equal(n, LIMIT_COOKIES);
	assert_string_equal(kv[LIMIT_COOKIES - 1].val, "31");
	buf_adds(&b, "one=more");
	assert_int_equal(http_parse_cookies(&a, buf_str(&b), &kv, &n),
	    ERR_TOOMANY);
	buf_release(&b);
	arena_release(&a);
}

static void
media_type_and_boundary(void **state)
{
	struct arena a;
	struct str bd;

	(void)state;
	arena_init(&a);
	assert_string_equal(http_media_type(&a,
	    STR(" Text/HTML ; charset=UTF-8")), "text/html");
	assert_string_equal(http_media_type(&a, STR("")), "");

	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; boundary=----WebKitFormBoundaryX1"), &bd), 0);
	assert_true(str_eqc(bd, "----WebKitFormBoundaryX1"));
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; charset=utf-8; BOUNDARY=\"a b:c\""), &bd), 0);
	assert_true(str_eqc(bd, "a b:c"));
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data;boundary=x;"), &bd), 0);
	assert_true(str_eqc(bd, "x"));

	assert_int_equal(http_multipart_boundary(STR("multipart/form-data"),
	    &bd), ERR_PARSE);
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; charset=utf-8"), &bd), ERR_PARSE);
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; boundary="), &bd), ERR_PARSE);
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; boundary=\"\""), &bd), ERR_PARSE);
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; boundary=\"ab \""), &bd), ERR_PARSE);
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; boundary=\"a@b\""), &bd), ERR_PARSE);
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; boundary=\"open"), &bd), ERR_PARSE);
	assert_int_equal(http_multipart_boundary(
	    STR("multipart/form-data; boundary=a; boundary=b"), &bd), ERR_PARSE);
	assert_int_equal(http_multipart_boundary(STR("multipart/form-data; "
	    "boundary=12345678901234567890123456789012345678901234567890"
	    "123456789012345678901"), &bd), ERR_PARSE); /* 71 characters */
	arena_release(&a);
}

struct mp {
	struct kv *form;
	size_t nform;
	struct upload *up;
	size_t nup;
};

static int
mp_parse(struct arena *a, const char *body, size_t len, size_t max_parts,
    size_t max_file, struct mp *m)
{
	memset(m, 0, sizeof(*m));
	return http_parse_multipart(a, (struct str){ body, len }, STR("XyZ"),
	    max_parts, max_file, &m->form, &m->nform, &m->up, &m->nup);
}

#define MP(lit) (lit), (sizeof(lit) - 1)

static void
multipart_reads_fields_and_files(void **state)
{
	static const char body[] =
	    "preamble to ignore\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n"
	    "\r\n"
	    "Hello\r\nworld --XyZ is not a delimiter here\r\n"
	    "--XyZ  \r\n"
	    "content-disposition: form-data; name=\"file\"; filename=\"a \\b.bin\"\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "\r\n"
	    "\x00\x01\r\n--Xy\r\n-\xff\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=empty; filename=\"\"\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ--\r\n"
	    "epilogue --XyZ\r\n";
	struct arena a;
	struct mp m;

	(void)state;
	arena_init(&a);
	assert_int_equal(mp_parse(&a, MP(body), 64, 1024, &m), 0);
	assert_int_equal(m.nform, 1);
	assert_string_equal(m.form[0].key, "title");
	assert_string_equal(m.form[0].val, "Hello\r\nworld --XyZ is not a delimiter here");
	assert_int_equal(m.nup, 2);
	assert_string_equal(m.up[0].field, "file");
	assert_string_equal(m.up[0].filename, "a \\b.bin");
	assert_string_equal(m.up[0].type, "application/octet-stream");
	assert_int_equal(m.up[0].len, 12);
	assert_memory_equal(m.up[0].data, "\x00\x01\r\n--Xy\r\n-\xff", 12);
	assert_string_equal(m.up[1].field, "empty");
	assert_string_equal(m.up[1].filename, "");
	assert_int_equal(m.up[1].len, 0);

	/* A body that starts with the delimiter and has no parts. */
	assert_int_equal(mp_parse(&a, MP("--XyZ--"), 64, 1024, &m), 0);
	assert_int_equal(m.nform + m.nup, 0);
	arena_release(&a);
}

static void
multipart_refuses_hostile_bodies(void **state)
{
	static const struct {
		const char *body;
		int want;
	} cases[] = {
		{ "", ERR_PARSE },
		{ "no delimiter at all", ERR_PARSE },
		/* truncated: no closing delimiter */
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue",
		    ERR_PARSE },
		/* truncated in the headers */
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\r\n", ERR_PARSE },
		/* cut right after the delimiter */
		{ "--XyZ", ERR_PARSE },
		{ "--XyZ\r\n", ERR_PARSE },
		/* garbage after a delimiter */
		{ "--XyZjunk\r\n\r\n--XyZ--", ERR_PARSE },
		/* no Content-Disposition / not form-data / no name */
		{ "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--", ERR_PARSE },
		{ "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--",
		    ERR_PARSE },
		{ "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",
		    ERR_PARSE },
		{ "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--XyZ--",
		    ERR_PARSE },
		{ "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--",
		    ERR_PARSE },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nv\r\n--XyZ--",
		    ERR_PARSE },
		/* headers without a part body separator, bare LF, folding */
		{ "--XyZ\r\n\r\nv\r\n--XyZ--", ERR_PARSE },
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\n\r\n\r\nv\r\n--XyZ--",
		    ERR_PARSE },
		{ "--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nv\r\n--XyZ--",
		    ERR_PARSE },
		/* a text field with NUL or invalid UTF-8 */
		{ "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\xff\r\n--XyZ--",
		    ERR_PARSE },
		/* a delimiter of another boundary only */
		{ "--Other\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--Other--",
		    ERR_PARSE },
	};
	struct arena a;
	struct mp m;
	size_t i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (mp_parse(&a, cases[i].body, strlen(cases[i].body), 64, 1024,
		    &m) != cases[i].want)
			fail_msg("multipart case #%zu not refused as %d", i,
			    cases[i].want);
	/* A NUL inside a text field (strlen would stop at it above). */
	assert_int_equal(mp_parse(&a, MP("--XyZ\r\nContent-Disposition: "
	    "form-data; name=a\r\n\r\na\0b\r\n--XyZ--"), 64, 1024, &m), ERR_PARSE);
	arena_release(&a);
}

static void
multipart_enforces_counts_and_sizes(void **state)
{
	struct buf b = BUF_INIT;
	struct arena a;
	struct mp m;
	int i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < 3; i++)
		buf_printf(&b, "--XyZ\r\nContent-Disposition: form-data; "
		    "name=f%d\r\n\r\nv\r\n", i);
	buf_adds(&b, "--XyZ--");
	assert_int_equal(mp_parse(&a, b.p, b.len, 3, 1024, &m), 0);
	assert_int_equal(m.nform, 3);
	assert_int_equal(mp_parse(&a, b.p, b.len, 2, 1024, &m), ERR_TOOMANY);

	/* Thousands of empty parts stop at the limit. */
	buf_reset(&b);
	for (i = 0; i < 10000; i++)
		buf_adds(&b, "--XyZ\r\nContent-Disposition: form-data; name=x\r\n\r\n\r\n");
	buf_adds(&b, "--XyZ--");
	assert_int_equal(mp_parse(&a, b.p, b.len, LIMIT_FORM_FIELDS, 1024, &m),
	    ERR_TOOMANY);

	/* A file over max_file. */
	buf_reset(&b);
	buf_adds(&b, "--XyZ\r\nContent-Disposition: form-data; name=f; "
	    "filename=x\r\n\r\n");
	for (i = 0; i < 1025; i++)
		buf_addch(&b, 'z');
	buf_adds(&b, "\r\n--XyZ--");
	assert_int_equal(mp_parse(&a, b.p, b.len, 64, 1025, &m), 0);
	assert_int_equal(mp_parse(&a, b.p, b.len, 64, 1024, &m), ERR_TOOBIG);

	/* Part headers over LIMIT_PART_HEADERS. */
	buf_reset(&b);
	buf_adds(&b, "--XyZ\r\nContent-Disposition: form-data; name=f\r\nX-Pad: ");
	for (i = 0; i < LIMIT_PART_HEADERS; i++)
		buf_addch(&b, 'p');
	buf_adds(&b, "\r\n\r\nv\r\n--XyZ--");
	assert_int_equal(mp_parse(&a, b.p, b.len, 64, 1024, &m), ERR_TOOBIG);
	buf_release(&b);
	arena_release(&a);
}

static void
accept_header_preference(void **state)
{
	(void)state;
	assert_true(http_accept_json(STR("application/json")));
	assert_true(http_accept_json(STR("application/json, text/html")));
	assert_true(http_accept_json(STR("text/html;q=0.5, application/json")));
	assert_true(http_accept_json(STR("application/json;charset=utf-8")));
	assert_false(http_accept_json(STR("text/html, application/json")));
	assert_false(http_accept_json(STR("text/html,application/xhtml+xml,"
	    "application/xml;q=0.9,*/*;q=0.8")));
	assert_false(http_accept_json(STR("*/*")));
	assert_false(http_accept_json(STR("application/json;q=0")));
	assert_false(http_accept_json(STR("application/json;q=bogus")));
	assert_false(http_accept_json(STR("")));
	assert_int_equal(http_method_parse("GET"), HTTP_GET);
	assert_int_equal(http_method_parse("PATCH"), HTTP_PATCH);
	assert_int_equal(http_method_parse("get"), 0);
	assert_int_equal(http_method_parse("OPTIONS"), 0);
}

static void
mime_types_by_extension(void **state)
{
	(void)state;
	assert_string_equal(http_mime_type("a/b/app.css"), "text/css; charset=utf-8");
	assert_string_equal(http_mime_type("x.JS"), "text/javascript; charset=utf-8");
	assert_string_equal(http_mime_type("logo.svg"), "image/svg+xml");
	assert_string_equal(http_mime_type("f.woff2"), "font/woff2");
	assert_string_equal(http_mime_type("noext"), "application/octet-stream");
	assert_string_equal(http_mime_type("dir.d/noext"), "application/octet-stream");
	assert_string_equal(http_mime_type("x.exe"), "application/octet-stream");
}

/* ======================================================================
 * Router
 * ====================================================================== */

static int
h_dummy(struct req *r)
{
	(void)r;
	return 0;
}

/* What a route's path names (struct route's obj and act) in the tables
 * here: nothing, or one object (of a kind the server does not interpret). */
#define NOOBJ ROUTE_OBJ_NONE, 0
#define ANOBJ ROUTE_OBJ_FIRST, 0

static const struct route rtable[] = {
	{ HTTP_GET, "/", h_dummy, 0, 0, 0, NOOBJ },
	{ HTTP_GET, "/t/new", h_dummy, 0, 0, 0, NOOBJ },
	{ HTTP_GET | HTTP_POST, "/t/:id", h_dummy, 0, 0, 0, ANOBJ },
	{ HTTP_GET, "/t/:id/m/:mid", h_dummy, 0, 0, 0, ANOBJ },
	{ HTTP_DELETE, "/t/:id/m/:mid", h_dummy, 0, 0, 0, ANOBJ },
	{ HTTP_POST, "/upload", h_dummy, 0, 0, 0, NOOBJ },
};
#define NRT (sizeof(rtable) / sizeof(rtable[0]))

/* In no table: what *rt holds before each call, so that a route the
 * router hands back on a miss shows (a NULL here would hide a router that
 * clears it, and prove nothing about one that does not). */
static const struct route stale = { HTTP_GET, "/stale", h_dummy, 0, 0, 0,
    ROUTE_OBJ_NONE, 0 };

static int
match(const char *p, unsigned m, const struct route **rt, struct kv *params,
    size_t *np, unsigned *allowed, struct arena *a)
{
	*rt = &stale;
	*np = 0;
	*allowed = 0;
	return http_route_match(rtable, NRT, m, p, a, rt, params, np, allowed);
}

/* After a miss: no route of the table came back (rt is untouched or
 * NULL). */
static bool
no_route_handed_back(const struct route *rt)
{
	size_t i;

	for (i = 0; i < NRT; i++)
		if (rt == &rtable[i])
			return false;
	return rt == &stale || rt == NULL;
}

/* A router that gets misses wrong: hands back the first route whose
 * pattern matched although its method did not. */
static int
leaky_match(const char *p, unsigned m, const struct route **rt,
    struct kv *params, size_t *np, unsigned *allowed, struct arena *a)
{
	int rc = match(p, m, rt, params, np, allowed, a);
	size_t i;

	for (i = 0; rc != 0 && i < NRT; i++)
		if (strcmp(rtable[i].pattern, p) == 0)
			*rt = &rtable[i];
	return rc;
}

static void
router_matches_literals_and_params(void **state)
{
	struct kv params[REQ_MAX_PARAMS];
	const struct route *rt;
	struct arena a;
	unsigned allowed;
	size_t np;

	(void)state;
	arena_init(&a);
	assert_int_equal(match("/", HTTP_GET, &rt, params, &np, &allowed, &a), 0);
	assert_ptr_equal(rt, &rtable[0]);
	assert_int_equal(np, 0);

	/* The literal route listed first wins over the parameter. */
	assert_int_equal(match("/t/new", HTTP_GET, &rt, params, &np, &allowed,
	    &a), 0);
	assert_ptr_equal(rt, &rtable[1]);

	assert_int_equal(match("/t/42", HTTP_POST, &rt, params, &np, &allowed,
	    &a), 0);
	assert_ptr_equal(rt, &rtable[2]);
	assert_int_equal(np, 1);
	assert_string_equal(params[0].key, "id");
	assert_string_equal(params[0].val, "42");

	assert_int_equal(match("/t/a b/m/7", HTTP_GET, &rt, params, &np,
	    &allowed, &a), 0);
	assert_ptr_equal(rt, &rtable[3]);
	assert_int_equal(np, 2);
	assert_string_equal(params[0].val, "a b");
	assert_string_equal(params[1].key, "mid");
	assert_string_equal(params[1].val, "7");

	/* Same pattern, other method: the next route. */
	assert_int_equal(match("/t/1/m/2", HTTP_DELETE, &rt, params, &np,
	    &allowed, &a), 0);
	assert_ptr_equal(rt, &rtable[4]);

	/* HEAD is served by GET routes. */
	assert_int_equal(match("/t/9", HTTP_HEAD, &rt, params, &np, &allowed,
	    &a), 0);
	assert_ptr_equal(rt, &rtable[2]);
	arena_release(&a);
}

static void
router_answers_404_and_405(void **state)
{
	struct kv params[REQ_MAX_PARAMS];
	const struct route *rt;
	struct arena a;
	unsigned allowed;
	size_t np;

	(void)state;
	arena_init(&a);
	assert_int_equal(match("/nope", HTTP_GET, &rt, params, &np, &allowed,
	    &a), ERR_NOTFOUND);
	assert_int_equal(allowed, 0);
	assert_true(no_route_handed_back(rt));
	assert_int_equal(match("/t/", HTTP_GET, &rt, params, &np, &allowed,
	    &a), ERR_NOTFOUND); /* a parameter is never empty */
	assert_true(no_route_handed_back(rt));
	assert_int_equal(match("/t/1/m", HTTP_GET, &rt, params, &np, &allowed,
	    &a), ERR_NOTFOUND);
	assert_true(no_route_handed_back(rt));
	assert_int_equal(match("/upload/", HTTP_POST, &rt, params, &np,
	    &allowed, &a), ERR_NOTFOUND); /* no trailing-slash folding */
	assert_true(no_route_handed_back(rt));
	assert_int_equal(match("/upload", HTTP_GET, &rt, params, &np, &allowed,
	    &a), ERR_METHOD);
	assert_int_equal(allowed, HTTP_POST);
	assert_true(no_route_handed_back(rt));
	assert_int_equal(np, 0);
	assert_int_equal(match("/t/new", HTTP_DELETE, &rt, params, &np,
	    &allowed, &a), ERR_METHOD);
	assert_int_equal(allowed, HTTP_GET | HTTP_HEAD | HTTP_POST);
	assert_string_equal(http_allow_header(&a, allowed), "GET, HEAD, POST");
	assert_true(no_route_handed_back(rt));
	assert_int_equal(match("/t/1/m/2", 0, &rt, params, &np, &allowed, &a),
	    ERR_METHOD);
	assert_string_equal(http_allow_header(&a, allowed),
	    "GET, HEAD, DELETE");
	assert_true(no_route_handed_back(rt));
	/* The check catches a router that hands back a route on a miss. */
	assert_int_equal(leaky_match("/upload", HTTP_GET, &rt, params, &np,
	    &allowed, &a), ERR_METHOD);
	assert_false(no_route_handed_back(rt));
	assert_false(no_route_handed_back(&rtable[0]));
	arena_release(&a);
}

static void
router_check_refuses_bad_tables(void **state)
{
	const struct route bad1[] = { { HTTP_GET, "nope", h_dummy, 0, 0, 0, NOOBJ } };
	const struct route bad2[] = { { HTTP_GET, "/a/:", h_dummy, 0, 0, 0, NOOBJ } };
	const struct route bad3[] = { { HTTP_GET, "/a", NULL, 0, 0, 0, NOOBJ } };
	const struct route bad4[] = { { 0, "/a", h_dummy, 0, 0, 0, NOOBJ } };
	const struct route bad5[] = {
		{ HTTP_GET, "/:a/:b/:c/:d/:e/:f/:g/:h/:i", h_dummy, 0, 0, 0, NOOBJ } };

	(void)state;
	/* rtable's first three routes; the ones with two ids are refused by
	 * router_check_wants_each_route_to_name_its_object. */
	assert_int_equal(http_routes_check(rtable, 3), 0);
	assert_int_equal(http_routes_check(bad1, 1), ERR_INVAL);
	assert_int_equal(http_routes_check(bad2, 1), ERR_INVAL);
	assert_int_equal(http_routes_check(bad3, 1), ERR_INVAL);
	assert_int_equal(http_routes_check(bad4, 1), ERR_INVAL);
	assert_int_equal(http_routes_check(bad5, 1), ERR_INVAL);
}

/* Routes are data down to the object their path names: a table that
 * forgets to say, or says something its pattern contradicts, is refused,
 * so the authorize hook can never be handed an id it was not told of. */
static void
router_check_wants_each_route_to_name_its_object(void **state)
{
	static const struct {
		const char *what;
		struct route rt;
		int want;
	} cases[] = {
		{ "no parameter, no object", { HTTP_GET, "/a", h_dummy, 0, 0,
		    0, NOOBJ }, 0 },
		{ "one id, an object", { HTTP_GET, "/a/:id/b", h_dummy, 0, 0,
		    0, ROUTE_OBJ_FIRST + 3, 7 }, 0 },
		{ "a secret is no object", { HTTP_GET, "/reset/:token",
		    h_dummy, 0, 0, 0, NOOBJ }, 0 },
		{ "object unset, no parameter", { HTTP_GET, "/a", h_dummy, 0,
		    0, 0, ROUTE_OBJ_UNSET, 0 }, ERR_INVAL },
		{ "object unset, an id", { HTTP_GET, "/a/:id", h_dummy, 0, 0,
		    0, ROUTE_OBJ_UNSET, 0 }, ERR_INVAL },
		{ "an id, but no object", { HTTP_GET, "/a/:id", h_dummy, 0, 0,
		    0, NOOBJ }, ERR_INVAL },
		{ "an object, but no parameter", { HTTP_GET, "/a", h_dummy, 0,
		    0, 0, ANOBJ }, ERR_INVAL },
		{ "an object, only a secret", { HTTP_GET, "/i/:token",
		    h_dummy, 0, 0, 0, ANOBJ }, ERR_INVAL },
		{ "an object, two ids", { HTTP_GET, "/t/:id/m/:mid", h_dummy,
		    0, 0, 0, ANOBJ }, ERR_INVAL },
	};
	size_t i;
	int bad = 0, rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = http_routes_check(&cases[i].rt, 1);
		if (rc != cases[i].want) {
			print_error("%s (%s): expected %s, got %s\n",
			    cases[i].what, cases[i].rt.pattern,
			    cases[i].want ? err_name(cases[i].want) : "valid",
			    rc ? err_name(rc) : "valid");
			bad++;
		}
	}
	/* One bad route spoils the table, wherever it stands. */
	assert_int_equal(http_routes_check(rtable, NRT), ERR_INVAL);
	assert_true(http_param_is_secret("token", 5));
	assert_true(http_param_is_secret("reset_secret", 12));
	assert_false(http_param_is_secret("tid", 3));
	assert_false(http_param_is_secret("tokens", 6));
	if (bad)
		fail_msg("%d of %zu route tables judged wrongly", bad, i);
}

static void
resp_helpers_copy_and_sanitise(void **state)
{
	struct req r;
	char v[16];

	(void)state;
	memset(&r, 0, sizeof(r));
	arena_init(&r.arena);
	buf_init(&r.resp);
	snprintf(v, sizeof(v), "%d", 7);
	resp_header(&r, "Retry-After", v);
	v[0] = 'X'; /* the header was copied */
	assert_string_equal(r.resp_headers[0].val, "7");
	resp_header(&r, "X-Test", "a\r\nSet-Cookie: evil=1");
	assert_string_equal(r.resp_headers[1].val, "a  Set-Cookie: evil=1");

	resp_redirect(&r, "//evil.example/x");
	assert_int_equal(r.status, 303);
	assert_string_equal(r.resp_headers[2].key, "Location");
	assert_string_equal(r.resp_headers[2].val, "/");
	resp_redirect(&r, "/\\evil.example");
	assert_string_equal(r.resp_headers[3].val, "/");
	resp_redirect(&r, "https://evil.example/");
	assert_string_equal(r.resp_headers[4].val, "/");
	resp_redirect(&r, "/login?next=%2Fa");
	assert_string_equal(r.resp_headers[5].val, "/login?next=%2Fa");

	resp_cookie(&r, "sid", "tok_en-1", -1);
	assert_string_equal(r.resp_headers[6].val,
	    "sid=tok_en-1; Path=/; HttpOnly; SameSite=Lax");
	r.tls = true;
	resp_cookie(&r, "sid", "", 0);
	assert_string_equal(r.resp_headers[7].val,
	    "sid=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0");
	buf_release(&r.resp);
	arena_release(&r.arena);
}

static void
req_json_checks_type_and_limits(void **state)
{
	struct json_t *v = NULL;
	struct req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	arena_init(&r.arena);
	r.content_type = "text/plain";
	r.body = STR("{\"a\":1}");
	assert_int_equal(req_json(&r, &v), ERR_MEDIATYPE);
	r.content_type = "application/json";
	r.body = STR("{\"a\":1,\"a\":2}");
	assert_int_equal(req_json(&r, &v), ERR_PARSE);
	assert_non_null(strstr(r.error_detail, "duplicate"));
	r.body = STR("{\"a\":1}");
	assert_int_equal(req_json(&r, &v), 0);
	assert_ptr_equal(v, r.json);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
	json_decref(r.json);
	arena_release(&r.arena);
}

/* ======================================================================
 * A real server on loopback
 * ====================================================================== */

struct tapp {
	atomic_int authorized;
	atomic_int finished;
};

struct srv {
	struct http_server *s;
	struct http_config cfg;
	struct tapp app;
	char dir[64];
	int port;
};

static int
h_hello(struct req *r)
{
	r->resp_type = "text/plain; charset=utf-8";
	buf_adds(&r->resp, "hello");
	return 0;
}

static int
h_echo(struct req *r)
{
	const char *name = req_form(r, "name");

	r->resp_type = "text/plain; charset=utf-8";
	buf_printf(&r->resp, "name=%s len=%zu q=%s", name ? name : "-",
	    r->body.len, req_query(r, "q") ? req_query(r, "q") : "-");
	return 0;
}

static int
h_upload(struct req *r)
{
	const struct upload *u = req_upload(r, "doc");

	if (u == NULL)
		return ERR_INVAL;
	r->resp_type = "text/plain; charset=utf-8";
	buf_printf(&r->resp, "%s %s %zu %s", u->filename, u->type, u->len,
	    req_form(r, "note") ? req_form(r, "note") : "-");
	return 0;
}

static int
h_slow(struct req *r)
{
	struct timespec ts = { 0, 600 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	buf_adds(&r->resp, "slow done");
	return 0;
}

static int
h_busy(struct req *r)
{
	(void)r;
	return ERR_BUSY;
}

static int
h_missing(struct req *r)
{
	(void)r;
	return ERR_NOTFOUND;
}

static int
h_api(struct req *r)
{
	struct json_t *v;
	struct str s;
	int rc;

	if ((rc = req_json(r, &v)) != 0)
		return rc;
	if (json_get_str(v, "k", 100, &s) != 0)
		return ERR_INVAL;
	resp_json(r, 201, s.p, s.len);
	return 0;
}

static int
h_param(struct req *r)
{
	buf_printf(&r->resp, "id=%s", req_param(r, "id"));
	return 0;
}

static int
h_addr(struct req *r)
{
	buf_adds(&r->resp, r->remote_addr);
	return 0;
}

static int
h_cookie(struct req *r)
{
	resp_cookie(r, "sid", "v1", 3600);
	buf_printf(&r->resp, "sid was %s", req_cookie(r, "sid") ?
	    req_cookie(r, "sid") : "-");
	return 0;
}

static int
h_throttled(struct req *r)
{
	resp_header(r, "Retry-After", "7");
	resp_header(r, "Cache-Control", "public, max-age=600");
	resp_header(r, "Location", "/elsewhere");
	buf_adds(&r->resp, "half-made page");
	return ERR_THROTTLED;
}

static int
h_private(struct req *r)
{
	buf_adds(&r->resp, "secret page");
	return 0;
}

enum { ROLE_PRIVATE = 1, ROLE_REDIRECT = 2 };

static const struct route stable[] = {
	{ HTTP_GET, "/hello", h_hello, 0, 0, 0, NOOBJ },
	{ HTTP_GET | HTTP_POST, "/echo", h_echo, 0, 0, 1024, NOOBJ },
	{ HTTP_POST, "/up", h_upload, 0, ROUTE_UPLOAD, 64 * 1024, NOOBJ },
	{ HTTP_GET, "/slow", h_slow, 0, 0, 0, NOOBJ },
	{ HTTP_GET, "/busy", h_busy, 0, 0, 0, NOOBJ },
	{ HTTP_GET, "/throttled", h_throttled, 0, 0, 0, NOOBJ },
	{ HTTP_GET, "/api/missing", h_missing, 0, ROUTE_JSON, 0, NOOBJ },
	{ HTTP_POST, "/api/echo", h_api, 0, ROUTE_JSON, 1024, NOOBJ },
	{ HTTP_GET, "/t/:id", h_param, 0, 0, 0, ANOBJ },
	{ HTTP_GET, "/reset/:token", h_param, 0, 0, 0, NOOBJ },
	{ HTTP_GET, "/cookie", h_cookie, 0, 0, 0, NOOBJ },
	{ HTTP_GET, "/addr", h_addr, 0, 0, 0, NOOBJ },
	{ HTTP_GET, "/private", h_private, ROLE_PRIVATE, 0, 0, NOOBJ },
	{ HTTP_GET, "/gate", h_private, ROLE_REDIRECT, 0, 0, NOOBJ },
};

static int
t_authorize(struct req *r)
{
	struct tapp *app = r->app;
	const char *c;

	atomic_fetch_add(&app->authorized, 1);
	if (r->route->roles == ROLE_PRIVATE) {
		c = req_cookie(r, "sid");
		return c && strcmp(c, "ok") == 0 ? 0 : ERR_AUTH;
	}
	if (r->route->roles == ROLE_REDIRECT) {
		resp_redirect(r, "/login?next=%2Fgate");
		return 1;
	}
	return 0;
}

static void
t_finish(struct req *r)
{
	struct tapp *app = r->app;

	atomic_fetch_add(&app->finished, 1);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct srv *
srv_start(bool tls_proxy, bool access_log)
{
	struct srv *v = calloc(1, sizeof(*v));
	char p[128];

	assert_non_null(v);
	snprintf(v->dir, sizeof(v->dir), "/tmp/infuus-http-XXXXXX");
	assert_non_null(mkdtemp(v->dir));
	write_file(v->dir, "app.css", "body { color: black; }\n");
	write_file(v->dir, ".hidden", "not for you\n");
	write_file(v->dir, "empty.txt", "");
	/* Links that lead out of the static directory. */
	snprintf(p, sizeof(p), "%s/outdir", v->dir);
	assert_int_equal(symlink("/etc", p), 0);
	snprintf(p, sizeof(p), "%s/passwd.css", v->dir);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	v->cfg.listen = "127.0.0.1:0";
	v->cfg.threads = 2;
	v->cfg.routes = stable;
	v->cfg.nroutes = sizeof(stable) / sizeof(stable[0]);
	v->cfg.hooks.authorize = t_authorize;
	v->cfg.hooks.finish = t_finish;
	v->cfg.app = &v->app;
	v->cfg.static_dir = v->dir;
	v->cfg.tls_proxy = tls_proxy;
	v->cfg.access_log = access_log;
	assert_int_equal(http_server_start(&v->cfg, &v->s), 0);
	v->port = http_server_port(v->s);
	assert_true(v->port > 0);
	return v;
}

static void
srv_stop(struct srv *v)
{
	char p[128];

	http_server_stop(v->s);
	snprintf(p, sizeof(p), "%s/app.css", v->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/.hidden", v->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/empty.txt", v->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/outdir", v->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/passwd.css", v->dir);
	unlink(p);
	rmdir(v->dir);
	free(v);
}

static int
group_setup(void **state)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	*state = srv_start(false, false);
	return 0;
}

static int
group_teardown(void **state)
{
	srv_stop(*state);
	curl_global_cleanup();
	return 0;
}

struct res {
	long status;
	struct buf body;
	struct buf head;
};

static size_t
collect(char *p, size_t sz, size_t n, void *ud)
{
	buf_add(ud, p, sz * n);
	return sz * n;
}

struct feed {
	size_t left;
	size_t piece;
};

static size_t
feeder(char *p, size_t sz, size_t n, void *ud)
{
	struct feed *f = ud;
	size_t k = sz * n;

	if (k > f->piece)
		k = f->piece;
	if (k > f->left)
		k = f->left;
	memset(p, 'b', k);
	f->left -= k;
	return k;
}

struct opts {
	const char *method;          /* NULL: GET, or POST with a body */
	const char *body;
	size_t chunked;              /* > 0: send this many bytes chunked */
	const char *headers[6];
	bool head;
	CURL *reuse;                 /* a handle to keep the connection */
};

static void
res_release(struct res *r)
{
	buf_release(&r->body);
	buf_release(&r->head);
}

static CURLcode
fetch(struct srv *v, const char *path, const struct opts *o, struct res *r)
{
	struct curl_slist *hl = NULL;
	struct feed feed;
	char url[512];
	CURL *c = o && o->reuse ? o->reuse : curl_easy_init();
	CURLcode cc;
	size_t i;

	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
	buf_init(&r->head);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", v->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->head);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (o && o->head)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (o && o->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(o->body));
	}
	if (o && o->chunked) {
		feed.left = o->chunked;
		feed.piece = 512;
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, feeder);
		curl_easy_setopt(c, CURLOPT_READDATA, &feed);
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
	}
	if (o && o->method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	for (i = 0; o && i < 6 && o->headers[i]; i++)
		hl = curl_slist_append(hl, o->headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	if (!(o && o->reuse))
		curl_easy_cleanup(c);
	return cc;
}

/* The value of a response header (the last one of that name), or NULL;
 * in a static buffer of the caller. */
static const char *
hdr(const struct res *r, const char *name, char *out, size_t outsz)
{
	const char *p = r->head.p, *eol;
	size_t n = strlen(name);
	const char *found = NULL;
	size_t flen = 0;

	while ((eol = strstr(p, "\r\n")) != NULL) {
		if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			found = p + n + 1;
			while (*found == ' ')
				found++;
			flen = (size_t)(eol - found);
		}
		p = eol + 2;
	}
	if (found == NULL)
		return NULL;
	if (flen >= outsz)
		flen = outsz - 1;
	memcpy(out, found, flen);
	out[flen] = '\0';
	return out;
}

static void
assert_header(const struct res *r, const char *name, const char *want)
{
	char v[1024];

	if (hdr(r, name, v, sizeof(v)) == NULL)
		fail_msg("status %ld: header %s missing; headers were:\n%s",
		    r->status, name, r->head.p);
	if (strcmp(v, want) != 0)
		fail_msg("header %s: expected \"%s\", got \"%s\"", name, want, v);
}

static void
assert_security_headers(const struct res *r, bool dynamic)
{
	assert_header(r, "Content-Security-Policy", CSP_WANT);
	assert_header(r, "X-Content-Type-Options", "nosniff");
	assert_header(r, "X-Frame-Options", "DENY");
	assert_header(r, "Referrer-Policy", "same-origin");
	assert_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	assert_header(r, "Permissions-Policy",
	    "accelerometer=(), camera=(self), geolocation=(), gyroscope=(), "
	    "magnetometer=(), microphone=(self), payment=(), usb=()");
	if (dynamic)
		assert_header(r, "Cache-Control", "no-store");
}

static void
server_answers_200_with_security_headers(void **state)
{
	struct srv *v = *state;
	struct res r;
	char tmp[64];

	assert_int_equal(fetch(v, "/hello", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.p, "hello");
	assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
	assert_security_headers(&r, true);
	/* No HSTS without TLS. */
	assert_null(hdr(&r, "Strict-Transport-Security", tmp, sizeof(tmp)));
	res_release(&r);

	assert_int_equal(fetch(v, "/t/a%20b?x=1", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.p, "id=a b");
	res_release(&r);
}

static void
server_answers_404_page_and_keeps_the_connection(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;
	long conns = -1;

	o.reuse = curl_easy_init();
	assert_int_equal(fetch(v, "/no/such/page", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	assert_header(&r, "Content-Type", "text/html; charset=utf-8");
	assert_non_null(strstr(r.body.p, "<!DOCTYPE html>"));
	assert_non_null(strstr(r.body.p, "does not exist"));
	assert_security_headers(&r, true);
	res_release(&r);
	/* A 404 keeps the connection alive: the next request reuses it. */
	assert_int_equal(fetch(v, "/hello", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	curl_easy_getinfo(o.reuse, CURLINFO_NUM_CONNECTS, &conns);
	assert_int_equal(conns, 0);
	res_release(&r);
	curl_easy_cleanup(o.reuse);
}

static void
server_answers_405_with_allow(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;

	o.method = "DELETE";
	assert_int_equal(fetch(v, "/echo", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD, POST");
	assert_security_headers(&r, true);
	res_release(&r);

	o.method = "OPTIONS";
	assert_int_equal(fetch(v, "/hello", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD");
	res_release(&r);
}

static void
server_serves_head_without_body(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;

	o.head = true;
	assert_int_equal(fetch(v, "/hello", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	assert_header(&r, "Content-Length", "5");
	assert_security_headers(&r, true);
	res_release(&r);
}

static void
server_parses_form_and_query(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;

	o.body = "name=Ann+Smith&x=%26";
	assert_int_equal(fetch(v, "/echo?q=caf%C3%A9", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.p, "name=Ann Smith len=20 q=caf\xc3\xa9");
	res_release(&r);

	o.body = "name=%zz";
	assert_int_equal(fetch(v, "/echo", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body.p, "could not be read"));
	assert_security_headers(&r, true);
	res_release(&r);

	o.body = NULL;
	assert_int_equal(fetch(v, "/echo?q=%00", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 400);
	res_release(&r);
}

static void
server_refuses_announced_oversize_body(void **state)
{
	struct srv *v = *state;
	struct buf big = BUF_INIT;
	struct opts o = { 0 };
	struct res r;

	while (big.len < 2048)
		buf_adds(&big, "name=xxxxxxxxxx&");
	o.body = big.p;
	assert_int_equal(fetch(v, "/echo", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 413);
	assert_security_headers(&r, true);
	res_release(&r);

	/* With Expect: 100-continue the body is never sent at all. */
	o.headers[0] = "Expect: 100-continue";
	assert_int_equal(fetch(v, "/echo", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 413);
	assert_security_headers(&r, true);
	res_release(&r);

	/* A body on a route that takes none. */
	o.headers[0] = NULL;
	o.body = "x=1";
	o.method = "GET";
	assert_int_equal(fetch(v, "/hello", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 413);
	res_release(&r);
	buf_release(&big);
}

static void
server_refuses_chunked_oversize_body(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;

	/* Within the limit, chunked works. */
	o.chunked = 1000;
	assert_int_equal(fetch(v, "/echo", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.p, "name=- len=1000 q=-");
	res_release(&r);

	/* Over it: a 413 with every header while the body still flows. */
	o.chunked = 64 * 1024;
	fetch(v, "/echo", &o, &r);
	assert_int_equal(r.status, 413);
	assert_security_headers(&r, true);
	assert_non_null(strstr(r.body.p, "larger than allowed"));
	res_release(&r);

	/* And the server is fine afterwards. */
	assert_int_equal(fetch(v, "/hello", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	res_release(&r);
}

/* Send raw bytes, read the whole answer (the request says close). */
static void
raw(struct srv *v, const char *req, struct buf *out)
{
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	char tmp[4096];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)v->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL),
	    (ssize_t)strlen(req));
	while ((n = recv(fd, tmp, sizeof(tmp), 0)) > 0)
		buf_add(out, tmp, (size_t)n);
	close(fd);
}

static void
server_answers_400_for_malformed_paths(void **state)
{
	static const char *const reqs[] = {
		"GET /a%00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /static/%2e%2e/secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET http://evil.example/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /%E0%80%AF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	};
	struct srv *v = *state;
	struct buf out = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		buf_reset(&out);
		raw(v, reqs[i], &out);
		if (strncmp(out.p, "HTTP/1.1 400 ", 13) != 0)
			fail_msg("request #%zu: expected 400, got: %.60s", i, out.p);
		if (strstr(out.p, "\r\nContent-Security-Policy: default-src 'none'")
		    == NULL || strstr(out.p, "\r\nX-Content-Type-Options: nosniff")
		    == NULL || strstr(out.p, "\r\nX-Frame-Options: DENY") == NULL)
			fail_msg("request #%zu: security headers missing:\n%s", i,
			    out.p);
		if (strstr(out.p, "not allowed") == NULL)
			fail_msg("request #%zu: no clear message:\n%s", i, out.p);
	}
	buf_release(&out);
}

/*
 * What MHD answers itself (a header line it cannot parse, an unknown HTTP
 * version) carries none of our headers: MHD 0.9.75 has no hook for it.
 * What we rely on instead: such answers echo nothing of the request and
 * close the connection.
 */
static void
server_protocol_errors_from_mhd_echo_nothing(void **state)
{
	static const char *const reqs[] = {
		"GET /x HTTP/1.1\r\nHost: x\r\n<script>alert(1)</script>\r\n\r\n",
		"GET /<script> HTTP/9.9\r\nHost: x\r\n\r\n",
	};
	struct srv *v = *state;
	struct buf out = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		buf_reset(&out);
		raw(v, reqs[i], &out);
		assert_true(strncmp(out.p, "HTTP/1.1 4", 10) == 0 ||
		    strncmp(out.p, "HTTP/1.1 5", 10) == 0);
		assert_null(strstr(out.p, "<script"));
		assert_non_null(strstr(out.p, "\r\nConnection: close\r\n"));
	}
	buf_release(&out);
}

static void
server_serves_static_files_with_etag(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;
	char etag[128], inm[160];

	assert_int_equal(fetch(v, "/static/app.css", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.p, "body { color: black; }\n");
	assert_header(&r, "Content-Type", "text/css; charset=utf-8");
	assert_header(&r, "Cache-Control", "public, max-age=3600");
	assert_security_headers(&r, false);
	assert_non_null(hdr(&r, "ETag", etag, sizeof(etag)));
	assert_true(etag[0] == '"');
	res_release(&r);

	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	o.headers[0] = inm;
	assert_int_equal(fetch(v, "/static/app.css", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.body.len, 0);
	assert_header(&r, "ETag", etag);
	assert_security_headers(&r, false);
	res_release(&r);

	o.headers[0] = "If-None-Match: \"other\"";
	assert_int_equal(fetch(v, "/static/app.css", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	res_release(&r);

	o.headers[0] = NULL;
	o.head = true;
	assert_int_equal(fetch(v, "/static/app.css", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	assert_header(&r, "Content-Length", "23");
	res_release(&r);
	o.head = false;

	assert_int_equal(fetch(v, "/static/empty.txt", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
	res_release(&r);

	assert_int_equal(fetch(v, "/static/.hidden", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	assert_security_headers(&r, true);
	res_release(&r);
	assert_int_equal(fetch(v, "/static/outdir/passwd", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	res_release(&r);
	assert_int_equal(fetch(v, "/static/passwd.css", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	res_release(&r);
	assert_int_equal(fetch(v, "/static/nope.css", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	res_release(&r);
	assert_int_equal(fetch(v, "/static/", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	res_release(&r);
	assert_int_equal(fetch(v, "/static/../etc/passwd", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 400);
	res_release(&r);
	o.method = "POST";
	assert_int_equal(fetch(v, "/static/app.css", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD");
	res_release(&r);
}

static void
server_answers_503_with_retry_after(void **state)
{
	struct srv *v = *state;
	struct res r;

	assert_int_equal(fetch(v, "/busy", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 503);
	assert_header(&r, "Retry-After", "1");
	assert_security_headers(&r, true);
	res_release(&r);
}

static void
server_error_keeps_only_cookie_and_retry_after(void **state)
{
	struct srv *v = *state;
	struct res r;
	char tmp[64];

	assert_int_equal(fetch(v, "/throttled", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 429);
	assert_header(&r, "Retry-After", "7");
	assert_header(&r, "Cache-Control", "no-store");
	assert_null(hdr(&r, "Location", tmp, sizeof(tmp)));
	assert_null(strstr(r.body.p, "half-made"));
	assert_non_null(strstr(r.body.p, "Too many attempts"));
	res_release(&r);
}

static void
server_answers_json_errors_to_json_clients(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;

	assert_int_equal(fetch(v, "/api/missing", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	assert_header(&r, "Content-Type", "application/json");
	assert_string_equal(r.body.p, "{\"error\":\"NOTFOUND\",\"message\":"
	    "\"This page or item does not exist.\"}");
	assert_security_headers(&r, true);
	res_release(&r);

	o.headers[0] = "Accept: application/json";
	assert_int_equal(fetch(v, "/nowhere", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	assert_header(&r, "Content-Type", "application/json");
	res_release(&r);

	o.headers[0] = "Content-Type: application/json";
	o.body = "{\"k\":\"v\",\"k\":\"w\"}";
	assert_int_equal(fetch(v, "/api/echo", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body.p, "\"error\":\"PARSE\""));
	assert_non_null(strstr(r.body.p, "duplicate"));
	res_release(&r);

	o.body = "{\"k\":\"value\"}";
	assert_int_equal(fetch(v, "/api/echo", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body.p, "value");
	res_release(&r);

	o.headers[0] = "Content-Type: text/plain";
	assert_int_equal(fetch(v, "/api/echo", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 415);
	res_release(&r);
}

static void
server_accepts_uploads_only_on_upload_routes(void **state)
{
	struct srv *v = *state;
	curl_mime *mime;
	curl_mimepart *part;
	struct res r;
	char url[128];
	CURL *c;

	c = curl_easy_init();
	mime = curl_mime_init(c);
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "note");
	curl_mime_data(part, "see attached", CURL_ZERO_TERMINATED);
	part = curl_mime_addpart(mime);
	curl_mime_name(part, "doc");
	curl_mime_filename(part, "report.txt");
	curl_mime_type(part, "text/plain");
	curl_mime_data(part, "0123456789", 10);
	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	buf_init(&r.head);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/up", v->port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.head);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.p, "report.txt text/plain 10 see attached");
	res_release(&r);

	/* The same body on a route without ROUTE_UPLOAD. */
	buf_init(&r.body);
	buf_init(&r.head);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", v->port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	assert_int_equal(r.status, 415);
	assert_security_headers(&r, true);
	res_release(&r);
	curl_easy_cleanup(c);
	curl_mime_free(mime);
}

static void
server_runs_authorize_and_finish(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;
	int before_a, before_f;

	before_a = atomic_load(&v->app.authorized);
	before_f = atomic_load(&v->app.finished);
	assert_int_equal(fetch(v, "/private", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 401);
	assert_security_headers(&r, true);
	res_release(&r);

	o.headers[0] = "Cookie: theme=dark; sid=ok";
	assert_int_equal(fetch(v, "/private", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.p, "secret page");
	res_release(&r);

	/* authorize answering itself (1): the redirect goes out as is. */
	assert_int_equal(fetch(v, "/gate", NULL, &r), CURLE_OK);
	assert_int_equal(r.status, 303);
	assert_header(&r, "Location", "/login?next=%2Fgate");
	assert_int_equal(r.body.len, 0);
	res_release(&r);

	/* A 404 never reaches authorize. */
	assert_int_equal(fetch(v, "/nowhere", NULL, &r), CURLE_OK);
	res_release(&r);
	assert_int_equal(atomic_load(&v->app.authorized) - before_a, 3);
	assert_int_equal(atomic_load(&v->app.finished) - before_f, 3);
}

static void
server_sets_cookies_with_attributes(void **state)
{
	struct srv *v = *state;
	struct opts o = { 0 };
	struct res r;

	/* Without a proxy, X-Forwarded-For is not believed. */
	o.headers[0] = "X-Forwarded-For: 198.51.100.7";
	assert_int_equal(fetch(v, "/addr", &o, &r), CURLE_OK);
	assert_string_equal(r.body.p, "127.0.0.1");
	res_release(&r);

	o.headers[0] = "Cookie: sid=old";
	assert_int_equal(fetch(v, "/cookie", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.p, "sid was old");
	assert_header(&r, "Set-Cookie",
	    "sid=v1; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600");
	res_release(&r);
}

static void
server_behind_tls_proxy_adds_hsts_and_secure(void **state)
{
	struct srv *v;
	struct opts o = { 0 };
	struct res r;

	(void)state;
	v = srv_start(true, false);
	assert_int_equal(fetch(v, "/cookie", NULL, &r), CURLE_OK);
	assert_header(&r, "Strict-Transport-Security",
	    "max-age=31536000; includeSubDomains");
	assert_header(&r, "Set-Cookie",
	    "sid=v1; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=3600");
	res_release(&r);
	/* The client address is the entry the proxy appended. */
	o.headers[0] = "X-Forwarded-For: 203.0.113.9, 198.51.100.7";
	assert_int_equal(fetch(v, "/addr", &o, &r), CURLE_OK);
	assert_string_equal(r.body.p, "198.51.100.7");
	res_release(&r);
	o.headers[0] = "X-Forwarded-For: 203.0.113.9, bogus";
	assert_int_equal(fetch(v, "/addr", &o, &r), CURLE_OK);
	assert_string_equal(r.body.p, "127.0.0.1");
	res_release(&r);
	o.headers[0] = NULL;
	o.method = "PUT";
	assert_int_equal(fetch(v, "/nowhere", &o, &r), CURLE_OK);
	assert_int_equal(r.status, 404);
	assert_header(&r, "Strict-Transport-Security",
	    "max-age=31536000; includeSubDomains");
	res_release(&r);
	srv_stop(v);
}

static void
access_log_has_no_query_cookie_or_token(void **state)
{
	struct srv *v;
	struct opts o = { 0 };
	struct res r;
	char tmpl[] = "/tmp/infuus-http-log-XXXXXX", line[4096];
	int fd, saved;
	FILE *f;
	bool seen_reset = false, seen_echo = false;

	(void)state;
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	v = srv_start(false, true);
	o.headers[0] = "Cookie: sid=COOKIESECRET";
	assert_int_equal(fetch(v, "/reset/TOKENSECRET?next=QUERYSECRET", &o,
	    &r), CURLE_OK);
	assert_int_equal(r.status, 200);
	res_release(&r);
	o.body = "name=BODYSECRET";
	assert_int_equal(fetch(v, "/echo?q=QUERYSECRET", &o, &r), CURLE_OK);
	res_release(&r);
	srv_stop(v);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "SECRET"))
			fail_msg("a secret reached the log: %s", line);
		if (strstr(line, "http.access") && strstr(line,
		    "method=GET path=/reset/:token status=200"))
			seen_reset = true;
		if (strstr(line, "http.access") && strstr(line,
		    "method=POST path=/echo status=200") &&
		    strstr(line, " us=") && strstr(line, " addr=127.0.0.1") &&
		    strstr(line, " id="))
			seen_echo = true;
	}
	fclose(f);
	unlink(tmpl);
	assert_true(seen_reset);
	assert_true(seen_echo);
}

struct slow_call {
	struct srv *v;
	struct res r;
	CURLcode cc;
};

static void *
slow_thread(void *arg)
{
	struct slow_call *sc = arg;

	sc->cc = fetch(sc->v, "/slow", NULL, &sc->r);
	return NULL;
}

static void
graceful_stop_lets_a_slow_request_finish(void **state)
{
	struct slow_call sc;
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	struct sockaddr_in sa;
	struct srv *v;
	pthread_t t;
	int port, fd;

	(void)state;
	v = srv_start(false, false);
	port = v->port;
	memset(&sc, 0, sizeof(sc));
	sc.v = v;
	assert_int_equal(pthread_create(&t, NULL, slow_thread, &sc), 0);
	nanosleep(&ts, NULL); /* the request is now in the handler */
	srv_stop(v);          /* returns after the response went out */
	pthread_join(t, NULL);
	assert_int_equal(sc.cc, CURLE_OK);
	assert_int_equal(sc.r.status, 200);
	assert_string_equal(sc.r.body.p, "slow done");
	assert_header(&sc.r, "Connection", "close");
	res_release(&sc.r);

	/* Nobody listens any more. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	close(fd);
}

static void
server_start_refuses_bad_config(void **state)
{
	struct http_config cfg;
	struct http_server *s = NULL;
	const struct route bad[] = { { HTTP_GET, "x", h_hello, 0, 0, 0, NOOBJ } };

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.routes = stable;
	cfg.nroutes = 1;
	cfg.listen = "127.0.0.1";
	assert_int_equal(http_server_start(&cfg, &s), ERR_INVAL);
	cfg.listen = "nohost:80";
	assert_int_equal(http_server_start(&cfg, &s), ERR_INVAL);
	cfg.listen = "127.0.0.1:70000";
	assert_int_equal(http_server_start(&cfg, &s), ERR_INVAL);
	cfg.listen = "127.0.0.1:0";
	cfg.routes = bad;
	assert_int_equal(http_server_start(&cfg, &s), ERR_INVAL);
	cfg.routes = stable;
	cfg.static_dir = "/nonexistent/infuus";
	assert_int_equal(http_server_start(&cfg, &s), ERR_IO);
	assert_null(s);
	/* IPv6 loopback works when the machine has it. */
	cfg.static_dir = NULL;
	cfg.listen = "[::1]:0";
	if (http_server_start(&cfg, &s) == 0) {
		assert_true(http_server_port(s) > 0);
		http_server_stop(s);
	}
}

/* --- authorisation before the body (issue 9) ----------------------------- */

struct early {
	atomic_int authorized;     /* authorize calls */
	atomic_int body_seen;      /* ... that saw body or form already */
	atomic_int body_checked;   /* authorize_body calls with the form */
	atomic_int handled;
};

static int
e_handler(struct req *r)
{
	struct early *e = r->app;

	atomic_fetch_add(&e->handled, 1);
	buf_printf(&r->resp, "got %zu", r->body.len);
	return 0;
}

static int
e_authorize(struct req *r)
{
	struct early *e = r->app;
	const char *c = req_cookie(r, "sid");

	atomic_fetch_add(&e->authorized, 1);
	if (r->body.len || r->nform)
		atomic_fetch_add(&e->body_seen, 1);
	if (c == NULL || strcmp(c, "ok") != 0)
		return ERR_AUTH;
	if (!(r->route->flags & ROUTE_CSRF))
		return 0;
	c = req_header(r, "X-CSRF-Token");
	if (c == NULL)
		return HTTP_AUTH_BODY;
	return strcmp(c, "good") == 0 ? 0 : ERR_CSRF;
}

static int
e_authorize_body(struct req *r, bool csrf_in_body)
{
	struct early *e = r->app;
	const char *t = req_form(r, "csrf");

	if (!csrf_in_body)
		return 0;
	atomic_fetch_add(&e->body_checked, 1);
	return t && strcmp(t, "good") == 0 ? 0 : ERR_CSRF;
}

static const struct route etable[] = {
	{ HTTP_POST, "/big", e_handler, 1, 0, 4 * 1024 * 1024,
	    ROUTE_OBJ_NONE, 0 },
	{ HTTP_POST, "/form", e_handler, 1, ROUTE_CSRF, 4 * 1024 * 1024,
	    ROUTE_OBJ_NONE, 0 },
};

/* Send req on a fresh connection, read the answer (up to 3 s) into out. */
static void
raw_ask(int port, const char *req, size_t len, struct buf *out)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { 3, 0 };
	char b[4096];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	buf_reset(out);
	while ((n = recv(fd, b, sizeof(b), 0)) > 0)
		buf_add(out, b, (size_t)n);
	close(fd);
}

static struct http_server *
early_start(struct early *e, bool with_body_hook, int *port)
{
	struct http_config cfg = { 0 };
	struct http_server *s = NULL;

	cfg.listen = "127.0.0.1:0";
	cfg.threads = 2;
	cfg.routes = etable;
	cfg.nroutes = sizeof(etable) / sizeof(etable[0]);
	cfg.hooks.authorize = e_authorize;
	if (with_body_hook)
		cfg.hooks.authorize_body = e_authorize_body;
	cfg.app = e;
	assert_int_equal(http_server_start(&cfg, &s), 0);
	*port = http_server_port(s);
	return s;
}

static void
server_authorizes_before_reading_the_body(void **state)
{
	struct early e = { 0 };
	struct buf out = BUF_INIT;
	struct http_server *s;
	char req[512];
	int port, n;

	(void)state;
	s = early_start(&e, true, &port);
	/* A stranger announces 3 MiB and sends none of it: the answer comes
	 * from the headers, and says the connection ends. */
	n = snprintf(req, sizeof(req), "POST /big HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: %d\r\n\r\n", 3 * 1024 * 1024);
	raw_ask(port, req, (size_t)n, &out);
	assert_non_null(strstr(buf_str(&out).p, "HTTP/1.1 401"));
	assert_non_null(strcasestr(buf_str(&out).p, "Connection: close"));
	assert_int_equal(atomic_load(&e.handled), 0);
	/* With the cookie the body is read, and authorize had not seen it. */
	n = snprintf(req, sizeof(req), "POST /big HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: sid=ok\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: 5\r\n\r\nhello");
	raw_ask(port, req, (size_t)n, &out);
	assert_non_null(strstr(buf_str(&out).p, "HTTP/1.1 200"));
	assert_non_null(strstr(buf_str(&out).p, "got 5"));
	assert_int_equal(atomic_load(&e.authorized), 2);
	assert_int_equal(atomic_load(&e.body_seen), 0);
	http_server_stop(s);
	buf_release(&out);
}

static void
server_takes_a_form_token_only_from_a_small_body(void **state)
{
	struct early e = { 0 };
	struct buf out = BUF_INIT;
	struct http_server *s;
	char req[512];
	int port, n;

	(void)state;
	s = early_start(&e, true, &port);
	/* Larger than LIMIT_BODY_ANON, token not in the headers: 403 unread. */
	n = snprintf(req, sizeof(req), "POST /form HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: sid=ok\r\nContent-Type: application/x-www-form-urlencoded"
	    "\r\nContent-Length: %d\r\n\r\n", LIMIT_BODY_ANON + 1);
	raw_ask(port, req, (size_t)n, &out);
	assert_non_null(strstr(buf_str(&out).p, "HTTP/1.1 403"));
	assert_int_equal(atomic_load(&e.body_checked), 0);
	/* The same size with the token in a header goes on to the body. */
	n = snprintf(req, sizeof(req), "POST /form HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: sid=ok\r\nX-CSRF-Token: good\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\nContent-Length: 6\r\n\r\n"
	    "a=bcde");
	raw_ask(port, req, (size_t)n, &out);
	assert_non_null(strstr(buf_str(&out).p, "HTTP/1.1 200"));
	/* A small form: its token is checked after the body. */
	n = snprintf(req, sizeof(req), "POST /form HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: sid=ok\r\nContent-Type: application/x-www-form-urlencoded"
	    "\r\nContent-Length: 9\r\n\r\ncsrf=good");
	raw_ask(port, req, (size_t)n, &out);
	assert_non_null(strstr(buf_str(&out).p, "HTTP/1.1 200"));
	n = snprintf(req, sizeof(req), "POST /form HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: sid=ok\r\nContent-Type: application/x-www-form-urlencoded"
	    "\r\nContent-Length: 8\r\n\r\ncsrf=bad");
	raw_ask(port, req, (size_t)n, &out);
	assert_non_null(strstr(buf_str(&out).p, "HTTP/1.1 403"));
	assert_int_equal(atomic_load(&e.body_checked), 2);
	assert_int_equal(atomic_load(&e.handled), 2);
	http_server_stop(s);

	/* Without an authorize_body hook nobody checks the form's token. */
	s = early_start(&e, false, &port);
	n = snprintf(req, sizeof(req), "POST /form HTTP/1.1\r\nHost: x\r\n"
	    "Cookie: sid=ok\r\nContent-Type: application/x-www-form-urlencoded"
	    "\r\nContent-Length: 9\r\n\r\ncsrf=good");
	raw_ask(port, req, (size_t)n, &out);
	assert_non_null(strstr(buf_str(&out).p, "HTTP/1.1 403"));
	http_server_stop(s);
	buf_release(&out);
}

static void
server_answers_every_long_request_line(void **state)
{
	struct early e = { 0 };
	struct buf out = BUF_INIT, req = BUF_INIT;
	struct http_server *s;
	const char *st;
	size_t len, i;
	int port;

	(void)state;
	s = early_start(&e, true, &port);
	/* Around the pool's end, where MHD found no room for our answer. */
	for (len = LIMIT_PATH + 1; len < LIMIT_CONN_MEMORY + 1024; len += 61) {
		buf_reset(&req);
		buf_adds(&req, "GET /");
		for (i = 0; i < len; i++)
			buf_addch(&req, 'a');
		/* Closed after the answer, so raw_ask need not wait for
		 * its time-out on a connection kept alive. */
		buf_adds(&req, " HTTP/1.1\r\nHost: x\r\n"
		    "Connection: close\r\n\r\n");
		raw_ask(port, req.p, req.len, &out);
		st = buf_str(&out).p;
		if (strncmp(st, "HTTP/1.1 414", 12) != 0 &&
		    strncmp(st, "HTTP/1.1 431", 12) != 0)
			fail_msg("a %zu-byte path: %.40s", len,
			    out.len ? st : "(closed without an answer)");
	}
	raw_ask(port, "GARBAGE\r\n\r\n", 11, &out);
	assert_non_null(strstr(buf_str(&out).p, "HTTP/1.1 400"));
	http_server_stop(s);
	buf_release(&req);
	buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(path_decodes_percent_and_keeps_segments),
		cmocka_unit_test(path_refuses_hostile_forms),
		cmocka_unit_test(path_limits_length_and_segments),
		cmocka_unit_test(urlencoded_decodes_pairs),
		cmocka_unit_test(urlencoded_refuses_bad_encodings_and_counts),
		cmocka_unit_test(cookies_are_read_leniently),
		cmocka_unit_test(cookies_are_limited_in_number),
		cmocka_unit_test(media_type_and_boundary),
		cmocka_unit_test(multipart_reads_fields_and_files),
		cmocka_unit_test(multipart_refuses_hostile_bodies),
		cmocka_unit_test(multipart_enforces_counts_and_sizes),
		cmocka_unit_test(accept_header_preference),
		cmocka_unit_test(mime_types_by_extension),
		cmocka_unit_test(router_matches_literals_and_params),
		cmocka_unit_test(router_answers_404_and_405),
		cmocka_unit_test(router_check_refuses_bad_tables),
		cmocka_unit_test(router_check_wants_each_route_to_name_its_object),
		cmocka_unit_test(resp_helpers_copy_and_sanitise),
		cmocka_unit_test(req_json_checks_type_and_limits),
		cmocka_unit_test(server_start_refuses_bad_config),
		cmocka_unit_test(server_behind_tls_proxy_adds_hsts_and_secure),
		cmocka_unit_test(access_log_has_no_query_cookie_or_token),
		cmocka_unit_test(graceful_stop_lets_a_slow_request_finish),
		cmocka_unit_test(server_authorizes_before_reading_the_body),
		cmocka_unit_test(server_takes_a_form_token_only_from_a_small_body),
		cmocka_unit_test(server_answers_every_long_request_line),
	};
	const struct CMUnitTest served[] = {
		cmocka_unit_test(server_answers_200_with_security_headers),
		cmocka_unit_test(server_answers_404_page_and_keeps_the_connection),
		cmocka_unit_test(server_answers_405_with_allow),
		cmocka_unit_test(server_serves_head_without_body),
		cmocka_unit_test(server_parses_form_and_query),
		cmocka_unit_test(server_refuses_announced_oversize_body),
		cmocka_unit_test(server_refuses_chunked_oversize_body),
		cmocka_unit_test(server_answers_400_for_malformed_paths),
		cmocka_unit_test(server_protocol_errors_from_mhd_echo_nothing),
		cmocka_unit_test(server_serves_static_files_with_etag),
		cmocka_unit_test(server_answers_503_with_retry_after),
		cmocka_unit_test(server_error_keeps_only_cookie_and_retry_after),
		cmocka_unit_test(server_answers_json_errors_to_json_clients),
		cmocka_unit_test(server_accepts_uploads_only_on_upload_routes),
		cmocka_unit_test(server_runs_authorize_and_finish),
		cmocka_unit_test(server_sets_cookies_with_attributes),
	};
	int fails;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	fails = cmocka_run_group_tests_name("http", pure, NULL, NULL);
	curl_global_cleanup();
	fails += cmocka_run_group_tests_name("http server", served,
	    group_setup, group_teardown);
	return fails;
}
