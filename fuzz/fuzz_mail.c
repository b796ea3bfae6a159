/*
 * fuzz_mail.c - what a user types that ends up in an e-mail, and the
 * configuration's SMTP URL (mail/smtp.c).  Input: NUL-separated fields,
 * missing ones empty:
 *
 *   recipient \0 display name \0 subject \0 body \0 smtp_url \0 calendar
 *
 * (an empty display name is none; the calendar, when present, goes along
 * as a REQUEST).  Checked:
 *   - an accepted address is the narrow grammar smtp.c describes: ASCII
 *     dot-atom local part of at most 64, no quotes, spaces, brackets or
 *     control characters, one '@', a domain of letters, digits, '-' and
 *     dots that mail_url_parse takes as a host;
 *   - an accepted URL gives a host made of the URL's own bytes, a port in
 *     1..65535 and TLS for smtps only, and reads back the same;
 *   - mail_format refuses exactly what smtp.h says it refuses, and what it
 *     writes is ASCII with CRLF line ends, lines of at most 998 (RFC
 *     5322); a header section of one each of the headers it writes, no
 *     other line (no header from the input: no injection), folded lines
 *     only in From and Subject, encoded-words of at most 75 characters
 *     that split no UTF-8 character on lines of at most 76 (RFC 2047),
 *     a From of encoded-words with its address on a line of its own;
 *     From, To and Subject decode to the input; the body (and the calendar) decode from 7bit (lines of at
 *     most 78, chosen exactly for short-lined ASCII) or quoted-printable
 *     (lines of at most 76, no trailing white space) back to the input
 *     with its line ends made CRLF.
 */
#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "fuzz.h"
#include "mail/smtp.h"

#define FROM "coach@infuus.example"
#define NFIELDS 6

/* --- oracles -------------------------------------------------------------- */

/* The address grammar of smtp.c's comment, written out plainly. */
static bool
address_grammar(const char *s)
{
	const char *at = strchr(s, '@'), *p, *label;
	size_t n = strlen(s);
	struct buf url = BUF_INIT, host = BUF_INIT;
	bool ok;
	int port;
	bool tls;

	if (at == NULL || strchr(at + 1, '@') || at == s || at - s > 64 ||
	    n > 254 || at[1] == '\0')
		return false;
	for (p = s; p < at; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("\"(),:;<>[\\]", *p) != NULL)
			return false;
		if (*p == '.' && (p == s || p + 1 == at || p[1] == '.'))
			return false;
	}
	for (label = at + 1;; label = p + 1) {
		p = strchr(label, '.');
		if (p == NULL)
			p = s + n;
		if (p == label || p - label > 63 || *label == '-' ||
		    p[-1] == '-')
			return false;
		if (*p == '\0')
			break;
	}
	/* And a host the SMTP URL would take (smtp.c's host_ok). */
	buf_printf(&url, "smtp://%s", at + 1);
	ok = mail_url_parse(url.p, &host, &port, &tls) == 0 &&
	    strcmp(host.p, at + 1) == 0;
	buf_release(&url);
	buf_release(&host);
	return ok;
}

/* smtp.h's header value: 1..LIMIT_FIELD_SHORT bytes of UTF-8 without a
 * control character. */
static bool
header_value(const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return n > 0 && n <= LIMIT_FIELD_SHORT && utf8_valid(s, n);
}

/* A text's lines, each ended by CRLF: what a body becomes on the wire
 * once decoded (\r\n, \n and a lone \r all end a line). */
