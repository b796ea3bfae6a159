/*
 * tz.c - TZif zones and calendar arithmetic, free of TZ and localtime.
 *
 * A zone is a sorted table of transitions (instant -> local time type) and,
 * for v2+ files, a POSIX TZ string (the "footer") that says what happens
 * after the last transition.  Debian's "fat" files list transitions up to
 * 2037; later instants come from the footer rule.
 *
 * This module owns the struct tz and everything it points at.  It reads
 * only the 64-bit data of v2+ files (the v1 block is skipped) and the 32-bit
 * data of v1 files.  Leap-second files ("right/...") are refused: their
 * instants are not POSIX time, and nothing in Infuus wants them.
 *
 * Caveat: every offset must lie strictly within +-26 hours (RFC 8536 says
 * -89999..93599 seconds); tz_from_local relies on it to bound its search.
 */
#include "promise/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* Offsets must be within this many seconds of UTC (exclusive). */
#define OFF_MAX (26 * 3600)
/* Rule times in a v3 footer may reach +-167 hours (RFC 8536, 3.3.1). */
#define RULE_HOURS_MAX 167

struct tz_type {
	int32_t utoff;
	bool isdst;
	char abbr[TZ_ABBR_MAX + 1];
};

/* One date of a POSIX rule: Jn, n or Mm.w.d, plus the time of day. */
struct tz_rdate {
	char kind;      /* 'J' (1..365, no Feb 29), 'N' (0..365), 'M' */
	int n;
	int m, w, d;
	int32_t time;   /* seconds after local midnight; may be negative */
};

struct tz {
	char *name;
	size_t ntrans;
	int64_t *trans;         /* strictly ascending */
	uint8_t *tidx;          /* type of each transition */
	size_t ntypes;
	struct tz_type *types;
	bool has_rule;          /* a usable footer */
	bool rule_dst;          /* the footer has a DST part */
	struct tz_type rstd, rdst;
	struct tz_rdate rstart, rend;
};

/* What is in effect at one instant. */
struct span {
	const struct tz_type *type;
	int64_t next;           /* the next transition, or TZ_NEVER */
};

/* --- calendar ------------------------------------------------------------ */

/* Howard Hinnant's days_from_civil / civil_from_days, in 64 bits. */
int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
tz_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
tz_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

bool
tz_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
tz_days_in_month(int64_t y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	return dim[m - 1] + (m == 2 && tz_is_leap(y));
}

int64_t
tz_day_of(int64_t secs)
{
	int64_t q = secs / 86400;

	/* C division truncates toward zero; a day starts at its midnight. */
	if (secs % 86400 < 0)
		q--;
	return q;
}

/* --- names --------------------------------------------------------------- */

bool
tz_name_valid(const char *name)
{
	size_t i, len;
	bool part_start = true;

	if (name == NULL)
		return false;
	len = strnlen(name, LIMIT_TZ_NAME + 1);
	if (len == 0 || len > LIMIT_TZ_NAME)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c == '/') {
			/* No leading slash, no "//", no trailing slash. */
			if (part_start)
				return false;
			part_start = true;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+'))
			return false;
		if (part_start && c == '-')
			return false;
		part_start = false;
	}
	/* '.' is not allowed at all, so ".." cannot occur. */
	return !part_start;
}

/* --- the POSIX TZ footer --------------------------------------------------- */

struct scan {
	const char *p;
	const char *end;
};

static bool
sc_digit(const struct scan *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

static bool
sc_eat(struct scan *s, char c)
{
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* Up to `maxdigits` digits as a number in [0, max]. */
static int
sc_num(struct scan *s, int maxdigits, int max, int *out)
{
	int v = 0, n = 0;

	while (sc_digit(s) && n < maxdigits) {
		v = v * 10 + (*s->p - '0');
		s->p++;
		n++;
	}
	if (n == 0 || v > max || sc_digit(s))
		return ERR_INVAL;
	*out = v;
	return 0;
}

static int
sc_abbr(struct scan *s, char *out)
{
	size_t n = 0;

	if (sc_eat(s, '<')) {
		while (s->p < s->end && *s->p != '>') {
			char c = *s->p;

			if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '+' || c == '-'))
				return ERR_INVAL;
			if (n < TZ_ABBR_MAX)
				out[n] = c;
			n++;
			s->p++;
		}
		if (!sc_eat(s, '>'))
			return ERR_INVAL;
	} else {
		while (s->p < s->end && ((*s->p >= 'A' && *s->p <= 'Z') ||
		    (*s->p >= 'a' && *s->p <= 'z'))) {
			if (n < TZ_ABBR_MAX)
				out[n] = *s->p;
			n++;
			s->p++;
		}
	}
	if (n < 3)
		return ERR_INVAL;
	out[n < TZ_ABBR_MAX ? n : TZ_ABBR_MAX] = '\0';
	return 0;
}

