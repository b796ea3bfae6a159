/*
 * smtp.c - one plain-text e-mail over SMTP with libcurl.
 *
 * Owns nothing between calls: each mail_send makes its own curl handle, so
 * threads may send at once (curl_global_init ran in mail_init).
 *
 * The message is formatted here (curl only carries it and dot-stuffs):
 * validation first, so nothing a caller passes can add a header or a
 * recipient.  Addresses are deliberately narrower than RFC 5321 allows
 * (no quoted local parts, no address literals, ASCII only).
 * XXX: internationalised addresses (SMTPUTF8) are refused; curl 7.88 can
 * send them, but we have no user who needs it yet.
 *
 * Credentials never cross the network in clear: a user name with TLS
 * "none" or "try" (which an attacker can strip) is refused unless the
 * server is on loopback.
 */
#include "mail/smtp.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/num.h"
#include "core/text.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* RFC 2047: a line that holds an encoded-word is at most 76 characters
 * (so a word on a continuation line, after its space, at most 75);
 * "=?UTF-8?B?" and "?=" take 12 of a word. */
#define EWORD_LINE 76
#define EWORD_FRAME 12
/* RFC 5322 asks for lines of at most 78 characters; 7bit bodies keep to
 * that, longer lines go quoted-printable (which folds at 76). */
#define LINE_MAX_7BIT 78
#define QP_LINE 76
#define HOST_MAX 253

int
mail_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : ERR_MAIL;
}

void
mail_done(void)
{
	curl_global_cleanup();
}

/* --- Validation --------------------------------------------------------- */

/* A header value: valid UTF-8 without any control character (CR and LF
 * above all), not empty, not longer than LIMIT_FIELD_SHORT. */
static bool
header_value_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= LIMIT_FIELD_SHORT &&
	    text_clean((struct str){ s, n }, false) && utf8_valid(s, n);
}

static bool
atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

