/*
 * server.c - the HTTP server: libmicrohttpd glue, request life cycle,
 * security headers, the access log and graceful shutdown.
 *
 * Threading: MHD_USE_POLL_INTERNAL_THREAD with a pool of worker threads
 * (MHD_OPTION_THREAD_POOL_SIZE).  DESIGN.md rules out MHD's internal epoll
 * mode (it stalls when 128*k connections are ready at once); of the two
 * modes it allows, poll with internal threads keeps MHD's own loop,
 * suspend/resume and quiesce working without a loop of ours to get right,
 * and poll's cost per wake-up (linear in the connections of one worker) is
 * bounded by LIMIT_CONNECTIONS spread over the workers.  Measured on the
 * 2-core development machine: far above 10k req/s at 128 and 256
 * keep-alive connections (see the helper report / bench).
 *
 * Life of a request (one struct exch, which holds the struct req):
 *   1. the URI-log callback sees the raw request target: the exchange and
 *      its arena are made here, so even requests MHD refuses later are
 *      logged and freed by the completion callback;
 *   2. the first access-handler call (headers complete) parses path,
 *      query, cookies and headers, matches the route, checks the
 *      announced body size and runs the authorize hook: route, session,
 *      role and CSRF token are decided before a byte of the body is
 *      accepted (a token that only the body can carry is accepted with
 *      at most LIMIT_BODY_ANON bytes).  An error is answered at once when
 *      a body follows (Connection: close; MHD then closes instead of
 *      reading it), otherwise at the final call so keep-alive survives a
 *      404;
 *   3. body pieces are appended up to the route's limit.  MHD 0.9.75
 *      refuses to queue a response while a body is arriving, so a
 *      chunked body that passes the limit gets its 413 written to the
 *      socket directly (the write side is idle then: MHD sends nothing
 *      before the request is complete), the rest is read and dropped up
 *      to LIMIT_BODY_DISCARD, and the connection is closed;
 *   4. the final call parses the form, runs authorize_body and the
 *      handler, and queues the response with the security headers;
 *   5. the completion callback writes the access log line and frees all;
 *      a large body was mapped on its own (body_alloc) and goes straight
 *      back to the system, and malloc_trim returns what the handler of a
 *      large request freed, so a burst of uploads leaves no lasting RSS.
 *
 * Responses MHD makes itself (an unparsable header, a header block over
 * LIMIT_CONN_MEMORY, broken chunk framing, an unknown HTTP version) cannot
 * carry our headers: MHD 0.9.75 has no hook for them.  They are fixed
 * texts that echo nothing of the request and close the connection.  A
 * first line without a space MHD closes without any answer; we answer it
 * where the connection starts (refuse_not_http).  A request line and
 * headers that nearly fill MHD's pool are answered on the socket
 * (LIMIT_REQUEST_HEAD): MHD would find no room for our answer.
 * Everything that reaches the handler callback, including every
 * 400/404/405/413/414 of ours, carries the full set.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "http/parse.h"
#include "http/router.h"
#include "http/sse.h"
#include "http/static.h"
#include "core/banned.h"

/* No inline script or style anywhere; media from blobs for recordings. */
#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; media-src 'self' blob:; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
/* Camera and microphone stay available to our own pages (video calls). */
#define PERMISSIONS "accelerometer=(), camera=(self), geolocation=(), " \
	"gyroscope=(), magnetometer=(), microphone=(self), payment=(), usb=()"
#define HSTS "max-age=31536000; includeSubDomains"
#define STATIC_PREFIX "/static/"

struct http_server {
	struct MHD_Daemon *d;
	struct http_config cfg;
	int static_fd;
	int port;
	atomic_uint_fast64_t next_id;
	atomic_long inflight;
	atomic_bool stopping;
	struct sse_hub *sse;  /* event streams (sse.c) */
};

enum xstate {
	X_NEW,     /* headers not yet seen by the handler callback */
	X_BODY,    /* reading the body */
	X_REFUSED, /* 413 written directly; dropping the rest */
	X_DONE,    /* a response is queued */
};

/* What MHD holds for a request (its ctx): an exchange, or once an event
 * stream is answered, its kept log fields (struct kept). */
struct held {
	bool kept;
};

struct exch {
	struct held h;       /* first: MHD's ctx points here */
	struct req r;
	struct http_server *s;
	struct timespec t0;
	const char *target;  /* the raw request target, for parsing */
	const char *method;  /* as sent (checked for the log) */
	size_t path_len;     /* of target, up to '?' */
	char *body;          /* body_alloc; never more than body_limit */
	size_t body_len;     /* bytes, not even as spare capacity */
	size_t body_cap;
	size_t body_peak;    /* the largest body_cap, for malloc_trim */
	uint64_t body_limit;
	size_t discarded;
	int pending;         /* an error to answer at the final call */
	unsigned pending_allowed; /* its Allow methods (405) */
	enum xstate state;
	bool is_static;
	bool ready;          /* authorize made the response (a redirect) */
	bool csrf_in_body;   /* authorize left the token to the body */
	bool close;          /* answered before the body: Connection: close */
	bool uri_too_long;   /* answer 414 */
	bool authorized;     /* authorize ran ... */
	bool finished;       /* ... and finish too */
	int sent_status;
	uint64_t sent_bytes;
	bool keep;           /* an answered event stream: exch_keep */
};

/*
 * An event stream idles for minutes once answered.  Of its exchange (0.7
 * KiB with its struct req, more with its arena's blocks) only what the
 * access-log line needs stays: the handler and the finish hook are done
 * with the rest.
 */
