/*
 * promise.c - service promises: deadlines in working time, reachability,
 * the schedule as text, Dutch holidays and adherence percentiles.
 *
 * All time arithmetic walks the professional's wall clock: from an instant t
 * it asks the zone for the offset and the next transition, looks at the
 * local day and time, and steps to whichever comes first of the next window
 * edge, local midnight or the next transition.  Each step is one binary
 * search in the zone; a working day costs a handful of steps, a day off one.
 * Walking instead of converting window edges with tz_from_local keeps DST
 * exact in every case, also when the clock jumps inside a window or across
 * midnight.
 *
 * The module owns nothing: a struct promise is plain data owned by the
 * caller, its zone and emergency text are borrowed.
 *
 * Caveat: walks stop after LIMIT_PROMISE_HORIZON_DAYS, so a promise with a
 * few minutes of working time per week and a long reply time has no
 * deadline (ERR_NOTFOUND) rather than one years away.
 */
#include "promise/promise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "core/banned.h"

#define DAY 86400
#define HORIZON ((int64_t)LIMIT_PROMISE_HORIZON_DAYS * DAY)

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* --- validity ------------------------------------------------------------ */

static bool
week_valid(const struct promise_week *w)
{
	int d, i;

	for (d = 0; d < 7; d++) {
		if (w->n[d] > LIMIT_PROMISE_WINDOWS_PER_DAY)
			return false;
		for (i = 0; i < w->n[d]; i++) {
			const struct promise_window *x = &w->w[d][i];

			if (x->start >= x->end || x->end > 1440)
				return false;
			if (i > 0 && w->w[d][i - 1].end >= x->start)
				return false;
		}
	}
	return true;
}

static bool
week_empty(const struct promise_week *w)
{
	int d;

	for (d = 0; d < 7; d++)
		if (w->n[d] > 0)
			return false;
	return true;
}

static int64_t
day_min(void)
{
	return tz_days_from_civil(LIMIT_PROMISE_YEAR_MIN, 1, 1);
}

static int64_t
day_max(void)
{
	return tz_days_from_civil(LIMIT_PROMISE_YEAR_MAX, 12, 31);
}

static bool
holidays_valid(const struct promise_holidays *h)
{
	size_t i;

	if (h->n > LIMIT_PROMISE_HOLIDAYS)
		return false;
	for (i = 0; i < h->n; i++) {
		if (h->h[i].first > h->h[i].last || h->h[i].first < day_min() ||
		    h->h[i].last > day_max())
			return false;
		if (i > 0 && h->h[i - 1].last >= h->h[i].first)
			return false;
	}
	return true;
}

void
promise_init(struct promise *p, const struct tz *tz)
{
	memset(p, 0, sizeof(*p));
	p->tz = tz;
	p->reach_is_work = true;
}

int
promise_check(const struct promise *p)
{
	if (p == NULL || p->tz == NULL || !week_valid(&p->work) ||
	    week_empty(&p->work) || !holidays_valid(&p->holidays) ||
	    p->reply_seconds < 0 ||
	    p->reply_seconds > (int64_t)LIMIT_PROMISE_REPLY_HOURS * 3600 ||
	    p->contact_days < 0 ||
	    p->contact_days > LIMIT_PROMISE_CONTACT_DAYS)
		return ERR_INVAL;
	if (!p->reach_is_work && (!week_valid(&p->reach) ||
	    week_empty(&p->reach)))
		return ERR_INVAL;
	return 0;
}

/* --- holidays ------------------------------------------------------------ */

