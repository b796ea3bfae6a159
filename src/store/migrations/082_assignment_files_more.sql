-- 082_assignment_files_more.sql - attachments on the client's draft and on
-- the professional's feedback (issue 11; owner: assignment,
-- src/assignment/assignment.c).  version_n 0 is the draft's: handing in
-- gives those files the new version's number, so each version keeps the
-- files it was handed in with.  feedback_id names the round of feedback a
-- professional's file belongs to (NULL: the client's work).
ALTER TABLE assignment_files ADD COLUMN feedback_id BIGINT;
ALTER TABLE assignment_files ADD COLUMN author_id BIGINT;
