/*
 * parse.c - request parsers: path, urlencoded pairs, cookies, media types,
 * multipart bodies, Accept.
 *
 * Pure functions over (pointer, length) into an arena; they never read a
 * byte past the length they were given and never trust a NUL, so the same
 * code runs under the fuzzers in fuzz/.  Limits come from core/limits.h or
 * from the caller (the route's body limit).  Items are counted before the
 * arrays for them are allocated, so a hostile count costs no memory.
 */
#include "http/parse.h"

#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "core/banned.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* --- path --------------------------------------------------------------- */

int
http_parse_path(struct arena *a, struct str raw, const char **out)
{
	const unsigned char *p = (const unsigned char *)raw.p;
	size_t i, n = 0, nseg = 0, seg;
	char *d;
	int hi, lo;
	unsigned char c;

	if (raw.len == 0 || p[0] != '/')
		return ERR_PARSE;
	if (raw.len > LIMIT_PATH)
		return ERR_TOOBIG;
	for (i = 0; i < raw.len; i++)
		if (p[i] == '/' && ++nseg > LIMIT_PATH_SEGMENTS)
			return ERR_TOOMANY;
	d = arena_alloc(a, raw.len + 1);
	for (i = 0; i < raw.len; i++) {
		c = p[i];
		/* Raw spaces, controls and '#' are never part of a path;
		 * other characters browsers leave unencoded ('|', '^', raw
		 * UTF-8) are read as themselves. */
		if (c <= 0x20 || c == 0x7f || c == '#')
			return ERR_PARSE;
		if (c == '%') {
			if (raw.len - i < 3 || (hi = hexval(p[i + 1])) < 0 ||
			    (lo = hexval(p[i + 2])) < 0)
				return ERR_PARSE;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c == '/' || is_ctl(c))
				return ERR_PARSE;
		}
		d[n++] = (char)c;
	}
	d[n] = '\0';
	if (!utf8_valid(d, n))
		return ERR_PARSE;
	/* No "." or ".." segment: the static files and anything else that
	 * maps a path onto names must never climb out. */
	for (i = 1, seg = 1; i <= n; i++) {
		if (i < n && d[i] != '/')
			continue;
		if ((i - seg == 1 && d[seg] == '.') ||
		    (i - seg == 2 && d[seg] == '.' && d[seg + 1] == '.'))
			return ERR_PARSE;
		seg = i + 1;
	}
	*out = d;
	return 0;
}

/* --- urlencoded ----------------------------------------------------------- */

/* Decode one urlencoded name or value into the arena: '+' is a space,
 * %XX a byte; the result must be UTF-8 without NUL. */
static int
form_decode(struct arena *a, struct str s, const char **out, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i, n = 0;
	char *d = arena_alloc(a, s.len + 1);
	int hi, lo;
	unsigned char c;

	for (i = 0; i < s.len; i++) {
		c = p[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (s.len - i < 3 || (hi = hexval(p[i + 1])) < 0 ||
			    (lo = hexval(p[i + 2])) < 0)
				return ERR_PARSE;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c == 0)
			return ERR_PARSE;
		d[n++] = (char)c;
	}
	d[n] = '\0';
	if (!utf8_valid(d, n))
		return ERR_PARSE;
	*out = d;
	if (len)
		*len = n;
	return 0;
}

int
http_parse_urlencoded(struct arena *a, struct str s, size_t max,
    struct kv **out, size_t *n)
{
	struct str rest, item, name, val;
	struct kv *kv = NULL;
	size_t count = 0, k = 0;
	int rc;

	/* First count, so a body of a million '&'s allocates nothing. */
	rest = s;
	while (rest.len) {
		str_cut(rest, '&', &item, &rest);
		str_cut(item, '=', &name, &val);
		if (name.len && ++count > max)
			return ERR_TOOMANY;
	}
	if (count)
		kv = arena_calloc(a, count, sizeof(*kv));
	rest = s;
	while (rest.len) {
		str_cut(rest, '&', &item, &rest);
		str_cut(item, '=', &name, &val);
		if (name.len == 0)
			continue;
		if ((rc = form_decode(a, name, &kv[k].key, NULL)) != 0 ||
		    (rc = form_decode(a, val, &kv[k].val, &kv[k].vlen)) != 0)
			return rc;
		k++;
	}
	ASSERT(k == count);
	*out = kv;
	*n = count;
	return 0;
}

/* --- cookies -------------------------------------------------------------- */