bool
promise_is_holiday(const struct promise_holidays *h, int64_t day)
{
	size_t lo = 0, hi = h->n;

	ASSERT(h->n <= LIMIT_PROMISE_HOLIDAYS);
	/* The first entry that ends on or after day. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->h[mid].last < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->n && h->h[lo].first <= day;
}

int
promise_holiday_add(struct promise_holidays *h, int32_t first, int32_t last)
{
	struct promise_holiday tmp[LIMIT_PROMISE_HOLIDAYS + 1];
	size_t i = 0, n = 0, k = 0;

	if (first > last || first < day_min() || last > day_max())
		return ERR_INVAL;
	if ((int64_t)last - first + 1 > LIMIT_PROMISE_HOLIDAY_SPAN)
		return ERR_TOOBIG;
	ASSERT(h->n <= LIMIT_PROMISE_HOLIDAYS);
	while (i < h->n && h->h[i].first <= first)
		tmp[n++] = h->h[i++];
	tmp[n++] = (struct promise_holiday){ first, last };
	while (i < h->n)
		tmp[n++] = h->h[i++];
	/* Merge what overlaps; touching entries stay as they were typed.  A
	 * merged range obeys the span limit like a typed one: the list's own
	 * text form shows it as one range, which the parser would refuse. */
	for (i = 0; i < n; i++) {
		if (k > 0 && tmp[k - 1].last >= tmp[i].first) {
			if (tmp[i].last > tmp[k - 1].last)
				tmp[k - 1].last = tmp[i].last;
			if ((int64_t)tmp[k - 1].last - tmp[k - 1].first + 1 >
			    LIMIT_PROMISE_HOLIDAY_SPAN)
				return ERR_TOOBIG;
		} else {
			tmp[k++] = tmp[i];
		}
	}
	if (k > LIMIT_PROMISE_HOLIDAYS)
		return ERR_TOOMANY;
	memcpy(h->h, tmp, k * sizeof(tmp[0]));
	h->n = k;
	return 0;
}

/* --- the wall-clock walk -------------------------------------------------- */

/*
 * Whether t lies in a window of wk (on a day that is no holiday), and the
 * instant at which that may change next.  *until > t always.
 */
static int
state_at(const struct promise *p, const struct promise_week *wk, int64_t t,
    bool *on, int64_t *until)
{
	int64_t local, day, sod, bound = DAY;
	int32_t off;
	time_t next;
	int rc, wd, i;

	if ((rc = tz_offset_at(p->tz, (time_t)t, &off, &next)) != 0)
		return rc;
	local = t + off;
	day = tz_day_of(local);
	sod = local - day * DAY;
	*on = false;
	if (!promise_is_holiday(&p->holidays, day)) {
		wd = tz_weekday(day);
		for (i = 0; i < wk->n[wd]; i++) {
			int64_t s = (int64_t)wk->w[wd][i].start * 60;
			int64_t e = (int64_t)wk->w[wd][i].end * 60;

			if (sod < s) {
				bound = s;
				break;
			}
			if (sod < e) {
				*on = true;
				bound = e;
				break;
			}
		}
	}
	*until = min64(t + (bound - sod), next);
	return 0;
}

static bool
time_ok(int64_t t)
{
	/* Leave room for the horizon so the walk never leaves the zone's
	 * range. */
	return t >= TZ_TIME_MIN && t <= TZ_TIME_MAX - HORIZON - 2 * DAY;
}

int
promise_deadline(const struct promise *p, time_t sent, time_t *deadline)
{
	int64_t t = sent, left, limit;
	int rc;

	if ((rc = promise_check(p)) != 0)
		return rc;
	if (!time_ok(sent))
		return ERR_INVAL;
	left = p->reply_seconds;
	limit = t + HORIZON;
	while (t <= limit) {
		int64_t until;
		bool on;

		if ((rc = state_at(p, &p->work, t, &on, &until)) != 0)
			return rc;
		if (on) {
			if (until - t >= left) {
				*deadline = (time_t)(t + left);
				return 0;
			}
			left -= until - t;
		}
		t = until;
	}
	return ERR_NOTFOUND;
}

