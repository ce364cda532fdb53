-- H2 makes a commit of its own (a chunk written to disk) each time an identity hands out its cached values:
-- with its default of 32, that was one extra commit for every 32 outbox rows, a third of the writer's time in
-- whole calls. PostgreSQL keeps the cache per session; either way a restart leaves only a gap in the ids.
ALTER TABLE webhook_outbox ALTER COLUMN id SET CACHE 1000;