struct kept {
	struct held h;       /* h.kept is true */
	uint64_t id;
	struct timespec t0;
	int status;
	const char *method, *path, *addr; /* in text */
	char text[];
};

/* --- headers every response carries ------------------------------------ */

typedef void (*header_fn)(void *cls, const char *name, const char *value);

static bool
has_header(const struct req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nresp_headers; i++)
		if (strcasecmp(r->resp_headers[i].key, name) == 0)
			return true;
	return false;
}

static void
each_header(struct exch *x, header_fn add, void *cls)
{
	struct req *r = &x->r;
	size_t i;

	if (r->status != 204 && r->status != 304)
		add(cls, "Content-Type", r->resp_type ? r->resp_type :
		    "text/html; charset=utf-8");
	add(cls, "Content-Security-Policy", CSP);
	add(cls, "X-Content-Type-Options", "nosniff");
	add(cls, "X-Frame-Options", "DENY");
	add(cls, "Referrer-Policy", "same-origin");
	add(cls, "Cross-Origin-Opener-Policy", "same-origin");
	add(cls, "Cross-Origin-Resource-Policy", "same-origin");
	add(cls, "Permissions-Policy", PERMISSIONS);
	if (r->tls)
		add(cls, "Strict-Transport-Security", HSTS);
	if (!has_header(r, "Cache-Control"))
		add(cls, "Cache-Control", "no-store");
	if (r->status == 503 && !has_header(r, "Retry-After"))
		add(cls, "Retry-After", "1");
	if (atomic_load(&x->s->stopping) || x->close)
		add(cls, "Connection", "close");
	for (i = 0; i < r->nresp_headers; i++)
		add(cls, r->resp_headers[i].key, r->resp_headers[i].val);
}

static void
add_mhd(void *cls, const char *name, const char *value)
{
	if (MHD_add_response_header(cls, name, value) != MHD_YES)
		log_warn("http.header", "name=%s refused by MHD", name);
}

static void
add_raw(void *cls, const char *name, const char *value)
{
	buf_printf(cls, "%s: %s\r\n", name, value);
}

/* A streamed body (resp_stream): MHD asks for the bytes from pos on. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct resp_body_stream *st = cls;
	long n;

	if (pos >= st->size)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = st->read(st->cls, pos, buf, max);
	if (n <= 0) {
		log_warn("http.stream", "pos=%llu the body broke off (%ld)",
		    (unsigned long long)pos, n);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	return (ssize_t)n;
}

/* MHD lets go of the response after the request's arena is gone: the
 * stream is malloc'd (resp_stream) and freed here with its owner's cls. */
static void
stream_done(void *cls)
{
	struct resp_body_stream *st = cls;

	if (st->done)
		st->done(st->cls);
	free(st);
}

/* A stream the server never took (an error instead, or the exchange
 * ended first). */
static void
stream_drop(struct req *r)
{
	if (r->stream != NULL) {
		stream_done(r->stream);
		r->stream = NULL;
	}
}

/* --- the exchange ------------------------------------------------------ */

static struct exch *
exch_new(struct http_server *s, struct MHD_Connection *c, const char *target)
{
	struct exch *x = xcalloc(1, sizeof(*x));
	const char *q;

	clock_gettime(CLOCK_MONOTONIC, &x->t0);
	x->s = s;
	arena_init(&x->r.arena);
	buf_init(&x->r.resp);
	x->r.resp_fd = -1;
	x->r.app = s->cfg.app;
	x->r.conn = c;
	x->r.id = atomic_fetch_add(&s->next_id, 1) + 1;
	x->r.tls = s->cfg.tls_proxy;
	x->r.path = "";
	x->r.content_type = "";
	x->r.user_agent = "";
	x->r.accept_language = "";
	x->r.remote_addr = "";
	x->method = "-";
	x->target = arena_strdup(&x->r.arena, target ? target : "");
	q = strchr(x->target, '?');
	x->path_len = q ? (size_t)(q - x->target) : strlen(x->target);
	atomic_fetch_add(&s->inflight, 1);
	return x;
}

static void
finish_hook(struct exch *x)
{
	if (x->authorized && !x->finished) {
		x->finished = true;
		if (x->s->cfg.hooks.finish)
			x->s->cfg.hooks.finish(&x->r);
	}
}

/*
 * Body storage.  glibc serves a large malloc from a heap that it rarely
 * gives back (the mmap threshold rises after the first big free, and the
 * heaps of the worker threads are trimmed only from the top): three 10 MiB
 * uploads left 30 MB of resident memory behind.  A body of
 * LIMIT_BODY_MMAP bytes or more is therefore a mapping of its own, which
 * munmap returns to the system at once.
 */
static char *
body_alloc(size_t n)
{
	void *p;

	if (n < LIMIT_BODY_MMAP)
		return xmalloc(n);
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED) {
		log_err("http.body", "cannot map %zu bytes: %s", n,
		    strerror(errno));
		abort();
	}
	return p;
}

static void
body_free(char *p, size_t n)
{
	if (p == NULL)
		return;
	if (n < LIMIT_BODY_MMAP)
		free(p);
	else
		munmap(p, n);
}

