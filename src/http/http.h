/*
 * http.h - the transport: requests, responses, routes and the server.
 *
 * The server (libmicrohttpd, driven in poll mode with a pool of internal
 * threads -- never its internal-thread epoll mode, see DESIGN.md) reads a
 * request, parses path, query, cookies and headers into the request's
 * arena with the limits of core/limits.h, matches the route table, asks the
 * application's authorize hook before it accepts the body, parses the body,
 * and only then calls the handler.  A handler
 * fills the response (status, type, body, headers) or returns a negative
 * ERR_* value, which the server turns into an error page through the
 * render_error hook.  Security headers are added to every response here so
 * no handler can forget them.
 *
 * Everything in a struct req lives in its arena and dies with the request.
 */
#ifndef INFUUS_HTTP_H
#define INFUUS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"

struct json_t; /* jansson's json_t (core/json.h) */

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_PATCH = 1 << 5,
};

/* A decoded name/value pair; both NUL-terminated, vlen for binary-safe use. */
struct kv {
	const char *key;
	const char *val;
	size_t vlen;
};

/* One file part of a multipart/form-data body. */
struct upload {
	const char *field;
	const char *filename; /* as sent by the browser: untrusted */
	const char *type;     /* as sent by the browser: untrusted */
	const char *data;
	size_t len;
};

/* Route flags. */
enum {
	ROUTE_CSRF = 1 << 0,   /* state-changing: a valid CSRF token is required */
	ROUTE_JSON = 1 << 1,   /* an API route: errors are answered as JSON */
	ROUTE_UPLOAD = 1 << 2, /* multipart/form-data bodies are accepted */
	ROUTE_ANON = 1 << 3,   /* reachable without a session */
	ROUTE_2FA = 1 << 4,    /* needs a session that passed two factors */
	ROUTE_PARTIAL = 1 << 5,/* reachable by a session half-way through log-in */
	ROUTE_MANY_FIELDS = 1 << 6, /* a form of up to LIMIT_FORM_FIELDS_MANY fields */
};

struct req;

/*
 * Routes are data: one table lists method, path, handler, the roles that may
 * call it, flags and the body limit.  The pattern's segments are literal or
 * ":name" (one segment, available through req_param).  roles is a bitmask
 * the application defines (identity/role.h); the server passes it to the
 * authorize hook and never interprets it.
 *
 * The first route in table order whose pattern and method match wins, so
 * list "/t/new" before "/t/:id".  A GET route answers HEAD too (the server
 * drops the body).  A parameter whose name ends in "token" or "secret"
 * holds a secret: the access log shows ":token" instead of its value.
 *
 * obj and act say which object the path names and what the route does
 * with it, so the authorize hook checks the object before the handler
 * runs.  Both are the application's values (its kinds of object and its
 * actions), opaque here like roles, except ROUTE_OBJ_UNSET, which no route
 * may have (a route says what it names, also when it is nothing), and
 * ROUTE_OBJ_NONE for a route whose path names no object.  A route with an
 * object has exactly one parameter that is no secret (its id); a route
 * without one has none (http_routes_check enforces both).
 */
enum {
	ROUTE_OBJ_UNSET = 0, /* refused: the table forgot to say */
	ROUTE_OBJ_NONE = 1,  /* the path names no object */
	ROUTE_OBJ_FIRST = 2, /* the application's kinds start here */
};

struct route {
	unsigned methods;
	const char *pattern;
	int (*handler)(struct req *r);
	unsigned roles;
	unsigned flags;
	size_t body_limit; /* bytes; 0 means no body is accepted */
	unsigned obj;      /* the object the path names: ROUTE_OBJ_NONE or
	                      an application kind >= ROUTE_OBJ_FIRST */
	unsigned act;      /* what the route does to it (the application's;
	                      unused with ROUTE_OBJ_NONE) */
};

/* Does a ":name" parameter with this name (n bytes) hold a secret (a name
 * ending in "token" or "secret")?  Otherwise it is an object's id. */
bool http_param_is_secret(const char *name, size_t n);

#define REQ_MAX_PARAMS 8
#define REQ_MAX_RESP_HEADERS 16

