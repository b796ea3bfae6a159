/*
 * static.c - the files under /static/ (style sheets, scripts, images).
 *
 * Files are opened relative to a descriptor of the static directory with
 * openat2(RESOLVE_BENEATH), so neither a path nor a symbolic link inside
 * the directory can lead out of it (kernels before 5.6 fall back to
 * openat with O_NOFOLLOW; the path parser already refuses ".." segments).
 * The ETag is the size and modification time (cheap, and it changes when
 * the file is replaced); the server sends the file with sendfile through
 * MHD_create_response_from_fd.
 */
#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/banned.h"

int
http_static_open(const char *dir, int *dirfd)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		log_err("http.static", "dir=%s error=\"%s\"", dir,
		    strerror(errno));
		return ERR_IO;
	}
	*dirfd = fd;
	return 0;
}

const char *
http_mime_type(const char *name)
{
	static const struct {
		const char *ext;
		const char *type;
	} types[] = {
		{ "css", "text/css; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },
		{ "map", "application/json" },
		{ "html", "text/html; charset=utf-8" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "svg", "image/svg+xml" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "webp", "image/webp" },
		{ "avif", "image/avif" },
		{ "ico", "image/vnd.microsoft.icon" },
		{ "woff", "font/woff" },
		{ "woff2", "font/woff2" },
		{ "pdf", "application/pdf" },
		{ "mp3", "audio/mpeg" },
		{ "ogg", "audio/ogg" },
		{ "wav", "audio/wav" },
		{ "mp4", "video/mp4" },
		{ "webm", "video/webm" },
		{ "wasm", "application/wasm" },
		{ "webmanifest", "application/manifest+json" },
	};
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
	size_t i;

	if (dot == NULL || (slash != NULL && dot < slash))
		return "application/octet-stream";
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/*
 * Without openat2 (kernels before 5.6, valgrind): walk the path one
 * component at a time, refusing a symbolic link at every step -- O_NOFOLLOW
 * on the whole path would only guard its last component.  The path parser
 * has already refused "..", "." and empty segments.
 */
static int
open_walk(int dirfd, const char *rel)
{
	char part[256];
	const char *p = rel, *slash;
	int fd = dirfd, next;
	size_t n;

	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || n >= sizeof(part)) {
			next = -1;
			errno = ENOENT;
		} else {
			memcpy(part, p, n);
			part[n] = '\0';
			next = openat(fd, part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
			    (slash ? O_DIRECTORY : 0));
		}
		if (fd != dirfd)
			close(fd);
		if (next < 0 || slash == NULL)
			return next;
		fd = next;
		p = slash + 1;
	}
}

static int
open_beneath(int dirfd, const char *rel)
{
	struct open_how how;
	int fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = open_walk(dirfd, rel);
	return fd;
}

/* Does an If-None-Match header name this ETag (or "*")? */
static bool
etag_listed(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = header;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2; /* weak comparison, as RFC 9110 asks here */
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' ' || p[n] == '\t'))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

int
http_static_serve(struct req *r, int dirfd, const char *rel,
    const char *if_none_match)
{
	const char *p;
	struct stat st;
	char *etag;
	int fd = -1, rc = ERR_NOTFOUND;

	if (rel[0] == '\0')
		goto out;
	for (p = rel; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (*p == '.' || *p == '/' || *p == '\0')
			goto out; /* hidden, empty segment or trailing '/' */
	}
	if ((fd = open_beneath(dirfd, rel)) < 0)
		goto out;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	etag = arena_printf(&r->arena, "\"%llx-%llx\"",
	    (unsigned long long)st.st_size,
	    (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
	    (unsigned long long)st.st_mtim.tv_nsec);
	resp_header(r, "ETag", etag);
	resp_header(r, "Cache-Control", "public, max-age=3600");
	r->resp_type = http_mime_type(rel);
	if (if_none_match && etag_listed(if_none_match, etag)) {
		r->status = 304;
	} else {
		r->status = 200;
		r->resp_fd = fd;
		r->resp_fd_size = (uint64_t)st.st_size;
		fd = -1;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
