/*
 * router.h - matching a request path against the route table (internal to
 * src/http; pure functions, unit-tested without a server).
 */
#ifndef INFUUS_HTTP_ROUTER_H
#define INFUUS_HTTP_ROUTER_H

#include <stddef.h>

#include "core/arena.h"
#include "http/http.h"

/*
 * Check a route table once at start-up: every pattern starts with '/',
 * has at most LIMIT_PATH_SEGMENTS segments and REQ_MAX_PARAMS ":name"
 * segments with non-empty names, every route has a handler and at least
 * one method, and every route says what its path names: an object
 * (obj >= ROUTE_OBJ_FIRST) with exactly one parameter that is no secret
 * (a name ending in "token" or "secret"), or ROUTE_OBJ_NONE with no such
 * parameter.  Returns 0 or ERR_INVAL (and logs which route is wrong and
 * why).
 */
int http_routes_check(const struct route *routes, size_t n);

/*
 * Find the route for (method, path): the first route in table order whose
 * pattern matches the path and whose methods include the method (a GET
 * route also answers HEAD).  List literal routes before parameter routes
 * that would shadow them ("/t/new" before "/t/:id").
 *
 * Returns 0 with *out and the ":name" parameters (values are the
 * decoded path segments, copied into a); ERR_NOTFOUND when no pattern
 * matches; ERR_METHOD when patterns match but none allows the method,
 * with *allowed the methods that would (HEAD included with GET).
 */
int http_route_match(const struct route *routes, size_t n, unsigned method,
    const char *path, struct arena *a, const struct route **out,
    struct kv *params, size_t *nparams, unsigned *allowed);

/* "GET, HEAD, POST" for a method mask, in the arena. */
const char *http_allow_header(struct arena *a, unsigned methods);

#endif
