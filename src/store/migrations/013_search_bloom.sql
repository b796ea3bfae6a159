-- 013_search_bloom.sql - the blind search index as one Bloom filter per
-- message (src/message/search.h) instead of a row per word.
--
-- search_bloom: the filter of the message's distinct words, bits at
-- positions keyed with the organisation's search key (search_keys), so it
-- holds no plaintext and nothing that can be recomputed without the master
-- key.  NULL for notices (not indexed) and for messages posted before this
-- migration: a search opens and checks those, and writes their filter.
ALTER TABLE messages ADD COLUMN search_bloom {{BLOB}};

-- The rows per word go: some 80 per message, scattered over two B-trees,
-- were most of what posting cost.  Their words are in the filters again
-- as searches open the older messages.
DROP INDEX search_tokens_message;
DROP TABLE search_tokens;
