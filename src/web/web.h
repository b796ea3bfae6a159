/*
 * web.h - the pages and JSON handlers: the route table and the hooks the
 * HTTP server calls around every handler.
 */
#ifndef INFUUS_WEB_H
#define INFUUS_WEB_H

#include <stddef.h>

#include "http/http.h"

const struct route *web_routes(size_t *n);
/* What a route's path names and what the route does to it, as codes for
 * people and tests ("trajectory", "read"); "none" for a route without an
 * object. */
const char *web_route_object(const struct route *rt);
const char *web_route_action(const struct route *rt);
struct http_hooks web_hooks(void);

struct app;
/* Start what every request shares beyond the app (the access log's
 * counter of repeated refusals, web_audit.c), once before serving; stop
 * it, writing what it still counts, after the server stopped. */
int web_init(struct app *app);
void web_fini(struct app *app);

#endif