static struct str
trim_ows(struct str s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

static bool
has_ctl(struct str s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (is_ctl((unsigned char)s.p[i]))
			return true;
	return false;
}

/* One cookie item: false when it is to be skipped. */
static bool
cookie_item(struct str item, struct str *name, struct str *val)
{
	if (!str_cut(item, '=', name, val))
		return false;
	*name = trim_ows(*name);
	*val = trim_ows(*val);
	if (name->len == 0 || has_ctl(*name) || has_ctl(*val))
		return false;
	if (val->len >= 2 && val->p[0] == '"' && val->p[val->len - 1] == '"') {
		val->p++;
		val->len -= 2;
	}
	return true;
}

int
http_parse_cookies(struct arena *a, struct str s, struct kv **out, size_t *n)
{
	struct str rest, item, name, val;
	struct kv *kv = NULL;
	size_t count = 0, k = 0;

	rest = s;
	while (rest.len) {
		str_cut(rest, ';', &item, &rest);
		if (cookie_item(item, &name, &val) && ++count > LIMIT_COOKIES)
			return ERR_TOOMANY;
	}
	if (count)
		kv = arena_calloc(a, count, sizeof(*kv));
	rest = s;
	while (rest.len) {
		str_cut(rest, ';', &item, &rest);
		if (!cookie_item(item, &name, &val))
			continue;
		kv[k].key = arena_strz(a, name);
		kv[k].val = arena_strz(a, val);
		kv[k].vlen = val.len;
		k++;
	}
	ASSERT(k == count);
	*out = kv;
	*n = count;
	return 0;
}

/* --- media types and parameters ------------------------------------------ */

const char *
http_media_type(struct arena *a, struct str header)
{
	struct str type, params;
	char *d;
	size_t i;

	str_cut(header, ';', &type, &params);
	type = trim_ows(type);
	d = arena_strz(a, type);
	for (i = 0; i < type.len; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] - 'A' + 'a');
	return d;
}

static bool
is_tchar(unsigned char c)
{
	/* RFC 9110 token characters. */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * The next "; name=value" parameter of a header value.  *rest starts
 * after the main value and is advanced.  Returns 1 with name and value
 * (quotes removed; a quoted value ends at the next '"', as browsers write
 * them, with no backslash escapes), 0 at the end, ERR_PARSE when
 * malformed.
 */
static int
next_param(struct str *rest, struct str *name, struct str *val)
{
	struct str s = trim_ows(*rest);
	size_t i = 0;
	const char *q;

	if (s.len == 0)
		return 0;
	if (s.p[0] != ';')
		return ERR_PARSE;
	s.p++;
	s.len--;
	s = trim_ows(s);
	if (s.len == 0)
		return 0; /* a trailing ';' */
	while (i < s.len && is_tchar((unsigned char)s.p[i]))
		i++;
	*name = (struct str){ s.p, i };
	if (i == 0 || i == s.len || s.p[i] != '=')
		return ERR_PARSE;
	s.p += i + 1;
	s.len -= i + 1;
	if (s.len && s.p[0] == '"') {
		if ((q = memchr(s.p + 1, '"', s.len - 1)) == NULL)
			return ERR_PARSE;
		*val = (struct str){ s.p + 1, (size_t)(q - s.p - 1) };
		s.len -= (size_t)(q + 1 - s.p);
		s.p = q + 1;
	} else {
		for (i = 0; i < s.len && is_tchar((unsigned char)s.p[i]); i++)
			;
		*val = (struct str){ s.p, i };
		s.p += i;
		s.len -= i;
	}
	*rest = s;
	return 1;
}

static bool
is_bchar(unsigned char c)
{
	/* RFC 2046 section 5.1.1: bcharsnospace and the space. */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("'()+_,-./:=? ", c) != NULL;
}

int
http_multipart_boundary(struct str header, struct str *out)
{
	struct str type, rest, name, val, found = STR_NULL;
	size_t i;
	int rc;

	if (!str_cut(header, ';', &type, &rest))
		return ERR_PARSE;
	rest = (struct str){ rest.p - 1, rest.len + 1 }; /* keep the ';' */
	while ((rc = next_param(&rest, &name, &val)) == 1) {
		if (!str_caseeqc(name, "boundary"))
			continue;
		if (found.p != NULL)
			return ERR_PARSE;
		found = val;
	}
	if (rc < 0 || found.p == NULL || found.len == 0 || found.len > 70 ||
	    found.p[found.len - 1] == ' ')
		return ERR_PARSE;
	for (i = 0; i < found.len; i++)
		if (!is_bchar((unsigned char)found.p[i]))
			return ERR_PARSE;
	*out = found;
	return 0;
}

/* --- multipart ------------------------------------------------------------ */

/* Growable arrays in the arena; the old block is left behind (the
 * doubling keeps the waste under the final size). */
static void *
grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t sz)
{
	void *p;

	if (n < *cap)
		return arr;
	*cap = *cap ? st_mul(*cap, 2) : 8;
	p = arena_calloc(a, *cap, sz);
	if (n)
		memcpy(p, arr, n * sz);
	return p;
}

