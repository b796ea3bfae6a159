/*
 * web.h - the pages and JSON handlers: the route table and the hooks the
 * HTTP server calls around every handler.
 */
#ifndef INFUUS_WEB_H
#define INFUUS_WEB_H

#include <stddef.h>

#include "http/http.h"

const struct route *web_routes(size_t *n);
struct http_hooks web_hooks(void);

#endif