int
promise_working_seconds(const struct promise *p, time_t from, time_t to,
    int64_t *out)
{
	int64_t t = from, sum = 0;
	int rc;

	if ((rc = promise_check(p)) != 0)
		return rc;
	if (!time_ok(from) || !time_ok(to) || from > to)
		return ERR_INVAL;
	if ((int64_t)to - from > HORIZON)
		return ERR_TOOBIG;
	while (t < to) {
		int64_t until;
		bool on;

		if ((rc = state_at(p, &p->work, t, &on, &until)) != 0)
			return rc;
		until = min64(until, to);
		if (on)
			sum += until - t;
		t = until;
	}
	*out = sum;
	return 0;
}

static const struct promise_week *
reach_week(const struct promise *p)
{
	return p->reach_is_work ? &p->work : &p->reach;
}

bool
promise_is_reachable(const struct promise *p, time_t t)
{
	int64_t until;
	bool on;

	if (promise_check(p) != 0 || !time_ok(t))
		return false;
	if (state_at(p, reach_week(p), t, &on, &until) != 0)
		return false;
	return on;
}

int
promise_next_reachable(const struct promise *p, time_t t0, time_t *out)
{
	int64_t t = t0, limit;
	int rc;

	if ((rc = promise_check(p)) != 0)
		return rc;
	if (!time_ok(t0))
		return ERR_INVAL;
	limit = t + HORIZON;
	while (t <= limit) {
		int64_t until;
		bool on;

		if ((rc = state_at(p, reach_week(p), t, &on, &until)) != 0)
			return rc;
		if (on) {
			*out = (time_t)t;
			return 0;
		}
		t = until;
	}
	return ERR_NOTFOUND;
}

int
promise_contact_due(const struct promise *p, time_t last, time_t *out)
{
	struct tz_local l;
	int64_t y;
	int rc, m, d;

	if ((rc = promise_check(p)) != 0)
		return rc;
	if (p->contact_days == 0)
		return ERR_NOTFOUND;
	if (!time_ok(last))
		return ERR_INVAL;
	if ((rc = tz_to_local(p->tz, last, &l)) != 0)
		return rc;
	tz_civil_from_days(tz_days_from_civil(l.year, l.month, l.day) +
	    p->contact_days, &y, &m, &d);
	return tz_from_local(p->tz, (int)y, m, d, l.hour, l.min, l.sec, out);
}

/* --- parsing helpers ------------------------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Split s at the first of the bytes in seps (like str_cut, for a set). */
static bool
cut_any(struct str s, const char *seps, struct str *head, struct str *tail)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		if (strchr(seps, s.p[i]) != NULL && s.p[i] != '\0') {
			*head = (struct str){ s.p, i };
			*tail = (struct str){ s.p + i + 1, s.len - i - 1 };
			return true;
		}
	}
	*head = s;
	*tail = (struct str){ s.p + s.len, 0 };
	return false;
}

/* Exactly `n` digits as a number. */
static bool
digits(struct str s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	if (s.len != n)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(s.p[i]))
			return false;
		v = v * 10 + (s.p[i] - '0');
	}
	*out = v;
	return true;
}

/* --- the week as text -------------------------------------------------------- */

static const char *const day_en[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};
static const char *const day_nl[7] = {
	"zo", "ma", "di", "wo", "do", "vr", "za"
};

static int
parse_day(struct str s, int *out)
{
	int d;

	s = str_trim(s);
	for (d = 0; d < 7; d++) {
		if (str_caseeqc(s, day_en[d]) || str_caseeqc(s, day_nl[d])) {
			*out = d;
			return 0;
		}
	}
	return ERR_INVAL;
}

/* "mon-fri,sun" -> a bit per weekday. */
static int
parse_days(struct str s, unsigned *mask)
{
	struct str item, rest = s;
	bool more;

	*mask = 0;
	do {
		struct str a, b;
		int d1, d2;

		more = str_cut(rest, ',', &item, &rest);
		if (str_cut(item, '-', &a, &b)) {
			if (parse_day(a, &d1) != 0 || parse_day(b, &d2) != 0)
				return ERR_INVAL;
			for (;;) {
				*mask |= 1u << d1;
				if (d1 == d2)
					break;
				d1 = (d1 + 1) % 7;
			}
		} else {
			if (parse_day(item, &d1) != 0)
				return ERR_INVAL;
			*mask |= 1u << d1;
		}
	} while (more);
	return 0;
}