static void
exch_free(struct exch *x)
{
	bool large = x->body_peak >= LIMIT_BODY_MMAP;

	finish_hook(x);
	sse_abandon(&x->r);
	stream_drop(&x->r);
	if (x->r.json)
		json_decref(x->r.json);
	if (x->r.resp_fd >= 0)
		close(x->r.resp_fd);
	buf_release(&x->r.resp);
	body_free(x->body, x->body_cap);
	arena_release(&x->r.arena);
	free(x);
	/* What the handler of a large request allocated (the parsed parts,
	 * sealed copies) is free now but would stay resident. */
	if (large)
		malloc_trim(0);
}

/* --- responses --------------------------------------------------------- */

static void log_path(struct exch *x, struct buf *out);

/* The exchange of an answered event stream becomes its struct kept
 * (bench/40-live.sh's sse_kib_per_stream). */
static struct kept *
exch_keep(struct exch *x)
{
	struct buf b = BUF_INIT;
	struct kept *k;
	size_t m, p, len;

	buf_adds(&b, x->method);
	m = b.len;
	buf_addch(&b, '\0');
	log_path(x, &b);
	p = b.len;
	buf_addch(&b, '\0');
	buf_adds(&b, x->r.remote_addr[0] ? x->r.remote_addr : "-");
	len = b.len + 1;
	k = xmalloc(st_add(sizeof(*k), len));
	k->h.kept = true;
	k->id = x->r.id;
	k->t0 = x->t0;
	k->status = x->sent_status;
	memcpy(k->text, b.p, len);
	k->method = k->text;
	k->path = k->text + m + 1;
	k->addr = k->text + p + 1;
	buf_release(&b);
	exch_free(x);
	return k;
}

static enum MHD_Result
queue_response(struct exch *x)
{
	struct req *r = &x->r;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	bool sse;
	char *p;

	if (r->status == 0)
		r->status = 200;
	if ((sse = r->sse != NULL)) {
		resp = sse_response(x->s->sse, r); /* an event stream */
		x->sent_bytes = 0;
	} else if (r->stream != NULL) {
		x->sent_bytes = r->stream->size;
		resp = MHD_create_response_from_callback(r->stream->size,
		    LIMIT_STREAM_BLOCK, stream_read, r->stream, stream_done);
		if (resp != NULL)
			r->stream = NULL; /* MHD calls stream_done now */
	} else if (r->resp_fd >= 0) {
		resp = MHD_create_response_from_fd64(r->resp_fd_size,
		    r->resp_fd);
		if (resp != NULL)
			r->resp_fd = -1; /* MHD closes it now */
		x->sent_bytes = r->resp_fd_size;
	} else if (r->resp.len == 0) {
		resp = MHD_create_response_from_buffer(0, (void *)"",
		    MHD_RESPMEM_PERSISTENT);
		x->sent_bytes = 0;
	} else {
		p = buf_detach(&r->resp, &len);
		resp = MHD_create_response_from_buffer(len, p,
		    MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			free(p);
		x->sent_bytes = len;
	}
	x->state = X_DONE;
	if (resp == NULL) {
		log_err("http.response", "id=%llu cannot make a response",
		    (unsigned long long)r->id);
		finish_hook(x);
		return MHD_NO;
	}
	each_header(x, add_mhd, resp);
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	x->sent_status = r->status;
	finish_hook(x);
	if (sse && ret == MHD_YES)
		x->keep = true; /* on_request makes it a struct kept */
	return ret;
}

/* Turn the request's response into the answer for err.  Of the headers
 * set so far only Set-Cookie (a session ended by authorize) and
 * Retry-After (a throttled log-in) survive: a Location, ETag or
 * Cache-Control meant for the success must not describe the error. */
static void
prepare_error(struct exch *x, int err, unsigned allowed)
{
	struct req *r = &x->r;
	size_t i, k = 0;

	for (i = 0; i < r->nresp_headers; i++)
		if (strcasecmp(r->resp_headers[i].key, "Set-Cookie") == 0 ||
		    strcasecmp(r->resp_headers[i].key, "Retry-After") == 0)
			r->resp_headers[k++] = r->resp_headers[i];
	r->nresp_headers = k;
	sse_abandon(r); /* an error instead of the stream */
	stream_drop(r);
	buf_reset(&r->resp);
	if (r->resp_fd >= 0) {
		close(r->resp_fd);
		r->resp_fd = -1;
	}
	r->resp_type = NULL;
	r->status = err_status(err);
	if (x->s->cfg.hooks.render_error)
		x->s->cfg.hooks.render_error(r, err);
	else
		http_error_page(r, err);
	if (r->status == 0)
		r->status = err_status(err);
	if (x->uri_too_long)
		r->status = 414; /* not 413: the address, not a body */
	if (err == ERR_METHOD && allowed && !has_header(r, "Allow"))
		resp_header(r, "Allow", http_allow_header(&r->arena, allowed));
}

static enum MHD_Result
answer_error(struct exch *x, int err, unsigned allowed)
{
	prepare_error(x, err, allowed);
	return queue_response(x);
}

static void
http_date(char out[64])
{
	static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = time(NULL);
	struct tm tm;

	/* By hand: strftime's names follow the thread's locale. */
	gmtime_r(&t, &tm);
	snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Answer straight on the socket, then shut its write side so the client
 * sees where the answer ends, and close: while a body is arriving (a 413,
 * see the top of the file), and for a request whose line and headers
 * nearly fill MHD's pool, which would leave no room for the answer's
 * headers (LIMIT_REQUEST_HEAD).  status 0: err's own.
 */
static void
answer_raw(struct exch *x, int err, int status)
{
	struct req *r = &x->r;
	const union MHD_ConnectionInfo *ci;
	struct buf out = BUF_INIT;
	char date[64];
	size_t off = 0;
	ssize_t n;

	prepare_error(x, err, 0);
	if (status)
		r->status = status;
	http_date(date);
	buf_printf(&out, "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n", r->status,
	    MHD_get_reason_phrase_for((unsigned)r->status), date, r->resp.len);
	each_header(x, add_raw, &out);
	buf_adds(&out, "\r\n");
	buf_addstr(&out, buf_str(&r->resp));
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	while (ci != NULL && off < out.len) {
		n = send(ci->connect_fd, out.p + off, out.len - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break; /* a client that does not read gets no answer */
		off += (size_t)n;
	}
	if (ci != NULL)
		shutdown(ci->connect_fd, SHUT_WR);
	x->sent_status = r->status;
	x->sent_bytes = r->resp.len;
	x->state = X_REFUSED;
	finish_hook(x);
	buf_release(&out);
}

/* --- parsing the request ----------------------------------------------- */

/* A method name as the log may show it: token characters, 16 at most. */
static const char *
log_token(struct arena *a, const char *s)
{
	char *d = arena_strndup(a, s, strnlen(s, 16));
	size_t i;

	for (i = 0; d[i]; i++)
		if (!((d[i] >= 'A' && d[i] <= 'Z') ||
		    (d[i] >= 'a' && d[i] <= 'z') || d[i] == '-' || d[i] == '_'))
			d[i] = '?';
	return d;
}

static const char *
header(struct exch *x, const char *name)
{
	return MHD_lookup_connection_value(x->r.conn, MHD_HEADER_KIND, name);
}

static const char *
remote_addr(struct exch *x)
{
	const union MHD_ConnectionInfo *ci;
	char ip[INET6_ADDRSTRLEN];
	const struct sockaddr *sa;
	const char *xff, *last;
	struct in6_addr a6;
	struct str s;

	if (x->s->cfg.tls_proxy && (xff = header(x, "X-Forwarded-For"))) {
		/* The proxy appends the address it saw: the last entry is
		 * the only one we can trust. */
		last = strrchr(xff, ',');
		s = str_trim(str_c(last ? last + 1 : xff));
		if (s.len < sizeof(ip)) {
			memcpy(ip, s.p, s.len);
			ip[s.len] = '\0';
			if (inet_pton(AF_INET, ip, &a6) == 1 ||
			    inet_pton(AF_INET6, ip, &a6) == 1)
				return arena_strdup(&x->r.arena, ip);
		}
	}
	ci = MHD_get_connection_info(x->r.conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return "";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const void *)sa;

		if (inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof(ip)))
			return arena_strdup(&x->r.arena, ip);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip)))
			return arena_strdup(&x->r.arena, ip);
	}
	return "";
}

