-- Accounts, server-side sessions, versioned records and share links.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT 'UTC',
    baseline_date TEXT,
    created_at TEXT NOT NULL
) STRICT;

-- The session secret is never stored: only its SHA-256. public_id names a session in the
-- account's session list without revealing the secret.
CREATE TABLE sessions (
    secret_hash BLOB PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    last_seen_at REAL NOT NULL,
    user_agent TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- One table for every versioned kind (entry, treatment, assessment): the client picks the id
-- (a UUID, unique per kind across all users, so another user's id is simply "not found"),
-- every change takes the next seq, and a delete keeps a tombstone (deleted = 1, data NULL).
CREATE TABLE records (
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
    PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX records_by_day ON records (user_id, kind, day) WHERE deleted = 0;
CREATE INDEX records_by_seq ON records (user_id, seq);

CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    audience TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    guides TEXT NOT NULL DEFAULT '[]',
    include_schedule INTEGER NOT NULL DEFAULT 0,
    period_from TEXT,
    period_to TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    opens INTEGER NOT NULL DEFAULT 0,
    last_opened_at TEXT
) STRICT;
CREATE INDEX shares_by_user ON shares (user_id);

-- Full-text index of the guides, rebuilt from guides/ at every start.
CREATE VIRTUAL TABLE guide_search USING fts5 (
    slug UNINDEXED,
    title,
    body,
    tokenize = 'porter unicode61'
);