/* "9:00" or "09:00" (or "24:00" when end is set) in minutes. */
static int
parse_hhmm(struct str s, bool end, int *out)
{
	struct str hs, ms;
	int h, m;

	s = str_trim(s);
	if (!str_cut(s, ':', &hs, &ms) || (!digits(hs, 1, &h) &&
	    !digits(hs, 2, &h)) || !digits(ms, 2, &m) || m > 59)
		return ERR_INVAL;
	if (h > 24 || (h == 24 && (!end || m != 0)))
		return ERR_INVAL;
	*out = h * 60 + m;
	return 0;
}

/* Add window x to day d: sorted, no overlap, touching ones merged. */
static int
add_window(struct promise_week *w, int d, struct promise_window x)
{
	struct promise_window tmp[LIMIT_PROMISE_WINDOWS_PER_DAY + 1];
	int i, n = 0, k = 0;
	bool placed = false;

	while (k < w->n[d] || !placed) {
		struct promise_window y;

		if (!placed && (k == w->n[d] || w->w[d][k].start > x.start)) {
			y = x;
			placed = true;
		} else {
			y = w->w[d][k++];
		}
		if (n > 0 && tmp[n - 1].end > y.start)
			return ERR_INVAL;
		if (n > 0 && tmp[n - 1].end == y.start)
			tmp[n - 1].end = y.end;
		else
			tmp[n++] = y;
	}
	if (n > LIMIT_PROMISE_WINDOWS_PER_DAY)
		return ERR_INVAL;
	for (i = 0; i < n; i++)
		w->w[d][i] = tmp[i];
	w->n[d] = (uint8_t)n;
	return 0;
}

static int
parse_item(struct str item, struct promise_week *w)
{
	struct str days, wins, win;
	unsigned mask;
	size_t i;
	bool more;
	int d;

	/* Day names hold no digits, and every window starts with one. */
	for (i = 0; i < item.len && !is_digit(item.p[i]); i++)
		;
	days = str_trim((struct str){ item.p, i });
	wins = (struct str){ item.p + i, item.len - i };
	if (days.len == 0 || wins.len == 0 || parse_days(days, &mask) != 0)
		return ERR_INVAL;
	do {
		struct promise_window x;
		struct str a, b;
		int s, e;

		more = str_cut(wins, ',', &win, &wins);
		if (!str_cut(win, '-', &a, &b) || parse_hhmm(a, false, &s) != 0 ||
		    parse_hhmm(b, true, &e) != 0 || s >= e)
			return ERR_INVAL;
		x.start = (uint16_t)s;
		x.end = (uint16_t)e;
		for (d = 0; d < 7; d++)
			if ((mask & (1u << d)) && add_window(w, d, x) != 0)
				return ERR_INVAL;
	} while (more);
	return 0;
}

int
promise_week_parse(struct str s, struct promise_week *out)
{
	struct promise_week w;
	struct str item;
	bool more;

	if (s.len > LIMIT_PROMISE_TEXT)
		return ERR_INVAL;
	memset(&w, 0, sizeof(w));
	do {
		more = cut_any(s, ";\n", &item, &s);
		item = str_trim(item);
		if (item.len == 0)
			continue;
		if (parse_item(item, &w) != 0)
			return ERR_INVAL;
	} while (more);
	if (week_empty(&w))
		return ERR_INVAL;
	*out = w;
	return 0;
}

static bool
same_windows(const struct promise_week *w, int a, int b)
{
	return w->n[a] == w->n[b] && memcmp(w->w[a], w->w[b],
	    w->n[a] * sizeof(w->w[a][0])) == 0;
}

static void
add_hhmm(struct buf *out, int minutes)
{
	buf_printf(out, "%02d:%02d", minutes / 60, minutes % 60);
}

