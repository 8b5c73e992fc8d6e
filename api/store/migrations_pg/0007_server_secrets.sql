-- Secrets the server makes for itself at first start (the key that signs device cookies), in
-- the database so that every server process uses the same one.
CREATE TABLE server_secrets (
    name TEXT COLLATE "C" PRIMARY KEY,
    value BYTEA NOT NULL
);
