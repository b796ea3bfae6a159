-- 091_library_fts.sql - the library's search on the engines' own
-- full-text search (issue 12), owned by src/library (lib_index.c).
--
-- library_fts: one row a published item: the stems of its words as text,
-- made by src/library's stemmer (the same on both backends), the title's
-- apart from the rest so that a title counts more in the ranking.
-- SQLite: an FTS5 table, rowid the item's id, split at spaces only
-- ("ascii": the stems are lower case; it folds nothing else).
-- PostgreSQL: a tsvector of the title's stems with weight A and the
-- rest's with B (to_tsvector('simple', ...)), under a GIN index.
--
-- Who may see an item is library_items' to say, and the index says it
-- again, written with the item's words whenever they are (lib_index_on):
-- SQLite: each stem after the item's scope, "o<organisation id>§" for
-- a private item and "s§" for a shared one (the mark U+00A7 is in no
-- stem), and a search asks for its words under the caller's two scopes,
-- so FTS5 finds only what the caller may see without a look-up in
-- library_items a match.  PostgreSQL: the bare stems; a search joins each
-- match to its item through library_items_scope, which holds what the
-- join reads, so a long text is not read to learn its organisation.
--
-- library_terms (090) goes: the items' rows are made again from the items
-- when the program starts (lib_reindex, src/app/app.c), since the stems
-- come from C.  Library content is no client's data: a plain index.
{{SQLITE}}
CREATE VIRTUAL TABLE library_fts USING fts5(title, body,
    tokenize = 'ascii');
-- An FTS5 table has no foreign key: an item's row goes with it.
CREATE TRIGGER library_fts_gone AFTER DELETE ON library_items BEGIN
	DELETE FROM library_fts WHERE rowid = old.id;
END;
{{END}}
{{POSTGRES}}
CREATE TABLE library_fts (
	item_id BIGINT PRIMARY KEY REFERENCES library_items(id)
	    ON DELETE CASCADE,
	tsv tsvector NOT NULL
);
CREATE INDEX library_fts_tsv ON library_fts USING gin (tsv);
CREATE INDEX library_items_scope ON library_items (id, published_at,
    org_id, shared);
{{END}}
DROP TABLE library_terms;