struct req {
	struct arena arena;
	void *app;                 /* the application context (opaque here) */
	void *conn;                /* the MHD connection (opaque here) */

	unsigned method;           /* one enum http_method */
	const char *path;          /* percent-decoded, NUL-terminated */
	const struct route *route;
	struct kv params[REQ_MAX_PARAMS];
	size_t nparams;
	struct kv *query;
	size_t nquery;
	struct kv *form;           /* urlencoded fields or multipart text parts */
	size_t nform;
	struct upload *uploads;
	size_t nuploads;
	struct kv *cookies;
	size_t ncookies;
	struct str body;           /* the raw body (also for JSON) */
	const char *content_type;  /* without parameters, lower case; "" if none */
	const char *remote_addr;   /* textual IP address */
	const char *user_agent;    /* "" if none */
	const char *accept_language;
	bool wants_json;           /* Accept prefers JSON, or a ROUTE_JSON route */
	bool tls;
	uint64_t id;               /* request number, for the access log */
	void *auth;                /* set by the authorize hook (the session) */
	void *app_state;           /* the application's per-request state */
	const char *error_detail;  /* why the request was refused, for a
	                              person ("The address contains ..."),
	                              NULL if nothing more than err_msg */
	struct json_t *json;       /* the body parsed by req_json; released
	                              with the request */

	/* The response. */
	int status;
	const char *resp_type;     /* Content-Type; NULL -> text/html; charset=utf-8 */
	struct buf resp;           /* the body; released by the server */
	struct kv resp_headers[REQ_MAX_RESP_HEADERS];
	size_t nresp_headers;
	int resp_fd;               /* >= 0: send this file (closed by the server) */
	uint64_t resp_fd_size;
	struct sse_stream *sse;    /* sse_begin: answer with this stream */
	struct resp_body_stream *stream; /* resp_stream: a body sent as it
	                              is read */
};

/* Look-ups; NULL when absent.  Names are matched exactly. */
const char *req_param(const struct req *r, const char *name);
const char *req_query(const struct req *r, const char *name);
const char *req_form(const struct req *r, const char *name);
const struct upload *req_upload(const struct req *r, const char *field);
const char *req_cookie(const struct req *r, const char *name);
/* A request header (case-insensitive name); NULL when absent. */
const char *req_header(const struct req *r, const char *name);
/*
 * The body as JSON (core/json.h limits: size, depth, no duplicate keys).
 * Returns 0 with *out (owned by the request: do not decref it; a struct
 * req built by hand in a test is released by the test), ERR_MEDIATYPE when
 * the Content-Type is not application/json, or ERR_PARSE / ERR_TOOBIG with
 * r->error_detail saying what is wrong.
 */
int req_json(struct req *r, struct json_t **out);

/* Responses. */
void resp_header(struct req *r, const char *name, const char *value);
/* A 303 See Other to a local path (must start with '/'). */
void resp_redirect(struct req *r, const char *location);
/* Set-Cookie with HttpOnly, SameSite=Lax, Path=/ and, under TLS, Secure.
 * max_age < 0: a session cookie; 0: delete it. */
void resp_cookie(struct req *r, const char *name, const char *value,
    long max_age);
/*
 * A body of size bytes sent as it is produced, after the handler returned
 * (a film read from the database a chunk at a time): read(cls, pos, buf,
 * max) copies up to max bytes from pos into buf and returns how many
 * (> 0), or a negative value to break off the connection (the bytes are
 * gone: no error page is possible any more).  It runs on a server thread,
 * with no request around it.  done(cls) runs exactly once when the
 * response is gone or replaced by an error (may be NULL).  HEAD is
 * answered with the headers alone (read is not called).
 */
struct resp_body_stream {
	uint64_t size;
	long (*read)(void *cls, uint64_t pos, char *buf, size_t max);
	void (*done)(void *cls);
	void *cls;
};
void resp_stream(struct req *r, uint64_t size,
    long (*read)(void *cls, uint64_t pos, char *buf, size_t max),
    void (*done)(void *cls), void *cls);
