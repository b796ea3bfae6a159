/*
 * test_smtp.c - e-mail over SMTP against a real server on loopback.
 *
 * The server is tests/unit/smtp_sink.py (aiosmtpd), started per group on a
 * port the kernel picks.  It stores what it received, and also decodes it
 * with Python's email package, so our RFC 2047 and quoted-printable output
 * is checked by an implementation we did not write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "mail/smtp.h"
#include "testsmtp.h"

static int
group_setup(void **state)
{
	struct testsmtp *s = calloc(1, sizeof(*s));

	if (testsmtp_start(s, NULL, NULL) != 0) {
		testsmtp_stop(s);
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int
group_teardown(void **state)
{
	struct testsmtp *s = *state;

	testsmtp_stop(s);
	free(s);
	return 0;
}

static struct mail_config
cfg_for(const struct testsmtp *s)
{
	return (struct mail_config){
		.host = "127.0.0.1",
		.port = s->port,
		.from = "noreply@infuus.test",
		.from_name = "Infuus",
		.tls = MAIL_TLS_NONE,
		.timeout_ms = 10000,
	};
}

/* Every line ends in CRLF; no line (without CRLF) longer than max. */
static void
assert_crlf_lines(const char *p, size_t len, size_t max)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			assert_true(i > 0 && p[i - 1] == '\r');
			col = 0;
		} else if (p[i] == '\r') {
			assert_true(i + 1 < len && p[i + 1] == '\n');
		} else {
			col++;
			if (col > max)
				fail_msg("line longer than %zu at byte %zu", max, i);
		}
	}
	assert_int_equal(col, 0);
}

/* --- Formatting, without a server --------------------------------------- */