/* [+-]h[h[h]][:mm[:ss]] with hours up to maxh, in seconds. */
static int
sc_hms(struct scan *s, int maxh, int32_t *out)
{
	int sign = 1, h, mi = 0, se = 0;

	if (sc_eat(s, '-'))
		sign = -1;
	else
		sc_eat(s, '+');
	if (sc_num(s, 3, maxh, &h) != 0)
		return ERR_INVAL;
	if (sc_eat(s, ':')) {
		if (sc_num(s, 2, 59, &mi) != 0)
			return ERR_INVAL;
		if (sc_eat(s, ':') && sc_num(s, 2, 59, &se) != 0)
			return ERR_INVAL;
	}
	*out = sign * (h * 3600 + mi * 60 + se);
	return 0;
}

static int
sc_rdate(struct scan *s, struct tz_rdate *r)
{
	if (sc_eat(s, 'J')) {
		r->kind = 'J';
		if (sc_num(s, 3, 365, &r->n) != 0 || r->n < 1)
			return ERR_INVAL;
	} else if (sc_eat(s, 'M')) {
		r->kind = 'M';
		if (sc_num(s, 2, 12, &r->m) != 0 || r->m < 1 ||
		    !sc_eat(s, '.') || sc_num(s, 1, 5, &r->w) != 0 ||
		    r->w < 1 || !sc_eat(s, '.') || sc_num(s, 1, 6, &r->d) != 0)
			return ERR_INVAL;
	} else {
		r->kind = 'N';
		if (sc_num(s, 3, 365, &r->n) != 0)
			return ERR_INVAL;
	}
	r->time = 2 * 3600;
	if (sc_eat(s, '/'))
		return sc_hms(s, RULE_HOURS_MAX, &r->time);
	return 0;
}

static int
parse_footer(struct tz *tz, const char *p, size_t len)
{
	struct scan s = { p, p + len };
	int32_t off;

	if (len == 0)
		return 0;
	memset(&tz->rstd, 0, sizeof(tz->rstd));
	memset(&tz->rdst, 0, sizeof(tz->rdst));
	if (sc_abbr(&s, tz->rstd.abbr) != 0 || sc_hms(&s, 24, &off) != 0)
		return ERR_INVAL;
	/* POSIX offsets count hours west of Greenwich. */
	tz->rstd.utoff = -off;
	tz->has_rule = true;
	if (s.p == s.end)
		return 0;
	if (sc_abbr(&s, tz->rdst.abbr) != 0)
		return ERR_INVAL;
	tz->rdst.isdst = true;
	tz->rdst.utoff = tz->rstd.utoff + 3600;
	if (s.p < s.end && *s.p != ',') {
		if (sc_hms(&s, 24, &off) != 0)
			return ERR_INVAL;
		tz->rdst.utoff = -off;
	}
	if (s.p == s.end) {
		/* No rule given: POSIX leaves it to the implementation; tzcode
		 * uses the US rule, and so do we. */
		tz->rstart = (struct tz_rdate){ 'M', 0, 3, 2, 0, 7200 };
		tz->rend = (struct tz_rdate){ 'M', 0, 11, 1, 0, 7200 };
	} else if (!sc_eat(&s, ',') || sc_rdate(&s, &tz->rstart) != 0 ||
	    !sc_eat(&s, ',') || sc_rdate(&s, &tz->rend) != 0 || s.p != s.end) {
		return ERR_INVAL;
	}
	if (tz->rdst.utoff <= -OFF_MAX || tz->rdst.utoff >= OFF_MAX)
		return ERR_INVAL;
	tz->rule_dst = true;
	return 0;
}

