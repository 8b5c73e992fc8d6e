-- Imports written in batches (api/store/imports.py): see ../migrations/0009_imports.sql.
ALTER TABLE records ADD COLUMN import_id BIGINT;
CREATE INDEX records_by_import ON records (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE imports (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    first_seq BIGINT NOT NULL,
    alive_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX imports_by_user ON imports (user_id);