static const char *
path_detail(int err)
{
	switch (err) {
	case ERR_TOOBIG:
		return "The address is too long.";
	case ERR_TOOMANY:
		return "The address has too many parts.";
	default:
		return "The address contains characters or parts that are "
		    "not allowed.";
	}
}

/*
 * Headers are complete: parse everything but the body and decide whether
 * a body may follow.  Returns 0 or the error to answer.
 */
static int
begin(struct exch *x, const char *method, unsigned *allowed)
{
	struct http_server *s = x->s;
	struct req *r = &x->r;
	const char *v, *q;
	bool is_static;
	int rc;

	r->method = http_method_parse(method);
	x->method = log_token(&r->arena, method);
	if ((v = header(x, "User-Agent")) != NULL)
		r->user_agent = v;
	if ((v = header(x, "Accept-Language")) != NULL)
		r->accept_language = v;
	if ((v = header(x, "Content-Type")) != NULL)
		r->content_type = http_media_type(&r->arena, str_c(v));
	if ((v = header(x, "Accept")) != NULL)
		r->wants_json = http_accept_json(str_c(v));
	r->remote_addr = remote_addr(x);

	rc = http_parse_path(&r->arena, (struct str){ x->target, x->path_len },
	    &r->path);
	if (rc != 0) {
		r->error_detail = path_detail(rc);
		x->uri_too_long = rc == ERR_TOOBIG;
		return rc;
	}
	q = x->target + x->path_len;
	if (*q == '?' && (rc = http_parse_urlencoded(&r->arena, str_c(q + 1),
	    LIMIT_QUERY_PARAMS, &r->query, &r->nquery)) != 0) {
		r->error_detail = rc == ERR_TOOMANY ?
		    "The address has too many parameters." :
		    "The address has a malformed parameter.";
		return rc;
	}
	if ((v = header(x, "Cookie")) != NULL &&
	    (rc = http_parse_cookies(&r->arena, str_c(v), &r->cookies,
	    &r->ncookies)) != 0) {
		r->error_detail = "The browser sent too many cookies.";
		return rc;
	}

	is_static = s->static_fd >= 0 &&
	    strncmp(r->path, STATIC_PREFIX, strlen(STATIC_PREFIX)) == 0;
	if (is_static) {
		x->is_static = true;
		x->body_limit = 0;
		if (!(r->method & (HTTP_GET | HTTP_HEAD))) {
			*allowed = HTTP_GET | HTTP_HEAD;
			return ERR_METHOD;
		}
		return 0;
	}
	rc = http_route_match(s->cfg.routes, s->cfg.nroutes, r->method,
	    r->path, &r->arena, &r->route, r->params, &r->nparams, allowed);
	if (rc != 0)
		return rc;
	x->body_limit = r->route->body_limit;
	if (r->route->flags & ROUTE_JSON)
		r->wants_json = true;
	return 0;
}

