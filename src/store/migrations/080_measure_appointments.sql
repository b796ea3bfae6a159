-- 080_measure_appointments.sql - questionnaires due N hours before or
-- after each appointment (issues 11 and 13; owner: instrument,
-- src/instrument/measure.c).  A questionnaire of schedule 'appointment'
-- keeps its moment as an offset in seconds: negative is before the
-- start, positive after the end, 0 the plain hook (measure_appointment_on).
-- appt_seen_until: the moments up to here are handled, so the reminder
-- pass takes each appointment's moment once.
ALTER TABLE questionnaires ADD COLUMN appt_offset BIGINT NOT NULL DEFAULT 0;
ALTER TABLE questionnaires ADD COLUMN appt_seen_until BIGINT;
