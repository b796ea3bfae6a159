/*
 * turn.c - short-lived TURN credentials (call.h).  The TURN REST scheme
 * coturn implements (use-auth-secret) signs "<expiry>:<user>" with
 * HMAC-SHA1 and a secret the TURN server and this server share; the relay
 * checks the signature and the expiry without asking us.  libsodium has
 * no SHA-1, so it is here (RFC 3174), used for nothing else.
 */
#include "call/call.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/banned.h"

struct sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char block[64];
	size_t used;
};

static uint32_t
rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void
sha1_block(struct sha1 *s, const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0];
	b = s->h[1];
	c = s->h[2];
	d = s->h[3];
	e = s->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDC;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
}

static void
sha1_init(struct sha1 *s)
{
	static const uint32_t h0[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE,
	    0x10325476, 0xC3D2E1F0 };

	memset(s, 0, sizeof(*s));
	memcpy(s->h, h0, sizeof(h0));
}

static void
sha1_update(struct sha1 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	s->len += len;
	while (len > 0) {
		n = 64 - s->used;
		if (n > len)
			n = len;
		memcpy(s->block + s->used, p, n);
		s->used += n;
		p += n;
		len -= n;
		if (s->used == 64) {
			sha1_block(s, s->block);
			s->used = 0;
		}
	}
}

static void
sha1_final(struct sha1 *s, unsigned char out[20])
{
	uint64_t bits = s->len * 8;
	unsigned char pad = 0x80, zero = 0, lenb[8];
	int i;

	sha1_update(s, &pad, 1);
	while (s->used != 56)
		sha1_update(s, &zero, 1);
	for (i = 0; i < 8; i++)
		lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(s, lenb, 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
	sodium_memzero(s, sizeof(*s));
}

void
call_sha1(const void *p, size_t len, unsigned char out[20])
{
	struct sha1 s;

	sha1_init(&s);
	sha1_update(&s, p, len);
	sha1_final(&s, out);
}

void
call_hmac_sha1(const void *key, size_t klen, const void *p, size_t len,
    unsigned char out[20])
{
	unsigned char k[64], pad[64], inner[20];
	struct sha1 s;
	int i;

	memset(k, 0, sizeof(k));
	if (klen > sizeof(k))
		call_sha1(key, klen, k);
	else if (klen > 0)
		memcpy(k, key, klen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha1_init(&s);
	sha1_update(&s, pad, sizeof(pad));
	sha1_update(&s, p, len);
	sha1_final(&s, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha1_init(&s);
	sha1_update(&s, pad, sizeof(pad));
	sha1_update(&s, inner, sizeof(inner));
	sha1_final(&s, out);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
}

void
call_turn_credentials(const char *secret, int64_t user_id, int64_t now,
    int64_t ttl, char *user, size_t ulen, char *pass, size_t plen)
{
	unsigned char mac[20];
	int n;

	n = snprintf(user, ulen, "%lld:%lld", (long long)(now + ttl),
	    (long long)user_id);
	if (n < 0 || (size_t)n >= ulen || plen < sodium_base64_ENCODED_LEN(
	    sizeof(mac), sodium_base64_VARIANT_ORIGINAL)) {
		user[0] = '\0';
		pass[0] = '\0';
		return;
	}
	call_hmac_sha1(secret, strlen(secret), user, (size_t)n, mac);
	sodium_bin2base64(pass, plen, mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(mac, sizeof(mac));
}