/* How much body the headers announce: 0 none, UINT64_MAX chunked (or an
 * unreadable length, which MHD refuses before us anyway). */
static uint64_t
announced_body(struct exch *x)
{
	const char *cl = header(x, "Content-Length");
	const char *te = header(x, "Transfer-Encoding");
	int64_t n;

	if (te != NULL && strcasestr(te, "chunked") != NULL)
		return UINT64_MAX;
	if (cl == NULL)
		return 0;
	if (num_parse_i64(str_trim(str_c(cl)), 0, INT64_MAX, &n) != 0)
		return UINT64_MAX;
	return (uint64_t)n;
}

/*
 * Ask the authorize hook with the headers alone (http.h): who calls, may
 * they, and is the CSRF token in the headers or the address.  A token the
 * form must carry may wait for a body of up to LIMIT_BODY_ANON bytes;
 * nobody makes us hold more before we know who they are.  Returns 0 or the
 * error to answer; sets x->ready when authorize made the answer itself.
 */
static int
authorize_headers(struct exch *x, uint64_t body)
{
	struct http_server *s = x->s;
	struct req *r = &x->r;
	int rc;

	if (s->cfg.hooks.authorize == NULL)
		return 0;
	x->authorized = true;
	rc = s->cfg.hooks.authorize(r);
	if (rc < 0)
		return rc;
	if (rc == HTTP_AUTH_BODY) {
		x->csrf_in_body = true;
		if (body != UINT64_MAX && body > LIMIT_BODY_ANON) {
			r->error_detail = "A form this large must carry its "
			    "token in the address or the X-CSRF-Token header.";
			return ERR_CSRF;
		}
		if (x->body_limit > LIMIT_BODY_ANON)
			x->body_limit = LIMIT_BODY_ANON;
		return 0;
	}
	if (rc > 0)
		x->ready = true;
	return 0;
}