/* The local instant (seconds since the epoch, as if local were UTC) at which
 * rule date r falls in year y. */
static int64_t
rdate_local(int64_t y, const struct tz_rdate *r)
{
	int64_t days = tz_days_from_civil(y, 1, 1);

	switch (r->kind) {
	case 'J':
		days += r->n - 1 + (tz_is_leap(y) && r->n >= 60);
		break;
	case 'N':
		days += r->n;
		break;
	default: {
		int64_t first = tz_days_from_civil(y, r->m, 1);
		int dim = tz_days_in_month(y, r->m);
		int dd = (r->d - tz_weekday(first) + 7) % 7 + (r->w - 1) * 7;

		while (dd >= dim)
			dd -= 7;
		days = first + dd;
		break;
	}
	}
	return days * 86400 + r->time;
}

/* The footer rule at t: which type, and the next change after t. */
static void
rule_span(const struct tz *tz, int64_t t, struct span *sp)
{
	int64_t y, ev[6], best = INT64_MIN, next = TZ_NEVER;
	bool evdst[6], dst = false;
	int m, d, i;

	if (!tz->rule_dst) {
		sp->type = &tz->rstd;
		sp->next = TZ_NEVER;
		return;
	}
	tz_civil_from_days(tz_day_of(t + tz->rstd.utoff), &y, &m, &d);
	for (i = 0; i < 3; i++) {
		/* The start is given in standard time, the end in DST. */
		ev[2 * i] = rdate_local(y - 1 + i, &tz->rstart) -
		    tz->rstd.utoff;
		evdst[2 * i] = true;
		ev[2 * i + 1] = rdate_local(y - 1 + i, &tz->rend) -
		    tz->rdst.utoff;
		evdst[2 * i + 1] = false;
	}
	/* The latest event at or before t decides; on a tie the later-listed
	 * one wins (the next year's start over this year's end, as in
	 * all-year DST written "0/0,J365/25"). */
	for (i = 0; i < 6; i++) {
		if (ev[i] <= t && ev[i] >= best) {
			best = ev[i];
			dst = evdst[i];
		}
		if (ev[i] > t && ev[i] < next)
			next = ev[i];
	}
	sp->type = dst ? &tz->rdst : &tz->rstd;
	sp->next = next;
}

/* --- lookup -------------------------------------------------------------- */

static void
span_at(const struct tz *tz, int64_t t, struct span *sp)
{
	size_t lo, hi;

	if (tz->has_rule && (tz->ntrans == 0 || t >= tz->trans[tz->ntrans - 1])) {
		rule_span(tz, t, sp);
		return;
	}
	if (tz->ntrans == 0 || t < tz->trans[0]) {
		/* Before the first transition: type 0 (RFC 8536, 3.2). */
		sp->type = &tz->types[0];
		sp->next = tz->ntrans ? tz->trans[0] : TZ_NEVER;
		return;
	}
	/* The last transition at or before t. */
	lo = 0;
	hi = tz->ntrans;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	sp->type = &tz->types[tz->tidx[lo]];
	sp->next = lo + 1 < tz->ntrans ? tz->trans[lo + 1] : TZ_NEVER;
}

int
tz_offset_at(const struct tz *tz, time_t t, int32_t *utoff, time_t *next)
{
	struct span sp;

	if (t < TZ_TIME_MIN || t > TZ_TIME_MAX)
		return ERR_INVAL;
	span_at(tz, t, &sp);
	*utoff = sp.type->utoff;
	*next = sp.next;
	return 0;
}

int
tz_to_local(const struct tz *tz, time_t utc, struct tz_local *out)
{
	struct span sp;
	int64_t local, days, sod, y;

	if (utc < TZ_TIME_MIN || utc > TZ_TIME_MAX)
		return ERR_INVAL;
	span_at(tz, utc, &sp);
	local = utc + sp.type->utoff;
	days = tz_day_of(local);
	sod = local - days * 86400;
	memset(out, 0, sizeof(*out));
	tz_civil_from_days(days, &y, &out->month, &out->day);
	out->year = (int)y;
	out->hour = (int)(sod / 3600);
	out->min = (int)(sod / 60 % 60);
	out->sec = (int)(sod % 60);
	out->wday = tz_weekday(days);
	out->yday = (int)(days - tz_days_from_civil(y, 1, 1));
	out->utoff = sp.type->utoff;
	out->is_dst = sp.type->isdst;
	memcpy(out->abbr, sp.type->abbr, sizeof(out->abbr));
	return 0;
}

