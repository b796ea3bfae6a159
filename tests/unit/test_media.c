/*
 * test_media.c - src/media: every type told by content and a mislabelled
 * file of each refused, the Range header's forms, a file stored in chunks
 * and read back in ranges across their boundaries on both backends, and
 * who may read and change a file (AUTHZ_MEDIA).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "media/media.h"
#include "media/range.h"
#include "media/sniff.h"
#include "store/db.h"
#include "fixture.h"
#include "testdb.h"

/* The start of a file of each type, as real encoders write it. */
static const struct {
	enum media_type t;
	const char *name;
	const char *head;
	size_t len;
} samples[] = {
#define S(t, n, h) { t, n, h, sizeof(h) - 1 }
	S(MEDIA_PNG, "a.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
	S(MEDIA_JPEG, "a.jpg", "\xff\xd8\xff\xe0\0\x10JFIF\0"),
	S(MEDIA_JPEG, "a.JPEG", "\xff\xd8\xff\xe1\0\x10" "Exif\0"),
	S(MEDIA_GIF, "a.gif", "GIF89a\x01\0\x01\0"),
	S(MEDIA_GIF, "b.gif", "GIF87a\x01\0\x01\0"),
	S(MEDIA_WEBP, "a.webp", "RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0"),
	S(MEDIA_MP3, "a.mp3", "ID3\x03\0\0\0\0\x0f\x76TIT2"),
	S(MEDIA_MP3, "b.mp3", "\xff\xfb\x90\x64\0\0\0\0"),
	S(MEDIA_OGG, "a.ogg", "OggS\0\x02\0\0\0\0\0\0\0\0\x01\x02\x03\x04"),
	S(MEDIA_OGG, "a.opus", "OggS\0\x02\0\0\0\0\0\0\0\0\x01\x02\x03\x04"),
	S(MEDIA_WAV, "a.wav", "RIFF\x24\0\0\0WAVEfmt \x10\0\0\0"),
	S(MEDIA_M4A, "a.m4a", "\0\0\0\x20" "ftypM4A \0\0\0\0M4A mp42"),
	S(MEDIA_MP4, "a.mp4", "\0\0\0\x18" "ftypisom\0\0\x02\0isomiso2"),
	S(MEDIA_MP4, "b.m4v", "\0\0\0\x18" "ftypmp42\0\0\0\0mp42isom"),
	S(MEDIA_WEBM, "a.webm", "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42"
	    "\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"),
	S(MEDIA_PDF, "a.pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
#undef S
};

static void
every_type_is_told_by_content(void **state)
{
	size_t i;
	enum media_type t;
	struct why w;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		if (media_sniff(samples[i].head, samples[i].len) !=
		    samples[i].t)
			fail_msg("%s: sniffed %d, expected %d", samples[i].name,
			    media_sniff(samples[i].head, samples[i].len),
			    samples[i].t);
		assert_int_equal(media_identify(samples[i].name,
		    samples[i].head, samples[i].len, &t, &w), 0);
		assert_int_equal(t, samples[i].t);
		assert_string_not_equal(media_mime(t),
		    "application/octet-stream");
		assert_int_equal(media_type_from_name(media_type_name(t)), t);
	}
}

static void
mislabelled_files_are_refused_with_a_reason(void **state)
{
	static const char *wrong[] = { "x.mp3", "x.png", "x.pdf", "x.webm" };
	size_t i, k;
	enum media_type t;
	struct why w;

	(void)state;
	/* each sample under a name of another type */
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		for (k = 0; k < 4; k++) {
			const char *ext = strrchr(wrong[k], '.') + 1;

			if (strstr(samples[i].name, ext) != NULL ||
			    (samples[i].t == MEDIA_MP3 && k == 0) ||
			    (samples[i].t == MEDIA_PNG && k == 1) ||
			    (samples[i].t == MEDIA_PDF && k == 2) ||
			    (samples[i].t == MEDIA_WEBM && k == 3))
				continue;
			memset(&w, 0, sizeof(w));
			assert_int_equal(media_identify(wrong[k],
			    samples[i].head, samples[i].len, &t, &w),
			    ERR_MEDIATYPE);
			assert_int_equal(t, MEDIA_NONE);
			assert_string_equal(w.field, "file");
			assert_non_null(strstr(w.msg, "not what its name says"));
			assert_string_equal(w.name, wrong[k]);
		}
	}
	/* no extension, and content of no accepted type */
	assert_int_equal(media_identify("photo", samples[0].head,
	    samples[0].len, &t, &w), ERR_MEDIATYPE);
	assert_int_equal(media_identify("x.png", "MZ\x90\0\3\0\0\0", 8, &t, &w),
	    ERR_MEDIATYPE);
	assert_non_null(strstr(w.msg, "of a kind we accept"));
	/* look-alikes: Matroska is no WebM, a RIFF AVI no WAV, an ftyp of an
	 * unknown brand (HEIC) no MP4, a truncated signature nothing */
	assert_int_equal(media_sniff("\x1a\x45\xdf\xa3\x9f\x42\x82\x88"
	    "matroska", 16), MEDIA_NONE);
	assert_int_equal(media_sniff("RIFF\0\0\0\0AVI LIST", 16), MEDIA_NONE);
	assert_int_equal(media_sniff("\0\0\0\x18" "ftypheic\0\0\0\0", 16),
	    MEDIA_NONE);
	assert_int_equal(media_sniff("\x89PNG\r\n", 6), MEDIA_NONE);
	assert_int_equal(media_sniff("%PDF", 4), MEDIA_NONE);
	assert_int_equal(media_sniff("", 0), MEDIA_NONE);
	assert_int_equal(media_sniff("\xff\xfe\x00\x00", 4), MEDIA_NONE);
}

