-- The clinic's phone number (shown on care-team prompts) and the clinic's record number
-- (printed in the report's header).
ALTER TABLE users ADD COLUMN clinic_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN patient_reference TEXT NOT NULL DEFAULT '';
