-- One row per event and receiver is already guaranteed by the transition that writes it (an event's id is its call
-- and its number within the call, and only the transition that won its compare-and-set writes). Checking it again
-- in a unique index cost H2 a scan of the batch's uncommitted rows for every row written: with many transitions
-- in one transaction, most of the writer's time. Lookups by event id keep a plain index.
DROP INDEX webhook_outbox_one_per_receiver;
CREATE INDEX webhook_outbox_by_webhook_id ON webhook_outbox (webhook_id);
