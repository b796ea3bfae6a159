/*
 * ui-live.c - the event streams of pages (GET /live/...) and the element
 * a page carries to open one (static/live.js).
 *
 * The route table has checked the stream's object before the handler runs
 * (a trajectory the caller takes part in; the user's own stream names no
 * object), so a handler only subscribes the stream to that scope on the
 * node's bus (event/event.h) and hands it to the transport (http/sse.h).
 * A stream shows no client data: its events name what is new, and the
 * page fetches that through its ordinary route, which logs the read.
 */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/xalloc.h"
#include "event/event.h"
#include "http/sse.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

/* One open stream: what its two ends need (owned by the stream; freed
 * when it closes). */
struct live {
	struct event_bus *bus;
	struct event_sub *sub;
	struct sse_stream *stream;
};

static bool
live_deliver(void *cls, const struct event_out *ev)
{
	struct live *l = cls;

	if (ev == NULL)
		return sse_push(l->stream, NULL, NULL, NULL, 0);
	return sse_push(l->stream, ev->id, ev->kind, ev->data, ev->len);
}

static bool
live_alive(void *cls)
{
	struct live *l = cls;

	return sse_alive(l->stream);
}

static void
live_close(void *cls)
{
	struct live *l = cls;

	event_unsubscribe(l->bus, l->sub);
	free(l);
}

static int
open_stream(struct req *r, enum event_scope scope, int64_t id)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct event_sink sink;
	struct live *l;
	const char *last;
	int rc;

	if (app->bus == NULL)
		return ERR_BUSY;
	/* The browser's Last-Event-ID after a reconnect; on the first
	 * connection the mark the page was rendered with. */
	if ((last = req_header(r, "Last-Event-ID")) == NULL)
		last = req_query(r, "since");
	l = xcalloc(1, sizeof(*l));
	l->bus = app->bus;
	l->stream = sse_begin(r, live_close, l);
	sink.deliver = live_deliver;
	sink.alive = live_alive;
	sink.cls = l;
	rc = event_subscribe(app->bus, s->user_id, scope, id, last, &sink,
	    &l->sub);
	if (rc != ERR_THROTTLED && rc != ERR_BUSY)
		return rc; /* the transport closes the stream (live_close) */
	/* Said in a sentence (a browser's EventSource stops at it; the
	 * page without it still works). */
	sse_abandon(r);
	page_begin(r, _("Error"));
	page_notice(r, "error", rc == ERR_THROTTLED ?
	    _("Too many pages with live updates are open. Close one and reload this page.") :
	    _("The server has no room for more live updates now. The page still works; reload it later."));
	page_end(r);
	r->status = err_status(rc);
	return 0;
}

int
ui_live_traj(struct req *r)
{
	return open_stream(r, EVENT_SCOPE_TRAJ, web_obj(r)->id);
}

int
ui_live_me(struct req *r)
{
	return open_stream(r, EVENT_SCOPE_USER, page_session(r)->user_id);
}

void
ui_live_mark_me(struct req *r, const char *refresh)
{
	struct app *app = r->app;
	char mark[40];

	if (app->bus == NULL)
		return;
	event_mark(app->bus, mark);
	PF(r, "<div id=\"live\" class=\"visually-hidden\" role=\"status\" "
	    "aria-live=\"polite\" data-src=\"/live/me\" data-since=\"%s\" "
	    "data-refresh=\"%s\" data-new=\"", mark, refresh);
	A(r, _("The list was updated."));
	P(r, "\"></div>\n<script src=\"/static/live.js\" defer></script>\n");
}

void
ui_live_mark(struct req *r, int64_t traj_id, int64_t thread_id)
{
	struct app *app = r->app;
	char mark[40];

	if (app->bus == NULL)
		return;
	event_mark(app->bus, mark);
	PF(r, "<div id=\"live\" class=\"visually-hidden\" role=\"status\" "
	    "aria-live=\"polite\" data-src=\"/live/t/%lld\" data-since=\"%s\" "
	    "data-thread=\"%lld\" data-new=\"", (long long)traj_id, mark,
	    (long long)thread_id);
	A(r, _("A new message arrived."));
	P(r, "\"></div>\n<script src=\"/static/live.js\" defer></script>\n");
}
