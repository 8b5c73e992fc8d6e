-- Imports written in batches (api/store/imports.py). An import has a row here while it runs;
-- the records it created carry its id, so a failed or abandoned import can be undone (and
-- nothing of its file remains). Import ids are random (never reused, even after a copy to
-- PostgreSQL or a restore), so a finished import's rows keep their id harmlessly.
ALTER TABLE records ADD COLUMN import_id INTEGER;
CREATE INDEX records_by_import ON records (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The first change number the import can take: the changes feed stops before it while the
    -- import runs, so no device ever pulls half an import.
    first_seq INTEGER NOT NULL,
    -- When its last batch was written: an import silent for longer than its abandon time is
    -- undone by the sweep (a crash, a killed process).
    alive_at TEXT NOT NULL
) STRICT;
CREATE INDEX imports_by_user ON imports (user_id);
