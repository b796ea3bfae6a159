/*
 * testsmtp.c - the SMTP sink of the unit tests (see testsmtp.h): starts
 * smtp_sink.py, waits for the port it writes, and reads what it stored.
 *
 * Owns the child process and its folder under /tmp.  The child's stderr
 * (tracebacks of a client that drops TLS on purpose, say) goes to
 * sink.log in that folder, shown when the server fails to start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "core/buf.h"
#include "testsmtp.h"

#include "core/banned.h"

#define SINK INFUUS_SOURCE_ROOT "/tests/unit/smtp_sink.py"

static int
slurp(const char *path, struct buf *out)
{
	char chunk[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}

void
testsmtp_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
testsmtp_start(struct testsmtp *s, const char *tls_cert, const char *tls_key)
{
	struct buf port = BUF_INIT;
	char path[128];
	int i, status;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/infuus-smtp-XXXXXX");
	if (mkdtemp(s->dir) == NULL) {
		s->dir[0] = '\0';
		return -1;
	}
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		/* Debian's python3 has aiosmtpd; another one first on PATH
		 * (pyenv) may not. */
		const char *py = access("/usr/bin/python3", X_OK) == 0 ?
		    "/usr/bin/python3" : "python3";
		char log[128];
		int fd;

		snprintf(log, sizeof(log), "%s/sink.log", s->dir);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		if (tls_cert)
			execlp(py, py, SINK, s->dir, "--tls", tls_cert, tls_key,
			    (char *)NULL);
		else
			execlp(py, py, SINK, s->dir, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/port", s->dir);
	for (i = 0; i < 200; i++) {
		if (slurp(path, &port) == 0 && port.len > 0)
			break;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			struct buf log = BUF_INIT;

			snprintf(path, sizeof(path), "%s/sink.log", s->dir);
			slurp(path, &log);
			fprintf(stderr, "smtp_sink.py exited (status %d); is "
			    "python3-aiosmtpd installed?\n%s\n", status, log.p);
			buf_release(&log);
			s->pid = 0;
			buf_release(&port);
			return -1;
		}
		msleep(50);
	}
	s->port = (int)strtol(port.p, NULL, 10);
	buf_release(&port);
	return s->port > 0 ? 0 : -1;
}

void
testsmtp_stop(struct testsmtp *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->dir[0])
		testsmtp_remove_dir(s->dir);
	s->dir[0] = '\0';
}

int
testsmtp_count(const struct testsmtp *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l > 4 && strcmp(e->d_name + l - 4, ".eml") == 0)
			n++;
	}
	closedir(d);
	return n;
}

int
testsmtp_read(const struct testsmtp *s, int n, const char *ext,
    struct buf *out)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%d.%s", s->dir, n, ext);
	buf_reset(out);
	return slurp(path, out);
}

void
testsmtp_file(const struct testsmtp *s, int n, const char *ext,
    struct buf *out)
{
	assert_int_equal(testsmtp_read(s, n, ext, out), 0);
}
