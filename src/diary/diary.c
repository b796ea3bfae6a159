/*
 * diary.c - the client's diary and mood meter (see diary.h).
 *
 * Owns diary_entries, mood_entries and mood_reminders.  Only the times
 * are plain (a plot window is chosen by time); the mood's value, tags and
 * note are one sealed box, "value\ntags\nnote".  Whether a professional
 * may read a diary entry is decided in authz (diary_entry_traj_on) and,
 * for lists, in the query: a list for a professional holds shared entries
 * only.
 */
#include "diary/diary.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/i18n.h"
#include "core/num.h"
#include "core/text.h"
#include "http/escape.h"
#include "keys/keyring.h"
#include "notify/outbox.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

struct add_job {
	struct keyring *kr;
	int64_t traj_id, now;
	struct str plain;
	bool share, mood;
	const struct audit_event *ev;
	int64_t id;
};

static int
add_run(struct db_conn *c, void *arg)
{
	struct add_job *j = arg;
	struct traj_head h;
	struct audit_event ev;
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	int rc;

	if ((rc = traj_head_on(c, j->traj_id, &h)) != 0)
		return rc;
	if ((rc = keyring_seal(j->kr, c, h.org_id, j->plain.p, j->plain.len,
	    &box)) != 0)
		goto out;
	if (j->mood)
		rc = db_prepare(c, "INSERT INTO mood_entries (trajectory_id, "
		    "at, box) VALUES (?, ?, ?) RETURNING id", &st);
	else
		rc = db_prepare(c, "INSERT INTO diary_entries (trajectory_id, "
		    "created_at, body, shared_at) VALUES (?, ?, ?, ?) "
		    "RETURNING id", &st);
	if (rc != 0)
		goto out;
	db_bind_i64(st, 1, j->traj_id);
	db_bind_i64(st, 2, j->now);
	db_bind_blob(st, 3, box.p, box.len);
	if (!j->mood) {
		if (j->share)
			db_bind_i64(st, 4, j->now);
		else
			db_bind_null(st, 4);
	}
	if ((rc = db_step_id(st, &j->id)) != 0)
		goto out;
	ev = audit_event_from(j->ev, h.org_id, AUDIT_CREATE,
	    j->mood ? "mood" : "diary", j->share ? "shared" : NULL,
	    h.client_id, j->id);
	rc = audit_append(c, &ev);
out:
	buf_release(&box);
	return rc;
}

static int
check_text(struct str s, size_t max, bool multiline, const char *field,
    struct why *w)
{
	int rc;

	if (s.len > max) {
		rc = why_set(w, ERR_TOOBIG, field, N_("This text is longer "
		    "than %d bytes."));
		if (w != NULL)
			w->limit = (int)max;
		return rc;
	}
	if (!text_clean(s, multiline))
		return why_set(w, ERR_INVAL, field, N_("This text holds a "
		    "character that is not allowed (a control character or "
		    "invalid UTF-8)."));
	return 0;
}

int
diary_add(const struct diary_env *env, int64_t traj_id, struct str body,
    bool share, const struct audit_event *ev, int64_t *id, struct why *w)
{
	struct add_job j;
	int rc;

	body = str_trim(body);
	if (body.len == 0)
		return why_set(w, ERR_INVAL, "body", N_("Write something "
		    "first."));
	if ((rc = check_text(body, LIMIT_DIARY_ENTRY, true, "body", w)) != 0)
		return rc;
	memset(&j, 0, sizeof(j));
	j.kr = env->kr;
	j.traj_id = traj_id;
	j.now = (int64_t)time(NULL);
	j.plain = body;
	j.share = share;
	j.ev = ev;
	if ((rc = db_write(env->db, add_run, &j)) == 0)
		*id = j.id;
	return rc;
}

struct share_job {
	int64_t id, now;
	const struct audit_event *ev;
};

