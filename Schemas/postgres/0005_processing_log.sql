-- Checkpoints write the whole engine only now and then (a full snapshot, with the input offsets
-- it was taken at); in between, each checkpoint appends the order in which the engine was given
-- its records since the previous one. A restore loads the snapshot and replays the input topics
-- from its offsets in that order up to partition_checkpoints' offsets: the same state, without
-- writing megabytes every second. A full snapshot deletes the partition's log.
ALTER TABLE engine_checkpoints ADD COLUMN snapshot_offsets jsonb NOT NULL DEFAULT '{}';

CREATE TABLE engine_order_log (
    id bigserial PRIMARY KEY,
    consumer_group text NOT NULL,
    partition integer NOT NULL,
    records integer NOT NULL CHECK (records > 0),
    segment bytea NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX engine_order_log_partition ON engine_order_log (consumer_group, partition, id);
