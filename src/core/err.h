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

#include <stddef.h>

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

/*
 * Why a person's input was refused.  A domain function that checks what a
 * person sent returns an ERR_* value and, when its caller passed a struct
 * why, says there which form field is at fault (NULL: the input as a
 * whole) and why, in an English sentence marked N_() (core/i18n.h) that
 * the page translates and shows next to the field; the page's status is
 * err_status() of the returned value.  The sentence may hold printf
 * conversions for name (%s) and then limit (%d), in that order, when
 * those are set; nothing else.  The web layer does not check again what
 * the domain checks, and never guesses what a bare error meant.
 */
struct why {
	const char *field;
	const char *msg;
	const char *name;     /* e.g. a file's name (cleaned); NULL: none */
	int limit;            /* e.g. a limit of limits.h in its unit; 0 */
};

/* Fill w (when not NULL) and return err: `return why_set(w, ERR_INVAL,
 * "body", N_("..."));`. */
static inline int
why_set(struct why *w, int err, const char *field, const char *msg)
{
	if (w != NULL) {
		w->field = field;
		w->msg = msg;
		w->name = NULL;
		w->limit = 0;
	}
	return err;
}

/* A person-readable sentence for an error value (never NULL). */
const char *err_msg(int err);
/* The HTTP status that belongs to an error value (500 for unknown). */
int err_status(int err);
/* The symbolic name ("NOTFOUND"), for logs and JSON. */
const char *err_name(int err);

#endif
