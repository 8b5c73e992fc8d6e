-- SQLite's migration 0010 numbers changes per user; on PostgreSQL they always were
-- (users.change_seq, migration 0001). Nothing to change here.
SELECT 1;
