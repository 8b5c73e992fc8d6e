-- Record ids are scoped to their owner: the key becomes (user_id, kind, id), so a user's PUT of
-- any id creates or replaces only their own record and no answer depends on whether another
-- user holds the same id. SQLite cannot change a primary key in place: rebuild the table.
CREATE TABLE records_by_user (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL UNIQUE,
    day TEXT,
    flagged INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    data BLOB,
    PRIMARY KEY (user_id, kind, id)
) STRICT, WITHOUT ROWID;
INSERT INTO records_by_user (user_id, kind, id, version, seq, day, flagged, deleted, updated_at, data)
    SELECT user_id, kind, id, version, seq, day, flagged, deleted, updated_at, data FROM records;
DROP TABLE records;
ALTER TABLE records_by_user RENAME TO records;
CREATE INDEX records_by_day ON records (user_id, kind, day) WHERE deleted = 0;
CREATE INDEX records_by_seq ON records (user_id, seq);
