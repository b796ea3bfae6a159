/*
 * chat_bench.c - the chat-delivery driver of 40-live.sh (issue 10): chat
 * messages posted at a steady rate over many conversations, each timed
 * from its post to its arrival on the other side's event stream, with
 * both sides' streams open.
 *
 *   chat_bench --port P --convs FILE [--rate R] [--secs S] [--max N]
 *              [--posters C] [--net K]
 *
 * FILE (written by live_bench.py, which logs the people in) has a line a
 * conversation: "TID CLIENT_UID CLIENT_COOKIE CLIENT_CSRF COACH_UID
 * COACH_COOKIE COACH_CSRF"; at most N (default 1,000) are used.  Each
 * conversation gets two streams, GET /live/t/TID in the client's session
 * and in the coach's, from the loopback source addresses 127.K.0.2, .3,
 * ... (K default 1; PER_ADDR each, so LIMIT_CONNECTIONS_PER_IP is not
 * what refuses them; not live_bench.py's 127.0.0.x, whose idle streams
 * the server may still hold suspended until its next heartbeat).  Then message k (R a second for S seconds, default 1,000 for 10)
 * is due at start + k / R, in conversation k mod n, sent by the coach or
 * the client by turns (POST /t/TID/chat, the chat form) on one of C
 * keep-alive HTTP/1.1 connections (default 64) that has no request in
 * flight: an open-loop schedule, the posts do not wait for each other's
 * answers.  Its "chat" event ({"id":..,"author":..} from the other
 * user) on the other side's stream is its arrival.
 *
 * One thread, epoll, non-blocking sockets; times from CLOCK_MONOTONIC.
 * The delay of a message is its arrival minus its due time (a post the
 * driver could only send late counts its wait too; how many were sent
 * more than a millisecond late is printed), and also printed from the
 * moment its request was written.  Percentiles are of all samples
 * (nearest rank, as live_bench.py's).  Every wait has a deadline: the
 * streams must all be open within 60 s, and a message not arrived
 * DRAIN_SECS after the last post is counted lost.
 *
 * Prints "chat_bench: ..." lines and the figures 40-live.sh reads:
 * chat_posted, chat_failed (messages due that did not arrive: failed
 * posts, posts not sent by the deadline, lost messages),
 * chat_deliveries, chat_late, chat_delivery_p50_ms, chat_delivery_p99_ms.
 * Exit status 1 when it could not run (streams refused, a bad FILE).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, strcasestr */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PER_ADDR 500           /* below LIMIT_CONNECTIONS_PER_IP (512) */
#define MAX_CONVS 5000         /* LIMIT_SSE_PER_NODE / 2 */
#define MAX_POSTERS 512
#define PENDING 64             /* messages in flight to one stream */
#define OPEN_SECS 60
#define DRAIN_SECS 5
#define LATE_NS 1000000        /* 1 ms */
#define RBUF 65536

enum kind { K_STREAM, K_POSTER, K_TIMER };

struct sample {
	int64_t due, sent;         /* ns */
	uint32_t k;
	bool failed;
};

struct conn {
	enum kind kind;
	int fd;
	/* A stream: its conversation's side (0 client, 1 coach). */
	struct conv *cv;
	int side;
	bool open;                 /* its 200 and headers are read */
	struct sample pend[PENDING];  /* posted to this stream, in order */
	int npend;
	/* What came in: raw bytes, and a stream's de-chunked events. */
	char *in;
	size_t inlen;
	char *ev;
	size_t evlen, evcap;
	int cstate;                /* chunk decoder: 0 size, 1 data, 2 CRLF */
	uint64_t cleft;
	bool hdone, chunked, closing;
	int status;
	int64_t clen;              /* a poster's Content-Length, -1 none */
	/* A poster: its request in flight. */
	bool busy;
	struct conv *to;
	int to_side;
	uint32_t k;
	int64_t sent;
	char out[1024];
	size_t outlen, outoff;
};

struct conv {
	long long tid;
	long long uid[2];
	char cookie[2][200];
	char csrf[2][200];         /* url-encoded */
	struct conn *st[2];
};

