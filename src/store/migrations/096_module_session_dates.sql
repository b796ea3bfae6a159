-- 096_module_session_dates.sql - a date per session of a module's run
-- (issue 12, timing "on a date" per session); owned by src/module.
--
-- A run with timing 'dates' opens session n on module_session_state's
-- opens_at for it, which the professional sets on the run's page; 0 (no
-- date yet) keeps the session closed.  Other timings leave it 0.
ALTER TABLE module_session_state ADD COLUMN opens_at BIGINT NOT NULL
    DEFAULT 0;
