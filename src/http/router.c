/*
 * router.c - route matching over the application's route table.
 *
 * Routes are data (struct route in http.h).  A match walks the pattern and
 * the decoded path segment by segment without allocating; only the chosen
 * route's parameters are copied into the request's arena.  The table is
 * small (tens of routes) and scanned linearly: simpler than a trie and
 * well under a microsecond per request.
 */
#include "http/router.h"

#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/banned.h"

#define ALL_METHODS (HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_PUT | \
	HTTP_DELETE | HTTP_PATCH)

bool
http_param_is_secret(const char *name, size_t n)
{
	return (n >= 5 && memcmp(name + n - 5, "token", 5) == 0) ||
	    (n >= 6 && memcmp(name + n - 6, "secret", 6) == 0);
}

int
http_routes_check(const struct route *routes, size_t n)
{
	const struct route *rt;
	const char *p, *why = NULL;
	size_t i, segs, params, ids;

	for (i = 0; i < n; i++) {
		rt = &routes[i];
		if (rt->pattern == NULL || rt->pattern[0] != '/' ||
		    rt->handler == NULL || (rt->methods & ALL_METHODS) == 0 ||
		    (rt->methods & ~(unsigned)ALL_METHODS) != 0)
			goto bad;
		segs = params = ids = 0;
		for (p = rt->pattern; *p; p++) {
			if (*p != '/')
				continue;
			segs++;
			if (p[1] != ':')
				continue;
			params++;
			if (p[2] == '\0' || p[2] == '/')
				goto bad; /* a parameter needs a name */
			if (!http_param_is_secret(p + 2,
			    (size_t)(strchrnul(p + 2, '/') - (p + 2))))
				ids++;
		}
		if (segs > LIMIT_PATH_SEGMENTS || params > REQ_MAX_PARAMS)
			goto bad;
		/* Routes are data down to the object they name: the hook
		 * can check only what the table says. */
		if (rt->obj == ROUTE_OBJ_UNSET) {
			why = "object-unset"; /* ROUTE_OBJ_NONE when none */
			goto bad;
		}
		if (rt->obj == ROUTE_OBJ_NONE && ids != 0) {
			why = "id-without-object";
			goto bad;
		}
		if (rt->obj != ROUTE_OBJ_NONE && ids != 1) {
			why = "object-without-one-id";
			goto bad;
		}
	}
	return 0;
bad:
	log_err("http.routes", "invalid route index=%zu pattern=%s why=%s", i,
	    routes[i].pattern ? routes[i].pattern : "(null)",
	    why ? why : "malformed");
	return ERR_INVAL;
}

/* Does the pattern match the path?  With a (non-NULL), also copy the
 * parameters.  Both start with '/'. */
static bool
pattern_match(const char *pat, const char *path, struct arena *a,
    struct kv *params, size_t *np)
{
	const char *p = pat + 1, *q = path + 1, *pe, *qe;

	for (;;) {
		pe = strchrnul(p, '/');
		qe = strchrnul(q, '/');
		if (*p == ':') {
			if (qe == q)
				return false; /* a parameter is never empty */
			if (a != NULL) {
				params[*np].key = arena_strndup(a, p + 1,
				    (size_t)(pe - p - 1));
				params[*np].val = arena_strndup(a, q,
				    (size_t)(qe - q));
				params[*np].vlen = (size_t)(qe - q);
				(*np)++;
			}
		} else if (pe - p != qe - q || memcmp(p, q, (size_t)(pe - p))) {
			return false;
		}
		if (*pe == '\0' || *qe == '\0')
			return *pe == *qe;
		p = pe + 1;
		q = qe + 1;
	}
}

int
http_route_match(const struct route *routes, size_t n, unsigned method,
    const char *path, struct arena *a, const struct route **out,
    struct kv *params, size_t *nparams, unsigned *allowed)
{
	const struct route *chosen = NULL;
	unsigned allow = 0, m;
	size_t i;

	if (path[0] != '/')
		return ERR_NOTFOUND;
	for (i = 0; i < n; i++) {
		if (!pattern_match(routes[i].pattern, path, NULL, NULL, NULL))
			continue;
		m = routes[i].methods;
		if (m & HTTP_GET)
			m |= HTTP_HEAD;
		allow |= m;
		if (chosen == NULL && (m & method) != 0)
			chosen = &routes[i];
	}
	*allowed = allow;
	if (chosen == NULL)
		return allow ? ERR_METHOD : ERR_NOTFOUND;
	*nparams = 0;
	pattern_match(chosen->pattern, path, a, params, nparams);
	*out = chosen;
	return 0;
}

const char *
http_allow_header(struct arena *a, unsigned methods)
{
	static const struct {
		unsigned m;
		const char *name;
	} names[] = {
		{ HTTP_GET, "GET" },
		{ HTTP_HEAD, "HEAD" },
		{ HTTP_POST, "POST" },
		{ HTTP_PUT, "PUT" },
		{ HTTP_PATCH, "PATCH" },
		{ HTTP_DELETE, "DELETE" },
	};
	struct buf b = BUF_INIT;
	const char *s;
	size_t i;

	if (methods & HTTP_GET)
		methods |= HTTP_HEAD;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(methods & names[i].m))
			continue;
		if (b.len)
			buf_adds(&b, ", ");
		buf_adds(&b, names[i].name);
	}
	s = arena_strz(a, buf_str(&b));
	buf_release(&b);
	return s;
}