/* A JSON body (status as given; type application/json). */
void resp_json(struct req *r, int status, const char *json, size_t len);
/*
 * The default error response, used when hooks.render_error is NULL (and
 * usable by it): status err_status(err); for wants_json the body is
 * {"error":"NAME","message":"...","detail":"..."} (detail only when
 * r->error_detail is set), else a small HTML page saying the same.
 */
void http_error_page(struct req *r, int err);

/* authorize's answer when the CSRF token is not in the headers (http.h,
 * struct http_hooks): the form may carry it in a small body. */
#define HTTP_AUTH_BODY 2

/* Hooks the application gives the server. */
struct http_hooks {
	/* With the headers alone, before a byte of the body is accepted:
	 * identify the caller, enforce route->roles and route->flags (CSRF,
	 * 2FA) from the cookies, the X-CSRF-Token header and the query, and
	 * check the object route->obj names (its id is the route's one
	 * parameter that is no secret).
	 * r->form and r->body are still empty.  0 lets the request go on; a
	 * negative ERR_* is answered through render_error (ERR_AUTH on a page
	 * route may instead set a redirect and return 1: the response is
	 * then sent as is); HTTP_AUTH_BODY says the token can only be in the
	 * form: the server then accepts at most LIMIT_BODY_ANON bytes of body
	 * (a larger one is refused with ERR_CSRF unread) and asks
	 * authorize_body.  A refusal of a request with a body is answered
	 * without reading it, with Connection: close.  Other requests may
	 * run on the thread before the handler: leave no per-thread state
	 * behind. */
	int (*authorize)(struct req *r);
	/* Fill r's response for an error (status from err_status).  The
	 * body and type are reset before, and of the headers set so far
	 * only Set-Cookie and Retry-After are kept.  Also called before a
	 * route was found (404, 400 for a malformed path): r->route is then
	 * NULL, r->auth NULL and authorize has not run. */
	void (*render_error)(struct req *r, int err);
	/* After the response is queued: release what authorize acquired.
	 * Called exactly once for every request authorize was called for. */
	void (*finish)(struct req *r);
	/* After the body is read and parsed, right before the handler of
	 * every request authorize let through: check what authorize left to
	 * the body (csrf_in_body: the token in r->form) and set up the
	 * thread for the handler.  0 or a negative ERR_*. */
	int (*authorize_body)(struct req *r, bool csrf_in_body);
};

struct http_config {
	const char *listen;        /* "127.0.0.1:8080" or "[::1]:8080" */
	unsigned threads;          /* poll threads; 0 = number of CPUs */
	const struct route *routes;
	size_t nroutes;
	struct http_hooks hooks;
	void *app;
	const char *static_dir;    /* files under /static/ (NULL: none) */
	bool tls_proxy;            /* behind a TLS-terminating proxy: HSTS,
	                              Secure cookies, the client address is
	                              the last X-Forwarded-For entry (the
	                              proxy's), no per-address connection
	                              limit; listen on loopback then */
	bool access_log;           /* one structured line per request */
};

struct http_server;

/*
 * Listen and serve on threads of the server's own (cfg->threads poll
 * threads, 0 = one per CPU, at least 2).  cfg is copied; the route table,
 * cfg->app and cfg->static_dir must outlive the server.  Installs no
 * signal handlers: the caller blocks or handles SIGTERM/SIGINT and calls
 * http_server_stop (SIGPIPE is not raised: sockets are written with
 * MSG_NOSIGNAL).  Raises the soft limit on open files to the hard limit
 * and logs it (a warning when LIMIT_CONNECTIONS do not fit).  Returns 0, ERR_INVAL (bad listen
 * address or route table) or ERR_IO (cannot bind, static_dir cannot be
 * opened).
 */
int http_server_start(const struct http_config *cfg, struct http_server **out);
/* The port actually bound (useful with port 0). */
int http_server_port(const struct http_server *s);
/* Stop accepting, let requests in flight finish (up to
 * LIMIT_SHUTDOWN_GRACE seconds; their responses say Connection: close),
 * then close every connection and free everything.  NULL is a no-op. */
void http_server_stop(struct http_server *s);

#endif
