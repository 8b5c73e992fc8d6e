-- Record ids are scoped to their owner: the key becomes (user_id, kind, id).
ALTER TABLE records DROP CONSTRAINT records_pkey;
ALTER TABLE records ADD PRIMARY KEY (user_id, kind, id);