static enum MHD_Result
add_len(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	*(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

/* The request line and headers, in bytes as sent (near enough). */
static size_t
head_size(struct exch *x, const char *method)
{
	size_t n = strlen(method) + strlen(x->target) + 12;

	MHD_get_connection_values(x->r.conn, MHD_HEADER_KIND, add_len, &n);
	return n;
}

static enum MHD_Result
on_headers(struct exch *x, const char *method, const char *version)
{
	struct req *r = &x->r;
	unsigned allowed = 0;
	uint64_t body;
	int rc;

	if (head_size(x, method) > LIMIT_REQUEST_HEAD) {
		r->method = http_method_parse(method);
		x->method = log_token(&r->arena, method);
		x->uri_too_long = x->path_len > LIMIT_PATH;
		r->error_detail = x->uri_too_long ? path_detail(ERR_TOOBIG) :
		    "The request's headers are too large.";
		answer_raw(x, ERR_TOOBIG, x->uri_too_long ? 414 : 431);
		return MHD_NO;
	}
	rc = begin(x, method, &allowed);
	/* RFC 9112, 3.2: an HTTP/1.1 request without Host is a 400.  Checked
	 * here rather than with MHD's strict mode, which would answer other
	 * malformed requests itself, without our headers. */
	if (rc == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
	    MHD_lookup_connection_value(x->r.conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST) == NULL) {
		r->error_detail = "The request has no Host header.";
		rc = ERR_PARSE;
	}
	body = announced_body(x);
	if (rc == 0 && body > 0) {
		if (body != UINT64_MAX && body > x->body_limit) {
			rc = ERR_TOOBIG;
		} else if (x->body_limit == 0) {
			rc = ERR_TOOBIG;
		} else if (!(r->route->flags & ROUTE_UPLOAD) &&
		    strcmp(r->content_type, "multipart/form-data") == 0) {
			r->error_detail = "This address accepts no files.";
			rc = ERR_MEDIATYPE;
		}
	}
	if (rc == 0 && !x->is_static)
		rc = authorize_headers(x, body);
	if (rc != 0 || x->ready) {
		if (body > 0) { /* answer now: MHD closes instead of reading */
			x->close = true;
			return rc ? answer_error(x, rc, allowed) :
			    queue_response(x);
		}
		x->pending = rc;
		x->pending_allowed = allowed;
		return MHD_YES;
	}
	if (body != UINT64_MAX && body > 0) {
		x->body_cap = x->body_peak = (size_t)body;
		x->body = body_alloc(x->body_cap);
	}
	return MHD_YES;
}

static enum MHD_Result
on_body(struct exch *x, const char *data, size_t n)
{
	size_t cap;
	char *p;

	if (x->state == X_REFUSED) {
		x->discarded += n;
		return x->discarded > LIMIT_BODY_DISCARD ? MHD_NO : MHD_YES;
	}
	if (n > x->body_limit - x->body_len) {
		answer_raw(x, ERR_TOOBIG, 0);
		x->discarded = n;
		return MHD_YES;
	}
	if (n > x->body_cap - x->body_len) {
		/* Chunked: double, but never past the limit. */
		cap = x->body_cap ? x->body_cap : 4096;
		while (cap < x->body_len + n)
			cap = st_mul(cap, 2);
		if (cap > x->body_limit)
			cap = (size_t)x->body_limit;
		p = body_alloc(cap);
		if (x->body_len)
			memcpy(p, x->body, x->body_len);
		body_free(x->body, x->body_cap);
		x->body = p;
		x->body_cap = cap;
		if (cap > x->body_peak)
			x->body_peak = cap;
	}
	memcpy(x->body + x->body_len, data, n);
	x->body_len += n;
	return MHD_YES;
}

/* The body is complete: parse it by type. */
static int
parse_body(struct exch *x)
{
	struct req *r = &x->r;
	struct str boundary;
	int rc = 0;

	r->body = (struct str){ x->body ? x->body : "", x->body_len };
	if (strcmp(r->content_type, "application/x-www-form-urlencoded") == 0) {
		rc = http_parse_urlencoded(&r->arena, r->body,
		    r->route->flags & ROUTE_MANY_FIELDS ?
		    LIMIT_FORM_FIELDS_MANY : LIMIT_FORM_FIELDS, &r->form,
		    &r->nform);
	} else if (strcmp(r->content_type, "multipart/form-data") == 0 &&
	    r->body.len > 0) {
		rc = http_multipart_boundary(str_c(header(x, "Content-Type")),
		    &boundary);
		/* A file is bounded by its route's body limit; the domain
		 * checks its own limit with a reason (attachments 10 MiB,
		 * media files LIMIT_MEDIA_FILE). */
		if (rc == 0)
			rc = http_parse_multipart(&r->arena, r->body, boundary,
			    LIMIT_FORM_FIELDS, (size_t)x->body_limit, &r->form,
			    &r->nform, &r->uploads, &r->nuploads);
	}
	switch (rc) {
	case 0:
		break;
	case ERR_TOOMANY:
		r->error_detail = "The form has too many fields.";
		break;
	case ERR_TOOBIG:
		r->error_detail = "A file is larger than allowed.";
		break;
	default:
		r->error_detail = "The form could not be read.";
		break;
	}
	return rc;
}

static enum MHD_Result
on_complete(struct exch *x)
{
	struct http_server *s = x->s;
	struct req *r = &x->r;
	int rc = 0;

	if (x->pending)
		return answer_error(x, x->pending, x->pending_allowed);
	if (x->ready)
		return queue_response(x);
	if (x->is_static) {
		rc = http_static_serve(r, s->static_fd, r->path +
		    strlen(STATIC_PREFIX), header(x, "If-None-Match"));
		return rc ? answer_error(x, rc, 0) : queue_response(x);
	}
	if ((rc = parse_body(x)) != 0)
		return answer_error(x, rc, 0);
	if (x->authorized && s->cfg.hooks.authorize_body)
		rc = s->cfg.hooks.authorize_body(r, x->csrf_in_body);
	else if (x->csrf_in_body)
		rc = ERR_CSRF; /* nobody to look at the form's token */
	if (rc != 0)
		return answer_error(x, rc, 0);
	rc = r->route->handler(r);
	if (rc < 0)
		return answer_error(x, rc, 0);
	return queue_response(x);
}

/*
 * A first line that is no request line ("GARBAGE").  MHD 0.9.75 closes such
 * a connection without a word and calls nothing of ours before (no URI
 * callback, no access handler); its one notice, the connection's end, comes
 * after it has shut the socket's write side (a send then fails with EPIPE).
 * So the check runs where a connection starts: the listening socket has
 * TCP_DEFER_ACCEPT, so a connection is accepted once its first bytes are
 * there, and they are peeked at before MHD reads them.  A complete first
 * line (after the empty lines RFC 9112 lets a client send) without a space
 * cannot be "method SP target SP version": it is drained, answered with a
 * fixed 400 and the socket shut, so MHD sees the end at once.  Anything
 * else -- a first line still arriving, bytes that came after the accept --
 * is left to MHD as before, which closes without an answer.
 */
static void
refuse_not_http(struct http_server *s, struct MHD_Connection *c)
{
	static const char body[] = "The request could not be read.\n";
	const union MHD_ConnectionInfo *ci;
	struct buf out = BUF_INIT;
	char peek[1024], date[64];
	const char *p, *end, *eol;
	ssize_t n;
	size_t off = 0;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL ||
	    (n = recv(ci->connect_fd, peek, sizeof(peek), MSG_PEEK |
	    MSG_DONTWAIT)) <= 0)
		return;
	end = peek + n;
	for (p = peek; p < end && (*p == '\r' || *p == '\n'); p++)
		;
	if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    memchr(p, ' ', (size_t)(eol - p)) != NULL)
		return;
	(void)!recv(ci->connect_fd, peek, (size_t)n, MSG_DONTWAIT);
	http_date(date);
	buf_printf(&out, "HTTP/1.1 400 Bad Request\r\nDate: %s\r\n"
	    "Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nContent-Security-Policy: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\nCache-Control: no-store\r\n",
	    date, sizeof(body) - 1, CSP);
	if (s->cfg.tls_proxy)
		buf_printf(&out, "Strict-Transport-Security: %s\r\n", HSTS);
	buf_adds(&out, "\r\n");
	buf_adds(&out, body);
	while (off < out.len) {
		n = send(ci->connect_fd, out.p + off, out.len - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf_release(&out);
	shutdown(ci->connect_fd, SHUT_RDWR);
	log_debug("http.conn", "a first line that is no request: 400");
}

static void
on_conn(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		refuse_not_http(cls, c);
}

/* --- MHD callbacks ----------------------------------------------------- */

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	return exch_new(cls, c, uri);
}

static enum MHD_Result
exchange(struct exch *x, const char *method, const char *version,
    const char *data, size_t *size)
{
	enum MHD_Result ret;

	switch (x->state) {
	case X_NEW:
		x->state = X_BODY;
		return on_headers(x, method, version);
	case X_BODY:
	case X_REFUSED:
		if (*size) {
			ret = on_body(x, data, *size);
			*size = 0;
			return ret;
		}
		if (x->state == X_REFUSED)
			return MHD_NO; /* answered already: close */
		return on_complete(x);
	case X_DONE:
		break;
	}
	return MHD_NO;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **ctx)
{
	struct held *h = *ctx;
	struct exch *x;
	enum MHD_Result ret;

	if (h != NULL && h->kept)
		return MHD_NO; /* answered; MHD does not ask again */
	if ((x = (struct exch *)h) == NULL) /* the URI callback runs first */
		*ctx = x = exch_new(cls, c, url);
	ret = exchange(x, method, version, data, size);
	if (x->keep)
		*ctx = exch_keep(x);
	return ret;
}

/* Does a parameter name say its value is a secret (http.h)? */
static bool
secret_name(const char *name, size_t n)
{
	return http_param_is_secret(name, n);
}

/* A path for the log: the raw path (never the query), with secret
 * parameters replaced by their names and odd bytes percent-encoded. */
static void
log_path(struct exch *x, struct buf *out)
{
	const struct route *rt = x->r.route;
	const char *p, *seg, *end;
	struct buf b = BUF_INIT;
	size_t i, k = 0;
	bool secret = false;
	unsigned char c;

	for (i = 0; rt && i < x->r.nparams; i++)
		if (secret_name(x->r.params[i].key, strlen(x->r.params[i].key)))
			secret = true;
	if (secret) {
		/* Rebuild from the pattern: ":token" stays a name, other
		 * parameters show their values. */
		for (p = rt->pattern; *p; p = end) {
			seg = p + 1;
			end = strchrnul(seg, '/');
			buf_addch(&b, '/');
			if (*seg != ':') {
				buf_add(&b, seg, (size_t)(end - seg));
				continue;
			}
			if (secret_name(seg + 1, (size_t)(end - seg - 1)))
				buf_add(&b, seg, (size_t)(end - seg));
			else if (k < x->r.nparams)
				buf_adds(&b, x->r.params[k].val);
			k++;
		}
	} else {
		buf_add(&b, x->target, x->path_len);
	}
	for (i = 0; i < b.len && i < 512; i++) {
		c = (unsigned char)b.p[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\')
			buf_printf(out, "%%%02X", c);
		else
			buf_addch(out, (char)c);
	}
	if (b.len > 512)
		buf_adds(out, "...");
	buf_release(&b);
}

static void
log_line(uint64_t id, const struct timespec *t0, const char *method,
    const char *path, int status, uint64_t bytes, const char *addr,
    enum MHD_RequestTerminationCode toe)
{
	static const char *const ends[] = { "ok", "error", "timeout",
	    "shutdown", "read-error", "client-abort" };
	struct timespec t1;
	uint64_t us;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Signed: the nanoseconds go down when a second passes. */
	us = (uint64_t)((int64_t)(t1.tv_sec - t0->tv_sec) * 1000000 +
	    (int64_t)(t1.tv_nsec - t0->tv_nsec) / 1000);
	log_info("http.access", "id=%llu method=%s path=%s status=%d "
	    "bytes=%llu us=%llu addr=%s end=%s", (unsigned long long)id,
	    method, path, status, (unsigned long long)bytes,
	    (unsigned long long)us, addr,
	    (size_t)toe < sizeof(ends) / sizeof(ends[0]) ? ends[toe] : "other");
}

static void
access_log(struct exch *x, enum MHD_RequestTerminationCode toe)
{
	struct buf path = BUF_INIT;

	log_path(x, &path);
	log_line(x->r.id, &x->t0, x->method, path.p ? path.p : "",
	    x->sent_status, x->sent_bytes,
	    x->r.remote_addr[0] ? x->r.remote_addr : "-", toe);
	buf_release(&path);
}

static void
on_done(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct held *h = *ctx;
	struct kept *k;

	if (h == NULL)
		return;
	*ctx = NULL;
	if (h->kept) {
		k = (struct kept *)h;
		if (s->cfg.access_log)
			log_line(k->id, &k->t0, k->method, k->path, k->status,
			    0, k->addr, toe);
		free(k);
	} else {
		if (s->cfg.access_log)
			access_log((struct exch *)h, toe);
		exch_free((struct exch *)h);
	}
	atomic_fetch_sub(&s->inflight, 1);
}

static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *uri)
{
	/* We decode the raw target ourselves (http_parse_path), with our
	 * rules; MHD's decoder would turn %00 into an early end. */
	return strlen(uri);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	/* MHD reports client mistakes here too: debug level, so a client
	 * cannot flood the log. */
	buf_vprintf(&b, fmt, ap);
	while (b.len && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == '\r'))
		b.p[--b.len] = '\0';
	log_debug("http.mhd", "msg=\"%s\"", b.p);
	buf_release(&b);
}

