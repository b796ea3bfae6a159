/*
 * event.h - live events: one bus per node that hands each event to the
 * open streams of its scope, keeps a bounded replay ring per scope, and
 * passes events to the other nodes on the same PostgreSQL.
 *
 * Why Server-Sent Events and not WebSocket (the design note issue 10 asks
 * for): what travels live is small and goes one way, server to page
 * ("message 41 is new in thread 7", "the timer is at 12:30").  What a
 * person sends (a message, a chat line, "I am typing") is an ordinary POST
 * through the route table, so it keeps its CSRF check, its body limit, its
 * authorisation and its access-log entry, with nothing to redo for a second
 * protocol.  SSE is plain HTTP on the libmicrohttpd server we have
 * (suspended connections, no upgrade, no frame parser to fuzz), passes
 * every proxy, and the browser's EventSource reconnects by itself sending
 * Last-Event-ID, which is exactly the replay this module offers.  Call
 * signalling (offers, answers, ICE candidates) fits the same mould: POST
 * up, events of kind "call" down.
 *
 * Scopes: an event belongs to a trajectory (everyone taking part sees it)
 * or to one user (their queue, their own notices).  A stream subscribes to
 * one scope that the route table authorised when it opened (web/web.c,
 * ui-live.c); only_user narrows an event to one person inside a scope.
 *
 * What an event may carry: ids and small facts ("message", {"thread":7,
 * "id":41}), never a client's text: the page fetches what is new through
 * its ordinary route, which checks access and writes the access log.  So
 * an event tells a receiver nothing they could not see by reloading, and
 * someone whose access ended while a stream was open learns ids only (and
 * the stream ends within LIMIT_SSE_LIFETIME, its reconnect checked again).
 *
 * Ids and replay: each event gets "<node>-<seq>", seq counting up on this
 * node.  A reconnect names the last id it saw; the bus replays the scope's
 * later events from its ring (LIMIT_EVENT_REPLAY events,
 * LIMIT_EVENT_REPLAY_SECS seconds).  When the gap is not in the ring (too
 * old, another node, a node that restarted) the stream gets one "reload"
 * event: the page reloads and shows the same state as the events would.
 *
 * Several nodes: with a PostgreSQL database each node LISTENs on a
 * connection of its own (event_bus_listen); a published event is NOTIFYed
 * with the producing node's name, and every other node delivers it to its
 * own streams with its own seq.  An event over NOTIFY's limit is stored in
 * the table live_events and its id notified.
 *
 * Tables: live_events (event.c).
 *
 * Threads: every function may be called from any thread.  The sink's
 * deliver runs with the bus's lock held: it must not wait (sse_push
 * queues, or writes to a socket only what it takes at once).
 */
#ifndef INFUUS_EVENT_H
#define INFUUS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum event_scope {
	EVENT_SCOPE_USER = 1,  /* id: user */
	EVENT_SCOPE_TRAJ = 2,  /* id: trajectory */
};

/* One event as a stream writes it (SSE's id, event and data lines). */
struct event_out {
	const char *id;
	const char *kind;
	const char *data;      /* JSON, one line */
	size_t len;
};

/* How the bus reaches one stream.  deliver(cls, NULL) is a heartbeat;
 * deliver returns false when the stream is gone or dropped its reader
 * (the bus then stops delivering to it until it unsubscribes). */
struct event_sink {
	bool (*deliver)(void *cls, const struct event_out *ev);
	/* Is its client still there (looked at without waiting)?  May be
	 * NULL.  Asked at each heartbeat and before refusing a user one
	 * stream too many: a closed tab must not count. */
	bool (*alive)(void *cls);
	void *cls;
};

struct event_bus;
struct event_sub;

/* A bus with its heartbeat thread (every heartbeat seconds, 0 for
 * LIMIT_SSE_HEARTBEAT). */
struct event_bus *event_bus_new(unsigned heartbeat);
/* Stops the threads; every subscription must be gone.  NULL: no-op. */
void event_bus_free(struct event_bus *b);

/* Pass events to and from the other nodes on the PostgreSQL database at
 * url (a connection of its own for LISTEN, one for NOTIFY).  Returns 0,
 * or ERR_DB when it cannot connect.  Not for SQLite (one node). */
int event_bus_listen(struct event_bus *b, const char *url);

/* Is kind a kind name ([a-z_], 1..LIMIT_EVENT_KIND-1 bytes) and data one
 * line of JSON (an object, at most LIMIT_EVENT_DATA bytes, no control
 * characters)?  0 or ERR_INVAL / ERR_TOOBIG. */
int event_check(const char *kind, const char *data, size_t len);

/*
 * Publish an event to a scope on every node.  only_user > 0 delivers it to
 * that user's streams only.  Returns 0, or event_check's error (nothing
 * sent).  The event reaches other nodes unless the NOTIFY fails (logged).
 */
int event_publish(struct event_bus *b, enum event_scope scope,
    int64_t scope_id, int64_t only_user, const char *kind, const char *data);

/*
 * Subscribe a stream of user_id to a scope.  last_id (may be NULL or "")
 * is the last event the page has (Last-Event-ID, or the mark the page was
 * rendered with): later events of the scope are delivered at once, or one
 * "reload" when they are no longer all kept.  ERR_THROTTLED when the user
 * holds LIMIT_SSE_PER_USER streams, ERR_BUSY when the node holds
 * LIMIT_SSE_PER_NODE.  *out until event_unsubscribe.
 */
int event_subscribe(struct event_bus *b, int64_t user_id,
    enum event_scope scope, int64_t scope_id, const char *last_id,
    const struct event_sink *sink, struct event_sub **out);
/* After it returns the sink is never called again.  NULL: no-op. */
void event_unsubscribe(struct event_bus *b, struct event_sub *s);

/* The id of the newest event on this node ("<node>-<seq>"): a page
 * rendered now hands it to its stream, which then misses nothing that
 * happened between the rendering and the connection. */
void event_mark(struct event_bus *b, char out[40]);

/* How many streams are subscribed (all, or of one user). */
size_t event_streams(struct event_bus *b, int64_t user_id);

#endif