int
tz_from_local(const struct tz *tz, int y, int m, int d, int hh, int mm,
    int ss, time_t *out)
{
	int64_t L, t, hit = 0, gap = 0;
	bool have_hit = false, have_gap = false;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > tz_days_in_month(y, m) || hh < 0 || hh > 23 || mm < 0 ||
	    mm > 59 || ss < 0 || ss > 59)
		return ERR_INVAL;
	L = tz_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;

	/*
	 * Every instant whose wall clock shows L lies in [L - OFF_MAX,
	 * L + OFF_MAX].  Walk the spans of constant offset across that
	 * window: the first span that holds its own candidate L - off is the
	 * earliest answer.  If none does, L fell into a gap, and the answer
	 * reads L with the offset from before the gap.
	 */
	t = L - OFF_MAX;
	for (;;) {
		struct span sp, after;
		int64_t cand;

		span_at(tz, t, &sp);
		cand = L - sp.type->utoff;
		if (cand >= t && cand < sp.next) {
			hit = cand;
			have_hit = true;
			break;
		}
		/* A gap at a transition beyond the window cannot hold L. */
		if (sp.next > L + OFF_MAX)
			break;
		span_at(tz, sp.next, &after);
		if (!have_gap && sp.next + sp.type->utoff <= L &&
		    L < sp.next + after.type->utoff) {
			gap = cand;
			have_gap = true;
		}
		t = sp.next;
	}
	if (!have_hit && !have_gap)
		return ERR_INVAL;
	t = have_hit ? hit : gap;
	if (t < TZ_TIME_MIN || t > TZ_TIME_MAX)
		return ERR_INVAL;
	*out = t;
	return 0;
}

/* --- TZif ---------------------------------------------------------------- */

