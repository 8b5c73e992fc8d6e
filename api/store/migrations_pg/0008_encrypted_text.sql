-- Journal text encrypted at rest: the PostgreSQL counterpart of SQLite's 0008. On PostgreSQL
-- the wrapped data keys live in their own schema, "keystore", which a backup can leave out
-- (pg_dump --exclude-schema=keystore) and which is backed up apart, like SQLite's key store
-- file (README, "Storage").
ALTER TABLE users ADD COLUMN key_id BYTEA;
ALTER TABLE records ADD COLUMN secret BYTEA;

CREATE TABLE encrypt_pending (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE
);
INSERT INTO encrypt_pending (user_id) SELECT id FROM users;

CREATE SCHEMA IF NOT EXISTS keystore;
CREATE TABLE keystore.data_keys (
    key_id BYTEA PRIMARY KEY,
    wrapped BYTEA NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
