-- 015_thread_pages.sql - what reading a thread a page at a time looks up
-- by index, so a page costs the same in a thread of any length.
--
-- The page itself is read backwards along messages_thread (thread_id, id).
-- Two more look-ups went through every message of the thread:
--   - the messages waiting for a reply in a thread (the page's head: how
--     many, and the earliest deadline).  messages_waiting serves the
--     trajectory; this one the thread.  Partial: it holds only client
--     messages not yet answered, a handful per thread;
--   - the corrections of a message (an older page shows the later
--     corrections of its messages; a quote opens a message's newest
--     correction).  Partial: only corrections have `corrects`, so an
--     ordinary post pays nothing for it.
CREATE INDEX messages_thread_waiting ON messages(thread_id, deadline_at)
    WHERE replied_at IS NULL AND deadline_at IS NOT NULL;
CREATE INDEX messages_corrects ON messages(corrects) WHERE corrects IS NOT NULL;