/* --- start and stop ---------------------------------------------------- */

static int
parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6)
{
	struct str host, port;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char h[INET6_ADDRSTRLEN];
	const char *colon;
	int64_t pn;

	memset(ss, 0, sizeof(*ss));
	if (listen == NULL || (colon = strrchr(listen, ':')) == NULL)
		return ERR_INVAL;
	host = (struct str){ listen, (size_t)(colon - listen) };
	port = (struct str){ colon + 1, strlen(colon + 1) };
	*v6 = host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']';
	if (*v6) {
		host.p++;
		host.len -= 2;
	}
	if (host.len == 0 || host.len >= sizeof(h) ||
	    num_parse_i64(port, 0, 65535, &pn) != 0)
		return ERR_INVAL;
	memcpy(h, host.p, host.len);
	h[host.len] = '\0';
	if (*v6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)pn);
		if (inet_pton(AF_INET6, h, &in6->sin6_addr) != 1)
			return ERR_INVAL;
	} else {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)pn);
		if (inet_pton(AF_INET, h, &in4->sin_addr) != 1)
			return ERR_INVAL;
	}
	return 0;
}

/* Every connection, an idle event stream included, is a descriptor: the
 * soft limit (often 1024) is raised to the hard one so that
 * LIMIT_CONNECTIONS fit, and what the node got is logged for its
 * operator. */
