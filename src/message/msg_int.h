/*
 * msg_int.h - what the files of src/message share (internal; not for other
 * folders): message.c (posting and correcting, the heads), msg_view.c
 * (reading threads, messages and attachments), msg_state.c (read state,
 * drafts, the assistant's context), msg_export.c (the export), search.c.
 */
#ifndef INFUUS_MSG_INT_H
#define INFUUS_MSG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "audit/audit.h"
#include "message/message.h"

struct db_conn;
struct db_stmt;
struct keyring;

/* A short excerpt of plain text around byte offset at, at most about max
 * bytes, cut at UTF-8 boundaries and spaces, line breaks as spaces, with
 * an ellipsis where text was left out.  In a. */
const char *msg_excerpt(struct str text, size_t at, size_t max,
    struct arena *a);

/* messages.author_role as stored ("client" or "professional", role.h's
 * names): parsed here, never compared as a string elsewhere. */
const char *msg_author_role(bool from_client);
bool msg_author_is_client(struct str col);

/* --- shared by message.c, msg_view.c, msg_state.c and msg_export.c ------ */

/* A thread's or trajectory's head as these files use it: the trajectory's
 * facts come from its owner (traj_head_on), the thread's from here. */
struct msg_head {
	int64_t thread_id;
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	bool closed;
	bool share_reads;
};

/* The trajectory's head (thread_id 0), and a thread's. ERR_NOTFOUND. */
int msg_traj_head(struct db_conn *c, int64_t traj_id, struct msg_head *h);
int msg_thread_head(struct db_conn *c, int64_t thread_id, struct msg_head *h);
/* Does user_id take part in the trajectory, and as its client?
 * ERR_FORBIDDEN when not at all. */
int msg_part_of(struct db_conn *c, int64_t traj_id, int64_t user_id,
    bool *client);
/* The caller's audit template for one access to h's data. */
struct audit_event msg_event_for(const struct audit_event *tmpl,
    enum audit_action action, const char *kind, const char *detail,
    const struct msg_head *h, int64_t object_id);
/* One access in a write job of its own: for reads (log first, then
 * show). */
int msg_log_read(const struct msg_env *env, const struct audit_event *tmpl,
    const char *kind, const char *detail, const struct msg_head *h,
    int64_t object_id);

/* A message row as read with MSG_COLUMNS, its boxes still sealed. */
struct msg_row {
	struct msg_message m;
	struct str body_box;
	struct str quote_box;
	bool viewer_read;
};

struct msg_att_row {
	struct msg_attachment att;
	struct str name_box;
};

/* The columns of a message row (the author's name comes from identity in
 * msg_open_rows, one batch for the rows), then the viewer's and the client's read
 * times; one row per message.  One's own message is read when written,
 * without a message_reads row: that row cost every post an insert into
 * two indexes on the single writer.  Binds: viewer, viewer, client. */
#define MSG_COLUMNS \
	"SELECT m.id, m.thread_id, m.author_id, m.author_role, " \
	"m.kind, m.body_box, m.quote_of, m.quote_box, m.corrects, " \
	"m.new_deadline, m.created_at, m.deadline_at, m.replied_at, " \
	"CASE WHEN m.author_id = ? THEN m.created_at ELSE " \
	"(SELECT r.read_at FROM message_reads r WHERE r.message_id = m.id " \
	"AND r.user_id = ?) END, " \
	"(SELECT r.read_at FROM message_reads r WHERE r.message_id = m.id " \
	"AND r.user_id = ?) " \
	"FROM messages m "

/* Thread list and head columns: counts for a viewer (own messages are
 * read, see MSG_COLUMNS).  Binds: viewer, viewer. */
#define THREAD_COLUMNS \
	"SELECT t.id, t.trajectory_id, t.subject_box, t.created_by, " \
	"t.created_at, t.last_message_at, " \
	"(SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id), " \
	"(SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND " \
	"COALESCE(m.author_id, 0) <> ? AND " \
	"NOT EXISTS (SELECT 1 FROM message_reads r WHERE " \
	"r.message_id = m.id AND r.user_id = ?)), " \
	"(SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND " \
	"m.author_role = 'client' AND m.deadline_at IS NOT NULL AND " \
	"m.replied_at IS NULL), " \
	"(SELECT MIN(m.deadline_at) FROM messages m WHERE " \
	"m.thread_id = t.id AND m.author_role = 'client' AND " \
	"m.deadline_at IS NOT NULL AND m.replied_at IS NULL) " \
	"FROM threads t "

/* The stored kind ("message", "notice", "correction"). */
enum msg_kind msg_kind_parse(struct str s);
/* now, or the current time for 0. */
int64_t msg_now_or(time_t now);
/* An integer column, 0 for NULL. */
int64_t msg_col_or_zero(struct db_stmt *st, int col);
/* Fill r from a MSG_COLUMNS row (boxes copied into a). */
void msg_row_read(struct db_stmt *st, struct arena *a, struct msg_row *r);
/* The attachments of loaded rows (sorted by id), hung on their rows;
 * *out keeps their sealed names for msg_open_rows. */
int msg_load_attachments(struct db_stmt *st, struct arena *a,
    struct msg_row *rows, size_t n, struct msg_att_row **out, size_t *nout);
/* Open the texts of loaded rows and their attachments' names; the
 * authors' names from identity (user_names_on, one batch). */
int msg_open_rows(const struct msg_env *env, struct db_conn *c, int64_t org_id,
    struct msg_row *rows, size_t n, struct msg_att_row *ar, size_t na,
    struct arena *a);
/* A thread row (THREAD_COLUMNS or the page head's) into *th. */
void msg_thread_row(struct db_stmt *st, const struct msg_head *h,
    bool viewer_client, struct arena *a, struct msg_thread *th,
    struct str *box);

#endif
