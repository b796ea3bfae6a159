-- 081_measure_appointment_taken.sql - which appointment made a
-- questionnaire of "N hours before/after each appointment" due (issue 11;
-- owner: instrument, src/instrument/measure.c).  An appointment moved to a
-- later time keeps its id and gets a new moment; the pair here makes sure
-- it counts once all the same.
CREATE TABLE questionnaire_appt_taken (
	questionnaire_id BIGINT NOT NULL
	    REFERENCES questionnaires(id) ON DELETE CASCADE,
	appointment_id BIGINT NOT NULL,
	moment_at BIGINT NOT NULL,
	PRIMARY KEY (questionnaire_id, appointment_id)
);