static void
crlf_lines(const char *s, struct buf *out)
{
	size_t i = 0, n = strlen(s);

	while (i < n) {
		while (i < n && s[i] != '\r' && s[i] != '\n')
			buf_addch(out, s[i++]);
		if (i < n && s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			i += 2;
		else if (i < n)
			i++;
		buf_adds(out, "\r\n");
	}
}

static int
b64_value(char c)
{
	const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char *p = c ? strchr(t, c) : NULL;

	return p ? (int)(p - t) : -1;
}

/* Standard base64 with padding; false when s is not. */
static bool
b64_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int k, v[4];

	if (n % 4 != 0 || n == 0)
		return false;
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++) {
			v[k] = b64_value(s[i + k]);
			if (v[k] < 0 && !(s[i + k] == '=' && i + 4 == n &&
			    k >= 2))
				return false;
		}
		if (v[2] < 0 && v[3] >= 0)
			return false;
		buf_addch(out, (char)(v[0] << 2 | v[1] >> 4));
		if (v[2] >= 0)
			buf_addch(out, (char)((v[1] & 15) << 4 | v[2] >> 2));
		if (v[3] >= 0)
			buf_addch(out, (char)((v[2] & 3) << 6 | v[3]));
	}
	return true;
}

/* A header's value of encoded-words folded as smtp.c folds them ("=?...?="
 * separated by CRLF SP), decoded onto out; false when it is not that. */
static bool
encoded_words(const char *v, size_t n, struct buf *out)
{
	size_t i = 0, j, before;

	while (i < n) {
		if (i > 0) {
			if (n - i < 3 || memcmp(v + i, "\r\n ", 3) != 0)
				return false;
			i += 3;
		}
		if (n - i < 12 || memcmp(v + i, "=?UTF-8?B?", 10) != 0)
			return false;
		for (j = i + 10; j + 1 < n && !(v[j] == '?' && v[j + 1] == '=');
		    j++)
			continue;
		if (j + 1 >= n)
			return false;
		/* RFC 2047: at most 75 characters a word. */
		FUZZ_CHECK(j + 2 - i <= 75);
		before = out->len;
		if (!b64_decode(v + i + 10, j - i - 10, out))
			return false;
		/* Split only between characters. */
		FUZZ_CHECK(utf8_valid(out->p + before, out->len - before));
		i = j + 2;
	}
	return n > 0;
}

/* Quoted-printable (RFC 2045 6.7) as smtp.c writes it, decoded onto out:
 * upper-case hex, soft breaks, lines of at most 76, no white space before
 * a line end. */
static void
qp_decode(const char *s, size_t n, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0, start = 0;

	while (i < n) {
		if (s[i] == '\r') {
			FUZZ_CHECK(i + 1 < n && s[i + 1] == '\n');
			FUZZ_CHECK(i - start <= 76);
			FUZZ_CHECK(i == start || (s[i - 1] != ' ' &&
			    s[i - 1] != '\t'));
			buf_adds(out, "\r\n");
			i += 2;
			start = i;
		} else if (s[i] == '=') {
			if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
				FUZZ_CHECK(i + 1 - start <= 76);
				i += 3;
				start = i;
				continue;
			}
			FUZZ_CHECK(i + 2 < n && s[i + 1] && s[i + 2] &&
			    strchr(hex, s[i + 1]) && strchr(hex, s[i + 2]));
			buf_addch(out, (char)((strchr(hex, s[i + 1]) - hex) <<
			    4 | (strchr(hex, s[i + 2]) - hex)));
			i += 3;
		} else {
			FUZZ_CHECK((s[i] >= 33 && s[i] <= 126) || s[i] == ' ' ||
			    s[i] == '\t');
			buf_addch(out, s[i++]);
		}
	}
	FUZZ_CHECK(start == n);
}

/* Is the text short-lined printable ASCII (smtp.h's 7bit)? */
static bool
short_lined_ascii(const char *s)
{
	size_t col = 0;

	for (; *s; s++) {
		if (*s == '\r' || *s == '\n') {
			col = 0;
			continue;
		}
		if (((unsigned char)*s < 0x20 && *s != '\t') ||
		    (unsigned char)*s >= 0x7f || ++col > 78)
			return false;
	}
	return true;
}

/* A body part from its Content-Transfer-Encoding: decodes to the input;
 * 7bit exactly when the input is short-lined ASCII, if chosen (the
 * calendar is always quoted-printable). */