struct part {
	struct str name;
	struct str filename;
	struct str type;
	bool has_name;
	bool has_filename;
	bool has_type;
};

static int
part_disposition(struct str v, struct part *pt)
{
	struct str type, rest, name, val;
	size_t i = 0;
	int rc;

	v = trim_ows(v);
	while (i < v.len && is_tchar((unsigned char)v.p[i]))
		i++;
	type = (struct str){ v.p, i };
	rest = (struct str){ v.p + i, v.len - i };
	if (!str_caseeqc(type, "form-data"))
		return ERR_PARSE;
	while ((rc = next_param(&rest, &name, &val)) == 1) {
		if (str_caseeqc(name, "name")) {
			if (pt->has_name)
				return ERR_PARSE;
			pt->name = val;
			pt->has_name = true;
		} else if (str_caseeqc(name, "filename")) {
			if (pt->has_filename)
				return ERR_PARSE;
			pt->filename = val;
			pt->has_filename = true;
		}
		/* filename* (RFC 5987) and others are ignored, as RFC 7578
		 * section 4.2 allows. */
	}
	return rc;
}

static int
part_headers(struct str h, struct part *pt)
{
	struct str rest = h, line, name, val;
	bool seen_disp = false;
	size_t i;
	int rc;

	/* h holds whole lines, each ending in CRLF. */
	while (rest.len) {
		str_cut(rest, '\n', &line, &rest);
		if (line.len < 2 || line.p[line.len - 1] != '\r')
			return ERR_PARSE; /* a bare LF or CR */
		line.len--;
		if (line.p[0] == ' ' || line.p[0] == '\t')
			return ERR_PARSE; /* obsolete folding */
		/* HTAB is allowed in field values; no other control. */
		for (i = 0; i < line.len; i++)
			if (is_ctl((unsigned char)line.p[i]) &&
			    line.p[i] != '\t')
				return ERR_PARSE;
		if (!str_cut(line, ':', &name, &val) || name.len == 0)
			return ERR_PARSE;
		if (str_caseeqc(name, "Content-Disposition")) {
			if (seen_disp)
				return ERR_PARSE;
			seen_disp = true;
			if ((rc = part_disposition(val, pt)) != 0)
				return rc;
		} else if (str_caseeqc(name, "Content-Type")) {
			pt->type = trim_ows(val);
			pt->has_type = true;
		}
	}
	if (!seen_disp || !pt->has_name || pt->name.len == 0)
		return ERR_PARSE;
	return 0;
}

/* A checked, NUL-terminated arena copy of a name from a part header. */
static int
utf8_copy(struct arena *a, struct str s, const char **out)
{
	if (memchr(s.p, '\0', s.len) != NULL || !utf8_valid(s.p, s.len))
		return ERR_PARSE;
	*out = arena_strz(a, s);
	return 0;
}

int
http_parse_multipart(struct arena *a, struct str body, struct str boundary,
    size_t max_parts, size_t max_file, struct kv **form, size_t *nform,
    struct upload **up, size_t *nup)
{
	char delim[4 + 70];
	size_t dlen, pos, hend, dstart, parts = 0;
	size_t nf = 0, capf = 0, nu = 0, capu = 0;
	struct kv *f = NULL;
	struct upload *u = NULL;
	struct part pt;
	struct str data;
	const char *hit;
	int rc;

