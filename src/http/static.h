/*
 * static.h - files under /static/ (internal to src/http).
 */
#ifndef INFUUS_HTTP_STATIC_H
#define INFUUS_HTTP_STATIC_H

#include "http/http.h"

/* Open the static directory once at start-up (a path descriptor).
 * Returns 0 or ERR_IO. */
int http_static_open(const char *dir, int *dirfd);

/*
 * Answer a request for rel (the decoded path after "/static/", already
 * checked by http_parse_path: no "." or ".." segments) from the directory
 * dirfd: 200 with r->resp_fd set, or 304 when if_none_match (may be NULL)
 * names the current ETag.  Hidden names (a segment starting with '.'),
 * directories, symbolic links leading out of the directory and anything
 * but a regular file are ERR_NOTFOUND.  The type comes from the extension.
 */
int http_static_serve(struct req *r, int dirfd, const char *rel,
    const char *if_none_match);

/* The Content-Type for a file name, by extension; application/octet-stream
 * when unknown. */
const char *http_mime_type(const char *name);

#endif
