/*
 * sse.h - Server-Sent Events on the HTTP server: a handler turns its
 * answer into a stream, and any thread may push events into it.
 *
 * The connection is suspended while nothing is queued (it costs no
 * thread and no poll slot) and resumed when something is pushed.  Each
 * stream's queue is bounded (LIMIT_SSE_QUEUE) and so is its socket's
 * send buffer (LIMIT_SSE_SNDBUF): a reader that falls that far behind is
 * dropped, and its browser reconnects and replays (event.h).  A suspended
 * connection does not notice a client that left, so the owner pushes
 * heartbeats (sse_push with a NULL event): writing them fails on a socket
 * whose peer is gone and the connection closes.  A stream ends by itself
 * after LIMIT_SSE_LIFETIME seconds, so its session is checked again.
 */
#ifndef INFUUS_SSE_H
#define INFUUS_SSE_H

#include <stdbool.h>
#include <stddef.h>

struct req;
struct sse_stream;

/*
 * Answer r with a stream (200, text/event-stream) once the handler returns
 * 0.  on_close(cls) runs exactly once, on a server thread, when the stream
 * ends (client gone, dropped, lifetime over, server stopping, or the
 * handler returned an error after all); sse_push may be called until
 * on_close has returned, never after.
 */
struct sse_stream *sse_begin(struct req *r, void (*on_close)(void *cls),
    void *cls);

/* Queue an event: its id, event name and one line of data (id NULL: a
 * heartbeat comment); an event for an idle stream is written to its
 * socket at once, as far as the socket takes it without waiting.  false
 * when the stream is ending, or was dropped now because its reader is too
 * slow. */
bool sse_push(struct sse_stream *s, const char *id, const char *event,
    const char *data, size_t len);

/* Is the stream's client still there?  A suspended connection does not
 * notice a peer that closed; this looks at its socket (no wait).  A
 * stream found gone is ended. */
bool sse_alive(struct sse_stream *s);

/* --- for server.c ---------------------------------------------------- */

struct sse_hub;
struct sse_hub *sse_hub_new(void);
/* End every stream (and refuse new ones) so the server can stop. */
void sse_hub_end_all(struct sse_hub *h);
void sse_hub_free(struct sse_hub *h);
/* The response of a request whose handler called sse_begin: a struct
 * MHD_Response *, NULL when it cannot be made (the stream is closed). */
void *sse_response(struct sse_hub *h, struct req *r);
/* The request ends without its stream being answered. */
void sse_abandon(struct req *r);

#endif