	if (boundary.len == 0 || boundary.len > 70)
		return ERR_PARSE;
	/* The delimiter is CRLF "--" boundary; the first one may open the
	 * body without the CRLF (RFC 2046 section 5.1.1). */
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary.p, boundary.len);
	dlen = 4 + boundary.len;
	if (body.len >= dlen - 2 && memcmp(body.p, delim + 2, dlen - 2) == 0) {
		pos = dlen - 2;
	} else {
		hit = memmem(body.p, body.len, delim, dlen);
		if (hit == NULL)
			return ERR_PARSE;
		pos = (size_t)(hit - body.p) + dlen;
	}
	for (;;) {
		/* Just after a delimiter: "--" closes, else padding + CRLF. */
		if (body.len - pos >= 2 && body.p[pos] == '-' &&
		    body.p[pos + 1] == '-')
			break;
		while (pos < body.len && (body.p[pos] == ' ' ||
		    body.p[pos] == '\t'))
			pos++;
		if (body.len - pos < 2 || body.p[pos] != '\r' ||
		    body.p[pos + 1] != '\n')
			return ERR_PARSE;
		pos += 2;
		if (++parts > max_parts)
			return ERR_TOOMANY;

		/* The part's headers end at an empty line. */
		if (body.len - pos >= 2 && body.p[pos] == '\r' &&
		    body.p[pos + 1] == '\n') {
			hend = pos;
			dstart = pos + 2;
		} else {
			size_t span = body.len - pos;

			if (span > LIMIT_PART_HEADERS + 4)
				span = LIMIT_PART_HEADERS + 4;
			hit = memmem(body.p + pos, span, "\r\n\r\n", 4);
			if (hit == NULL)
				return body.len - pos > LIMIT_PART_HEADERS + 4 ?
				    ERR_TOOBIG : ERR_PARSE;
			hend = (size_t)(hit - body.p) + 2;
			dstart = hend + 2;
		}
		memset(&pt, 0, sizeof(pt));
		if ((rc = part_headers((struct str){ body.p + pos,
		    hend - pos }, &pt)) != 0)
			return rc;

		hit = memmem(body.p + dstart, body.len - dstart, delim, dlen);
		if (hit == NULL)
			return ERR_PARSE; /* truncated */
		data = (struct str){ body.p + dstart,
		    (size_t)(hit - body.p) - dstart };
		pos = (size_t)(hit - body.p) + dlen;

		if (pt.has_filename) {
			if (data.len > max_file)
				return ERR_TOOBIG;
			u = grow(a, u, nu, &capu, sizeof(*u));
			if ((rc = utf8_copy(a, pt.name, &u[nu].field)) != 0 ||
			    (rc = utf8_copy(a, pt.filename,
			    &u[nu].filename)) != 0 ||
			    (rc = utf8_copy(a, pt.has_type ? pt.type :
			    STR("application/octet-stream"), &u[nu].type)) != 0)
				return rc;
			u[nu].data = data.p;
			u[nu].len = data.len;
			nu++;
		} else {
			f = grow(a, f, nf, &capf, sizeof(*f));
			if ((rc = utf8_copy(a, pt.name, &f[nf].key)) != 0 ||
			    (rc = utf8_copy(a, data, &f[nf].val)) != 0)
				return rc;
			f[nf].vlen = data.len;
			nf++;
		}
	}
	*form = f;
	*nform = nf;
	*up = u;
	*nup = nu;
	return 0;
}

/* --- Accept --------------------------------------------------------------- */

/* A q-value as thousandths (RFC 9110 section 12.4.2); -1 if malformed. */
static int
qvalue(struct str v)
{
	int q, scale = 100;
	size_t i;

	if (v.len == 0 || (v.p[0] != '0' && v.p[0] != '1'))
		return -1;
	q = (v.p[0] - '0') * 1000;
	if (v.len == 1)
		return q;
	if (v.p[1] != '.' || v.len > 5)
		return -1;
	for (i = 2; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		q += (v.p[i] - '0') * scale;
		scale /= 10;
	}
	return q > 1000 ? -1 : q;
}

bool
http_accept_json(struct str accept)
{
	struct str rest = accept, item, type, params, name, val;
	int qj = 0, qh = 0, q, rc;
	size_t pos = 0, posj = 0, posh = 0;

	while (rest.len) {
		str_cut(rest, ',', &item, &rest);
		pos++;
		item = trim_ows(item);
		str_cut(item, ';', &type, &params);
		type = trim_ows(type);
		params = (struct str){ params.p - 1, params.len + 1 };
		q = 1000;
		if (item.len > type.len) {
			while ((rc = next_param(&params, &name, &val)) == 1)
				if (str_caseeqc(name, "q"))
					q = qvalue(val);
			if (rc < 0 || q < 0)
				continue;
		}
		if (str_caseeqc(type, "application/json") && posj == 0) {
			qj = q;
			posj = pos;
		} else if (str_caseeqc(type, "text/html") && posh == 0) {
			qh = q;
			posh = pos;
		}
	}
	if (qj == 0)
		return false;
	return qj > qh || (qj == qh && posj < posh);
}

unsigned
http_method_parse(const char *name)
{
	static const struct {
		const char *name;
		unsigned m;
	} methods[] = {
		{ "GET", HTTP_GET },
		{ "HEAD", HTTP_HEAD },
		{ "POST", HTTP_POST },
		{ "PUT", HTTP_PUT },
		{ "DELETE", HTTP_DELETE },
		{ "PATCH", HTTP_PATCH },
	};
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(name, methods[i].name) == 0)
			return methods[i].m;
	return 0;
}
