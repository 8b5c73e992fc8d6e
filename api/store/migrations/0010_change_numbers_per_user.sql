-- Change numbers per user, as on PostgreSQL: with one sequence for everyone, the gap between two
-- of a user's own numbers in /api/changes counted the writes of every other account meanwhile
-- (when, and how much, someone else journals). users.change_seq is each user's counter. Every
-- counter starts above every number already given, so a device's cursor from before this
-- migration still lists exactly the changes made after it. SQLite cannot drop the table-wide
-- UNIQUE (seq): rebuild the table with UNIQUE (user_id, seq) instead.
ALTER TABLE users ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE users SET change_seq = (SELECT COALESCE(MAX(seq), 0) FROM records);
CREATE TABLE records_per_user_seq (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    day TEXT,
    flagged INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    data BLOB,
    secret BLOB,
    import_id INTEGER,
    PRIMARY KEY (user_id, kind, id),
    UNIQUE (user_id, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO records_per_user_seq
    (user_id, kind, id, version, seq, day, flagged, deleted, updated_at, data, secret, import_id)
    SELECT user_id, kind, id, version, seq, day, flagged, deleted, updated_at, data, secret,
        import_id
    FROM records;
DROP TABLE records;
ALTER TABLE records_per_user_seq RENAME TO records;
CREATE INDEX records_by_day ON records (user_id, kind, day) WHERE deleted = 0;
CREATE INDEX records_by_import ON records (import_id) WHERE import_id IS NOT NULL;
