/*
 * err.h - the one list of errors.
 *
 * Functions return 0 on success or a negative ERR_* value, and hand their
 * results back through out-parameters.  The X-macro keeps the enum, the
 * person-readable message and the HTTP status in one place so they cannot
 * drift apart (the idea is libuv's UV_ERRNO_MAP).
 */
#ifndef INFUUS_ERR_H
#define INFUUS_ERR_H

/*    name        HTTP  message shown to a person */
#define ERR_MAP(X) \
	X(INVAL,      400, "The request is not valid.") \
	X(PARSE,      400, "The request could not be read.") \
	X(TOOBIG,     413, "What you sent is larger than allowed.") \
	X(TOOMANY,    413, "What you sent has more parts than allowed.") \
	X(NOTFOUND,   404, "This page or item does not exist.") \
	X(METHOD,     405, "This action is not allowed on this address.") \
	X(AUTH,       401, "Please log in first.") \
	X(LOGIN,      401, "The e-mail address or password is not correct.") \
	X(TOTP,       401, "The code is not correct or was already used.") \
	X(REAUTH,     401, "Your session has ended; please log in again.") \
	X(FORBIDDEN,  403, "You do not have access to this.") \
	X(CSRF,       403, "The form was out of date; please try again.") \
	X(CONFLICT,   409, "This conflicts with something that already exists.") \
	X(GONE,       410, "This link has expired or was already used.") \
	X(MEDIATYPE,  415, "This type of content is not accepted.") \
	X(THROTTLED,  429, "Too many attempts; please wait and try again.") \
	X(BUSY,       503, "The service is busy; please try again shortly.") \
	X(DB,         500, "A database error occurred.") \
	X(IO,         500, "A storage error occurred.") \
	X(CRYPTO,     500, "An encryption error occurred.") \
	X(MAIL,       502, "The e-mail could not be sent.") \
	X(INTERNAL,   500, "Something went wrong on our side.")

enum err {
	ERR_OK = 0,
#define ERR_ENUM_(name, status, msg) ERR_##name,
	ERR_FIRST_ = -1000,
	ERR_MAP(ERR_ENUM_)
#undef ERR_ENUM_
	ERR_LAST_
};

/* A person-readable sentence for an error value (never NULL). */
const char *err_msg(int err);
/* The HTTP status that belongs to an error value (500 for unknown). */
int err_status(int err);
/* The symbolic name ("NOTFOUND"), for logs and JSON. */
const char *err_name(int err);

#endif