static int
share_run(struct db_conn *c, void *arg)
{
	struct share_job *j = arg;
	struct traj_head h;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t traj_id;
	bool shared;
	int rc;

	if ((rc = diary_entry_traj_on(c, j->id, &traj_id, &shared)) != 0 ||
	    (rc = traj_head_on(c, traj_id, &h)) != 0)
		return rc;
	if (shared)
		return 0;
	if ((rc = db_prepare(c, "UPDATE diary_entries SET shared_at = ? "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->id);
	if ((rc = db_run(st)) != 0)
		return rc;
	ev = audit_event_from(j->ev, h.org_id, AUDIT_UPDATE, "diary", "share",
	    h.client_id, j->id);
	return audit_append(c, &ev);
}

int
diary_share(const struct diary_env *env, int64_t entry_id,
    const struct audit_event *ev)
{
	struct share_job j = { entry_id, (int64_t)time(NULL), ev };

	return db_write(env->db, share_run, &j);
}

int
diary_entry_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id,
    bool *shared)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT trajectory_id, shared_at FROM "
	    "diary_entries WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		*traj_id = db_col_i64(st, 0);
		*shared = !db_col_null(st, 1);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	return rc;
}

/* Log a read of kind on traj_id (log first, then show). */
static int
log_read(const struct diary_env *env, int64_t traj_id, const char *kind,
    const struct audit_event *ev, struct traj_head *h)
{
	struct audit_event rev;
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = traj_head_on(c, traj_id, h);
	db_read_end(env->db, c);
	if (rc != 0)
		return rc;
	rev = audit_event_from(ev, h->org_id, AUDIT_READ, kind, NULL,
	    h->client_id, traj_id);
	return audit_record(env->db, &rev);
}

int
diary_list(const struct diary_env *env, int64_t traj_id, bool client,
    int64_t from, int64_t to, const struct audit_event *ev, struct arena *a,
    struct diary_entry **out, int *n)
{
	struct traj_head h;
	struct db_conn *c;
	struct db_stmt *st;
	struct buf plain = BUF_INIT;
	int rc;

	*n = 0;
	*out = arena_calloc(a, LIMIT_DIARY_PAGE, sizeof(**out));
	if ((rc = log_read(env, traj_id, "diary", ev, &h)) != 0)
		return rc;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, client ?
	    "SELECT id, created_at, shared_at, body FROM diary_entries "
	    "WHERE trajectory_id = ? AND created_at >= ? AND created_at < ? "
	    "ORDER BY created_at DESC, id DESC LIMIT ?" :
	    "SELECT id, created_at, shared_at, body FROM diary_entries "
	    "WHERE trajectory_id = ? AND created_at >= ? AND created_at < ? "
	    "AND shared_at IS NOT NULL ORDER BY created_at DESC, id DESC "
	    "LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, from);
	db_bind_i64(st, 3, to);
	db_bind_i64(st, 4, LIMIT_DIARY_PAGE);
	while ((rc = db_step(st)) == DB_ROW && *n < LIMIT_DIARY_PAGE) {
		struct diary_entry *e = &(*out)[*n];
		struct str box = db_col_blob(st, 3);

		e->id = db_col_i64(st, 0);
		e->created_at = db_col_i64(st, 1);
		e->shared_at = db_col_null(st, 2) ? 0 : db_col_i64(st, 2);
		buf_reset(&plain);
		if ((rc = keyring_open(env->kr, c, h.org_id, box.p, box.len,
		    &plain)) != 0)
			break;
		e->body = arena_strndup(a, plain.p, plain.len);
		(*n)++;
	}
	db_done(st);
	rc = rc < 0 ? rc : 0;
out:
	buf_wipe(&plain);
	db_read_end(env->db, c);
	return rc;
}

/* Tags: words of small letters, digits or -, at most LIMIT_MOOD_TAGS of
 * at most LIMIT_MOOD_TAG bytes, separated by spaces or commas. */