static enum media_range_result
rng(const char *h, uint64_t size, uint64_t *a, uint64_t *b)
{
	struct media_range r = { 7, 7 };
	enum media_range_result res;

	res = media_range_parse(h, h ? strlen(h) : 0, size, &r);
	*a = r.first;
	*b = r.last;
	return res;
}

static void
range_header_forms(void **state)
{
	uint64_t a, b;

	(void)state;
	/* first bytes, middle, past the end cut, open-ended, suffix */
	assert_int_equal(rng("bytes=0-99", 1000, &a, &b), MEDIA_RANGE_PART);
	assert_true(a == 0 && b == 99);
	assert_int_equal(rng("bytes=100-199", 1000, &a, &b), MEDIA_RANGE_PART);
	assert_true(a == 100 && b == 199);
	assert_int_equal(rng("bytes=900-5000", 1000, &a, &b), MEDIA_RANGE_PART);
	assert_true(a == 900 && b == 999);
	assert_int_equal(rng("bytes=500-", 1000, &a, &b), MEDIA_RANGE_PART);
	assert_true(a == 500 && b == 999);
	assert_int_equal(rng("bytes=-100", 1000, &a, &b), MEDIA_RANGE_PART);
	assert_true(a == 900 && b == 999);
	assert_int_equal(rng("bytes=-5000", 1000, &a, &b), MEDIA_RANGE_PART);
	assert_true(a == 0 && b == 999);
	assert_int_equal(rng("bytes= 5-5 ", 1000, &a, &b), MEDIA_RANGE_PART);
	assert_true(a == 5 && b == 5);
	assert_int_equal(rng("bytes=999-999", 1000, &a, &b), MEDIA_RANGE_PART);
	/* unsatisfiable: starts at or past the end, an empty suffix */
	assert_int_equal(rng("bytes=1000-", 1000, &a, &b),
	    MEDIA_RANGE_UNSATISFIABLE);
	assert_int_equal(rng("bytes=1000-2000", 1000, &a, &b),
	    MEDIA_RANGE_UNSATISFIABLE);
	assert_int_equal(rng("bytes=-0", 1000, &a, &b),
	    MEDIA_RANGE_UNSATISFIABLE);
	assert_int_equal(rng("bytes=0-0", 0, &a, &b),
	    MEDIA_RANGE_UNSATISFIABLE);
	/* ignored: the whole file */
	static const char *ignored[] = {
		NULL, "", "bytes=", "bytes=-", "bytes=5-1", "items=0-5",
		"bytes=0-1,3-4", "bytes=a-b", "bytes=1-2x", "Bytes=0-1",
		"bytes=99999999999999999999-", "bytes=--1", "bytes=0--1",
		"bytes=1 2-3",
	};
	size_t i;

	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (rng(ignored[i], 1000, &a, &b) != MEDIA_RANGE_FULL)
			fail_msg("\"%s\" was not ignored", ignored[i] ?
			    ignored[i] : "(none)");
	/* a longer header than MEDIA_RANGE_MAX_HEADER is not read */
	{
		char h[MEDIA_RANGE_MAX_HEADER + 20];

		memset(h, ' ', sizeof(h));
		memcpy(h, "bytes=0-1", 9);
		h[sizeof(h) - 1] = '\0';
		assert_int_equal(rng(h, 1000, &a, &b), MEDIA_RANGE_FULL);
	}
}

/* --- the database ------------------------------------------------------- */

struct group {
	struct db *db;
	struct keyring *kr;
	int64_t org, org2, pro, client, far;
};

static struct audit_event
ev_by(int64_t org, int64_t who)
{
	struct audit_event ev = {
		.org_id = org, .outcome = AUDIT_SUCCESS, .actor_id = who,
		.role = "professional", .purpose = "care",
		.address = "192.0.2.7", .device = "test", .kind = "media",
		.node = "node-a",
	};

	return ev;
}