bool
mail_address_ok(const char *s)
{
	const char *at, *p;
	size_t n, label = 0;

	if (s == NULL || (n = strlen(s)) < 3 || n > 254)
		return false;
	at = strchr(s, '@');
	if (at == NULL || at == s || at - s > 64 || strchr(at + 1, '@'))
		return false;
	/* Local part: dot-atom. */
	if (s[0] == '.' || at[-1] == '.')
		return false;
	for (p = s; p < at; p++) {
		if (*p == '.' ? p[1] == '.' : !atext(*p))
			return false;
	}
	/* Domain: dot-separated labels of letters, digits and '-'. */
	for (p = at + 1; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || (*p == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && p[-1] != '-';
}

static bool
host_ok(const char *h)
{
	size_t i, n = strlen(h);

	if (n == 0 || n > HOST_MAX)
		return false;
	if (h[0] == '[') {
		if (n < 4 || h[n - 1] != ']')
			return false;
		for (i = 1; i < n - 1; i++)
			if (!((h[i] >= '0' && h[i] <= '9') ||
			    (h[i] >= 'a' && h[i] <= 'f') ||
			    (h[i] >= 'A' && h[i] <= 'F') || h[i] == ':' ||
			    h[i] == '.'))
				return false;
		return true;
	}
	for (i = 0; i < n; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') || h[i] == '.' || h[i] == '-'))
			return false;
	return true;
}

static bool
host_loopback(const char *h)
{
	return strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 ||
	    strcmp(h, "[::1]") == 0;
}

int
mail_url_parse(const char *url, struct buf *host, int *port, bool *implicit_tls)
{
	struct str s = str_c(url), h, p;
	int64_t v = 0;
	bool tls;

	if (str_startswith(s, "smtp://")) {
		tls = false;
		s.p += 7;
		s.len -= 7;
	} else if (str_startswith(s, "smtps://")) {
		tls = true;
		s.p += 8;
		s.len -= 8;
	} else {
		return ERR_INVAL;
	}
	if (s.len && s.p[s.len - 1] == '/')
		s.len--;
	if (s.len && s.p[0] == '[') {
		const char *close = memchr(s.p, ']', s.len);

		if (close == NULL)
			return ERR_INVAL;
		h = (struct str){ s.p, (size_t)(close - s.p) + 1 };
		p = (struct str){ close + 1, s.len - h.len };
		if (p.len && p.p[0] != ':')
			return ERR_INVAL;
		if (p.len) {
			p.p++;
			p.len--;
		} else {
			p.p = NULL;
		}
	} else if (!str_cut(s, ':', &h, &p)) {
		p.p = NULL;
	}
	if (p.p != NULL && num_parse_i64(p, 1, 65535, &v) != 0)
		return ERR_INVAL;
	if (h.len == 0 || h.len > HOST_MAX)
		return ERR_INVAL;
	{
		char tmp[HOST_MAX + 1];

		memcpy(tmp, h.p, h.len);
		tmp[h.len] = '\0';
		if (!host_ok(tmp))
			return ERR_INVAL;
	}
	buf_addstr(host, h);
	*port = p.p ? (int)v : (tls ? 465 : 25);
	*implicit_tls = tls;
	return 0;
}

/* --- Formatting --------------------------------------------------------- */

static bool
needs_encoded_word(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80)
			return true;
	/* Plain text that looks like an encoded-word would be decoded. */
	return strstr(s, "=?") != NULL;
}

/* RFC 2047 B encoding, split only between UTF-8 characters, folded onto
 * continuation lines; each line within EWORD_LINE, the first after the
 * col characters already on it ("Subject: "): a word carries 3 bytes for
 * every 4 base64 characters that fit. */
static void
add_encoded_words(struct buf *out, const char *s, size_t col)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	ASSERT(col + EWORD_FRAME + 8 <= EWORD_LINE);
	while (i < n) {
		size_t room = (EWORD_LINE - (i > 0 ? 1 : col) - EWORD_FRAME) /
		    4 * 3, take = 0, k;

		while (i + take < n) {
			k = utf8_seq(p + i + take, n - i - take);
			ASSERT(k > 0);
			if (take + k > room)
				break;
			take += k;
		}
		if (i > 0)
			buf_adds(out, "\r\n ");
		buf_adds(out, "=?UTF-8?B?");
		crypto_b64_encode_mime(p + i, take, out);
		buf_adds(out, "?=");
		i += take;
	}
}

/* A display name: encoded-words after col characters, else a quoted
 * string. */
static void
add_phrase(struct buf *out, const char *name, size_t col)
{
	const char *p;

	if (needs_encoded_word(name)) {
		add_encoded_words(out, name, col);
		return;
	}
	buf_addch(out, '"');
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addch(out, '\\');
		buf_addch(out, *p);
	}
	buf_addch(out, '"');
}