struct tzif_hdr {
	uint8_t version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t
be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int
read_hdr(const uint8_t *p, size_t len, struct tzif_hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return ERR_INVAL;
	h->version = p[4];
	if (h->version != 0 && (h->version < '2' || h->version > '4'))
		return ERR_INVAL;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->leapcnt != 0 || h->timecnt > LIMIT_TZ_TRANSITIONS ||
	    h->typecnt == 0 || h->typecnt > LIMIT_TZ_TYPES ||
	    h->charcnt == 0 || h->charcnt > LIMIT_TZ_CHARS ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return ERR_INVAL;
	return 0;
}

/* Bytes of the data block after a header, with tsize-byte times.  The
 * counts are bounded by read_hdr, so this cannot overflow. */
static size_t
data_len(const struct tzif_hdr *h, size_t tsize)
{
	return h->timecnt * tsize + h->timecnt + h->typecnt * 6 +
	    h->charcnt + h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static int
read_data(struct tz *tz, const struct tzif_hdr *h, const uint8_t *p,
    size_t tsize)
{
	const uint8_t *idx = p + h->timecnt * tsize;
	const uint8_t *ti = idx + h->timecnt;
	const char *chars = (const char *)(ti + h->typecnt * 6);
	size_t i;

	tz->ntrans = h->timecnt;
	tz->trans = xcalloc(h->timecnt ? h->timecnt : 1, sizeof(int64_t));
	tz->tidx = xcalloc(h->timecnt ? h->timecnt : 1, 1);
	tz->ntypes = h->typecnt;
	tz->types = xcalloc(h->typecnt, sizeof(struct tz_type));
	for (i = 0; i < h->timecnt; i++) {
		tz->trans[i] = tsize == 8 ? be64(p + i * 8) :
		    (int64_t)(int32_t)be32(p + i * 4);
		if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
			return ERR_INVAL;
		tz->tidx[i] = idx[i];
		if (idx[i] >= h->typecnt)
			return ERR_INVAL;
	}
	for (i = 0; i < h->typecnt; i++) {
		const uint8_t *q = ti + i * 6;
		int32_t off = (int32_t)be32(q);
		size_t ai = q[5], alen;

		if (off <= -OFF_MAX || off >= OFF_MAX || q[4] > 1 ||
		    ai >= h->charcnt)
			return ERR_INVAL;
		alen = strnlen(chars + ai, h->charcnt - ai);
		if (alen == h->charcnt - ai)
			return ERR_INVAL; /* not NUL-terminated */
		tz->types[i].utoff = off;
		tz->types[i].isdst = q[4];
		if (alen > TZ_ABBR_MAX)
			alen = TZ_ABBR_MAX;
		memcpy(tz->types[i].abbr, chars + ai, alen);
		tz->types[i].abbr[alen] = '\0';
	}
	return 0;
}

void
tz_free(struct tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->name);
	free(tz->trans);
	free(tz->tidx);
	free(tz->types);
	free(tz);
}

int
tz_parse(const void *data, size_t len, const char *name, struct tz **out)
{
	const uint8_t *p = data;
	struct tzif_hdr h;
	struct tz *tz = NULL;
	size_t n, i;
	int rc;

	*out = NULL;
	if (len > LIMIT_TZ_FILE)
		return ERR_INVAL;
	if ((rc = read_hdr(p, len, &h)) != 0)
		return rc;
	n = data_len(&h, 4);
	if (len - 44 < n)
		return ERR_INVAL;
	tz = xcalloc(1, sizeof(*tz));
	tz->name = xstrdup(name ? name : "");
	if (h.version == 0) {
		rc = read_data(tz, &h, p + 44, 4);
		goto out;
	}
	/* v2+: skip the 32-bit block; the second header must agree. */
	p += 44 + n;
	len -= 44 + n;
	if ((rc = read_hdr(p, len, &h)) != 0)
		goto out;
	if (h.version != ((const uint8_t *)data)[4]) {
		rc = ERR_INVAL;
		goto out;
	}
	n = data_len(&h, 8);
	if (len - 44 < n) {
		rc = ERR_INVAL;
		goto out;
	}
	if ((rc = read_data(tz, &h, p + 44, 8)) != 0)
		goto out;
	p += 44 + n;
	len -= 44 + n;
	/* The footer: "\n" TZ-string "\n", and nothing after it. */
	if (len < 2 || p[0] != '\n' || p[len - 1] != '\n' ||
	    len - 2 > LIMIT_TZ_FOOTER) {
		rc = ERR_INVAL;
		goto out;
	}
	for (i = 1; i + 1 < len; i++) {
		if (p[i] < 0x21 || p[i] > 0x7e) {
			rc = ERR_INVAL;
			goto out;
		}
	}
	rc = parse_footer(tz, (const char *)p + 1, len - 2);
out:
	if (rc != 0) {
		tz_free(tz);
		return rc;
	}
	*out = tz;
	return 0;
}

struct tz *
tz_utc(void)
{
	struct tz *tz = xcalloc(1, sizeof(*tz));

	tz->name = xstrdup("UTC");
	tz->ntypes = 1;
	tz->types = xcalloc(1, sizeof(struct tz_type));
	memcpy(tz->types[0].abbr, "UTC", 4);
	return tz;
}

const char *
tz_name(const struct tz *tz)
{
	return tz->name;
}

int
tz_load_dir(const char *dir, const char *name, struct tz **out)
{
	struct buf path = BUF_INIT;
	uint8_t *data = NULL;
	struct stat st;
	size_t got = 0;
	int fd = -1, rc;

	*out = NULL;
	if (!tz_name_valid(name))
		return ERR_INVAL;
	buf_printf(&path, "%s/%s", dir, name);
	fd = open(path.p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		    errno == ENAMETOOLONG) ? ERR_NOTFOUND : ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		rc = ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		/* "Europe" is a directory, not a zone. */
		rc = ERR_NOTFOUND;
		goto out;
	}
	if (st.st_size > LIMIT_TZ_FILE) {
		rc = ERR_INVAL;
		goto out;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ERR_IO;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	rc = tz_parse(data, got, name, out);
out:
	if (fd >= 0)
		close(fd);
	free(data);
	buf_release(&path);
	return rc;
}

int
tz_load(const char *name, struct tz **out)
{
	return tz_load_dir(TZ_DIR, name, out);
}
