/*
 * sse.c - Server-Sent Events streams on libmicrohttpd (sse.h).
 *
 * A stream is answered with a response whose content comes from a reader
 * callback.  With nothing queued the reader suspends the connection and
 * returns 0 (MHD allows suspending from the reader, and with the poll
 * threads a reader returning 0 without suspending would spin); sse_push
 * queues and resumes it.  The stream's mutex orders the two: suspended is
 * set under it before MHD is told, and cleared under it before resuming,
 * so a resume is never lost nor doubled.  MHD frees the response (and
 * with it the stream, through free_stream) only after the connection is
 * closed, which never happens while it is suspended -- except at
 * MHD_stop_daemon, and the server ends every stream (sse_hub_end_all)
 * before it stops.
 *
 * Memory of an idle stream: the struct below, MHD's connection (its
 * pool, LIMIT_CONN_MEMORY) and the response with a small block; the
 * queue is freed whenever it drains, MHD's copies of the headers once
 * they are sent (drop_headers), and the server keeps of the request only
 * its access-log fields (server.c, exch_keep).  bench/README.md has the
 * figures.
 *
 * An event for a suspended stream is written to its socket at once, by
 * the thread that pushes it (send_now), not by MHD: resuming hands the
 * bytes to the MHD worker thread that owns the connection, and that
 * thread also runs the handlers of other requests, which wait for the
 * store's flush.  At 1,000 chat messages a second (bench/40-live.sh) an
 * event waited there behind other people's posts for tens of ms: most of
 * the delivery's time.  Writing beside MHD is safe because the body has
 * no framing of ours to keep in step (the response is sent in HTTP/1.0
 * manner, its end being the connection's: MHD_RF_HTTP_1_0_COMPATIBLE_STRICT,
 * no chunks), and because a suspended stream has nothing of MHD's left
 * to send: MHD asks the reader for more only once it has sent all it was
 * given, and the reader suspends only then, finding nothing queued.  What
 * the socket does not take at once stays queued and the connection is
 * resumed for it, so the order holds.  Heartbeats are written the same
 * way: every LIMIT_SSE_HEARTBEAT seconds all streams of the node would
 * otherwise be resumed at once (MHD restarts a connection's timeout when
 * it is resumed, so one that was written beside it for minutes is not
 * taken for idle).
 */
#include "http/sse.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "http/http.h"
#include "core/banned.h"

/* The response's own buffer, allocated with it for every stream.  MHD
 * reads an answer without chunks (every stream's: see the top) into it,
 * in pieces of this size, when the events go through MHD rather than
 * send_now: a replay after a reconnect, or what a full socket left
 * queued.  A heartbeat or a short event fits in one; a longer one takes
 * a few.  (1 KiB here was 0.9 KiB of every idle stream, 64 bytes made a
 * replay one send a line: bench/README.md.) */
#define SSE_BLOCK 256
/* Response headers MHD may hold for a stream (each_header's set). */
#define SSE_MAX_HEADERS 32

struct sse_stream {
	pthread_mutex_t mu;
	struct sse_hub *hub;
	struct MHD_Connection *conn;
	struct MHD_Response *resp; /* until its headers are dropped */
	int fd;              /* its socket, -1 until answered */
	struct sse_stream *prev, *next;  /* in the hub */
	void (*on_close)(void *);
	void *cls;
	struct buf q;        /* bytes waiting, from qoff */
	size_t qoff;
	time_t opened;
	bool suspended;      /* by the reader; only a push resumes it */
	bool closing;        /* end after what is queued */
	bool dropped;        /* the reader fell behind: end at once */
	bool unchunked;      /* the body is unframed: send_now may write */
};

struct sse_hub {
	pthread_mutex_t mu;
	struct sse_stream *all;
	bool stopping;
};

