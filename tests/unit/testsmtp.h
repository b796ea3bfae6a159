/*
 * testsmtp.h - a real SMTP server on loopback for the unit tests:
 * tests/unit/smtp_sink.py (aiosmtpd) in a child process, on a port the
 * kernel picks.  For each mail N it receives it writes, in its folder,
 * N.eml (the message as sent), N.env (MAIL FROM, each RCPT TO, "auth=..."
 * and "tls=0|1", one a line) and what Python's email package decoded:
 * N.subject, N.body and N.defects (see smtp_sink.py).
 *
 * testsmtp_count and testsmtp_file assert (cmocka): include <cmocka.h>
 * before this file and call them inside a test.
 */
#ifndef INFUUS_TESTSMTP_H
#define INFUUS_TESTSMTP_H

#include <sys/types.h>

struct buf;

struct testsmtp {
	pid_t pid;
	char dir[64]; /* where the mails land */
	int port;
};

/* Start the server; tls_cert/tls_key (PEM files) NULL for a plain one.
 * 0, or -1 with a message on stderr (is python3-aiosmtpd installed?).
 * Call testsmtp_stop either way. */
int testsmtp_start(struct testsmtp *s, const char *tls_cert,
    const char *tls_key);
/* Stop the server and remove its folder. */
void testsmtp_stop(struct testsmtp *s);
/* How many mails arrived so far. */
int testsmtp_count(const struct testsmtp *s);
/* Mail n's file N.<ext>, NUL-terminated in out: 0, or -1 when there is
 * none.  testsmtp_file asserts there is one. */
int testsmtp_read(const struct testsmtp *s, int n, const char *ext,
    struct buf *out);
void testsmtp_file(const struct testsmtp *s, int n, const char *ext,
    struct buf *out);

/* Remove a folder and the files in it (not deeper). */
void testsmtp_remove_dir(const char *dir);

#endif
