-- 051_diary.sql - the client's diary and mood meter (issue 11; owner:
-- diary, src/diary/diary.c).  Entries are sealed with the organisation's
-- key; a diary entry is the client's alone until shared_at is set.
CREATE TABLE diary_entries (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	body {{BLOB}} NOT NULL,
	created_at BIGINT NOT NULL,
	shared_at BIGINT
);
CREATE INDEX diary_entries_trajectory ON diary_entries(trajectory_id, created_at);

-- A mood: the sealed box holds the value (1-10), the tags and the note;
-- only the time is plain, for the plot's window.
CREATE TABLE mood_entries (
	id {{ID}},
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	at BIGINT NOT NULL,
	box {{BLOB}} NOT NULL
);
CREATE INDEX mood_entries_trajectory ON mood_entries(trajectory_id, at);

-- Times of day (minutes after midnight, UTC) the client wants a reminder.
CREATE TABLE mood_reminders (
	trajectory_id BIGINT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
	minute BIGINT NOT NULL CHECK (minute BETWEEN 0 AND 1439),
	last_at BIGINT,
	PRIMARY KEY (trajectory_id, minute)
);