static void
stream_free(struct sse_stream *s)
{
	if (s->on_close)
		s->on_close(s->cls);
	buf_release(&s->q);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Under s->mu, for a suspended stream: write what is queued to the
 * socket now, without waiting (see the top of the file).  false when
 * the socket could not take it all (the rest stays queued for MHD); a
 * peer that is gone drops the stream. */
static bool
send_now(struct sse_stream *s)
{
	ssize_t n;

	while (s->q.len > s->qoff) {
		n = send(s->fd, s->q.p + s->qoff, s->q.len - s->qoff,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			s->qoff += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		s->dropped = true;
		buf_release(&s->q);
		s->qoff = 0;
		return false;
	}
	/* Idle streams hold no queue. */
	buf_release(&s->q);
	s->qoff = 0;
	return true;
}

/* Under s->mu: let the reader run again. */
static void
wake(struct sse_stream *s)
{
	if (s->suspended) {
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

struct sse_stream *
sse_begin(struct req *r, void (*on_close)(void *cls), void *cls)
{
	struct sse_stream *s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	buf_init(&s->q);
	s->on_close = on_close;
	s->cls = cls;
	s->opened = time(NULL);
	s->fd = -1;
	/* Something to send at once (the headers go with it), and how
	 * long the browser waits before reconnecting. */
	buf_adds(&s->q, ": stream\nretry: 2000\n\n");
	r->sse = s;
	return s;
}

bool
sse_push(struct sse_stream *s, const char *id, const char *event,
    const char *data, size_t len)
{
	size_t need = id ? strlen(id) + strlen(event) + len + 24 : 3;
	bool ok = false;

	pthread_mutex_lock(&s->mu);
	if (s->closing || s->dropped)
		goto out;
	if (id == NULL && time(NULL) - s->opened >= LIMIT_SSE_LIFETIME) {
		/* Long enough: the browser reconnects, its cookie checked
		 * again, and replays what it misses meanwhile. */
		s->closing = true;
		wake(s);
		goto out;
	}
	if (s->q.len - s->qoff + need > LIMIT_SSE_QUEUE) {
		s->dropped = true;
		buf_release(&s->q);
		s->qoff = 0;
		wake(s);
		goto out;
	}
	if (s->qoff > 0 && s->qoff == s->q.len) {
		buf_reset(&s->q);
		s->qoff = 0;
	}
	if (id == NULL) {
		buf_adds(&s->q, ":\n\n");
	} else {
		buf_printf(&s->q, "id: %s\nevent: %s\ndata: ", id, event);
		buf_add(&s->q, data, len);
		buf_adds(&s->q, "\n\n");
	}
	if (!(s->suspended && s->unchunked && send_now(s)))
		wake(s);
	ok = !s->dropped; /* send_now found its peer gone */
out:
	pthread_mutex_unlock(&s->mu);
	return ok;
}

bool
sse_alive(struct sse_stream *s)
{
	struct pollfd pfd;
	char c;
	bool alive = true;

	pthread_mutex_lock(&s->mu);
	if (s->closing || s->dropped) {
		alive = false;
	} else if (s->fd >= 0 && s->suspended) {
		/* The browser sends nothing on a stream: anything readable
		 * is its end (or a byte we ignore). */
		pfd.fd = s->fd;
		pfd.events = POLLIN | POLLRDHUP;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 1 && ((pfd.revents & (POLLRDHUP |
		    POLLHUP | POLLERR)) || recv(s->fd, &c, 1, MSG_PEEK |
		    MSG_DONTWAIT) == 0))
			alive = false;
		if (!alive) {
			s->dropped = true;
			buf_release(&s->q);
			s->qoff = 0;
			wake(s);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return alive;
}

struct hdrs {
	const char *k[SSE_MAX_HEADERS], *v[SSE_MAX_HEADERS];
	size_t n;
};

static enum MHD_Result
each_hdr(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct hdrs *h = cls;

	if (kind == MHD_HEADER_KIND && h->n < SSE_MAX_HEADERS) {
		h->k[h->n] = k;
		h->v[h->n++] = v;
	}
	return MHD_YES;
}

/*
 * MHD keeps its copies of the response headers (a dozen, 1.4 KiB with
 * the security headers) until the response is gone, minutes for a
 * stream, although it wrote them to the connection's own buffer before
 * it first asks the reader for body bytes (the header block is built
 * when the reply starts; the body follows once it is sent).  Nothing
 * reads them after that, so the reader's first call lets them go.
 */
static void
drop_headers(struct MHD_Response *resp)
{
	struct hdrs h = { .n = 0 };
	size_t i;

	(void)MHD_get_response_headers(resp, each_hdr, &h);
	/* Each entry is its own allocation: deleting one leaves the
	 * others' strings in place. */
	for (i = 0; i < h.n; i++)
		(void)MHD_del_response_header(resp, h.k[i], h.v[i]);
}

static ssize_t
reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct sse_stream *s = cls;
	ssize_t n;

	(void)pos;
	if (s->resp != NULL) {
		/* MHD's thread, the response's lock held: nothing else
		 * touches its headers now. */
		drop_headers(s->resp);
		s->resp = NULL;
	}
	pthread_mutex_lock(&s->mu);
	if (s->dropped) {
		n = MHD_CONTENT_READER_END_WITH_ERROR;
	} else if (s->q.len > s->qoff) {
		n = (ssize_t)(s->q.len - s->qoff < max ? s->q.len - s->qoff :
		    max);
		memcpy(out, s->q.p + s->qoff, (size_t)n);
		s->qoff += (size_t)n;
		if (s->qoff == s->q.len) {
			/* Idle streams hold no queue. */
			buf_release(&s->q);
			s->qoff = 0;
		}
	} else if (s->closing) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		s->suspended = true;
		MHD_suspend_connection(s->conn);
		n = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

static void
free_stream(void *cls)
{
	struct sse_stream *s = cls;
	struct sse_hub *h = s->hub;

	pthread_mutex_lock(&h->mu);
	if (s->prev)
		s->prev->next = s->next;
	else
		h->all = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&h->mu);
	stream_free(s);
}

void *
sse_response(struct sse_hub *h, struct req *r)
{
	struct sse_stream *s = r->sse;
	const union MHD_ConnectionInfo *ci;
	struct MHD_Response *resp;
	int sndbuf = LIMIT_SSE_SNDBUF;

	r->sse = NULL;
	r->resp_type = "text/event-stream";
	resp_header(r, "X-Accel-Buffering", "no"); /* nginx: pass it on */
	pthread_mutex_lock(&h->mu);
	if (h->stopping) {
		pthread_mutex_unlock(&h->mu);
		stream_free(s);
		return NULL;
	}
	s->hub = h;
	s->conn = r->conn;
	s->next = h->all;
	if (s->next)
		s->next->prev = s;
	h->all = s;
	pthread_mutex_unlock(&h->mu);
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL)
		s->fd = ci->connect_fd;
	if (ci != NULL)
		(void)setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF,
		    &sndbuf, sizeof(sndbuf));
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK,
	    reader, s, free_stream);
	if (resp == NULL) {
		free_stream(s);
		return NULL;
	}
	s->resp = resp; /* not queued yet: the reader waits */
	/* No chunks: send_now writes beside MHD (see the top). */
	if (s->fd >= 0 && MHD_set_response_options(resp,
	    MHD_RF_HTTP_1_0_COMPATIBLE_STRICT, MHD_RO_END) == MHD_YES) {
		pthread_mutex_lock(&s->mu);
		s->unchunked = true;
		pthread_mutex_unlock(&s->mu);
	}
	return resp;
}

void
sse_abandon(struct req *r)
{
	if (r->sse != NULL) {
		stream_free(r->sse);
		r->sse = NULL;
	}
}

struct sse_hub *
sse_hub_new(void)
{
	struct sse_hub *h = xcalloc(1, sizeof(*h));

	pthread_mutex_init(&h->mu, NULL);
	return h;
}

void
sse_hub_end_all(struct sse_hub *h)
{
	struct sse_stream *s;

	pthread_mutex_lock(&h->mu);
	h->stopping = true;
	for (s = h->all; s; s = s->next) {
		pthread_mutex_lock(&s->mu);
		s->closing = true;
		wake(s);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&h->mu);
}

void
sse_hub_free(struct sse_hub *h)
{
	if (h == NULL)
		return;
	if (h->all != NULL)
		log_warn("sse.stop", "streams still open at the end");
	pthread_mutex_destroy(&h->mu);
	free(h);
}
