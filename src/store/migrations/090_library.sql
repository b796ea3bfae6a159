-- 090_library.sql - the psycho-education library (issue 12, "Library");
-- owned by src/library.
--
-- library_items: one item of an organisation's library.  Articles are
-- Markdown (body); kind and media_id are there for the video and audio
-- items of the media store (src/media), which will name its object in
-- media_id: until then every item is an article and media_id is NULL.
-- Library content is the organisation's teaching material, not a
-- client's data: stored plain.  published_at 0 is a draft; shared 1 makes a
-- published item readable in every organisation (an administrator's
-- choice).
CREATE TABLE library_items (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	kind TEXT NOT NULL DEFAULT 'article'
	    CHECK (kind IN ('article', 'video', 'audio')),
	media_id BIGINT,
	title TEXT NOT NULL,
	summary TEXT NOT NULL,
	body TEXT NOT NULL,
	tags TEXT NOT NULL DEFAULT '',
	audience TEXT NOT NULL
	    CHECK (audience IN ('clients', 'professionals', 'employers')),
	lang TEXT NOT NULL CHECK (lang IN ('nl', 'en')),
	level TEXT NOT NULL CHECK (level IN ('A2', 'B1', 'B2', 'C1')),
	published_at BIGINT NOT NULL DEFAULT 0,
	shared BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX library_items_org ON library_items (org_id, id);
CREATE INDEX library_items_shared ON library_items (shared, id);

-- The search index: the stems of a published item's words (src/library's
-- stemmer, the same on both backends) in the scope it is visible in: its
-- organisation's id, or 0 when shared with all.  A search walks
-- (term, scope) ranges of the key and stops at its limit, so its cost
-- follows the results asked for, not the size of the library.
CREATE TABLE library_terms (
	term TEXT NOT NULL,
	scope BIGINT NOT NULL,
	item_id BIGINT NOT NULL REFERENCES library_items(id) ON DELETE CASCADE,
	PRIMARY KEY (term, scope, item_id)
);
CREATE INDEX library_terms_item ON library_terms (item_id);

-- A client's own list ("my library"): which items they keep.
CREATE TABLE library_kept (
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	item_id BIGINT NOT NULL REFERENCES library_items(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	kept_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, item_id)
);