static void
check_body(const char *cte, const char *p, size_t n, const char *input,
    bool chosen)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	size_t i, start = 0;

	crlf_lines(input, &want);
	if (strcmp(cte, "7bit") == 0) {
		FUZZ_CHECK(chosen && short_lined_ascii(input));
		for (i = 0; i < n; i++)
			if (p[i] == '\r') {
				FUZZ_CHECK(i - start <= 78);
				start = i + 2;
			}
		buf_add(&got, p, n);
	} else {
		FUZZ_CHECK(strcmp(cte, "quoted-printable") == 0);
		FUZZ_CHECK(!chosen || !short_lined_ascii(input));
		qp_decode(p, n, &got);
	}
	FUZZ_CHECK(got.len == want.len && memcmp(got.p, want.p, got.len) == 0);
	buf_release(&want);
	buf_release(&got);
}

/* --- the message ---------------------------------------------------------- */

struct header {
	const char *name;
	const char *v; /* after "Name: ", up to its last line's CRLF */
	size_t len;
	bool folds;    /* may continue on lines starting with a space */
};

static void
check_message(const struct buf *m, const char *to, const char *name,
    const char *subject, const char *body, const char *calendar)
{
	struct header h[] = {
		{ "Date", NULL, 0, false }, { "From", NULL, 0, true },
		{ "To", NULL, 0, false }, { "Subject", NULL, 0, true },
		{ "Message-ID", NULL, 0, false },
		{ "MIME-Version", NULL, 0, false },
		{ "Content-Type", NULL, 0, false },
		{ "Content-Transfer-Encoding", NULL, 0, false },
		{ "Auto-Submitted", NULL, 0, false },
	};
	const size_t nh = sizeof(h) / sizeof(h[0]);
	struct header *last = NULL;
	struct buf d = BUF_INIT;
	size_t i, k, start = 0, end_of_headers = 0;
	char cte[32];

	/* ASCII, CRLF line ends, lines of at most 998. */
	FUZZ_CHECK(m->len >= 2 && memcmp(m->p + m->len - 2, "\r\n", 2) == 0);
	for (i = 0; i < m->len; i++) {
		unsigned char c = (unsigned char)m->p[i];

		FUZZ_CHECK(c != 0 && c < 0x80);
		FUZZ_CHECK(c != '\r' || m->p[i + 1] == '\n');
		FUZZ_CHECK(c != '\n' || (i > 0 && m->p[i - 1] == '\r'));
		if (c == '\n') {
			FUZZ_CHECK(i - 1 - start <= 998);
			start = i + 1;
		}
	}
	/* The header section: each line a header smtp.c writes, once, or
	 * the continuation of one that folds. */
	for (start = 0; start < m->len;) {
		const char *line = m->p + start;
		size_t len = (size_t)((const char *)memchr(line, '\r',
		    m->len - start) - line);

		if (len == 0) {
			end_of_headers = start + 2;
			break;
		}
		/* RFC 2047: a line that holds an encoded-word, at most 76. */
		if (memmem(line, len, "=?UTF-8?B?", 10) != NULL)
			FUZZ_CHECK(len <= 76);
		if (line[0] == ' ') {
			FUZZ_CHECK(last != NULL && last->folds);
			last->len = (size_t)(line + len - last->v);
		} else {
			for (k = 0; k < nh; k++) {
				size_t hn = strlen(h[k].name);

				if (len > hn + 1 &&
				    memcmp(line, h[k].name, hn) == 0 &&
				    line[hn] == ':' && line[hn + 1] == ' ')
					break;
			}
			FUZZ_CHECK(k < nh);       /* no header of the input */
			FUZZ_CHECK(h[k].v == NULL); /* once */
			h[k].v = line + strlen(h[k].name) + 2;
			h[k].len = len - strlen(h[k].name) - 2;
			last = &h[k];
		}
		start += len + 2;
	}
	FUZZ_CHECK(end_of_headers > 0);
	for (k = 0; k < nh; k++)
		FUZZ_CHECK(h[k].v != NULL || (calendar && k == 7));

	/* To, From and Subject say what was asked. */
	FUZZ_CHECK(h[2].len == strlen(to) && memcmp(h[2].v, to, h[2].len) == 0);
	if (name == NULL) {
		FUZZ_CHECK(h[1].len == strlen(FROM) &&
		    memcmp(h[1].v, FROM, h[1].len) == 0);
	} else if (h[1].v[0] == '"') {
		size_t a = strlen(" <" FROM ">");

		FUZZ_CHECK(h[1].len > a && memcmp(h[1].v + h[1].len - a,
		    " <" FROM ">", a) == 0);
		FUZZ_CHECK(h[1].v[h[1].len - a - 1] == '"');
		for (i = 1; i < h[1].len - a - 1; i++) {
			if (h[1].v[i] == '\\')
				i++;
			else
				FUZZ_CHECK(h[1].v[i] != '"');
			buf_addch(&d, h[1].v[i]);
		}
		FUZZ_CHECK(strcmp(d.p, name) == 0);
		buf_reset(&d);
	} else {
		/* Encoded-words, then the address on a line of its own. */
		size_t a = strlen("\r\n <" FROM ">");

		FUZZ_CHECK(h[1].len > a && memcmp(h[1].v + h[1].len - a,
		    "\r\n <" FROM ">", a) == 0);
		FUZZ_CHECK(encoded_words(h[1].v, h[1].len - a, &d));
		FUZZ_CHECK(strcmp(d.p, name) == 0);
		buf_reset(&d);
	}
	if (h[3].len >= 2 && memcmp(h[3].v, "=?", 2) == 0) {
		FUZZ_CHECK(encoded_words(h[3].v, h[3].len, &d));
		FUZZ_CHECK(strcmp(d.p, subject) == 0);
	} else {
		/* Plain: ASCII without "=?", on one line. */
		FUZZ_CHECK(h[3].len == strlen(subject) &&
		    memcmp(h[3].v, subject, h[3].len) == 0);
		FUZZ_CHECK(strstr(subject, "=?") == NULL);
	}
	buf_reset(&d);

	/* The body, or the body and the calendar. */
	if (calendar == NULL) {
		FUZZ_CHECK(h[7].len < sizeof(cte));
		memcpy(cte, h[7].v, h[7].len);
		cte[h[7].len] = '\0';
		check_body(cte, m->p + end_of_headers, m->len - end_of_headers,
		    body, true);
	} else {
		/* --b CRLF part-headers CRLF body CRLF --b CRLF part-headers
		 * CRLF calendar CRLF --b-- CRLF */
		const char *b = strstr(h[6].v, "boundary=\"");
		const char *p = m->p + end_of_headers, *e = m->p + m->len;
		const char *q, *r;
		char bound[64], delim[80];
		size_t n;

		FUZZ_CHECK(b != NULL);
		b += strlen("boundary=\"");
		q = strchr(b, '"');
		FUZZ_CHECK(q != NULL && q - b < (ptrdiff_t)sizeof(bound) &&
		    q - b > 8);
		memcpy(bound, b, (size_t)(q - b));
		bound[q - b] = '\0';
		snprintf(delim, sizeof(delim), "\r\n--%s", bound);
		FUZZ_CHECK((size_t)(e - p) > strlen(delim));
		FUZZ_CHECK(memcmp(p, delim + 2, strlen(delim) - 2) == 0);
		p += strlen(delim) - 2;
		for (k = 0; k < 2; k++) {
			const char *want = k == 0 ? body : calendar;
			const char *te;

			FUZZ_CHECK(memcmp(p, "\r\n", 2) == 0);
			q = strstr(p, "\r\n\r\n");
			FUZZ_CHECK(q != NULL && q < e);
			te = strstr(p, "Content-Transfer-Encoding: ");
			FUZZ_CHECK(te != NULL && te < q);
			te += strlen("Content-Transfer-Encoding: ");
			n = (size_t)(strchr(te, '\r') - te);
			FUZZ_CHECK(n < sizeof(cte));
			memcpy(cte, te, n);
			cte[n] = '\0';
			q += 4;
			/* The part ends at the first delimiter: nothing in
			 * it looks like one. */
			r = strstr(q, delim);
			FUZZ_CHECK(r != NULL);
			check_body(cte, q, (size_t)(r - q), want, k == 0);
			p = r + strlen(delim);
		}
		FUZZ_CHECK(e - p == 4 && memcmp(p, "--\r\n", 4) == 0);
	}
	buf_release(&d);
}