void
promise_week_format(const struct promise_week *w, struct buf *out)
{
	bool done[7] = { false };
	bool first_item = true;
	int i, j, k, m;

	/* A week comes from the parser (or a column it wrote). */
	ASSERT(week_valid(w));
	/* Positions 0..6 are Monday..Sunday. */
	for (i = 0; i < 7; i++) {
		int d = (i + 1) % 7;
		bool first_day = true;

		if (done[i] || w->n[d] == 0)
			continue;
		if (!first_item)
			buf_adds(out, "; ");
		first_item = false;
		/* Every later day with the same windows joins this item; runs
		 * of three or more consecutive days become a range. */
		for (j = i; j < 7; j++) {
			if (done[j] || !same_windows(w, d, (j + 1) % 7))
				continue;
			for (k = j; k + 1 < 7 && !done[k + 1] &&
			    same_windows(w, d, (k + 2) % 7); k++)
				;
			if (!first_day)
				buf_addch(out, ',');
			first_day = false;
			buf_adds(out, day_en[(j + 1) % 7]);
			if (k - j >= 2) {
				buf_printf(out, "-%s", day_en[(k + 1) % 7]);
			} else if (k - j == 1) {
				buf_printf(out, ",%s", day_en[(k + 1) % 7]);
			}
			for (m = j; m <= k; m++)
				done[m] = true;
			j = k;
		}
		buf_addch(out, ' ');
		for (j = 0; j < w->n[d]; j++) {
			if (j > 0)
				buf_adds(out, ", ");
			add_hhmm(out, w->w[d][j].start);
			buf_addch(out, '-');
			add_hhmm(out, w->w[d][j].end);
		}
	}
}

/* --- holidays as text ---------------------------------------------------- */

static int
parse_date(struct str s, int32_t *out)
{
	int y, m, d;

	s = str_trim(s);
	if (s.len != 10 || s.p[4] != '-' || s.p[7] != '-' ||
	    !digits((struct str){ s.p, 4 }, 4, &y) ||
	    !digits((struct str){ s.p + 5, 2 }, 2, &m) ||
	    !digits((struct str){ s.p + 8, 2 }, 2, &d))
		return ERR_INVAL;
	if (y < LIMIT_PROMISE_YEAR_MIN || y > LIMIT_PROMISE_YEAR_MAX ||
	    m < 1 || m > 12 || d < 1 || d > tz_days_in_month(y, m))
		return ERR_INVAL;
	*out = (int32_t)tz_days_from_civil(y, m, d);
	return 0;
}

int
promise_holidays_parse(struct str s, struct promise_holidays *out)
{
	struct promise_holidays h;
	struct str item;
	bool more;
	int rc;

	if (s.len > LIMIT_PROMISE_TEXT)
		return ERR_INVAL;
	h.n = 0;
	do {
		int32_t first, last;
		size_t i;

		more = cut_any(s, ",;\n", &item, &s);
		item = str_trim(item);
		if (item.len == 0)
			continue;
		for (i = 0; i + 1 < item.len; i++)
			if (item.p[i] == '.' && item.p[i + 1] == '.')
				break;
		if (i + 1 < item.len) {
			if (parse_date((struct str){ item.p, i }, &first) != 0 ||
			    parse_date((struct str){ item.p + i + 2,
			    item.len - i - 2 }, &last) != 0)
				return ERR_INVAL;
		} else {
			if (parse_date(item, &first) != 0)
				return ERR_INVAL;
			last = first;
		}
		if ((rc = promise_holiday_add(&h, first, last)) != 0)
			return rc;
	} while (more);
	memcpy(out->h, h.h, h.n * sizeof(h.h[0]));
	out->n = h.n;
	return 0;
}

static void
add_date(struct buf *out, int64_t day)
{
	int64_t y;
	int m, d;

	tz_civil_from_days(day, &y, &m, &d);
	buf_printf(out, "%04d-%02d-%02d", (int)y, m, d);
}

