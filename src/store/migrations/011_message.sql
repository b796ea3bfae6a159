-- 011_message.sql - threads and messages inside a trajectory, attachments,
-- read state, drafts, the blind search index, notification preferences and
-- the notification outbox.  Columns ending in _box are sealed with the
-- organisation's data key.

CREATE TABLE threads (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	subject_box {{BLOB}} NOT NULL,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	last_message_at BIGINT NOT NULL
);
CREATE INDEX threads_trajectory ON threads(trajectory_id, last_message_at);

-- kind: 'message'; 'notice' (the professional needs more time: new_deadline
-- holds the new expected moment); 'correction' (corrects: the message it
-- corrects; the earlier text stays visible).
-- A client's message waits for a reply: deadline_at is set when it is
-- posted; replied_at/reply_id when a professional answers in the thread.
CREATE TABLE messages (
	id {{ID}},
	thread_id BIGINT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL,
	author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	author_role TEXT NOT NULL CHECK (author_role IN ('client', 'professional')),
	kind TEXT NOT NULL DEFAULT 'message'
	    CHECK (kind IN ('message', 'notice', 'correction')),
	body_box {{BLOB}} NOT NULL,
	quote_of BIGINT REFERENCES messages(id) ON DELETE SET NULL,
	quote_box {{BLOB}},
	corrects BIGINT REFERENCES messages(id) ON DELETE SET NULL,
	new_deadline BIGINT,
	created_at BIGINT NOT NULL,
	deadline_at BIGINT,
	replied_at BIGINT,
	reply_id BIGINT
);
CREATE INDEX messages_thread ON messages(thread_id, id);
CREATE INDEX messages_trajectory ON messages(trajectory_id, created_at);
CREATE INDEX messages_waiting ON messages(trajectory_id, deadline_at)
    WHERE replied_at IS NULL AND deadline_at IS NOT NULL;

CREATE TABLE attachments (
	id {{ID}},
	message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	name_box {{BLOB}} NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	data_box {{BLOB}} NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);

CREATE TABLE message_reads (
	message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	read_at BIGINT NOT NULL,
	PRIMARY KEY (message_id, user_id)
);
CREATE INDEX message_reads_user ON message_reads(user_id);

CREATE TABLE drafts (
	thread_id BIGINT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	body_box {{BLOB}} NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (thread_id, user_id)
);

-- Blind index: token = keyed hash (organisation search key) of a
-- normalised word, so search needs no plaintext on disk.
CREATE TABLE search_tokens (
	message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	token {{BLOB}} NOT NULL,
	PRIMARY KEY (token, message_id)
);
CREATE INDEX search_tokens_message ON search_tokens(message_id);

-- The organisation's search key for the blind index: random, sealed with
-- the organisation's data key (keyring_seal).  A key of its own rather than
-- one derived from the newest data key, so replacing a data key does not
-- make the existing tokens unfindable.
CREATE TABLE search_keys (
	org_id BIGINT NOT NULL PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
	key_box {{BLOB}} NOT NULL,
	created_at BIGINT NOT NULL
);

-- notify: 'each' (a mail per new message), 'daily' (a digest), 'none'
CREATE TABLE notify_prefs (
	user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	mode TEXT NOT NULL DEFAULT 'each' CHECK (mode IN ('each', 'daily', 'none'))
);

-- One row per person to tell about something new; the mail says only that
-- there is something new, never what.
CREATE TABLE notifications (
	id {{ID}},
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	trajectory_id BIGINT REFERENCES trajectories(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	sent_at BIGINT
);
CREATE INDEX notifications_pending ON notifications(sent_at, user_id);