static unsigned char *
film(size_t n)
{
	static const char head[] = "\0\0\0\x18" "ftypisom\0\0\x02\0isomiso2";
	unsigned char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + i / 1000);
	memcpy(p, head, sizeof(head) - 1);
	return p;
}

static void
stored_in_chunks_read_in_ranges(void **state)
{
	struct group *g = *state;
	size_t n = 2 * LIMIT_MEDIA_CHUNK + 1001;
	unsigned char *data = film(n), buf[4096];
	struct audit_event ev = ev_by(g->org, g->pro);
	struct media_info m;
	struct media_stream *s;
	struct db_conn *c;
	struct arena a;
	int64_t id = 0;
	uint64_t pos, starts[] = { 0, 1, LIMIT_MEDIA_CHUNK - 10,
	    LIMIT_MEDIA_CHUNK, 2 * LIMIT_MEDIA_CHUNK - 1, n - 3 };
	size_t k;
	long got;

	arena_init(&a);
	assert_int_equal(media_put(g->db, g->org, &ev, "../clip.mp4", data, n,
	    &id, NULL), 0);
	assert_int_equal(testdb_i64(g->db, "SELECT COUNT(*) FROM media_chunks "
	    "WHERE media_id = ?", 1, id, 0), 3);
	assert_int_equal(testdb_i64(g->db, "SELECT MAX(LENGTH(data)) FROM "
	    "media_chunks WHERE media_id = ?", 1, id, 0), LIMIT_MEDIA_CHUNK);
	assert_int_equal(db_read_begin(g->db, &c), 0);
	assert_int_equal(media_info_on(c, id, &a, &m), 0);
	db_read_end(g->db, c);
	assert_int_equal(m.type, MEDIA_MP4);
	assert_int_equal(m.size, n);
	assert_int_equal(m.org_id, g->org);
	assert_string_equal(m.name, "clip.mp4"); /* cleaned */
	assert_int_equal(strlen(m.sha256), 64);
	/* the whole file in reads of 4096, then ranges across chunks */
	s = media_stream_new(g->db, &m, 0, n - 1);
	for (pos = 0; pos < n; pos += (uint64_t)got) {
		got = media_stream_read(s, pos, (char *)buf, sizeof(buf));
		assert_true(got > 0);
		assert_memory_equal(buf, data + pos, (size_t)got);
	}
	assert_int_equal(media_stream_read(s, pos, (char *)buf, 10), 0);
	media_stream_free(s);
	for (k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		uint64_t first = starts[k], last = first + 20 < n ?
		    first + 20 : n - 1, done = 0;

		s = media_stream_new(g->db, &m, first, last);
		while (done < last - first + 1) {
			got = media_stream_read(s, done, (char *)buf, 7);
			assert_true(got > 0 && got <= 7);
			assert_memory_equal(buf, data + first + done,
			    (size_t)got);
			done += (uint64_t)got;
		}
		assert_int_equal(done, last - first + 1);
		assert_int_equal(media_stream_read(s, done, (char *)buf, 7), 0);
		media_stream_free(s);
	}
	/* removed while a stream is open: the stream's next chunk fails */
	s = media_stream_new(g->db, &m, 0, n - 1);
	assert_true(media_stream_read(s, 0, (char *)buf, 10) == 10);
	assert_int_equal(media_delete(g->db, id, &ev, &a, NULL), 0);
	assert_int_equal(media_stream_read(s, LIMIT_MEDIA_CHUNK + 5,
	    (char *)buf, 10), ERR_NOTFOUND);
	media_stream_free(s);
	assert_int_equal(testdb_i64(g->db, "SELECT COUNT(*) FROM media_chunks "
	    "WHERE media_id = ?", 1, id, 0), 0);
	free(data);
	arena_release(&a);
}

static void
refused_files_leave_nothing(void **state)
{
	struct group *g = *state;
	struct audit_event ev = ev_by(g->org, g->pro);
	unsigned char *data = film(1000);
	int64_t before, id = 0;
	struct why w = { 0 };

	before = testdb_i64(g->db, "SELECT COUNT(*) FROM media", 0, 0, 0);
	assert_int_equal(media_put(g->db, g->org, &ev, "clip.mp3", data, 1000,
	    &id, &w), ERR_MEDIATYPE);
	assert_string_equal(w.name, "clip.mp3");
	assert_int_equal(media_put(g->db, g->org, &ev, "clip.mp4", data, 0,
	    &id, &w), ERR_TOOBIG);
	assert_int_equal(media_put(g->db, g->org, &ev, "clip.mp4", data,
	    (size_t)LIMIT_MEDIA_FILE + 1, &id, &w), ERR_TOOBIG);
	assert_int_equal(w.limit, LIMIT_MEDIA_FILE / 1048576);
	assert_int_equal(id, 0);
	assert_int_equal(testdb_i64(g->db, "SELECT COUNT(*) FROM media", 0, 0,
	    0), before);
	free(data);
}