static void
raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want = LIMIT_CONNECTIONS + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		/* An unlimited hard limit is still capped by the kernel's
		 * nr_open: then ask for what the connections need. */
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			rl.rlim_cur = want;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (rl.rlim_cur < want)
		log_warn("http.start", "open files limited to %llu (hard "
		    "limit %llu); fewer than %d connections will fit",
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max, LIMIT_CONNECTIONS);
	else
		log_info("http.start", "open files limit %llu",
		    (unsigned long long)rl.rlim_cur);
}

int
http_server_start(const struct http_config *cfg, struct http_server **out)
{
	struct http_server *s = NULL;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	unsigned threads = cfg->threads, flags;
	long ncpu;
	bool v6;
	int rc;

	if ((rc = parse_listen(cfg->listen, &ss, &v6)) != 0) {
		log_err("http.start", "listen=%s is not address:port",
		    cfg->listen ? cfg->listen : "(null)");
		return rc;
	}
	if ((rc = http_routes_check(cfg->routes, cfg->nroutes)) != 0)
		return rc;
	s = xcalloc(1, sizeof(*s));
	s->cfg = *cfg;
	s->static_fd = -1;
	s->sse = sse_hub_new();
	if (cfg->static_dir &&
	    (rc = http_static_open(cfg->static_dir, &s->static_fd)) != 0)
		goto out;
	if (threads == 0) {
		/* Several per CPU: a handler may wait (for its write's flush,
		 * for PostgreSQL; a throttled log-in sleeps up to 2 s), and its
		 * thread's other connections wait with it (limits.h). */
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu > 0 ? 4 * (unsigned)ncpu : 8;
		if (threads < LIMIT_HTTP_THREADS_MIN)
			threads = LIMIT_HTTP_THREADS_MIN;
		if (threads > LIMIT_HTTP_THREADS_MAX)
			threads = LIMIT_HTTP_THREADS_MAX;
	}
	if (threads < 2)
		threads = 2;
	raise_nofile();
	/* glibc raises its mmap threshold to the size of the largest block
	 * freed (up to 32 MiB) and keeps what is freed at the top of a worker
	 * thread's heap, which malloc_trim does not give back: after a few
	 * 9 MB uploads 35 MB stayed resident.  Fixed thresholds keep every
	 * large block (a sealed attachment, SQLite's copy of it) a mapping of
	 * its own, returned when freed. */
	mallopt(M_MMAP_THRESHOLD, LIMIT_BODY_MMAP);
	mallopt(M_TRIM_THRESHOLD, 2 * LIMIT_BODY_MMAP);

	flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LIMIT_CONN_MEMORY,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)LIMIT_CONNECTIONS,
	    /* Behind a proxy every connection comes from the proxy. */
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    cfg->tls_proxy ? 0u : (unsigned)LIMIT_CONNECTIONS_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)LIMIT_CONN_TIMEOUT,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_conn, s,
	    MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		log_err("http.start", "listen=%s error=\"%s\"", cfg->listen,
		    strerror(errno));
		rc = ERR_IO;
		goto out;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? (int)di->port : 0;
	/* Accept a connection once its first bytes are there (refuse_not_http);
	 * one without any is accepted after a few seconds all the same. */
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_LISTEN_FD);
	if (di == NULL || setsockopt(di->listen_fd, IPPROTO_TCP,
	    TCP_DEFER_ACCEPT, &(int){ 2 }, sizeof(int)) != 0)
		log_warn("http.start", "no TCP_DEFER_ACCEPT: a first line "
		    "that is no request may be closed without a 400");
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (s != NULL) {
		if (s->static_fd >= 0)
			close(s->static_fd);
		sse_hub_free(s->sse);
		free(s);
	}
	return rc;
}

int
http_server_port(const struct http_server *s)
{
	return s->port;
}

void
http_server_stop(struct http_server *s)
{
	struct timespec t0, now, nap = { 0, 10 * 1000 * 1000 };
	MHD_socket ls;
	long left;

	if (s == NULL)
		return;
	atomic_store(&s->stopping, true);
	ls = MHD_quiesce_daemon(s->d);
	sse_hub_end_all(s->sse); /* MHD must not stop with any suspended */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((left = atomic_load(&s->inflight)) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= LIMIT_SHUTDOWN_GRACE) {
			log_warn("http.stop", "requests=%ld still running "
			    "after %d s; closing them", left,
			    LIMIT_SHUTDOWN_GRACE);
			break;
		}
		nanosleep(&nap, NULL);
	}
	MHD_stop_daemon(s->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	if (s->static_fd >= 0)
		close(s->static_fd);
	sse_hub_free(s->sse);
	free(s);
}