static void
add_date(struct buf *out, time_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	struct tm *ok = gmtime_r(&now, &tm);

	ASSERT(ok != NULL);
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The next line of body from *pos: its extent, and *pos moved past the
 * line end (\r\n, \n or a lone \r).  False at the end of the body. */
static bool
next_line(const char *body, size_t n, size_t *pos, struct str *line)
{
	size_t i = *pos;

	if (i >= n)
		return false;
	while (i < n && body[i] != '\n' && body[i] != '\r')
		i++;
	*line = (struct str){ body + *pos, i - *pos };
	if (i < n && body[i] == '\r') {
		i++;
		if (i < n && body[i] == '\n')
			i++;
	} else if (i < n) {
		i++;
	}
	*pos = i;
	return true;
}

static bool
body_is_7bit(const char *body, size_t n)
{
	struct str line;
	size_t pos = 0, i;

	while (next_line(body, n, &pos, &line)) {
		if (line.len > LINE_MAX_7BIT)
			return false;
		for (i = 0; i < line.len; i++) {
			unsigned char c = (unsigned char)line.p[i];

			if ((c < 0x20 && c != '\t') || c >= 0x7f)
				return false;
		}
	}
	return true;
}

static void
add_body_7bit(struct buf *out, const char *body, size_t n)
{
	struct str line;
	size_t pos = 0;

	while (next_line(body, n, &pos, &line)) {
		buf_addstr(out, line);
		buf_adds(out, "\r\n");
	}
}

/* RFC 2045 section 6.7: quoted-printable, lines of at most 76. */
static void
add_body_qp(struct buf *out, const char *body, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	struct str line;
	size_t pos = 0, i;

	while (next_line(body, n, &pos, &line)) {
		size_t col = 0;

		for (i = 0; i < line.len; i++) {
			unsigned char c = (unsigned char)line.p[i];
			bool last = i + 1 == line.len;
			bool lit = (c >= 33 && c <= 126 && c != '=') ||
			    ((c == ' ' || c == '\t') && !last);
			size_t w = lit ? 1 : 3;

			/* Room for the soft break's '=' on this line. */
			if (col + w > QP_LINE - 1 && !(last && col + w <= QP_LINE)) {
				buf_adds(out, "=\r\n");
				col = 0;
			}
			if (lit) {
				buf_addch(out, (char)c);
			} else {
				buf_addch(out, '=');
				buf_addch(out, hex[c >> 4]);
				buf_addch(out, hex[c & 15]);
			}
			col += w;
		}
		buf_adds(out, "\r\n");
	}
}

/* The body and an iCalendar object as multipart/alternative (RFC 6047
 * 2.4: calendar programs take the text/calendar part, mail programs show
 * the text).  The calendar goes quoted-printable: it may hold UTF-8. */
static int
add_with_calendar(const struct mail_config *cfg, const char *body,
    size_t blen, bool seven, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	const char *m = cfg->calendar_method;
	size_t clen = strlen(cfg->calendar), i;
	unsigned char rnd[12];
	char bound[2 * sizeof(rnd) + 1];

	if (m == NULL || (strcmp(m, "REQUEST") != 0 && strcmp(m, "CANCEL") != 0 &&
	    strcmp(m, "PUBLISH") != 0) || clen > LIMIT_MAIL_CALENDAR ||
	    !utf8_valid(cfg->calendar, clen))
		return ERR_INVAL;
	crypto_random(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++) {
		bound[2 * i] = hex[rnd[i] >> 4];
		bound[2 * i + 1] = hex[rnd[i] & 15];
	}
	bound[2 * sizeof(rnd)] = '\0';
	buf_printf(out, "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"infuus-%s\"\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n--infuus-%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: %s\r\n\r\n", bound, bound,
	    seven ? "7bit" : "quoted-printable");
	if (seven)
		add_body_7bit(out, body, blen);
	else
		add_body_qp(out, body, blen);
	buf_printf(out, "\r\n--infuus-%s\r\n"
	    "Content-Type: text/calendar; charset=utf-8; method=%s\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", bound, m);
	add_body_qp(out, cfg->calendar, clen);
	buf_printf(out, "\r\n--infuus-%s--\r\n", bound);
	return 0;
}

int
mail_format(const struct mail_config *cfg, const char *to,
    const char *subject, const char *body, time_t now, struct buf *out)
{
	unsigned char id[16];
	size_t blen = strlen(body);
	bool seven;

	if (!mail_address_ok(cfg->from) || !mail_address_ok(to) ||
	    !header_value_ok(subject) ||
	    (cfg->from_name && !header_value_ok(cfg->from_name)))
		return ERR_INVAL;
	if (blen > LIMIT_MAIL_BODY || !utf8_valid(body, blen))
		return ERR_INVAL;
	add_date(out, now);
	buf_adds(out, "From: ");
	if (cfg->from_name) {
		add_phrase(out, cfg->from_name, strlen("From: "));
		/* The address on a line of its own after encoded-words, which
		 * keep their lines within EWORD_LINE. */
		buf_printf(out, "%s<%s>\r\n", needs_encoded_word(
		    cfg->from_name) ? "\r\n " : " ", cfg->from);
	} else {
		buf_printf(out, "%s\r\n", cfg->from);
	}
	buf_printf(out, "To: %s\r\n", to);
	buf_adds(out, "Subject: ");
	if (needs_encoded_word(subject))
		add_encoded_words(out, subject, strlen("Subject: "));
	else
		buf_adds(out, subject);
	buf_adds(out, "\r\nMessage-ID: <");
	crypto_random(id, sizeof(id));
	crypto_b64_encode(id, sizeof(id), out);
	buf_printf(out, "@%s>\r\n", strchr(cfg->from, '@') + 1);
	seven = body_is_7bit(body, blen);
	if (cfg->calendar != NULL)
		return add_with_calendar(cfg, body, blen, seven, out);
	buf_printf(out, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: %s\r\n"
	    /* RFC 3834: no vacation replies to our notifications. */
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n", seven ? "7bit" : "quoted-printable");
	if (seven)
		add_body_7bit(out, body, blen);
	else
		add_body_qp(out, body, blen);
	return 0;
}

/* --- Sending ------------------------------------------------------------ */

struct upload {
	const char *p;
	size_t len, off;
};

static size_t
read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t room = size * nmemb, n = u->len - u->off;

	if (n > room)
		n = room;
	memcpy(dst, u->p + u->off, n);
	u->off += n;
	return n;
}

int
mail_send(const struct mail_config *cfg, const char *to, const char *subject,
    const char *body)
{
	struct buf msg = BUF_INIT, url = BUF_INIT, env = BUF_INIT;
	struct curl_slist *rcpt = NULL;
	struct upload up;
	CURL *h = NULL;
	CURLcode cc;
	long timeout, code = 0;
	int port, rc;

	if (cfg->host == NULL || !host_ok(cfg->host) || cfg->port < 0 ||
	    cfg->port > 65535 || cfg->timeout_ms < 0)
		return ERR_INVAL;
	if (cfg->user && cfg->tls != MAIL_TLS_REQUIRE &&
	    cfg->tls != MAIL_TLS_IMPLICIT && !host_loopback(cfg->host)) {
		log_err("mail_refused", "host=%s reason=\"credentials without "
		    "required TLS\"", cfg->host);
		return ERR_INVAL;
	}
	if ((rc = mail_format(cfg, to, subject, body, time(NULL), &msg)) != 0)
		return rc;
	port = cfg->port ? cfg->port : cfg->tls == MAIL_TLS_IMPLICIT ? 465 : 25;
	timeout = cfg->timeout_ms ? cfg->timeout_ms : LIMIT_MAIL_TIMEOUT_MS;
	/* The path is the name we greet with (EHLO): the sender's domain. */
	buf_printf(&url, "%s://%s:%d/%s",
	    cfg->tls == MAIL_TLS_IMPLICIT ? "smtps" : "smtp", cfg->host, port,
	    strchr(cfg->from, '@') + 1);
	buf_printf(&env, "<%s>", to);
	rcpt = curl_slist_append(NULL, env.p);
	buf_reset(&env);
	buf_printf(&env, "<%s>", cfg->from);
	up = (struct upload){ msg.p, msg.len, 0 };

	h = curl_easy_init();
	if (h == NULL || rcpt == NULL) {
		rc = ERR_MAIL;
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url.p);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, env.p);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
	switch (cfg->tls) {
	case MAIL_TLS_NONE:
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
		break;
	case MAIL_TLS_TRY:
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
		break;
	case MAIL_TLS_REQUIRE:
	case MAIL_TLS_IMPLICIT:
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		break;
	}
	if (cfg->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD,
		    cfg->password ? cfg->password : "");
	}
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		log_warn("mail_failed", "host=%s port=%d error=\"%s\" reply=%ld",
		    cfg->host, port, curl_easy_strerror(cc), code);
		rc = ERR_MAIL;
		goto out;
	}
	rc = 0;
out:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	buf_release(&msg);
	buf_release(&url);
	buf_release(&env);
	return rc;
}