static int
check_tags(struct str s, struct buf *clean, struct why *w)
{
	size_t i = 0;
	int n = 0, rc;

	while (i < s.len) {
		size_t st;

		while (i < s.len && (s.p[i] == ' ' || s.p[i] == ','))
			i++;
		if (i == s.len)
			break;
		st = i;
		while (i < s.len && s.p[i] != ' ' && s.p[i] != ',') {
			char ch = s.p[i];

			if (!((ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '-'))
				return why_set(w, ERR_INVAL, "tags", N_("A tag "
				    "is one word of small letters, digits or "
				    "-; separate tags by spaces."));
			i++;
		}
		if (i - st > LIMIT_MOOD_TAG || ++n > LIMIT_MOOD_TAGS) {
			rc = why_set(w, ERR_TOOMANY, "tags", N_("Give at most "
			    "%d tags of at most 32 letters."));
			if (w != NULL)
				w->limit = LIMIT_MOOD_TAGS;
			return rc;
		}
		if (clean->len)
			buf_addch(clean, ' ');
		buf_add(clean, s.p + st, i - st);
	}
	return 0;
}

int
mood_add(const struct diary_env *env, int64_t traj_id, int value,
    struct str tags, struct str note, const struct audit_event *ev,
    int64_t *id, struct why *w)
{
	struct buf plain = BUF_INIT, t = BUF_INIT;
	struct add_job j;
	size_t k;
	int rc;

	if (value < 1 || value > 10)
		return why_set(w, ERR_INVAL, "mood", N_("Choose your mood on "
		    "the scale from 1 to 10."));
	note = str_trim(note);
	if ((rc = check_text(note, LIMIT_MOOD_NOTE, true, "note", w)) != 0 ||
	    (rc = check_tags(tags, &t, w)) != 0)
		goto out;
	buf_printf(&plain, "%d\n%s\n", value, t.p);
	/* the note is the rest; its line breaks stay */
	for (k = 0; k < note.len; k++)
		buf_addch(&plain, note.p[k]);
	memset(&j, 0, sizeof(j));
	j.kr = env->kr;
	j.traj_id = traj_id;
	j.now = (int64_t)time(NULL);
	j.plain = buf_str(&plain);
	j.mood = true;
	j.ev = ev;
	if ((rc = db_write(env->db, add_run, &j)) == 0)
		*id = j.id;
out:
	buf_wipe(&plain);
	buf_release(&t);
	return rc;
}

static void
mood_parse(struct str s, struct arena *a, struct mood *m)
{
	struct str v, tags;
	int64_t x = 0;

	m->tags = m->note = "";
	if (!str_cut(s, '\n', &v, &s))
		v = s, s = STR_NULL;
	if (num_parse_i64(v, 1, 10, &x) == 0)
		m->value = (int)x;
	if (!str_cut(s, '\n', &tags, &s))
		tags = s, s = STR_NULL;
	m->tags = arena_strz(a, tags);
	m->note = arena_strz(a, s);
}

int
mood_list(const struct diary_env *env, int64_t traj_id, int64_t from,
    int64_t to, const struct audit_event *ev, struct arena *a,
    struct mood **out, int *n)
{
	struct traj_head h;
	struct db_conn *c;
	struct db_stmt *st;
	struct buf plain = BUF_INIT;
	int64_t count = 0;
	int64_t args[3] = { traj_id, from, to };
	int rc;

	*n = 0;
	*out = NULL;
	if ((rc = log_read(env, traj_id, "mood", ev, &h)) != 0)
		return rc;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM mood_entries WHERE "
	    "trajectory_id = ? AND at >= ? AND at < ?", &count, 3,
	    args)) != 0)
		goto out;
	if (count > LIMIT_MOOD_WINDOW)
		count = LIMIT_MOOD_WINDOW;
	*out = arena_calloc(a, (size_t)count + 1, sizeof(**out));
	if ((rc = db_prepare(c, "SELECT id, at, box FROM mood_entries WHERE "
	    "trajectory_id = ? AND at >= ? AND at < ? ORDER BY at, id "
	    "LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, from);
	db_bind_i64(st, 3, to);
	db_bind_i64(st, 4, count);
	while ((rc = db_step(st)) == DB_ROW && *n < count) {
		struct mood *m = &(*out)[*n];
		struct str box = db_col_blob(st, 2);

		m->id = db_col_i64(st, 0);
		m->at = db_col_i64(st, 1);
		buf_reset(&plain);
		if ((rc = keyring_open(env->kr, c, h.org_id, box.p, box.len,
		    &plain)) != 0)
			break;
		mood_parse(buf_str(&plain), a, m);
		(*n)++;
	}
	db_done(st);
	rc = rc < 0 ? rc : 0;
out:
	buf_wipe(&plain);
	db_read_end(env->db, c);
	return rc;
}

struct rem_job {
	int64_t traj_id;
	const int *minutes;
	int n;
	const struct audit_event *ev;
};

static int
rem_run(struct db_conn *c, void *arg)
{
	struct rem_job *j = arg;
	struct traj_head h;
	struct audit_event ev;
	struct db_stmt *st;
	int rc, i;

	if ((rc = traj_head_on(c, j->traj_id, &h)) != 0)
		return rc;
	if ((rc = db_prepare(c, "DELETE FROM mood_reminders WHERE "
	    "trajectory_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->traj_id);
	if ((rc = db_run(st)) != 0)
		return rc;
	for (i = 0; i < j->n; i++) {
		if ((rc = db_prepare(c, "INSERT INTO mood_reminders "
		    "(trajectory_id, minute) VALUES (?, ?) ON CONFLICT DO "
		    "NOTHING", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->traj_id);
		db_bind_i64(st, 2, j->minutes[i]);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	ev = audit_event_from(j->ev, h.org_id, AUDIT_UPDATE, "mood",
	    "reminders", h.client_id, j->traj_id);
	return audit_append(c, &ev);
}

int
mood_reminders_set(const struct diary_env *env, int64_t traj_id,
    const int *minutes, int n, const struct audit_event *ev, struct why *w)
{
	struct rem_job j = { traj_id, minutes, n, ev };
	int i, rc;

	if (n > LIMIT_MOOD_REMINDERS) {
		rc = why_set(w, ERR_TOOMANY, "times", N_("Choose at most %d "
		    "times a day."));
		if (w != NULL)
			w->limit = LIMIT_MOOD_REMINDERS;
		return rc;
	}
	for (i = 0; i < n; i++)
		if (minutes[i] < 0 || minutes[i] > 1439)
			return why_set(w, ERR_INVAL, "times", N_("Write a time "
			    "as hours and minutes, e.g. 09:30."));
	return db_write(env->db, rem_run, &j);
}

int
mood_reminders_get(struct db *db, int64_t traj_id, int *minutes, int *n)
{
	struct db_conn *c;
	struct db_stmt *st;
	int rc;

	*n = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT minute FROM mood_reminders WHERE "
	    "trajectory_id = ? ORDER BY minute", &st)) == 0) {
		db_bind_i64(st, 1, traj_id);
		while ((rc = db_step(st)) == DB_ROW &&
		    *n < LIMIT_MOOD_REMINDERS)
			minutes[(*n)++] = (int)db_col_i64(st, 0);
		db_done(st);
		rc = rc < 0 ? rc : 0;
	}
	db_read_end(db, c);
	return rc;
}

int
mood_face_value(int face)
{
	return face >= 1 && face <= MOOD_FACES ? 2 * face : 0;
}

int64_t
mood_slot(const struct tz *tz, int minute, int64_t now)
{
	struct tz_local l;
	time_t t;

	/* the slot on the client's wall clock today; a time skipped when the
	 * clocks go forward is read as tz_from_local does (02:30 becomes
	 * 03:30), a time that happens twice counts once (the earlier) */
	if (minute < 0 || minute > 1439 || tz_to_local(tz, (time_t)now,
	    &l) != 0 || tz_from_local(tz, l.year, l.month, l.day, minute / 60,
	    minute % 60, 0, &t) != 0)
		return -1;
	return (int64_t)t;
}

int64_t
mood_due_slot(const struct tz *tz, int minute, int64_t now)
{
	struct tz_local l;
	int64_t slot = mood_slot(tz, minute, now), days, y;
	time_t t;
	int m, d;

	if (slot < 0)
		return -1;
	if (slot > now) {
		/* yesterday on the wall clock: a civil day back, not 86400
		 * seconds (a day is 23 or 25 hours when the clocks change) */
		if (tz_to_local(tz, (time_t)now, &l) != 0)
			return -1;
		days = tz_days_from_civil(l.year, l.month, l.day) - 1;
		tz_civil_from_days(days, &y, &m, &d);
		if (tz_from_local(tz, (int)y, m, d, minute / 60, minute % 60,
		    0, &t) != 0)
			return -1;
		slot = (int64_t)t;
	}
	return now - slot > MOOD_REMIND_LATE ? 0 : slot;
}

struct mrem_job {
	int64_t now;
	struct tz_cache *tzc;
};

/* One page of reminder rows after (traj, min), then the due ones. */
static int
mrem_page(struct db_conn *c, struct mrem_job *j, const struct tz *utc,
    int64_t *after_traj, int64_t *after_min, int *more)
{
	struct db_stmt *st;
	int64_t traj[64], min[64], last[64];
	int rc, n = 0, i;

	/* last_at is the slot last reminded of; the next one is a day (at
	 * least 23 hours) later, so rows reminded of in the last 20 hours
	 * cannot be due and are not read */
	if ((rc = db_prepare(c, "SELECT trajectory_id, minute, last_at FROM "
	    "mood_reminders WHERE (last_at IS NULL OR last_at <= ?) AND "
	    "(trajectory_id > ? OR (trajectory_id = ? AND minute > ?)) "
	    "ORDER BY trajectory_id, minute LIMIT 64", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now - 20 * 3600);
	db_bind_i64(st, 2, *after_traj);
	db_bind_i64(st, 3, *after_traj);
	db_bind_i64(st, 4, *after_min);
	while ((rc = db_step(st)) == DB_ROW && n < 64) {
		traj[n] = db_col_i64(st, 0);
		min[n] = db_col_i64(st, 1);
		last[n] = db_col_null(st, 2) ? -1 : db_col_i64(st, 2);
		n++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	*more = n == 64;
	if (n > 0) {
		*after_traj = traj[n - 1];
		*after_min = min[n - 1];
	}
	for (i = 0; i < n; i++) {
		struct traj_head h;
		struct promise p;
		struct arena a;
		const struct tz *tz = utc;
		int64_t slot;

		/* the trajectory's promise has the client's zone (the
		 * organisation's unless agreed otherwise) */
		arena_init(&a);
		rc = j->tzc ? traj_promise_on(c, j->tzc, traj[i], &a, &p) :
		    ERR_NOTFOUND;
		if (rc == 0 && p.tz != NULL)
			tz = p.tz;
		arena_release(&a);
		if (rc != 0 && rc != ERR_NOTFOUND && rc != ERR_INVAL)
			return rc;
		slot = mood_due_slot(tz, (int)min[i], j->now);
		if (slot <= 0 || slot > j->now || last[i] >= slot)
			continue;
		if ((rc = traj_head_on(c, traj[i], &h)) != 0)
			return rc;
		if (h.phase != TRAJ_CLOSED) {
			if ((rc = outbox_add_on(c, &h.client_id, 1, traj[i],
			    j->now)) != 0)
				return rc;
		}
		if ((rc = db_prepare(c, "UPDATE mood_reminders SET last_at = ? "
		    "WHERE trajectory_id = ? AND minute = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, slot);
		db_bind_i64(st, 2, traj[i]);
		db_bind_i64(st, 3, min[i]);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return 0;
}

static int
mrem_run(struct db_conn *c, void *arg)
{
	struct mrem_job *j = arg;
	struct tz *utc = tz_utc();
	int64_t after_traj = -1, after_min = -1;
	int rc = 0, more = 1;

	while (more && rc == 0)
		rc = mrem_page(c, j, utc, &after_traj, &after_min, &more);
	tz_free(utc);
	return rc;
}

int
mood_remind(struct db *db, struct tz_cache *tzc, int64_t now)
{
	struct mrem_job j = { now, tzc };

	return db_write(db, mrem_run, &j);
}

int
diary_export_json(const struct diary_env *env, struct db_conn *c,
    int64_t org_id, int64_t traj_id, struct buf *out)
{
	struct db_stmt *st;
	struct buf plain = BUF_INIT;
	int rc, first = 1, pass;

	for (pass = 0; pass < 2; pass++) {
		if ((rc = db_prepare(c, pass == 0 ?
		    "SELECT id, created_at, shared_at, body FROM diary_entries "
		    "WHERE trajectory_id = ? ORDER BY id" :
		    "SELECT id, at, NULL, box FROM mood_entries "
		    "WHERE trajectory_id = ? ORDER BY id", &st)) != 0)
			break;
		db_bind_i64(st, 1, traj_id);
		buf_adds(out, pass == 0 ? "\"diary\":[" : ",\"moods\":[");
		first = 1;
		while ((rc = db_step(st)) == DB_ROW) {
			struct str box = db_col_blob(st, 3);

			buf_printf(out, "%s{\"id\":%lld,\"at\":%lld,",
			    first ? "" : ",", (long long)db_col_i64(st, 0),
			    (long long)db_col_i64(st, 1));
			if (pass == 0)
				buf_printf(out, "\"shared\":%s,",
				    db_col_null(st, 2) ? "false" : "true");
			buf_reset(&plain);
			if ((rc = keyring_open(env->kr, c, org_id, box.p,
			    box.len, &plain)) != 0)
				break;
			buf_adds(out, pass == 0 ? "\"text\":" : "\"mood\":");
			json_str(out, buf_str(&plain));
			buf_adds(out, "}");
			first = 0;
		}
		db_done(st);
		buf_adds(out, "]");
		if (rc < 0)
			break;
		rc = 0;
	}
	buf_wipe(&plain);
	return rc;
}
