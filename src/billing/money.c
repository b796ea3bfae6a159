/*
 * money.c - cents, rounding rules and VAT codes (billing.h).  Pure.
 *
 * Every product goes through bill_mul_div and every sum through bill_add,
 * which check the int64 arithmetic (__builtin_*_overflow) and the limit
 * of one amount, so a hostile rate or quantity is refused, never wrapped.
 * Rounding of money is half away from zero, as Dutch invoices (and
 * EN 16931's examples) round; rounding of minutes is always up, as the
 * contract promises "started units".
 */
#include "billing/billing.h"

#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/banned.h"

static const struct {
	const char *code;
	int pct;
} vats[BILL_NVAT] = {
	[BILL_VAT_S21] = { "S21", 21 },
	[BILL_VAT_S9] = { "S9", 9 },
	[BILL_VAT_Z0] = { "Z0", 0 },
	[BILL_VAT_E] = { "E", 0 },
};

const char *
bill_vat_code(enum bill_vat v)
{
	return (unsigned)v < BILL_NVAT ? vats[v].code : "?";
}

int
bill_vat_pct(enum bill_vat v)
{
	return (unsigned)v < BILL_NVAT ? vats[v].pct : 0;
}

int
bill_vat_parse(const char *s, enum bill_vat *out)
{
	int i;

	for (i = 0; s != NULL && i < BILL_NVAT; i++)
		if (strcmp(s, vats[i].code) == 0) {
			*out = (enum bill_vat)i;
			return 0;
		}
	return ERR_INVAL;
}

int
bill_round_minutes(int64_t raw, int64_t unit, int64_t minimum, int64_t *out)
{
	int64_t m;

	if (unit != 1 && unit != 5 && unit != 6 && unit != 15)
		return ERR_INVAL;
	if (raw < 0 || minimum < 0 || raw > LIMIT_BILL_QTY ||
	    minimum > LIMIT_BILL_QTY)
		return ERR_INVAL;
	m = raw > minimum ? raw : minimum;
	/* Started units count whole: 7 minutes in units of 6 are 12. */
	*out = (m + unit - 1) / unit * unit;
	return 0;
}

int
bill_mul_div(int64_t a, int64_t b, int64_t d, int64_t *out)
{
	int64_t p, q, r;

	if (d <= 0)
		return ERR_INVAL;
	if (__builtin_mul_overflow(a, b, &p))
		return ERR_TOOBIG;
	q = p / d;
	r = p % d;
	/* Half away from zero: |r| * 2 >= d (no overflow: |r| < d). */
	if (r != 0 && (r < 0 ? -r : r) >= d - (r < 0 ? -r : r))
		q += p < 0 ? -1 : 1;
	if (q > LIMIT_BILL_CENTS || q < -LIMIT_BILL_CENTS)
		return ERR_TOOBIG;
	*out = q;
	return 0;
}

int
bill_add(int64_t *acc, int64_t v)
{
	int64_t s;

	if (__builtin_add_overflow(*acc, v, &s) || s > LIMIT_BILL_CENTS ||
	    s < -LIMIT_BILL_CENTS)
		return ERR_TOOBIG;
	*acc = s;
	return 0;
}

/*
 * Euros as people type them.  The last '.' or ',' followed by one or two
 * digits at the end is the decimal mark; any other '.' or ',' must group
 * thousands (three digits after it).  Spaces and a leading euro sign are
 * ignored.  Digits are counted before multiplying, so nothing overflows.
 */
int
bill_parse_cents(const char *s, int64_t *out)
{
	char d[32];
	size_t n = 0, i, len, end, group = 0;
	int64_t v = 0, cents = 0;
	bool grouped = false;

	if (s == NULL)
		return ERR_INVAL;
	len = strlen(s);
	if (len > 64)
		return ERR_TOOBIG;
	/* Drop spaces and a leading euro sign (UTF-8 e2 82 ac). */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ')
			continue;
		if (n == 0 && c == 0xe2 && i + 2 < len &&
		    (unsigned char)s[i + 1] == 0x82 &&
		    (unsigned char)s[i + 2] == 0xac) {
			i += 2;
			continue;
		}
		if (!((c >= '0' && c <= '9') || c == '.' || c == ','))
			return ERR_INVAL;
		if (n + 1 >= sizeof(d))
			return ERR_TOOBIG;
		d[n++] = (char)c;
	}
	d[n] = '\0';
	if (n == 0 || d[0] == '.' || d[0] == ',')
		return ERR_INVAL;
	/* The decimal mark: a last '.' or ',' with one or two digits after. */
	end = n;
	if (n >= 2 && (d[n - 2] == '.' || d[n - 2] == ','))
		end = n - 2;
	else if (n >= 3 && (d[n - 3] == '.' || d[n - 3] == ','))
		end = n - 3;
	if (end < n) {
		for (i = end + 1; i < n; i++)
			if (d[i] < '0' || d[i] > '9')
				return ERR_INVAL;
		cents = (d[end + 1] - '0') * 10 +
		    (end + 2 < n ? d[end + 2] - '0' : 0);
	}
	/* The euros: digits, in groups of three after a first of one to
	 * three when marks group them. */
	for (i = 0; i < end; i++) {
		if (d[i] == '.' || d[i] == ',') {
			/* a group mark is never the decimal mark */
			if (end < n && d[i] == d[end])
				return ERR_INVAL;
			if ((grouped ? group != 3 : group > 3) || group == 0)
				return ERR_INVAL;
			grouped = true;
			group = 0;
			continue;
		}
		group++;
		if (v > LIMIT_BILL_CENTS / 100)
			return ERR_TOOBIG;
		v = v * 10 + (d[i] - '0');
	}
	if (group == 0 || (grouped && group != 3))
		return ERR_INVAL;
	if (v > LIMIT_BILL_CENTS / 100 || v * 100 + cents > LIMIT_BILL_CENTS)
		return ERR_TOOBIG;
	*out = v * 100 + cents;
	return 0;
}

const char *
bill_cents_dot(int64_t cents, char *out, size_t n)
{
	uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents :
	    (uint64_t)cents;

	snprintf(out, n, "%s%llu.%02llu", cents < 0 ? "-" : "",
	    (unsigned long long)(a / 100), (unsigned long long)(a % 100));
	return out;
}

const char *
bill_cents_nl(int64_t cents, char *out, size_t n)
{
	uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents :
	    (uint64_t)cents, e = a / 100;
	char digits[24], grouped[40];
	size_t len, i, k = 0;

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)e);
	len = strlen(digits);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			grouped[k++] = '.';
		grouped[k++] = digits[i];
	}
	grouped[k] = '\0';
	snprintf(out, n, "%s%s,%02llu", cents < 0 ? "-" : "", grouped,
	    (unsigned long long)(a % 100));
	return out;
}
