/*
 * assistant_rhythm.c - (5) the rhythm of the exchange and the welcome
 * phase, from the times of the past messages alone (no text): whether
 * the usual rhythm of contacts broke, and which phase the exchange is in.
 * The rules and their sources are in README.md.
 */
#include "assistant/assistant_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* ------------------------------------------------------------------------
 * 5. The rhythm and the welcome phase.
 */

static int
msg_cmp(const void *pa, const void *pb)
{
	const struct assistant_msg *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	/* Same second: the client's message first, so it can be answered. */
	return (int)b->from_client - (int)a->from_client;
}

static int
i64_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

/* Times far outside any real exchange (before 1970 or after year ~36000)
 * are clamped, so differences of clamped times cannot overflow. */
#define TIME_MAX_ ((int64_t)1 << 40)

static int64_t
clamp_time(time_t t)
{
	int64_t v = (int64_t)t;

	return v < 0 ? 0 : v > TIME_MAX_ ? TIME_MAX_ : v;
}

void
assistant_check_rhythm(const struct assistant_input *in, struct arena *a,
    struct assistant_result *r)
{
	struct assistant_msg *m;
	int64_t *turns, *d, *sorted, last_turn = 0, open, latest;
	size_t i, nturns = 0, nd, base_from, nbase;
	bool pending = false;
	double mean = 0, var = 0;

	r->phase = ASSISTANT_PHASE_EXTENDED;
	if (in->n == 0)
		return;
	m = arena_calloc(a, in->n, sizeof(*m));
	for (i = 0; i < in->n; i++) {
		m[i].at = (time_t)clamp_time(in->history[i].at);
		m[i].from_client = in->history[i].from_client;
	}
	qsort(m, in->n, sizeof(*m), msg_cmp);

	turns = arena_calloc(a, in->n, sizeof(*turns));
	for (i = 0; i < in->n; i++) {
		if (m[i].from_client) {
			if (i == 0 || !m[i - 1].from_client)
				turns[nturns++] = (int64_t)m[i].at;
			pending = true;
		} else if (pending) {
			r->exchanges++;
			pending = false;
		}
	}
	if (nturns > 0)
		last_turn = turns[nturns - 1];
	if (r->exchanges < ASSISTANT_EXTENDED_EXCHANGES)
		return;
	r->phase = ASSISTANT_PHASE_LIMITED;

	/* Intervals from one client turn to the next; the usual ones are the
	 * window before the latest, which is tested against them. */
	nd = nturns - 1;
	d = arena_calloc(a, nd + 1, sizeof(*d));
	for (i = 0; i < nd; i++)
		d[i] = turns[i + 1] - turns[i];
	nbase = nd - 1 < ASSISTANT_RHYTHM_WINDOW ? nd - 1 : ASSISTANT_RHYTHM_WINDOW;
	base_from = nd - 1 - nbase;
	if (nd == 0 || nbase < ASSISTANT_RHYTHM_MIN_INTERVALS)
		return;

	sorted = arena_calloc(a, nbase, sizeof(*sorted));
	memcpy(sorted, d + base_from, nbase * sizeof(*sorted));
	qsort(sorted, nbase, sizeof(*sorted), i64_cmp);
	r->median_interval = nbase % 2 ? sorted[nbase / 2] :
	    sorted[nbase / 2 - 1] / 2 + sorted[nbase / 2] / 2;
	for (i = 0; i < nbase; i++)
		mean += (double)sorted[i];
	mean /= (double)nbase;
	for (i = 0; i < nbase; i++)
		var += ((double)sorted[i] - mean) * ((double)sorted[i] - mean);
	var /= (double)nbase;
	r->interval_cv = mean > 0 ? sqrt(var) / mean : 0;

	if (r->exchanges >= ASSISTANT_DIRECT_EXCHANGES &&
	    nbase >= ASSISTANT_DIRECT_MIN_INTERVALS &&
	    r->interval_cv <= ASSISTANT_DIRECT_CV)
		r->phase = ASSISTANT_PHASE_DIRECT;

	open = clamp_time(in->now) - last_turn;
	latest = d[nd - 1];
	r->gap = open > latest ? open : latest;
	if ((double)r->gap > ASSISTANT_BREAK_FACTOR * (double)r->median_interval &&
	    r->gap > ASSISTANT_BREAK_MIN_GAP) {
		r->rhythm_broken = true;
		r->phase = r->phase == ASSISTANT_PHASE_DIRECT ?
		    ASSISTANT_PHASE_LIMITED : ASSISTANT_PHASE_EXTENDED;
	}
}