static struct conv *convs;
static size_t nconvs;
static struct conn *posters;
static int nposters;
static int ep;
static int port = 0;
static int net = 1;
static int64_t *lat, *lat_sent, *post_rt;
static size_t nlat, nrt;
static uint64_t n_posted, n_failed, n_late, n_stray;

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("chat_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *
xmalloc(size_t n)
{
	void *p = calloc(1, n);

	if (p == NULL)
		die("out of memory");
	return p;
}

static int
dial(const char *src)
{
	struct sockaddr_in sa, me;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket: %s", strerror(errno));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	if (inet_pton(AF_INET, src, &me.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0)
		die("bind %s: %s", src, strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Blocking connect on the loopback: the kernel answers at once. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("connect: %s", strerror(errno));
	return fd;
}

static void
nonblock_add(struct conn *c, uint32_t events)
{
	struct epoll_event e;
	int fl = fcntl(c->fd, F_GETFL);

	if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) != 0)
		die("non-blocking: %s", strerror(errno));
	e.events = events;
	e.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) != 0)
		die("epoll_ctl: %s", strerror(errno));
}

/* --- what comes in ------------------------------------------------------ */

/* Read what the socket has into c->in.  0: something or nothing yet; -1:
 * closed or failed. */
static int
fill(struct conn *c)
{
	ssize_t n;

	for (;;) {
		if (c->inlen == RBUF)
			return -1; /* a head or chunk line this long: broken */
		n = read(c->fd, c->in + c->inlen, RBUF - c->inlen);
		if (n > 0) {
			c->inlen += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
}

static void
consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

static void
ev_add(struct conn *c, const char *p, size_t n)
{
	if (c->evlen + n > c->evcap) {
		c->evcap = (c->evlen + n) * 2;
		if ((c->ev = realloc(c->ev, c->evcap)) == NULL)
			die("out of memory");
	}
	memcpy(c->ev + c->evlen, p, n);
	c->evlen += n;
}

/* The response head: 1 when read (status, framing), 0 not yet, -1 bad. */
static int
head(struct conn *c)
{
	char *end, *p, *line;
	size_t n;

	if (c->hdone)
		return 1;
	if ((end = memmem(c->in, c->inlen, "\r\n\r\n", 4)) == NULL)
		return 0;
	n = (size_t)(end - c->in) + 4;
	end[2] = '\0';
	if (sscanf(c->in, "HTTP/1.%*d %d", &c->status) != 1)
		return -1;
	c->chunked = false;
	c->closing = false;
	c->clen = -1;
	for (line = strstr(c->in, "\r\n"); line && line[2];
	    line = strstr(line + 2, "\r\n")) {
		p = line + 2;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			c->clen = strtoll(p + 15, NULL, 10);
		else if (strncasecmp(p, "Transfer-Encoding:", 18) == 0 &&
		    strcasestr(p, "chunked") != NULL)
			c->chunked = true;
		else if (strncasecmp(p, "Connection:", 11) == 0 &&
		    strcasestr(p, "close") != NULL)
			c->closing = true;
	}
	consume(c, n);
	c->hdone = true;
	c->cstate = 0;
	c->cleft = 0;
	return 1;
}

/* De-chunk what is in c->in into c->ev (keep) or nowhere.  1 at the last
 * chunk, 0 otherwise, -1 when the framing is broken. */
static int
dechunk(struct conn *c, bool keep)
{
	size_t off = 0, n;
	char *nl;
	int rc = 0;

	while (off < c->inlen && rc == 0) {
		if (c->cstate == 0) {
			nl = memmem(c->in + off, c->inlen - off, "\r\n", 2);
			if (nl == NULL)
				break;
			*nl = '\0';
			c->cleft = strtoull(c->in + off, NULL, 16);
			off = (size_t)(nl - c->in) + 2;
			c->cstate = c->cleft ? 1 : 3;
		} else if (c->cstate == 1) {
			n = c->inlen - off < c->cleft ? c->inlen - off :
			    (size_t)c->cleft;
			if (keep)
				ev_add(c, c->in + off, n);
			off += n;
			if ((c->cleft -= n) == 0)
				c->cstate = 2;
		} else {
			/* 2: the chunk's CRLF; 3: the last chunk's (no
			 * trailers are sent). */
			if (c->inlen - off < 2)
				break;
			if (c->in[off] != '\r' || c->in[off + 1] != '\n')
				rc = -1;
			else if (c->cstate == 3)
				rc = 1;
			off += 2;
			c->cstate = 0;
		}
	}
	consume(c, off);
	return rc;
}

static size_t lat_cap;

/* One "chat" event on a stream: a message of the other side arrived. */
static void
chat_event(struct conn *c, const char *data, int64_t at)
{
	const char *p;
	long long author;
	struct sample s;

	if ((p = strstr(data, "\"id\":")) == NULL)
		return; /* a session started, not a message */
	if ((p = strstr(data, "\"author\":")) == NULL)
		return;
	author = strtoll(p + 9, NULL, 10);
	if (author == c->cv->uid[c->side])
		return; /* its own post, on its own stream */
	if (c->npend == 0) {
		n_stray++;
		return;
	}
	s = c->pend[0];
	memmove(c->pend, c->pend + 1, (size_t)--c->npend * sizeof(s));
	if (nlat < lat_cap) {
		lat[nlat] = at - s.due;
		lat_sent[nlat++] = at - s.sent;
	}
}

static void
events(struct conn *c, int64_t at)
{
	char *end, *line, *next, *kind, *data;
	size_t n;

	while ((end = memmem(c->ev, c->evlen, "\n\n", 2)) != NULL) {
		n = (size_t)(end - c->ev) + 2;
		*end = '\0';
		kind = data = NULL;
		for (line = c->ev; line; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			if (strncmp(line, "event: ", 7) == 0)
				kind = line + 7;
			else if (strncmp(line, "data: ", 6) == 0)
				data = line + 6;
		}
		if (kind && data && strcmp(kind, "chat") == 0)
			chat_event(c, data, at);
		memmove(c->ev, c->ev + n, c->evlen - n);
		c->evlen -= n;
	}
}

static void
on_stream(struct conn *c)
{
	int64_t at;
	int r;

	r = fill(c);
	at = now_ns();
	if (head(c) < 0)
		die("stream of trajectory %lld: a bad answer", c->cv->tid);
	if (c->hdone && !c->open) {
		if (c->status != 200)
			die("stream of trajectory %lld (%s) answered %d",
			    c->cv->tid, c->side ? "coach" : "client",
			    c->status);
		c->open = true;
	}
	if (c->hdone && !c->chunked) {
		/* Unframed: the body ends with the connection. */
		ev_add(c, c->in, c->inlen);
		c->inlen = 0;
	} else if (c->hdone && dechunk(c, true) != 0) {
		die("stream of trajectory %lld ended", c->cv->tid);
	}
	events(c, at);
	if (r < 0)
		die("stream of trajectory %lld (%s) closed", c->cv->tid,
		    c->side ? "coach" : "client");
}

/* --- posting ------------------------------------------------------------ */

static int64_t t0;
static double rate;
static uint32_t total, next_k;

static int64_t
due(uint32_t k)
{
	return t0 + (int64_t)((double)k * 1e9 / rate);
}

static void
poster_open(struct conn *c)
{
	c->kind = K_POSTER;
	c->fd = dial("127.0.0.1");
	c->inlen = 0;
	c->hdone = false;
	c->busy = false;
	nonblock_add(c, EPOLLIN);
}

static void
poster_reopen(struct conn *c)
{
	(void)epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	poster_open(c);
}

/* The post's answer is wrong or missing: the message will not arrive. */
static void
post_failed(struct conn *c)
{
	struct conn *st = c->to->st[c->to_side];
	int i;

	n_failed++;
	for (i = 0; i < st->npend; i++)
		if (st->pend[i].k == c->k) {
			memmove(st->pend + i, st->pend + i + 1,
			    (size_t)(st->npend - i - 1) * sizeof(st->pend[0]));
			st->npend--;
			break;
		}
}

static void
write_more(struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct epoll_event e = { EPOLLIN | EPOLLOUT,
			    { .ptr = c } };

			(void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
			return;
		}
		if (n <= 0) {
			post_failed(c);
			poster_reopen(c);
			return;
		}
		c->outoff += (size_t)n;
	}
}

static void
post(struct conn *c, uint32_t k, int64_t when_due)
{
	struct conv *cv = &convs[k % nconvs];
	int from = (int)((k / nconvs + k % nconvs) % 2);
	struct conn *st = cv->st[!from];
	char body[512];
	int bl;

	bl = snprintf(body, sizeof(body), "csrf=%s&action=send&body="
	    "Bericht+%" PRIu32 "+in+de+chat%%2C+kort.", cv->csrf[from], k);
	c->outlen = (size_t)snprintf(c->out, sizeof(c->out),
	    "POST /t/%lld/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Cookie: infuus_session=%s\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: %d\r\n\r\n%s", cv->tid, cv->cookie[from], bl,
	    body);
	c->outoff = 0;
	c->busy = true;
	c->to = cv;
	c->to_side = !from;
	c->k = k;
	c->hdone = false;
	if (st->npend == PENDING) {
		n_failed++; /* the stream has not kept up for a minute */
		c->busy = false;
		return;
	}
	st->pend[st->npend].due = when_due;
	st->pend[st->npend].k = k;
	st->pend[st->npend].sent = c->sent = now_ns();
	st->npend++;
	if (st->pend[st->npend - 1].sent - when_due > LATE_NS)
		n_late++;
	write_more(c);
}

static void
on_poster(struct conn *c, uint32_t events)
{
	int r, d;

	if (events & EPOLLOUT) {
		struct epoll_event e = { EPOLLIN, { .ptr = c } };

		(void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
		write_more(c);
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	r = fill(c);
	if (!c->busy) {
		/* An idle keep-alive connection closed by the server. */
		if (r < 0)
			poster_reopen(c);
		return;
	}
	if ((d = head(c)) < 0)
		goto fail;
	if (d == 0) {
		if (r < 0)
			goto fail;
		return;
	}
	if (c->chunked) {
		if ((d = dechunk(c, false)) < 0)
			goto fail;
		if (d == 0) {
			if (r < 0)
				goto fail;
			return;
		}
	} else if (c->clen > 0) {
		if ((int64_t)c->inlen < c->clen) {
			if (r < 0)
				goto fail;
			return;
		}
		consume(c, (size_t)c->clen);
	}
	if (nrt < lat_cap)
		post_rt[nrt++] = now_ns() - c->sent;
	c->busy = false;
	c->hdone = false;
	if (c->status != 303) {
		if (n_failed < 5)
			fprintf(stderr, "chat_bench: a post answered %d\n",
			    c->status);
		post_failed(c);
	} else {
		n_posted++;
	}
	if (c->closing || r < 0 || c->inlen > 0)
		poster_reopen(c);
	return;
fail:
	post_failed(c);
	poster_reopen(c);
}

/* Send what is due on the connections that are free, taking them by
 * turns: the lowest free ones each time would put the posts on the few
 * server threads that accepted those connections, where a person's own
 * connection lands on any. */
static void
post_due(void)
{
	static int turn;
	int64_t now = now_ns();
	int i;

	for (i = 0; i < nposters && next_k < total &&
	    due(next_k) <= now; i++) {
		turn = (turn + 1) % nposters;
		if (posters[turn].busy)
			continue;
		post(&posters[turn], next_k, due(next_k));
		next_k++;
	}
}

/* --- the run ------------------------------------------------------------ */

static void
urlencode(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < cap; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.' || ch == '~') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
}

static void
read_convs(const char *path, size_t max)
{
	char line[2048], csrf[2][200];
	struct conv *cv;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	convs = xmalloc(max * sizeof(*convs));
	while (nconvs < max && fgets(line, sizeof(line), f) != NULL) {
		cv = &convs[nconvs];
		if (sscanf(line, "%lld %lld %199s %199s %lld %199s %199s",
		    &cv->tid, &cv->uid[0], cv->cookie[0], csrf[0],
		    &cv->uid[1], cv->cookie[1], csrf[1]) != 7)
			die("%s: a line is not \"TID UID COOKIE CSRF UID "
			    "COOKIE CSRF\"", path);
		urlencode(cv->csrf[0], sizeof(cv->csrf[0]), csrf[0]);
		urlencode(cv->csrf[1], sizeof(cv->csrf[1]), csrf[1]);
		nconvs++;
	}
	fclose(f);
	if (nconvs == 0)
		die("%s: no conversation", path);
}

static void
open_streams(void)
{
	char src[32], req[512];
	struct conn *c;
	size_t i, n = 0, opened;
	int64_t deadline;
	struct epoll_event evs[256];
	int side, k, m;

	for (i = 0; i < nconvs; i++)
		for (side = 0; side < 2; side++, n++) {
			c = convs[i].st[side] = xmalloc(sizeof(*c));
			c->kind = K_STREAM;
			c->cv = &convs[i];
			c->side = side;
			c->in = xmalloc(RBUF);
			snprintf(src, sizeof(src), "127.%d.%zu.%zu", net,
			    (2 + n / PER_ADDR) / 256, (2 + n / PER_ADDR) % 256);
			c->fd = dial(src);
			m = snprintf(req, sizeof(req), "GET /live/t/%lld "
			    "HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: "
			    "text/event-stream\r\nCookie: infuus_session=%s"
			    "\r\n\r\n", convs[i].tid, convs[i].cookie[side]);
			if (write(c->fd, req, (size_t)m) != m)
				die("a stream's request: %s", strerror(errno));
			nonblock_add(c, EPOLLIN);
		}
	deadline = now_ns() + (int64_t)OPEN_SECS * 1000000000;
	for (;;) {
		opened = 0;
		for (i = 0; i < nconvs; i++)
			opened += convs[i].st[0]->open + convs[i].st[1]->open;
		if (opened == n)
			break;
		if (now_ns() > deadline)
			die("%zu of %zu streams open after %d s", opened, n,
			    OPEN_SECS);
		m = epoll_wait(ep, evs, 256, 200);
		for (k = 0; k < m; k++)
			on_stream(evs[k].data.ptr);
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double
pct(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return (double)v[i < n ? i : n - 1] / 1e6;
}

static void
show(const char *what, int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp64);
	printf("chat_bench: %s: p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %.2f, "
	    "max %.2f ms\n", what, pct(v, n, 50), pct(v, n, 90),
	    pct(v, n, 99), pct(v, n, 99.9), (double)v[n - 1] / 1e6);
}

int
main(int argc, char **argv)
{
	const char *file = NULL;
	struct conn timer = { .kind = K_TIMER };
	struct epoll_event evs[512];
	struct itimerspec its;
	size_t max = 1000, i, lost = 0;
	double secs = 10;
	int64_t end, t, opened_at;
	int k, m, np = 64;
	uint64_t x;

	rate = 1000;
	for (k = 1; k < argc; k++) {
		if (k + 1 >= argc)
			die("usage: chat_bench --port P --convs FILE "
			    "[--rate R] [--secs S] [--max N] [--posters C] "
			    "[--net K]");
		if (strcmp(argv[k], "--port") == 0)
			port = atoi(argv[++k]);
		else if (strcmp(argv[k], "--convs") == 0)
			file = argv[++k];
		else if (strcmp(argv[k], "--rate") == 0)
			rate = atof(argv[++k]);
		else if (strcmp(argv[k], "--secs") == 0)
			secs = atof(argv[++k]);
		else if (strcmp(argv[k], "--max") == 0)
			max = (size_t)atol(argv[++k]);
		else if (strcmp(argv[k], "--posters") == 0)
			np = atoi(argv[++k]);
		else if (strcmp(argv[k], "--net") == 0)
			net = atoi(argv[++k]);
		else
			die("unknown option %s", argv[k]);
	}
	if (port <= 0 || port > 65535 || file == NULL)
		die("--port and --convs are needed");
	if (!(rate > 0 && rate <= 100000) || !(secs > 0 && secs <= 600) ||
	    max == 0 || max > MAX_CONVS || np < 1 || np > MAX_POSTERS ||
	    net < 1 || net > 254)
		die("a rate of 1..100000/s, 1..600 s, 1..%d conversations, "
		    "1..%d posters", MAX_CONVS, MAX_POSTERS);
	total = (uint32_t)(rate * secs);
	lat_cap = total;
	lat = xmalloc(lat_cap * sizeof(*lat));
	lat_sent = xmalloc(lat_cap * sizeof(*lat_sent));
	post_rt = xmalloc(lat_cap * sizeof(*post_rt));
	read_convs(file, max);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll: %s", strerror(errno));

	t = now_ns();
	open_streams();
	opened_at = now_ns();
	printf("chat_bench: %zu streams open (%zu conversations, both sides) "
	    "in %.1f s\n", 2 * nconvs, nconvs, (double)(opened_at - t) / 1e9);
	nposters = np;
	posters = xmalloc((size_t)np * sizeof(*posters));
	for (k = 0; k < np; k++) {
		posters[k].in = xmalloc(RBUF);
		poster_open(&posters[k]);
	}
	if ((timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK)) < 0)
		die("timerfd: %s", strerror(errno));
	{
		struct epoll_event e = { EPOLLIN, { .ptr = &timer } };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, timer.fd, &e) != 0)
			die("epoll_ctl: %s", strerror(errno));
	}
	printf("chat_bench: %" PRIu32 " messages at %.0f/s over %zu "
	    "conversations, %d poster connections\n", total, rate, nconvs, np);
	fflush(stdout);

	/* Half a second for the streams' first bytes to settle. */
	t0 = now_ns() + 500000000;
	end = due(total) + (int64_t)DRAIN_SECS * 1000000000;
	for (;;) {
		post_due();
		t = now_ns();
		if (t > end)
			break;
		if (next_k >= total) {
			for (i = 0, lost = 0; i < nconvs; i++)
				lost += (size_t)(convs[i].st[0]->npend +
				    convs[i].st[1]->npend);
			if (lost == 0 && n_posted + n_failed >= total)
				break;
		} else {
			/* The next due post (or a free poster: a reply
			 * wakes the loop anyway). */
			memset(&its, 0, sizeof(its));
			its.it_value.tv_sec = due(next_k) / 1000000000;
			its.it_value.tv_nsec = due(next_k) % 1000000000;
			(void)timerfd_settime(timer.fd, TFD_TIMER_ABSTIME,
			    &its, NULL);
		}
		m = epoll_wait(ep, evs, 512, 100);
		for (k = 0; k < m; k++) {
			struct conn *c = evs[k].data.ptr;

			if (c->kind == K_TIMER)
				(void)!read(c->fd, &x, sizeof(x));
			else if (c->kind == K_STREAM)
				on_stream(c);
			else
				on_poster(c, evs[k].events);
		}
	}
	for (i = 0, lost = 0; i < nconvs; i++)
		lost += (size_t)(convs[i].st[0]->npend +
		    convs[i].st[1]->npend);

	printf("chat_bench: posted %" PRIu64 " (failed %" PRIu64 ", sent "
	    "more than 1 ms late %" PRIu64 ", not sent by the deadline %"
	    PRIu32 "), %zu delivered, %zu never arrived, %" PRIu64
	    " unexpected events\n", n_posted, n_failed, n_late,
	    total - next_k, nlat, lost, n_stray);
	if (nlat == 0)
		die("no message arrived");
	show("post due to arrival on the other stream", lat, nlat);
	show("request written to arrival", lat_sent, nlat);
	if (nrt > 0)
		show("request written to its 303", post_rt, nrt);
	qsort(lat, nlat, sizeof(*lat), cmp64);
	printf("chat_posted %" PRIu64 "\n", n_posted);
	/* Every message due that did not arrive (failed, never sent, lost),
	 * and events nobody posted. */
	printf("chat_failed %" PRIu64 "\n", (uint64_t)(total - nlat) +
	    n_stray);
	printf("chat_deliveries %zu\n", nlat);
	printf("chat_late %" PRIu64 "\n", n_late);
	printf("chat_delivery_p50_ms %.1f\n", pct(lat, nlat, 50));
	printf("chat_delivery_p99_ms %.1f\n", pct(lat, nlat, 99));
	return 0;
}
