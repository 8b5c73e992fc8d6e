-- Secrets the server makes for itself at first start (e.g. the key that signs device cookies),
-- in the database so that every server process on it uses the same one.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