static void
format_has_rfc5322_headers_and_crlf(void **state)
{
	struct mail_config cfg = {
		.host = "127.0.0.1", .from = "noreply@infuus.test",
	};
	struct buf m = BUF_INIT;
	const char *hdr_end;

	(void)state;
	assert_int_equal(mail_format(&cfg, "kees@example.org", "New message",
	    "Hello.\nThere is a new message for you.\n", 1700000000, &m), 0);
	assert_non_null(strstr(m.p, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	assert_non_null(strstr(m.p, "\r\nFrom: noreply@infuus.test\r\n"));
	assert_non_null(strstr(m.p, "\r\nTo: kees@example.org\r\n"));
	assert_non_null(strstr(m.p, "\r\nSubject: New message\r\n"));
	assert_non_null(strstr(m.p, "\r\nMessage-ID: <"));
	assert_non_null(strstr(m.p, "@infuus.test>\r\n"));
	assert_non_null(strstr(m.p, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(m.p,
	    "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(m.p, "\r\nContent-Transfer-Encoding: 7bit\r\n"));
	hdr_end = strstr(m.p, "\r\n\r\n");
	assert_non_null(hdr_end);
	assert_string_equal(hdr_end + 4,
	    "Hello.\r\nThere is a new message for you.\r\n");
	assert_crlf_lines(m.p, m.len, 78);
	buf_release(&m);
}

static void
format_encodes_utf8_subject_and_long_or_8bit_body(void **state)
{
	struct mail_config cfg = {
		.host = "127.0.0.1", .from = "noreply@infuus.test",
		.from_name = "Infuus \xe2\x80\x94 coaching",
	};
	struct buf m = BUF_INIT, body = BUF_INIT;
	const char *p, *q;
	int i;

	(void)state;
	buf_adds(&body, "caf\xc3\xa9 = ok\n");
	for (i = 0; i < 30; i++)
		buf_adds(&body, "lange regel ");
	buf_adds(&body, "\n");
	assert_int_equal(mail_format(&cfg, "kees@example.org",
	    "\xc3\x89\xc3\xa9n nieuw bericht van je coach, met een onderwerp dat "
	    "zo lang is dat het over meerdere gecodeerde woorden gaat \xe2\x9c\x93",
	    body.p, 1700000000, &m), 0);
	assert_non_null(strstr(m.p, "\r\nSubject: =?UTF-8?B?"));
	assert_non_null(strstr(m.p, "\r\nFrom: =?UTF-8?B?"));
	assert_non_null(strstr(m.p, "?=\r\n <noreply@infuus.test>\r\n"));
	/* Several words on folded lines, each line that holds one at most 76
	 * characters (RFC 2047), "Subject: " and "From: " included. */
	p = strstr(m.p, "\r\nSubject: ") + 2;
	for (i = 0; ; i++) {
		q = strstr(p, "?=");
		assert_non_null(q);
		assert_true(q + 2 - p <= 76);
		if (strncmp(q + 2, "\r\n =?UTF-8?B?", 13) != 0)
			break;
		p = q + 4;
	}
	assert_true(i >= 2);
	p = strstr(m.p, "\r\nFrom: ") + 2;
	q = strstr(p, "?=");
	assert_true(q + 2 - p <= 76);
	assert_non_null(strstr(m.p,
	    "\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
	p = strstr(m.p, "\r\n\r\n") + 4;
	assert_true(strncmp(p, "caf=C3=A9 =3D ok\r\n", 18) == 0);
	assert_crlf_lines(p, strlen(p), 76);
	buf_release(&m);
	buf_release(&body);
}

static void
header_injection_is_refused(void **state)
{
	struct testsmtp *s = *state;
	struct mail_config cfg = cfg_for(s);
	struct buf m = BUF_INIT;
	int before = testsmtp_count(s);
	const char *bad_to[] = {
		"kees@example.org\r\nBcc: evil@example.org",
		"kees@example.org>\r\nRCPT TO:<evil@example.org",
		"kees@example.org\nBcc: evil@example.org",
		"kees@example.org\r",
		"kees@example.org, evil@example.org",
		"Kees <kees@example.org>",
		"kees @example.org",
		"\"k\"@example.org",
		"k\xc3\xa9@example.org",
	};
	const char *bad_subject[] = {
		"Hoi\r\nBcc: evil@example.org",
		"Hoi\nBcc: evil@example.org",
		"Hoi\rBcc: evil@example.org",
		"Hoi\tdaar",
		"bad utf-8 \xc3\x28",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		assert_int_equal(mail_format(&cfg, bad_to[i], "Hoi", "x", 0, &m),
		    ERR_INVAL);
		assert_int_equal(mail_send(&cfg, bad_to[i], "Hoi", "x"), ERR_INVAL);
	}
	for (i = 0; i < sizeof(bad_subject) / sizeof(bad_subject[0]); i++)
		assert_int_equal(mail_send(&cfg, "kees@example.org", bad_subject[i],
		    "x"), ERR_INVAL);
	cfg.from_name = "Infuus\r\nBcc: evil@example.org";
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"),
	    ERR_INVAL);
	cfg = cfg_for(s);
	cfg.from = "noreply@infuus.test\r\nRCPT TO:<evil@example.org>";
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"),
	    ERR_INVAL);
	assert_int_equal(m.len, 0);
	/* Nothing reached the server. */
	assert_int_equal(testsmtp_count(s), before);
	buf_release(&m);
}

static void
addresses_and_urls_are_checked(void **state)
{
	const char *good[] = {
		"a@b.nl", "kees.de.vries+coach@mail.example.org",
		"x_y-z@sub-domain.example.co.uk",
	};
	const char *bad[] = {
		"", "a", "@b.nl", "a@", "a@@b.nl", "a@b@c.nl", ".a@b.nl", "a.@b.nl",
		"a..b@c.nl", "a@-b.nl", "a@b-.nl", "a@b..nl", "a@b.nl.", "a@b_c.nl",
		"a<b@c.nl", "a@[127.0.0.1]",
	};
	struct buf host = BUF_INIT;
	bool tls = true;
	int port = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(mail_address_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mail_address_ok(bad[i]))
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(mail_url_parse("smtp://127.0.0.1:2525", &host, &port,
	    &tls), 0);
	assert_string_equal(host.p, "127.0.0.1");
	assert_int_equal(port, 2525);
	assert_false(tls);
	buf_reset(&host);
	assert_int_equal(mail_url_parse("smtps://mail.example.org/", &host,
	    &port, &tls), 0);
	assert_string_equal(host.p, "mail.example.org");
	assert_int_equal(port, 465);
	assert_true(tls);
	buf_reset(&host);
	assert_int_equal(mail_url_parse("smtp://[::1]:25", &host, &port, &tls),
	    0);
	assert_string_equal(host.p, "[::1]");
	buf_reset(&host);
	assert_int_equal(mail_url_parse("http://x.nl", &host, &port, &tls),
	    ERR_INVAL);
	assert_int_equal(mail_url_parse("smtp://x.nl:0", &host, &port, &tls),
	    ERR_INVAL);
	assert_int_equal(mail_url_parse("smtp://x.nl:99999", &host, &port, &tls),
	    ERR_INVAL);
	assert_int_equal(mail_url_parse("smtp://u:p@x.nl", &host, &port, &tls),
	    ERR_INVAL);
	assert_int_equal(mail_url_parse("smtp://x.nl/helo", &host, &port, &tls),
	    ERR_INVAL);
	assert_int_equal(mail_url_parse("smtp://", &host, &port, &tls),
	    ERR_INVAL);
	assert_int_equal(host.len, 0);
	buf_release(&host);
}

/* --- Against the server ------------------------------------------------- */

static void
send_delivers_headers_and_body_intact(void **state)
{
	struct testsmtp *s = *state;
	struct mail_config cfg = cfg_for(s);
	struct buf f = BUF_INIT, body = BUF_INIT, crlf = BUF_INIT;
	const char *subject = "Nieuw bericht van je coach \xe2\x80\x94 "
	    "\xc3\xa9\xc3\xa9n vraag \xe2\x98\x95";
	int n, i;

	buf_adds(&body, "Beste Kees,\n\nEr staat een nieuw bericht klaar.\n"
	    ".een regel die met een punt begint\n.\n..\n"
	    "spatie aan het eind \n"
	    "= is gelijk, caf\xc3\xa9, \xe2\x9c\x93\n");
	for (i = 0; i < 40; i++)
		buf_adds(&body, "lang ");
	buf_adds(&body, "\nGroet,\nInfuus\n");
	n = testsmtp_count(s) + 1;
	assert_int_equal(mail_send(&cfg, "kees@example.org", subject, body.p), 0);
	assert_int_equal(testsmtp_count(s), n);
	testsmtp_file(s, n, "env", &f);
	assert_string_equal(f.p,
	    "noreply@infuus.test\nkees@example.org\nauth=-\ntls=0\n");
	testsmtp_file(s, n, "defects", &f);
	assert_string_equal(f.p, "");
	testsmtp_file(s, n, "subject", &f);
	assert_string_equal(f.p, subject);
	/* Python keeps the CRLF line ends of the wire in the decoded text. */
	testsmtp_file(s, n, "body", &f);
	for (i = 0; i < (int)body.len; i++) {
		if (body.p[i] == '\n')
			buf_addch(&crlf, '\r');
		buf_addch(&crlf, body.p[i]);
	}
	assert_string_equal(f.p, crlf.p);
	testsmtp_file(s, n, "eml", &f);
	assert_true(strncmp(f.p, "Date: ", 6) == 0);
	assert_non_null(strstr(f.p, "\r\nFrom: \"Infuus\" <noreply@infuus.test>\r\n"));
	assert_non_null(strstr(f.p, "\r\nTo: kees@example.org\r\n"));
	assert_non_null(strstr(f.p, "\r\nMessage-ID: <"));
	assert_non_null(strstr(f.p, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(f.p,
	    "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(f.p,
	    "\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
	/* The server got the lines with a leading dot back unstuffed. */
	assert_non_null(strstr(f.p, "\r\n.een regel die met een punt begint\r\n"
	    ".\r\n..\r\n"));
	assert_crlf_lines(f.p, f.len, 998);
	buf_release(&f);
	buf_release(&body);
	buf_release(&crlf);
}

static void
two_messages_get_different_message_ids(void **state)
{
	struct testsmtp *s = *state;
	struct mail_config cfg = cfg_for(s);
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *ia, *ib;
	int n = testsmtp_count(s) + 1;

	assert_int_equal(mail_send(&cfg, "a@example.org", "Een", "1"), 0);
	assert_int_equal(mail_send(&cfg, "b@example.org", "Twee", "2"), 0);
	testsmtp_file(s, n, "eml", &a);
	testsmtp_file(s, n + 1, "eml", &b);
	ia = strstr(a.p, "Message-ID: ");
	ib = strstr(b.p, "Message-ID: ");
	assert_non_null(ia);
	assert_non_null(ib);
	*strchr(ia, '\r') = '\0';
	*strchr(ib, '\r') = '\0';
	assert_string_not_equal(ia, ib);
	buf_release(&a);
	buf_release(&b);
}

static void
send_logs_in_when_configured(void **state)
{
	struct testsmtp *s = *state;
	struct mail_config cfg = cfg_for(s);
	struct buf f = BUF_INIT;
	int n = testsmtp_count(s) + 1;

	cfg.user = "alice";
	cfg.password = "wonderland";
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"), 0);
	testsmtp_file(s, n, "env", &f);
	assert_non_null(strstr(f.p, "\nauth=alice\n"));
	cfg.password = "not-wonderland";
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"),
	    ERR_MAIL);
	assert_int_equal(testsmtp_count(s), n);
	buf_release(&f);
}

static void
credentials_never_go_to_a_remote_host_without_tls(void **state)
{
	struct mail_config cfg = {
		.host = "mail.example.org", .port = 587,
		.from = "noreply@infuus.test", .user = "alice",
		.password = "wonderland", .timeout_ms = 1000,
	};

	(void)state;
	cfg.tls = MAIL_TLS_NONE;
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"),
	    ERR_INVAL);
	cfg.tls = MAIL_TLS_TRY;
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"),
	    ERR_INVAL);
}

static void
required_tls_is_not_skipped_when_the_server_lacks_it(void **state)
{
	struct testsmtp *s = *state;
	struct mail_config cfg = cfg_for(s);
	int n = testsmtp_count(s);

	cfg.tls = MAIL_TLS_REQUIRE;
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"),
	    ERR_MAIL);
	assert_int_equal(testsmtp_count(s), n);
	/* "Try" goes on without it. */
	cfg.tls = MAIL_TLS_TRY;
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"), 0);
	assert_int_equal(testsmtp_count(s), n + 1);
}

static void
starttls_with_verified_certificate(void **state)
{
	struct testsmtp tls;
	struct mail_config cfg;
	struct buf f = BUF_INIT, cmd = BUF_INIT;
	char dir[64], cert[128], key[128];
	int n;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/infuus-cert-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	buf_printf(&cmd, "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
	    "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
	    "-keyout %s -out %s >/dev/null 2>&1", key, cert);
	if (system(cmd.p) != 0) {
		buf_release(&cmd);
		testsmtp_remove_dir(dir);
		skip();
	}
	buf_release(&cmd);
	assert_int_equal(testsmtp_start(&tls, cert, key), 0);
	cfg = cfg_for(&tls);
	cfg.tls = MAIL_TLS_REQUIRE;
	cfg.ca_file = cert;
	cfg.user = "alice";
	cfg.password = "wonderland";
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Over TLS", "x"), 0);
	n = testsmtp_count(&tls);
	assert_int_equal(n, 1);
	testsmtp_file(&tls, 1, "env", &f);
	assert_string_equal(f.p,
	    "noreply@infuus.test\nkees@example.org\nauth=alice\ntls=1\n");
	/* Without our CA the certificate does not verify: no mail. */
	cfg.ca_file = NULL;
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Over TLS", "x"),
	    ERR_MAIL);
	assert_int_equal(testsmtp_count(&tls), 1);
	testsmtp_stop(&tls);
	buf_release(&f);
	testsmtp_remove_dir(dir);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A loopback socket bound to a free port; listening when listen_too. */
static int
loopback_socket(bool listen_too, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	if (listen_too)
		assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static void
unreachable_or_silent_server_is_err_mail_within_timeout(void **state)
{
	struct mail_config cfg = {
		.host = "127.0.0.1", .from = "noreply@infuus.test",
		.timeout_ms = 1000,
	};
	double t0, dt;
	int fd;

	(void)state;
	/* Nobody listens on the port: refused at once. */
	fd = loopback_socket(false, &cfg.port);
	close(fd);
	t0 = now_s();
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"),
	    ERR_MAIL);
	assert_true(now_s() - t0 < 1.0);
	/* Something accepts the connection and never greets: the timeout. */
	fd = loopback_socket(true, &cfg.port);
	t0 = now_s();
	assert_int_equal(mail_send(&cfg, "kees@example.org", "Hoi", "x"),
	    ERR_MAIL);
	dt = now_s() - t0;
	close(fd);
	if (dt < 0.9 || dt > 3.0)
		fail_msg("gave up after %.2f s, expected about 1 s", dt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_has_rfc5322_headers_and_crlf),
		cmocka_unit_test(format_encodes_utf8_subject_and_long_or_8bit_body),
		cmocka_unit_test(header_injection_is_refused),
		cmocka_unit_test(addresses_and_urls_are_checked),
		cmocka_unit_test(send_delivers_headers_and_body_intact),
		cmocka_unit_test(two_messages_get_different_message_ids),
		cmocka_unit_test(send_logs_in_when_configured),
		cmocka_unit_test(credentials_never_go_to_a_remote_host_without_tls),
		cmocka_unit_test(required_tls_is_not_skipped_when_the_server_lacks_it),
		cmocka_unit_test(starttls_with_verified_certificate),
		cmocka_unit_test(unreachable_or_silent_server_is_err_mail_within_timeout),
	};
	int rc;

	if (crypto_init() != 0 || mail_init() != 0)
		return 1;
	rc = cmocka_run_group_tests_name("smtp", tests, group_setup,
	    group_teardown);
	mail_done();
	return rc;
}