void
promise_holidays_format(const struct promise_holidays *h, struct buf *out)
{
	size_t i;

	ASSERT(h->n <= LIMIT_PROMISE_HOLIDAYS);
	for (i = 0; i < h->n; i++) {
		if (i > 0)
			buf_adds(out, ", ");
		add_date(out, h->h[i].first);
		if (h->h[i].last != h->h[i].first) {
			buf_adds(out, "..");
			add_date(out, h->h[i].last);
		}
	}
}

/* --- Dutch public holidays ----------------------------------------------- */

int64_t
promise_easter(int year)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;

	return tz_days_from_civil(year, month, day);
}

int
promise_nl_holidays(int year, struct promise_nl_day out[PROMISE_NL_DAYS])
{
	int64_t easter, king;
	int i, j;

	if (year < 2014 || year > LIMIT_PROMISE_YEAR_MAX)
		return ERR_INVAL;
	easter = promise_easter(year);
	king = tz_days_from_civil(year, 4, 27);
	if (tz_weekday(king) == 0)
		king--;
	out[0] = (struct promise_nl_day){
	    (int32_t)tz_days_from_civil(year, 1, 1), "Nieuwjaarsdag" };
	out[1] = (struct promise_nl_day){ (int32_t)easter, "Eerste Paasdag" };
	out[2] = (struct promise_nl_day){ (int32_t)easter + 1,
	    "Tweede Paasdag" };
	out[3] = (struct promise_nl_day){ (int32_t)king, "Koningsdag" };
	out[4] = (struct promise_nl_day){
	    (int32_t)tz_days_from_civil(year, 5, 5), "Bevrijdingsdag" };
	out[5] = (struct promise_nl_day){ (int32_t)easter + 39,
	    "Hemelvaartsdag" };
	out[6] = (struct promise_nl_day){ (int32_t)easter + 49,
	    "Eerste Pinksterdag" };
	out[7] = (struct promise_nl_day){ (int32_t)easter + 50,
	    "Tweede Pinksterdag" };
	out[8] = (struct promise_nl_day){
	    (int32_t)tz_days_from_civil(year, 12, 25), "Eerste Kerstdag" };
	out[9] = (struct promise_nl_day){
	    (int32_t)tz_days_from_civil(year, 12, 26), "Tweede Kerstdag" };
	/* Date order: Easter moves, so Koningsdag, Bevrijdingsdag and
	 * Hemelvaartsdag change places from year to year.  Stable, so a day
	 * that is two holidays (5 May 2016) keeps a fixed order. */
	for (i = 1; i < PROMISE_NL_DAYS; i++) {
		struct promise_nl_day x = out[i];

		for (j = i; j > 0 && out[j - 1].day > x.day; j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	return 0;
}

int
promise_add_nl_holidays(struct promise_holidays *h, int year)
{
	struct promise_nl_day days[PROMISE_NL_DAYS];
	struct promise_holidays tmp = *h;
	int i, rc;

	if ((rc = promise_nl_holidays(year, days)) != 0)
		return rc;
	for (i = 0; i < PROMISE_NL_DAYS; i++)
		if ((rc = promise_holiday_add(&tmp, days[i].day,
		    days[i].day)) != 0)
			return rc;
	*h = tmp;
	return 0;
}

/* --- percentiles --------------------------------------------------------- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
promise_percentile(int64_t *values, size_t n, double pct, double *out)
{
	double rank, frac;
	size_t lo;

	if (n == 0 || !(pct >= 0.0 && pct <= 100.0))
		return ERR_INVAL;
	qsort(values, n, sizeof(values[0]), cmp_i64);
	rank = pct / 100.0 * (double)(n - 1);
	lo = (size_t)floor(rank);
	if (lo >= n - 1) {
		*out = (double)values[n - 1];
		return 0;
	}
	frac = rank - (double)lo;
	*out = (double)values[lo] +
	    ((double)values[lo + 1] - (double)values[lo]) * frac;
	return 0;
}

int
promise_median(int64_t *values, size_t n, double *out)
{
	return promise_percentile(values, n, 50.0, out);
}
