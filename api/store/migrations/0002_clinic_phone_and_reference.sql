-- Two optional account fields: the clinic's phone number (shown on care-team prompts) and a
-- reference the clinic knows the patient by (printed in the clinician report's header).
ALTER TABLE users ADD COLUMN clinic_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN patient_reference TEXT NOT NULL DEFAULT '';