/* --- the URL -------------------------------------------------------------- */

static void
check_url(const char *url)
{
	struct buf host = BUF_INIT, again = BUF_INIT, url2 = BUF_INIT;
	int port = -1, port2 = -1;
	bool tls = false, tls2 = false;
	size_t i;

	if (mail_url_parse(url, &host, &port, &tls) != 0)
		goto out;
	FUZZ_CHECK(host.len > 0 && host.len <= 253);
	FUZZ_CHECK(strncmp(url + (tls ? 8 : 7), host.p, host.len) == 0);
	FUZZ_CHECK(port >= 1 && port <= 65535);
	FUZZ_CHECK(tls == (strncmp(url, "smtps://", 8) == 0));
	for (i = 0; i < host.len; i++)
		FUZZ_CHECK(host.p[i] > 0x20 && host.p[i] < 0x7f &&
		    strchr("/@?#%\\\"'<>", host.p[i]) == NULL &&
		    (host.p[i] != ':' || host.p[0] == '['));
	buf_printf(&url2, "%s://%s:%d/", tls ? "smtps" : "smtp", host.p, port);
	FUZZ_CHECK(mail_url_parse(url2.p, &again, &port2, &tls2) == 0);
	FUZZ_CHECK(strcmp(again.p, host.p) == 0 && port2 == port &&
	    tls2 == tls);
out:
	buf_release(&host);
	buf_release(&again);
	buf_release(&url2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[NFIELDS];
	struct buf all = BUF_INIT, msg = BUF_INIT;
	struct mail_config cfg;
	size_t i, k = 0, nf = 1;
	bool expect;
	int rc;

	/* The input, NUL-terminated, cut at its first NFIELDS - 1 NULs. */
	buf_add(&all, data, size);
	f[0] = all.p;
	for (i = 0; i < size && nf < NFIELDS; i++)
		if (all.p[i] == '\0')
			f[nf++] = all.p + i + 1;
	for (k = nf; k < NFIELDS; k++)
		f[k] = NULL;

	/* The recipient as an address. */
	if (mail_address_ok(f[0]))
		FUZZ_CHECK(address_grammar(f[0]));

	if (f[4] != NULL)
		check_url(f[4]);

	memset(&cfg, 0, sizeof(cfg));
	cfg.from = FROM;
	cfg.from_name = f[1] && f[1][0] ? f[1] : NULL;
	cfg.calendar = f[5];
	cfg.calendar_method = "REQUEST";
	{
		const char *subject = f[2] ? f[2] : "";
		const char *body = f[3] ? f[3] : "";

		rc = mail_format(&cfg, f[0], subject, body, 1700000000, &msg);
		/* Refused exactly when smtp.h says. */
		expect = mail_address_ok(f[0]) && header_value(subject) &&
		    (cfg.from_name == NULL || header_value(cfg.from_name)) &&
		    strlen(body) <= LIMIT_MAIL_BODY &&
		    utf8_valid(body, strlen(body)) && (cfg.calendar == NULL ||
		    (strlen(cfg.calendar) <= LIMIT_MAIL_CALENDAR &&
		    utf8_valid(cfg.calendar, strlen(cfg.calendar))));
		FUZZ_CHECK(rc == 0 || rc == ERR_INVAL);
		if (rc == 0)
			check_message(&msg, f[0], cfg.from_name, subject, body,
			    cfg.calendar);
		FUZZ_CHECK((rc == 0) == expect);
	}
	buf_release(&all);
	buf_release(&msg);
	return 0;
}