static void
who_may_read_and_change(void **state)
{
	struct group *g = *state;
	struct audit_event ev = ev_by(g->org, g->pro);
	unsigned char *data = film(500);
	struct principal pro = { g->pro, g->org, ROLE_PROFESSIONAL, true };
	struct principal cli = { g->client, g->org, ROLE_CLIENT, true };
	struct principal far = { g->far, g->org2, ROLE_PROFESSIONAL, true };
	int64_t id = 0, logged;

	logged = testdb_i64(g->db, "SELECT COUNT(*) FROM audit_log WHERE "
	    "kind = 'media'", 0, 0, 0);
	assert_int_equal(media_put(g->db, g->org, &ev, "c.mp4", data, 500,
	    &id, NULL), 0);
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_READ, AUTHZ_MEDIA, id),
	    0);
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_DELETE, AUTHZ_MEDIA,
	    id), 0);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_READ, AUTHZ_MEDIA, id),
	    0);
	assert_int_equal(authz_check(g->db, &cli, AUTHZ_DELETE, AUTHZ_MEDIA,
	    id), ERR_FORBIDDEN);
	assert_int_equal(authz_check(g->db, &far, AUTHZ_READ, AUTHZ_MEDIA, id),
	    ERR_NOTFOUND);
	assert_int_equal(authz_check(g->db, &pro, AUTHZ_READ, AUTHZ_MEDIA,
	    id + 1000), ERR_NOTFOUND);
	/* shared: every organisation reads, only its own changes */
	assert_int_equal(media_set_shared(g->db, id, &ev, true), 0);
	assert_int_equal(authz_check(g->db, &far, AUTHZ_READ, AUTHZ_MEDIA, id),
	    0);
	assert_int_equal(authz_check(g->db, &far, AUTHZ_UPDATE, AUTHZ_MEDIA,
	    id), ERR_FORBIDDEN);
	assert_int_equal(media_set_shared(g->db, id, &ev, false), 0);
	assert_int_equal(authz_check(g->db, &far, AUTHZ_READ, AUTHZ_MEDIA, id),
	    ERR_NOTFOUND);
	/* storing, sharing and removing are in the access log */
	assert_int_equal(testdb_i64(g->db, "SELECT COUNT(*) FROM audit_log "
	    "WHERE kind = 'media'", 0, 0, 0), logged + 3);
	free(data);
}

static int
run(const char *name, struct testdb *t)
{
	struct group gr = { 0 };
	int rc, failed = 1;

	gr.db = t->db;
	if (fixture_keyring(t, &gr.kr) != 0)
		goto out;
	if ((rc = org_create(gr.db, gr.kr, "Praktijk", "praktijk",
	    "Europe/Amsterdam", &gr.org)) != 0 ||
	    (rc = org_create(gr.db, gr.kr, "Elders", "elders",
	    "Europe/Amsterdam", &gr.org2)) != 0) {
		fprintf(stderr, "set-up: %s\n", err_msg(rc));
		goto out;
	}
	gr.pro = testdb_add_user(gr.db, "pro@example.org", "Pro");
	gr.client = testdb_add_user(gr.db, "cli@example.org", "Cliënt");
	gr.far = testdb_add_user(gr.db, "far@example.org", "Ver");
	if ((rc = member_add(gr.db, gr.org, gr.pro, ROLE_PROFESSIONAL)) != 0 ||
	    (rc = member_add(gr.db, gr.org, gr.client, ROLE_CLIENT)) != 0 ||
	    (rc = member_add(gr.db, gr.org2, gr.far, ROLE_PROFESSIONAL)) != 0) {
		fprintf(stderr, "members: %s\n", err_msg(rc));
		goto out;
	}
	{
		const struct CMUnitTest tests[] = {
			cmocka_unit_test_prestate(
			    stored_in_chunks_read_in_ranges, &gr),
			cmocka_unit_test_prestate(refused_files_leave_nothing,
			    &gr),
			cmocka_unit_test_prestate(who_may_read_and_change,
			    &gr),
		};

		failed = _cmocka_run_group_tests(name, tests,
		    sizeof(tests) / sizeof(tests[0]), NULL, NULL);
	}
out:
	if (gr.kr)
		keyring_free(gr.kr);
	return failed;
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(every_type_is_told_by_content),
		cmocka_unit_test(mislabelled_files_are_refused_with_a_reason),
		cmocka_unit_test(range_header_forms),
	};

	return fixture_main("media", pure, sizeof(pure) / sizeof(pure[0]), 0,
	    run);
}
