/*
 * fuzz_request.c - the request target: path decoding and checks, the
 * query string, and route matching on the result.
 * Input: a raw request target ("/a/b?x=1").
 */
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "http/parse.h"
#include "http/router.h"
#include "fuzz.h"

static int
h(struct req *r)
{
	(void)r;
	return 0;
}

/* Objects do not matter to matching; each route says what it names, as
 * every table must (http.h). */
#define NOOBJ ROUTE_OBJ_NONE, 0
#define ANOBJ ROUTE_OBJ_FIRST, 0

static const struct route routes[] = {
	{ HTTP_GET, "/", h, 0, 0, 0, NOOBJ },
	{ HTTP_GET, "/t/new", h, 0, 0, 0, NOOBJ },
	{ HTTP_GET | HTTP_POST, "/t/:id", h, 0, 0, 0, ANOBJ },
	{ HTTP_GET, "/t/:id/m/:mid", h, 0, 0, 0, ANOBJ },
	{ HTTP_GET, "/reset/:token", h, 0, 0, 0, NOOBJ },
	{ HTTP_DELETE, "/a/:b/:c/:d/:e/:f/:g/:h", h, 0, 0, 0, ANOBJ },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *q, *path = NULL, *seg;
	struct kv params[REQ_MAX_PARAMS], *kv = NULL;
	const struct route *rt = NULL;
	struct arena a;
	size_t plen, n = 0, np = 0, i;
	unsigned allowed = 0;
	int rc;

	arena_init(&a);
	q = memchr(p, '?', size);
	plen = q ? (size_t)(q - p) : size;
	rc = http_parse_path(&a, (struct str){ p, plen }, &path);
	FUZZ_CHECK(rc == 0 || rc == ERR_PARSE || rc == ERR_TOOBIG ||
	    rc == ERR_TOOMANY);
	if (rc == 0) {
		n = strlen(path);
		FUZZ_CHECK(path[0] == '/' && n <= plen);
		FUZZ_CHECK(utf8_valid(path, n));
		for (i = 0; i < n; i++)
			FUZZ_CHECK((unsigned char)path[i] >= 0x20 &&
			    path[i] != 0x7f);
		for (seg = path; seg; seg = strchr(seg + 1, '/')) {
			FUZZ_CHECK(strncmp(seg, "/../", 4) != 0);
			FUZZ_CHECK(strcmp(seg, "/..") != 0);
			FUZZ_CHECK(strncmp(seg, "/./", 3) != 0);
			FUZZ_CHECK(strcmp(seg, "/.") != 0);
		}
		rc = http_route_match(routes, NROUTES, HTTP_GET, path, &a, &rt,
		    params, &np, &allowed);
		FUZZ_CHECK(rc == 0 || rc == ERR_NOTFOUND || rc == ERR_METHOD);
		FUZZ_CHECK(np <= REQ_MAX_PARAMS);
		for (i = 0; rc == 0 && i < np; i++)
			FUZZ_CHECK(params[i].val[0] != '\0' &&
			    strchr(params[i].val, '/') == NULL);
	}
	if (q) {
		rc = http_parse_urlencoded(&a, (struct str){ q + 1,
		    size - plen - 1 }, LIMIT_QUERY_PARAMS, &kv, &n);
		FUZZ_CHECK(rc == 0 || rc == ERR_PARSE || rc == ERR_TOOMANY);
		if (rc == 0)
			FUZZ_CHECK(n <= LIMIT_QUERY_PARAMS);
	}
	arena_release(&a);
	return 0;
}
