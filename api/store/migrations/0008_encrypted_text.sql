-- Journal text encrypted at rest (api/domain/crypto.py, api/store/keys.py).
-- users.key_id names the account's data key in the key store (a file of its own, attached as
-- "keystore", so that database backups never hold a data key). records.secret holds the
-- record's private fields (the kind's private_fields), sealed with AES-256-GCM; records.data
-- keeps only the numbers, dates and choices that trends read in bulk.
ALTER TABLE users ADD COLUMN key_id BLOB;
ALTER TABLE records ADD COLUMN secret BLOB;

-- Accounts whose records were written before encryption: a start-up step
-- (api.store.records.encrypt_existing) moves their text into records.secret, one account at a
-- time, then removes them from here.
CREATE TABLE encrypt_pending (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE
) STRICT;
INSERT INTO encrypt_pending (user_id) SELECT id FROM users;
