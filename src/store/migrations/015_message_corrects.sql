-- 015_message_corrects.sql - the corrections of a message, found by index.
--
-- A thread is read a page at a time (msg_thread_page); a page of older
-- messages also shows the later corrections of its messages, and a quote
-- opens a message's newest correction.  Both look corrections up by the
-- message they correct; without this index that is a scan of the thread
-- (or of the table), which grows with the conversation.  Partial: only
-- corrections have `corrects`, so ordinary posts pay nothing for it.
CREATE INDEX messages_corrects ON messages(corrects) WHERE corrects IS NOT NULL;
