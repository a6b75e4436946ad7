-- Where each consumer group stands in each input partition: the next offset to process,
-- written in the same transaction as the state and outputs it accounts for (exactly-once
-- effects without Kafka transactions). The processor seeks here on assignment.
CREATE TABLE partition_checkpoints (
    consumer_group text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL CHECK (partition >= 0),
    next_offset bigint NOT NULL CHECK (next_offset >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);
